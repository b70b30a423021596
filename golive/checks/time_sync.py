"""infra.time_sync: every host's clock is synchronised to a time source, within max_offset_ms.

Per host, from the host module's `time_sync` group (one `chronyc -n -c tracking`, or
timedatectl where only systemd-timesyncd runs):

- fail: no chrony and no timesyncd (timedated's NTP=no); chronyd not answering;
  chrony's leap status "Not synchronised"; no time source (reference 00000000, or the
  local clock 7F7F0101 = LOCL); an offset at or above max_offset_ms; timesyncd
  reporting the clock unsynchronised or naming no server.
- insufficient: chronyc's answer unreadable (timed out, garbled, a field that is not a
  finite decimal, an unknown leap status), and a timesyncd host that is synchronised:
  timesyncd publishes no offset, so the limit cannot be checked.

The offset is chrony's "System time" (how far the system clock is from chrony's estimate
of true time), read from its decimal text and compared exactly.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.checks.exact import NotANumber, exact, shown
from golive.checks.hostfacts import on_item_hosts, per_host
from golive.collectors import Evidence, Request
from golive.model import Finding, Outcome, Status

GROUP = "time_sync"
# chrony's reference ids that are not a time source: none selected, and its own clock.
NO_REFERENCE = "00000000"
LOCAL_REFERENCE = "7F7F0101"
LEAP_SYNCHRONISED = ("Normal", "Insert second", "Delete second")
_REFERENCE_ID = re.compile(r"[0-9A-F]{8}")


def time_sync_requests(item: ItemSpec) -> list[Request]:
    return on_item_hosts(item, GROUP, {"timeout": item.params["timeout_seconds"]})


@check("infra.time_sync", requests=time_sync_requests)
def time_sync(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> dict[str, Outcome]:
    max_offset_ms = exact(item.params["max_offset_ms"])

    def judge(host: str, facts: dict[str, Any]) -> Outcome:
        return judge_time_sync(host, facts, max_offset_ms)

    return per_host(item, evidence, GROUP, judge)


def judge_time_sync(host: str, facts: dict[str, Any], max_offset_ms: Fraction) -> Outcome:
    daemon = facts.get("daemon")
    if daemon is None and "unreadable" not in facts:
        return failed(host, "time:daemon", "no time synchronisation: neither chrony nor systemd-timesyncd (timedatectl NTP=no)")
    if facts.get("unreadable"):
        return Outcome(Status.INSUFFICIENT, f"{facts.get('command', daemon)}: {facts['unreadable']}")
    if daemon == "chrony":
        return judge_chrony(host, facts, max_offset_ms)
    if daemon == "timesyncd":
        return judge_timesyncd(host, facts)
    return Outcome(Status.INSUFFICIENT, f"unknown time daemon {str(daemon)[:40]!r} in the host facts")


def failed(host: str, key: str, detail: str) -> Outcome:
    return Outcome.from_findings([Finding(key, Status.FAIL, detail, host=host)], "")


def judge_chrony(host: str, facts: dict[str, Any], max_offset_ms: Fraction) -> Outcome:
    if facts.get("not_running"):
        return failed(host, "time:daemon", f"chrony is installed but chronyd does not answer: {facts['not_running']}")
    tracking = facts.get("tracking")
    if not isinstance(tracking, dict):
        return Outcome(Status.INSUFFICIENT, "chronyc tracking returned no fields")
    leap = str(tracking.get("leap_status", ""))
    reference_id = str(tracking.get("reference_id", ""))
    source = str(tracking.get("reference") or reference_id)
    if leap == "Not synchronised":
        return failed(host, "time:sync", f"chrony is not synchronised (leap status 'Not synchronised', reference {source or 'none'})")
    if leap not in LEAP_SYNCHRONISED or not _REFERENCE_ID.fullmatch(reference_id):
        return Outcome(Status.INSUFFICIENT, f"chronyc tracking unreadable: leap status {leap[:40]!r}, reference id {reference_id[:40]!r}")
    if reference_id == NO_REFERENCE:
        return failed(host, "time:source", "chrony has no time source (reference id 00000000)")
    if reference_id == LOCAL_REFERENCE:
        return failed(host, "time:source", "chrony serves its own clock (local reference LOCL), no time source configured")
    try:
        offset_ms = abs(exact(tracking.get("system_time"))) * 1000
    except NotANumber as exc:
        return Outcome(Status.INSUFFICIENT, f"chrony's system time offset is unreadable: {exc}")
    described = f"offset {shown(offset_ms, 3)} ms, limit {shown(max_offset_ms, 3)} ms"
    if offset_ms >= max_offset_ms:
        return failed(host, "time:offset", f"clock offset at or above max_offset_ms: {described} (source {source})")
    stratum = str(tracking.get("stratum", "?"))[:8]
    outcome = Outcome.passed(f"chrony synchronised to {source} (stratum {stratum}), {described}")
    outcome.metrics["offset_ms"] = float(offset_ms)
    return outcome


def judge_timesyncd(host: str, facts: dict[str, Any]) -> Outcome:
    timedated = facts.get("timedated") or {}
    timesync = facts.get("timesync") or {}
    if timedated.get("NTPSynchronized") != "yes":
        return failed(host, "time:sync", f"systemd-timesyncd: clock not synchronised (NTPSynchronized={timedated.get('NTPSynchronized')})")
    server = timesync.get("ServerAddress") or timesync.get("ServerName")
    if not server:
        return failed(host, "time:source", "systemd-timesyncd names no time server (ServerName and ServerAddress empty)")
    return Outcome(
        Status.INSUFFICIENT,
        f"systemd-timesyncd synchronised to {server}, but it publishes no offset: max_offset_ms cannot be checked (chrony reports one)",
    )
