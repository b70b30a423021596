"""bench/host_facts.py: two captures of the same facts compare equal, any real change is named."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "host_facts.py"


@pytest.fixture(scope="module")
def host_facts() -> ModuleType:
    spec = importlib.util.spec_from_file_location("host_facts", BENCH)
    assert spec and spec.loader
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def capture(seconds: float, pull: str, stamp: str, active: str = "active") -> dict[str, object]:
    return {
        "app1": {
            "_seconds": seconds,
            "units": {"seconds": seconds, "units": {"lunia_bot": {"active": active}}},
            "crowdsec": {
                "bouncers": [{"name": "b", "last_pull": pull}],
                "lapi": {"rc": 0, "output": f'time="{stamp}" level=info msg="ok"'},
            },
        }
    }


def test_timings_pulls_and_log_stamps_are_not_differences(host_facts: ModuleType) -> None:
    before = host_facts.strip_volatile(capture(0.5, "2026-12-02T06:49:40Z", "02-12-2026 06:49:35"))
    after = host_facts.strip_volatile(capture(0.7, "2026-12-02T06:50:10Z", "02-12-2026 06:50:05"))
    assert host_facts.differences(before, after) == []


def test_a_changed_fact_is_named_by_its_path(host_facts: ModuleType) -> None:
    before = host_facts.strip_volatile(capture(0.5, "x", "y"))
    after = host_facts.strip_volatile(capture(0.5, "x", "y", active="failed"))
    assert host_facts.differences(before, after) == ['app1.units.units.lunia_bot.active: "active" -> "failed"']
    del after["app1"]["crowdsec"]
    assert host_facts.differences(before, after)[0].startswith("app1.crowdsec: only before")
