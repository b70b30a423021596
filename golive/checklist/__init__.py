"""The checklist as data: the default items mirroring the seed, and team checklists extending it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.checklist.params import param_problem
from golive.model import Verdict
from golive.secrets import mask_text
from golive.yamlfile import ConfigError, Key, Located, dotted, load, suggest

DEFAULT_PATH = Path(__file__).with_name("default.yml")
# `checklist:` names a profile or the path of a team checklist. `default` is the seed's
# (Lunia) checklist, also called `lunia`; `generic` is the same engine and items for any
# service: no Lunia flags or trading KPIs (opt-in), no Lunia units, no testnet.
PROFILES = {"default": None, "lunia": None, "generic": Path(__file__).with_name("generic.yml")}
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
    "title_template",
    "fix_insufficient",
    "fix_error",
)
# Environment settings an item can depend on; without them the item is skipped.
ONLY_IF = ("promote_from", "inventory", "api")


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
    # List parameters the profile left empty for the team to name (golive.yml `items:`).
    required: tuple[str, ...] = ()
    # The title with {param} placeholders, so it follows overridden thresholds.
    title_template: str = ""
    # What to do when the evidence is not enough / cannot be read (default: golive's own words).
    fix_insufficient: str = ""
    fix_error: str = ""

    @property
    def fix_for_insufficient(self) -> str:
        return _fill(self.fix_insufficient, self.params) if self.fix_insufficient else ""

    @property
    def fix_for_error(self) -> str:
        return _fill(self.fix_error, self.params) if self.fix_error else ""

    @property
    def check_name(self) -> str:
        """The check function that judges this item (team items may reuse a built-in one)."""
        return self.check or self.id

    def display_title(self) -> str:
        """The title as the parameters make it; the seed's own line (`title`) stays for the
        Markdown report's seed layout."""
        return _fill(self.title_template, self.params) if self.title_template else self.title

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
    # Items of the profile that are not judged unless a team checklist includes them.
    optional: list[ItemSpec] = field(default_factory=list)
    profile: str = "default"

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


def load_profile(name: str) -> Checklist:
    """A built-in profile (PROFILES) by name."""
    default = load_default()
    path = PROFILES[name]
    if path is None:
        default.profile = default.origin = name
        return default
    from golive.checklist.extend import extend

    profile = extend(default, load(path, f"{name} profile"), profile=True)
    profile.profile = profile.origin = name
    return profile


def load_checklist(reference: str, base_dir: Path) -> Checklist:
    """A profile name (PROFILES), or the path (relative to `base_dir`) of a team checklist
    extending one (`extends:`, default `default`)."""
    if reference in PROFILES:
        return load_profile(reference)
    located = load(base_dir / reference, "team checklist")
    data = located.data if isinstance(located.data, dict) else {}
    base = data.get("extends", "default")
    if base not in PROFILES:
        raise ConfigError(f"{located.where(('extends',))}: extends: unknown profile '{base}'{suggest(str(base), PROFILES)}")
    from golive.checklist.extend import extend

    extended = extend(load_profile(str(base)), located)
    extended.profile = str(base)
    return extended


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
        title_template=str(raw.get("title_template", "")),
        fix_insufficient=" ".join(str(raw.get("fix_insufficient", "")).split()),
        fix_error=" ".join(str(raw.get("fix_error", "")).split()),
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
