"""Fixtures shared by the demo's suites: a live server, the commit under test, perf options."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from lunia_demo.app import LuniaServer, create_server

ROOT = Path(__file__).parent


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lunia perf")
    group.addoption("--latency-out", default="reports/perf-latency.json", help="where tests/perf writes its latency samples")
    group.addoption("--perf-requests", type=int, default=300, help="requests per measured operation in tests/perf")


def release_commit() -> str | None:
    """The commit under test: LUNIA_COMMIT, else git HEAD of this project, else unknown."""
    if os.environ.get("LUNIA_COMMIT"):
        return os.environ["LUNIA_COMMIT"]
    try:
        done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


@pytest.fixture(scope="session", autouse=True)
def _record_commit(record_testsuite_property: pytest.RecordProperty) -> None:
    # The JUnit report then names the commit it tested; a release gate compares it with the release.
    commit = release_commit()
    if commit:
        record_testsuite_property("commit", commit)


@pytest.fixture
def live_server() -> Iterator[LuniaServer]:
    server = create_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
