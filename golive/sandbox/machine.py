"""What a sandbox fleet owns on this machine, and how it is found and removed.

Every kernel object a fleet creates carries its name prefix (netns ``PREFIX-HOST``, links
``PREFIX-br`` / ``PREFIX-vN``, cgroup dirs ``golive-PREFIX``, nspawn
``--machine=PREFIX-HOST``): these helpers find processes, cgroups, mounts and links by
that name alone, so a fleet's leftovers are found even after the process that made it died.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

CGROUP_ROOTS = (Path("/sys/fs/cgroup/systemd"), Path("/sys/fs/cgroup/unified"))
PROPAGATE_DIR = Path("/run/systemd/nspawn/propagate")


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=check, capture_output=True, text=True)


def pid_cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def all_pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def alive(pid: int) -> bool:
    try:
        # A zombie still answers kill(0); its state letter says it is gone.
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def send_signal(pids: Iterable[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def wait_gone(pids: Iterable[int], timeout: float) -> list[int]:
    """Wait until the pids exit; return the ones still alive at the deadline."""
    remaining = list(pids)
    deadline = time.monotonic() + timeout
    while remaining and time.monotonic() < deadline:
        time.sleep(0.05)
        remaining = [pid for pid in remaining if alive(pid)]
    return remaining


def cgroup_pids(root: Path) -> list[int]:
    pids: list[int] = []
    for procs in root.rglob("cgroup.procs"):
        try:
            pids.extend(int(line) for line in procs.read_text().split())
        except OSError:
            continue
    return pids


def empty_and_remove_cgroup(root: Path) -> None:
    """Kill whatever still runs in the cgroup tree, then remove it (children first)."""
    deadline = time.monotonic() + 5.0
    while root.is_dir():
        pids = cgroup_pids(root)
        send_signal(pids, signal.SIGKILL)
        wait_gone(pids, 2.0)
        dirs = sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True)
        try:
            for directory in [*dirs, root]:
                directory.rmdir()
        except FileNotFoundError:
            continue
        except OSError:
            # EBUSY while the kernel finishes tearing down killed tasks.
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class OwnObjects:
    """The objects on this machine named by one fleet's prefix (mixed into ``Fleet``)."""

    prefix: str
    bridge: str
    control_dir: Path

    @property
    def _cgroup_dirs(self) -> list[Path]:
        return [root / f"golive-{self.prefix}" for root in CGROUP_ROOTS if root.is_dir()]

    def _nspawn_pids(self) -> list[int]:
        marker = f"--machine={self.prefix}-"
        return [
            pid
            for pid in all_pids()
            if (cmd := pid_cmdline(pid)) and Path(cmd[0]).name == "systemd-nspawn" and any(arg.startswith(marker) for arg in cmd[1:])
        ]

    def _control_master_pids(self) -> list[int]:
        # A ControlPersist master renames itself "ssh: <ControlPath> [mux]".
        marker = f"{self.control_dir}/"
        return [pid for pid in all_pids() if (cmd := pid_cmdline(pid)) and cmd[0].startswith("ssh: ") and marker in cmd[0]]

    def _own_netns(self) -> list[str]:
        listing = run("ip", "netns", "list", check=False).stdout
        names = [line.split()[0] for line in listing.splitlines() if line.strip()]
        return [name for name in names if name.startswith(f"{self.prefix}-")]

    def _own_mounts(self) -> list[str]:
        # The bind mounts behind /run/netns/NAME; `ip netns del` also drops them, but a
        # half-deleted netns keeps its file busy until unmounted.
        netns_prefix = f"/run/netns/{self.prefix}-"
        with open("/proc/self/mountinfo") as mountinfo:
            points = [line.split()[4] for line in mountinfo]
        return [point for point in points if point.startswith(netns_prefix)]

    def _bridge_subnets(self) -> list[str]:
        listing = run("ip", "-o", "-4", "addr", "show", "dev", self.bridge, check=False).stdout
        return [str(ipaddress.ip_interface(line.split()[3]).network) for line in listing.splitlines()]

    def _own_links(self) -> list[str]:
        listing = run("ip", "-o", "link", "show", check=False).stdout
        links = [line.split(":")[1].strip().split("@")[0] for line in listing.splitlines() if ":" in line]
        return [link for link in links if link.startswith(f"{self.prefix}-")]

    def leftovers(self) -> dict[str, list[str]]:
        """Everything of this prefix still present on the machine (empty after down())."""
        found = {
            "processes": [str(pid) for pid in self._nspawn_pids() + self._control_master_pids()],
            "netns": self._own_netns(),
            "mounts": self._own_mounts(),
            "links": self._own_links(),
            "cgroups": [str(path) for path in self._cgroup_dirs if path.exists()],
            "propagate": [str(path) for path in PROPAGATE_DIR.glob(f"{self.prefix}-*")] if PROPAGATE_DIR.is_dir() else [],
            "control_dir": [str(self.control_dir)] if self.control_dir.exists() else [],
        }
        return {kind: items for kind, items in found.items() if items}
