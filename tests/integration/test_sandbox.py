"""The sandbox fleet end to end: boot, converge the reference role, break, tear down."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from golive.sandbox import FAULTS, ConvergeResult, Fleet, HostSpec, converge
from tests.integration.conftest import free_subnet, record_timing, unique_prefix

pytestmark = pytest.mark.integration

UNITS = ("lunia_core", "lunia_api", "lunia_sched", "lunia_arb", "lunia_bot")
FLAGS = {
    "BINANCE_LIVE_TRADING": "true",
    "BINANCE_FORCE_MOCK": "false",
    "INFRA_PROD_ENABLED": "true",
    "FRONTEND_SIGNAL_HEALTH_ENABLED": "true",
}
FAULT_HOST = "app2"


def run(fleet: Fleet, host: str, command: str) -> str:
    result = fleet.ssh(host, command)
    assert result.returncode == 0, f"{host}: {command!r} exited {result.returncode}: {result.stderr}"
    return result.stdout.strip()


def bot_environ(fleet: Fleet, host: str) -> dict[str, str]:
    raw = run(fleet, host, "tr '\\0' '\\n' < /proc/$(systemctl show -p MainPID --value lunia_bot)/environ")
    return dict(line.split("=", 1) for line in raw.splitlines() if "=" in line)


@pytest.mark.parametrize("host", ["app1", "app2"])
def test_converged_host_runs_the_five_units_enabled_and_active(fleet: Fleet, converged: ConvergeResult, host: str) -> None:
    units = " ".join(UNITS)
    assert run(fleet, host, f"systemctl is-enabled {units}").split() == ["enabled"] * 5
    assert run(fleet, host, f"systemctl is-active {units}").split() == ["active"] * 5
    assert run(fleet, host, "systemctl is-system-running") == "running"


@pytest.mark.parametrize("host", ["app1", "app2"])
def test_falco_standin_is_active_configured_and_healthy(fleet: Fleet, converged: ConvergeResult, host: str) -> None:
    assert run(fleet, host, "systemctl is-enabled falco-modern-bpf; systemctl is-active falco-modern-bpf").split() == ["enabled", "active"]
    config = run(fleet, host, "cat /etc/falco/falco.yaml")
    assert "rules_files:" in config and "listen_port: 8765" in config
    assert run(fleet, host, "test -f /etc/falco/falco_rules.yaml && test -f /etc/falco/falco_rules.local.yaml && echo both") == "both"
    # Probed from the controller across the bridge, as a collector would.
    with urllib.request.urlopen(f"http://{fleet.hosts[host].ip}:8765/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"status": "ok"}


@pytest.mark.parametrize("host", ["app1", "app2"])
def test_planted_swap_evidence_reads_as_dm_crypt(fleet: Fleet, converged: ConvergeResult, host: str) -> None:
    swaps = run(fleet, host, "cat /proc/swaps").splitlines()
    assert swaps[0].split() == ["Filename", "Type", "Size", "Used", "Priority"]
    assert [line.split()[:2] for line in swaps[1:]] == [["/dev/dm-0", "partition"]]
    assert run(fleet, host, "cat /sys/block/dm-0/dm/uuid").startswith("CRYPT-")
    assert run(fleet, host, "cat /sys/block/dm-0/dm/name") == "cryptswap"
    assert run(fleet, host, "dmsetup table").split()[:4] == ["cryptswap:", "0", "2097152", "crypt"]
    crypttab = run(fleet, host, "grep -v '^#' /etc/crypttab").split()
    assert crypttab[:3] == ["cryptswap", "/dev/vdb", "/dev/urandom"] and "swap" in crypttab[3].split(",")
    # The real block devices stay visible beside the planted one.
    assert "vda" in run(fleet, host, "ls /sys/block").split()


@pytest.mark.parametrize("host", ["app1", "app2"])
def test_running_process_carries_flags_secret_and_version(fleet: Fleet, converged: ConvergeResult, host: str) -> None:
    environ = bot_environ(fleet, host)
    assert {name: environ.get(name) for name in FLAGS} == FLAGS
    assert environ["LUNIA_API_SECRET"]
    assert run(fleet, host, "cat /etc/lunia/VERSION") == "1.4.0"
    assert run(fleet, host, "stat -c %a /etc/lunia/lunia.env") == "600"


def test_second_converge_changes_nothing(fleet: Fleet, converged: ConvergeResult, pytestconfig: pytest.Config) -> None:
    assert converged.changed > 0
    again = converge(fleet)
    record_timing(pytestconfig, "converge 2 hosts (idempotent)", again.seconds)
    assert again.changed == 0, again.output[-3000:]


HEALTHZ = "python3 -c \"import urllib.request as u; print(u.urlopen('http://127.0.0.1:8765/healthz', timeout=1).read().decode())\" 2>/dev/null || echo down"
FLAG_PROBE = (
    "printf 'file=%s ' \"$(grep ^BINANCE_FORCE_MOCK= /etc/lunia/lunia.env | cut -d= -f2 | paste -sd,)\"; "
    "printf 'process=%s' \"$(tr '\\0' '\\n' < /proc/$(systemctl show -p MainPID --value lunia_bot)/environ "
    '| grep ^BINANCE_FORCE_MOCK= | cut -d= -f2)"'
)
SWAP_PROBE = "printf '%s ' $(awk 'NR > 1 {print $1}' /proc/swaps); test -e /sys/block/dm-0/dm/uuid && echo dm-0 || echo no-dm"

# fault name, probe command, what the probe shows healthy, what it shows broken
FAULT_CASES = [
    ("unit-stopped", "systemctl is-active lunia_bot", "active", "inactive"),
    ("unit-disabled", "systemctl is-enabled lunia_bot", "enabled", "disabled"),
    ("unit-masked", "systemctl is-enabled lunia_bot", "enabled", "masked"),
    ("unit-failed", "systemctl is-active lunia_bot", "active", "failed"),
    ("falco-inactive", "systemctl is-active falco-modern-bpf", "active", "inactive"),
    ("falco-rules-missing", "test -e /etc/falco/falco_rules.yaml && echo present || echo missing", "present", "missing"),
    ("falco-healthz-down", HEALTHZ, '{"status": "ok"}', "down"),
    ("swap-plain", SWAP_PROBE, "/dev/dm-0 dm-0", "/dev/vdb no-dm"),
    ("swap-zram", SWAP_PROBE, "/dev/dm-0 dm-0", "/dev/zram0 no-dm"),
    ("swap-none", SWAP_PROBE, "/dev/dm-0 dm-0", "no-dm"),
    ("flag-wrong", FLAG_PROBE, "file=false process=false", "file=true process=true"),
    ("flag-missing", FLAG_PROBE, "file=false process=false", "file= process="),
    ("flag-duplicated", FLAG_PROBE, "file=false process=false", "file=false,false process=false"),
    ("flag-stale", FLAG_PROBE, "file=false process=false", "file=false process=true"),
]


def test_every_fault_has_a_case() -> None:
    """Host-area faults are exercised here; the service faults (WAF, backups, endpoints)
    in test_host_services.py, on the fleet that runs those services."""
    from tests.integration.test_host_services import CASES

    service_faults = {name for case in CASES.values() for name, *_ in case} | {"restore-checksum-mismatch"}
    assert sorted({name for name, *_ in FAULT_CASES} | service_faults) == sorted(FAULTS)


@pytest.mark.parametrize(("name", "probe", "healthy", "broken"), FAULT_CASES, ids=[case[0] for case in FAULT_CASES])
def test_fault_changes_what_the_host_shows_and_undo_restores_it(
    fleet: Fleet, converged: ConvergeResult, name: str, probe: str, healthy: str, broken: str
) -> None:
    assert fleet.ssh(FAULT_HOST, probe).stdout.strip() == healthy
    with FAULTS[name](fleet, FAULT_HOST, None):
        assert fleet.ssh(FAULT_HOST, probe).stdout.strip() == broken
        # Only the targeted host is affected.
        assert fleet.ssh("app1", probe).stdout.strip() == healthy
    assert fleet.ssh(FAULT_HOST, probe).stdout.strip() == healthy


def test_a_second_fleet_runs_beside_the_first_and_leaves_nothing(
    fleet: Fleet, sandbox_image: Path, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    prefix = unique_prefix("u")
    other = Fleet(
        [HostSpec("solo", ("lunia_app",))], name_prefix=prefix, subnet=free_subnet(offset=97), state_dir=tmp_path, image=sandbox_image
    )
    try:
        started = time.monotonic()
        other.up()
        record_timing(pytestconfig, "boot 1 host (second fleet)", time.monotonic() - started)
        assert run(other, "solo", "hostname") == "solo"
        assert run(fleet, "app1", "hostname") == "app1"
        assert other.leftovers().keys() >= {"processes", "netns", "links", "cgroups"}
    finally:
        # A fresh object, as a later process would have: it finds the fleet by prefix alone.
        Fleet([], name_prefix=prefix, subnet=str(other.network), state_dir=tmp_path).down()

    assert other.leftovers() == {}
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert f"{prefix}-" not in netns
    assert f"{prefix}-" not in links
    assert f"--machine={prefix}-" not in processes
    assert not any(Path(root, f"golive-{prefix}").exists() for root in ("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"))
    # The first fleet was not touched.
    assert run(fleet, "app1", "systemctl is-active lunia_bot") == "active"
