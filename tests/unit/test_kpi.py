"""Trading KPI items end to end on files and SQLite: the kpi collector reads them, the checks judge.

Every dataset is written relative to a fixed --as-of (2026-11-29 12:00 UTC), whose 91-day
window is 2026-08-31..2026-11-29.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive import engine, judging
from golive.checks import JudgeContext
from golive.collectors import CollectContext, Evidence, Request, settings_keys
from golive.collectors import kpi as kpi_collector
from golive.collectors.kpi import KpiCollector
from golive.config import load_config
from golive.kpi import charts, load
from golive.kpi.evidence import DRAWDOWN_CHART
from golive.model import ItemResult
from tests.conftest import write

AS_OF = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
YESTERDAY = AS_OF.date() - dt.timedelta(days=1)
# Mean 0.25 %, spread 0.7 % a day: a Sharpe near 7 and no drawdown beyond 1 %.
STEADY = (0.01, -0.005, 0.008, -0.003)
# Mean 0.0125 % a day: a Sharpe near 0.3.
FLAT = (0.01, -0.0095, 0.006, -0.006)


@pytest.fixture(autouse=True)
def skip_chart_rendering(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawing costs about 0.6 s a run: only the tests asking for `with_charts` draw."""
    if "with_charts" not in request.fixturenames:
        monkeypatch.setattr(kpi_collector, "_charts", lambda ctx, data, zone: {})


@pytest.fixture
def with_charts() -> None:
    """Render the charts in this test (see skip_chart_rendering)."""


def judge(
    folder: Path, settings: dict[str, Any], as_of: dt.datetime = AS_OF, items: dict[str, Any] | None = None
) -> tuple[dict[str, ItemResult], Evidence]:
    body: dict[str, Any] = {"release": {"repo": "."}, "sources": {"kpi": settings}}
    if items:
        body["items"] = items
    config = load_config(write(folder / "golive.yml", yaml.safe_dump(body)), None, settings_keys())
    evidence = KpiCollector().collect(engine.collect_context(config, as_of, folder / "out" / "evidence", "kpi"))
    ctx = JudgeContext(config, as_of, {"kpi": evidence})
    return {item.id: judging.judge(item, config, ctx) for item in config.checklist.items if item.source == "kpi"}, evidence


def returns_csv(folder: Path, values: Sequence[float], last: dt.date = YESTERDAY, name: str = "returns.csv") -> str:
    first = last - dt.timedelta(days=len(values) - 1)
    lines = ["date,return"] + [f"{first + dt.timedelta(days=index)},{value}" for index, value in enumerate(values)]
    write(folder / name, "\n".join(lines) + "\n")
    return name


def cycle(pattern: Sequence[float], count: int) -> list[float]:
    return [pattern[index % len(pattern)] for index in range(count)]


def trades_csv(folder: Path, outcomes: Sequence[tuple[float, float]], last: dt.datetime = AS_OF - dt.timedelta(hours=3)) -> str:
    """A ledger of (pnl, fees) trades, one closed every 20 hours back from `last`."""
    lines = ["id,closed_at,pnl,fees"]
    for index, (pnl, fees) in enumerate(outcomes):
        closed = last - dt.timedelta(hours=20 * index)
        lines.append(f"T{index},{closed.isoformat()},{pnl},{fees}")
    write(folder / "trades.csv", "\n".join(lines) + "\n")
    return "trades.csv"


def status(results: dict[str, ItemResult], item: str) -> tuple[str, str]:
    return results[item].status.value, results[item].summary


# --------------------------------------------------------------------------- kpi.sharpe


def test_steady_returns_pass_sharpe_with_the_conventions_in_the_summary(tmp_path: Path) -> None:
    results, _ = judge(tmp_path, {"returns": returns_csv(tmp_path, cycle(STEADY, 120))})
    state, summary = status(results, "kpi.sharpe")
    assert state == "pass", summary
    assert "90 daily returns 2026-08-31..2026-11-29, x sqrt(365), rf 0, ddof 1" in summary
    assert "rolling 30-day Sharpe" in summary and "reported, not judged" in summary


def test_flat_returns_fail_sharpe_naming_the_value(tmp_path: Path) -> None:
    results, _ = judge(tmp_path, {"returns": returns_csv(tmp_path, cycle(FLAT, 120))})
    state, summary = status(results, "kpi.sharpe")
    assert state == "fail"
    assert summary.startswith("Sharpe 0.") and "is not above 1.3" in summary and "returns.csv" in summary


def test_sharpe_threshold_and_annualisation_are_parameters(tmp_path: Path) -> None:
    # FLAT's window Sharpe is 0.288 annualised on 365 days and 0.240 on 252.
    results, _ = judge(tmp_path, {"returns": returns_csv(tmp_path, cycle(FLAT, 120))}, items={"kpi.sharpe": {"min_sharpe": 0.26}})
    assert status(results, "kpi.sharpe")[0] == "pass"
    results, _ = judge(
        tmp_path,
        {"returns": returns_csv(tmp_path, cycle(FLAT, 120))},
        items={"kpi.sharpe": {"min_sharpe": 0.26, "annualisation_days": 252}},
    )
    state, summary = status(results, "kpi.sharpe")
    assert state == "fail" and "sqrt(252)" in summary


def test_series_ending_before_the_window_is_insufficient(tmp_path: Path) -> None:
    results, _ = judge(tmp_path, {"returns": returns_csv(tmp_path, cycle(STEADY, 200), last=AS_OF.date() - dt.timedelta(days=100))})
    for item in ("kpi.sharpe", "kpi.drawdowns"):
        state, summary = status(results, item)
        assert state == "insufficient"
        assert "returns.csv ends 2026-08-21, before the 91-day window 2026-08-31..2026-11-29" in summary


def test_stale_series_is_insufficient(tmp_path: Path) -> None:
    results, _ = judge(tmp_path, {"returns": returns_csv(tmp_path, cycle(STEADY, 200), last=AS_OF.date() - dt.timedelta(days=10))})
    state, summary = status(results, "kpi.sharpe")
    assert state == "insufficient" and "10 days before --as-of" in summary


def test_fewer_observations_than_the_minimum_is_insufficient(tmp_path: Path) -> None:
    results, _ = judge(tmp_path, {"returns": returns_csv(tmp_path, cycle(STEADY, 59))})
    state, summary = status(results, "kpi.sharpe")
    assert state == "insufficient" and "59 daily returns in 2026-08-31..2026-11-29, fewer than 60" in summary


def test_returns_without_spread_have_no_sharpe(tmp_path: Path) -> None:
    results, _ = judge(tmp_path, {"returns": returns_csv(tmp_path, [0.001] * 100)})
    state, summary = status(results, "kpi.sharpe")
    assert state == "insufficient" and "no spread" in summary


def test_rows_after_as_of_are_ignored(tmp_path: Path) -> None:
    # Ten disastrous days after --as-of's date cannot change a judgement made as of then.
    values = cycle(STEADY, 120) + [-0.2] * 10
    results, _ = judge(tmp_path, {"returns": returns_csv(tmp_path, values, last=AS_OF.date() + dt.timedelta(days=10))})
    assert status(results, "kpi.sharpe")[0] == "pass"
    assert status(results, "kpi.drawdowns")[0] == "pass"


def test_equity_series_with_its_own_column_names_is_judged(tmp_path: Path) -> None:
    equity, lines = 1000.0, ["day;nav"]
    for index, value in enumerate(cycle(STEADY, 120)):
        equity *= 1 + value
        lines.append(f"{YESTERDAY - dt.timedelta(days=119 - index)},{equity:.6f}")
    write(tmp_path / "nav.csv", "\n".join(lines).replace(";", ",") + "\n")
    settings = {"returns": "nav.csv", "returns_kind": "equity", "returns_columns": {"date": "day", "value": "nav"}}
    results, _ = judge(tmp_path, settings)
    state, summary = status(results, "kpi.sharpe")
    assert state == "pass", summary
    # The first return in the window (2026-08-31) is measured from the 2026-08-30 equity point.
    assert "90 daily returns 2026-08-31..2026-11-29" in summary


def test_pnl_series_needs_a_capital(tmp_path: Path) -> None:
    write(
        tmp_path / "pnl.csv",
        "date,pnl\n" + "".join(f"{YESTERDAY - dt.timedelta(days=n)},{10 if n % 2 else -4}\n" for n in range(99, -1, -1)),
    )
    results, _ = judge(tmp_path, {"returns": "pnl.csv", "returns_kind": "pnl"})
    state, summary = status(results, "kpi.sharpe")
    assert state == "error" and "pnl.csv" in summary and "sources.kpi.capital" in summary
    results, _ = judge(tmp_path, {"returns": "pnl.csv", "returns_kind": "pnl", "capital": 10000})
    assert status(results, "kpi.sharpe")[0] == "pass"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "returns.csv",
            "date,return\n2026-11-01,0.01\n2026-11-02,nan\n",
            "returns.csv line 3: column 'return' is 'nan', not a finite number",
        ),
        (
            "returns.csv",
            "date,return\n2026-11-01,0.01\n2026-11-02,inf\n",
            "returns.csv line 3: column 'return' is 'inf', not a finite number",
        ),
        ("returns.csv", "date,return\n2026-11-01,0.01\n2026-11-02,\n", "returns.csv line 3: column 'return' is empty"),
        ("returns.csv", "date,return\n2026-11-01,0.01\n,0.02\n", "returns.csv line 3: column 'date' is empty"),
        (
            "returns.csv",
            "date,return\n2026-11-01,0.01\n2026-11-01,0.02\n",
            "returns.csv line 3: date 2026-11-01 repeats returns.csv line 2",
        ),
        ("returns.csv", "date,return\n2026-11-02,0.01\n2026-11-01,0.02\n", "returns.csv line 3: date 2026-11-01 comes after 2026-11-02"),
        ("returns.csv", "date,return\n", "returns.csv: no rows"),
        ("returns.csv", "", "returns.csv: no rows"),
        ("returns.csv", "date,return\n2026-11-01,0.01,7\n", "returns.csv line 2: 3 fields, the header has 2"),
        ("returns.csv", "day,value\n2026-11-01,0.01\n", "returns.csv line 1: no column 'date', 'return'"),
        ("returns.csv", "date,return\nyesterday,0.01\n", "returns.csv line 2: column 'date' is 'yesterday', not an ISO-8601 date"),
        ("returns.csv", "date,return\n2026-11-01,1,5\n", "returns.csv line 2: 3 fields"),
        ("returns.csv", "date,return\n2026-11-01,-1.0\n", "returns.csv line 2: return -1 is a loss of 100 % or more"),
        (
            "returns.json",
            '[{"date": "2026-11-01", "return": 0.01}, {"date": "2026-11-02", "return": NaN}]',
            "returns.json record 2: column 'return' is nan",
        ),
        ("returns.json", '{"rows": [{"date": "2026-11-01", "return": Infinity}]}', "returns.json record 1: column 'return' is inf"),
        ("returns.json", '[{"date": "2026-11-01"}]', "returns.json record 1: no 'return'"),
        ("returns.json", '[{"date": "2026-11-01", "return": true}]', "returns.json record 1: column 'return' is True, not a number"),
        ("returns.json", '[{"date": "2026-11-01", "return": 0.01}', "returns.json line 1: invalid JSON"),
        ("returns.json", "[]", "returns.json: no rows"),
        ("returns.json", '"just text"', "returns.json: expected a list of records"),
        ("returns.txt", "date,return\n", "returns.txt: unsupported file type"),
    ],
)
def test_malformed_series_is_an_error_naming_the_source_and_row(tmp_path: Path, name: str, text: str, expected: str) -> None:
    write(tmp_path / name, text)
    results, _ = judge(tmp_path, {"returns": name})
    for item in ("kpi.sharpe", "kpi.drawdowns"):
        state, summary = status(results, item)
        assert state == "error", summary
        assert expected in summary


def test_non_utf8_and_oversized_files_are_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "returns.csv").write_bytes(b"date,return\n2026-11-01,\xff\xfe\n")
    results, _ = judge(tmp_path, {"returns": "returns.csv"})
    assert status(results, "kpi.sharpe") == ("error", "returns.csv: not UTF-8 text (byte 23)")
    monkeypatch.setattr(load, "MAX_BYTES", 100)
    returns_csv(tmp_path, cycle(STEADY, 120))
    results, _ = judge(tmp_path, {"returns": "returns.csv"})
    state, summary = status(results, "kpi.sharpe")
    assert state == "error" and "more than the 100 a KPI source may hold" in summary


def test_missing_file_is_an_error_and_other_kpis_are_still_judged(tmp_path: Path) -> None:
    trades = trades_csv(tmp_path, [(5.0, 0.1)] * 60)
    results, _ = judge(tmp_path, {"returns": "nowhere.csv", "trades": trades})
    state, summary = status(results, "kpi.sharpe")
    assert state == "error" and summary.startswith("nowhere.csv: no such file")
    assert status(results, "kpi.hit_rate")[0] == "pass"


def test_unconfigured_parts_are_insufficient_and_nothing_configured_is_missing(tmp_path: Path) -> None:
    results, _ = judge(tmp_path, {"returns": returns_csv(tmp_path, cycle(STEADY, 120))})
    assert status(results, "kpi.hit_rate") == ("insufficient", "sources.kpi.trades not configured")
    assert status(results, "kpi.explainability") == ("insufficient", "sources.kpi.explainability not configured")
    results, evidence = judge(tmp_path, {})
    assert evidence.missing and "sources.kpi not configured" in evidence.missing
    assert status(results, "kpi.sharpe")[0] == "insufficient"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"returns_kind": "prices"}, "sources.kpi.returns_kind must be one of returns, equity, pnl"),
        ({"trades_pnl": "both"}, "sources.kpi.trades_pnl must be one of net, gross"),
        ({"timezone": "Mars/Olympus"}, "sources.kpi.timezone: unknown time zone 'Mars/Olympus'"),
        ({"returns_columns": {"day": "d"}}, "sources.kpi.returns_columns: unknown key 'day' (valid: date, value)"),
        ({"capital": -5}, "sources.kpi.capital must be a positive number"),
    ],
)
def test_invalid_settings_make_every_kpi_an_error(tmp_path: Path, settings: dict[str, Any], expected: str) -> None:
    results, evidence = judge(tmp_path, {"returns": "returns.csv", **settings})
    assert evidence.error == expected
    assert all(result.status.value == "error" for result in results.values())


# --------------------------------------------------------------------------- kpi.hit_rate


def test_hit_rate_above_target_passes(tmp_path: Path) -> None:
    ledger = trades_csv(tmp_path, [(12.0, 0.5) if index % 5 < 3 else (-8.0, 0.5) for index in range(100)])
    results, _ = judge(tmp_path, {"trades": ledger})
    state, summary = status(results, "kpi.hit_rate")
    assert state == "pass", summary
    assert summary.startswith("60/100 closed trades won (60.0 %, net PnL > 0) in 2026-08-31..2026-11-29")


def test_hit_rate_at_or_below_target_fails(tmp_path: Path) -> None:
    ledger = trades_csv(tmp_path, [(12.0, 0.5) if index % 2 else (-8.0, 0.5) for index in range(100)])
    results, _ = judge(tmp_path, {"trades": ledger})
    state, summary = status(results, "kpi.hit_rate")
    assert state == "fail" and "50/100" in summary and "not above 55 %" in summary


def test_fees_turn_small_gross_wins_into_losses_when_the_ledger_is_gross(tmp_path: Path) -> None:
    # 70 trades win 1.0 gross but pay 1.5 in fees: net losers.
    ledger = trades_csv(tmp_path, [(1.0, 1.5)] * 70 + [(20.0, 1.0)] * 30)
    results, _ = judge(tmp_path, {"trades": ledger, "trades_pnl": "gross"})
    state, summary = status(results, "kpi.hit_rate")
    assert state == "fail" and summary.startswith("30/100 closed trades won (30.0 %, PnL minus fees > 0)")
    results, _ = judge(tmp_path, {"trades": ledger, "trades_pnl": "net"})
    assert status(results, "kpi.hit_rate")[0] == "pass"


def test_gross_ledger_without_fees_column_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "trades.csv", "id,closed_at,pnl\nT1,2026-11-28T10:00:00Z,5\n")
    results, _ = judge(tmp_path, {"trades": "trades.csv", "trades_pnl": "gross"})
    state, summary = status(results, "kpi.hit_rate")
    assert state == "error" and "trades.csv line 1: no column 'fees'" in summary
    results, _ = judge(tmp_path, {"trades": "trades.csv"}, items={"kpi.hit_rate": {"min_trades": 1}})
    assert status(results, "kpi.hit_rate")[0] == "pass"


def test_open_future_and_old_trades_are_not_counted(tmp_path: Path) -> None:
    ledger = trades_csv(tmp_path, [(5.0, 0.1)] * 40)
    with (tmp_path / ledger).open("a") as handle:
        handle.write("OPEN1,,3.0,0.1\n")  # still open
        handle.write("LATE1,2026-11-30T09:00:00Z,-3.0,0.1\n")  # after --as-of
        handle.write("OLD1,2026-08-30T23:00:00Z,-3.0,0.1\n")  # the day before the window
    results, evidence = judge(tmp_path, {"trades": ledger})
    state, summary = status(results, "kpi.hit_rate")
    assert state == "insufficient" and "40 closed trades in 2026-08-31..2026-11-29, fewer than 50" in summary
    assert evidence.data["trades"]["open"] == 1


def test_trade_dates_follow_the_configured_timezone(tmp_path: Path) -> None:
    # Closed 2026-08-30 20:00 UTC: before the window in UTC, 2026-08-31 05:00 in Tokyo (inside it).
    ledger = trades_csv(tmp_path, [(5.0, 0.1)] * 49)
    with (tmp_path / ledger).open("a") as handle:
        handle.write("EDGE,2026-08-30T20:00:00Z,-3.0,0.1\n")
    results, _ = judge(tmp_path, {"trades": ledger})
    assert status(results, "kpi.hit_rate")[0] == "insufficient"
    results, _ = judge(tmp_path, {"trades": ledger, "timezone": "Asia/Tokyo"})
    state, summary = status(results, "kpi.hit_rate")
    assert state == "pass" and "49/50" in summary


def test_naive_timestamps_are_read_in_the_configured_timezone(tmp_path: Path) -> None:
    write(tmp_path / "trades.csv", "id,closed_at,pnl\nT1,2026-11-29T20:00:00,5\n")
    # 20:00 in New York on 2026-11-29 is after --as-of (12:00 UTC): not yet closed then.
    results, _ = judge(tmp_path, {"trades": "trades.csv", "timezone": "America/New_York"}, items={"kpi.hit_rate": {"min_trades": 1}})
    assert status(results, "kpi.hit_rate") == ("insufficient", "trades.csv: no trade closed by --as-of")
    write(tmp_path / "trades.csv", "id,closed_at,pnl\nT1,2026-11-29T05:00:00,5\n")
    results, _ = judge(tmp_path, {"trades": "trades.csv", "timezone": "America/New_York"}, items={"kpi.hit_rate": {"min_trades": 1}})
    assert status(results, "kpi.hit_rate")[0] == "pass"


def test_stale_trades_ledger_is_insufficient(tmp_path: Path) -> None:
    ledger = trades_csv(tmp_path, [(5.0, 0.1)] * 80, last=AS_OF - dt.timedelta(days=9))
    results, _ = judge(tmp_path, {"trades": ledger})
    state, summary = status(results, "kpi.hit_rate")
    assert state == "insufficient" and "last trade closed 2026-11-20, 9 days before --as-of (at most 7)" in summary


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("T1,2026-11-28T10:00:00Z,nan,0.1", "trades.csv line 3: column 'pnl' is 'nan', not a finite number"),
        ("T0,2026-11-28T10:00:00Z,1,0.1", "trades.csv line 3: trade 'T0' repeats trades.csv line 2"),
        (",2026-11-28T10:00:00Z,1,0.1", "trades.csv line 3: column 'id' is empty"),
        ("T1,2026-11-28T10:00:00Z,,0.1", "trades.csv line 3: column 'pnl' is empty"),
        ("T1,last tuesday,1,0.1", "trades.csv line 3: column 'closed_at' is 'last tuesday', not an ISO-8601"),
    ],
)
def test_malformed_trades_are_an_error_naming_the_row(tmp_path: Path, row: str, expected: str) -> None:
    write(tmp_path / "trades.csv", f"id,closed_at,pnl,fees\nT0,2026-11-28T09:00:00Z,2,0.1\n{row}\n")
    results, _ = judge(tmp_path, {"trades": "trades.csv"})
    state, summary = status(results, "kpi.hit_rate")
    assert state == "error" and expected in summary


# --------------------------------------------------------------------------- kpi.explainability


def explained(folder: Path, document: Any) -> str:
    write(folder / "explainability.json", json.dumps(document))
    return "explainability.json"


@pytest.mark.parametrize(
    ("document", "expected_status", "expected"),
    [
        ({"score": 8.6, "date": "2026-11-27T09:00:00Z"}, "pass", "explainability 8.6/10 dated 2026-11-27T09:00:00+00:00 >= 8"),
        ({"score": 8, "date": "2026-11-22"}, "pass", "explainability 8.0/10 dated 2026-11-22 >= 8"),
        ({"score": 85, "out_of": 100, "date": "2026-11-28"}, "pass", "explainability 8.5/10"),
        ({"score": 7.9, "date": "2026-11-28"}, "fail", "explainability 7.9/10 dated 2026-11-28, below 8 (explainability.json)"),
        ({"score": 9, "date": "2026-11-21"}, "insufficient", "score dated 2026-11-21 is 8.0 days old (at most 7)"),
        ({"score": 9, "date": "2026-11-20T12:00:00Z"}, "insufficient", "is 9.0 days old"),
        ({"score": 9, "date": "2026-11-30"}, "insufficient", "score dated 2026-11-30, after --as-of"),
        ({"score": 11, "date": "2026-11-28"}, "error", "explainability.json: score 11 is not within 0..10"),
        ({"score": "high", "date": "2026-11-28"}, "error", "column 'score' is 'high', not a number"),
        ({"score": 9}, "error", "explainability.json: column 'date' is empty"),
        ([9, "2026-11-28"], "error", "expected a JSON object with score and date"),
    ],
)
def test_explainability_score_freshness_and_format(tmp_path: Path, document: Any, expected_status: str, expected: str) -> None:
    results, _ = judge(tmp_path, {"explainability": explained(tmp_path, document)})
    state, summary = status(results, "kpi.explainability")
    assert state == expected_status, summary
    assert expected in summary


@pytest.fixture
def score_server() -> Iterator[tuple[str, dict[str, Any]]]:
    """A local HTTP endpoint serving `state['body']` with `state['code']`."""
    state: dict[str, Any] = {"code": 200, "body": b"{}"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(state["code"])
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(state["body"])

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/explainability", state
    server.shutdown()
    server.server_close()


def test_explainability_from_an_http_endpoint(tmp_path: Path, score_server: tuple[str, dict[str, Any]]) -> None:
    url, state = score_server
    state["body"] = json.dumps({"score": 9.1, "date": "2026-11-28T08:00:00Z"}).encode()
    results, _ = judge(tmp_path, {"explainability": url})
    assert status(results, "kpi.explainability")[0] == "pass"
    state["code"], state["body"] = 503, b"busy"
    results, _ = judge(tmp_path, {"explainability": url})
    assert status(results, "kpi.explainability") == ("error", f"{url}: HTTP 503 Service Unavailable")


# --------------------------------------------------------------------------- kpi.drawdowns


def with_crash(days_back: int, steps: Sequence[float] = (-0.04, -0.035, -0.03, 0.05, 0.05, 0.02)) -> list[float]:
    """STEADY returns up to yesterday, with a ~10 % fall starting `days_back` days before --as-of."""
    values = cycle(STEADY, 150)
    start = len(values) - days_back + 1
    values[start : start + len(steps)] = steps
    return values


def incidents_yaml(folder: Path, entries: list[dict[str, str]]) -> str:
    write(folder / "incidents.yml", yaml.safe_dump({"incidents": entries}))
    return "incidents.yml"


def test_explained_drawdown_passes_naming_its_explanation(tmp_path: Path) -> None:
    returns = returns_csv(tmp_path, with_crash(40))
    log = incidents_yaml(tmp_path, [{"start": "2026-10-21", "end": "2026-10-22", "text": "Exchange outage, INC-7"}])
    results, _ = judge(tmp_path, {"returns": returns, "incidents": log})
    state, summary = status(results, "kpi.drawdowns")
    assert state == "pass", summary
    assert "1 drawdown(s) deeper than 5 % in 2026-08-31..2026-11-29, each explained" in summary
    assert "Exchange outage, INC-7 (incidents.yml record 1)" in summary


def test_unexplained_drawdown_fails_naming_its_dates_and_depth(tmp_path: Path) -> None:
    returns = returns_csv(tmp_path, with_crash(40))
    log = incidents_yaml(tmp_path, [{"start": "2026-09-01", "end": "2026-09-02", "text": "Unrelated maintenance"}])
    results, _ = judge(tmp_path, {"returns": returns, "incidents": log})
    result = results["kpi.drawdowns"]
    assert result.status.value == "fail"
    (finding,) = result.findings
    assert finding.key == "drawdown:2026-10-20"
    # 1 - 0.96 x 0.965 x 0.97 = 10.14 %; the +5 %, +5 % days climb back above the peak on 2026-10-26.
    assert finding.detail.startswith("unexplained drawdown 2026-10-20 peak, trough 2026-10-23 (-10.14 %), recovered 2026-10-26")
    assert "no incident overlaps it" in finding.detail


def test_ongoing_drawdown_without_an_incidents_log_fails(tmp_path: Path) -> None:
    returns = returns_csv(tmp_path, [*cycle(STEADY, 100), -0.03, -0.03, -0.01])
    results, _ = judge(tmp_path, {"returns": returns})
    state, summary = status(results, "kpi.drawdowns")
    assert state == "fail"
    # From the 2026-11-24 peak: 1 - 0.997 x 0.97 x 0.97 x 0.99 = 7.13 %, not recovered.
    assert "unexplained drawdown 2026-11-24 peak, trough 2026-11-28 (-7.13 %), ongoing: sources.kpi.incidents not configured" in summary


def test_shallow_and_out_of_window_drawdowns_need_no_explanation(tmp_path: Path) -> None:
    # A 4 % dip inside the window, and a 10 % one that recovered before the window began.
    values = with_crash(140)
    values[-30:-27] = [-0.015, -0.015, -0.01]
    results, _ = judge(tmp_path, {"returns": returns_csv(tmp_path, values)})
    state, summary = status(results, "kpi.drawdowns")
    assert state == "pass" and summary == "no drawdown deeper than 5 % in 2026-08-31..2026-11-29 (returns.csv)"
    results, _ = judge(tmp_path, {"returns": returns_csv(tmp_path, values)}, items={"kpi.drawdowns": {"max_unexplained_depth_percent": 3}})
    assert status(results, "kpi.drawdowns")[0] == "fail"


def test_incidents_from_csv_overlapping_the_recovery_explain_the_episode(tmp_path: Path) -> None:
    returns = returns_csv(tmp_path, with_crash(40))
    write(tmp_path / "incidents.csv", "from,to,why\n2026-10-25,2026-10-30,Slow recovery after the outage\n")
    settings = {"returns": returns, "incidents": "incidents.csv", "incidents_columns": {"start": "from", "end": "to", "text": "why"}}
    results, _ = judge(tmp_path, settings)
    assert status(results, "kpi.drawdowns")[0] == "pass"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("start,end,text\n2026-10-21,2026-10-20,backwards\n", "incidents.csv line 2: ends 2026-10-20 before it starts 2026-10-21"),
        ("start,end,text\n2026-10-21,2026-10-22,\n", "incidents.csv line 2: column 'text' is empty: an incident must explain"),
        ("start,end,text\nsoon,2026-10-22,x\n", "incidents.csv line 2: column 'start' is 'soon'"),
    ],
)
def test_malformed_incidents_log_is_an_error(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path / "incidents.csv", text)
    results, _ = judge(tmp_path, {"returns": returns_csv(tmp_path, cycle(STEADY, 120)), "incidents": "incidents.csv"})
    state, summary = status(results, "kpi.drawdowns")
    assert state == "error" and expected in summary


def test_empty_incidents_log_is_valid(tmp_path: Path) -> None:
    write(tmp_path / "incidents.yml", "incidents: []\n")
    results, _ = judge(tmp_path, {"returns": returns_csv(tmp_path, cycle(STEADY, 120)), "incidents": "incidents.yml"})
    assert status(results, "kpi.drawdowns")[0] == "pass"


# --------------------------------------------------------------------------- SQL, charts, imports


def test_sqlite_tables_are_read_relative_to_golive_yml(tmp_path: Path) -> None:
    import sqlite3

    (tmp_path / "data").mkdir()
    with sqlite3.connect(tmp_path / "data" / "kpi.db") as db:
        db.execute("CREATE TABLE daily (day TEXT, ret REAL)")
        db.executemany("INSERT INTO daily VALUES (?, ?)", [(str(YESTERDAY - dt.timedelta(days=n)), STEADY[n % 4]) for n in range(120)])
    db.close()
    settings = {"returns": "sqlite:///data/kpi.db", "returns_table": "daily", "returns_columns": {"date": "day", "value": "ret"}}
    results, evidence = judge(tmp_path, settings)
    assert status(results, "kpi.sharpe")[0] == "pass"
    assert evidence.data["returns"]["source"] == "sqlite:///data/kpi.db"
    results, _ = judge(tmp_path, {**settings, "returns_table": "missing"})
    assert status(results, "kpi.sharpe") == ("error", "sqlite:///data/kpi.db: no table 'missing'")
    results, _ = judge(tmp_path, {**settings, "returns_columns": {"date": "day", "value": "pnl"}})
    assert status(results, "kpi.sharpe") == ("error", "sqlite:///data/kpi.db table daily: no column 'pnl' (columns: day, ret)")
    results, _ = judge(tmp_path, {**settings, "returns": "sqlite:///data/typo.db"})
    state, summary = status(results, "kpi.sharpe")
    assert state == "error" and "no such database file" in summary
    assert not (tmp_path / "data" / "typo.db").exists()


def test_unreachable_database_is_an_error_without_its_password(tmp_path: Path) -> None:
    results, evidence = judge(tmp_path, {"returns": "postgresql+psycopg://kpi:s3cr3t-pw@127.0.0.1:9/kpi"})
    state, summary = status(results, "kpi.sharpe")
    assert state == "error" and summary.startswith("postgresql+psycopg://kpi:[redacted]@127.0.0.1:9/kpi")
    assert "s3cr3t-pw" not in json.dumps(evidence.data) and "s3cr3t-pw" not in summary


@pytest.mark.usefixtures("with_charts")
def test_charts_are_png_evidence_listed_in_files_and_data(tmp_path: Path) -> None:
    results, evidence = judge(tmp_path, {"returns": returns_csv(tmp_path, with_crash(40))})
    assert evidence.data["charts"] == ["evidence/kpi/equity_drawdowns.png", "evidence/kpi/rolling_sharpe.png"]
    for chart in evidence.data["charts"]:
        assert chart in evidence.files
        content = (tmp_path / "out" / chart).read_bytes()
        assert content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) > 10_000
    assert "evidence/kpi/kpi.json" in results["kpi.sharpe"].evidence
    first = (tmp_path / "out" / "evidence/kpi/equity_drawdowns.png").read_bytes()
    judge(tmp_path, {"returns": returns_csv(tmp_path, with_crash(40))})
    assert (tmp_path / "out" / "evidence/kpi/equity_drawdowns.png").read_bytes() == first


@pytest.mark.usefixtures("with_charts")
def test_no_charts_without_a_readable_series(tmp_path: Path) -> None:
    _, evidence = judge(tmp_path, {"returns": "nowhere.csv"})
    assert evidence.data["charts"] == [] and evidence.files == ["evidence/kpi/kpi.json"]


class DrawnCharts:
    """The figures handed to the chart functions, instead of drawing them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: dict[str, tuple[Any, ...]] = {}
        monkeypatch.setattr(charts, "equity_chart", self.recorder("equity"))
        monkeypatch.setattr(charts, "rolling_chart", self.recorder("rolling"))

    def recorder(self, name: str) -> Any:
        def record(target: Path, *figures: Any) -> Path:
            self.calls[name] = figures
            return target

        return record


@pytest.mark.usefixtures("with_charts")
def test_charts_draw_the_figures_the_checks_judge_with_the_items_parameters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = DrawnCharts(monkeypatch)
    # Two falls: the ~10 % crash and a ~4 % dip, which only a 3 % threshold counts.
    values = with_crash(40)
    values[-70:-67] = [-0.02, -0.015, -0.01]
    items = {"kpi.drawdowns": {"max_unexplained_depth_percent": 3}, "kpi.sharpe": {"min_sharpe": 2.5, "rolling_days": 20}}
    results, evidence = judge(tmp_path, {"returns": returns_csv(tmp_path, values)}, items=items)
    assert evidence.data["charts"] == ["evidence/kpi/equity_drawdowns.png", "evidence/kpi/rolling_sharpe.png"]
    _, episodes, first, last, depth = drawn.calls["equity"]
    assert results["kpi.drawdowns"].outcome.metrics["drawdowns_over_threshold"] == len(episodes) == 2
    assert (first, last, depth) == (dt.date(2026, 8, 31), AS_OF.date(), 3.0)
    assert [f"drawdown:{episode.start.isoformat()}" for episode in episodes] == [f.key for f in results["kpi.drawdowns"].findings]
    rolling, min_sharpe, length, window_sharpe, label = drawn.calls["rolling"]
    assert (min_sharpe, length, label) == (2.5, 20, "kpi.sharpe threshold")
    assert round(window_sharpe, 4) == results["kpi.sharpe"].outcome.metrics["sharpe"]
    low = min(value for _, value in rolling if value is not None)
    assert f"rolling 20-day Sharpe min {low:.2f}" in results["kpi.sharpe"].summary


@pytest.mark.usefixtures("with_charts")
def test_the_collector_draws_only_the_charts_requested_of_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = DrawnCharts(monkeypatch)
    returns = returns_csv(tmp_path, with_crash(40))
    config = load_config(
        write(tmp_path / "golive.yml", yaml.safe_dump({"release": {"repo": "."}, "sources": {"kpi": {"returns": returns}}}))
    )
    folder = tmp_path / "out" / "evidence"
    # The checklist holds both KPI chart items; the collector reads its requests, never the checklist.
    evidence = KpiCollector().collect(CollectContext(config, AS_OF, folder, "kpi", {}))
    assert evidence.data["charts"] == [] and drawn.calls == {}
    asked = [Request("kpi", DRAWDOWN_CHART, {"window_days": 30, "max_unexplained_depth_percent": 12}, key="any")]
    evidence = KpiCollector().collect(CollectContext(config, AS_OF, folder, "kpi", {}, asked))
    assert evidence.data["charts"] == ["evidence/kpi/equity_drawdowns.png"] and set(drawn.calls) == {"equity"}
    _, episodes, first, _, depth = drawn.calls["equity"]
    assert (episodes, first, depth) == ([], dt.date(2026, 10, 31), 12.0)


@pytest.mark.usefixtures("with_charts")
def test_a_chart_that_cannot_be_drawn_is_noted_and_costs_no_item(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    DrawnCharts(monkeypatch)

    def broken(*_: Any) -> Path:
        raise RuntimeError("no canvas")

    monkeypatch.setattr(charts, "rolling_chart", broken)
    results, evidence = judge(tmp_path, {"returns": returns_csv(tmp_path, with_crash(40))})
    assert evidence.data["charts"] == [] and evidence.data["chart_error"] == "RuntimeError: no canvas"
    assert evidence.files == ["evidence/kpi/kpi.json"]
    assert status(results, "kpi.drawdowns")[0] == "fail" and status(results, "kpi.sharpe")[0] == "pass"


def test_kpi_modules_import_no_heavy_library() -> None:
    code = (
        "import sys, golive.cli, golive.collectors.kpi, golive.checks.kpi;"
        "heavy = [name for name in ('pandas', 'numpy', 'matplotlib', 'sqlalchemy', 'urllib.request') if name in sys.modules];"
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
