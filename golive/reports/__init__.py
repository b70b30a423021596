"""Renderings of one result document; none computes anything the result does not hold.

Each format module registers a `Format`: its name (as given to --format), the file it
writes, and a function from the result document (schema golive/result/v1) to text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Document = dict[str, Any]
# Reads an evidence file (a path relative to the output folder, as items list them) so a
# self-contained format can embed it; None when it is not there.
Assets = Callable[[str], bytes | None]
Renderer = Callable[[Document, Assets | None], str]


@dataclass(frozen=True)
class Format:
    name: str
    filename: str
    render: Renderer


REGISTRY: dict[str, Format] = {}


def register(name: str, filename: str) -> Callable[[Renderer], Renderer]:
    def wrap(render: Renderer) -> Renderer:
        from golive.collectors import refuse_duplicate

        if name in REGISTRY:
            refuse_duplicate("report format", name, REGISTRY[name].render, render)
        REGISTRY[name] = Format(name, filename, render)
        return render

    return wrap


IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}
MAX_ASSET_BYTES = 5_000_000


def assets_in(folder: Path) -> Assets:
    """Evidence images under `folder`, refusing paths that leave it and oversized files."""
    root = folder.resolve()

    def read(relative: str) -> bytes | None:
        target = (root / relative).resolve()
        if not target.is_relative_to(root) or target.suffix not in IMAGE_TYPES or not target.is_file():
            return None
        if target.stat().st_size > MAX_ASSET_BYTES:
            return None
        return target.read_bytes()

    return read


def formats() -> dict[str, Format]:
    """Every file format, importing the built-in modules on first use."""
    from golive.collectors import import_all

    import_all(__name__, __path__)
    return REGISTRY
