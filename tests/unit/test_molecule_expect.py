"""golive.molecule: a result held to an exact expectation (the drift scenario's verifier)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from golive.molecule import Expectation, differences, load_expectation, main
from tests.conftest import write

EXPECTED_YML = """\
verdict: NO-GO
fail:
  infra.systemd_services: {app2: "unit:lunia_bot"}
  security.waf_ids: {app1: ["modsecurity:engine"]}
"""


def host_item(item_id: str, failing: dict[str, str]) -> dict[str, Any]:
    hosts = {host: {"status": "fail" if host in failing else "pass", "summary": f"{host} summary"} for host in ("app1", "app2")}
    findings = [{"key": key, "status": "fail", "host": host} for host, key in failing.items()]
    return {"id": item_id, "kind": "check", "status": "fail" if failing else "pass", "summary": "s", "hosts": hosts, "findings": findings}


def matching_result() -> dict[str, Any]:
    return {
        "items": [
            host_item("infra.systemd_services", {"app2": "unit:lunia_bot"}),
            host_item("security.waf_ids", {"app1": "modsecurity:engine"}),
            host_item("infra.falco", {}),
            {"id": "decision.go", "kind": "decision", "status": "skip", "hosts": None, "findings": []},
        ],
        "decision": {"verdict": "NO-GO", "blocking": ["infra.systemd_services", "security.waf_ids"]},
    }


@pytest.fixture
def expected(tmp_path: Path) -> Expectation:
    return load_expectation(write(tmp_path / "expected.yml", EXPECTED_YML))


def by_id(result: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(item for item in result["items"] if item["id"] == item_id)


def test_result_naming_exactly_the_expected_breaks_matches(expected: Expectation) -> None:
    assert differences(matching_result(), expected) == []


def test_a_break_golive_stops_naming_is_a_difference(expected: Expectation) -> None:
    result = matching_result()
    result["items"][0] = host_item("infra.systemd_services", {})
    result["decision"]["blocking"] = ["security.waf_ids"]
    problems = differences(result, expected)
    assert any(p.startswith("infra.systemd_services: pass, expected fail") for p in problems)
    assert any("not blocking ['infra.systemd_services']" in p for p in problems)


def test_a_fail_on_the_wrong_host_is_a_difference(expected: Expectation) -> None:
    result = matching_result()
    result["items"][0] = host_item("infra.systemd_services", {"app1": "unit:lunia_bot"})
    problems = differences(result, expected)
    assert "infra.systemd_services on app1: fail, expected pass: app1 summary" in problems
    assert "infra.systemd_services on app2: pass, expected fail: app2 summary" in problems


def test_an_item_failing_that_was_not_broken_is_a_difference(expected: Expectation) -> None:
    result = matching_result()
    result["items"][2] = host_item("infra.falco", {"app1": "unit:falco-modern-bpf"})
    result["decision"]["blocking"].append("infra.falco")
    problems = differences(result, expected)
    assert any(p.startswith("infra.falco: fail, expected pass") for p in problems)
    assert any("unexpectedly blocking ['infra.falco']" in p for p in problems)


def test_the_right_status_without_the_expected_finding_key_is_a_difference(expected: Expectation) -> None:
    result = matching_result()
    by_id(result, "security.waf_ids")["findings"] = [{"key": "crowdsec:bouncer", "host": "app1"}]
    assert differences(result, expected) == ["security.waf_ids on app1: finding modsecurity:engine not named (named: ['crowdsec:bouncer'])"]


def test_an_expected_item_that_was_not_judged_is_a_difference(expected: Expectation) -> None:
    result = matching_result()
    result["items"] = [item for item in result["items"] if item["id"] != "security.waf_ids"]
    result["decision"]["blocking"] = ["infra.systemd_services"]
    assert "security.waf_ids: expected to fail but not judged (disabled or unknown)" in differences(result, expected)


def test_another_verdict_is_a_difference(expected: Expectation) -> None:
    result = copy.deepcopy(matching_result())
    result["decision"]["verdict"] = "GO"
    assert differences(result, expected) == ["verdict GO, expected NO-GO"]


def test_decision_items_are_rendered_not_judged(expected: Expectation) -> None:
    result = matching_result()
    by_id(result, "decision.go")["status"] = "skip"
    assert differences(result, expected) == []


def test_command_exits_0_on_a_match_and_1_listing_each_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = write(tmp_path / "expected.yml", EXPECTED_YML)
    result = write(tmp_path / "result.json", json.dumps(matching_result()))
    assert main([str(result), str(expected)]) == 0
    assert "as expected: NO-GO, failing exactly infra.systemd_services on app2; security.waf_ids on app1" in capsys.readouterr().out
    broken = matching_result()
    broken["decision"]["verdict"] = "GO"
    write(tmp_path / "result.json", json.dumps(broken))
    assert main([str(result), str(expected)]) == 1
    assert capsys.readouterr().out == "verdict GO, expected NO-GO\n"


@pytest.mark.parametrize(
    ("result_text", "expected_text", "named"),
    [
        ("{not json", EXPECTED_YML, "result.json"),
        ('{"items": 3}', EXPECTED_YML, "result.json: not a golive result"),
        (json.dumps(matching_result()), "verdict: [unclosed", "expected.yml"),
        (json.dumps(matching_result()), "verdict: NO-GO\nfail: {infra.falco: {app1: 7}}\n", "fail.infra.falco.app1"),
        (json.dumps(matching_result()), "verdict: NO-GO\nfail: {infra.falco: []}\n", "fail.infra.falco"),
        (json.dumps(matching_result()), "verdict: NO-GO\nextra: 1\n", "expected.yml: a mapping"),
    ],
)
def test_unreadable_input_exits_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], result_text: str, expected_text: str, named: str
) -> None:
    result = write(tmp_path / "result.json", result_text)
    expected = write(tmp_path / "expected.yml", expected_text)
    assert main([str(result), str(expected)]) == 2
    assert named in capsys.readouterr().err
