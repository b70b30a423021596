"""security.vault_kms on Vault answers recorded from OpenBao 2.7.2 (dev server, raft server
uninitialised, sealed and active) and, for the replication codes OpenBao here cannot
reach (472, 473), on the documented /v1/sys/health bodies; the flag part on host-pass
outputs recorded from the sandbox fleet (tests/fixtures/hosts/)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from golive.checklist import load_default
from golive.checks import JudgeContext
from golive.collectors import Evidence
from golive.collectors.http import Fetched
from golive.collectors.vault import HEALTH_FIELDS, SEAL_FIELDS, probe
from golive.config import Config
from golive.judging import judge
from golive.model import ItemResult, Status

AS_OF = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
ADDRESS = "http://127.0.0.1:8200"
HOST_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hosts"

HEALTH_ACTIVE = {
    "initialized": True,
    "sealed": False,
    "standby": False,
    "replication_performance_mode": "disabled",
    "replication_dr_mode": "disabled",
    "server_time_utc": 1795937411,
    "version": "2.7.2",
    "cluster_name": "vault-cluster-f2b54881",
}
HEALTH_UNINITIALISED = {"initialized": False, "sealed": True, "standby": True, "version": "2.7.2"}
HEALTH_SEALED = {"initialized": True, "sealed": True, "standby": True, "version": "2.7.2"}
HEALTH_STANDBY = {**HEALTH_ACTIVE, "standby": True}
HEALTH_PERF_STANDBY = {**HEALTH_ACTIVE, "standby": True, "performance_standby": True}
HEALTH_DR_SECONDARY = {**HEALTH_ACTIVE, "replication_dr_mode": "secondary"}
SEAL_DEV = {
    "type": "shamir",
    "initialized": True,
    "sealed": False,
    "t": 1,
    "n": 1,
    "progress": 0,
    "version": "2.7.2",
    "storage_type": "inmem",
}
SEAL_RAFT = {**SEAL_DEV, "storage_type": "raft"}
TRANSIT_KEY = {
    "name": "lunia",
    "type": "aes256-gcm96",
    "latest_version": 1,
    "deletion_allowed": False,
    "exportable": False,
    "keys": {"1": 1795937411},
}


def fetched(path: str, status: int | None, body: dict[str, Any] | None, **extra: Any) -> Fetched:
    return Fetched(ADDRESS + path, status=status, body=json.dumps(body).encode() if body is not None else b"", **extra)


def transit(status: int | None, body: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    answer = fetched("/v1/transit/keys/lunia", status, body, **extra)
    data = body.get("data") if body else None
    return {
        "url": answer.url,
        "checked": True,
        "status": status,
        "error": answer.error,
        "error_kind": answer.error_kind,
        "key": {name: data[name] for name in ("name", "type", "latest_version") if name in data} if isinstance(data, dict) else None,
        "errors": list(body.get("errors", [])) if body else [],
    }


def vault_data(
    health: tuple[int | None, dict[str, Any] | None] = (200, HEALTH_ACTIVE),
    seal: tuple[int | None, dict[str, Any] | None] = (200, SEAL_RAFT),
    key: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "address": ADDRESS,
        "login_variable": "VAULT_TOKEN",
        "health": probe(fetched("/v1/sys/health", *health), HEALTH_FIELDS),
        "seal_status": probe(fetched("/v1/sys/seal-status", *seal), SEAL_FIELDS),
        "transit": {"transit/lunia": key if key is not None else transit(200, {"data": TRANSIT_KEY})},
    }


def judged(data: dict[str, Any], environment: str = "prod", hosts: Evidence | None = None, **params: Any) -> ItemResult:
    checklist = load_default()
    item = checklist.get("security.vault_kms")
    assert item is not None
    item.params.update({"transit_key": "lunia", **params})
    config = Config(path=Path("golive.yml"), base_dir=Path("."), environment=environment, checklist=checklist, release={}, sources={})
    evidence = {"vault": Evidence("vault", data=data)}
    if hosts is not None:
        evidence["hosts"] = hosts
    return judge(item, config, JudgeContext(config, AS_OF, evidence))


def recorded_hosts(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HOST_FIXTURES / f"{name}.json").read_text())
    return data


def test_active_unsealed_raft_vault_with_the_transit_key_passes() -> None:
    result = judged(vault_data())
    assert result.status is Status.PASS
    assert "Vault 2.7.2 initialised, unsealed, active; storage raft; transit key transit/lunia present (aes256-gcm96, version 1)" in (
        result.summary
    )
    assert "not required in environment 'prod'" in result.summary


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (501, HEALTH_UNINITIALISED, "Vault is not initialised (HTTP 501)"),
        (503, HEALTH_SEALED, "Vault is sealed (HTTP 503)"),
        (472, HEALTH_DR_SECONDARY, "disaster-recovery secondary (HTTP 472)"),
        (429, HEALTH_STANDBY, "the node is a standby (HTTP 429); allow_standby is false"),
        (473, HEALTH_PERF_STANDBY, "the node is a performance standby (HTTP 473); allow_standby is false"),
    ],
)
def test_vault_not_active_fails_naming_its_state(status: int, body: dict[str, Any], expected: str) -> None:
    result = judged(vault_data(health=(status, body)))
    assert result.status is Status.FAIL
    assert expected in result.summary
    assert "vault:health" in [finding.key for finding in result.findings]


@pytest.mark.parametrize(("status", "body"), [(429, HEALTH_STANDBY), (473, HEALTH_PERF_STANDBY)])
def test_standby_passes_when_allowed(status: int, body: dict[str, Any]) -> None:
    result = judged(vault_data(health=(status, body)), allow_standby=True)
    assert result.status is Status.PASS
    assert "standby (allowed)" in result.summary


def test_dr_secondary_fails_even_when_standby_is_allowed() -> None:
    assert judged(vault_data(health=(472, HEALTH_DR_SECONDARY)), allow_standby=True).status is Status.FAIL


def test_200_whose_body_says_sealed_is_an_error() -> None:
    result = judged(vault_data(health=(200, HEALTH_SEALED)))
    assert result.status is Status.ERROR
    assert "answered 200 but says initialized=True, sealed=True" in result.summary


def test_unknown_health_code_is_an_error() -> None:
    assert judged(vault_data(health=(418, {}))).status is Status.ERROR


def test_dev_server_storage_fails_unless_allowed() -> None:
    result = judged(vault_data(seal=(200, SEAL_DEV)))
    assert result.status is Status.FAIL
    assert "storage type inmem" in result.summary
    assert "allow_dev_mode is false" in result.summary
    allowed = judged(vault_data(seal=(200, SEAL_DEV)), allow_dev_mode=True)
    assert allowed.status is Status.PASS
    assert "storage inmem (dev mode allowed)" in allowed.summary


def test_seal_status_without_storage_type_is_insufficient() -> None:
    result = judged(vault_data(seal=(200, {key: value for key, value in SEAL_RAFT.items() if key != "storage_type"})))
    assert result.status is Status.INSUFFICIENT
    assert "cannot tell whether" in result.summary


def test_missing_transit_key_fails() -> None:
    result = judged(vault_data(key=transit(404, {"errors": []})))
    assert result.status is Status.FAIL
    assert "transit key transit/lunia does not exist" in result.summary
    assert [finding.key for finding in result.findings] == ["vault:transit:transit/lunia"]


def test_token_without_permission_is_an_error() -> None:
    result = judged(vault_data(key=transit(403, {"errors": ["permission denied"]})))
    assert result.status is Status.ERROR
    assert "may not read transit key transit/lunia: permission denied" in result.summary


def test_unset_token_variable_leaves_the_key_unproven() -> None:
    entry = {"url": ADDRESS + "/v1/transit/keys/lunia", "checked": False, "reason": "environment variable VAULT_TOKEN is not set"}
    result = judged(vault_data(key=entry))
    assert result.status is Status.INSUFFICIENT
    assert "VAULT_TOKEN is not set" in result.summary


def test_no_transit_key_named_is_insufficient() -> None:
    result = judged(vault_data(), transit_key="")
    assert result.status is Status.INSUFFICIENT
    assert "transit_key is empty" in result.summary


@pytest.mark.parametrize(("kind", "status"), [("refused", Status.FAIL), ("timeout", Status.FAIL), ("dns", Status.ERROR)])
def test_unreachable_vault_is_reported_once(kind: str, status: Status) -> None:
    down = (None, None)
    data = vault_data(health=down, seal=down)
    data["health"].update(error=f"{kind}!", error_kind=kind)
    data["seal_status"].update(error=f"{kind}!", error_kind=kind)
    result = judged(data)
    assert result.status is status
    assert [finding.key for finding in result.findings] == ["vault:health"]


# ------------------------------------------------------------------ INFRA_PROD_ENABLED in staging


def test_staging_with_the_flag_true_on_every_app_host_passes() -> None:
    result = judged(vault_data(), environment="staging", hosts=Evidence("hosts", data=recorded_hosts("compliant")))
    assert result.status is Status.PASS
    assert "INFRA_PROD_ENABLED=true on app1, app2" in result.summary


def test_staging_with_the_flag_false_in_a_running_process_fails_naming_host_and_unit() -> None:
    data = copy.deepcopy(recorded_hosts("compliant"))
    data["hosts"]["app2"]["flags"]["units"]["lunia_bot"]["process"]["environ"]["INFRA_PROD_ENABLED"] = "false"
    result = judged(vault_data(), environment="staging", hosts=Evidence("hosts", data=data))
    assert result.status is Status.FAIL
    [finding] = result.findings
    assert (finding.key, finding.host) == ("flag:INFRA_PROD_ENABLED", "app2")
    assert "lunia_bot: restart pending" in finding.detail


def test_staging_without_host_evidence_leaves_the_flag_unproven() -> None:
    hosts = Evidence.unavailable("hosts", "no inventory configured for environment 'staging'")
    result = judged(vault_data(), environment="staging", hosts=hosts)
    assert result.status is Status.INSUFFICIENT
    assert "hosts evidence no inventory configured" in result.summary


def test_staging_host_that_could_not_be_read_is_an_error_for_that_host() -> None:
    result = judged(vault_data(), environment="staging", hosts=Evidence("hosts", data=recorded_hosts("host-faults")))
    assert result.status is Status.ERROR
    assert {finding.host for finding in result.findings} == {"app2", "badkey1", "down1", "slow1"}


def test_staging_pattern_nobody_gathered_is_insufficient() -> None:
    result = judged(vault_data(), environment="staging", hosts=Evidence("hosts", data=recorded_hosts("compliant")), flag_hosts="lunia_db")
    assert result.status is Status.INSUFFICIENT
    assert "no host item gathered the hosts of pattern 'lunia_db'" in result.summary
