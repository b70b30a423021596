"""The trust policy: who must sign, who may waive, and the effective checklist a result is judged by.

golive trusts the VERIFIER's own golive.yml. Its `signoff:` and `waivers:` blocks are read
here, and `effective_checklist` condenses everything that decides a verdict (every item's
severity and parameters after overrides, the disabled list, the policy) into one canonical
structure; its digest is recorded in every result, and `golive verify` recomputes it from its
own configuration, so a result judged under a weaker checklist or policy never verifies.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from golive.yamlfile import ConfigError, Key, Located, dotted

if TYPE_CHECKING:
    from golive.checklist import Checklist

SIGNOFF_KEYS = ("roles", "distinct_signers", "runner", "runner_key", "max_age_hours")
WAIVER_KEYS = ("file", "approver_roles", "max_days", "unsigned")
UNSIGNED_CHOICES = ("refuse", "allow")
DEFAULT_APPROVER_ROLES = ("release-manager", "security-lead")
DEFAULT_MAX_AGE_HOURS = 24.0
DEFAULT_WAIVER_MAX_DAYS = 30
# A waiver is a temporary acceptance of one risk; a year is the longest any policy may allow.
MAX_WAIVER_DAYS = 366
# Results older than a year are history, not a deploy decision.
MAX_AGE_HOURS_LIMIT = 24 * 366


@dataclass
class SignoffPolicy:
    roles: list[str]
    distinct_signers: bool = True
    runner: str | None = None
    runner_key: str | None = None
    max_age_hours: float = DEFAULT_MAX_AGE_HOURS


@dataclass
class WaiverPolicy:
    file: str | None = None
    approver_roles: list[str] = field(default_factory=lambda: list(DEFAULT_APPROVER_ROLES))
    max_days: int = DEFAULT_WAIVER_MAX_DAYS
    unsigned: str = "refuse"

    @property
    def unsigned_allowed(self) -> bool:
        return self.unsigned == "allow"


@dataclass
class Policy:
    signoff: SignoffPolicy
    waivers: WaiverPolicy

    def to_json(self) -> dict[str, Any]:
        """What of the policy decides a verdict (the runner key's path is the runner's own business)."""
        return {
            "signoff": {
                "roles": list(self.signoff.roles),
                "distinct_signers": self.signoff.distinct_signers,
                "runner": self.signoff.runner,
                "max_age_hours": self.signoff.max_age_hours,
            },
            "waivers": {
                "approver_roles": list(self.waivers.approver_roles),
                "max_days": self.waivers.max_days,
                "unsigned": self.waivers.unsigned,
            },
        }


def checklist_roles(checklist: Checklist) -> list[str]:
    """Roles of the checklist's per-role sign-off items, in checklist order."""
    return [str(item.params["role"]) for item in checklist.items if item.signoff and item.params.get("role")]


def parse_policy(located: Located, top: dict[str, Any], env: dict[str, Any], env_key: Key, checklist: Checklist) -> Policy:
    """The environment's policy: its `signoff:`/`waivers:` keys override the top level's key by key."""
    signoff_raw: dict[str, Any] = {}
    waiver_raw: dict[str, Any] = {}
    signoff_where: dict[str, Key] = {}
    waiver_where: dict[str, Key] = {}
    for scope, block in (((), top), (env_key, env)):
        raw = block.get("signoff")
        if raw is not None:
            if not isinstance(raw, dict):
                raise ConfigError(f"{located.where((*scope, 'signoff'))}: {dotted((*scope, 'signoff'))} must be a mapping")
            for name, value in raw.items():
                _known(located, (*scope, "signoff", str(name)), str(name), SIGNOFF_KEYS)
                signoff_raw[str(name)] = value
                signoff_where[str(name)] = (*scope, "signoff", str(name))
        raw = block.get("waivers")
        if isinstance(raw, str):
            waiver_raw["file"] = raw
            waiver_where["file"] = (*scope, "waivers")
        elif isinstance(raw, dict):
            for name, value in raw.items():
                _known(located, (*scope, "waivers", str(name)), str(name), WAIVER_KEYS)
                waiver_raw[str(name)] = value
                waiver_where[str(name)] = (*scope, "waivers", str(name))
        elif raw is not None:
            raise ConfigError(f"{located.where((*scope, 'waivers'))}: waivers must be a file path or a mapping ({', '.join(WAIVER_KEYS)})")

    known_roles = checklist_roles(checklist)
    if len(set(known_roles)) != len(known_roles):
        twice = sorted({role for role in known_roles if known_roles.count(role) > 1})
        raise ConfigError(f"{located.path}: the checklist's sign-off items name role(s) {', '.join(twice)} more than once")
    roles = _roles(located, signoff_where.get("roles"), signoff_raw.get("roles", known_roles))
    for role in roles:
        if role not in known_roles:
            raise ConfigError(
                f"{located.where(signoff_where['roles'])}: signoff.roles: role '{role}' has no sign-off item in the checklist "
                f"(sign-off roles: {', '.join(known_roles) or 'none'})"
            )
    signoff = SignoffPolicy(roles=roles)
    if "distinct_signers" in signoff_raw:
        signoff.distinct_signers = _boolean(located, signoff_where["distinct_signers"], signoff_raw["distinct_signers"])
    for name in ("runner", "runner_key"):
        if signoff_raw.get(name) is not None:
            setattr(signoff, name, _text(located, signoff_where[name], signoff_raw[name]))
    if "max_age_hours" in signoff_raw:
        signoff.max_age_hours = float(
            _number(located, signoff_where["max_age_hours"], signoff_raw["max_age_hours"], 0, MAX_AGE_HOURS_LIMIT, integer=False)
        )

    waivers = WaiverPolicy()
    if waiver_raw.get("file") is not None:
        waivers.file = _text(located, waiver_where["file"], waiver_raw["file"])
    if "approver_roles" in waiver_raw:
        waivers.approver_roles = _roles(located, waiver_where["approver_roles"], waiver_raw["approver_roles"])
    if "max_days" in waiver_raw:
        waivers.max_days = int(_number(located, waiver_where["max_days"], waiver_raw["max_days"], 1, MAX_WAIVER_DAYS, integer=True))
    if "unsigned" in waiver_raw:
        choice = waiver_raw["unsigned"]
        if choice not in UNSIGNED_CHOICES:
            raise ConfigError(f"{located.where(waiver_where['unsigned'])}: waivers.unsigned must be one of {', '.join(UNSIGNED_CHOICES)}")
        waivers.unsigned = str(choice)
    if signoff.runner is not None and signoff.runner in roles:
        raise ConfigError(f"{located.where(signoff_where['runner'])}: signoff.runner '{signoff.runner}' is also a sign-off role")
    return Policy(signoff, waivers)


def _known(located: Located, key: Key, name: str, allowed: tuple[str, ...]) -> None:
    if name not in allowed:
        from golive.yamlfile import suggest

        raise ConfigError(f"{located.where(key)}: unknown key '{name}' in {dotted(key[:-1])}{suggest(name, allowed)}")


def _roles(located: Located, key: Key | None, value: Any) -> list[str]:
    where = located.where(key) if key else str(located.path)
    if not isinstance(value, list) or not all(isinstance(role, str) and role.strip() for role in value):
        raise ConfigError(f"{where}: {dotted(key) if key else 'roles'} must be a list of role names")
    for role in value:
        if any(char in role for char in "*?!,\"' \t\n"):
            raise ConfigError(f"{where}: role '{role}': a role is a plain principal name (no wildcards, commas, quotes or spaces)")
    if len(set(value)) != len(value):
        raise ConfigError(f"{where}: {dotted(key) if key else 'roles'} names a role twice")
    return [str(role) for role in value]


def _boolean(located: Located, key: Key, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{located.where(key)}: {dotted(key)} must be true or false")
    return value


def _text(located: Located, key: Key, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or "\n" in value:
        raise ConfigError(f"{located.where(key)}: {dotted(key)} must be a non-empty one-line string")
    return value


def _number(located: Located, key: Key, value: Any, low: float, high: float, integer: bool) -> float:
    kind = "a whole number" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise ConfigError(f"{located.where(key)}: {dotted(key)} must be {kind}")
    if integer:
        inside = low <= value <= high
        bounds = f"between {low:g} and {high:g}"
    else:
        inside = math.isfinite(value) and low < value <= high
        bounds = f"in ({low:g}, {high:g}]"
    if not inside:
        raise ConfigError(f"{located.where(key)}: {dotted(key)} must be a finite number {bounds}")
    return value


def effective_checklist(checklist: Checklist, policy: Policy, promote_from: str | None, applies: dict[str, bool]) -> dict[str, Any]:
    """Everything that decides a verdict, in one canonical structure (no titles or prose).

    Masked like every output, so the copy recorded in a result and the verifier's own
    computation agree byte for byte (a secret-looking parameter never enters either)."""
    from golive.secrets import mask_value

    effective = {
        "items": [
            {
                "id": item.id,
                "kind": item.kind,
                "check": item.check_name,
                "source": item.source,
                "severity": item.severity,
                "params": item.params,
                "hosts": item.hosts,
                "signoff": item.signoff,
                "protected": item.protected,
                # Which release field an item stands for: the release block's version and the
                # signed report's Release Metadata lines are read through it.
                "release": item.release,
                "applies": applies.get(item.id, True),
            }
            for item in checklist.items
        ],
        "disabled": sorted(entry.id for entry in checklist.disabled),
        "promote_from": promote_from,
        "policy": policy.to_json(),
    }
    masked: dict[str, Any] = mask_value(effective)
    return masked


def checklist_digest(effective: dict[str, Any]) -> str:
    body = json.dumps(effective, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


def first_differences(theirs: dict[str, Any], ours: dict[str, Any], limit: int = 5) -> list[str]:
    """Readable differences between a result's effective checklist and the verifier's, first ones first."""
    lines: list[str] = []
    their_items = {item.get("id"): item for item in theirs.get("items", []) if isinstance(item, dict)}
    our_items = {item["id"]: item for item in ours["items"]}
    for item_id, ours_item in our_items.items():
        theirs_item = their_items.get(item_id)
        if theirs_item is None:
            lines.append(f"item {item_id} is missing from the result's checklist")
            continue
        for name in ("severity", "params", "hosts", "signoff", "protected", "release", "applies", "kind", "check", "source"):
            if theirs_item.get(name) != ours_item[name]:
                lines.append(
                    f"item {item_id}: {name} is {json.dumps(theirs_item.get(name))} in the result, {json.dumps(ours_item[name])} here"
                )
    lines += [f"item {item_id} is not in the verifier's checklist" for item_id in their_items if item_id not in our_items]
    extra_disabled = sorted(set(theirs.get("disabled") or []) - set(ours["disabled"]))
    if extra_disabled:
        lines.append(f"the result disabled {', '.join(map(str, extra_disabled))}, which the verifier's checklist keeps")
    if (theirs.get("disabled") or []) != ours["disabled"] and not extra_disabled:
        lines.append("the disabled lists differ")
    if theirs.get("promote_from") != ours["promote_from"]:
        lines.append(f"promote_from is {json.dumps(theirs.get('promote_from'))} in the result, {json.dumps(ours['promote_from'])} here")
    for block in ("signoff", "waivers"):
        their_block = (theirs.get("policy") or {}).get(block) or {}
        for name, value in ours["policy"][block].items():
            if their_block.get(name) != value:
                lines.append(f"policy {block}.{name} is {json.dumps(their_block.get(name))} in the result, {json.dumps(value)} here")
    return lines[:limit] or ["the effective checklists differ"]
