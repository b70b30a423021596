"""What one host visit costs: one `systemctl show` for every group, the slow groups at
once, nothing imported that the asked groups do not use, and the bare-socket healthz
probe answering exactly as urllib does."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.unit.conftest import COLLECT_MODULE_PATH


def show_block(unit: str) -> str:
    return f"Id={unit}\nLoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nResult=success\nMainPID=0\n"


def test_one_systemctl_show_serves_every_group(module: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def fake_run(argv: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        units = argv[argv.index("--") + 1 :] if argv[:2] == ["systemctl", "show"] else []
        return subprocess.CompletedProcess(argv, 0, "\n".join(show_block(unit) for unit in units), "")

    monkeypatch.setattr(module, "_SHOW_CACHE", {})
    monkeypatch.setattr(module, "run", fake_run)
    facts = module.gather(
        {
            "units": {"units": ["lunia_core", "lunia_bot"]},
            "falco": {"units": ["falco-modern-bpf", "falco"], "config": str(tmp_path / "absent.yaml")},
            "flags": {"units": ["lunia_bot"], "flags": [], "env_files": []},
        }
    )
    shows = [argv for argv in calls if argv[:2] == ["systemctl", "show"]]
    assert len(shows) == 1, shows
    assert shows[0][shows[0].index("--") + 1 :] == ["lunia_core.service", "lunia_bot.service", "falco-modern-bpf.service", "falco.service"]
    assert facts["units"]["units"]["lunia_bot"]["active"] == "active"
    assert facts["falco"]["units"]["falco"]["active"] == "active"


def test_a_failed_prefetch_leaves_each_group_to_ask_again(module: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def failing_run(argv: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        return subprocess.CompletedProcess(argv, 1, "", "Failed to connect to bus")

    monkeypatch.setattr(module, "_SHOW_CACHE", {})
    monkeypatch.setattr(module, "run", failing_run)
    facts = module.gather({"units": {"units": ["lunia_core"]}, "version": {"file": str(tmp_path / "VERSION")}})
    assert len(calls) == 2  # the visit's one call, then the group's own, whose error it reports
    assert "systemctl show exited 1" in facts["units"]["error"]
    assert "VERSION" in facts["version"]["error"]


def test_slow_groups_run_at_once_and_keep_the_asked_order(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    def sleeper(name: str) -> Any:
        def group(args: dict[str, object]) -> dict[str, object]:
            time.sleep(0.4)
            return {"ran": name}

        return group

    def broken(args: dict[str, object]) -> dict[str, object]:
        time.sleep(0.4)
        raise ValueError("cscli output is not JSON")

    for name in ("backups", "endpoints", "modsecurity"):
        monkeypatch.setitem(module.GROUPS, name, sleeper(name))
    monkeypatch.setitem(module.GROUPS, "crowdsec", broken)
    started = time.monotonic()
    facts = module.gather({"backups": {}, "version": {"file": "/nonexistent"}, "crowdsec": {}, "endpoints": {}, "modsecurity": {}})
    assert time.monotonic() - started < 1.0  # four groups of 0.4 s each, run in turn, take 1.6 s
    assert list(facts) == ["backups", "version", "crowdsec", "endpoints", "modsecurity"]
    assert facts["endpoints"]["ran"] == "endpoints" and facts["endpoints"]["seconds"] >= 0.4
    # A group that raises in its thread costs only itself.
    assert facts["crowdsec"]["error"] == "ValueError: cscli output is not JSON"
    assert "error" in facts["version"]


def test_crowdsec_reads_run_at_once(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"lapi": "You can successfully interact with Local API (LAPI)", "bouncers": "[]", "collections": '{"collections": []}'}

    def slow_cscli(argv: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
        if argv[0] == "systemctl":
            units = argv[argv.index("--") + 1 :]
            return subprocess.CompletedProcess(argv, 0, "\n".join(show_block(unit) for unit in units), "")
        time.sleep(0.4)
        return subprocess.CompletedProcess(argv, 0, answers[argv[1]], "")

    monkeypatch.setattr(module, "_SHOW_CACHE", {})
    monkeypatch.setattr(module, "run", slow_cscli)
    monkeypatch.setattr(module, "which", lambda name: f"/usr/bin/{name}")
    started = time.monotonic()
    facts = module.crowdsec_facts({"units": ["crowdsec"]})
    assert time.monotonic() - started < 1.0
    assert facts["lapi"]["rc"] == 0 and facts["bouncers"] == [] and facts["collections"] == []
    assert list(facts) == ["units", "lapi", "bouncers", "collections"]


def test_host_items_import_no_http_or_tls_library(tmp_path: Path, healthz_server: int) -> None:
    falco = tmp_path / "falco.yaml"
    falco.write_text(f"rules_files: [{tmp_path}]\nwebserver:\n  enabled: true\n  listen_port: {healthz_server}\n")
    groups = {
        "falco": {"units": [], "config": str(falco), "healthz_timeout": 2},
        "swap": {"swaps": "/proc/swaps", "crypttab": str(tmp_path / "crypttab")},
        "version": {"file": str(tmp_path / "VERSION")},
    }
    script = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('golive_collect', {str(COLLECT_MODULE_PATH)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        f"facts = module.gather({groups!r})\n"
        "heavy = sorted(name for name in ('urllib.request', 'http.client', 'email', 'ssl', 'shutil', 'hashlib', 'tempfile') if name in sys.modules)\n"
        "print(json.dumps({'heavy': heavy, 'healthz': facts['falco'].get('healthz')}))\n"
    )
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, check=True)
    answer = json.loads(done.stdout)
    assert answer["heavy"] == []
    assert answer["healthz"]["status"] == 200 and answer["healthz"]["body"] == '{"status": "ok"}'


class HealthzHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/healthz")
            self.end_headers()
            return
        if self.path == "/missing":
            self.send_error(404)
            return
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def healthz_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HealthzHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def without_seconds(result: dict[str, object] | None) -> dict[str, object] | None:
    return None if result is None else {key: value for key, value in result.items() if key != "seconds"}


@pytest.mark.parametrize("path", ["/healthz", "/missing"])
def test_bare_socket_probe_answers_as_urllib_does(module: ModuleType, healthz_server: int, path: str) -> None:
    url = f"http://127.0.0.1:{healthz_server}{path}"
    plain = module.plain_http_get(url, "127.0.0.1", healthz_server, path, 2.0, 512)
    assert without_seconds(plain) == without_seconds(module.http_probe(url, 2.0, body_bytes=512))


def test_bare_socket_probe_leaves_redirects_to_urllib(module: ModuleType, healthz_server: int) -> None:
    assert module.plain_http_get(f"http://127.0.0.1:{healthz_server}/moved", "127.0.0.1", healthz_server, "/moved", 2.0, 512) is None


def test_bare_socket_probe_words_a_refused_connection_as_urllib_does(module: ModuleType) -> None:
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = f"http://127.0.0.1:{port}/healthz"
    assert without_seconds(module.plain_http_get(url, "127.0.0.1", port, "/healthz", 2.0, 512)) == without_seconds(
        module.http_probe(url, 2.0, body_bytes=512)
    )
