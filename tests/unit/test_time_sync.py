"""infra.time_sync on chronyc output recorded from real chronyd runs (tests/fixtures/chrony/).

The recordings come from chronyd 4.3 with -x in a network namespace of the sandbox VM,
synchronised to a chronyd serving the VM's clock on a bridge (`local stratum 10`):
synchronised, a 5 ms offset (the source's `offset 0.005` option), an unreachable source
(not synchronised), a local-only reference, and chronyc with no daemon to talk to.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from golive.checklist import ConfigError, load_default
from golive.checklist.params import merge_params
from golive.checks import JudgeContext
from golive.checks.time_sync import judge_time_sync, time_sync_requests
from golive.collectors import Evidence, Request
from golive.config import Config
from golive.judging import judge
from golive.model import ItemResult, Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "chrony"
ONE_MS = Fraction(1)


def recorded(name: str) -> str:
    return (FIXTURES / name).read_text()


def chronyc_answer(monkeypatch: pytest.MonkeyPatch, module: ModuleType, stdout: str = "", stderr: str = "", rc: int = 0) -> list[list[str]]:
    calls: list[list[str]] = []

    def fake_run(argv: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        return subprocess.CompletedProcess(argv, rc, stdout, stderr)

    monkeypatch.setattr(module, "run", fake_run)
    monkeypatch.setattr(module, "which", lambda name: f"/usr/bin/{name}" if name == "chronyc" else None)
    return calls


def host_facts(monkeypatch: pytest.MonkeyPatch, module: ModuleType, **answer: Any) -> dict[str, Any]:
    chronyc_answer(monkeypatch, module, **answer)
    facts: dict[str, Any] = module.time_sync_facts({"timeout": 5})
    return facts


def with_system_time(module: ModuleType, value: str) -> dict[str, Any]:
    tracking = module.parse_chrony_tracking(recorded("tracking-synchronised.csv"))
    return {"daemon": "chrony", "tracking": {**tracking, "system_time": value}}


def judged(hosts: dict[str, dict[str, Any]], **params: Any) -> ItemResult:
    checklist = load_default()
    item = checklist.get("infra.time_sync")
    assert item is not None
    item.params.update(params)
    config = Config(path=Path("golive.yml"), base_dir=Path("."), environment="test", checklist=checklist, release={}, sources={})
    data = {"patterns": {"all": sorted(hosts)}, "hosts": {host: {"time_sync": facts} for host, facts in hosts.items()}}
    ctx = JudgeContext(config, dt.datetime(2026, 12, 2, tzinfo=dt.UTC), {"hosts": Evidence("hosts", data=data)})
    return judge(item, config, ctx)


# --- the host module ---------------------------------------------------------------------


def test_one_chronyc_call_without_name_lookups_reads_every_tracking_field(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> None:
    calls = chronyc_answer(monkeypatch, module, stdout=recorded("tracking-synchronised.csv"))
    facts = module.time_sync_facts({"timeout": 5})
    assert calls == [["/usr/bin/chronyc", "-n", "-c", "tracking"]]
    assert facts["daemon"] == "chrony"
    assert facts["tracking"]["reference"] == "10.231.250.1"
    assert facts["tracking"]["system_time"] == "-0.000020116"  # text, never a float
    assert facts["tracking"]["leap_status"] == "Normal"
    assert module.GROUPS["time_sync"] is module.time_sync_facts


@pytest.mark.parametrize(
    ("stdout", "stderr"),
    [(recorded("tracking-daemon-down.stdout"), ""), ("", recorded("tracking-no-socket.stderr"))],
)
def test_chronyc_without_a_daemon_is_reported_as_not_running(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, stdout: str, stderr: str
) -> None:
    facts = host_facts(monkeypatch, module, stdout=stdout, stderr=stderr, rc=1)
    assert facts["not_running"] == (stdout or stderr).strip()
    assert "tracking" not in facts and "unreadable" not in facts


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"stdout": "", "stderr": "501 Not authorised", "rc": 1}, "chronyc exited 1: 501 Not authorised"),
        ({"stdout": "Reference ID    : 0AE7FA01 (10.231.250.1)\nStratum         : 11\n"}, "printed 2 lines"),
        ({"stdout": "0AE7FA01,10.231.250.1,11,1796241078.4\n"}, "printed 4 fields, expected 14"),
        ({"stdout": ""}, "printed 0 lines"),
    ],
)
def test_a_garbled_or_refused_answer_is_unreadable(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, answer: dict[str, Any], reason: str
) -> None:
    facts = host_facts(monkeypatch, module, **answer)
    assert reason in facts["unreadable"]


def test_a_chronyc_that_hangs_is_unreadable(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> None:
    def hanging(argv: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
        raise subprocess.TimeoutExpired(argv, timeout)

    monkeypatch.setattr(module, "run", hanging)
    monkeypatch.setattr(module, "which", lambda name: "/usr/bin/chronyc" if name == "chronyc" else None)
    assert module.time_sync_facts({"timeout": 2})["unreadable"] == "chronyc gave no answer within 2 s"


def test_a_huge_answer_is_cut_before_it_leaves_the_host(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> None:
    facts = host_facts(monkeypatch, module, stdout="x" * 100_000, stderr="", rc=3)
    assert len(facts["unreadable"]) < 400


def timedatectl(monkeypatch: pytest.MonkeyPatch, module: ModuleType, show: str, timesync: str = "") -> None:
    answers = {"show": show, "show-timesync": timesync}

    def fake_run(argv: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(argv, 0, answers[argv[1]], "")

    monkeypatch.setattr(module, "run", fake_run)
    monkeypatch.setattr(module, "which", lambda name: "/usr/bin/timedatectl" if name == "timedatectl" else None)


# timedatectl's `show` and `show-timesync` print Property=value lines (systemd 252).
TIMEDATED = "Timezone=Etc/UTC\nLocalRTC=no\nCanNTP=yes\nNTP={ntp}\nNTPSynchronized={synced}\nTimeUSec=Wed 2026-12-02 20:00:00 UTC\n"
TIMESYNC = "LinkNTPServers=\nSystemNTPServers=10.0.0.1\nFallbackNTPServers=\nServerName={server}\nServerAddress={address}\nRootDistanceMaxUSec=5s\n"


def test_timesyncd_is_read_through_timedatectl_when_chrony_is_absent(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> None:
    timedatectl(monkeypatch, module, TIMEDATED.format(ntp="yes", synced="yes"), TIMESYNC.format(server="10.0.0.1", address="10.0.0.1"))
    facts = module.time_sync_facts({})
    assert facts["daemon"] == "timesyncd"
    assert facts["timedated"] == {"NTP": "yes", "NTPSynchronized": "yes", "CanNTP": "yes"}
    assert facts["timesync"]["ServerAddress"] == "10.0.0.1"


def test_no_chrony_and_ntp_off_is_no_time_daemon(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> None:
    timedatectl(monkeypatch, module, TIMEDATED.format(ntp="no", synced="no"))
    assert module.time_sync_facts({})["daemon"] is None
    monkeypatch.setattr(module, "which", lambda name: None)
    assert module.time_sync_facts({}) == {"daemon": None}


# --- the check ---------------------------------------------------------------------------


def test_the_recorded_synchronised_host_passes_with_its_offset(module: ModuleType) -> None:
    facts = {"daemon": "chrony", "tracking": module.parse_chrony_tracking(recorded("tracking-synchronised.csv"))}
    outcome = judge_time_sync("app1", facts, ONE_MS)
    assert outcome.status is Status.PASS, outcome.summary
    assert "chrony synchronised to 10.231.250.1 (stratum 11), offset 0.020 ms" in outcome.summary
    assert outcome.metrics["offset_ms"] == pytest.approx(0.020116)


@pytest.mark.parametrize(
    ("fixture", "key", "words"),
    [
        ("tracking-offset-5ms.csv", "time:offset", "offset 5.001 ms, limit 1.000 ms"),
        ("tracking-not-synchronised.csv", "time:sync", "not synchronised"),
        ("tracking-local-reference.csv", "time:source", "serves its own clock"),
    ],
)
def test_each_recorded_unsynchronised_state_fails_with_its_reason(module: ModuleType, fixture: str, key: str, words: str) -> None:
    facts = {"daemon": "chrony", "tracking": module.parse_chrony_tracking(recorded(fixture))}
    outcome = judge_time_sync("app2", facts, ONE_MS)
    assert outcome.status is Status.FAIL
    assert [(finding.key, finding.host) for finding in outcome.findings] == [(key, "app2")]
    assert words in outcome.summary


def test_no_reference_with_a_normal_leap_status_is_no_source(module: ModuleType) -> None:
    tracking = {**module.parse_chrony_tracking(recorded("tracking-synchronised.csv")), "reference_id": "00000000", "reference": ""}
    outcome = judge_time_sync("app1", {"daemon": "chrony", "tracking": tracking}, ONE_MS)
    assert outcome.status is Status.FAIL and outcome.findings[0].key == "time:source"


@pytest.mark.parametrize(
    ("system_time", "limit", "status"),
    [
        ("0.001000000", "1", Status.FAIL),  # exactly at the limit is not below it
        ("-0.001000000", "1", Status.FAIL),  # the sign only says fast or slow
        ("0.000999999", "1", Status.PASS),
        ("-0.000999999", "1", Status.PASS),
        # 0.00007 s is 0.07 ms exactly; 0.00007 * 1000 in binary floats is 0.06999999999999999.
        ("0.00007", "0.07", Status.FAIL),
        ("0.000069999", "0.07", Status.PASS),
    ],
)
def test_the_offset_is_compared_exactly_with_the_limit(module: ModuleType, system_time: str, limit: str, status: Status) -> None:
    outcome = judge_time_sync("app1", with_system_time(module, system_time), Fraction(Decimal(limit)))
    assert outcome.status is status, outcome.summary


@pytest.mark.parametrize("system_time", ["nan", "NaN", "inf", "-Infinity", "", "0.0000x1", "1e", "0x10"])
def test_an_offset_that_is_not_a_finite_decimal_is_insufficient(module: ModuleType, system_time: str) -> None:
    outcome = judge_time_sync("app1", with_system_time(module, system_time), ONE_MS)
    assert outcome.status is Status.INSUFFICIENT
    assert "system time offset is unreadable" in outcome.summary


@pytest.mark.parametrize(
    ("facts", "status", "words"),
    [
        ({"daemon": None}, Status.FAIL, "no time synchronisation"),
        ({"daemon": "chrony", "not_running": "506 Cannot talk to daemon"}, Status.FAIL, "chronyd does not answer: 506"),
        (
            {"daemon": "chrony", "command": "chronyc -n -c tracking", "unreadable": "printed 0 lines"},
            Status.INSUFFICIENT,
            "printed 0 lines",
        ),
        ({"daemon": "chrony"}, Status.INSUFFICIENT, "returned no fields"),
        ({"daemon": "ntpd"}, Status.INSUFFICIENT, "unknown time daemon 'ntpd'"),
        (
            {"daemon": "timesyncd", "timedated": {"NTPSynchronized": "yes"}, "timesync": {"ServerAddress": "10.0.0.1"}},
            Status.INSUFFICIENT,
            "publishes no offset",
        ),
        ({"daemon": "timesyncd", "timedated": {"NTPSynchronized": "no"}, "timesync": {}}, Status.FAIL, "not synchronised"),
        (
            {"daemon": "timesyncd", "timedated": {"NTPSynchronized": "yes"}, "timesync": {"ServerName": ""}},
            Status.FAIL,
            "names no time server",
        ),
    ],
)
def test_daemon_states(facts: dict[str, Any], status: Status, words: str) -> None:
    outcome = judge_time_sync("app1", facts, ONE_MS)
    assert outcome.status is status and words in outcome.summary, outcome.summary


@pytest.mark.parametrize("field", ["leap_status", "reference_id"])
def test_an_unknown_leap_status_or_reference_id_is_insufficient(module: ModuleType, field: str) -> None:
    facts = with_system_time(module, "0.0")
    facts["tracking"][field] = "garbage"
    assert judge_time_sync("app1", facts, ONE_MS).status is Status.INSUFFICIENT


def test_the_item_is_judged_per_host_and_one_bad_clock_fails_it(module: ModuleType) -> None:
    good = {"daemon": "chrony", "tracking": module.parse_chrony_tracking(recorded("tracking-synchronised.csv"))}
    bad = {"daemon": "chrony", "tracking": module.parse_chrony_tracking(recorded("tracking-offset-5ms.csv"))}
    result = judged({"app1": good, "app2": bad})
    assert result.status is Status.FAIL
    assert result.hosts is not None
    assert {host: outcome.status for host, outcome in result.hosts.items()} == {"app1": Status.PASS, "app2": Status.FAIL}
    assert judged({"app1": good, "app2": good}, max_offset_ms=0.01).status is Status.FAIL  # 0.020 ms is above 0.01 ms


def test_the_item_is_advisory_beyond_the_seed_and_asks_every_host_once() -> None:
    item = load_default().get("infra.time_sync")
    assert item is not None
    assert (item.severity, item.hosts, item.seed_line, item.source) == ("advisory", "all", False, "hosts")
    assert time_sync_requests(item) == [Request(source="hosts", what="time_sync", args={"timeout": 5}, hosts="all")]


@pytest.mark.parametrize("value", [0, -1, 3600001])
def test_max_offset_ms_must_be_a_positive_limit(value: float) -> None:
    item = load_default().get("infra.time_sync")
    assert item is not None
    with pytest.raises(ConfigError, match="max_offset_ms"):
        merge_params(item, {"max_offset_ms": value}, lambda name: name)


def text_offset(text: str) -> tuple[str, str]:
    match = re.search(r"System time\s+: (\S+) seconds (fast|slow) of NTP time", text)
    assert match
    return match[1], match[2]


@pytest.mark.parametrize("state", ["synchronised", "offset-5ms", "not-synchronised", "local-reference"])
def test_the_csv_agrees_with_chronycs_text_output(module: ModuleType, state: str) -> None:
    """chronyc's CSV prints the system time signed: negative is fast, positive slow."""
    csv = module.parse_chrony_tracking(recorded(f"tracking-{state}.csv"))
    text = recorded(f"tracking-{state}.txt")
    magnitude, direction = text_offset(text)
    assert abs(abs(Decimal(csv["system_time"])) - Decimal(magnitude)) < Decimal("0.000001")
    if Decimal(csv["system_time"]) != 0:
        assert (Decimal(csv["system_time"]) < 0) == (direction == "fast")
    assert f"Leap status     : {csv['leap_status']}" in text
    assert f"Reference ID    : {csv['reference_id']} ({csv['reference']})" in text
