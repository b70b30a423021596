"""WAF/IDS, backups and endpoints on real servers inside sandbox hosts.

One fleet for this file: web1 (app, web with Apache + mod_security2, data: Redis,
PostgreSQL, the LLM stand-in) and web2 (app, web with nginx + libmodsecurity3, backup:
restic and borg).  Every fault of golive/sandbox/faults/ for these items is applied
live; faults on different items or hosts share one host pass to keep the file fast.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive import engine
from golive.collectors import settings_keys
from golive.config import load_config
from golive.sandbox import FAULTS, Fleet, HostSpec, converge
from tests.conftest import write
from tests.integration.conftest import free_subnet, reclaim_dead_fleets, record_timing, unique_prefix

pytestmark = pytest.mark.integration

HOSTS = (
    HostSpec("web1", ("lunia_app", "lunia_web", "lunia_data")),
    HostSpec("web2", ("lunia_app", "lunia_web", "lunia_nginx", "lunia_backup")),
)
ITEMS = ("security.waf_ids", "infra.backups", "config.endpoints")
SECRETS = ("sandbox-redis-pass-3f9a1d", "sandbox-pg-pass-81b2c7", "sandbox-backup-pass-7e1c94")
PREFIX_LETTER = "w"


@pytest.fixture(scope="session")
def services_fleet(sandbox_image: Path, tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[Fleet]:
    reclaim_dead_fleets(PREFIX_LETTER)
    fleet = Fleet(
        HOSTS,
        name_prefix=unique_prefix(PREFIX_LETTER),
        subnet=free_subnet(offset=101),
        state_dir=tmp_path_factory.mktemp("services-fleet"),
        image=sandbox_image,
    )
    try:
        started = time.monotonic()
        fleet.up()
        record_timing(pytestconfig, "services: boot 2 hosts", time.monotonic() - started)
        result = converge(fleet)
        record_timing(pytestconfig, "services: converge 2 hosts", result.seconds)
        yield fleet
    finally:
        fleet.down()
    assert not fleet.leftovers(), f"fleet {fleet.prefix} left objects behind: {fleet.leftovers()}"


@pytest.fixture(scope="session")
def services_inventory(services_fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return services_fleet.write_inventory(tmp_path_factory.mktemp("services-inventory") / "inventory.yml")


def check(workdir: Path, inventory: Path, restore_test: bool = False) -> dict[str, Any]:
    # Every pack is read: with a handful of packs a 5 % subset may miss the corrupted one.
    config_path = write(
        workdir / "golive.yml",
        f"release: {{repo: .}}\ninventory: {inventory}\nsources:\n  hosts: {{artifact_dir: runner}}\n"
        "items:\n  infra.backups: {read_data_subset: '100%'}\n",
    )
    config = load_config(config_path, None, settings_keys())
    options = engine.RunOptions(as_of=dt.datetime.now(dt.UTC), timeout=180, out_dir=workdir / "out", restore_test=restore_test)
    return engine.run(config, options, workdir / "out" / "evidence", [], [])


def items(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in document["items"] if item["id"] in ITEMS}


def test_compliant_hosts_pass_waf_backups_and_endpoints_without_leaking_credentials(services_inventory: Path, tmp_path: Path) -> None:
    by_id = items(check(tmp_path, services_inventory))
    for item_id in ITEMS:
        assert by_id[item_id]["status"] == "pass", (item_id, by_id[item_id]["summary"])
    assert set(by_id["security.waf_ids"]["hosts"]) == {"web1", "web2"}
    assert set(by_id["infra.backups"]["hosts"]) == {"web2"}
    assert set(by_id["config.endpoints"]["hosts"]) == {"web1", "web2"}
    files = [path for folder in (tmp_path / "out", tmp_path / "runner") for path in folder.rglob("*") if path.is_file()]
    for path in files:
        text = path.read_text(errors="replace")
        assert not any(secret in text for secret in SECRETS), f"credential in {path}"


def test_restore_test_restores_compares_cleans_up_and_records_on_the_host(
    services_fleet: Fleet, services_inventory: Path, tmp_path: Path
) -> None:
    before = services_fleet.ssh("web2", "stat -c %Y /var/lib/golive/restore-records/restic.json", check=True).stdout
    document = check(tmp_path, services_inventory, restore_test=True)
    item = items(document)["infra.backups"]
    assert item["status"] == "pass", item["summary"]
    assert "restored and compared now" in item["hosts"]["web2"]["summary"]
    record = services_fleet.ssh("web2", "cat /var/lib/golive/restore-records/restic.json", check=True).stdout
    assert '"by": "golive --restore-test"' in record and '"matched": true' in record
    assert services_fleet.ssh("web2", "stat -c %Y /var/lib/golive/restore-records/restic.json", check=True).stdout >= before
    assert services_fleet.ssh("web2", "ls -d /tmp/golive-restore-* 2>/dev/null | wc -l", check=True).stdout.strip() == "0"


# Each case: faults applied together (name, host), then per fault the item, the host that
# must fail, the finding key and words of the cause.  Faults in one case never share an
# item on the same host, so each failure is attributable to its own fault.
CASES = {
    "detection-only+engine-off+stale-snapshot+redis-password": [
        ("modsecurity-detection-only", "web1", "security.waf_ids", "modsecurity:engine", "SecRuleEngine DetectionOnly"),
        ("modsecurity-engine-off", "web2", "security.waf_ids", "modsecurity:engine", "SecRuleEngine Off"),
        ("snapshot-stale", "web2", "infra.backups", "backup:restic:snapshot", "stale snapshot"),
        ("redis-wrong-password", "web2", "config.endpoints", "endpoint:redis", "WRONGPASS"),
    ],
    "crs-missing+bypass+corrupted-pack+postgres-down": [
        ("modsecurity-crs-missing", "web1", "security.waf_ids", "modsecurity:crs", "OWASP CRS not loaded"),
        ("modsecurity-bypass-location", "web2", "security.waf_ids", "modsecurity:bypass@server > location /api/", "bypasses the engine"),
        ("pack-corrupted", "web2", "infra.backups", "backup:restic:check", "--read-data-subset=100%"),
        ("postgres-down", "web1", "config.endpoints", "endpoint:postgres", "Connection refused"),
    ],
    "bypass+crs-missing+deleted-snapshot+llm-500": [
        ("modsecurity-bypass-location", "web1", "security.waf_ids", "modsecurity:bypass@Location /api/", "bypasses the engine"),
        ("modsecurity-crs-missing", "web2", "security.waf_ids", "modsecurity:crs", "OWASP CRS not loaded"),
        ("restore-record-snapshot-deleted", "web2", "infra.backups", "backup:restic:restore", "no longer exists"),
        ("llm-error", "web1", "config.endpoints", "endpoint:llm", "HTTP 500"),
    ],
    "no-bouncer+stale-bouncer": [
        ("bouncer-missing", "web1", "security.waf_ids", "crowdsec:bouncer", "no bouncer registered"),
        ("bouncer-stale", "web2", "security.waf_ids", "crowdsec:bouncer", "stale bouncer"),
    ],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_fault_fails_its_item_naming_the_cause(services_fleet: Fleet, services_inventory: Path, tmp_path: Path, case: str) -> None:
    faults = [FAULTS[name](services_fleet, host, None) for name, host, *_ in CASES[case]]
    applied = []
    try:
        for fault in faults:
            applied.append(fault.apply())
        by_id = items(check(tmp_path, services_inventory))
    finally:
        for fault in reversed(applied):
            fault.undo()
    for name, host, item_id, key, cause in CASES[case]:
        item = by_id[item_id]
        assert item["status"] == "fail", (name, item["summary"])
        outcome = item["hosts"][host]
        assert outcome["status"] == "fail" and cause in outcome["summary"], (name, outcome["summary"])
        assert key in {finding["key"] for finding in item["findings"] if finding.get("host") == host}, (name, item["findings"])


def test_restore_checksum_mismatch_fails_the_restore_test(services_fleet: Fleet, services_inventory: Path, tmp_path: Path) -> None:
    with FAULTS["restore-checksum-mismatch"](services_fleet, "web2", None):
        item = items(check(tmp_path, services_inventory, restore_test=True))["infra.backups"]
    assert item["status"] == "fail"
    assert "restore checksum mismatch" in item["hosts"]["web2"]["summary"] and "canary.txt" in item["hosts"]["web2"]["summary"]
    assert "backup:restic:restore" in {finding["key"] for finding in item["findings"]}
