"""A throwaway fleet of systemd-nspawn hosts on a private bridge.

Every host is a real systemd (PID 1) with sshd in its own network namespace.  All the
fleet's kernel objects carry its name prefix (netns ``PREFIX-HOST``, links
``PREFIX-br`` / ``PREFIX-vN``, cgroup dirs ``golive-PREFIX``, nspawn
``--machine=PREFIX-HOST``), which is how ``reclaim()`` finds its own leftovers without
touching anything else: fleets with different prefixes and subnets run side by side.
How a host is reached is golive.sandbox.hosts; how leftovers are found, golive.sandbox.machine.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from golive.sandbox.hosts import Host, HostAccess, HostSpec
from golive.sandbox.image import DEFAULT_CACHE_DIR, ensure_image
from golive.sandbox.machine import PROPAGATE_DIR, OwnObjects, empty_and_remove_cgroup, pid_cmdline, run, send_signal, wait_gone
from golive.sandbox.timeserver import start_time_server

_PREFIX_RE = re.compile(r"^[a-z][a-z0-9]{0,7}$")
_HOST_RE = re.compile(r"^[a-z][a-z0-9]{0,30}$")
_CONTROL_ROOT = Path("/run/golive-sandbox")
_STOP_GRACE_S = 10.0


# Each host's systemd holds several inotify instances, all under root's one per-user
# limit (128 on Debian): with about twenty hosts up at once, path units fail and hosts
# boot degraded. Sandbox fleets need root anyway, so they raise the VM's limit.
INOTIFY_INSTANCES = 8192
_INOTIFY_LIMIT = Path("/proc/sys/fs/inotify/max_user_instances")


def _ensure_inotify_instances(minimum: int) -> None:
    try:
        if int(_INOTIFY_LIMIT.read_text()) < minimum:
            _INOTIFY_LIMIT.write_text(f"{minimum}\n")
    except (OSError, ValueError) as exc:
        raise FleetError(f"cannot raise {_INOTIFY_LIMIT} to {minimum}: {exc}") from None


class FleetError(RuntimeError):
    """The fleet could not be brought up; the message says which host and why."""


class Fleet(HostAccess, OwnObjects):
    """Boot, reach and tear down a fleet of nspawn hosts.

    Use as a context manager: ``__exit__`` always calls ``down()``, which is safe after
    a partial ``up()`` and after a crash of an earlier process with the same prefix.
    """

    def __init__(
        self,
        hosts: Sequence[HostSpec],
        *,
        name_prefix: str = "glv",
        subnet: str = "10.77.0.0/24",
        state_dir: Path | None = None,
        image: Path | None = None,
        cache_dir: Path = DEFAULT_CACHE_DIR,
        boot_timeout: float = 90.0,
    ) -> None:
        if not _PREFIX_RE.match(name_prefix):
            raise ValueError(f"name_prefix {name_prefix!r}: 1-8 chars, [a-z][a-z0-9]* (it names network links)")
        names = [spec.name for spec in hosts]
        for name in names:
            if not _HOST_RE.match(name):
                raise ValueError(f"host name {name!r}: [a-z][a-z0-9]*, at most 31 chars")
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate host names in {names}")
        self.prefix = name_prefix
        self.network = ipaddress.IPv4Network(subnet)
        addresses = list(self.network.hosts())
        if len(addresses) < len(hosts) + 1:
            raise ValueError(f"subnet {subnet} is too small for {len(hosts)} hosts and a gateway")
        self.gateway = str(addresses[0])
        self.state_dir = state_dir if state_dir is not None else Path("/var/lib/golive-sandbox") / name_prefix
        self.image = image
        self.cache_dir = cache_dir
        self.boot_timeout = boot_timeout
        self.bridge = f"{name_prefix}-br"
        self.control_dir = _CONTROL_ROOT / name_prefix
        self.hosts: dict[str, Host] = {}
        self._launched: dict[str, subprocess.Popen[bytes]] = {}
        for number, (spec, address) in enumerate(zip(hosts, addresses[1:], strict=False), start=1):
            ip = str(address)
            self.hosts[spec.name] = Host(
                spec=spec,
                machine=f"{name_prefix}-{spec.name}",
                ip=ip,
                # Fixed per IP: a reused IP keeps its MAC, so stale ARP entries cannot stall ssh.
                mac="02:00:" + ":".join(f"{octet:02x}" for octet in address.packed),
                veth=f"{name_prefix}-v{number}",
            )

    # --- paths -----------------------------------------------------------------

    @property
    def _hosts_file(self) -> Path:
        return self.state_dir / "hosts"

    @property
    def _authorized_keys(self) -> Path:
        return self.state_dir / "authorized_keys"

    @property
    def definition_path(self) -> Path:
        return self.state_dir / "fleet.json"

    def save(self) -> Path:
        """Record the fleet's definition so another process can ``load`` and stop it."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        definition = {
            "name_prefix": self.prefix,
            "subnet": str(self.network),
            "hosts": [{"name": h.name, "groups": list(h.spec.groups)} for h in self.hosts.values()],
            "image": str(self.image) if self.image is not None else None,
            "cache_dir": str(self.cache_dir),
        }
        self.definition_path.write_text(json.dumps(definition, indent=2) + "\n")
        return self.definition_path

    @classmethod
    def load(cls, state_dir: Path) -> Fleet:
        """The fleet last brought up with this state dir."""
        definition = json.loads((state_dir / "fleet.json").read_text())
        return cls(
            [HostSpec(h["name"], tuple(h["groups"])) for h in definition["hosts"]],
            name_prefix=definition["name_prefix"],
            subnet=definition["subnet"],
            state_dir=state_dir,
            image=Path(definition["image"]) if definition["image"] else None,
            cache_dir=Path(definition["cache_dir"]),
        )

    def _log_path(self, host: Host) -> Path:
        return self.state_dir / f"{host.name}.console.log"

    # --- lifecycle -------------------------------------------------------------

    def __enter__(self) -> Fleet:
        self.up()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.down()

    def up(self) -> None:
        """Boot every host and return once each answers ssh with a running system."""
        self.reclaim()
        rootfs = self.image if self.image is not None else ensure_image(self.cache_dir)
        try:
            self._check_subnet_free()
            _ensure_inotify_instances(INOTIFY_INSTANCES)
            self._prepare_state(rootfs)
            self.save()
            self._create_bridge()
            time_server = start_time_server(self.gateway, str(self.network), self.state_dir, self._cgroup_dirs)
            if time_server is not None:
                self._launched["time-server"] = time_server  # stopped and reaped by reclaim(), like the hosts
            for host in self.hosts.values():
                self._create_netns(host)
            for host in self.hosts.values():
                self._launch(host, rootfs)
            with ThreadPoolExecutor(max_workers=max(1, len(self.hosts))) as pool:
                list(pool.map(self._wait_ready, self.hosts.values()))
        except BaseException:
            self.down()
            raise

    def down(self) -> None:
        """Stop every host and remove every object the fleet created."""
        self.reclaim()

    def reclaim(self) -> None:
        """Remove whatever this prefix left behind: processes, netns, links, cgroups.

        Only objects named by this fleet's prefix (or living in its cgroup dirs) are
        touched, so it is safe while other fleets are up.
        """
        launched = [proc.pid for proc in self._launched.values() if proc.poll() is None]
        nspawn = sorted(set(self._nspawn_pids() + launched))
        send_signal(nspawn, signal.SIGTERM)  # nspawn turns SIGTERM into a clean poweroff
        stuck = wait_gone(nspawn, _STOP_GRACE_S)
        send_signal(stuck, signal.SIGKILL)
        wait_gone(stuck, 5.0)
        for proc in self._launched.values():
            proc.poll()  # reap, so no zombie of ours outlives the fleet
        self._launched.clear()
        for cgroup_dir in self._cgroup_dirs:
            empty_and_remove_cgroup(cgroup_dir)
        masters = self._control_master_pids()
        send_signal(masters, signal.SIGTERM)
        wait_gone(masters, 2.0)
        shutil.rmtree(self.control_dir, ignore_errors=True)
        # Neighbour entries to flush: this fleet's subnet, and that of a leftover bridge
        # (a fleet object built from the prefix alone does not know the old subnet).
        subnets = {str(self.network)} if self.hosts else set()
        subnets.update(self._bridge_subnets())
        for mount in self._own_mounts():
            run("umount", "--lazy", mount, check=False)
        for netns in self._own_netns():
            run("ip", "netns", "del", netns, check=False)
        for link in self._own_links():
            run("ip", "link", "del", link, check=False)
        for subnet in sorted(subnets):
            run("ip", "neigh", "flush", "to", subnet, check=False)
        if PROPAGATE_DIR.is_dir():
            for entry in PROPAGATE_DIR.glob(f"{self.prefix}-*"):
                shutil.rmtree(entry, ignore_errors=True)

    # --- discovery (the rest of it: OwnObjects) -----------------------------------

    def is_running(self, host: str) -> bool:
        """Whether the host's systemd-nspawn process exists (whoever started it)."""
        marker = f"--machine={self.hosts[host].machine}"
        return any(marker in pid_cmdline(pid) for pid in self._nspawn_pids())

    # --- bring-up steps ----------------------------------------------------------

    def _check_subnet_free(self) -> None:
        listing = run("ip", "-o", "-4", "addr", "show").stdout
        for line in listing.splitlines():
            fields = line.split()
            address = ipaddress.ip_interface(fields[3])
            if address.network.overlaps(self.network):
                raise FleetError(f"subnet {self.network} overlaps {address} on {fields[1]}, which this fleet does not own")

    def _prepare_state(self, rootfs: Path) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o700)
        if not self.key_path.exists():
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"golive-sandbox-{self.prefix}", "-f", str(self.key_path))
        self._authorized_keys.write_text(Path(f"{self.key_path}.pub").read_text())
        self._authorized_keys.chmod(0o600)
        lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"]
        lines += [f"{host.ip}\t{host.name}" for host in self.hosts.values()]
        self._hosts_file.write_text("\n".join(lines) + "\n")
        self._hosts_file.chmod(0o644)
        # Every host boots the same image, hence the same sshd host keys: pin them.
        addresses = ",".join(host.ip for host in self.hosts.values())
        pinned = [f"{addresses} {' '.join(pub.read_text().split()[:2])}" for pub in sorted((rootfs / "etc/ssh").glob("ssh_host_*_key.pub"))]
        self.known_hosts_path.write_text("\n".join(pinned) + "\n")
        self.control_dir.mkdir(parents=True, exist_ok=True)
        self.control_dir.chmod(0o700)

    def _create_bridge(self) -> None:
        run("ip", "link", "add", self.bridge, "type", "bridge")
        run("ip", "addr", "add", f"{self.gateway}/{self.network.prefixlen}", "dev", self.bridge)
        run("ip", "link", "set", self.bridge, "up")

    def _create_netns(self, host: Host) -> None:
        ns = host.machine
        run("ip", "netns", "add", ns)
        run("ip", "link", "add", host.veth, "type", "veth", "peer", "name", "eth0", "address", host.mac, "netns", ns)
        run("ip", "link", "set", host.veth, "master", self.bridge, "up")
        run("ip", "-n", ns, "addr", "add", f"{host.ip}/{self.network.prefixlen}", "dev", "eth0")
        run("ip", "-n", ns, "link", "set", "lo", "up")
        run("ip", "-n", ns, "link", "set", "eth0", "up")
        run("ip", "-n", ns, "route", "add", "default", "via", self.gateway)

    def _launch(self, host: Host, rootfs: Path) -> None:
        # With --keep-unit nspawn builds payload/ and supervisor/ in its caller's cgroup,
        # so each launch first moves itself into a cgroup of its own.
        procs_files: list[str] = []
        for cgroup_dir in self._cgroup_dirs:
            own = cgroup_dir / host.machine
            own.mkdir(parents=True, exist_ok=True)
            procs_files.append(str(own / "cgroup.procs"))
        nspawn = [
            "systemd-nspawn",
            "-q",
            f"--directory={rootfs}",
            "--volatile=overlay",
            "--boot",
            "--register=no",
            "--keep-unit",
            f"--machine={host.machine}",
            f"--hostname={host.name}",
            f"--network-namespace-path=/run/netns/{host.machine}",
            "--console=passive",
            "--link-journal=no",
            "--resolv-conf=off",
            f"--bind-ro={self._hosts_file}:/etc/hosts",
            f"--bind-ro={self._authorized_keys}:/root/.ssh/authorized_keys",
        ]
        enter_cgroups = 'for f in "$@"; do [ "$f" = -- ] && break; echo $$ > "$f"; shift; done; shift; exec "$@"'
        with open(self._log_path(host), "wb") as log:
            self._launched[host.name] = subprocess.Popen(
                ["sh", "-c", enter_cgroups, "sh", *procs_files, "--", *nspawn],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_ready(self, host: Host) -> None:
        deadline = time.monotonic() + self.boot_timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                result = self.ssh(host.name, "systemctl is-system-running --wait", timeout=remaining)
            except subprocess.TimeoutExpired:
                break
            state = result.stdout.strip()
            if state == "running":
                return
            if state == "degraded":
                failed = self.ssh(host.name, "systemctl --failed --no-legend --plain").stdout.strip()
                raise FleetError(f"{host.name}: booted degraded; failed units:\n{failed}")
            if self._launched[host.name].poll() is not None:
                raise FleetError(f"{host.name}: systemd-nspawn exited; console:\n{self._console_tail(host)}")
            time.sleep(0.1)
        raise FleetError(f"{host.name}: not ready after {self.boot_timeout:.0f}s; console:\n{self._console_tail(host)}")

    def _console_tail(self, host: Host) -> str:
        try:
            return "\n".join(self._log_path(host).read_text(errors="replace").splitlines()[-30:])
        except OSError:
            return "(no console log)"
