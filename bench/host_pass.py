"""Benchmark: golive's host pass beside the SSH floor and one Ansible task per check.

Boots ONE sandbox fleet of the largest size asked for (app1 is also web and data host,
app2 the backup host, the rest plain app hosts), converges it with the reference role,
then for each size N times the first N hosts (the others stay up, idle):

  floor       `ssh host python3 -c pass` on every host at once over warm ControlMasters
  items       golive's host pass, host items only (systemd, Falco, swap, flags, version)
  full        the full host pass (+ WAF/IDS, backups, endpoints in the same visit)
  per-check   the host items' facts as one Ansible task per check (same ansible.cfg)

`cold` runs start without an open SSH connection, `warm` ones reuse the ControlMasters.
For the warm host-items pass it also reports the controller's CPU (golive, Ansible and
its workers, and the ssh ControlMasters, which are not golive's children), the peak PSS
of golive's process tree, and the host module's own CPU per host (run once per host over
ssh under getrusage, its subprocesses and interpreter start included): median and max.
The marginal cost per host is the slope of the warm times between sizes, and a
least-squares line over all sizes says whether the cost is linear.

Prints tables; asserts nothing; not run in CI. Needs root (systemd-nspawn).

    python bench/host_pass.py                      # 1, 20, 50, 100 hosts
    python bench/host_pass.py --sizes 1,20         # small
    python bench/host_pass.py --fleet STATE_DIR    # an up, converged fleet (python -m golive.sandbox up --converge)
    python bench/host_pass.py --forks 25,50,100    # warm host items at the largest size with these forks
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from golive.collectors.hosts import ansible_cfg, plan, run_pass, runner_env
from golive.hostpatterns import load_inventory
from golive.sandbox import Fleet, HostSpec, converge

sys.path.insert(0, str(Path(__file__).resolve().parent))
from host_facts import default_host_requests, module_cpu

UNITS = ["lunia_core", "lunia_api", "lunia_sched", "lunia_arb", "lunia_bot"]
FLAGS = ["BINANCE_LIVE_TRADING", "BINANCE_FORCE_MOCK", "INFRA_PROD_ENABLED", "FRONTEND_SIGNAL_HEALTH_ENABLED"]
SERVICE_GROUPS = ("modsecurity", "crowdsec", "backups", "endpoints")


def per_check_playbook() -> list[dict[str, object]]:
    """The same facts as the host items' pass, one task per check."""
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


# --- controller resources --------------------------------------------------------------


def control_master_pids(fleet: Fleet) -> list[int]:
    """The fleet's ssh ControlMasters: daemons, so not in golive's getrusage children."""
    marker = str(fleet.control_dir)
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if cmdline.startswith("ssh: ") and marker in cmdline:
                pids.append(int(entry))
    return pids


def process_cpu(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def own_cpu() -> float:
    self_usage, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return self_usage.ru_utime + self_usage.ru_stime + children.ru_utime + children.ru_stime


class TreePss:
    """Peak PSS of this process and its descendants, sampled every 0.2 s."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreePss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        root = os.getpid()
        while not self._stop.wait(0.2):
            parents: dict[int, int] = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
                    except (OSError, IndexError, ValueError):
                        continue
            tree, changed = {root}, True
            while changed:
                grown = tree | {pid for pid, parent in parents.items() if parent in tree}
                changed, tree = grown != tree, grown
            total = 0
            for pid in tree:
                try:
                    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
                            break
                except OSError:
                    continue
            self.peak_kib = max(self.peak_kib, total)


# --- the timed runs --------------------------------------------------------------------


def close_connections(fleet: Fleet) -> None:
    for socket in fleet.control_dir.iterdir() if fleet.control_dir.exists() else []:
        subprocess.run(["ssh", "-O", "exit", "-o", f"ControlPath={socket}", "x"], capture_output=True, check=False)


def sub_inventory(fleet: Fleet, hosts: list[str], path: Path) -> Path:
    """The fleet's inventory cut to `hosts` (groups keep only those hosts)."""
    data = yaml.safe_load(fleet.write_inventory(path).read_text())
    data["all"]["hosts"] = {name: value for name, value in data["all"]["hosts"].items() if name in hosts}
    for group in data["all"].get("children", {}).values():
        group["hosts"] = {name: value for name, value in group["hosts"].items() if name in hosts}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def host_requests(inventory: Path, services: bool) -> dict[str, dict[str, dict[str, Any]]]:
    hosts = load_inventory(inventory).hosts
    host_plan = plan(default_host_requests(), hosts, "lunia_app", "/etc/lunia/VERSION")
    requests: dict[str, dict[str, dict[str, Any]]] = {}
    for host, groups in host_plan.requests.items():
        requests[host] = {group: dict(args) for group, args in groups.items() if services or group not in SERVICE_GROUPS}
        if "backups" in requests[host]:
            requests[host]["backups"]["restore_test"] = False
    return requests


def time_golive(inventory: Path, work: Path, services: bool, fleet: Fleet, forks: int | None = None) -> dict[str, float]:
    requests = host_requests(inventory, services)
    settings = {"forks": forks} if forks else {"forks": len(requests)}
    run_dir = Path(tempfile.mkdtemp(dir=work))
    masters_before = process_cpu(control_master_pids(fleet))
    cpu_before = own_cpu()
    with TreePss() as pss:
        started = time.monotonic()
        result = run_pass(inventory, requests, settings, False, run_dir)
        seconds = time.monotonic() - started
    cpu = own_cpu() - cpu_before + process_cpu(control_master_pids(fleet)) - masters_before
    errors = {host: facts["error"] for host, facts in result.hosts.items() if "error" in facts}
    if errors:
        print(f"  golive host errors: {errors}", file=sys.stderr)
    return {"seconds": seconds, "cpu": cpu, "pss_mib": pss.peak_kib / 1024}


def time_floor(fleet: Fleet, hosts: list[str]) -> float:
    def visit(host: str) -> None:
        subprocess.run([*fleet.ssh_args(host), "python3 -c pass"], stdin=subprocess.DEVNULL, capture_output=True, check=True)

    with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
        list(pool.map(visit, hosts))  # opens the masters
        started = time.monotonic()
        list(pool.map(visit, hosts))
        return time.monotonic() - started


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


def measure(fleet: Fleet, size: int, work: Path, per_check: bool) -> dict[str, float]:
    hosts = list(fleet.hosts)[:size]
    inventory = sub_inventory(fleet, hosts, work / f"inventory-{size}.yml")
    row: dict[str, float] = {"floor": time_floor(fleet, hosts)}
    for name, services in (("items", False), ("full", True)):
        close_connections(fleet)
        row[f"{name} cold"] = time_golive(inventory, work, services, fleet)["seconds"]
        warm = [time_golive(inventory, work, services, fleet) for _ in range(2)]
        best = min(warm, key=lambda run: run["seconds"])
        row[f"{name} warm"] = best["seconds"]
        if name == "items":
            row["cpu"], row["pss"] = best["cpu"], best["pss_mib"]
    row["per-check"] = time_per_check(inventory, work, size) if per_check else float("nan")
    module = [statistics.median(runs) for runs in module_cpu(inventory, 1, services=False).values()]
    row["module median"], row["module max"] = statistics.median(module), max(module)
    # The tables come at the end; a long run shows each size as it is done.
    print(f"{size} hosts: " + ", ".join(f"{key} {value:.3f}" for key, value in row.items()), file=sys.stderr, flush=True)
    return row


def fleet_specs(size: int) -> list[HostSpec]:
    roles = {1: ("lunia_app", "lunia_web", "lunia_data"), 2: ("lunia_app", "lunia_backup")}
    return [HostSpec(f"app{number}", roles.get(number, ("lunia_app",))) for number in range(1, size + 1)]


def slope(rows: dict[int, dict[str, float]], column: str) -> tuple[float, float]:
    """Least-squares seconds per host and intercept of `column` over the sizes."""
    sizes = list(rows)
    if len(sizes) < 2:
        return float("nan"), float("nan")
    mean_x, mean_y = statistics.mean(sizes), statistics.mean(rows[size][column] for size in sizes)
    per_host = sum((size - mean_x) * (rows[size][column] - mean_y) for size in sizes) / sum((size - mean_x) ** 2 for size in sizes)
    return per_host, mean_y - per_host * mean_x


def print_tables(rows: dict[int, dict[str, float]]) -> None:
    columns = [
        ("floor", "SSH floor"),
        ("items cold", "items cold"),
        ("items warm", "items warm"),
        ("full cold", "full cold"),
        ("full warm", "full warm"),
        ("per-check", "per-check warm"),
    ]
    print(f"{'hosts':>5} " + " ".join(f"{title:>14}" for _, title in columns) + f" {'items/floor':>11} {'per-check/items':>15}")
    for size, row in rows.items():
        cells = " ".join(f"{row[key]:>13.2f}s" for key, _ in columns)
        print(f"{size:>5} {cells} {row['items warm'] / row['floor']:>10.1f}x {row['per-check'] / row['items warm']:>14.1f}x")
    print()
    print(f"{'hosts':>5} {'ctrl CPU':>9} {'CPU/host':>9} {'ctrl PSS':>9} {'module median':>14} {'module max':>11} {'marginal/host':>14}")
    previous: tuple[int, float] | None = None
    for size, row in rows.items():
        marginal = (row["items warm"] - previous[1]) / (size - previous[0]) if previous else float("nan")
        print(
            f"{size:>5} {row['cpu']:>8.2f}s {row['cpu'] / size:>8.3f}s {row['pss']:>6.0f}MiB "
            f"{row['module median']:>13.3f}s {row['module max']:>10.3f}s {marginal:>13.3f}s"
        )
        previous = (size, row["items warm"])
    print()
    for column in ("floor", "items warm", "full warm", "cpu"):
        per_host, intercept = slope(rows, column)
        fitted = {size: intercept + per_host * size for size in rows}
        worst = max((abs(rows[size][column] - fitted[size]) / rows[size][column] for size in rows), default=float("nan"))
        print(f"{column:>10}: {per_host:.3f} s per host + {intercept:.2f} s (largest deviation from the line {worst:.0%})")


def forks_sweep(fleet: Fleet, size: int, work: Path, forks: list[int]) -> None:
    inventory = sub_inventory(fleet, list(fleet.hosts)[:size], work / f"inventory-{size}.yml")
    time_golive(inventory, work, False, fleet)  # warm the masters
    print()
    print(f"warm host items on {size} hosts by forks:")
    for count in forks:
        runs = [time_golive(inventory, work, False, fleet, forks=count) for _ in range(2)]
        best = min(runs, key=lambda run: run["seconds"])
        print(f"  forks {count:>4}: {best['seconds']:.2f} s, controller CPU {best['cpu']:.2f} s, PSS {best['pss_mib']:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,20,50,100", help="comma-separated host counts (default 1,20,50,100)")
    parser.add_argument("--fleet", type=Path, help="state dir of an up, converged sandbox fleet to use instead of booting one")
    parser.add_argument("--per-check-max", type=int, default=100, help="skip one-task-per-check above this many hosts")
    parser.add_argument("--forks", default="", help="comma-separated forks to compare at the largest size")
    parser.add_argument("--subnet", default="10.85.9.0/24")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="golive-bench-") as tmp:
        work = Path(tmp)
        if args.fleet:
            fleet = Fleet.load(args.fleet)
            if len(fleet.hosts) < sizes[-1]:
                raise SystemExit(f"{args.fleet}: {len(fleet.hosts)} hosts, fewer than {sizes[-1]}")
            context: Any = None
        else:
            fleet = Fleet(fleet_specs(sizes[-1]), name_prefix="glvbench", subnet=args.subnet, state_dir=work / "state")
            context = fleet
            started = time.monotonic()
            fleet.up()
            print(f"boot {len(fleet.hosts)} hosts: {time.monotonic() - started:.1f} s", file=sys.stderr)
        try:
            if context is not None:
                result = converge(fleet)
                print(f"converge: {result.seconds:.1f} s", file=sys.stderr)
            rows = {size: measure(fleet, size, work, size <= args.per_check_max) for size in sizes}
            print_tables(rows)
            if args.forks:
                forks_sweep(fleet, sizes[-1], work, [int(count) for count in args.forks.split(",")])
        finally:
            if context is not None:
                fleet.down()


if __name__ == "__main__":
    main()
