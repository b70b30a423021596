"""golive.yml: shape, validation with file:line errors, environment selection and precedence."""

from __future__ import annotations

import copy
import datetime as dt
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.checklist import Checklist, load_checklist
from golive.checklist.params import merge_params
from golive.interpolate import interpolate
from golive.policy import Policy, SignoffPolicy, WaiverPolicy, checklist_roles, parse_policy
from golive.secrets import quoted_value
from golive.timeutil import parse_day_or_moment
from golive.yamlfile import ConfigError, Key, Located, dotted, load, regular_file, suggest

# Keys an environment may set; they override the top level (items and sources merge per entry).
_ENV_KEYS = {
    "inventory": str,
    "api": str,
    "promote_from": str,
    "release": dict,
    "sources": dict,
    "items": dict,
    "waivers": (str, dict),
    "attestations": str,
    "signers": str,
    "history": (str, dict),
    "signoff": dict,
    "archives": dict,
}
_TOP_KEYS = {
    "checklist": str,
    "release": dict,
    "environments": dict,
    "sources": dict,
    "items": dict,
    "waivers": (str, dict),
    "attestations": str,
    "signers": str,
    "history": (str, dict),
    "inventory": str,
    "api": str,
    "signoff": dict,
    "archives": dict,
}
_RELEASE_KEYS = {"repo": str, "version_file": str, "image_file": str, "date": (str, dt.date), "version": str}
# Every source block may bound its collector's run time; the rest is the collector's own.
_COMMON_SOURCE_KEYS = {"timeout": (int, float)}
_FILE_KEYS = ("attestations", "signers")

_TYPE_NAMES = {
    str: "a string",
    dict: "a mapping",
    list: "a list",
    (int, float): "a number",
    int: "a whole number",
    (str, dt.date): "a date",
    (str, dict): "a file path or a mapping",
}


@dataclass
class Config:
    """golive.yml resolved for one environment: merged, validated, paths absolute."""

    path: Path
    base_dir: Path
    environment: str
    checklist: Checklist
    release: dict[str, Any]
    sources: dict[str, dict[str, Any]]
    inventory: Path | None = None
    api: str | None = None
    promote_from: str | None = None
    waivers: Path | None = None
    attestations: Path | None = None
    signers: Path | None = None
    history: Path | None = None
    # Retention: results kept per environment in history, evidence archives kept in --out.
    history_keep: int | None = None
    archives_keep: int | None = None
    environments: list[str] = field(default_factory=list)
    located: Located | None = None
    policy: Policy = field(default=None)  # type: ignore[assignment]
    runner_key: Path | None = None

    def __post_init__(self) -> None:
        # Built without a policy (tests of checks): the strictest one, every sign-off role required.
        if self.policy is None:
            self.policy = Policy(SignoffPolicy(roles=checklist_roles(self.checklist)), WaiverPolicy())

    @property
    def repo(self) -> Path:
        return self.resolve(str(self.release.get("repo", ".")))

    def resolve(self, relative: str) -> Path:
        return (self.base_dir / relative).resolve()

    def where(self, key: Key) -> str:
        return self.located.where(key) if self.located else str(self.path)


def load_config(path: Path, environment: str | None = None, source_keys: dict[str, set[str]] | None = None) -> Config:
    """Load and validate `path` for `environment`.

    `source_keys` maps a source name to the keys its collector accepts; sources the
    checklist names but no collector implements yet accept any keys.
    """
    located = load(path, "configuration file")
    interpolate(located)
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the configuration must be a mapping of keys ({', '.join(sorted(_TOP_KEYS))})")
    _check_keys(located, (), data, _TOP_KEYS)
    base_dir = path.resolve().parent

    environments = data.get("environments") or {}
    for name, env in environments.items():
        if env is None:
            environments[name] = env = {}
        if not isinstance(env, dict):
            raise ConfigError(f"{located.where(('environments', name))}: environments.{name} must be a mapping")
        _check_keys(located, ("environments", str(name)), env, _ENV_KEYS)
    env_name = _pick_environment(located, environments, environment)
    env = environments.get(env_name, {})

    for scope, block in (((), data), (("environments", env_name), env)):
        if "release" in block:
            _check_keys(located, (*scope, "release"), block["release"], _RELEASE_KEYS)
        for name in ("promote_from",):
            if name in block and block[name] not in environments:
                raise ConfigError(
                    f"{located.where((*scope, name))}: {name}: unknown environment '{block[name]}'{suggest(str(block[name]), environments)}"
                )

    checklist = load_checklist(str(data.get("checklist", "default")), base_dir)
    _apply_item_overrides(located, checklist, ("items",), data.get("items") or {})
    if env_name in environments:
        _apply_item_overrides(located, checklist, ("environments", env_name, "items"), env.get("items") or {})
    for item in checklist.items:
        for name in item.required:
            if not item.params.get(name):
                raise ConfigError(
                    f"{located.where(('items', item.id))}: items.{item.id}.{name}: the {checklist.profile} profile leaves "
                    f"it to you; name at least one (an empty list would pass vacuously)"
                )

    valid_sources = checklist.sources | set(source_keys or {})
    sources: dict[str, dict[str, Any]] = {}
    for scope, block in (((), data), (("environments", env_name), env)):
        for name, settings in (block.get("sources") or {}).items():
            key = (*scope, "sources", name)
            if name not in valid_sources:
                raise ConfigError(f"{located.where(key)}: unknown source '{name}'{suggest(str(name), valid_sources)}")
            if not isinstance(settings, dict):
                raise ConfigError(f"{located.where(key)}: {dotted(key)} must be a mapping")
            if source_keys and name in source_keys:
                allowed: dict[str, Any] = dict.fromkeys(source_keys[name], object)
                allowed.update(_COMMON_SOURCE_KEYS)
                _check_keys(located, key, settings, allowed)
            elif "timeout" in settings:
                _check_keys(located, key, {"timeout": settings["timeout"]}, _COMMON_SOURCE_KEYS)
            if "timeout" in settings:
                _positive_seconds(located, (*key, "timeout"), settings["timeout"])
            sources.setdefault(name, {}).update(copy.deepcopy(settings))

    merged = {**{k: v for k, v in data.items() if k != "environments"}, **env}
    release = {**(data.get("release") or {}), **(env.get("release") or {})}
    if release.get("date"):
        date_key = ("environments", env_name, "release", "date") if "date" in (env.get("release") or {}) else ("release", "date")
        # Checked here, so every command (`golive list` too) refuses an impossible or zone-less date.
        parse_day_or_moment(release["date"], f"{located.where(date_key)}: release.date")
    config = Config(
        path=path,
        base_dir=base_dir,
        environment=env_name,
        checklist=checklist,
        release=release,
        sources=sources,
        api=merged.get("api"),
        promote_from=merged.get("promote_from"),
        environments=sorted(environments),
        located=located,
        policy=parse_policy(located, data, env, ("environments", env_name), checklist),
    )
    scope_of = {name: (("environments", env_name, name) if name in env else (name,)) for name in merged}
    if merged.get("inventory"):
        config.inventory = _existing(located, scope_of["inventory"], config.resolve(merged["inventory"]), "inventory")
    for name in _FILE_KEYS:
        if merged.get(name):
            path = config.resolve(merged[name])
            # `golive attest` creates the attestations file; until then nothing is attested.
            setattr(config, name, path if name == "attestations" else _existing(located, scope_of[name], path, name))
            if path.exists():
                _regular(located, scope_of[name], path, name)
    if config.policy.waivers.file:
        where = ("environments", env_name, "waivers") if "waivers" in env else ("waivers",)
        config.waivers = _existing(located, where, config.resolve(config.policy.waivers.file), "waivers")
        _regular(located, where, config.waivers, "waivers")
    if config.policy.signoff.runner_key:
        config.runner_key = config.resolve(config.policy.signoff.runner_key)
    if merged.get("history"):
        history = merged["history"]
        if isinstance(history, dict):
            _check_keys(located, scope_of["history"], history, {"dir": str, "keep": int})
            if not history.get("dir"):
                raise ConfigError(f"{located.where(scope_of['history'])}: history.dir: the folder results are kept in is required")
            config.history_keep = _retention(located, (*scope_of["history"], "keep"), history.get("keep"))
            history = history["dir"]
        config.history = config.resolve(history)
    if merged.get("archives"):
        _check_keys(located, scope_of["archives"], merged["archives"], {"keep": int})
        config.archives_keep = _retention(located, (*scope_of["archives"], "keep"), merged["archives"].get("keep"))
    repo = config.repo
    if not repo.is_dir():
        raise ConfigError(f"{located.where(scope_of.get('release', ('release',)))}: release.repo: directory not found: {repo}")
    return config


def environment_names(path: Path) -> list[str]:
    """The environments a configuration defines (none: it has one implicit environment)."""
    data = load(path, "configuration file").data
    environments = data.get("environments") if isinstance(data, dict) else None
    return sorted(str(name) for name in environments) if isinstance(environments, dict) else []


def _pick_environment(located: Located, environments: dict[str, Any], wanted: str | None) -> str:
    if wanted is not None:
        if wanted not in environments:
            choices = ", ".join(sorted(environments)) or "none defined"
            raise ConfigError(
                f"{located.path}: --env {wanted}: no such environment{suggest(wanted, environments)} (environments: {choices})"
            )
        return wanted
    if len(environments) == 1:
        return next(iter(environments))
    if environments:
        raise ConfigError(f"{located.path}: several environments ({', '.join(sorted(environments))}): choose one with --env")
    return "default"


def _apply_item_overrides(located: Located, checklist: Checklist, key: Key, overrides: Any) -> None:
    if not isinstance(overrides, dict):
        raise ConfigError(f"{located.where(key)}: {dotted(key)} must be a mapping of item id to parameters")
    disabled = {entry.id for entry in checklist.disabled}
    for item_id, params in overrides.items():
        item_key = (*key, str(item_id))
        item = checklist.get(str(item_id))
        if item is None:
            if item_id in disabled:
                continue
            raise ConfigError(f"{located.where(item_key)}: unknown item '{item_id}'{suggest(str(item_id), checklist.ids())}")
        if not isinstance(params, dict):
            raise ConfigError(f"{located.where(item_key)}: {dotted(item_key)} must be a mapping of parameters")
        params = dict(params)
        if "hosts" in params:
            hosts = params.pop("hosts")
            if item.hosts is None:
                raise ConfigError(f"{located.where((*item_key, 'hosts'))}: {item.id} is not a host item; it has no 'hosts'")
            if not isinstance(hosts, str) or not hosts.strip():
                raise ConfigError(f"{located.where((*item_key, 'hosts'))}: {item.id}.hosts must be an Ansible host pattern (a string)")
            item.hosts = hosts
        item.params = merge_params(item, params, lambda name, k=item_key: located.where((*k, name)))


def _check_keys(located: Located, key: Key, block: Any, allowed: dict[str, Any]) -> None:
    if not isinstance(block, dict):
        raise ConfigError(f"{located.where(key)}: {dotted(key)} must be a mapping")
    for name, value in block.items():
        child = (*key, str(name))
        if name not in allowed:
            raise ConfigError(
                f"{located.where(child)}: unknown key '{name}' in {dotted(key) or 'the top level'}{suggest(str(name), allowed)}"
            )
        expected = allowed[name]
        if expected is object or (value is None and expected is not dict):
            continue
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise ConfigError(
                f"{located.where(child)}: {dotted(child)} must be {_TYPE_NAMES.get(expected, expected)}, got {type(value).__name__} {quoted_value(str(name), value)}"
            )


# A source's own time limit: at most a day (the run's --timeout bounds it anyway).
MAX_SOURCE_TIMEOUT = 24 * 3600


def _retention(located: Located, key: Key, value: Any) -> int | None:
    """A `keep:` count: a whole number from 1 to 100 000 (absent: keep everything)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
        raise ConfigError(f"{located.where(key)}: {dotted(key)} must be a whole number from 1 to 100000, got {value!r}")
    return value


def _positive_seconds(located: Located, key: Key, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and 0 < value <= MAX_SOURCE_TIMEOUT):
        raise ConfigError(f"{located.where(key)}: {dotted(key)} must be a number of seconds in (0, {MAX_SOURCE_TIMEOUT}]")


def _existing(located: Located, key: Key, path: Path, what: str) -> Path:
    if not path.exists():
        raise ConfigError(f"{located.where(key)}: {what}: file not found: {path}")
    return path


def _regular(located: Located, key: Key, path: Path, what: str) -> None:
    # ssh-keygen reading a FIFO named as `signers` would block the run; stat says so first.
    try:
        regular_file(path, what)
    except ConfigError as exc:
        raise ConfigError(f"{located.where(key)}: {exc}") from None


CONFIG_NAME = "golive.yml"


def existing_config(explicit: Path | None) -> Path | None:
    """The configuration a command reads when it can do without one (list, explain, verify):
    `--config`, else $GOLIVE_CONFIG, else ./golive.yml if anything is there (so a folder of
    that name is an error, not silently no configuration), else None; never a search."""
    found = config_location(explicit, search_upward=False)
    if explicit is None and not os.environ.get("GOLIVE_CONFIG") and not found.exists():
        return None
    return found


def config_location(explicit: Path | None, search_upward: bool, start: Path | None = None) -> Path:
    """Which golive.yml a command reads: `--config`, else $GOLIVE_CONFIG, else ./golive.yml,
    or with `search_upward` (only `golive check`) the nearest golive.yml in the working
    directory or above it. Returns ./golive.yml when nothing is found, so the error names it."""
    if explicit is not None:
        return explicit
    if os.environ.get("GOLIVE_CONFIG"):
        return Path(os.environ["GOLIVE_CONFIG"])
    here = (start or Path.cwd()).resolve()
    if search_upward:
        for folder in (here, *here.parents):
            if (folder / CONFIG_NAME).is_file():
                return folder / CONFIG_NAME
    return Path(CONFIG_NAME)
