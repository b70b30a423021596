"""The host module's parsers and the controller's planning, without any host."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from golive.checklist import load_default
from golive.checks import JudgeContext
from golive.checks.specs import spec_items
from golive.collectors import Evidence, Request
from golive.collectors.hosts import MATCH_ONLY, classify_failure, classify_unreachable, merge_args, plan
from golive.config import Config
from golive.engine import gather_requests
from golive.hostpatterns import load_inventory, validate_inventory
from golive.model import Status
from tests.conftest import write
from tests.unit.conftest import COLLECT_MODULE_PATH


def test_env_file_parsed_as_systemd_does(module: ModuleType) -> None:
    text = (
        "# comment\n; also a comment\n"
        "A=plain value   \n"
        '  B = "double \\"quoted\\" $x"\n'
        "C='single # not a comment'\n"
        "D=one\\\n two\n"
        "not an assignment\n"
        "A=later wins\n"
        'E="multi\nline"\n'
    )
    assert module.parse_env_file(text) == [
        ["A", "plain value", 3],
        ["B", 'double "quoted" $x', 4],
        ["C", "single # not a comment", 5],
        ["D", "one two", 6],
        ["A", "later wins", 9],
        ["E", "multi\nline", 10],
    ]


@pytest.mark.parametrize(
    ("name", "value", "kept"),
    [
        ("BINANCE_API_KEY", "abc", False),
        ("LUNIA_API_SECRET", "abc", False),
        ("DB_PASSWORD", "abc", False),
        ("GITHUB_TOKEN", "abc", False),
        ("AWS_SECRETACCESSKEY", "abc", False),
        ("DATABASE_URL", "postgres://user:pw@db/lunia", False),
        ("BINANCE_FORCE_MOCK", "false", True),
        ("KEYBOARD_LAYOUT", "us", True),
        ("DATABASE_URL", "postgres://db/lunia", True),
    ],
)
def test_secret_looking_values_are_dropped_on_the_host(module: ModuleType, name: str, value: str, kept: bool) -> None:
    assert (module.scrub(name, value) == value) is kept


def test_unit_environment_and_env_files_scrubbed(module: ModuleType) -> None:
    assignments = module.scrub_assignments(module.split_unit_environment('A=1 "LUNIA_API_SECRET=x y" B=2'))
    assert assignments == [["A", "1", 1], ["LUNIA_API_SECRET", None, 2], ["B", "2", 3]]


def test_falco_yaml_subset_parser_reads_rules_and_webserver(module: ModuleType) -> None:
    text = "rules_files:\n  - /etc/falco/a.yaml\n  - /etc/falco/b.yaml # local\nwebserver:\n  enabled: true\n  listen_port: 8765\n"
    assert module.parse_yaml_subset(text) == {
        "rules_files": ["/etc/falco/a.yaml", "/etc/falco/b.yaml"],
        "webserver": {"enabled": True, "listen_port": 8765},
    }
    with pytest.raises(ValueError, match="line 1"):
        module.parse_yaml_subset("just words\n")


def test_crypttab_key_field_only_echoed_when_a_path(module: ModuleType) -> None:
    entries = module.parse_crypttab("# c\ncryptswap /dev/vdb /dev/urandom swap,cipher=aes\nhome UUID=1 hunter2 luks\n")
    assert [(entry["name"], entry["keyfile"], entry["options"]) for entry in entries] == [
        ("cryptswap", "/dev/urandom", ["swap", "cipher=aes"]),
        ("home", None, ["luks"]),
    ]


def test_one_failing_fact_group_does_not_cost_the_others(module: ModuleType, tmp_path: Path) -> None:
    version = write(tmp_path / "VERSION", "1.4.0\n")
    facts = module.gather(
        {"version": {"file": str(version)}, "swap": {"swaps": str(tmp_path / "absent"), "crypttab": str(tmp_path / "none")}, "nope": {}}
    )
    assert facts["version"]["version"] == "1.4.0"
    assert "absent" in facts["swap"]["swaps_error"]
    assert "no fact group 'nope'" in facts["nope"]["error"]


def test_parse_show_reads_environment_files(module: ModuleType) -> None:
    props = module.parse_show(
        "Id=a.service\nMainPID=12\nEnvironmentFiles=/etc/lunia/lunia.env (ignore_errors=no)\nEnvironmentFiles=/etc/x (ignore_errors=yes)\n"
    )
    assert props["EnvironmentFiles"] == [{"path": "/etc/lunia/lunia.env", "optional": False}, {"path": "/etc/x", "optional": True}]
    assert module.unit_state(props)["main_pid"] == 12


def test_merge_unites_lists_and_keeps_larger_timeouts() -> None:
    merged = merge_args({"units": ["a", "b"], "flags": ["X"], "timeout": 2}, {"units": ["b", "c"], "flags": ["Y"], "timeout": 5})
    assert merged == {"units": ["a", "b", "c"], "flags": ["X", "Y"], "timeout": 5}


def default_config() -> Config:
    return Config(path=Path("golive.yml"), base_dir=Path("."), environment="test", checklist=load_default(), release={}, sources={})


def test_plan_asks_each_host_only_for_its_items_groups() -> None:
    groups = {"all": ["app1", "web1"], "lunia_app": ["app1"], "lunia_web:all": ["app1", "web1"], "lunia_backup": []}
    requests = gather_requests(default_config())["hosts"]
    host_plan = plan(requests, lambda pattern: groups.get(pattern, []), "lunia_app", "/etc/lunia/VERSION")
    assert sorted(host_plan.requests["app1"]) == ["crowdsec", "endpoints", "falco", "flags", "swap", "time_sync", "units", "version"]
    assert sorted(host_plan.requests["web1"]) == ["crowdsec", "falco", "swap", "time_sync"]
    flags = host_plan.requests["app1"]["flags"]["flags"]
    assert flags == ["BINANCE_LIVE_TRADING", "BINANCE_FORCE_MOCK", "INFRA_PROD_ENABLED", "FRONTEND_SIGNAL_HEALTH_ENABLED"]
    # The WAF item's own pattern is resolved though it gathers nothing under it.
    assert host_plan.patterns["lunia_web:all"] == ["app1", "web1"]


def test_plan_resolves_a_match_only_pattern_and_gathers_nothing_for_it() -> None:
    resolved: list[str] = []

    def inventory_hosts(pattern: str) -> list[str]:
        resolved.append(pattern)
        return {"web": ["w1"], "app": ["a1"]}.get(pattern, [])

    requests = [Request("hosts", MATCH_ONLY, hosts="web"), Request("hosts", "units", {"units": ["x"]}, hosts="app")]
    host_plan = plan(requests, inventory_hosts, "app", "/v")
    assert host_plan.patterns == {"web": ["w1"], "app": ["a1"]}
    assert host_plan.requests == {"a1": {"units": {"units": ["x"]}, "version": {"file": "/v"}}}
    assert resolved == ["web", "app"]  # each pattern resolved once


def test_plan_merges_two_requests_for_one_group_on_one_host() -> None:
    requests = [
        Request("hosts", "flags", {"units": ["a"], "flags": ["X"], "timeout": 2}, hosts="app"),
        Request("hosts", "flags", {"units": ["a", "b"], "flags": ["Y"], "timeout": 1}, hosts="all"),
    ]
    host_plan = plan(requests, lambda pattern: ["a1"], "none", "/v")
    assert host_plan.requests["a1"]["flags"] == {"units": ["a", "b"], "flags": ["X", "Y"], "timeout": 2}


@pytest.mark.parametrize(
    ("message", "prefix"),
    [
        ("ssh: connect to host 10.0.0.2 port 22: Connection refused", "unreachable: "),
        ("root@10.0.0.2: Permission denied (publickey).", "authentication failed: "),
        ("Connection timed out during banner exchange", "timeout: "),
        ("Host key verification failed.", "host key verification failed"),
    ],
)
def test_unreachable_reasons_are_classified(message: str, prefix: str) -> None:
    assert classify_unreachable(message).startswith(prefix)


def test_missing_interpreter_and_task_timeout_are_classified() -> None:
    assert classify_failure({"rc": 127, "module_stderr": "/bin/sh: 1: /usr/bin/python3: not found"}, "/usr/bin/python3").startswith(
        "no python3"
    )
    assert classify_failure({"msg": "The task timed out after 8 seconds."}, "/usr/bin/python3").startswith("timeout: ")


def test_broken_inventory_is_reported_with_file_and_line(tmp_path: Path) -> None:
    broken = write(tmp_path / "inventory.yml", "all:\n  hosts:\n    a: {ansible_host: 1.2.3.4\n")
    reason = validate_inventory(broken)
    assert reason is not None and str(broken) in reason and "inventory.yml:4" in reason
    assert validate_inventory(tmp_path / "absent.yml") == f"inventory {tmp_path / 'absent.yml'}: no such file or directory"


def test_inventory_patterns_resolve_to_host_names(tmp_path: Path) -> None:
    inventory = write(
        tmp_path / "inventory.yml", "all:\n  children:\n    lunia_app: {hosts: {app1: {}, app2: {}}}\n    lunia_web: {hosts: {web1: {}}}\n"
    )
    assert validate_inventory(inventory) is None
    resolved = load_inventory(inventory).resolve(["lunia_app", "lunia_web:&lunia_app", "nothing"])
    assert resolved == {"lunia_app": ["app1", "app2"], "lunia_web:&lunia_app": [], "nothing": []}


def _spec_ctx() -> JudgeContext:
    return JudgeContext(default_config(), dt.datetime(2026, 11, 29, tzinfo=dt.UTC))


def test_spec_tests_become_per_host_items_blocking_unless_advisory() -> None:
    records = [
        {
            "nodeid": "t.py::test_a[ansible://app1]",
            "test": "test_a",
            "file": "t.py",
            "host": "app1",
            "when": "call",
            "outcome": "passed",
            "message": "",
        },
        {
            "nodeid": "t.py::test_a[ansible://app2]",
            "test": "test_a",
            "file": "t.py",
            "host": "app2",
            "when": "call",
            "outcome": "failed",
            "message": "lunia_bot is not running",
        },
        {
            "nodeid": "t.py::test_b[ansible://app2]",
            "test": "test_b",
            "file": "t.py",
            "host": "app2",
            "when": "setup",
            "outcome": "failed",
            "message": "ssh: unreachable",
            "advisory": True,
        },
        {"nodeid": "t.py::test_c", "test": "test_c", "file": "t.py", "host": None, "when": "call", "outcome": "passed", "message": ""},
    ]
    items = {item.id: item for item in spec_items(Evidence("specs", data={"records": records}), _spec_ctx())}
    assert items["spec.test_a"].status is Status.FAIL and items["spec.test_a"].blocks
    assert items["spec.test_a"].hosts["app1"].status is Status.PASS  # type: ignore[index]
    assert [finding.key for finding in items["spec.test_a"].findings] == ["spec:test_a"]
    assert items["spec.test_b"].status is Status.ERROR and not items["spec.test_b"].blocks
    assert items["spec.test_c"].status is Status.ERROR and "testinfra_hosts" in items["spec.test_c"].summary


def test_specs_asked_for_but_not_run_is_an_item_not_silence() -> None:
    [item] = spec_items(Evidence("specs", error="pytest exited 4 without a spec report"), _spec_ctx())
    assert item.id == "spec.run" and item.status is Status.ERROR and item.blocks


def test_module_is_a_json_args_module_ansible_pipes_unwrapped() -> None:
    # An ansible.module_utils import would turn it into an AnsiballZ module, which the
    # host unpacks and recompiles on every run (bench/host_pass.py measured 1.8x on 20 hosts).
    from ansible.executor import module_common

    text = COLLECT_MODULE_PATH.read_bytes()
    assert text.count(module_common.REPLACER_JSONARGS) == 1
    assert not module_common.NEW_STYLE_PYTHON_MODULE_RE.search(text)
    assert module_common.REPLACER not in text and b"WANT_JSON" not in text


def test_module_main_reads_its_json_args_and_prints_one_result(
    module: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    version = write(tmp_path / "VERSION", "1.4.0\n")
    args = {"groups": {"version": {"file": str(version)}, "nonsense": {}}, "_ansible_check_mode": False}
    monkeypatch.setattr(module, "JSON_ARGS", json.dumps(args))
    assert module.main() == 0
    result = json.loads(capsys.readouterr().out)
    assert result["changed"] is False
    assert result["golive"]["version"]["version"] == "1.4.0"
    assert "no fact group 'nonsense'" in result["golive"]["nonsense"]["error"]


@pytest.mark.parametrize("json_args", ["", "{}", '{"groups": ["units"]}'])
def test_module_main_fails_cleanly_on_bad_arguments(
    module: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], json_args: str
) -> None:
    monkeypatch.setattr(module, "JSON_ARGS", json_args)
    assert module.main() == 1
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] is True and result["msg"].startswith("golive_collect: bad arguments")


FALCO_YAML = """\
# Falco's own falco.yaml is long and mostly comments.
rules_files:
  - {rules}
  - {missing}
webserver:
  enabled: true
  listen_port: 8765
  k8s_healthz_endpoint: /healthz
"""


@pytest.mark.parametrize("with_pyyaml", [True, False], ids=["pyyaml", "no-pyyaml-subset"])
def test_falco_config_read_with_or_without_pyyaml(
    module: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, with_pyyaml: bool
) -> None:
    if not with_pyyaml:
        monkeypatch.setitem(sys.modules, "yaml", None)  # what a host without python3-yaml sees
    rules = write(tmp_path / "falco_rules.yaml", "- rule: x\n")
    config = write(tmp_path / "falco.yaml", FALCO_YAML.format(rules=rules, missing=tmp_path / "gone.yaml"))
    entry = module.falco_config(str(config))
    assert [rule["exists"] for rule in entry["rules_files"]] == [True, False]
    assert entry["webserver"] == {
        "configured": True,
        "enabled": True,
        "port": 8765,
        "address": "127.0.0.1",
        "endpoint": "/healthz",
        "ssl": False,
    }


def test_falco_config_that_does_not_parse_is_named(module: ModuleType, tmp_path: Path) -> None:
    config = write(tmp_path / "falco.yaml", "rules_files: [unclosed\nwebserver: {enabled: true\n")
    entry = module.falco_config(str(config))
    assert entry["exists"] is True and entry["parse_error"] and "rules_files" not in entry


def test_hosts_asking_the_same_share_one_profile_in_the_extra_vars() -> None:
    from golive.collectors.hosts import request_profiles

    same = {"units": {"units": ["lunia_core"]}, "version": {"file": "/etc/lunia/VERSION"}}
    web = {**same, "modsecurity": {"probe_url": "http://127.0.0.1/"}}
    requests = {f"app{number}": json.loads(json.dumps(same)) for number in range(1, 101)} | {"web1": web}
    profiles, by_host = request_profiles(requests)
    assert len(profiles) == 2
    assert {host: profiles[name] for host, name in by_host.items()} == requests
    # The extra vars grow by a short name per host, not by a copy of each host's request.
    assert len(json.dumps([profiles, by_host])) < len(json.dumps(requests)) / 4
