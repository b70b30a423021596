"""The fleet's time server: what its chronyd is told (the run itself is in
tests/integration/test_time_sync.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.sandbox import timeserver


def test_the_server_answers_only_on_its_bridge_and_keeps_no_state_of_its_own(tmp_path: Path) -> None:
    config = timeserver.server_config("10.231.7.1", "10.231.7.0/24", tmp_path / "chronyd.pid")
    assert config.splitlines() == [
        "bindaddress 10.231.7.1",
        "allow 10.231.7.0/24",
        "local stratum 10",
        "cmdport 0",
        "bindcmdaddress /",
        f"pidfile {tmp_path / 'chronyd.pid'}",
    ]


def test_without_chronyd_the_fleet_boots_without_a_time_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeserver, "chronyd_binary", lambda: None)
    assert timeserver.start_time_server("10.231.7.1", "10.231.7.0/24", tmp_path, [tmp_path / "cgroup"]) is None
    assert not list(tmp_path.iterdir())
