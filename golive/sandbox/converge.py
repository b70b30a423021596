"""Apply the lunia_reference role to a fleet with ansible-playbook."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from golive.content import ansible_content
from golive.sandbox.fleet import Fleet

DEFAULT_ROLES_PATH = ansible_content("roles")
REFERENCE_ROLE = "lunia_reference"

_RECAP_RE = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+"
    r"unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)",
    re.MULTILINE,
)


class ConvergeError(RuntimeError):
    """ansible-playbook failed; the message carries its output."""


@dataclass(frozen=True)
class HostRecap:
    ok: int
    changed: int
    unreachable: int
    failed: int


@dataclass(frozen=True)
class ConvergeResult:
    recap: dict[str, HostRecap]
    seconds: float
    output: str

    @property
    def changed(self) -> int:
        return sum(host.changed for host in self.recap.values())


def _ansible_playbook() -> str:
    # Prefer the one installed beside the running interpreter (the project venv).
    beside = Path(sys.executable).parent / "ansible-playbook"
    return str(beside) if beside.exists() else "ansible-playbook"


def converge(
    fleet: Fleet,
    *,
    extra_vars: dict[str, object] | None = None,
    limit: str | None = None,
    roles_path: Path = DEFAULT_ROLES_PATH,
    timeout: float = 600.0,
) -> ConvergeResult:
    """Run the reference role on the fleet; raise ConvergeError unless every host is ok."""
    with tempfile.TemporaryDirectory(prefix="golive-converge-") as tmp:
        workdir = Path(tmp)
        inventory = fleet.write_inventory(workdir / "inventory.yml")
        playbook = workdir / "converge.yml"
        playbook.write_text(
            json.dumps([{"name": "Converge the reference host", "hosts": "all", "gather_facts": False, "roles": [REFERENCE_ROLE]}])
        )
        command = [_ansible_playbook(), "-i", str(inventory), str(playbook)]
        if extra_vars:
            command += ["--extra-vars", json.dumps(extra_vars)]
        if limit:
            command += ["--limit", limit]
        env = {
            **os.environ,
            "ANSIBLE_ROLES_PATH": str(roles_path),
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            # The fleet's known_hosts is pinned in the inventory: keep checking on.
            "ANSIBLE_HOST_KEY_CHECKING": "True",
        }
        started = time.monotonic()
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, cwd=workdir)
        seconds = time.monotonic() - started
    output = proc.stdout + proc.stderr
    recap = {
        match["host"]: HostRecap(
            ok=int(match["ok"]),
            changed=int(match["changed"]),
            unreachable=int(match["unreachable"]),
            failed=int(match["failed"]),
        )
        for match in _RECAP_RE.finditer(proc.stdout)
    }
    if proc.returncode != 0 or not recap or any(host.failed or host.unreachable for host in recap.values()):
        raise ConvergeError(f"ansible-playbook exited {proc.returncode}:\n{output[-6000:]}")
    return ConvergeResult(recap=recap, seconds=seconds, output=output)
