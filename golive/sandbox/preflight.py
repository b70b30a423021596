"""Whether this machine can run a sandbox fleet at all, and why not."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

TOOLS = ("systemd-nspawn", "debootstrap", "ip", "ssh", "ssh-keygen", "tar", "zstd")


def sandbox_unavailable() -> str | None:
    """None when a fleet can boot here, else the reason in one line."""
    if os.geteuid() != 0:
        return "sandbox fleet needs root (network namespaces, cgroups, systemd-nspawn)"
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"sandbox fleet needs {', '.join(missing)}: run scripts/install-system-deps.sh"
    if not Path("/sys/fs/cgroup/systemd").is_dir():
        return "sandbox fleet needs the name=systemd cgroup hierarchy (/sys/fs/cgroup/systemd)"
    return None
