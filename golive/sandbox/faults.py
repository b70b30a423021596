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


# --- WAF (ModSecurity) ------------------------------------------------------------
# The reference role runs Apache (mod_security2) or nginx (libmodsecurity3) per host:
# each fault finds the running server and breaks its configuration.

_WEB_SERVER = (
    "if systemctl -q is-active nginx; then unit=nginx; conf=/etc/nginx/modsecurity.conf; "
    "else unit=apache2; conf=/etc/modsecurity/modsecurity.conf; fi\n"
)
_WEB_FAULT = f"{BACKUP_DIR}/web"


def _web_fault(fleet: Fleet, host: str, description: str, files: str, edit: str) -> Fault:
    """Saves `files` (shell words, may use $conf) with their paths, applies `edit`, restarts the server."""
    apply = (
        _WEB_SERVER
        + f"if [ -e {_WEB_FAULT} ]; then echo 'already broken (undo the earlier fault first)' >&2; exit 1; fi\n"
        + f"mkdir -p {_WEB_FAULT}\necho $unit > {_WEB_FAULT}/unit\n: > {_WEB_FAULT}/paths\n"
        + f'for f in {files}; do if [ -e "$f" ]; then echo "$f" >> {_WEB_FAULT}/paths; cp -a "$f" {_WEB_FAULT}/$(echo "$f" | tr / _); fi; done\n'
        + edit
        + "systemctl restart $unit\n"
    )
    undo = (
        f"unit=$(cat {_WEB_FAULT}/unit)\n"
        + "rm -f /etc/apache2/conf-enabled/zz-golive-fault.conf\n"
        + f'while read -r f; do rm -rf "$f"; cp -a {_WEB_FAULT}/$(echo "$f" | tr / _) "$f"; done < {_WEB_FAULT}/paths\n'
        + f"rm -rf {_WEB_FAULT}\nsystemctl restart $unit\n"
    )
    return Fault(fleet, host, description, apply, undo)


def modsecurity_detection_only(fleet: Fleet, host: str) -> Fault:
    """SecRuleEngine DetectionOnly: attacks are logged and let through."""
    return _web_fault(
        fleet, host, "ModSecurity DetectionOnly", '"$conf"', "sed -i 's/^SecRuleEngine .*/SecRuleEngine DetectionOnly/' \"$conf\"\n"
    )


def modsecurity_engine_off(fleet: Fleet, host: str) -> Fault:
    return _web_fault(fleet, host, "ModSecurity engine off", '"$conf"', "sed -i 's/^SecRuleEngine .*/SecRuleEngine Off/' \"$conf\"\n")


def modsecurity_crs_missing(fleet: Fleet, host: str) -> Fault:
    """The OWASP CRS is no longer loaded (Apache's IncludeOptional finds nothing; nginx's include is gone)."""
    files = "/usr/share/modsecurity-crs/owasp-crs.load /etc/nginx/modsecurity_includes.conf"
    edit = (
        'if [ "$unit" = nginx ]; then sed -i "/modsecurity-crs\\|\\/crs\\//d" /etc/nginx/modsecurity_includes.conf; '
        "else rm -f /usr/share/modsecurity-crs/owasp-crs.load; fi\n"
    )
    return _web_fault(fleet, host, "OWASP CRS missing", files, edit)


def modsecurity_bypass_location(fleet: Fleet, host: str, location: str = "/api/") -> Fault:
    """One location turns the engine off; the site root still blocks."""
    if not location.startswith("/") or any(char in location for char in " '\"\\;{}<>"):
        raise ValueError(f"not a location: {location!r}")
    edit = (
        'if [ "$unit" = nginx ]; then '
        f"sed -i 's#^    location / {{#    location {location} {{\\n        modsecurity off;\\n    }}\\n\\n    location / {{#' /etc/nginx/sites-available/lunia; "
        f"else printf '<Location {location}>\\n    SecRuleEngine Off\\n</Location>\\n' > /etc/apache2/conf-enabled/zz-golive-fault.conf; fi\n"
    )
    return _web_fault(fleet, host, f"location {location} bypasses ModSecurity", "/etc/nginx/sites-available/lunia", edit)


# --- CrowdSec ----------------------------------------------------------------------

BOUNCER_UNIT = "crowdsec-bouncer-standin"
BOUNCER_CONFIG = "/etc/crowdsec/bouncers/crowdsec-firewall-bouncer.yaml.local"
_BOUNCER_NAME = "cscli bouncers list -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0][\"name\"])'"
_BOUNCER_FRESH = _wait_for(
    "cscli bouncers list -o json | python3 -c 'import datetime as d, json, sys; "
    'p = json.load(sys.stdin)[0]["last_pull"][:19]; '
    "sys.exit(0 if d.datetime.utcnow() - d.datetime.fromisoformat(p) < d.timedelta(seconds=60) else 1)'",
    "the bouncer did not pull again",
)


def bouncer_missing(fleet: Fleet, host: str) -> Fault:
    """No bouncer registered: decisions reach no firewall."""
    apply = (
        f"mkdir -p {BACKUP_DIR}\n{_BOUNCER_NAME} > {BACKUP_DIR}/bouncer.name\n"
        f'systemctl stop {BOUNCER_UNIT}\ncscli bouncers delete "$(cat {BACKUP_DIR}/bouncer.name)" >/dev/null\n'
    )
    undo = (
        f"key=$(sed -n 's/^api_key: *//p' {BOUNCER_CONFIG})\n"
        f'cscli bouncers add "$(cat {BACKUP_DIR}/bouncer.name)" -k "$key" >/dev/null\nrm -f {BACKUP_DIR}/bouncer.name\n'
        + _restart(BOUNCER_UNIT)
        + _BOUNCER_FRESH
    )
    return Fault(fleet, host, "no bouncer", apply, undo)


def bouncer_stale(fleet: Fleet, host: str, days: int = 2) -> Fault:
    """The bouncer stopped pulling days ago (its last pull is backdated as the LAPI stores it)."""
    apply = (
        f"systemctl stop {BOUNCER_UNIT}\n"
        'python3 -c \'import sqlite3; c = sqlite3.connect("/var/lib/crowdsec/data/crowdsec.db"); '
        f'c.execute("UPDATE bouncers SET last_pull = datetime(\\"now\\", \\"-{int(days)} days\\")"); c.commit()\'\n'
    )
    return Fault(fleet, host, "stale bouncer", apply, _restart(BOUNCER_UNIT) + _BOUNCER_FRESH)


# --- backups -----------------------------------------------------------------------

RESTIC_ENV = "/etc/lunia/restic.env"
RESTIC_REPOSITORY = "/var/backups/lunia-restic"
BACKUP_CANARY = "/var/lib/lunia/canary"
RESTORE_RECORDS = "/var/lib/golive/restore-records"
_RESTIC = f"set -a; . {RESTIC_ENV}; set +a\n"
_SNAPSHOT_IDS = (
    'restic snapshots --no-cache --json | python3 -c \'import json, sys; print(" ".join(s["id"] for s in json.load(sys.stdin)))\''
)


def _repository_fault(fleet: Fleet, host: str, description: str, edit: str) -> Fault:
    saved = _backup(RESTIC_REPOSITORY) + _backup(RESTORE_RECORDS)
    return Fault(fleet, host, description, saved + _RESTIC + edit, _restore(RESTIC_REPOSITORY) + _restore(RESTORE_RECORDS))


def snapshot_stale(fleet: Fleet, host: str, days: int = 3) -> Fault:
    """Only a snapshot taken `days` ago is left: the backup job stopped running."""
    edit = (
        f"ids=$({_SNAPSHOT_IDS})\n"
        f"restic backup --no-cache -q --time \"$(date -u -d '-{int(days)} days' '+%Y-%m-%d %H:%M:%S')\" {BACKUP_CANARY} >/dev/null\n"
        "restic forget --no-cache -q $ids >/dev/null\n"
    )
    return _repository_fault(fleet, host, "stale snapshot", edit)


def pack_corrupted(fleet: Fleet, host: str) -> Fault:
    """Bytes flipped inside one pack file: `restic check` without reading data still passes."""
    edit = (
        f'pack=$(find {RESTIC_REPOSITORY}/data -type f | head -n 1)\nchmod u+w "$pack"\n'
        'python3 -c \'import sys; f = open(sys.argv[1], "r+b"); f.seek(40); b = f.read(16); f.seek(40); '
        'f.write(bytes(x ^ 0xFF for x in b))\' "$pack"\n'
    )
    return _repository_fault(fleet, host, "corrupted pack", edit)


def restore_record_snapshot_deleted(fleet: Fleet, host: str) -> Fault:
    """A newer snapshot exists, but the one the restore record names was forgotten."""
    edit = (
        f'old=$(python3 -c \'import json; print(json.load(open("{RESTORE_RECORDS}/restic.json"))["snapshot"])\')\n'
        f'restic backup --no-cache -q {BACKUP_CANARY} >/dev/null\nrestic forget --no-cache -q "$old" >/dev/null\n'
    )
    return _repository_fault(fleet, host, "restore record names a deleted snapshot", edit)


def restore_checksum_mismatch(fleet: Fleet, host: str) -> Fault:
    """The canary changed since the snapshot: a restore no longer reproduces it."""
    apply = _backup(BACKUP_CANARY) + _backup(RESTORE_RECORDS) + f"echo tampered >> {BACKUP_CANARY}/canary.txt\n"
    return Fault(fleet, host, "restore checksum mismatch", apply, _restore(BACKUP_CANARY) + _restore(RESTORE_RECORDS))


# --- endpoints ---------------------------------------------------------------------

ENDPOINTS_FILE = "/etc/lunia/endpoints.env"
LLM_MODEL = "/var/lib/lunia-llm/model.bin"
POSTGRES_UNIT = "postgresql@15-main"


def redis_wrong_password(fleet: Fleet, host: str) -> Fault:
    """The app host's REDIS_URL carries a password Redis does not accept."""
    edit = f"sed -i 's#^\\(REDIS_URL=redis://[^:]*:\\)[^@]*@#\\1not-the-password@#' {ENDPOINTS_FILE}\n"
    return Fault(fleet, host, "Redis wrong password", _backup(ENDPOINTS_FILE) + edit, _restore(ENDPOINTS_FILE))


def postgres_down(fleet: Fleet, host: str) -> Fault:
    """PostgreSQL stopped on the data host."""
    ready = _wait_for("runuser -u postgres -- pg_isready -q", "postgresql did not come back")
    return Fault(fleet, host, "PostgreSQL down", f"systemctl stop {POSTGRES_UNIT}", _restart(POSTGRES_UNIT) + ready)


def llm_error(fleet: Fleet, host: str) -> Fault:
    """The LLM endpoint answers 500 (its model file is gone) while the service stays up."""
    return Fault(fleet, host, "LLM answering 500", f"{_backup(LLM_MODEL)}rm -f {LLM_MODEL}\n", _restore(LLM_MODEL))


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
    "modsecurity-detection-only": lambda f, h, a: modsecurity_detection_only(f, h),
    "modsecurity-engine-off": lambda f, h, a: modsecurity_engine_off(f, h),
    "modsecurity-crs-missing": lambda f, h, a: modsecurity_crs_missing(f, h),
    "modsecurity-bypass-location": lambda f, h, a: modsecurity_bypass_location(f, h, a or "/api/"),
    "bouncer-missing": lambda f, h, a: bouncer_missing(f, h),
    "bouncer-stale": lambda f, h, a: bouncer_stale(f, h),
    "snapshot-stale": lambda f, h, a: snapshot_stale(f, h),
    "pack-corrupted": lambda f, h, a: pack_corrupted(f, h),
    "restore-checksum-mismatch": lambda f, h, a: restore_checksum_mismatch(f, h),
    "restore-record-snapshot-deleted": lambda f, h, a: restore_record_snapshot_deleted(f, h),
    "redis-wrong-password": lambda f, h, a: redis_wrong_password(f, h),
    "postgres-down": lambda f, h, a: postgres_down(f, h),
    "llm-error": lambda f, h, a: llm_error(f, h),
}
