"""config.endpoints on host-pass outputs recorded from the sandbox (both app hosts probe web1)."""

from __future__ import annotations

import copy

import pytest

from golive.model import Status
from tests.unit.test_waf import host_keys, judged, recorded


def test_compliant_app_hosts_reach_every_endpoint() -> None:
    result = judged(recorded("compliant"), "config.endpoints")
    assert result.status is Status.PASS, result.summary
    assert result.hosts is not None and set(result.hosts) == {"web1", "web2"}


@pytest.mark.parametrize(
    ("fixture", "hosts", "key", "words"),
    [
        ("redis-wrong-password", {"web2"}, "endpoint:redis", "refused AUTH"),
        ("postgres-down", {"web1", "web2"}, "endpoint:postgres", "login failed"),
        ("llm-error", {"web1", "web2"}, "endpoint:llm", "answered HTTP 500"),
    ],
)
def test_each_recorded_breakage_fails_the_hosts_that_see_it(fixture: str, hosts: set[str], key: str, words: str) -> None:
    result = judged(recorded(fixture), "config.endpoints")
    assert result.hosts is not None
    assert {host for host, outcome in result.hosts.items() if outcome.status is Status.FAIL} == hosts
    for host in hosts:
        assert key in host_keys(result, host) and words in result.hosts[host].summary


def test_noauth_is_a_failure() -> None:
    data = copy.deepcopy(recorded("compliant"))
    redis = data["hosts"]["web1"]["endpoints"]["endpoints"]["redis"]
    redis.update({"login_sent": False, "reply": "-NOAUTH Authentication required."})
    redis.pop("login_reply", None)
    result = judged(data, "config.endpoints")
    assert result.hosts is not None and "NOAUTH" in result.hosts["web1"].summary


def test_only_pong_passes_ping() -> None:
    data = copy.deepcopy(recorded("compliant"))
    data["hosts"]["web1"]["endpoints"]["endpoints"]["redis"]["reply"] = "+OK"
    assert "endpoint:redis" in host_keys(judged(data, "config.endpoints"), "web1")


def test_tls_verification_failure_fails() -> None:
    data = copy.deepcopy(recorded("compliant"))
    llm = data["hosts"]["web2"]["endpoints"]["endpoints"]["llm"]
    llm.pop("status")
    llm["error"] = "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate"
    result = judged(data, "config.endpoints")
    assert result.hosts is not None and "CERTIFICATE_VERIFY_FAILED" in result.hosts["web2"].summary


def test_unset_endpoint_variable_fails_naming_it() -> None:
    data = copy.deepcopy(recorded("compliant"))
    data["hosts"]["web1"]["endpoints"]["endpoints"]["postgres"] = {"variable": "DATABASE_URL", "unset": True}
    result = judged(data, "config.endpoints")
    assert result.hosts is not None and "DATABASE_URL is not set" in result.hosts["web1"].summary


def test_missing_endpoint_file_fails() -> None:
    data = copy.deepcopy(recorded("compliant"))
    data["hosts"]["web2"]["endpoints"] = {"env_file": "/etc/lunia/endpoints.env", "missing": True}
    assert judged(data, "config.endpoints").status is Status.FAIL


def test_select_returning_something_else_fails() -> None:
    data = copy.deepcopy(recorded("compliant"))
    data["hosts"]["web1"]["endpoints"]["endpoints"]["postgres"]["answer"] = ""
    assert "endpoint:postgres" in host_keys(judged(data, "config.endpoints"), "web1")
