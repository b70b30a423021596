"""The HTTP API (/healthz, /metrics, /version, POST /orders), the order page at / and the HTML pages of lunia_demo.pages."""

from __future__ import annotations

import json
import os
import socketserver
import time
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, Histogram, generate_latest

from lunia_demo import __version__
from lunia_demo.orders import BadOrder, OrderBook, OrderRejected
from lunia_demo.pages import GET_PAGES, POST_PAGES, SECURITY_HEADERS, parse_form

# Marks used for the P&L gauge: the demo has no market feed, so the book is marked at fixed prices.
MARKS = {"BTCUSDT": 65_000.0, "ETHUSDT": 3_400.0, "SOLUSDT": 150.0}
MAX_BODY = 64 * 1024
STATIC = {"/static/style.css": "text/css; charset=utf-8", "/static/order.js": "text/javascript; charset=utf-8"}


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.core_pnl = Gauge("core_pnl", "Mark-to-market P&L of the order book", registry=self.registry)
        self.risk_exposure = Gauge("risk_exposure", "Total notional of accepted orders", registry=self.registry)
        self.request_duration = Histogram(
            "request_duration_seconds", "Time to answer an HTTP request", ["method", "route"], registry=self.registry
        )


class LuniaServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets connections as soon as a few users arrive at once.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], book: OrderBook | None = None) -> None:
        self.book = book or OrderBook()
        self.metrics = Metrics()
        self.version = os.environ.get("LUNIA_VERSION", __version__)
        self.commit = os.environ.get("LUNIA_COMMIT", "unknown")
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), which waits for a DNS timeout on
        # hosts without a resolver before the port is even listening.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class Handler(BaseHTTPRequestHandler):
    server: LuniaServer
    server_version = "lunia-demo"

    def do_GET(self) -> None:
        self._timed("GET", self._get)

    def do_POST(self) -> None:
        self._timed("POST", self._post)

    def _timed(self, method: str, handler: Any) -> None:
        started = time.perf_counter()
        route = handler()
        self.server.metrics.request_duration.labels(method, route).observe(time.perf_counter() - started)

    def _get(self) -> str:
        path, _, query = self.path.partition("?")
        if path in GET_PAGES:
            self._html(GET_PAGES[path](urllib.parse.parse_qs(query), self.server.book))
        elif path in STATIC:
            self._send(HTTPStatus.OK, resources.files("lunia_demo").joinpath(path.lstrip("/")).read_bytes(), STATIC[path])
        elif path == "/healthz":
            self._json(HTTPStatus.OK, {"status": "ok"})
        elif path == "/version":
            self._json(HTTPStatus.OK, {"version": self.server.version, "commit": self.server.commit})
        elif path == "/metrics":
            self.server.metrics.core_pnl.set(self.server.book.pnl(MARKS))
            self.server.metrics.risk_exposure.set(self.server.book.exposure)
            self._send(HTTPStatus.OK, generate_latest(self.server.metrics.registry), CONTENT_TYPE_LATEST)
        elif path == "/orders":
            self._json(HTTPStatus.OK, {"orders": [order.to_json() for order in self.server.book.orders[-100:]]})
        elif path in ("/", "/index.html"):
            self._html(resources.files("lunia_demo").joinpath("static/index.html").read_bytes())
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no route {path}"})
            return "other"
        return path

    def _post(self) -> str:
        path = self.path.split("?", 1)[0]
        if path != "/orders" and path not in POST_PAGES:
            self._json(HTTPStatus.NOT_FOUND, {"error": "no such route"})
            return "other"
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if path in POST_PAGES:
            if not 0 <= length <= MAX_BODY:
                self._json(HTTPStatus.BAD_REQUEST, {"error": f"a form body of at most {MAX_BODY} bytes is required"})
            else:
                self._html(POST_PAGES[path](parse_form(self.rfile.read(length)), self.server.book))
            return path
        if not 0 < length <= MAX_BODY:
            self._json(HTTPStatus.BAD_REQUEST, {"error": f"a JSON body of 1..{MAX_BODY} bytes is required"})
            return "/orders"
        try:
            payload = json.loads(self.rfile.read(length))
            order = self.server.book.place(payload)
        except (ValueError, BadOrder) as exc:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        except OrderRejected as exc:
            self._json(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": str(exc), "status": "rejected"})
        else:
            self._json(HTTPStatus.CREATED, order.to_json())
        return "/orders"

    def _json(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _html(self, page: bytes) -> None:
        self._send(HTTPStatus.OK, page, "text/html; charset=utf-8")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        if os.environ.get("LUNIA_ACCESS_LOG"):
            super().log_message(format, *args)


def create_server(host: str = "127.0.0.1", port: int = 0, book: OrderBook | None = None) -> LuniaServer:
    """A bound server (port 0 picks a free one: read `server.server_port`)."""
    return LuniaServer((host, port), book)
