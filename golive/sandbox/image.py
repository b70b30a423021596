"""Build and cache the fleet's Debian rootfs.

The rootfs is built once per recipe (suite, package list, setup script) and kept as a
zstd tarball plus an extracted directory under the cache dir.  Containers boot it with
``--volatile=overlay``, so the extracted tree is only ever a read-only lower layer and
several fleets can share it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_CACHE_DIR = Path("/var/cache/golive-sandbox")
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"

# Everything the reference role needs is baked in here, so converging downloads nothing.
PACKAGES: tuple[str, ...] = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "openssh-server",
    "python3",
    "iproute2",
    # The Falco stand-in parses its real-format falco.yaml.
    "python3-yaml",
)

# Installed by apt inside the fresh rootfs (see SERVICES_SCRIPT): the real WAF, IDS,
# backup tools and data stores of the reference host.  Every unit they bring is
# disabled in the image; the reference role enables what each host's groups need.
SERVICE_PACKAGES: tuple[str, ...] = (
    "apache2",
    "libapache2-mod-security2",
    "modsecurity-crs",
    "nginx",
    "libnginx-mod-http-modsecurity",
    "crowdsec",
    "crowdsec-firewall-bouncer",
    "restic",
    "borgbackup",
    "redis-server",
    "postgresql",
    # psql: the endpoint probe logs in to PostgreSQL from the app hosts with it.
    "postgresql-client",
    # The LLM stand-in's TLS certificate is issued with openssl and trusted system-wide.
    "ca-certificates",
    "openssl",
    # infra.time_sync: chronyd runs with -x on the hosts (a container cannot set the
    # shared clock) and synchronises to the chronyd the fleet runs on its bridge.
    "chrony",
)
SERVICE_UNITS = (
    "apache2",
    "apache-htcacheclean",
    "nginx",
    "crowdsec",
    "crowdsec-firewall-bouncer",
    "redis-server",
    "postgresql",
    "chrony",
)

# Runs in a chroot of the fresh rootfs with /proc and /dev mounted, before SETUP_SCRIPT
# (which cuts the rootfs off from any resolver).  policy-rc.d keeps the packages'
# maintainer scripts from starting daemons on the build machine.
SERVICES_SCRIPT = (
    r"""
set -eu
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
# CrowdSec's postinst registers with the online API unless credentials already exist.
mkdir -p /etc/crowdsec
printf 'url: http://127.0.0.1:9/\nlogin: offline\npassword: offline\n' > /etc/crowdsec/online_api_credentials.yaml
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends """
    + " ".join(SERVICE_PACKAGES)
    + r"""
# Offline hosts: no Central API, and no journal files for the journalctl source (fatal).
sed -i 's/^\(    online_client:.*\)$/#\1/; s/^\(      credentials_path: \/etc\/crowdsec\/online_api_credentials.yaml\)$/#\1/' \
    /etc/crowdsec/config.yaml
python3 - <<'PY'
import pathlib
acquis = pathlib.Path("/etc/crowdsec/acquis.yaml")
docs = [doc for doc in acquis.read_text().split("---") if "journalctl" not in doc]
acquis.write_text("---".join(docs))
PY
systemctl disable """
    + " ".join(SERVICE_UNITS)
    + r""" 2>/dev/null
rm -f /usr/sbin/policy-rc.d
"""
)

# Runs in a chroot of the fresh rootfs.  Fleet-specific files (authorized_keys,
# /etc/hosts) are bind-mounted at boot instead, so one image serves every fleet.
SETUP_SCRIPT = r"""
set -eu
mkdir -p /etc/ssh/sshd_config.d /root/.ssh
chmod 700 /root/.ssh
: > /root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys
cat > /etc/ssh/sshd_config.d/golive-sandbox.conf <<'CONF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
CONF
# Empty machine-id: systemd generates a fresh one per boot, so hosts differ.
: > /etc/machine-id
# With /etc/hostname present nspawn's --hostname is ignored.
rm -f /etc/hostname
# Hosts have no route to any resolver; a local one fails at once instead of timing out.
printf 'nameserver 127.0.0.1\n' > /etc/resolv.conf
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > /etc/hosts
# Units that only fail or wait inside a container and would leave the system degraded.
systemctl mask systemd-networkd-wait-online.service getty@tty1.service \
    systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer 2>/dev/null || true
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log
"""

_FORMAT_VERSION = 1


def recipe_hash() -> str:
    """Short hash naming the image built from the current recipe."""
    recipe = {
        "format": _FORMAT_VERSION,
        "suite": SUITE,
        "mirror": MIRROR,
        "packages": sorted(PACKAGES),
        "setup": SETUP_SCRIPT,
        "service_packages": sorted(SERVICE_PACKAGES),
        "services": SERVICES_SCRIPT,
    }
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()
    return digest[:16]


def tarball_path(cache_dir: Path) -> Path:
    return cache_dir / f"golive-{SUITE}-{recipe_hash()}.tar.zst"


def rootfs_path(cache_dir: Path) -> Path:
    return cache_dir / f"rootfs-{recipe_hash()}"


def _ready_marker(rootfs: Path) -> Path:
    # Kept beside the rootfs, not in it, so containers never see it.
    return rootfs.with_name(rootfs.name + ".ok")


@contextmanager
def _cache_lock(cache_dir: Path) -> Iterator[None]:
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _build(work: Path) -> None:
    if work.exists():
        shutil.rmtree(work)
    subprocess.run(
        [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(PACKAGES)}",
            SUITE,
            str(work),
            MIRROR,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.copy("/etc/resolv.conf", work / "etc" / "resolv.conf")
    mounts = [work / "proc", work / "dev"]
    subprocess.run(["mount", "-t", "proc", "proc", str(mounts[0])], check=True)
    try:
        subprocess.run(["mount", "--bind", "/dev", str(mounts[1])], check=True)
        subprocess.run(["chroot", str(work), "/bin/sh", "-c", SERVICES_SCRIPT], check=True, stdout=subprocess.DEVNULL)
    finally:
        for mount in reversed(mounts):
            subprocess.run(["umount", "-l", str(mount)], check=False)
    subprocess.run(["chroot", str(work), "/bin/sh", "-c", SETUP_SCRIPT], check=True)


def _pack(rootfs: Path, tarball: Path) -> None:
    partial = tarball.with_name(tarball.name + ".part")
    subprocess.run(
        ["tar", "--zstd", "--numeric-owner", "--xattrs", "-C", str(rootfs), "-cf", str(partial), "."],
        check=True,
    )
    partial.rename(tarball)


def _unpack(tarball: Path, rootfs: Path) -> None:
    if rootfs.exists():
        shutil.rmtree(rootfs)
    rootfs.mkdir(parents=True)
    subprocess.run(
        ["tar", "--zstd", "--numeric-owner", "--xattrs", "-C", str(rootfs), "-xf", str(tarball)],
        check=True,
    )


def ensure_image(cache_dir: Path = DEFAULT_CACHE_DIR) -> Path:
    """Return the extracted rootfs for the current recipe, building it if needed."""
    rootfs = rootfs_path(cache_dir)
    marker = _ready_marker(rootfs)
    with _cache_lock(cache_dir):
        if marker.exists():
            return rootfs
        tarball = tarball_path(cache_dir)
        if not tarball.exists():
            work = cache_dir / f"build-{recipe_hash()}"
            _build(work)
            _pack(work, tarball)
            if rootfs.exists():
                shutil.rmtree(rootfs)
            work.rename(rootfs)
        else:
            _unpack(tarball, rootfs)
        marker.touch()
    return rootfs
