"""Renderings of one result document; none computes anything the result does not hold.

Each format module registers a `Format`: its name (as given to --format), the file it
writes, and a function from the result document (schema golive/result/v1) to text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Document = dict[str, Any]


@dataclass(frozen=True)
class Format:
    name: str
    filename: str
    render: Callable[[Document], str]


REGISTRY: dict[str, Format] = {}


def register(name: str, filename: str) -> Callable[[Callable[[Document], str]], Callable[[Document], str]]:
    def wrap(render: Callable[[Document], str]) -> Callable[[Document], str]:
        REGISTRY[name] = Format(name, filename, render)
        return render

    return wrap


def formats() -> dict[str, Format]:
    """Every file format, importing the built-in modules on first use."""
    from golive.collectors import import_all

    import_all(__name__, __path__)
    return REGISTRY
