"""Fixtures shared by the demo's suites: a live server, the commit under test, perf options."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from lunia_demo.app import LuniaServer, create_server
from lunia_demo.release import release_commit


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lunia perf")
    group.addoption("--latency-out", default="reports/perf-latency.json", help="where tests/perf writes its latency samples")
    group.addoption("--perf-requests", type=int, default=300, help="requests per measured operation in tests/perf")


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
