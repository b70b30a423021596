"""A fleet's hosts: what each is (name, groups, fixed addressing) and how to reach it
(ssh with the fleet's key and pinned host keys, or an Ansible inventory)."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass(frozen=True)
class HostSpec:
    name: str
    groups: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class Host:
    """A host's fixed addressing, derived from its position in the fleet."""

    spec: HostSpec
    machine: str
    ip: str
    mac: str
    veth: str

    @property
    def name(self) -> str:
        return self.spec.name


class HostAccess:
    """ssh into a fleet's hosts, and the Ansible inventory that does the same (mixed into ``Fleet``)."""

    hosts: dict[str, Host]
    state_dir: Path
    control_dir: Path

    @property
    def key_path(self) -> Path:
        return self.state_dir / "id_ed25519"

    @property
    def known_hosts_path(self) -> Path:
        return self.state_dir / "known_hosts"

    def ssh_args(self, host: str) -> list[str]:
        """The ssh command line (without the remote command) that reaches ``host``."""
        target = self.hosts[host]
        return [
            "ssh",
            "-F",
            "/dev/null",
            "-i",
            str(self.key_path),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            f"UserKnownHostsFile={self.known_hosts_path}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "ConnectTimeout=3",
            "-o",
            "ControlMaster=auto",
            "-o",
            f"ControlPath={self.control_dir}/%C",
            "-o",
            "ControlPersist=300",
            "-o",
            "LogLevel=ERROR",
            f"root@{target.ip}",
        ]

    def ssh(
        self,
        host: str,
        command: str,
        *,
        check: bool = False,
        timeout: float = 30.0,
        stdin: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a shell command on ``host`` as root; stdout/stderr are captured as text."""
        return subprocess.run(
            [*self.ssh_args(host), command],
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )

    def write_inventory(self, path: Path) -> Path:
        """Write an Ansible YAML inventory for the fleet, grouped as the HostSpecs say."""
        ssh_common = " ".join(shlex.quote(arg) for arg in ("-o", "IdentitiesOnly=yes", "-o", f"UserKnownHostsFile={self.known_hosts_path}"))
        hosts: dict[str, dict[str, object]] = {}
        groups: dict[str, dict[str, dict[str, dict[str, object]]]] = {}
        for host in self.hosts.values():
            hosts[host.name] = {
                "ansible_host": host.ip,
                "ansible_user": "root",
                "ansible_ssh_private_key_file": str(self.key_path),
                "ansible_python_interpreter": "/usr/bin/python3",
                "ansible_ssh_common_args": ssh_common,
                # Ansible's ssh masters share the fleet's control dir, so down() ends them;
                # Ansible %-formats this value, hence %%C for ssh's %C.
                "ansible_control_path": f"{self.control_dir}/%%C",
                "ansible_ssh_pipelining": True,
            }
            for group in host.spec.groups:
                groups.setdefault(group, {"hosts": {}})["hosts"][host.name] = {}
        inventory = {"all": {"hosts": hosts, "children": groups}}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(inventory, sort_keys=False))
        return path
