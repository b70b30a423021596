"""`${VAR}` and `${VAR:-default}` in golive.yml, from the environment golive runs in.

Only string values are expanded, after YAML parsing (a variable cannot add keys or change a
value's type). `$${` is a literal `${`. An unset variable without a default is a
configuration error naming it and the line; so is a malformed reference. A variable whose
name looks secret (`DB_PASSWORD`, `API_TOKEN`: golive.secrets.is_secret_name) has its value
remembered by golive.secrets, which masks it wherever it appears from then on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from golive.secrets import MIN_REMEMBERED_SECRET, is_secret_name, remember_secret
from golive.yamlfile import ConfigError, Key, Located

_REFERENCE = re.compile(r"\$\$\{|\$\{(?P<body>[^}]*)\}|\$\{")
_BODY = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>.*))?", re.DOTALL)


def interpolate(located: Located, environ: Mapping[str, str] | None = None) -> None:
    """Expand every reference in `located.data` in place."""
    env = os.environ if environ is None else environ
    located.data = _walk(located, (), located.data, env)


def _walk(located: Located, key: Key, value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {name: _walk(located, (*key, str(name)), entry, env) for name, entry in value.items()}
    if isinstance(value, list):
        return [_walk(located, (*key, index), entry, env) for index, entry in enumerate(value)]
    if isinstance(value, str) and "${" in value:
        return expand(value, env, located.where(key))
    return value


def expand(text: str, env: Mapping[str, str], where: str) -> str:
    """`text` with its references replaced; `where` (file:line) goes into every error."""

    def replace(found: re.Match[str]) -> str:
        whole = found.group(0)
        if whole == "$${":
            return "${"
        body = found.group("body")
        parsed = _BODY.fullmatch(body) if body is not None else None
        if parsed is None:
            raise ConfigError(
                f"{where}: malformed variable reference '{whole}' (write ${{NAME}} or ${{NAME:-default}}; $${{ for a literal)"
            )
        name, default = parsed.group("name"), parsed.group("default")
        if name in env:
            value = env[name]
        elif default is not None:
            value = default
        else:
            raise ConfigError(f"{where}: environment variable {name} is not set (and ${{{name}}} has no :-default)")
        if is_secret_name(name) and value:
            if len(value) < MIN_REMEMBERED_SECRET:
                raise ConfigError(
                    f"{where}: ${{{name}}} looks secret but its value has fewer than {MIN_REMEMBERED_SECRET} characters: "
                    "golive could not mask it in reports without masking ordinary text"
                )
            remember_secret(value)
        return value

    return _REFERENCE.sub(replace, text)
