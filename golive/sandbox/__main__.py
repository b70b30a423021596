"""``python -m golive.sandbox build|up|down|status|break|heal``.

``up`` leaves the fleet running and records it in the state dir, so later commands
(in other processes) find it with only ``--prefix`` or ``--state-dir``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from golive.sandbox.converge import ConvergeError, converge
from golive.sandbox.faults import FAULTS, FaultError
from golive.sandbox.fleet import Fleet, FleetError
from golive.sandbox.hosts import HostSpec
from golive.sandbox.image import DEFAULT_CACHE_DIR, ensure_image

DEFAULT_HOSTS = ("app1:lunia_app,lunia_web,lunia_data", "app2:lunia_app,lunia_backup")


def _host_spec(text: str) -> HostSpec:
    name, _, groups = text.partition(":")
    return HostSpec(name, tuple(group for group in groups.split(",") if group))


def _state_dir(args: argparse.Namespace) -> Path:
    given: Path | None = args.state_dir
    return given or Path("/var/lib/golive-sandbox") / args.prefix


def _existing_fleet(args: argparse.Namespace) -> Fleet:
    state_dir = _state_dir(args)
    if (state_dir / "fleet.json").exists():
        return Fleet.load(state_dir)
    # Never brought up from here: the prefix alone still finds any leftovers.
    return Fleet([], name_prefix=args.prefix, subnet=args.subnet, state_dir=state_dir)


def _cmd_build(args: argparse.Namespace) -> int:
    started = time.monotonic()
    rootfs = ensure_image(args.cache_dir)
    print(f"{rootfs} ({time.monotonic() - started:.1f}s)")
    return 0


def _cmd_up(args: argparse.Namespace) -> int:
    fleet = Fleet(
        [_host_spec(text) for text in args.host or DEFAULT_HOSTS],
        name_prefix=args.prefix,
        subnet=args.subnet,
        state_dir=_state_dir(args),
        cache_dir=args.cache_dir,
    )
    started = time.monotonic()
    fleet.up()
    print(f"up: {len(fleet.hosts)} hosts in {time.monotonic() - started:.1f}s")
    inventory = fleet.write_inventory(args.inventory or fleet.state_dir / "inventory.yml")
    print(f"inventory: {inventory}")
    if args.converge:
        result = converge(fleet, extra_vars={"lunia_version": args.lunia_version} if args.lunia_version else None)
        print(f"converged in {result.seconds:.1f}s, changed={result.changed}")
    return 0


def _cmd_down(args: argparse.Namespace) -> int:
    fleet = _existing_fleet(args)
    started = time.monotonic()
    fleet.down()
    leftovers = fleet.leftovers()
    print(f"down in {time.monotonic() - started:.1f}s" + (f"; LEFT OVER: {leftovers}" if leftovers else ""))
    return 1 if leftovers else 0


def _host_state(fleet: Fleet, host: str) -> str:
    if not fleet.is_running(host):
        return "down"
    try:
        result = fleet.ssh(host, "systemctl is-system-running", timeout=5)
    except subprocess.TimeoutExpired:
        return "unreachable (timeout)"
    return result.stdout.strip() or f"unreachable ({result.stderr.strip()})"


def _cmd_status(args: argparse.Namespace) -> int:
    fleet = _existing_fleet(args)
    states = {name: _host_state(fleet, name) for name in fleet.hosts}
    for host in fleet.hosts.values():
        print(f"{host.name}\t{host.ip}\t{','.join(host.spec.groups)}\t{states[host.name]}")
    leftovers = fleet.leftovers()
    print(f"objects of prefix {fleet.prefix!r}: {leftovers or 'none'}")
    return 0 if states and all(state == "running" for state in states.values()) else 1


def _cmd_fault(args: argparse.Namespace) -> int:
    fault = FAULTS[args.fault](_existing_fleet(args), args.target_host, args.arg)
    if args.command == "break":
        fault.apply()
    else:
        fault.undo()
    print(f"{args.command}: {fault.description} on {args.target_host}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m golive.sandbox", description=__doc__)
    parser.add_argument("--prefix", default="glv", help="name prefix of the fleet's objects (default: glv)")
    parser.add_argument("--subnet", default="10.77.0.0/24")
    parser.add_argument("--state-dir", type=Path, help="default: /var/lib/golive-sandbox/PREFIX")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("build", help="build (or reuse) the cached rootfs").set_defaults(func=_cmd_build)

    up = commands.add_parser("up", help="boot the fleet and write its inventory")
    up.add_argument("--host", action="append", metavar="NAME:GROUP,...", help=f"repeatable (default: {' '.join(DEFAULT_HOSTS)})")
    up.add_argument("--inventory", type=Path, help="default: STATE_DIR/inventory.yml")
    up.add_argument("--converge", action="store_true", help="apply roles/lunia_reference afterwards")
    up.add_argument("--lunia-version", help="lunia_version for --converge")
    up.set_defaults(func=_cmd_up)

    commands.add_parser("down", help="stop the fleet and remove all it created").set_defaults(func=_cmd_down)
    commands.add_parser("status", help="each host's systemd state and any objects of the prefix").set_defaults(func=_cmd_status)
    for name, verb in (("break", "apply"), ("heal", "undo")):
        fault = commands.add_parser(name, help=f"{verb} a fault on one host")
        fault.add_argument("target_host", metavar="HOST")
        fault.add_argument("fault", choices=sorted(FAULTS))
        fault.add_argument("arg", nargs="?", help="unit, flag or device (each fault has a default)")
        fault.set_defaults(func=_cmd_fault)

    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except (FleetError, ConvergeError, FaultError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
