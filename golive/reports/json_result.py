"""result.json: the result document itself, the one every other format renders."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from golive.reports import Assets, Document, register

SCHEMA_FILE = "result-v1.schema.json"


@register("json", "result.json")
def render(document: Document, assets: Assets | None = None) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def schema() -> dict[str, Any]:
    """The JSON Schema shipped with golive for `golive/result/v1`."""
    text = resources.files("golive.schema").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
