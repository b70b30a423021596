"""infra.time_sync on real hosts: chronyd -x on nspawn hosts, synchronised to the chronyd
the fleet runs on its bridge (golive/sandbox/timeserver.py), read by the host module's
`time_sync` group and judged by the check.

The pass path and three fail paths are real chronyd states: the daemon stopped, a 5 ms
offset (the source's `offset` option shifts what chronyd measures), and a source that
does not answer (chrony stays "Not synchronised").
"""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from golive import engine
from golive.checks.time_sync import judge_time_sync
from golive.collectors import settings_keys
from golive.config import load_config
from golive.model import Status
from golive.sandbox import ConvergeResult, Fault, Fleet
from tests.conftest import write

pytestmark = pytest.mark.integration

MODULE = Path(__file__).resolve().parents[2] / "roles" / "golive_collect" / "library" / "golive_collect.py"
CHRONY_CONF = "/etc/chrony/chrony.conf"
SAVED_CONF = "/run/golive-faults/chrony.conf"
WAIT_SYNC = "chronyc -n waitsync 40 0 0 0.5"
ONE_MS = Fraction(1)


def time_sync_facts(fleet: Fleet, host: str) -> dict[str, Any]:
    """The host module's time_sync group, run on the host as Ansible runs it (python3, stdin)."""
    source = MODULE.read_text().replace("<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>", json.dumps({"groups": {"time_sync": {"timeout": 5}}}))
    done = fleet.ssh(host, "python3 -", stdin=source, check=True)
    facts: dict[str, Any] = json.loads(done.stdout)["golive"]["time_sync"]
    return facts


def chronyd_stopped(fleet: Fleet, host: str) -> Fault:
    return Fault(fleet, host, "chronyd stopped", "systemctl stop chrony\n", f"systemctl start chrony\n{WAIT_SYNC}\n")


def rewritten_conf(fleet: Fleet, host: str, sed: str, description: str) -> Fault:
    apply = f"mkdir -p /run/golive-faults\ncp -a {CHRONY_CONF} {SAVED_CONF}\nsed -i {sed} {CHRONY_CONF}\nsystemctl restart chrony\n"
    undo = f"mv {SAVED_CONF} {CHRONY_CONF}\nsystemctl restart chrony\n{WAIT_SYNC}\n"
    return Fault(fleet, host, description, apply, undo)


@pytest.fixture(scope="module")
def synchronised(fleet: Fleet, converged: ConvergeResult) -> Fleet:
    for host in fleet.hosts:
        fleet.ssh(host, WAIT_SYNC, check=True, timeout=60)
    return fleet


def test_converged_hosts_are_synchronised_to_the_fleet_server_within_a_millisecond(synchronised: Fleet) -> None:
    for host in synchronised.hosts:
        facts = time_sync_facts(synchronised, host)
        outcome = judge_time_sync(host, facts, ONE_MS)
        assert outcome.status is Status.PASS, outcome.summary
        assert facts["tracking"]["reference"] == synchronised.gateway
        assert outcome.metrics["offset_ms"] < 1
        assert facts["seconds"] < 1  # one chronyc call


def test_a_stopped_chronyd_fails_that_host(synchronised: Fleet) -> None:
    with chronyd_stopped(synchronised, "app2"):
        outcome = judge_time_sync("app2", time_sync_facts(synchronised, "app2"), ONE_MS)
    assert outcome.status is Status.FAIL
    assert outcome.findings[0].key == "time:daemon" and "506 Cannot talk to daemon" in outcome.summary
    assert judge_time_sync("app1", time_sync_facts(synchronised, "app1"), ONE_MS).status is Status.PASS


def test_a_five_millisecond_offset_fails_and_a_larger_limit_passes_it(synchronised: Fleet) -> None:
    with rewritten_conf(synchronised, "app2", "'s/^server .*/& offset 0.005/'", "source offset by 5 ms"):
        synchronised.ssh("app2", WAIT_SYNC, check=True, timeout=60)
        facts = time_sync_facts(synchronised, "app2")
    outcome = judge_time_sync("app2", facts, ONE_MS)
    assert outcome.status is Status.FAIL, outcome.summary
    assert outcome.findings[0].key == "time:offset"
    assert judge_time_sync("app2", facts, Fraction(10)).status is Status.PASS


def test_a_source_that_never_answers_leaves_the_host_unsynchronised(synchronised: Fleet) -> None:
    silent = str(list(synchronised.network.hosts())[-1])  # on the bridge's subnet, no host there
    with rewritten_conf(synchronised, "app2", f"'s/^server [^ ]*/server {silent}/'", "unreachable source"):
        facts = time_sync_facts(synchronised, "app2")
    outcome = judge_time_sync("app2", facts, ONE_MS)
    assert outcome.status is Status.FAIL, outcome.summary
    assert outcome.findings[0].key == "time:sync"
    assert facts["tracking"]["leap_status"] == "Not synchronised"


def test_the_host_pass_judges_the_item_on_every_host(synchronised: Fleet, tmp_path: Path) -> None:
    """End to end: the check's request reaches the host pass, which gathers time_sync on
    every host of the inventory in its one visit."""
    inventory = synchronised.write_inventory(tmp_path / "inventory.yml")
    config = load_config(write(tmp_path / "golive.yml", f"release: {{repo: .}}\ninventory: {inventory}\n"), None, settings_keys())

    def item() -> dict[str, Any]:
        options = engine.RunOptions(as_of=dt.datetime.now(dt.UTC), timeout=120, out_dir=tmp_path / "out", only=["infra.time_sync"])
        document = engine.run(config, options, tmp_path / "out" / "evidence", [], [])
        found: dict[str, Any] = next(entry for entry in document["items"] if entry["id"] == "infra.time_sync")
        return found

    passed = item()
    assert passed["status"] == "pass", passed["summary"]
    assert {host: entry["status"] for host, entry in passed["hosts"].items()} == {"app1": "pass", "app2": "pass"}
    with chronyd_stopped(synchronised, "app1"):
        failed = item()
    assert failed["status"] == "fail" and failed["severity"] == "advisory"
    assert {host: entry["status"] for host, entry in failed["hosts"].items()} == {"app1": "fail", "app2": "pass"}
    assert [finding["key"] for finding in failed["findings"]] == ["time:daemon"]
