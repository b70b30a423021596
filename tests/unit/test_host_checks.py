"""Host checks on host-pass outputs recorded from the sandbox fleet (tests/fixtures/hosts/).

Each fixture is the `hosts` evidence of one run against two converged hosts with one
fault applied to app2 (see golive/sandbox/faults.py); host-faults.json adds an
unreachable host, one with a wrong key, one that times out, and app2 without python3.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any, cast

import pytest

from golive.checklist import load_default
from golive.checks import JudgeContext
from golive.collectors import Evidence
from golive.collectors.hosts import HostsData
from golive.config import Config
from golive.engine import judge
from golive.model import ItemResult, Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hosts"
HOST_ITEMS = (
    "infra.systemd_services",
    "infra.falco",
    "infra.encrypted_swap",
    "flags.binance_live_trading",
    "flags.binance_force_mock",
    "flags.infra_prod_enabled",
    "flags.frontend_signal_health",
)


def recorded(name: str) -> HostsData:
    data: HostsData = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def judged(data: HostsData, item_id: str, **params: Any) -> ItemResult:
    checklist = load_default()
    item = checklist.get(item_id)
    assert item is not None
    item.params.update(params)
    config = Config(path=Path("golive.yml"), base_dir=Path("."), environment="test", checklist=checklist, release={}, sources={})
    ctx = JudgeContext(config, dt.datetime(2026, 11, 29, tzinfo=dt.UTC), {"hosts": Evidence("hosts", data=cast("dict[str, Any]", data))})
    return judge(item, config, ctx)


def keys(result: ItemResult, host: str) -> list[str]:
    assert result.hosts is not None
    return [finding.key for finding in result.hosts[host].findings]


@pytest.mark.parametrize("item_id", HOST_ITEMS)
def test_compliant_hosts_pass_every_host_item(item_id: str) -> None:
    result = judged(recorded("compliant"), item_id)
    assert result.status is Status.PASS, result.summary
    assert set(result.hosts or {}) == {"app1", "app2"}


@pytest.mark.parametrize(
    ("fault", "item_id", "key", "words"),
    [
        ("unit-stopped", "infra.systemd_services", "unit:lunia_bot", "lunia_bot inactive"),
        ("unit-disabled", "infra.systemd_services", "unit:lunia_bot", "lunia_bot disabled"),
        ("unit-masked", "infra.systemd_services", "unit:lunia_bot", "lunia_bot masked"),
        ("unit-failed", "infra.systemd_services", "unit:lunia_bot", "lunia_bot failed"),
        ("falco-inactive", "infra.falco", "unit:falco-modern-bpf", "no Falco unit enabled and active"),
        ("falco-rules-missing", "infra.falco", "file:/etc/falco/falco_rules.yaml", "/etc/falco/falco_rules.yaml"),
        ("falco-healthz-down", "infra.falco", "falco:healthz", "no answer within 2 s"),
        ("swap-plain", "infra.encrypted_swap", "device:/dev/vdb", "/dev/vdb is plain"),
        ("swap-zram", "infra.encrypted_swap", "device:/dev/zram0", "zram"),
        ("swap-none", "infra.encrypted_swap", "swap:none", "no active swap"),
        ("flag-wrong", "flags.binance_force_mock", "flag:BINANCE_FORCE_MOCK", "sets BINANCE_FORCE_MOCK=true, required false"),
        ("flag-missing", "flags.binance_force_mock", "flag:BINANCE_FORCE_MOCK", "BINANCE_FORCE_MOCK is not set"),
        ("flag-duplicated", "flags.binance_force_mock", "flag:BINANCE_FORCE_MOCK", "set 2 times in /etc/lunia/lunia.env"),
        ("flag-stale", "flags.binance_force_mock", "flag:BINANCE_FORCE_MOCK", "restart pending"),
    ],
)
def test_each_breakage_fails_on_its_host_naming_unit_flag_or_device(fault: str, item_id: str, key: str, words: str) -> None:
    result = judged(recorded(fault), item_id)
    assert result.status is Status.FAIL
    assert result.hosts is not None
    assert result.hosts["app1"].status is Status.PASS
    assert result.hosts["app2"].status is Status.FAIL
    assert key in keys(result, "app2")
    assert words in result.summary and result.summary.startswith("app2: ")
    assert all(finding.host == "app2" for finding in result.findings)


def test_restart_pending_flag_names_the_running_and_the_file_value() -> None:
    result = judged(recorded("flag-stale"), "flags.binance_force_mock")
    assert "the running process has BINANCE_FORCE_MOCK=true but /etc/lunia/lunia.env line 4 says false" in result.summary


def test_stopped_unit_leaves_its_flags_unproven_not_passed() -> None:
    result = judged(recorded("unit-stopped"), "flags.infra_prod_enabled")
    assert result.status is Status.INSUFFICIENT
    assert "no main process" in result.summary


@pytest.mark.parametrize(("fault", "option"), [("swap-none", "allow_no_swap"), ("swap-zram", "allow_zram")])
def test_swap_options_accept_no_swap_and_zram_when_enabled(fault: str, option: str) -> None:
    assert judged(recorded(fault), "infra.encrypted_swap").status is Status.FAIL
    assert judged(recorded(fault), "infra.encrypted_swap", **{option: True}).status is Status.PASS


def test_zram_allowance_does_not_excuse_plain_swap() -> None:
    assert judged(recorded("swap-plain"), "infra.encrypted_swap", allow_zram=True, allow_no_swap=True).status is Status.FAIL


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("down1", "unreachable: "),
        ("badkey1", "authentication failed: "),
        ("slow1", "timeout: "),
        ("app2", "no python3 (/usr/bin/python3) on the host"),
    ],
)
@pytest.mark.parametrize("item_id", ["infra.systemd_services", "flags.binance_force_mock"])
def test_unreadable_host_is_error_with_reason_while_others_are_judged(item_id: str, host: str, reason: str) -> None:
    result = judged(recorded("host-faults"), item_id)
    assert result.hosts is not None
    assert result.hosts[host].status is Status.ERROR
    assert result.hosts[host].summary.startswith(reason)
    assert result.hosts["app1"].status is Status.PASS
    assert result.status is Status.ERROR and result.blocks


def test_falco_and_swap_judge_every_host_of_pattern_all() -> None:
    result = judged(recorded("host-faults"), "infra.encrypted_swap")
    assert set(result.hosts or {}) == {"app1", "app2", "down1", "badkey1", "slow1"}


def test_pattern_matching_no_host_is_insufficient() -> None:
    data = recorded("compliant")
    data["patterns"]["lunia_app"] = []
    result = judged(data, "infra.systemd_services")
    assert result.status is Status.INSUFFICIENT
    assert "matched no host" in result.summary


def test_one_unreadable_fact_group_is_that_items_error_only() -> None:
    data = copy.deepcopy(recorded("compliant"))
    data["hosts"]["app2"]["swap"] = {"error": "/proc/swaps: Permission denied"}
    assert judged(data, "infra.encrypted_swap").hosts["app2"].status is Status.ERROR  # type: ignore[index]
    assert judged(data, "infra.systemd_services").status is Status.PASS


def test_unreadable_proc_swaps_is_insufficient() -> None:
    data = copy.deepcopy(recorded("compliant"))
    data["hosts"]["app1"]["swap"] = {"swaps_error": "/proc/swaps: Permission denied", "crypttab": []}
    assert judged(data, "infra.encrypted_swap").hosts["app1"].status is Status.INSUFFICIENT  # type: ignore[index]


def test_crypttab_swap_with_a_key_file_is_not_random() -> None:
    data = copy.deepcopy(recorded("compliant"))
    data["hosts"]["app1"]["swap"]["crypttab"][0]["keyfile"] = "/etc/keys/swap.key"
    result = judged(data, "infra.encrypted_swap")
    assert keys(result, "app1") == ["crypttab:cryptswap"]


def test_dm_device_without_crypt_evidence_fails_and_unreadable_dm_is_insufficient() -> None:
    data = copy.deepcopy(recorded("compliant"))
    device = data["hosts"]["app1"]["swap"]["devices"][0]
    device.update(dm_uuid="LVM-abc", dm_table={"targets": [{"type": "linear"}]})
    assert judged(data, "infra.encrypted_swap").hosts["app1"].status is Status.FAIL  # type: ignore[index]
    device.pop("dm_uuid")
    device.update(dm_uuid_error="Permission denied", dm_table={"error": "dmsetup is not installed"})
    assert judged(data, "infra.encrypted_swap").hosts["app1"].status is Status.INSUFFICIENT  # type: ignore[index]


def test_falco_config_that_does_not_parse_fails() -> None:
    data = copy.deepcopy(recorded("compliant"))
    data["hosts"]["app1"]["falco"]["config"] = {
        "path": "/etc/falco/falco.yaml",
        "exists": True,
        "parse_error": "mapping values are not allowed here",
    }
    result = judged(data, "infra.falco")
    assert keys(result, "app1") == ["falco:config"] and "does not parse" in result.summary


def test_flag_in_extra_env_file_must_match() -> None:
    data = copy.deepcopy(recorded("compliant"))
    data["hosts"]["app1"]["flags"]["env_files"] = {
        "/etc/default/lunia": {"path": "/etc/default/lunia", "assignments": [["BINANCE_FORCE_MOCK", "true", 2]]}
    }
    result = judged(data, "flags.binance_force_mock", env_files=["/etc/default/lunia"])
    assert "/etc/default/lunia line 2 sets BINANCE_FORCE_MOCK=true, required false" in result.summary
    assert result.hosts["app2"].status is Status.ERROR  # type: ignore[index]  # not collected there


def test_recorded_evidence_holds_no_secret_value() -> None:
    for fixture in FIXTURES.glob("*.json"):
        text = fixture.read_text()
        assert "s3cr3t" not in text and "binance-key" not in text, fixture.name
        assert (
            '"LUNIA_API_SECRET": null' in text
            or "host-faults" in fixture.name
            or "masked" in fixture.name
            or fixture.name == "unit-stopped.json"
        )


def test_recorded_evidence_has_the_declared_shape() -> None:
    """The fixtures are real host-pass evidence: their keys are HostsData's."""
    for fixture in FIXTURES.glob("*.json"):
        data = json.loads(fixture.read_text())
        assert HostsData.__required_keys__ <= set(data) <= HostsData.__required_keys__ | HostsData.__optional_keys__, fixture.name
