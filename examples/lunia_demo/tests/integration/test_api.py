"""The API over real HTTP against a live server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from lunia_demo.app import LuniaServer
from prometheus_client.parser import text_string_to_metric_families


def call(server: LuniaServer, path: str, body: Any = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{server.server_port}{path}", data=data, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_healthz_answers_ok(live_server: LuniaServer) -> None:
    assert call(live_server, "/healthz") == (200, b'{"status": "ok"}')


def test_version_reports_the_release(live_server: LuniaServer) -> None:
    status, body = call(live_server, "/version")
    assert status == 200
    assert json.loads(body)["version"] == live_server.version


def test_order_is_accepted_then_listed(live_server: LuniaServer) -> None:
    status, body = call(live_server, "/orders", {"symbol": "ETHUSDT", "side": "sell", "quantity": 2, "price": 3000})
    assert status == 201
    assert json.loads(body)["status"] == "accepted"
    status, body = call(live_server, "/orders")
    assert [entry["symbol"] for entry in json.loads(body)["orders"]] == ["ETHUSDT"]


def test_risky_order_is_rejected_with_422(live_server: LuniaServer) -> None:
    status, body = call(live_server, "/orders", {"symbol": "BTCUSDT", "side": "buy", "quantity": 100, "price": 65000})
    assert status == 422
    assert json.loads(body)["status"] == "rejected"


def test_malformed_order_is_400(live_server: LuniaServer) -> None:
    assert call(live_server, "/orders", {"symbol": "BTCUSDT"})[0] == 400


def test_metrics_expose_pnl_exposure_and_request_duration(live_server: LuniaServer) -> None:
    call(live_server, "/orders", {"symbol": "SOLUSDT", "side": "buy", "quantity": 10, "price": 140})
    status, body = call(live_server, "/metrics")
    assert status == 200
    families = {family.name: family for family in text_string_to_metric_families(body.decode())}
    assert {"core_pnl", "risk_exposure", "request_duration_seconds"} <= set(families)
    assert families["risk_exposure"].samples[0].value == 1400


def test_order_page_is_served(live_server: LuniaServer) -> None:
    status, body = call(live_server, "/")
    assert status == 200
    assert b"Lunia order entry" in body
