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


def page(server: LuniaServer, path: str, form: bytes | None = None) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(f"http://127.0.0.1:{server.server_port}{path}", data=form, method="POST" if form else "GET")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read().decode(), dict(response.headers)


def test_pages_link_to_each_other_and_carry_the_security_headers(live_server: LuniaServer) -> None:
    for path in ("/", "/markets", "/search", "/contact", "/help"):
        status, body, headers = page(live_server, path)
        assert status == 200
        assert all(f'href="{target}"' in body for target in ("/markets", "/search", "/contact", "/help")), path
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_values_sent_back_into_a_page_are_escaped(live_server: LuniaServer) -> None:
    attack = "<script>alert(1)</script>"
    _, body, _ = page(live_server, "/search?symbol=%3Cscript%3Ealert(1)%3C/script%3E")
    assert attack not in body and "&lt;script&gt;" in body
    _, body, _ = page(live_server, "/markets?symbol=%3Cscript%3Ealert(1)%3C/script%3E")
    assert attack not in body
    _, body, _ = page(live_server, "/contact", b"name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&email=a%40b.c&message=hi")
    assert attack not in body and "Thank you, &lt;script&gt;" in body


def test_search_finds_the_orders_of_a_symbol(live_server: LuniaServer) -> None:
    call(live_server, "/orders", {"symbol": "SOLUSDT", "side": "buy", "quantity": 1, "price": 150})
    _, body, _ = page(live_server, "/search?symbol=SOLUSDT&side=buy")
    assert "1 result(s) for SOLUSDT, buy" in body
    assert "buy 1 SOLUSDT at 150" in body
