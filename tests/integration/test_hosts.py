"""The host pass end to end on the sandbox fleet: golive's engine against real hosts."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive import engine
from golive.collectors import settings_keys
from golive.config import load_config
from golive.sandbox import FAULTS, ConvergeResult, Fleet
from tests.conftest import write

pytestmark = pytest.mark.integration

AS_OF = dt.datetime.now(dt.UTC)
SPECS = Path(__file__).resolve().parents[2] / "specs"
SECRETS = ("sandbox-s3cr3t-0c1f7a9e2b", "sandbox-binance-key-5d2e8f")
HOST_ITEMS = ("infra.systemd_services", "infra.falco", "infra.encrypted_swap", "flags.binance_force_mock", "flags.infra_prod_enabled")


def check(workdir: Path, inventory: Path, specs: Path | None = None, hosts_settings: str = "") -> dict[str, Any]:
    config_path = write(
        workdir / "golive.yml",
        f"release: {{repo: .}}\ninventory: {inventory}\nsources:\n  hosts: {{artifact_dir: runner{hosts_settings}}}\n",
    )
    config = load_config(config_path, None, settings_keys())
    options = engine.RunOptions(as_of=AS_OF, timeout=120, out_dir=workdir / "out", specs=specs)
    return engine.run(config, options, workdir / "out" / "evidence", [], [])


def items(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in document["items"]}


@pytest.fixture(scope="module")
def inventory(fleet: Fleet, converged: ConvergeResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fleet.write_inventory(tmp_path_factory.mktemp("inventory") / "inventory.yml")


def test_compliant_fleet_passes_every_host_area_and_leaks_no_secret(inventory: Path, tmp_path: Path) -> None:
    document = check(tmp_path, inventory, specs=SPECS)
    by_id = items(document)
    for item_id in HOST_ITEMS:
        assert by_id[item_id]["status"] == "pass", by_id[item_id]["summary"]
        assert set(by_id[item_id]["hosts"]) == {"app1", "app2"}
    specs = [item for item in document["items"] if item["id"].startswith("spec.")]
    assert len(specs) >= 5 and all(item["status"] == "pass" for item in specs), [(i["id"], i["summary"]) for i in specs]
    files = [path for folder in (tmp_path / "out", tmp_path / "runner") for path in folder.rglob("*") if path.is_file()]
    assert files and any(path.name == "app1.json" for path in files)
    for path in files:
        text = path.read_text(errors="replace")
        assert not any(secret in text for secret in SECRETS), f"secret value in {path}"


@pytest.mark.parametrize(
    ("fault", "item_id", "key"),
    [
        ("unit-stopped", "infra.systemd_services", "unit:lunia_bot"),
        ("unit-disabled", "infra.systemd_services", "unit:lunia_bot"),
        ("unit-masked", "infra.systemd_services", "unit:lunia_bot"),
        ("unit-failed", "infra.systemd_services", "unit:lunia_bot"),
        ("falco-inactive", "infra.falco", "unit:falco-modern-bpf"),
        ("falco-rules-missing", "infra.falco", "file:/etc/falco/falco_rules.yaml"),
        ("falco-healthz-down", "infra.falco", "falco:healthz"),
        ("swap-plain", "infra.encrypted_swap", "device:/dev/vdb"),
        ("swap-zram", "infra.encrypted_swap", "device:/dev/zram0"),
        ("swap-none", "infra.encrypted_swap", "swap:none"),
        ("flag-wrong", "flags.binance_force_mock", "flag:BINANCE_FORCE_MOCK"),
        ("flag-missing", "flags.binance_force_mock", "flag:BINANCE_FORCE_MOCK"),
        ("flag-duplicated", "flags.binance_force_mock", "flag:BINANCE_FORCE_MOCK"),
        ("flag-stale", "flags.binance_force_mock", "flag:BINANCE_FORCE_MOCK"),
    ],
)
def test_each_breakage_fails_naming_unit_flag_or_device(
    fleet: Fleet, inventory: Path, tmp_path: Path, fault: str, item_id: str, key: str
) -> None:
    with FAULTS[fault](fleet, "app2", None):
        document = check(tmp_path, inventory)
    item = items(document)[item_id]
    assert item["status"] == "fail", item["summary"]
    assert item["hosts"]["app2"]["status"] == "fail" and item["hosts"]["app1"]["status"] == "pass"
    assert key in {finding["key"] for finding in item["findings"]}
    assert {finding.get("host") for finding in item["findings"]} == {"app2"}
    assert key.split(":", 1)[1].rsplit("/", 1)[-1] in item["summary"] or key == "swap:none"
    if fault == "flag-stale":
        assert "restart pending" in item["summary"]
    assert document["decision"]["verdict"] == "NO-GO"


def test_unreachable_unauthenticated_and_pythonless_hosts_are_errors_while_others_are_judged(
    fleet: Fleet, inventory: Path, tmp_path: Path
) -> None:
    data = yaml.safe_load(inventory.read_text())
    app1 = data["all"]["hosts"]["app1"]
    wrong_key = tmp_path / "wrong_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(wrong_key)], check=True)
    data["all"]["hosts"]["down1"] = {**app1, "ansible_port": 2}
    data["all"]["hosts"]["badkey1"] = {**app1, "ansible_ssh_private_key_file": str(wrong_key), "ansible_control_path": f"{tmp_path}/%%C"}
    for name in ("down1", "badkey1"):
        data["all"]["children"]["lunia_app"]["hosts"][name] = {}
    faulty = write(tmp_path / "faulty.yml", yaml.safe_dump(data))
    fleet.ssh("app2", "mv /usr/bin/python3 /usr/bin/python3.hidden", check=True)
    try:
        document = check(tmp_path, faulty, hosts_settings=", connect_timeout: 4")
    finally:
        fleet.ssh("app2", "mv /usr/bin/python3.hidden /usr/bin/python3", check=True)
    item = items(document)["infra.systemd_services"]
    assert item["status"] == "error"
    assert item["hosts"]["app1"]["status"] == "pass"
    assert item["hosts"]["down1"]["summary"].startswith("unreachable: ") and "Connection refused" in item["hosts"]["down1"]["summary"]
    assert item["hosts"]["badkey1"]["summary"].startswith("authentication failed: ")
    assert item["hosts"]["app2"]["summary"].startswith("no python3")
    assert {name: host["status"] for name, host in item["hosts"].items()} == {n: "pass" if n == "app1" else "error" for n in item["hosts"]}
    assert document["decision"]["verdict"] == "NO-GO"


def test_inventory_that_does_not_parse_is_an_error_naming_the_file(tmp_path: Path) -> None:
    broken = write(tmp_path / "broken.yml", "all:\n  hosts:\n    app1: {ansible_host: 10.0.0.1\n")
    document = check(tmp_path, broken)
    item = items(document)["infra.systemd_services"]
    assert item["status"] == "error" and str(broken) in item["summary"]
