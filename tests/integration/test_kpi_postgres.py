"""Trading KPIs read from a real PostgreSQL 15 server through SQLAlchemy + psycopg 3.

The fixture creates a throwaway cluster as the `postgres` user (initdb and pg_ctl refuse
root) on a free port, creates a role that logs in over TCP with a SCRAM password, loads
the demo's KPI data into typed tables (date, numeric, timestamptz) in a schema, and
removes the cluster afterwards.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from examples.lunia_demo.kpi import generate
from tests.conftest import needs
from tests.unit.test_kpi import AS_OF, judge

pytestmark = pytest.mark.integration

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "kpi-Reader-9f3c"


@dataclass
class Server:
    port: int
    superuser_socket: str

    def url(self, password: str = PASSWORD) -> str:
        return f"postgresql+psycopg://golive_kpi:{password}@127.0.0.1:{self.port}/lunia"


def _unavailable() -> str | None:
    if os.geteuid() != 0:
        return "the PostgreSQL fixture runs initdb as the postgres user: needs root"
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        return "PostgreSQL 15 is not installed (apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install 'psycopg[binary]' SQLAlchemy)"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(*argv: str) -> None:
    done = subprocess.run(["runuser", "-u", "postgres", "--", *argv], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:2])} failed: {done.stdout}{done.stderr}")


@pytest.fixture(scope="module")
def postgres() -> Iterator[Server]:
    reason = _unavailable()
    needs(reason is None, reason or "")
    base = Path(tempfile.mkdtemp(prefix="golive-pg-"))
    shutil.chown(base, "postgres", "postgres")
    data = base / "data"
    port = _free_port()
    started = False
    try:
        _as_postgres(
            str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"
        )
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "server.log"), "-w", "-t", "60", "start")
        started = True
        sql = f"CREATE ROLE golive_kpi LOGIN PASSWORD '{PASSWORD}'; CREATE DATABASE lunia OWNER golive_kpi;"
        for statement in sql.split("; "):
            _as_postgres(str(PG_BIN / "psql"), "-h", str(base), "-p", str(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c", statement)
        yield Server(port, str(base))
    finally:
        if started:
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def _load_demo(server: Server, folder: Path, schema: str, broken: set[str] | None = None) -> None:
    """The demo's files, loaded over a password login into typed tables of `schema`."""
    import psycopg

    generate(folder, AS_OF, broken or set())
    with (folder / "returns.csv").open() as handle:
        returns = [(row["date"], row["return"]) for row in csv.DictReader(handle)]
    with (folder / "trades.csv").open() as handle:
        trades = [(row["id"], row["closed_at"] or None, row["pnl"], row["fees"]) for row in csv.DictReader(handle)]
    incidents = yaml.safe_load((folder / "incidents.yml").read_text())["incidents"]
    with psycopg.connect(host="127.0.0.1", port=server.port, user="golive_kpi", password=PASSWORD, dbname="lunia") as db:
        db.execute(f"CREATE SCHEMA {schema}")
        db.execute(f"CREATE TABLE {schema}.daily_returns (day date PRIMARY KEY, ret numeric(12, 8) NOT NULL)")
        db.execute(f"CREATE TABLE {schema}.fills (trade_id text PRIMARY KEY, closed_at timestamptz, pnl numeric, fees numeric)")
        db.execute(f'CREATE TABLE {schema}.incidents (start date, "end" date, text text)')
        with db.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {schema}.daily_returns VALUES (%s, %s)", returns)
            cursor.executemany(f"INSERT INTO {schema}.fills VALUES (%s, %s, %s, %s)", trades)
            cursor.executemany(
                f"INSERT INTO {schema}.incidents VALUES (%s, %s, %s)", [(i["start"], i["end"], i["text"]) for i in incidents]
            )


def _settings(server: Server, schema: str, password: str = PASSWORD) -> dict[str, Any]:
    url = server.url(password)
    return {
        "returns": url,
        "returns_table": f"{schema}.daily_returns",
        "returns_columns": {"date": "day", "value": "ret"},
        "trades": url,
        "trades_table": f"{schema}.fills",
        "trades_columns": {"id": "trade_id"},
        "trades_pnl": "gross",
        "incidents": url,
        "incidents_table": f"{schema}.incidents",
        "explainability": "explainability.json",
    }


def test_demo_kpis_pass_from_postgres_over_a_password_login(postgres: Server, tmp_path: Path) -> None:
    _load_demo(postgres, tmp_path, "demo_ok")
    results, evidence = judge(tmp_path, _settings(postgres, "demo_ok"))
    for item in ("kpi.sharpe", "kpi.hit_rate", "kpi.explainability", "kpi.drawdowns"):
        assert results[item].status.value == "pass", f"{item}: {results[item].summary}"
    assert evidence.data["trades"]["open"] == 2
    assert "INC-2041" in results["kpi.drawdowns"].summary and "table demo_ok.incidents row 2" in results["kpi.drawdowns"].summary
    assert PASSWORD not in json.dumps(evidence.data)


def test_unexplained_drawdown_and_low_hit_rate_from_postgres_fail(postgres: Server, tmp_path: Path) -> None:
    _load_demo(postgres, tmp_path, "demo_broken", {"kpi.drawdowns", "kpi.hit_rate"})
    results, _ = judge(tmp_path, _settings(postgres, "demo_broken"))
    assert results["kpi.drawdowns"].status.value == "fail"
    assert [finding.key for finding in results["kpi.drawdowns"].findings] == ["drawdown:2026-10-15"]
    assert results["kpi.hit_rate"].status.value == "fail"
    assert results["kpi.sharpe"].status.value == "pass"


def test_nan_and_duplicate_dates_in_postgres_are_errors_naming_the_table_row(postgres: Server, tmp_path: Path) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=postgres.port, user="golive_kpi", password=PASSWORD, dbname="lunia") as db:
        db.execute("CREATE TABLE nan_returns (day date, ret numeric)")
        db.execute("INSERT INTO nan_returns VALUES ('2026-11-01', 0.01), ('2026-11-02', 'NaN'), ('2026-11-03', 0.02)")
        db.execute("CREATE TABLE twice (day timestamptz, ret double precision)")
        db.execute("INSERT INTO twice VALUES ('2026-11-01 08:00+00', 0.01), ('2026-11-01 20:00+00', -0.01)")
    base = {"returns": postgres.url(), "returns_columns": {"date": "day", "value": "ret"}}
    results, _ = judge(tmp_path, {**base, "returns_table": "nan_returns"})
    shown = f"postgresql+psycopg://golive_kpi:[redacted]@127.0.0.1:{postgres.port}/lunia"
    assert results["kpi.sharpe"].status.value == "error"
    assert results["kpi.sharpe"].summary == f"{shown} table nan_returns row 2: column 'ret' is Decimal('NaN'), not a finite number"
    results, _ = judge(tmp_path, {**base, "returns_table": "twice"})
    assert results["kpi.sharpe"].summary == f"{shown} table twice row 2: date 2026-11-01 repeats {shown} table twice row 1"


def test_wrong_password_is_an_error_that_does_not_leak_it(postgres: Server, tmp_path: Path) -> None:
    wrong = "not-the-Password-1"
    results, evidence = judge(tmp_path, _settings(postgres, "demo_ok", password=wrong))
    summary = results["kpi.sharpe"].summary
    assert results["kpi.sharpe"].status.value == "error"
    assert "password authentication failed" in summary
    assert wrong not in summary and wrong not in json.dumps(evidence.data)
