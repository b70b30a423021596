"""security.waf_ids on host-pass outputs recorded from the sandbox (tests/fixtures/hosts/services/).

web1 runs Apache + mod_security2, web2 nginx + libmodsecurity3; both run CrowdSec.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from golive.checklist import load_default
from golive.checks import JudgeContext
from golive.checks.waf import parse_time
from golive.collectors import Evidence
from golive.config import Config
from golive.judging import judge
from golive.model import ItemResult, Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hosts" / "services"


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def judged(data: dict[str, Any], item_id: str, as_of: dt.datetime | None = None, **params: Any) -> ItemResult:
    checklist = load_default()
    item = checklist.get(item_id)
    assert item is not None
    item.params.update(params)
    config = Config(path=Path("golive.yml"), base_dir=Path("."), environment="test", checklist=checklist, release={}, sources={})
    moment = as_of or dt.datetime.fromisoformat(data["_recorded_at"])
    ctx = JudgeContext(config, moment, {"hosts": Evidence("hosts", data=data)})
    return judge(item, config, ctx)


def host_keys(result: ItemResult, host: str) -> set[str]:
    assert result.hosts is not None
    return {finding.key for finding in result.hosts[host].findings}


def test_compliant_apache_and_nginx_hosts_pass() -> None:
    result = judged(recorded("compliant"), "security.waf_ids")
    assert result.status is Status.PASS, result.summary
    assert result.hosts is not None and set(result.hosts) == {"web1", "web2"}


@pytest.mark.parametrize(
    ("fixture", "host", "key", "words"),
    [
        ("modsecurity-detection-only", "web1", "modsecurity:engine", "SecRuleEngine DetectionOnly at /etc/modsecurity/modsecurity.conf:7"),
        ("modsecurity-engine-off", "web2", "modsecurity:engine", "SecRuleEngine Off at /etc/nginx/modsecurity.conf:7"),
        ("modsecurity-crs-missing-apache", "web1", "modsecurity:crs", "OWASP CRS not loaded"),
        ("modsecurity-crs-missing-nginx", "web2", "modsecurity:crs", "OWASP CRS not loaded"),
        ("modsecurity-bypass-location-apache", "web1", "modsecurity:bypass@Location /api/", "<Location /api/> sets SecRuleEngine Off"),
        (
            "modsecurity-bypass-location-nginx",
            "web2",
            "modsecurity:bypass@server > location /api/",
            "`modsecurity off;` in server > location /api/",
        ),
        ("bouncer-missing", "web1", "crowdsec:bouncer", "no bouncer registered"),
        ("bouncer-stale", "web2", "crowdsec:bouncer", "stale bouncer"),
    ],
)
def test_each_recorded_breakage_fails_only_its_host_naming_the_cause(fixture: str, host: str, key: str, words: str) -> None:
    result = judged(recorded(fixture), "security.waf_ids")
    assert result.status is Status.FAIL
    assert result.hosts is not None
    assert result.hosts[host].status is Status.FAIL and words in result.hosts[host].summary
    assert key in host_keys(result, host)
    other = "web2" if host == "web1" else "web1"
    assert result.hosts[other].status is Status.PASS


def test_engine_off_shows_in_the_live_probes_too() -> None:
    result = judged(recorded("modsecurity-detection-only"), "security.waf_ids")
    assert {"modsecurity:probe:xss", "modsecurity:probe:sqli", "modsecurity:probe:scanner"} <= host_keys(result, "web1")


def test_a_bypassed_location_fails_although_the_probed_root_still_blocks() -> None:
    data = recorded("modsecurity-bypass-location-apache")
    assert data["hosts"]["web1"]["modsecurity"]["probes"]["xss"]["status"] == 403
    assert judged(data, "security.waf_ids").hosts["web1"].status is Status.FAIL  # type: ignore[index]


def test_a_configured_engine_without_a_live_block_fails() -> None:
    data = copy.deepcopy(recorded("compliant"))
    data["hosts"]["web1"]["modsecurity"]["probes"]["sqli"]["status"] = 200
    result = judged(data, "security.waf_ids")
    assert host_keys(result, "web1") == {"modsecurity:probe:sqli"}


def test_blocked_status_is_a_parameter() -> None:
    result = judged(recorded("compliant"), "security.waf_ids", blocked_status=406)
    assert {"modsecurity:probe:xss", "modsecurity:probe:sqli", "modsecurity:probe:scanner"} <= host_keys(result, "web2")


def test_a_blocked_benign_request_fails() -> None:
    data = copy.deepcopy(recorded("compliant"))
    data["hosts"]["web2"]["modsecurity"]["probes"]["benign"]["status"] = 403
    assert host_keys(judged(data, "security.waf_ids"), "web2") == {"modsecurity:probe:benign"}


def test_unanswered_probe_is_an_error_not_a_pass() -> None:
    data = copy.deepcopy(recorded("compliant"))
    data["hosts"]["web1"]["modsecurity"]["probes"]["benign"] = {"url": "http://127.0.0.1/", "error": "Connection refused"}
    result = judged(data, "security.waf_ids")
    assert result.hosts is not None and result.hosts["web1"].status is Status.ERROR


def test_no_web_server_running_fails() -> None:
    data = copy.deepcopy(recorded("compliant"))
    for server in data["hosts"]["web1"]["modsecurity"]["servers"].values():
        server["state"]["active"] = "inactive"
    assert "modsecurity:server" in host_keys(judged(data, "security.waf_ids"), "web1")


def test_bouncer_window_is_measured_from_as_of() -> None:
    data = recorded("compliant")
    later = dt.datetime.fromisoformat(data["_recorded_at"]) + dt.timedelta(hours=2)
    result = judged(data, "security.waf_ids", as_of=later)
    assert result.status is Status.FAIL and "crowdsec:bouncer" in host_keys(result, "web1")
    assert judged(data, "security.waf_ids", as_of=later, bouncer_max_age_minutes=180).status is Status.PASS


def test_missing_required_collection_fails_naming_it() -> None:
    result = judged(recorded("compliant"), "security.waf_ids", required_collections=["crowdsecurity/linux", "crowdsecurity/nextcloud"])
    assert "crowdsec:collection:crowdsecurity/nextcloud" in host_keys(result, "web1")


def test_lapi_down_fails() -> None:
    data = copy.deepcopy(recorded("compliant"))
    data["hosts"]["web2"]["crowdsec"]["lapi"] = {"rc": 1, "output": "connection refused"}
    assert "crowdsec:lapi" in host_keys(judged(data, "security.waf_ids"), "web2")


def test_host_without_the_modsecurity_group_is_an_error() -> None:
    data = copy.deepcopy(recorded("compliant"))
    del data["hosts"]["web1"]["modsecurity"]
    result = judged(data, "security.waf_ids")
    assert result.hosts is not None and result.hosts["web1"].status is Status.ERROR


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-29T07:36:31.909792076Z", dt.datetime(2026, 11, 29, 7, 36, 31, 909792, tzinfo=dt.UTC)),
        ("2026-11-29T07:36:31Z", dt.datetime(2026, 11, 29, 7, 36, 31, tzinfo=dt.UTC)),
        ("2026-11-29T09:36:31.5+02:00", dt.datetime(2026, 11, 29, 7, 36, 31, 500000, tzinfo=dt.UTC)),
        ("not a time", None),
        (None, None),
    ],
)
def test_go_timestamps_parse_to_utc(text: Any, expected: dt.datetime | None) -> None:
    assert parse_time(text) == expected
