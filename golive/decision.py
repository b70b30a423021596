"""Waivers and the fail-closed GO / NO-GO decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.model import ItemResult, Outcome, Status, Verdict
from golive.yamlfile import ConfigError, load

_WAIVER_KEYS = {"item", "host", "finding", "reason", "approver", "ticket", "expires"}
_WAIVER_REQUIRED = ("item", "reason", "approver", "expires")


@dataclass
class Waiver:
    item: str
    reason: str
    approver: str
    expires: dt.date
    where: str
    host: str | None = None
    finding: str | None = None
    ticket: str | None = None

    def record(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "approver": self.approver,
            "ticket": self.ticket,
            "expires": self.expires.isoformat(),
            "scope": {"host": self.host, "finding": self.finding},
            "source": self.where,
        }


def load_waivers(path: Path | None, as_of: dt.datetime, item_ids: set[str]) -> tuple[list[Waiver], list[str]]:
    """Valid waivers, and one problem line for each waiver that waives nothing.

    A file that is missing or not YAML is a configuration error (exit 2); a single
    malformed or expired entry only loses its effect, and the reports say why.
    """
    if path is None:
        return [], []
    located = load(path, "waivers file")
    data = located.data
    prefix: tuple[str, ...] = ()
    if isinstance(data, dict) and set(data) == {"waivers"}:
        data, prefix = data["waivers"], ("waivers",)
    if data is None:
        return [], []
    if not isinstance(data, list):
        raise ConfigError(f"{path}:1: a waivers file is a list of waivers (or a mapping with a 'waivers' list)")
    valid: list[Waiver] = []
    problems: list[str] = []
    for index, raw in enumerate(data):
        where = located.where((*prefix, index))
        problem, waiver = _parse_waiver(raw, where, item_ids)
        if problem:
            problems.append(f"{where}: {problem}: waives nothing")
            continue
        assert waiver is not None
        if waiver.expires < as_of.date():
            problems.append(f"{where}: waiver for {_scope(waiver)} expired on {waiver.expires.isoformat()}: waives nothing")
            continue
        valid.append(waiver)
    return valid, problems


def _parse_waiver(raw: Any, where: str, item_ids: set[str]) -> tuple[str | None, Waiver | None]:
    if not isinstance(raw, dict):
        return "a waiver is a mapping (item, reason, approver, expires; optional host, finding, ticket)", None
    unknown = sorted(str(key) for key in raw if key not in _WAIVER_KEYS)
    if unknown:
        return f"unknown key(s) {', '.join(unknown)}", None
    missing = [key for key in _WAIVER_REQUIRED if raw.get(key) in (None, "")]
    if missing:
        return f"waiver for {raw.get('item', '?')} has no {', '.join(missing)}", None
    if raw["item"] not in item_ids:
        return f"waiver names unknown item '{raw['item']}'", None
    expires = raw["expires"]
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            return f"waiver for {raw['item']}: expires {expires!r} is not a YYYY-MM-DD date", None
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    if not isinstance(expires, dt.date):
        return f"waiver for {raw['item']}: expires must be a YYYY-MM-DD date", None
    for key in ("host", "finding", "ticket", "reason", "approver"):
        if key in raw and not isinstance(raw[key], (str, int)):
            return f"waiver for {raw['item']}: {key} must be a string", None
    return None, Waiver(
        item=raw["item"],
        reason=str(raw["reason"]),
        approver=str(raw["approver"]),
        expires=expires,
        where=where,
        host=_text(raw.get("host")),
        finding=_text(raw.get("finding")),
        ticket=_text(raw.get("ticket")),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _scope(waiver: Waiver) -> str:
    scope = waiver.item
    if waiver.host:
        scope += f" on {waiver.host}"
    if waiver.finding:
        scope += f" ({waiver.finding})"
    return scope


def apply_waivers(item: ItemResult, waivers: list[Waiver]) -> None:
    """Waive what each matching waiver covers, narrowest scope first.

    A finding waiver covers that finding (on its host when the waiver names one), a
    host waiver covers that host's status, and an item waiver covers the item's
    status; a waiver never turns a pass into anything else.
    """
    mine = [waiver for waiver in waivers if waiver.item == item.id]
    for waiver in (w for w in mine if w.finding):
        for finding in item.findings:
            if finding.key == waiver.finding and (waiver.host is None or finding.host == waiver.host) and finding.status is not Status.PASS:
                finding.waiver = waiver.record()
    for waiver in (w for w in mine if w.host and not w.finding):
        outcome = (item.hosts or {}).get(waiver.host or "")
        if outcome is not None:
            _waive(outcome, waiver)
    for waiver in (w for w in mine if not w.host and not w.finding):
        if item.unwaived is not Status.PASS and item.outcome.waiver is None:
            item.outcome.waiver = waiver.record()


def _waive(outcome: Outcome, waiver: Waiver) -> None:
    if outcome.unwaived is not Status.PASS and outcome.waiver is None:
        outcome.waiver = waiver.record()


@dataclass
class Decision:
    verdict: Verdict
    blocking: list[str]


def decide(items: list[ItemResult]) -> Decision:
    """GO only when no blocker item is fail, error, insufficient or pending.

    When the only blockers are sign-off items awaiting signatures, the verdict is
    `GO pending sign-off`: `golive verify` turns it into GO once every role signed.
    """
    judged = [item for item in items if item.severity == "blocker"]
    blocking = [item for item in judged if item.blocks]
    if not blocking:
        return Decision(Verdict.GO, [])
    ids = [item.id for item in blocking]
    if all(item.signoff and item.status is Status.PENDING for item in blocking):
        return Decision(Verdict.GO_PENDING_SIGNOFF, ids)
    return Decision(Verdict.NO_GO, ids)
