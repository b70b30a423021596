"""Reading a saved result.json back: JSON, schema and digest must all hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from golive.document import SCHEMA, digest
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
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise ConfigError(f"{path}: not a golive result (schema is not {SCHEMA})")
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema()).iter_errors(document))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise ConfigError(f"{path}: invalid result at {where}: {error.message}")
    if check_digest and document["digest"] != digest(document):
        raise ConfigError(f"{path}: digest mismatch: the result was modified after golive wrote it")
    return document
