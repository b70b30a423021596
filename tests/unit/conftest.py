"""Fixtures of the unit tests that exercise the host collector module's functions."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

COLLECT_MODULE_PATH = Path(__file__).resolve().parents[2] / "roles" / "golive_collect" / "library" / "golive_collect.py"


@pytest.fixture(scope="module")
def module() -> ModuleType:
    """roles/golive_collect/library/golive_collect.py, loaded as the host would run it."""
    spec = importlib.util.spec_from_file_location("golive_collect", COLLECT_MODULE_PATH)
    assert spec and spec.loader
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded
