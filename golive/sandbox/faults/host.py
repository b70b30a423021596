"""Faults of the host itself: its systemd units, Falco, swap encryption and the lunia flags."""

from __future__ import annotations

from golive.sandbox.faults.fault import BACKUP_DIR, Fault, backup, quote, restart_units, restore, wait_for
from golive.sandbox.fleet import Fleet

ENV_FILE = "/etc/lunia/lunia.env"
FALCO_UNIT = "falco-modern-bpf"
FALCO_RULES_FILE = "/etc/falco/falco_rules.yaml"
FALCO_PORT = 8765
EVIDENCE_DIR = "/usr/local/share/planted-swap-evidence"
EVIDENCE_UNIT = "planted-swap-evidence"
LUNIA_UNITS_GLOB = "lunia_*.service"
_SWAPS_HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"


# --- units ---------------------------------------------------------------------


def unit_stopped(fleet: Fleet, host: str, unit: str) -> Fault:
    return Fault(fleet, host, f"{unit} stopped", f"systemctl stop {quote(unit)}", f"systemctl start {quote(unit)}")


def unit_disabled(fleet: Fleet, host: str, unit: str) -> Fault:
    """Disabled but still running: only is-enabled shows it."""
    return Fault(fleet, host, f"{unit} disabled", f"systemctl disable -q {quote(unit)}", f"systemctl enable -q {quote(unit)}")


def unit_masked(fleet: Fleet, host: str, unit: str) -> Fault:
    """Masked in /etc (the unit file moved aside, as ``systemctl mask`` requires) and stopped."""
    path = f"/etc/systemd/system/{unit}.service"
    apply = f"systemctl disable -q --now {quote(unit)}\n{backup(path)}rm -f {quote(path)}\nsystemctl mask -q {quote(unit)}\n"
    undo = f"systemctl unmask -q {quote(unit)}\n{restore(path)}systemctl daemon-reload\nsystemctl enable -q --now {quote(unit)}\n"
    return Fault(fleet, host, f"{unit} masked", apply, undo)


def unit_failed(fleet: Fleet, host: str, unit: str) -> Fault:
    """The unit's program exits non-zero and systemd gives up: state ``failed``."""
    dropin = f"/run/systemd/system/{unit}.service.d"
    apply = (
        f"mkdir -p {quote(dropin)}\n"
        f"printf '[Service]\\nExecStart=\\nExecStart=/bin/false\\nRestart=no\\n' > {quote(dropin)}/golive-fault.conf\n"
        f"systemctl daemon-reload\nsystemctl restart {quote(unit)} || true\n"
        + wait_for(f"systemctl is-failed -q {quote(unit)}", f"{unit} did not fail")
    )
    undo = f"rm -rf {quote(dropin)}\nsystemctl daemon-reload\n" + restart_units(quote(unit))
    return Fault(fleet, host, f"{unit} failed", apply, undo)


# --- Falco ---------------------------------------------------------------------


# Undo waits for the health endpoint, so the next check sees a settled Falco.
_FALCO_HEALTHY = wait_for(
    f"python3 -c 'import urllib.request as u; u.urlopen(\"http://127.0.0.1:{FALCO_PORT}/healthz\", timeout=1)' 2>/dev/null",
    "falco healthz did not come back",
)


def falco_inactive(fleet: Fleet, host: str, unit: str = FALCO_UNIT) -> Fault:
    return Fault(fleet, host, "falco inactive", f"systemctl stop {quote(unit)}", restart_units(quote(unit)) + _FALCO_HEALTHY)


def falco_rules_missing(fleet: Fleet, host: str, rules_file: str = FALCO_RULES_FILE) -> Fault:
    """A rules file named in falco.yaml is gone while Falco keeps running."""
    return Fault(fleet, host, f"{rules_file} missing", f"{backup(rules_file)}rm -f {quote(rules_file)}\n", restore(rules_file))


def falco_healthz_down(fleet: Fleet, host: str, unit: str = FALCO_UNIT) -> Fault:
    """Falco hangs: the unit stays active and the port open, but /healthz never answers."""
    return Fault(
        fleet,
        host,
        "falco healthz down",
        f"systemctl kill -s SIGSTOP {quote(unit)}",
        f"systemctl kill -s SIGCONT {quote(unit)}",
    )


# --- swap ----------------------------------------------------------------------


def _swap_fault(fleet: Fleet, host: str, description: str, swaps: str) -> Fault:
    # Replaces the planted evidence: no dm-0 under /sys/block, no dm table.
    apply = (
        backup(EVIDENCE_DIR)
        + f"printf %s {quote(swaps)} > {EVIDENCE_DIR}/swaps\n"
        + f": > {EVIDENCE_DIR}/sysblock\n: > {EVIDENCE_DIR}/dmsetup-table\n"
        + restart_units(EVIDENCE_UNIT)
    )
    undo = restore(EVIDENCE_DIR) + restart_units(EVIDENCE_UNIT)
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

_RESTART_LUNIA = restart_units(quote(LUNIA_UNITS_GLOB))


def _current_flag(flag: str) -> str:
    # Shell snippet setting $cur to the flag's current value in the env file.
    return f"cur=$(sed -n 's/^{flag}=//p' {ENV_FILE} | tail -n 1)\n"


_FLIP = 'if [ "$cur" = true ]; then new=false; else new=true; fi\n'


def _flag_fault(fleet: Fleet, host: str, description: str, flag: str, edit: str, *, restart: bool = True) -> Fault:
    if not flag.replace("_", "").isalnum():
        raise ValueError(f"not a flag name: {flag!r}")
    apply = backup(ENV_FILE) + _current_flag(flag) + edit + (_RESTART_LUNIA if restart else "")
    undo = restore(ENV_FILE) + _RESTART_LUNIA
    return Fault(fleet, host, description, apply, undo)


def _value_or_flip(value: str | None) -> str:
    return f"new={quote(value)}\n" if value is not None else _FLIP


def flag_wrong(fleet: Fleet, host: str, flag: str, value: str | None = None) -> Fault:
    """The flag has another value (default: true and false swapped), file and process agree."""
    edit = _value_or_flip(value) + f'sed -i "s/^{flag}=.*/{flag}=$new/" {ENV_FILE}\n'
    return _flag_fault(fleet, host, f"{flag} wrong", flag, edit)


def flag_missing(fleet: Fleet, host: str, flag: str) -> Fault:
    return _flag_fault(fleet, host, f"{flag} missing", flag, f"sed -i '/^{flag}=/d' {ENV_FILE}\n")


def flag_duplicated(fleet: Fleet, host: str, flag: str, value: str | None = None) -> Fault:
    """A second line for the flag (default: the same value, so only the duplication is wrong)."""
    edit = ('new="$cur"\n' if value is None else f"new={quote(value)}\n") + f'echo "{flag}=$new" >> {ENV_FILE}\n'
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
