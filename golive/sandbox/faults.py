"""Reversible breaks of one sandbox host, applied over ssh.

Each factory returns a ``Fault``; use it as a context manager (``with unit_stopped(
fleet, "app1", "lunia_bot"):``) or call ``apply()`` / ``undo()``.  Faults change the
host the way an operator mistake or an incident would (systemctl, edited files, a
hung process), never through a switch in product code.  Originals are kept on the host
under /run/golive-faults, so ``undo()`` restores exactly what was there.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from golive.sandbox.fleet import Fleet

ENV_FILE = "/etc/lunia/lunia.env"
FALCO_UNIT = "falco-modern-bpf"
FALCO_RULES_FILE = "/etc/falco/falco_rules.yaml"
FALCO_PORT = 8765
EVIDENCE_DIR = "/usr/local/share/planted-swap-evidence"
EVIDENCE_UNIT = "planted-swap-evidence"
LUNIA_UNITS_GLOB = "lunia_*.service"
BACKUP_DIR = "/run/golive-faults"

_SWAPS_HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"


class FaultError(RuntimeError):
    """A fault could not be applied or undone."""


@dataclass(eq=False)
class Fault:
    fleet: Fleet
    host: str
    description: str
    apply_script: str
    undo_script: str

    def _run(self, script: str, action: str) -> None:
        result = self.fleet.ssh(self.host, f"set -eu\n{script}", timeout=60)
        if result.returncode != 0:
            raise FaultError(f"{action} {self.description!r} on {self.host}: {result.stderr.strip() or result.stdout.strip()}")

    def apply(self) -> Fault:
        self._run(self.apply_script, "apply")
        return self

    def undo(self) -> None:
        self._run(self.undo_script, "undo")

    def __enter__(self) -> Fault:
        return self.apply()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.undo()


def _q(value: str) -> str:
    return shlex.quote(value)


def _backup(path: str) -> str:
    # Refuses a second fault on the same file: its backup would hold the broken copy.
    saved = f"{BACKUP_DIR}/{_q(path.rstrip('/').rsplit('/', 1)[-1])}"
    return (
        f"if [ -e {saved} ]; then echo 'already broken (undo the earlier fault first)' >&2; exit 1; fi\n"
        f"mkdir -p {BACKUP_DIR}\ncp -a {_q(path)} {BACKUP_DIR}/\n"
    )


def _restore(path: str) -> str:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return f"rm -rf {_q(path)}\ncp -a {BACKUP_DIR}/{_q(name)} {_q(path)}\nrm -rf {BACKUP_DIR}/{_q(name)}\n"


def _restart(units: str) -> str:
    # reset-failed first: repeated faults would otherwise hit systemd's start rate limit.
    return f"systemctl reset-failed {units}\nsystemctl restart {units}\n"


def _wait_for(condition: str, what: str) -> str:
    return f"for _ in $(seq 50); do {condition} && break; sleep 0.1; done\n{condition} || {{ echo {_q(what)} >&2; exit 1; }}\n"


# --- units ---------------------------------------------------------------------


def unit_stopped(fleet: Fleet, host: str, unit: str) -> Fault:
    return Fault(fleet, host, f"{unit} stopped", f"systemctl stop {_q(unit)}", f"systemctl start {_q(unit)}")


def unit_disabled(fleet: Fleet, host: str, unit: str) -> Fault:
    """Disabled but still running: only is-enabled shows it."""
    return Fault(fleet, host, f"{unit} disabled", f"systemctl disable -q {_q(unit)}", f"systemctl enable -q {_q(unit)}")


def unit_masked(fleet: Fleet, host: str, unit: str) -> Fault:
    """Masked in /etc (the unit file moved aside, as ``systemctl mask`` requires) and stopped."""
    path = f"/etc/systemd/system/{unit}.service"
    apply = f"systemctl disable -q --now {_q(unit)}\n{_backup(path)}rm -f {_q(path)}\nsystemctl mask -q {_q(unit)}\n"
    undo = f"systemctl unmask -q {_q(unit)}\n{_restore(path)}systemctl daemon-reload\nsystemctl enable -q --now {_q(unit)}\n"
    return Fault(fleet, host, f"{unit} masked", apply, undo)


def unit_failed(fleet: Fleet, host: str, unit: str) -> Fault:
    """The unit's program exits non-zero and systemd gives up: state ``failed``."""
    dropin = f"/run/systemd/system/{unit}.service.d"
    apply = (
        f"mkdir -p {_q(dropin)}\n"
        f"printf '[Service]\\nExecStart=\\nExecStart=/bin/false\\nRestart=no\\n' > {_q(dropin)}/golive-fault.conf\n"
        f"systemctl daemon-reload\nsystemctl restart {_q(unit)} || true\n"
        + _wait_for(f"systemctl is-failed -q {_q(unit)}", f"{unit} did not fail")
    )
    undo = f"rm -rf {_q(dropin)}\nsystemctl daemon-reload\n" + _restart(_q(unit))
    return Fault(fleet, host, f"{unit} failed", apply, undo)


# --- Falco ---------------------------------------------------------------------


# Undo waits for the health endpoint, so the next check sees a settled Falco.
_FALCO_HEALTHY = _wait_for(
    f"python3 -c 'import urllib.request as u; u.urlopen(\"http://127.0.0.1:{FALCO_PORT}/healthz\", timeout=1)' 2>/dev/null",
    "falco healthz did not come back",
)


def falco_inactive(fleet: Fleet, host: str, unit: str = FALCO_UNIT) -> Fault:
    return Fault(fleet, host, "falco inactive", f"systemctl stop {_q(unit)}", _restart(_q(unit)) + _FALCO_HEALTHY)


def falco_rules_missing(fleet: Fleet, host: str, rules_file: str = FALCO_RULES_FILE) -> Fault:
    """A rules file named in falco.yaml is gone while Falco keeps running."""
    return Fault(fleet, host, f"{rules_file} missing", f"{_backup(rules_file)}rm -f {_q(rules_file)}\n", _restore(rules_file))


def falco_healthz_down(fleet: Fleet, host: str, unit: str = FALCO_UNIT) -> Fault:
    """Falco hangs: the unit stays active and the port open, but /healthz never answers."""
    return Fault(
        fleet,
        host,
        "falco healthz down",
        f"systemctl kill -s SIGSTOP {_q(unit)}",
        f"systemctl kill -s SIGCONT {_q(unit)}",
    )


# --- swap ----------------------------------------------------------------------


def _swap_fault(fleet: Fleet, host: str, description: str, swaps: str) -> Fault:
    # Replaces the planted evidence: no dm-0 under /sys/block, no dm table.
    apply = (
        _backup(EVIDENCE_DIR)
        + f"printf %s {_q(swaps)} > {EVIDENCE_DIR}/swaps\n"
        + f": > {EVIDENCE_DIR}/sysblock\n: > {EVIDENCE_DIR}/dmsetup-table\n"
        + _restart(EVIDENCE_UNIT)
    )
    undo = _restore(EVIDENCE_DIR) + _restart(EVIDENCE_UNIT)
    return Fault(fleet, host, description, apply, undo)


def _swaps_line(device: str, size_kib: int, priority: int) -> str:
    return f"{device:<39} partition\t{size_kib}\t\t0\t\t{priority}\n"


def swap_plain(fleet: Fleet, host: str, device: str = "/dev/vdb") -> Fault:
    """Swap active on an unencrypted partition."""
    return _swap_fault(fleet, host, "plain swap", _SWAPS_HEADER + _swaps_line(device, 1048572, -2))


def swap_zram(fleet: Fleet, host: str) -> Fault:
    """Swap on zram only (compressed RAM, not disk encryption)."""
    return _swap_fault(fleet, host, "zram swap", _SWAPS_HEADER + _swaps_line("/dev/zram0", 4194300, 100))


def swap_none(fleet: Fleet, host: str) -> Fault:
    """No active swap at all: /proc/swaps has only its header."""
    return _swap_fault(fleet, host, "no swap", _SWAPS_HEADER)


# --- flags ---------------------------------------------------------------------

_RESTART_LUNIA = _restart(_q(LUNIA_UNITS_GLOB))


def _current_flag(flag: str) -> str:
    # Shell snippet setting $cur to the flag's current value in the env file.
    return f"cur=$(sed -n 's/^{flag}=//p' {ENV_FILE} | tail -n 1)\n"


_FLIP = 'if [ "$cur" = true ]; then new=false; else new=true; fi\n'


def _flag_fault(fleet: Fleet, host: str, description: str, flag: str, edit: str, *, restart: bool = True) -> Fault:
    if not flag.replace("_", "").isalnum():
        raise ValueError(f"not a flag name: {flag!r}")
    apply = _backup(ENV_FILE) + _current_flag(flag) + edit + (_RESTART_LUNIA if restart else "")
    undo = _restore(ENV_FILE) + _RESTART_LUNIA
    return Fault(fleet, host, description, apply, undo)


def _value_or_flip(value: str | None) -> str:
    return f"new={_q(value)}\n" if value is not None else _FLIP


def flag_wrong(fleet: Fleet, host: str, flag: str, value: str | None = None) -> Fault:
    """The flag has another value (default: true and false swapped), file and process agree."""
    edit = _value_or_flip(value) + f'sed -i "s/^{flag}=.*/{flag}=$new/" {ENV_FILE}\n'
    return _flag_fault(fleet, host, f"{flag} wrong", flag, edit)


def flag_missing(fleet: Fleet, host: str, flag: str) -> Fault:
    return _flag_fault(fleet, host, f"{flag} missing", flag, f"sed -i '/^{flag}=/d' {ENV_FILE}\n")


def flag_duplicated(fleet: Fleet, host: str, flag: str, value: str | None = None) -> Fault:
    """A second line for the flag (default: the same value, so only the duplication is wrong)."""
    edit = ('new="$cur"\n' if value is None else f"new={_q(value)}\n") + f'echo "{flag}=$new" >> {ENV_FILE}\n'
    return _flag_fault(fleet, host, f"{flag} duplicated", flag, edit)


def flag_stale(fleet: Fleet, host: str, flag: str, value: str | None = None) -> Fault:
    """The file is right but the running processes still carry another value (restart pending)."""
    edit = (
        _value_or_flip(value)
        + f'sed -i "s/^{flag}=.*/{flag}=$new/" {ENV_FILE}\n'
        + _RESTART_LUNIA
        + f"cp -a {BACKUP_DIR}/lunia.env {ENV_FILE}\n"
    )
    return _flag_fault(fleet, host, f"{flag} stale in process", flag, edit, restart=False)


# Names for the command line (``python -m golive.sandbox break``) and ``golive demo``.
# Each takes the fleet, the host and an optional argument (unit, flag or device).
FAULTS: dict[str, Callable[[Fleet, str, str | None], Fault]] = {
    "unit-stopped": lambda f, h, a: unit_stopped(f, h, a or "lunia_bot"),
    "unit-disabled": lambda f, h, a: unit_disabled(f, h, a or "lunia_bot"),
    "unit-masked": lambda f, h, a: unit_masked(f, h, a or "lunia_bot"),
    "unit-failed": lambda f, h, a: unit_failed(f, h, a or "lunia_bot"),
    "falco-inactive": lambda f, h, a: falco_inactive(f, h, a or FALCO_UNIT),
    "falco-rules-missing": lambda f, h, a: falco_rules_missing(f, h, a or FALCO_RULES_FILE),
    "falco-healthz-down": lambda f, h, a: falco_healthz_down(f, h, a or FALCO_UNIT),
    "swap-plain": lambda f, h, a: swap_plain(f, h, a or "/dev/vdb"),
    "swap-zram": lambda f, h, a: swap_zram(f, h),
    "swap-none": lambda f, h, a: swap_none(f, h),
    "flag-wrong": lambda f, h, a: flag_wrong(f, h, a or "BINANCE_FORCE_MOCK"),
    "flag-missing": lambda f, h, a: flag_missing(f, h, a or "BINANCE_FORCE_MOCK"),
    "flag-duplicated": lambda f, h, a: flag_duplicated(f, h, a or "BINANCE_FORCE_MOCK"),
    "flag-stale": lambda f, h, a: flag_stale(f, h, a or "BINANCE_FORCE_MOCK"),
}
