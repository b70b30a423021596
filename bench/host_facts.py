"""Capture the host pass's facts on a running sandbox fleet, diff two captures, and
measure the host module's own CPU on each host.

Used to prove that a change to the host module or the host collector gathers the
same facts as before (timing fields and values that change by themselves between two
runs, such as a bouncer's last pull, are ignored):

    python -m golive.sandbox --prefix glvscale --state-dir S up --host ... --converge
    python bench/host_facts.py capture S/inventory.yml before.json
    (change the code)
    python bench/host_facts.py capture S/inventory.yml after.json
    python bench/host_facts.py diff before.json after.json
    python bench/host_facts.py cpu S/inventory.yml         # module CPU per host, 5 runs

`capture` runs the full host pass of the default checklist (every group, the backup
check with its configured subset, no restore test) through the collector's run_pass.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from golive.checklist import load_default
from golive.collectors import Request
from golive.collectors.hosts import plan, run_pass
from golive.config import Config
from golive.content import ansible_content
from golive.engine import gather_requests
from golive.hostpatterns import load_inventory

MODULE = ansible_content("roles") / "golive_collect" / "library" / "golive_collect.py"
# Keys whose values are durations or move on their own between two identical runs.
VOLATILE_KEYS = frozenset({"seconds", "_seconds", "last_pull"})


def default_host_requests() -> list[Request]:
    """What the default checklist's host items ask of the hosts."""
    config = Config(path=Path("golive.yml"), base_dir=Path("."), environment="bench", checklist=load_default(), release={}, sources={})
    return gather_requests(config).get("hosts", [])


def host_requests(inventory: Path, services: bool = True) -> dict[str, dict[str, dict[str, Any]]]:
    hosts = load_inventory(inventory).hosts
    host_plan = plan(default_host_requests(), hosts, "lunia_app", "/etc/lunia/VERSION")
    requests: dict[str, dict[str, dict[str, Any]]] = {}
    for host, groups in host_plan.requests.items():
        requests[host] = {
            group: dict(args)
            for group, args in groups.items()
            if services or group not in ("modsecurity", "crowdsec", "backups", "endpoints")
        }
        if "backups" in requests[host]:
            requests[host]["backups"]["restore_test"] = False
    return requests


def capture(inventory: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="golive-facts-") as work:
        result = run_pass(inventory, host_requests(inventory), {}, False, Path(work))
    return result.hosts


# cscli stamps each log line it prints (`cscli lapi status` output).
LOG_TIME = re.compile(r'time="[^"]*"')


def strip_volatile(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: strip_volatile(value) for key, value in data.items() if key not in VOLATILE_KEYS}
    if isinstance(data, list):
        return [strip_volatile(value) for value in data]
    if isinstance(data, str):
        return LOG_TIME.sub('time="-"', data)
    return data


def differences(before: Any, after: Any, where: str = "") -> list[str]:
    """Every path at which two captures differ, after dropping volatile keys."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[str] = []
        for key in sorted(set(before) | set(after)):
            path = f"{where}.{key}" if where else str(key)
            if key not in before:
                found.append(f"{path}: only after = {json.dumps(after[key])[:200]}")
            elif key not in after:
                found.append(f"{path}: only before = {json.dumps(before[key])[:200]}")
            else:
                found += differences(before[key], after[key], path)
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            line for index, (old, new) in enumerate(zip(before, after, strict=True)) for line in differences(old, new, f"{where}[{index}]")
        ]
    if before != after:
        return [f"{where}: {json.dumps(before)[:200]} -> {json.dumps(after)[:200]}"]
    return []


def module_source(groups: dict[str, Any]) -> str:
    return MODULE.read_text().replace("<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>", json.dumps({"groups": groups}))


# Runs the module as a child of a small wrapper and prints the child's CPU (user+sys,
# its subprocesses included): what the visit costs the host, interpreter start included.
_CPU_WRAPPER = (
    "import resource,subprocess,sys;"
    "subprocess.run([sys.executable,sys.argv[1]],stdout=subprocess.DEVNULL,check=True);"
    "r=resource.getrusage(resource.RUSAGE_CHILDREN);print(r.ru_utime+r.ru_stime)"
)


def host_ssh(inventory: Path, host: str) -> list[str]:
    variables = yaml.safe_load(inventory.read_text())["all"]["hosts"][host]
    return [
        "ssh",
        "-i",
        variables["ansible_ssh_private_key_file"],
        *shlex.split(variables.get("ansible_ssh_common_args", "")),
        "-o",
        "ControlMaster=auto",
        "-o",
        f"ControlPath={variables['ansible_control_path'].replace('%%', '%')}",
        "-o",
        "ControlPersist=120",
        f"{variables.get('ansible_user', 'root')}@{variables['ansible_host']}",
    ]


def module_cpu(inventory: Path, runs: int, services: bool) -> dict[str, list[float]]:
    """The module's CPU seconds per run on each host, with the host pass's own arguments."""
    seconds: dict[str, list[float]] = {}
    for host, groups in host_requests(inventory, services).items():
        ssh = host_ssh(inventory, host)
        subprocess.run([*ssh, "cat > /tmp/golive_collect_bench.py"], input=module_source(groups), text=True, check=True)
        for _ in range(runs):
            done = subprocess.run(
                [*ssh, f"python3 -c {shlex.quote(_CPU_WRAPPER)} /tmp/golive_collect_bench.py"], capture_output=True, text=True, check=True
            )
            seconds.setdefault(host, []).append(float(done.stdout.strip()))
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    capture_cmd = commands.add_parser("capture")
    capture_cmd.add_argument("inventory", type=Path)
    capture_cmd.add_argument("out", type=Path)
    diff_cmd = commands.add_parser("diff")
    diff_cmd.add_argument("before", type=Path)
    diff_cmd.add_argument("after", type=Path)
    cpu_cmd = commands.add_parser("cpu")
    cpu_cmd.add_argument("inventory", type=Path)
    cpu_cmd.add_argument("--runs", type=int, default=5)
    cpu_cmd.add_argument("--host-items-only", action="store_true", help="without the WAF/IDS, backup and endpoint groups")
    args = parser.parse_args()
    if args.command == "capture":
        args.out.write_text(json.dumps(capture(args.inventory), indent=1, sort_keys=True) + "\n")
        return 0
    if args.command == "diff":
        before = strip_volatile(json.loads(args.before.read_text()))
        after = strip_volatile(json.loads(args.after.read_text()))
        lines = differences(before, after)
        print("\n".join(lines) if lines else f"identical facts on {len(before)} hosts")
        return 1 if lines else 0
    cpu = module_cpu(args.inventory, args.runs, services=not args.host_items_only)
    for host, runs in cpu.items():
        print(f"{host:>8}: median {statistics.median(runs):.3f} s  max {max(runs):.3f} s  ({', '.join(f'{run:.3f}' for run in runs)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
