"""Benchmark: golive's host pass against per-check Ansible tasks and testinfra over ssh://.

Boots sandbox fleets of each size, converges them with the reference role, then times
cold (no open SSH connection) and warm runs of:
  golive   one task per host running the collector module (playbooks/verify.yml)
  ansible  one Ansible task per check, with the SAME ansible.cfg (pipelining, ControlPersist, forks)
  testinfra the specs/ examples with testinfra's default ssh:// backend (no ControlPath)
The golive columns time the systemd/Falco/swap/flags/version groups (what the other two
also gather); `+services` adds the WAF/IDS, backup and endpoint groups of the same one
visit (app1 is also web and data host, app2 the backup host), and `+restore-test` adds
the restore of the canary path with `--restore-test`.
Prints a table; asserts nothing. Not run in CI.

    .venv/bin/python bench/host_pass.py 1 10 20
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from golive.checklist import load_default
from golive.collectors.hosts import ansible_cfg, plan, run_pass, runner_env
from golive.hostpatterns import load_inventory
from golive.sandbox import Fleet, HostSpec, converge

ROOT = Path(__file__).resolve().parents[1]
UNITS = ["lunia_core", "lunia_api", "lunia_sched", "lunia_arb", "lunia_bot"]
FLAGS = ["BINANCE_LIVE_TRADING", "BINANCE_FORCE_MOCK", "INFRA_PROD_ENABLED", "FRONTEND_SIGNAL_HEALTH_ENABLED"]


def per_check_playbook() -> list[dict[str, object]]:
    """The same facts as the host pass, one task per check."""
    tasks: list[dict[str, object]] = [
        {"name": f"unit {unit}", "command": f"systemctl is-enabled {unit}", "changed_when": False} for unit in UNITS
    ]
    tasks += [{"name": f"active {unit}", "command": f"systemctl is-active {unit}", "changed_when": False} for unit in UNITS]
    tasks += [
        {"name": "falco unit", "command": "systemctl is-active falco-modern-bpf", "changed_when": False},
        {"name": "falco config", "slurp": {"src": "/etc/falco/falco.yaml"}},
        {"name": "falco rules", "stat": {"path": "/etc/falco/falco_rules.yaml"}},
        {"name": "falco healthz", "uri": {"url": "http://127.0.0.1:8765/healthz", "timeout": 2}},
        {"name": "swaps", "command": "cat /proc/swaps", "changed_when": False},
        {"name": "dm uuid", "command": "cat /sys/block/dm-0/dm/uuid", "changed_when": False},
        {"name": "crypttab", "command": "cat /etc/crypttab", "changed_when": False},
        {"name": "version", "command": "cat /etc/lunia/VERSION", "changed_when": False},
    ]
    tasks += [
        {
            "name": f"flag {flag}",
            "shell": f"tr '\\0' '\\n' < /proc/$(systemctl show -p MainPID --value lunia_bot)/environ | grep ^{flag}=",
            "changed_when": False,
        }
        for flag in FLAGS
    ]
    return [{"name": "per-check", "hosts": "all", "gather_facts": False, "tasks": tasks}]


def close_connections(fleet: Fleet) -> None:
    for socket in fleet.control_dir.iterdir() if fleet.control_dir.exists() else []:
        subprocess.run(["ssh", "-O", "exit", "-o", f"ControlPath={socket}", "x"], capture_output=True, check=False)


SERVICE_GROUPS = ("modsecurity", "crowdsec", "backups", "endpoints")


def time_golive(inventory: Path, work: Path, services: bool = False, restore_test: bool = False) -> float:
    hosts = load_inventory(inventory).hosts
    host_plan = plan(load_default().items, hosts, "lunia_app", "/etc/lunia/VERSION")
    requests: dict[str, dict[str, dict[str, object]]] = {}
    for host, groups in host_plan.requests.items():
        requests[host] = {group: dict(args) for group, args in groups.items() if services or group not in SERVICE_GROUPS}
        if "backups" in requests[host]:
            requests[host]["backups"]["restore_test"] = restore_test
    run_dir = Path(tempfile.mkdtemp(dir=work))
    started = time.monotonic()
    result = run_pass(inventory, requests, {}, False, run_dir)
    seconds = time.monotonic() - started
    errors = {host: facts["error"] for host, facts in result.hosts.items() if "error" in facts}
    if errors:
        print(f"  golive host errors: {errors}", file=sys.stderr)
    return seconds


def time_per_check(inventory: Path, work: Path, forks: int) -> float:
    cfg = work / "ansible.cfg"
    cfg.write_text(ansible_cfg(forks, {}, False))
    playbook = work / "per_check.yml"
    playbook.write_text(json.dumps(per_check_playbook()))
    env = {**os.environ, **runner_env(cfg, {}, False)}
    started = time.monotonic()
    done = subprocess.run(["ansible-playbook", "-i", str(inventory), str(playbook)], env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        print(f"  per-check playbook exited {done.returncode}: {done.stdout[-400:]}", file=sys.stderr)
    return seconds


def time_testinfra(fleet: Fleet, work: Path) -> float:
    ssh_config = work / "ssh_config"
    ssh_config.write_text(
        f"Host *\n  User root\n  IdentityFile {fleet.key_path}\n  IdentitiesOnly yes\n  UserKnownHostsFile {fleet.known_hosts_path}\n  StrictHostKeyChecking yes\n"
    )
    hosts = ",".join(f"ssh://{host.ip}" for host in fleet.hosts.values())
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--ssh-config={ssh_config}",
        f"--hosts={hosts}",
        str(ROOT / "specs"),
    ]
    started = time.monotonic()
    subprocess.run(argv, cwd=work, capture_output=True, text=True, check=False)
    return time.monotonic() - started


def bench(size: int, index: int) -> dict[str, float]:
    roles = {1: ("lunia_app", "lunia_web", "lunia_data"), 2: ("lunia_app", "lunia_backup")}
    specs = [HostSpec(f"app{number}", roles.get(number, ("lunia_app",))) for number in range(1, size + 1)]
    with (
        tempfile.TemporaryDirectory(prefix="golive-bench-") as tmp,
        # 10.81.x: apart from the demo (10.78), Molecule's defaults (10.79) and the tests
        # (10.231), so the bench can run beside them (the fleet refuses a taken subnet).
        Fleet(specs, name_prefix=f"bn{index}", subnet=f"10.81.{index}.0/24", state_dir=Path(tmp) / "state") as fleet,
    ):
        work = Path(tmp)
        converge(fleet)
        inventory = fleet.write_inventory(work / "inventory.yml")
        row: dict[str, float] = {}
        for name, timed in (
            ("golive", lambda: time_golive(inventory, work)),
            ("ansible", lambda: time_per_check(inventory, work, min(size, 50))),
            ("testinfra", lambda: time_testinfra(fleet, work)),
        ):
            close_connections(fleet)
            row[f"{name} cold"] = timed()
            row[f"{name} warm"] = timed()
        row["+services warm"] = time_golive(inventory, work, services=True) - row["golive warm"]
        row["+restore-test warm"] = time_golive(inventory, work, services=True, restore_test=True) - row["golive warm"]
        return row


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [1, 10, 20]
    rows = {size: bench(size, index) for index, size in enumerate(sizes)}
    columns = [
        "golive cold",
        "golive warm",
        "+services warm",
        "+restore-test warm",
        "ansible cold",
        "ansible warm",
        "testinfra cold",
        "testinfra warm",
    ]
    print(f"{'hosts':>5} " + " ".join(f"{column:>18}" for column in columns) + f" {'ansible/golive':>15} {'testinfra/golive':>17}")
    for size, row in rows.items():
        cells = " ".join(f"{row[column]:>17.2f}s" for column in columns)
        print(f"{size:>5} {cells} {row['ansible warm'] / row['golive warm']:>14.1f}x {row['testinfra warm'] / row['golive warm']:>16.1f}x")


if __name__ == "__main__":
    main()
