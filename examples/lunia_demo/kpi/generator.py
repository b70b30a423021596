"""Realistic trading KPI data for the Lunia demo, dated relative to --as-of.

Writes into a folder:
- returns.csv      daily simple returns (date,return), 200 days up to the day before --as-of
- trades.csv       the trades ledger (id,symbol,side,opened_at,closed_at,pnl,fees), pnl gross of fees
- incidents.yml    explanations of drawdowns (start,end,text)
- explainability.json   the latest explainability review ({score, out_of, date, ...})
- kpi.db           SQLite with tables returns, trades and incidents holding the same rows

The numbers come from a fixed seed and are laid out by day index, so every --as-of gets
the same shape: a 24/7 strategy with a window Sharpe around 2.5, one exchange outage
drawdown of about 8 % six weeks back that recovered within three weeks (explained in the incidents log), a 60 % hit
rate and an explainability score of 8.6/10 reviewed two days earlier. `broken` names KPI
items whose data should fail instead (as `golive demo --break kpi.sharpe` would ask).

Standard library only, so it runs as a script too:
    python examples/lunia_demo/kpi/generator.py OUTDIR --as-of 2026-11-29T12:00:00Z [--break kpi.sharpe]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

BREAKABLE = ("kpi.sharpe", "kpi.hit_rate", "kpi.explainability", "kpi.drawdowns")
DAYS = 200
SEED = 20261344
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")
# The outage: its first day (days before --as-of) and the daily returns while it lasted.
OUTAGE_DAYS_BACK = 44
OUTAGE_RETURNS = (-0.031, -0.027, -0.018, -0.006, 0.012)


def generate(folder: Path, as_of: dt.datetime, broken: Iterable[str] = (), config_dir: Path | None = None) -> dict[str, str]:
    """Write the KPI files into `folder`; returns the `sources.kpi` settings for a golive.yml
    in `config_dir` (default: `folder`)."""
    broken = set(broken)
    unknown = broken - set(BREAKABLE)
    if unknown:
        raise ValueError(f"cannot break {', '.join(sorted(unknown))}: one of {', '.join(BREAKABLE)}")
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    as_of = as_of.astimezone(dt.UTC)
    folder.mkdir(parents=True, exist_ok=True)
    today = as_of.date()

    returns = _returns(today, "kpi.sharpe" in broken)
    trades = _trades(as_of, "kpi.hit_rate" in broken)
    outage_start = today - dt.timedelta(days=OUTAGE_DAYS_BACK)
    incidents = [
        {
            "start": (today - dt.timedelta(days=120)).isoformat(),
            "end": (today - dt.timedelta(days=119)).isoformat(),
            "text": "Planned maintenance of the order gateway; trading paused, no PnL impact.",
        }
    ]
    if "kpi.drawdowns" not in broken:
        incidents.append(
            {
                "start": outage_start.isoformat(),
                "end": (outage_start + dt.timedelta(days=len(OUTAGE_RETURNS) - 1)).isoformat(),
                "text": "Exchange API outage: stale order book made the bot exit positions at market; INC-2041.",
            }
        )
    review = as_of - dt.timedelta(days=2, hours=3)
    explainability = {
        "score": 6.5 if "kpi.explainability" in broken else 8.6,
        "out_of": 10,
        "date": review.isoformat().replace("+00:00", "Z"),
        "model": "lunia-signal 1.4",
        "method": "SHAP attribution review by risk and compliance",
    }

    _write_csv(folder / "returns.csv", ["date", "return"], [[day.isoformat(), f"{value:.6f}"] for day, value in returns])
    trade_columns = ["id", "symbol", "side", "opened_at", "closed_at", "pnl", "fees"]
    _write_csv(folder / "trades.csv", trade_columns, [[trade[column] for column in trade_columns] for trade in trades])
    (folder / "incidents.yml").write_text(_incidents_yaml(incidents), encoding="utf-8")
    (folder / "explainability.json").write_text(json.dumps(explainability, indent=2) + "\n", encoding="utf-8")
    _write_sqlite(folder / "kpi.db", returns, trades, trade_columns, incidents)

    base = Path(os.path.relpath(folder, config_dir)) if config_dir is not None else Path(".")
    database = (base / "kpi.db").as_posix()
    return {
        "returns": f"sqlite:///{database}",
        "trades": f"sqlite:///{database}",
        "trades_pnl": "gross",
        "incidents": f"sqlite:///{database}",
        "explainability": (base / "explainability.json").as_posix(),
        "timezone": "UTC",
    }


def _returns(today: dt.date, weak: bool) -> list[tuple[dt.date, float]]:
    rng = random.Random(SEED)
    # A weak edge: little drift, so the outage is never won back (still explained, but the Sharpe fails).
    drift, volatility = (0.0005, 0.003) if weak else (0.0022, 0.009)
    values = [rng.gauss(drift, volatility) for _ in range(DAYS)]
    first = today - dt.timedelta(days=DAYS)
    outage = DAYS - OUTAGE_DAYS_BACK
    for offset, value in enumerate(OUTAGE_RETURNS):
        values[outage + offset] = value
    return [(first + dt.timedelta(days=index), round(value, 6)) for index, value in enumerate(values)]


def _trades(as_of: dt.datetime, losing: bool) -> list[dict[str, Any]]:
    rng = random.Random(SEED + 1)
    trades: list[dict[str, Any]] = []
    start = as_of - dt.timedelta(days=DAYS)
    count = DAYS * 3
    for index in range(count):
        opened = start + dt.timedelta(hours=index * 8 + rng.randint(0, 5), minutes=rng.randint(0, 59))
        # Wins follow a fixed pattern (6 of every 10 trades, 9 of 20 when broken) so any window has that rate.
        wins = (index * 7) % 20 < 9 if losing else (index * 7) % 10 < 6
        gross = round(abs(rng.gauss(42, 15)) + 5, 2) if wins else -round(abs(rng.gauss(30, 12)) + 1, 2)
        closed = opened + dt.timedelta(hours=rng.randint(1, 6))
        still_open = index >= count - 2
        trades.append(
            {
                "id": f"T{index + 1:05d}",
                "symbol": SYMBOLS[index % len(SYMBOLS)],
                "side": "buy" if index % 2 else "sell",
                "opened_at": _stamp(opened),
                "closed_at": "" if still_open or closed > as_of else _stamp(closed),
                "pnl": f"{gross:.2f}",
                "fees": f"{round(abs(gross) * 0.002 + 0.8, 2):.2f}",
            }
        )
    return trades


def _stamp(moment: dt.datetime) -> str:
    return moment.replace(second=0, microsecond=0).isoformat().replace("+00:00", "Z")


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _incidents_yaml(incidents: list[dict[str, str]]) -> str:
    lines = ["# Explanations of drawdowns: each entry's date range must overlap the episode it explains.", "incidents:"]
    for entry in incidents:
        lines += [f"  - start: {entry['start']}", f"    end: {entry['end']}", f"    text: {json.dumps(entry['text'])}"]
    return "\n".join(lines) + "\n"


def _write_sqlite(
    path: Path, returns: list[tuple[dt.date, float]], trades: list[dict[str, Any]], columns: list[str], incidents: list[dict[str, str]]
) -> None:
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as db:
        db.execute('CREATE TABLE returns (date TEXT PRIMARY KEY, "return" REAL NOT NULL)')
        db.executemany('INSERT INTO returns (date, "return") VALUES (?, ?)', [(day.isoformat(), value) for day, value in returns])
        db.execute("CREATE TABLE trades (id TEXT PRIMARY KEY, symbol TEXT, side TEXT, opened_at TEXT, closed_at TEXT, pnl REAL, fees REAL)")
        db.executemany(
            "INSERT INTO trades VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (*(trade[column] for column in columns[:4]), trade["closed_at"] or None, float(trade["pnl"]), float(trade["fees"]))
                for trade in trades
            ],
        )
        db.execute('CREATE TABLE incidents (start TEXT NOT NULL, "end" TEXT NOT NULL, text TEXT NOT NULL)')
        db.executemany(
            'INSERT INTO incidents (start, "end", text) VALUES (?, ?, ?)', [(e["start"], e["end"], e["text"]) for e in incidents]
        )
    db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the Lunia demo's KPI data, dated relative to --as-of.")
    parser.add_argument(
        "folder", type=Path, help="folder to write returns.csv, trades.csv, incidents.yml, explainability.json, kpi.db into"
    )
    parser.add_argument("--as-of", default=None, help="ISO-8601 moment the data ends at (default: now, UTC)")
    parser.add_argument("--break", dest="broken", action="append", default=[], choices=BREAKABLE, help="make this KPI's data fail")
    args = parser.parse_args(argv)
    if args.as_of is None:
        as_of = dt.datetime.now(dt.UTC)
    else:
        as_of = dt.datetime.fromisoformat(args.as_of)
        as_of = as_of if as_of.tzinfo else as_of.replace(tzinfo=dt.UTC)
    settings = generate(args.folder, as_of, args.broken)
    print(json.dumps({"sources": {"kpi": settings}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
