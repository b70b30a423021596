"""Reversible breaks of one sandbox host, applied over ssh.

Each factory returns a ``Fault``; use it as a context manager (``with unit_stopped(
fleet, "app1", "lunia_bot"):``) or call ``apply()`` / ``undo()``.  Faults change the
host the way an operator mistake or an incident would (systemctl, edited files, a
hung process), never through a switch in product code.  Originals are kept on the host
under /run/golive-faults, so ``undo()`` restores exactly what was there.
"""

from __future__ import annotations

from collections.abc import Callable

from golive.sandbox.faults.fault import Fault, FaultError
from golive.sandbox.faults.host import (
    FALCO_RULES_FILE,
    FALCO_UNIT,
    falco_healthz_down,
    falco_inactive,
    falco_rules_missing,
    flag_duplicated,
    flag_missing,
    flag_stale,
    flag_wrong,
    swap_none,
    swap_plain,
    swap_zram,
    unit_disabled,
    unit_failed,
    unit_masked,
    unit_stopped,
)
from golive.sandbox.faults.services import (
    bouncer_missing,
    bouncer_stale,
    llm_error,
    modsecurity_bypass_location,
    modsecurity_crs_missing,
    modsecurity_detection_only,
    modsecurity_engine_off,
    pack_corrupted,
    postgres_down,
    redis_wrong_password,
    restore_checksum_mismatch,
    restore_record_snapshot_deleted,
    snapshot_stale,
)
from golive.sandbox.fleet import Fleet

__all__ = ["FAULTS", "Fault", "FaultError"]

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
