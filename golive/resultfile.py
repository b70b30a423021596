"""Reading a saved result.json back: JSON, schema and digest must all hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from golive.document import SCHEMA, digest
from golive.timeutil import parse_aware, parse_date
from golive.yamlfile import ConfigError, read_text


def load_result(path: Path, check_digest: bool = True) -> dict[str, Any]:
    """The result document at `path`; anything unreadable or invalid is a ConfigError, and so
    is a modified one unless `check_digest` is off (verification reports that itself)."""
    import jsonschema

    from golive.reports.json_result import schema

    text = read_text(path, "result file")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not a golive result: JSON nested too deeply") from None
    except ValueError:
        # Python refuses integers of more than 4300 digits; no result of golive's holds one.
        raise ConfigError(f"{path}: not a golive result: a number too long to read") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise ConfigError(f"{path}: not a golive result (schema is not {SCHEMA})")
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema()).iter_errors(document))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise ConfigError(f"{path}: invalid result at {where}: {error.message}")
    _check_times(path, document)
    if check_digest and document["digest"] != digest(document):
        raise ConfigError(f"{path}: digest mismatch: the result was modified after golive wrote it")
    return document


def _check_times(path: Path, document: dict[str, Any]) -> None:
    """Every time the result holds must be real and carry its zone: ages and freshness are
    computed from them later, where a naive one would crash the comparison."""
    parse_aware(document["as_of"], f"{path}: as_of")
    if document["release"]["date"] is not None:
        parse_aware(document["release"]["date"], f"{path}: release.date")
    changes = document.get("changes_since_last_go")
    if isinstance(changes, dict) and changes.get("as_of") is not None:
        parse_aware(changes["as_of"], f"{path}: changes_since_last_go.as_of")
    for index, item in enumerate(document["items"]):
        scopes = [("", item)]
        scopes += [(f".hosts.{host}", outcome) for host, outcome in sorted((item.get("hosts") or {}).items())]
        scopes += [(f".findings[{number}]", finding) for number, finding in enumerate(item.get("findings") or [])]
        for scope, entry in scopes:
            waiver = entry.get("waiver") if isinstance(entry, dict) else None
            if isinstance(waiver, dict):
                parse_date(waiver.get("expires"), f"{path}: items[{index}]{scope}.waiver.expires")
