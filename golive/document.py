"""The result document's identity: its schema name and its digest."""

from __future__ import annotations

import hashlib
import json
from typing import Any

SCHEMA = "golive/result/v1"


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(document: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of everything but the digest itself."""
    body = {key: value for key, value in document.items() if key != "digest"}
    return "sha256:" + hashlib.sha256(canonical(body)).hexdigest()
