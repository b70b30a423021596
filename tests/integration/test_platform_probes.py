"""platform.healthz, platform.metrics, the API's version and the live latency against real
HTTP servers: the demo service (examples/lunia_demo) and, for what it cannot show (TLS
with a private CA, redirects, slow, oversized and malformed answers), a small server
started here on a free loopback port."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from golive import engine
from golive.checks import JudgeContext
from golive.collectors import Evidence, registered, settings_keys
from golive.config import Config, load_config
from golive.decision import load_waivers
from golive.judging import judge
from golive.model import ItemResult, Status
from golive.scheduling import collect_context
from tests.conftest import needs, write

pytestmark = pytest.mark.integration

DEMO_DIR = Path(__file__).resolve().parents[2] / "examples" / "lunia_demo"
AS_OF = dt.datetime.now(dt.UTC)


# ------------------------------------------------------------------ the demo service


def start_demo(version: str | None = None) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(DEMO_DIR)}
    if version:
        env["LUNIA_VERSION"] = version
    process = subprocess.Popen(
        [sys.executable, "-m", "lunia_demo", "--host", "127.0.0.1", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        pytest.fail(f"lunia_demo did not start: {line}{process.stdout.read()}")
    return process, line.split("listening on", 1)[1].strip()


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def demo() -> Iterator[str]:
    needs((DEMO_DIR / "lunia_demo" / "__main__.py").is_file(), "examples/lunia_demo is not in this checkout")
    process, url = start_demo()
    yield url
    stop(process)


def place_orders(url: str, count: int) -> None:
    for index in range(count):
        body = json.dumps({"symbol": "BTCUSDT", "side": "buy" if index % 2 else "sell", "quantity": 0.01, "price": 64_000}).encode()
        request = urllib.request.Request(f"{url}/orders", data=body, headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 201


def run_engine(repo: Path, body: str) -> dict[str, dict[str, Any]]:
    path = write(repo / "golive.yml", "release: {repo: .}\n" + body)
    config = load_config(path, None, settings_keys())
    waivers, problems = load_waivers(config.waivers, AS_OF, set(config.checklist.ids()))
    options = engine.RunOptions(as_of=AS_OF, timeout=60, out_dir=repo / "golive-out")
    document = engine.run(config, options, repo / "golive-out" / "evidence", waivers, problems)
    return {item["id"]: item for item in document["items"]}


def test_demo_service_passes_healthz_metrics_and_version_with_a_live_p99(demo: str, release_repo: Path) -> None:
    place_orders(demo, 20)
    traffic = threading.Thread(target=place_orders, args=(demo, 40))
    traffic.start()
    try:
        items = run_engine(
            release_repo, f"environments:\n  staging: {{api: '{demo}'}}\nitems:\n  platform.metrics: {{latency_window_seconds: 1}}\n"
        )
    finally:
        traffic.join()
    assert items["platform.healthz"]["status"] == "pass", items["platform.healthz"]["summary"]
    assert items["platform.metrics"]["status"] == "pass", items["platform.metrics"]["summary"]
    assert "request_duration_seconds (histogram)" in items["platform.metrics"]["summary"]
    # The demo reports 1.4.0 and the release repo is tagged v1.4.0: the API agrees with the tag.
    assert items["release.version_tag"]["status"] == "pass", items["release.version_tag"]["summary"]
    evidence = json.loads((release_repo / "golive-out" / "evidence" / "prometheus" / "prometheus.json").read_text())
    latency = evidence["latency"]
    assert latency["error"] is None
    assert latency["since_start"] is False
    assert 1.0 <= latency["window_seconds"] < 5
    # Only requests answered inside the window count: some of the 40, none of the first 20.
    assert 0 < latency["requests"] < 40 + 20
    assert latency["in_inf_bucket"] is False
    assert 0 < latency["p99_seconds"] < 10


def test_api_reporting_another_version_fails_the_version_tag_naming_the_api(release_repo: Path) -> None:
    needs((DEMO_DIR / "lunia_demo" / "__main__.py").is_file(), "examples/lunia_demo is not in this checkout")
    process, url = start_demo(version="1.3.9")
    try:
        items = run_engine(release_repo, f"environments:\n  staging: {{api: '{url}'}}\n")
    finally:
        stop(process)
    assert items["release.version_tag"]["status"] == "fail"
    assert "api reports '1.3.9', tag says 1.4.0" in items["release.version_tag"]["summary"]


# ------------------------------------------------------------------ a configurable server


class Route:
    def __init__(self, status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None, delay: float = 0.0) -> None:
        self.status, self.body, self.headers, self.delay = status, body, headers or {}, delay


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        route = self.server.routes.get(self.path)
        if route is None:
            route = Route(404, b"no route")
        time.sleep(route.delay)
        self.send_response(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(route.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, Route], context: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = routes
        if context is not None:
            self.socket = context.wrap_socket(self.socket, server_side=True)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the FQDN, which may wait for DNS; the address is enough.
        socketserver.TCPServer.server_bind(self)

    def url(self, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture
def serve() -> Iterator[Any]:
    started: list[Server] = []

    def start(routes: dict[str, Route], context: ssl.SSLContext | None = None) -> Server:
        server = Server(routes, context)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def private_ca(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A CA and a server certificate for 127.0.0.1 signed by it: (CA bundle, server TLS context)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "golive test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    bundle = write(folder / "ca.pem", ca.public_bytes(serialization.Encoding.PEM).decode())
    chain = write(folder / "server.pem", cert.public_bytes(serialization.Encoding.PEM).decode())
    key_file = folder / "server.key"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain, key_file)
    return bundle, context


def probe(folder: Path, api: str, source: str, item_id: str, body: str = "") -> ItemResult:
    """Run one collector against `api` and judge one item with its evidence."""
    path = write(folder / "golive.yml", f"release: {{repo: .}}\nenvironments:\n  staging: {{api: '{api}'}}\n{body}")
    config: Config = load_config(path, None, settings_keys())
    ctx = collect_context(config, AS_OF, folder / "out" / "evidence", source)
    evidence: Evidence = registered()[source]().collect(ctx)
    item = config.checklist.get(item_id)
    assert item is not None
    return judge(item, config, JudgeContext(config, AS_OF, {source: evidence}))


HEALTHY = {"/healthz": Route(200, b'{"status": "ok"}', {"Content-Type": "application/json"})}


def test_tls_with_a_private_ca_fails_without_the_bundle_and_passes_with_it(tmp_path: Path, serve: Any) -> None:
    bundle, context = private_ca(tmp_path)
    server = serve(HEALTHY, context)
    untrusted = probe(tmp_path, server.url("https"), "http", "platform.healthz")
    assert untrusted.status is Status.FAIL
    assert "TLS verification failed" in untrusted.summary
    trusted = probe(tmp_path, server.url("https"), "http", "platform.healthz", f"sources:\n  http: {{ca_bundle: {bundle}}}\n")
    assert trusted.status is Status.PASS, trusted.summary
    assert "TLS verified" in trusted.summary


def test_missing_ca_bundle_file_is_an_error(tmp_path: Path, serve: Any) -> None:
    server = serve(HEALTHY)
    result = probe(tmp_path, server.url(), "http", "platform.healthz", "sources:\n  http: {ca_bundle: nowhere.pem}\n")
    assert result.status is Status.ERROR
    assert "nowhere.pem not found" in result.summary


def test_redirect_fails_unless_following_is_configured(tmp_path: Path, serve: Any) -> None:
    server = serve({"/healthz": Route(302, b"", {"Location": "/healthz/live"}), "/healthz/live": Route(200, b"ok")})
    refused = probe(tmp_path, server.url(), "http", "platform.healthz")
    assert refused.status is Status.FAIL
    assert "HTTP 302 redirecting to /healthz/live" in refused.summary
    followed = probe(tmp_path, server.url(), "http", "platform.healthz", "items:\n  platform.healthz: {follow_redirects: true}\n")
    assert followed.status is Status.PASS, followed.summary
    assert f"after redirects to {server.url()}/healthz/live" in followed.summary


def test_slow_health_endpoint_fails_at_its_timeout(tmp_path: Path, serve: Any) -> None:
    server = serve({"/healthz": Route(200, b"ok", delay=2.5)})
    started = time.monotonic()
    result = probe(tmp_path, server.url(), "http", "platform.healthz", "items:\n  platform.healthz: {timeout_seconds: 1}\n")
    assert time.monotonic() - started < 2.4
    assert result.status is Status.FAIL
    assert "no answer within 1 s" in result.summary


def test_refused_connection_fails_healthz_and_metrics(tmp_path: Path) -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    api = f"http://127.0.0.1:{port}"
    assert probe(tmp_path, api, "http", "platform.healthz").status is Status.FAIL
    metrics = probe(tmp_path, api, "prometheus", "platform.metrics")
    assert metrics.status is Status.FAIL
    assert "connection refused" in metrics.summary


def test_oversized_metrics_payload_is_an_error_without_reading_it_all(tmp_path: Path, serve: Any) -> None:
    server = serve({"/metrics": Route(200, b"core_pnl 1\n" * 100_000)})
    result = probe(tmp_path, server.url(), "prometheus", "platform.metrics", "items:\n  platform.metrics: {max_bytes: 4096}\n")
    assert result.status is Status.ERROR
    assert "payload too large: more than max_bytes 4096 bytes" in result.summary


def test_malformed_metrics_payload_is_an_error_naming_the_line(tmp_path: Path, serve: Any) -> None:
    server = serve({"/metrics": Route(200, b"# TYPE core_pnl gauge\ncore_pnl 1\nrisk_exposure{desk=a} 3\n")})
    result = probe(tmp_path, server.url(), "prometheus", "platform.metrics")
    assert result.status is Status.ERROR
    assert "malformed exposition: line 3" in result.summary


def test_latency_window_longer_than_the_collector_timeout_is_an_error(tmp_path: Path, serve: Any) -> None:
    server = serve({"/metrics": Route(200, b"core_pnl 1\n")})
    body = "sources:\n  prometheus: {timeout: 20}\nitems:\n  platform.metrics: {latency_window_seconds: 15}\n"
    result = probe(tmp_path, server.url(), "prometheus", "platform.metrics", body)
    assert result.status is Status.ERROR
    assert "does not fit sources.prometheus.timeout 20 s" in result.summary
