"""The demo's KPI data: generated relative to --as-of, it passes every KPI, and each `broken`
item's data fails that item alone."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from examples.lunia_demo.kpi import BREAKABLE, generate
from tests.unit.test_kpi import AS_OF, judge

ROOT = Path(__file__).resolve().parents[2]
KPIS = ("kpi.sharpe", "kpi.hit_rate", "kpi.explainability", "kpi.drawdowns")


@pytest.mark.parametrize("as_of", [AS_OF, dt.datetime.now(dt.UTC).replace(microsecond=0)], ids=["fixed", "now"])
def test_demo_data_passes_every_kpi_from_sqlite(tmp_path: Path, as_of: dt.datetime) -> None:
    settings = generate(tmp_path / "kpi", as_of, config_dir=tmp_path)
    assert settings["returns"] == "sqlite:///kpi/kpi.db"
    results, _ = judge(tmp_path, settings, as_of=as_of)
    for item in KPIS:
        assert results[item].status.value == "pass", f"{item}: {results[item].summary}"
    assert "each explained" in results["kpi.drawdowns"].summary and "INC-2041" in results["kpi.drawdowns"].summary


def test_demo_files_hold_the_same_data_as_its_database(tmp_path: Path) -> None:
    generate(tmp_path, AS_OF)
    from_files = {
        "returns": "returns.csv",
        "trades": "trades.csv",
        "trades_pnl": "gross",
        "incidents": "incidents.yml",
        "explainability": "explainability.json",
    }
    by_files, files_evidence = judge(tmp_path, from_files)
    by_db, db_evidence = judge(tmp_path, generate(tmp_path, AS_OF))
    for item in KPIS:
        assert by_files[item].status.value == "pass", by_files[item].summary
    assert by_files["kpi.sharpe"].summary == by_db["kpi.sharpe"].summary
    assert by_files["kpi.hit_rate"].summary == by_db["kpi.hit_rate"].summary
    assert files_evidence.data["trades"]["open"] == db_evidence.data["trades"]["open"] == 2


@pytest.mark.parametrize("broken", BREAKABLE)
def test_broken_demo_data_fails_only_that_kpi(tmp_path: Path, broken: str) -> None:
    results, _ = judge(tmp_path, generate(tmp_path, AS_OF, {broken}))
    for item in KPIS:
        expected = "fail" if item == broken else "pass"
        assert results[item].status.value == expected, f"{item}: {results[item].summary}"


def test_unknown_broken_item_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cannot break kpi\.magic"):
        generate(tmp_path, AS_OF, {"kpi.magic"})


@pytest.mark.parametrize(
    "command",
    [["examples/lunia_demo/kpi/generator.py"], ["-m", "examples.lunia_demo.kpi"]],
    ids=["script", "module"],
)
def test_generator_runs_from_the_command_line(tmp_path: Path, command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, *command, str(tmp_path / "out"), "--as-of", "2026-11-29T12:00:00Z", "--break", "kpi.sharpe"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sources"]["kpi"]["explainability"] == "explainability.json"
    written = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert written == ["explainability.json", "incidents.yml", "kpi.db", "returns.csv", "trades.csv"]
    assert (tmp_path / "out" / "returns.csv").read_text().splitlines()[-1].startswith("2026-11-28,")
