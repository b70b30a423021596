"""The fleet's NTP server: a chronyd on the controller serving its clock on the bridge.

nspawn hosts share the VM's clock and systemd-timesyncd refuses to run in a container,
so the reference role runs chronyd with ``-x`` (never set the clock) on every host,
synchronised to this server at the bridge's gateway address.  It runs with ``-x`` too
and serves its own clock (``local stratum 10``, no upstream source).  It is launched
inside the fleet's cgroup dirs, so the fleet's teardown ends it with the hosts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

LOCAL_STRATUM = 10


def chronyd_binary() -> str | None:
    # Debian installs it in /usr/sbin, which a non-login PATH may lack.
    return shutil.which("chronyd", path=os.pathsep.join([os.environ.get("PATH", os.defpath), "/usr/sbin"]))


def server_config(gateway: str, subnet: str, pidfile: Path) -> str:
    """A chronyd that answers NTP on `gateway` only, for `subnet` only, with no command
    socket and no state, so fleets with their own gateways run side by side."""
    return "\n".join(
        [
            f"bindaddress {gateway}",
            f"allow {subnet}",
            f"local stratum {LOCAL_STRATUM}",
            "cmdport 0",
            # chronyd's way to disable its Unix command socket.
            "bindcmdaddress /",
            f"pidfile {pidfile}",
            "",
        ]
    )


def start_time_server(gateway: str, subnet: str, state_dir: Path, cgroup_dirs: list[Path]) -> subprocess.Popen[bytes] | None:
    """Start the fleet's chronyd in a `timeserver` cgroup under each of `cgroup_dirs`, or
    return None when this machine has no chronyd (the hosts then have no source, and
    infra.time_sync says so)."""
    binary = chronyd_binary()
    if binary is None:
        return None
    config = state_dir / "chronyd.conf"
    config.write_text(server_config(gateway, subnet, state_dir / "chronyd.pid"))
    with open(state_dir / "chronyd.log", "wb") as log:
        # -d: stays in the foreground, so the pid moved into the cgroups is chronyd itself.
        server = subprocess.Popen(
            [binary, "-x", "-d", "-f", str(config)], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    for cgroup_dir in cgroup_dirs:
        own = cgroup_dir / "timeserver"
        own.mkdir(parents=True, exist_ok=True)
        (own / "cgroup.procs").write_text(f"{server.pid}\n")
    return server
