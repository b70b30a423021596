"""Per-request latency of the hot paths, written as samples for the release gate's P99.

The samples go to --latency-out in golive's latency samples format; this suite fails
only when requests fail, the P99 threshold is the release gate's to judge.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import time
from pathlib import Path

import pytest
from lunia_demo.app import LuniaServer
from lunia_demo.release import release_commit

ORDER = json.dumps({"symbol": "SOLUSDT", "side": "buy", "quantity": 0.01, "price": 150})


def measure(server: LuniaServer, method: str, path: str, body: str | None, count: int, expected: int) -> list[float]:
    samples = []
    for _ in range(count):
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        started = time.perf_counter()
        connection.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        response = connection.getresponse()
        response.read()
        samples.append((time.perf_counter() - started) * 1000)
        connection.close()
        assert response.status == expected
    return samples


def test_order_and_health_latency_samples(live_server: LuniaServer, request: pytest.FixtureRequest) -> None:
    count = int(request.config.getoption("--perf-requests"))
    series = {
        "POST /orders": measure(live_server, "POST", "/orders", ORDER, count, 201),
        "GET /healthz": measure(live_server, "GET", "/healthz", None, count, 200),
    }
    out = Path(str(request.config.getoption("--latency-out")))
    out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(),
        "commit": release_commit(),
        "unit": "ms",
        "series": {name: [round(value, 4) for value in values] for name, values in series.items()},
    }
    out.write_text(json.dumps(document) + "\n")
    assert all(len(values) == count for values in series.values())
