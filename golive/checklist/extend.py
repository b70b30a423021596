"""Team checklists and profiles on top of a base checklist: included opt-in items, overrides,
new items, required parameters and approved disables (by id or glob)."""

from __future__ import annotations

import copy
from fnmatch import fnmatchcase
from typing import Any

from golive.checklist import (
    SEVERITIES,
    Checklist,
    Disabled,
    ItemSpec,
    _parse_item,
    _reject_second_release_item,
)
from golive.checklist.params import merge_params
from golive.yamlfile import ConfigError, Key, Located, suggest

_TEAM_KEYS = ("schema", "extends", "items", "overrides", "disable", "include")
# A profile may also set items aside (opt-in: `include:` brings them back) and leave list
# parameters for the team to fill (`required:` {item: [param]}; empty is a config error).
_PROFILE_KEYS = (*_TEAM_KEYS, "opt_in", "required")
_OVERRIDE_KEYS = ("params", "severity", "hosts", "title", "why", "fix", "fix_insufficient", "fix_error", "rule")


def extend(base: Checklist, located: Located, profile: bool = False) -> Checklist:
    """Apply a team checklist (or a built-in profile) to `base`: included opt-in items,
    overrides of existing ones, new items, approved disables (ids or globs)."""
    data = located.data
    allowed = _PROFILE_KEYS if profile else _TEAM_KEYS
    if not isinstance(data, dict):
        raise ConfigError(f"{located.path}: a team checklist is a mapping ({', '.join(allowed)})")
    for name in data:
        if name not in allowed:
            raise ConfigError(f"{located.where((name,))}: unknown key '{name}'{suggest(str(name), allowed)}")
    checklist = Checklist(copy.deepcopy(base.items), list(base.sections), origin=str(located.path), optional=copy.deepcopy(base.optional))
    if profile:
        _set_aside(located, checklist)
    _include(located, checklist)
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

    if profile:
        _require(located, checklist)
    _disable(located, checklist)
    return checklist


def _matching(located: Located, key: Key, pattern: str, ids: list[str], what: str) -> list[str]:
    """The ids `pattern` (an id or a glob such as `flags.*`) names; none is an error."""
    matched = [item_id for item_id in ids if fnmatchcase(item_id, pattern)]
    if not matched:
        raise ConfigError(f"{located.where(key)}: {what}: '{pattern}' matches no item{suggest(pattern, ids)}")
    return matched


def _set_aside(located: Located, checklist: Checklist) -> None:
    """A profile's `opt_in` globs: those items leave the checklist for `optional`."""
    for index, pattern in enumerate(_list(located, "opt_in")):
        for item_id in _matching(located, ("opt_in", index), str(pattern), checklist.ids(), "opt_in"):
            item = checklist.get(item_id)
            assert item is not None
            if item.protected:
                raise ConfigError(f"{located.where(('opt_in', index))}: opt_in: '{item_id}' is protected; every run judges it")
            checklist.items.remove(item)
            checklist.optional.append(item)


def _include(located: Located, checklist: Checklist) -> None:
    """A team checklist's `include` globs bring opt-in items back, in the default's order."""
    for index, pattern in enumerate(_list(located, "include")):
        for item_id in _matching(located, ("include", index), str(pattern), [item.id for item in checklist.optional], "include"):
            item = next(entry for entry in checklist.optional if entry.id == item_id)
            checklist.optional.remove(item)
            checklist.items.append(item)


def _require(located: Located, checklist: Checklist) -> None:
    """A profile's `required` list parameters: emptied, for the team to fill in golive.yml."""
    for item_id, names in _mapping(located, "required").items():
        item = checklist.get(str(item_id))
        if item is None or not isinstance(names, list) or any(name not in item.params for name in names):
            raise ConfigError(f"{located.where(('required', item_id))}: required: unknown item or parameter for '{item_id}'")
        for name in names:
            item.params[name] = []
        item.required = tuple(str(name) for name in names)


def _disable(located: Located, checklist: Checklist) -> None:
    for index, raw in enumerate(_list(located, "disable")):
        key: Key = ("disable", index)
        if not isinstance(raw, dict) or set(raw) - {"id", "reason", "approver"}:
            raise ConfigError(f"{located.where(key)}: disable entries are mappings with id, reason and approver")
        pattern = str(raw.get("id"))
        for needed in ("reason", "approver"):
            if not isinstance(raw.get(needed), str) or not raw[needed].strip():
                raise ConfigError(f"{located.where(key)}: disabling '{pattern}' needs a {needed}")
        for item_id in _matching(located, key, pattern, checklist.ids(), "disable"):
            spec = checklist.get(item_id)
            assert spec is not None
            if spec.protected:
                raise ConfigError(f"{located.where(key)}: disable: '{item_id}' is protected; it can never be disabled or waived")
            if any(entry.id == item_id for entry in checklist.disabled):
                continue
            checklist.disabled.append(
                Disabled(item_id, spec.title, spec.section, spec.seed_line, raw["reason"], raw["approver"], located.where(key))
            )
    disabled = {entry.id for entry in checklist.disabled}
    checklist.items = [item for item in checklist.items if item.id not in disabled]


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
            if name == "title":
                # The team wrote the title it wants: it no longer follows the parameters.
                item.title_template = ""


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
