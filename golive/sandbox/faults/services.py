"""Faults of the services a host runs: its WAF (ModSecurity), CrowdSec, backups and the
endpoints the app depends on (Redis, PostgreSQL, the LLM)."""

from __future__ import annotations

from golive.sandbox.faults.fault import BACKUP_DIR, Fault, backup, restart_units, restore, wait_for
from golive.sandbox.fleet import Fleet

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
_BOUNCER_FRESH = wait_for(
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
        + restart_units(BOUNCER_UNIT)
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
    return Fault(fleet, host, "stale bouncer", apply, restart_units(BOUNCER_UNIT) + _BOUNCER_FRESH)


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
    saved = backup(RESTIC_REPOSITORY) + backup(RESTORE_RECORDS)
    return Fault(fleet, host, description, saved + _RESTIC + edit, restore(RESTIC_REPOSITORY) + restore(RESTORE_RECORDS))


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
    apply = backup(BACKUP_CANARY) + backup(RESTORE_RECORDS) + f"echo tampered >> {BACKUP_CANARY}/canary.txt\n"
    return Fault(fleet, host, "restore checksum mismatch", apply, restore(BACKUP_CANARY) + restore(RESTORE_RECORDS))


# --- endpoints ---------------------------------------------------------------------

ENDPOINTS_FILE = "/etc/lunia/endpoints.env"
LLM_MODEL = "/var/lib/lunia-llm/model.bin"
POSTGRES_UNIT = "postgresql@15-main"


def redis_wrong_password(fleet: Fleet, host: str) -> Fault:
    """The app host's REDIS_URL carries a password Redis does not accept."""
    edit = f"sed -i 's#^\\(REDIS_URL=redis://[^:]*:\\)[^@]*@#\\1not-the-password@#' {ENDPOINTS_FILE}\n"
    return Fault(fleet, host, "Redis wrong password", backup(ENDPOINTS_FILE) + edit, restore(ENDPOINTS_FILE))


def postgres_down(fleet: Fleet, host: str) -> Fault:
    """PostgreSQL stopped on the data host."""
    ready = wait_for("runuser -u postgres -- pg_isready -q", "postgresql did not come back")
    return Fault(fleet, host, "PostgreSQL down", f"systemctl stop {POSTGRES_UNIT}", restart_units(POSTGRES_UNIT) + ready)


def llm_error(fleet: Fleet, host: str) -> Fault:
    """The LLM endpoint answers 500 (its model file is gone) while the service stays up."""
    return Fault(fleet, host, "LLM answering 500", f"{backup(LLM_MODEL)}rm -f {LLM_MODEL}\n", restore(LLM_MODEL))
