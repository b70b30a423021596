"""The checklist as data: the default items mirroring the seed, and team checklists extending it."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.checklist.params import merge_params, param_problem
from golive.model import Verdict
from golive.secrets import mask_text
from golive.yamlfile import ConfigError, Key, Located, dotted, load, suggest

DEFAULT_PATH = Path(__file__).with_name("default.yml")
SEVERITIES = ("blocker", "advisory")
KINDS = ("check", "decision")
# The release block's fields an item stands for: its report line ends in that value, and the
# `tag` item's tag_pattern/strip_prefix name the release version.
RELEASE_FIELDS = ("tag", "commit", "date")

_ITEM_REQUIRED = ("id", "section", "title", "source", "why", "fix")
_ITEM_OPTIONAL = (
    "params",
    "rule",
    "severity",
    "kind",
    "hosts",
    "seed_line",
    "signoff",
    "check",
    "only_if",
    "protected",
    "ticked_by",
    "release",
)
# Environment settings an item can depend on; without them the item is skipped.
ONLY_IF = ("promote_from", "inventory", "api")
_TEAM_KEYS = ("schema", "extends", "items", "overrides", "disable")
_OVERRIDE_KEYS = ("params", "severity", "hosts", "title", "why", "fix", "rule")


@dataclass
class ItemSpec:
    """One checklist line: what it checks, with which evidence, how strictly, and why."""

    id: str
    section: str
    title: str
    source: str
    why: str
    fix: str
    params: dict[str, Any] = field(default_factory=dict)
    rule: str = ""
    severity: str = "blocker"
    kind: str = "check"
    hosts: str | None = None
    seed_line: bool = True
    signoff: bool = False
    check: str = ""
    only_if: str | None = None
    # Never waived, never disabled; a team checklist can add the mark, never remove it.
    protected: bool = False
    # A decision box is ticked when the run's verdict is this one (never, when None).
    ticked_by: Verdict | None = None
    # Which release block field (RELEASE_FIELDS) this item stands for.
    release: str | None = None

    @property
    def check_name(self) -> str:
        """The check function that judges this item (team items may reuse a built-in one)."""
        return self.check or self.id

    def rule_text(self) -> str:
        return _fill(self.rule, self.params)

    def fix_text(self) -> str:
        return _fill(self.fix, self.params)


def _fill(text: str, params: dict[str, Any]) -> str:
    """`text` with {param} placeholders replaced by readable parameter values."""
    readable = {name: ", ".join(map(str, value)) if isinstance(value, list) else value for name, value in params.items()}
    try:
        # Parameters come from golive.yml and may carry a token (a health path's query).
        return mask_text(text.format(**readable))
    except (KeyError, IndexError, ValueError):
        return text


@dataclass
class Disabled:
    id: str
    title: str
    section: str
    seed_line: bool
    reason: str
    approver: str
    where: str


@dataclass
class Checklist:
    items: list[ItemSpec]
    sections: list[str]
    disabled: list[Disabled] = field(default_factory=list)
    origin: str = "default"

    def get(self, item_id: str) -> ItemSpec | None:
        return next((item for item in self.items if item.id == item_id), None)

    def ids(self) -> list[str]:
        return [item.id for item in self.items]

    def release_item(self, field_name: str) -> ItemSpec | None:
        """The item marked `release: field_name` (at most one: checked at load)."""
        return next((item for item in self.items if item.release == field_name), None)

    @property
    def sources(self) -> set[str]:
        return {item.source for item in self.items if item.kind == "check"}


def load_default() -> Checklist:
    return _parse_base(load(DEFAULT_PATH, "default checklist"))


def load_checklist(reference: str, base_dir: Path) -> Checklist:
    """`default`, or the path (relative to `base_dir`) of a team checklist extending it."""
    default = load_default()
    if reference == "default":
        return default
    located = load(base_dir / reference, "team checklist")
    return _extend(default, located)


def _parse_base(located: Located) -> Checklist:
    data = located.data
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ConfigError(f"{located.path}: a checklist is a mapping with an 'items' list")
    sections = list(data.get("sections") or [])
    items = [_parse_item(located, ("items", index), raw, team=False) for index, raw in enumerate(data["items"])]
    _reject_duplicates(located, items)
    checklist = Checklist(items, sections)
    for index, item in enumerate(items):
        _reject_second_release_item(located, ("items", index, "release"), checklist, item)
    return checklist


def _parse_item(located: Located, key: Key, raw: Any, team: bool) -> ItemSpec:
    where = located.where(key)
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: {dotted(key)}: an item is a mapping with {', '.join(_ITEM_REQUIRED)}")
    for name in raw:
        if name not in _ITEM_REQUIRED + _ITEM_OPTIONAL:
            valid = [*_ITEM_REQUIRED, *_ITEM_OPTIONAL]
            raise ConfigError(f"{located.where((*key, name))}: unknown item key '{name}'{suggest(str(name), valid)}")
    for name in _ITEM_REQUIRED:
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise ConfigError(f"{where}: item {raw.get('id', dotted(key))!s}: '{name}' must be a non-empty string")
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError(f"{located.where((*key, 'params'))}: item {raw['id']}: 'params' must be a mapping")
    for name, value in params.items():
        problem = param_problem(str(name), value)
        if problem:
            raise ConfigError(f"{located.where((*key, 'params', name))}: item {raw['id']}: {name} {problem}")
    severity = raw.get("severity", "blocker")
    if severity not in SEVERITIES:
        raise ConfigError(f"{located.where((*key, 'severity'))}: item {raw['id']}: severity must be one of {', '.join(SEVERITIES)}")
    only_if = raw.get("only_if")
    if only_if is not None and only_if not in ONLY_IF:
        raise ConfigError(f"{located.where((*key, 'only_if'))}: item {raw['id']}: only_if must be one of {', '.join(ONLY_IF)}")
    kind = raw.get("kind", "check")
    if kind not in KINDS:
        raise ConfigError(f"{located.where((*key, 'kind'))}: item {raw['id']}: kind must be one of {', '.join(KINDS)}")
    ticked_by = _mark(located, key, raw, "ticked_by", "decision", [verdict.value for verdict in Verdict], "is ticked by a verdict")
    release = _mark(located, key, raw, "release", "check", list(RELEASE_FIELDS), "stands for a release field")
    return ItemSpec(
        id=raw["id"],
        section=raw["section"],
        title=raw["title"],
        source=raw["source"],
        why=" ".join(raw["why"].split()),
        fix=" ".join(raw["fix"].split()),
        params=dict(params),
        rule=str(raw.get("rule", "")),
        severity=severity,
        kind=kind,
        hosts=raw.get("hosts"),
        seed_line=bool(raw.get("seed_line", not team)),
        signoff=bool(raw.get("signoff", False)),
        check=str(raw.get("check", "")),
        only_if=only_if,
        protected=_flag(located, (*key, "protected"), raw, "protected"),
        ticked_by=Verdict(ticked_by) if ticked_by else None,
        release=release,
    )


def _mark(located: Located, key: Key, raw: dict[str, Any], name: str, kind: str, choices: list[str], meaning: str) -> str | None:
    """A mark only items of one `kind` carry (`ticked_by` on decision boxes, `release` on
    judged items), one of `choices`; `meaning` says what carrying it means."""
    value = raw.get(name)
    if value is None:
        return None
    where = f"{located.where((*key, name))}: item {raw['id']}"
    if raw.get("kind", "check") != kind:
        raise ConfigError(f"{where}: only a {'decision' if kind == 'decision' else 'judged'} item (kind: {kind}) {meaning}")
    if value not in choices:
        raise ConfigError(f"{where}: {name} must be one of {', '.join(choices)}")
    return str(value)


def _reject_second_release_item(located: Located, key: Key, checklist: Checklist, item: ItemSpec) -> None:
    """One item per release field: the release block and the report read exactly one."""
    first = checklist.release_item(item.release) if item.release else None
    if first is not None and first is not item:
        raise ConfigError(f"{located.where(key)}: item {item.id}: release: {item.release} is already {first.id}'s")


def _flag(located: Located, key: Key, raw: dict[str, Any], name: str) -> bool:
    value = raw.get(name, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{located.where(key)}: item {raw['id']}: '{name}' must be true or false")
    return value


def _reject_duplicates(located: Located, items: list[ItemSpec]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.id in seen:
            raise ConfigError(f"{located.where(('items', index))}: duplicate item id '{item.id}'")
        seen.add(item.id)


def _extend(default: Checklist, located: Located) -> Checklist:
    """Apply a team checklist: new items, overrides of existing ones, approved disables."""
    data = located.data
    if not isinstance(data, dict):
        raise ConfigError(f"{located.path}: a team checklist is a mapping ({', '.join(_TEAM_KEYS)})")
    for name in data:
        if name not in _TEAM_KEYS:
            raise ConfigError(f"{located.where((name,))}: unknown key '{name}'{suggest(str(name), _TEAM_KEYS)}")
    if data.get("extends", "default") != "default":
        raise ConfigError(f"{located.where(('extends',))}: a team checklist can only extend 'default'")
    checklist = Checklist(copy.deepcopy(default.items), list(default.sections), origin=str(located.path))
    known = set(checklist.ids())

    for item_id, override in _mapping(located, "overrides").items():
        key: Key = ("overrides", item_id)
        item = checklist.get(item_id)
        if item is None:
            raise ConfigError(f"{located.where(key)}: overrides: unknown item '{item_id}'{suggest(item_id, known)}")
        _apply_override(located, key, item, override)

    for index, raw in enumerate(_list(located, "items")):
        item = _parse_item(located, ("items", index), raw, team=True)
        if item.id in known:
            raise ConfigError(f"{located.where(('items', index))}: item '{item.id}' already exists; change it under 'overrides'")
        known.add(item.id)
        _reject_second_release_item(located, ("items", index, "release"), checklist, item)
        checklist.items.append(item)
        if item.section not in checklist.sections:
            checklist.sections.append(item.section)

    for index, raw in enumerate(_list(located, "disable")):
        key = ("disable", index)
        if not isinstance(raw, dict) or set(raw) - {"id", "reason", "approver"}:
            raise ConfigError(f"{located.where(key)}: disable entries are mappings with id, reason and approver")
        item_id = str(raw.get("id"))
        if item_id not in known:
            raise ConfigError(f"{located.where(key)}: disable: unknown item '{item_id}'{suggest(str(item_id), known)}")
        for needed in ("reason", "approver"):
            if not isinstance(raw.get(needed), str) or not raw[needed].strip():
                raise ConfigError(f"{located.where(key)}: disabling '{item_id}' needs a {needed}")
        spec = next(item for item in checklist.items if item.id == item_id)
        if spec.protected:
            raise ConfigError(f"{located.where(key)}: disable: '{item_id}' is protected; it can never be disabled or waived")
        checklist.disabled.append(
            Disabled(item_id, spec.title, spec.section, spec.seed_line, raw["reason"], raw["approver"], located.where(key))
        )
    disabled = {entry.id for entry in checklist.disabled}
    checklist.items = [item for item in checklist.items if item.id not in disabled]
    return checklist


def _apply_override(located: Located, key: Key, item: ItemSpec, override: Any) -> None:
    if not isinstance(override, dict):
        raise ConfigError(f"{located.where(key)}: overrides.{item.id} must be a mapping")
    for name, value in override.items():
        if name not in _OVERRIDE_KEYS:
            raise ConfigError(f"{located.where((*key, name))}: unknown key '{name}'{suggest(str(name), _OVERRIDE_KEYS)}")
        if name == "params":
            if not isinstance(value, dict):
                raise ConfigError(f"{located.where((*key, name))}: overrides.{item.id}.params must be a mapping")
            item.params = merge_params(item, value, lambda param: located.where((*key, "params", param)))
        elif name == "severity":
            if item.protected and value != item.severity:
                raise ConfigError(f"{located.where((*key, name))}: {item.id} is protected; its severity cannot change")
            if value not in SEVERITIES:
                raise ConfigError(f"{located.where((*key, name))}: severity must be one of {', '.join(SEVERITIES)}")
            item.severity = value
        elif name == "hosts" and item.hosts is None:
            raise ConfigError(f"{located.where((*key, name))}: {item.id} is not a host item; it has no 'hosts'")
        elif not isinstance(value, str):
            raise ConfigError(f"{located.where((*key, name))}: overrides.{item.id}.{name} must be a string")
        else:
            setattr(item, name, value)


def _mapping(located: Located, name: str) -> dict[str, Any]:
    value = located.data.get(name) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"{located.where((name,))}: '{name}' must be a mapping")
    return value


def _list(located: Located, name: str) -> list[Any]:
    value = located.data.get(name) or []
    if not isinstance(value, list):
        raise ConfigError(f"{located.where((name,))}: '{name}' must be a list")
    return value
