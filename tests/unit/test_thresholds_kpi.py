"""KPI thresholds at, just below and just above each limit, judged exactly from the
recorded decimals: files through the kpi collector to the checks (see test_kpi.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.conftest import write
from tests.unit.test_kpi import AS_OF, STEADY, YESTERDAY, cycle, judge, returns_csv, status, trades_csv


def _ledger(folder: Path, wins: int, total: int, loss: str = "-1") -> str:
    return trades_csv(folder, [(1.0, 0.0)] * wins + [(float(loss), 0.0)] * (total - wins))


@pytest.mark.parametrize(("wins", "expected"), [(109, "fail"), (110, "fail"), (111, "pass")])
def test_hit_rate_of_exactly_fifty_five_percent_is_not_above_it(tmp_path: Path, wins: int, expected: str) -> None:
    # 110/200*100 is 55.00000000000001 in binary floats: a false pass before exact arithmetic.
    ledger = trades_csv(tmp_path, [(1.0, 0.0)] * wins + [(-1.0, 0.0)] * (200 - wins), last=AS_OF - dt.timedelta(hours=1))
    # 200 trades 20 h apart span 166 days; widen the window so every one counts.
    results, _ = judge(tmp_path, {"trades": ledger}, items={"kpi.hit_rate": {"window_days": 200}})
    state, summary = status(results, "kpi.hit_rate")
    assert state == expected, summary
    assert f"{wins}/200" in summary


def test_hit_rate_threshold_written_with_decimals_is_exact(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path, 1, 3)
    items = {"kpi.hit_rate": {"min_trades": 3, "min_percent": 33.33333333333333}}
    assert status(judge(tmp_path, {"trades": ledger}, items=items)[0], "kpi.hit_rate")[0] == "pass"
    items = {"kpi.hit_rate": {"min_trades": 3, "min_percent": 33.333333333333336}}
    assert status(judge(tmp_path, {"trades": ledger}, items=items)[0], "kpi.hit_rate")[0] == "fail"


def test_a_gross_trade_whose_fees_equal_its_pnl_is_not_a_win(tmp_path: Path) -> None:
    # 0.3 - 0.1 - 0.2 is 5.5e-17 in floats: a "win"; exactly it is zero.
    lines = ["id,closed_at,pnl,fees"]
    for index in range(60):
        closed = (AS_OF - dt.timedelta(hours=3 + 20 * index)).isoformat()
        lines.append(f"T{index},{closed},0.3,0.30000000000000000001" if index % 2 else f"T{index},{closed},1,0")
    write(tmp_path / "trades.csv", "\n".join(lines) + "\n")
    results, _ = judge(tmp_path, {"trades": "trades.csv", "trades_pnl": "gross"})
    state, summary = status(results, "kpi.hit_rate")
    assert state == "fail" and "30/60" in summary, summary


def _score(folder: Path, score: str, out_of: str | None = None) -> str:
    text = f'{{"score": {score}, {"" if out_of is None else f""""out_of": {out_of}, """}"date": "{YESTERDAY.isoformat()}"}}'
    write(folder / "explainability.json", text)
    return "explainability.json"


@pytest.mark.parametrize(
    ("score", "out_of", "expected"),
    [
        ("8", None, "pass"),
        ("7.99999999999999999", None, "fail"),
        ("8.00000000000000001", None, "pass"),
        ("2.4", "3", "pass"),  # 2.4 / 3 x 10 is 7.999999999999999 in floats
        ("79.99", "100", "fail"),
        ("0.8", "1", "pass"),
    ],
)
def test_explainability_rescaled_exactly(tmp_path: Path, score: str, out_of: str | None, expected: str) -> None:
    results, _ = judge(tmp_path, {"explainability": _score(tmp_path, score, out_of)})
    state, summary = status(results, "kpi.explainability")
    assert state == expected, summary


@pytest.mark.parametrize("score", ["NaN", "Infinity", "-Infinity", "1e400", "-1", "true", "null"])
def test_explainability_non_finite_or_out_of_range_is_an_error(tmp_path: Path, score: str) -> None:
    results, _ = judge(tmp_path, {"explainability": _score(tmp_path, score)})
    state, summary = status(results, "kpi.explainability")
    assert state == "error" and "explainability.json" in summary, summary


@pytest.mark.parametrize(("days", "expected"), [(7, "pass"), (8, "insufficient")])
def test_explainability_age_in_whole_days(tmp_path: Path, days: int, expected: str) -> None:
    dated = (AS_OF.date() - dt.timedelta(days=days)).isoformat()
    write(tmp_path / "explainability.json", json.dumps({"score": 9, "date": dated}))
    assert status(judge(tmp_path, {"explainability": "explainability.json"})[0], "kpi.explainability")[0] == expected


@pytest.mark.parametrize(("seconds", "expected"), [(-1, "pass"), (0, "pass"), (1, "insufficient")])
def test_explainability_age_of_a_timestamp_at_the_limit(tmp_path: Path, seconds: int, expected: str) -> None:
    dated = (AS_OF - dt.timedelta(days=7, seconds=seconds)).isoformat()
    write(tmp_path / "explainability.json", json.dumps({"score": 9, "date": dated}))
    assert status(judge(tmp_path, {"explainability": "explainability.json"})[0], "kpi.explainability")[0] == expected


def _fall(depth: str) -> list[str]:
    """STEADY returns with one day losing `depth` (decimal text) forty days before --as-of."""
    values = [str(value) for value in cycle(STEADY, 150)]
    values[-41] = "0.05"  # a new peak, so the fall alone is the episode
    values[-40] = f"-{depth}"
    # Recover the next day so the episode ends: a gain of 20 %.
    values[-39] = "0.2"
    return values


@pytest.mark.parametrize(("depth", "expected"), [("0.0499999", "pass"), ("0.05", "pass"), ("0.0500001", "fail")])
def test_drawdown_of_exactly_five_percent_is_not_deeper_than_five(tmp_path: Path, depth: str, expected: str) -> None:
    returns = returns_csv(tmp_path, _fall(depth))  # type: ignore[arg-type]
    results, _ = judge(tmp_path, {"returns": returns})
    state, summary = status(results, "kpi.drawdowns")
    assert state == expected, summary


@pytest.mark.parametrize(("trough", "expected"), [("95.00001", "pass"), ("95", "pass"), ("94.99999", "fail")])
def test_drawdown_depth_from_recorded_equity(tmp_path: Path, trough: str, expected: str) -> None:
    first = YESTERDAY - dt.timedelta(days=99)
    values = ["100"] * 100
    values[60], values[61] = trough, "100"
    lines = ["date,equity"] + [f"{first + dt.timedelta(days=index)},{value}" for index, value in enumerate(values)]
    write(tmp_path / "equity.csv", "\n".join(lines) + "\n")
    results, _ = judge(tmp_path, {"returns": "equity.csv", "returns_kind": "equity"})
    state, summary = status(results, "kpi.drawdowns")
    assert state == expected, summary


@pytest.mark.parametrize(("loss", "expected"), [("-5.29", "pass"), ("-5.3", "pass"), ("-5.31", "fail")])
def test_drawdown_depth_from_pnl_on_capital(tmp_path: Path, loss: str, expected: str) -> None:
    # The peak before the loss is 100 + 60 x 0.1 = 106; a fall of 5.3 from it is exactly 5 %.
    first = YESTERDAY - dt.timedelta(days=99)
    values = ["0.1"] * 100
    values[60], values[61] = loss, "10"
    lines = ["date,pnl"] + [f"{first + dt.timedelta(days=index)},{value}" for index, value in enumerate(values)]
    write(tmp_path / "pnl.csv", "\n".join(lines) + "\n")
    results, _ = judge(tmp_path, {"returns": "pnl.csv", "returns_kind": "pnl", "capital": 100})
    state, summary = status(results, "kpi.drawdowns")
    assert state == expected, summary
