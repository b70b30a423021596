"""The checklist as data: the default items mirroring the seed, and team checklists extending it."""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from golive.secrets import mask_text, quoted_value
from golive.yamlfile import ConfigError, Key, Located, dotted, load, suggest

DEFAULT_PATH = Path(__file__).with_name("default.yml")
SEVERITIES = ("blocker", "advisory")
KINDS = ("check", "decision")

_ITEM_REQUIRED = ("id", "section", "title", "source", "why", "fix")
_ITEM_OPTIONAL = ("params", "rule", "severity", "kind", "hosts", "seed_line", "signoff", "check", "only_if", "protected")
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
    return Checklist(items, sections)


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
    )


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


def merge_params(item: ItemSpec, overrides: dict[str, Any], where: Any) -> dict[str, Any]:
    """`item.params` updated by `overrides`, each checked against the default's type and,
    for numbers, against `PARAM_BOUNDS`."""
    merged = dict(item.params)
    for name, value in overrides.items():
        if name not in item.params:
            valid = sorted(item.params) or ["(this item has no parameters)"]
            raise ConfigError(
                f"{where(name)}: unknown parameter '{name}' for {item.id}{suggest(str(name), valid)}; valid: {', '.join(valid)}"
            )
        expected = _type_name(item.params[name])
        if not _same_type(item.params[name], value):
            raise ConfigError(
                f"{where(name)}: {item.id}.{name} must be {expected}, got {_type_name(value)} {quoted_value(str(name), value)}"
            )
        problem = param_problem(str(name), value)
        if problem:
            raise ConfigError(f"{where(name)}: {item.id}.{name} {problem}")
        merged[name] = value
    return merged


@dataclass(frozen=True)
class Bounds:
    """The range a numeric parameter must lie in; `integer` parameters must be whole numbers."""

    low: Decimal | None = None
    high: Decimal | None = None
    low_open: bool = False
    integer: bool = False

    def problem(self, value: Decimal) -> str | None:
        if self.integer and value != value.to_integral_value():
            return "must be a whole number"
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return f"must be {'above' if self.low_open else 'at least'} {self.low}"
        if self.high is not None and value > self.high:
            return f"must be at most {self.high}"
        return None

    def describe(self) -> str:
        parts = ["a whole number" if self.integer else "a number"]
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low}")
        if self.high is not None:
            parts.append(f"<= {self.high}")
        return " ".join(parts)


def _bounds(low: str | None = None, high: str | None = None, *, above: bool = False, integer: bool = False) -> Bounds:
    return Bounds(Decimal(low) if low is not None else None, Decimal(high) if high is not None else None, above, integer)


# Every numeric parameter's range, by name (first match wins). Declared once here rather than
# per item so that a team checklist reusing a built-in check gets the same ranges; a name no
# rule matches must still be a finite number (a test keeps every default parameter covered).
# Counts that decide "enough evidence" start at 1 (or 2 for a standard deviation), so no
# override can turn an empty set into a vacuous pass.
PARAM_BOUNDS: tuple[tuple[str, Bounds], ...] = (
    (r"min_observations", _bounds("2", "1000000000", integer=True)),
    (r"min_(tests|samples|users|orders|trades|urls|parameters)", _bounds("1", "1000000000", integer=True)),
    (r"ddof", _bounds("0", "1", integer=True)),
    (r"max_error_rate", _bounds("0", "1")),
    (r"min_score", _bounds("0", "10")),
    (r"min_sharpe|risk_free_rate", _bounds("-1000", "1000")),
    (r".*_percent", _bounds("0", "100")),
    (r"annualisation_days", _bounds("1", "366")),
    (r"(window|rolling)_days", _bounds("1", "36600", integer=True)),
    (r".*_days", _bounds("0", "36600", integer=True)),
    (r".*_hours", _bounds("0", "876000")),
    (r".*_minutes", _bounds("0", "52560000")),
    (r".*timeout_seconds", _bounds("0", "86400", above=True)),
    (r".*_seconds", _bounds("0", "31536000")),
    (r"max_\w+_ms", _bounds("0", "3600000", above=True)),
    (r"max_bytes", _bounds("1", "1099511627776", integer=True)),
    (r"weakest_modules", _bounds("0", "1000", integer=True)),
    (r".*_status(es)?", _bounds("100", "599", integer=True)),
)


# List parameters naming what a rule checks "each of": an empty list would make the rule
# hold vacuously (no unit to check is not every unit running).
NON_EMPTY_LISTS = frozenset({"required_families", "units", "crowdsec_units", "benign_statuses", "sbom_formats", "blocking_severities"})


def bounds_of(name: str) -> Bounds | None:
    return next((bounds for pattern, bounds in PARAM_BOUNDS if re.fullmatch(pattern, name)), None)


def param_problem(name: str, value: Any) -> str | None:
    """Why a parameter value is out of range (None when it is fine): numbers must be finite,
    fit a float, and lie in `PARAM_BOUNDS`; a list's numbers are checked one by one."""
    if isinstance(value, list):
        if not value and name in NON_EMPTY_LISTS:
            return "must name at least one entry: an empty list would pass vacuously"
        for index, element in enumerate(value):
            problem = param_problem(name, element)
            if problem:
                return f"[{index}] {problem}"
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    try:
        float(value)
    except OverflowError:
        return f"is too large ({len(str(value))} digits)"
    bounds = bounds_of(name)
    if bounds is None:
        return None
    problem = bounds.problem(Decimal(str(value)))
    return f"{problem} ({bounds.describe()}), got {value!r}" if problem else None


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    if isinstance(default, list):
        return isinstance(value, list)
    if isinstance(default, dict):
        return isinstance(value, dict)
    return isinstance(value, str)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "null"
    return "a string"


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
