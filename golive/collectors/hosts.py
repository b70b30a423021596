"""The host pass: one Ansible task per host gathers every fact the host items need.

The items with `source: hosts` say, through `FACT_REQUESTS`, which fact groups of the
host module (roles/golive_collect/library/golive_collect.py) they need and on which
host pattern. The collector resolves those patterns against the environment's
inventory, runs playbooks/verify.yml once through ansible-runner on the union of the
matched hosts (pipelining, ControlPersist, forks scaled to the host count, host keys
checked unless --insecure-host-keys), and returns per host either the facts or why
the host could not be read.

Evidence data:
    inventory: the inventory file
    patterns:  {pattern: [host, ...]}       every pattern an item asked about
    hosts:     {host: {group: facts, ...}}  or {host: {"error": reason}}
    versions:  {host: version or None}      release.version_file on the version hosts
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from golive.checklist import ItemSpec
from golive.collectors import CollectContext, Collector, Evidence, register
from golive.content import ansible_content
from golive.hostpatterns import InventoryError, load_inventory

PLAYBOOK = ansible_content("playbooks") / "verify.yml"
ROLES_PATH = ansible_content("roles")
DEFAULT_VERSION_FILE = "/etc/lunia/VERSION"
NO_RESULT = "no result from Ansible"


@dataclass(frozen=True)
class FactRequest:
    """Gather fact group `group` with `args` on the hosts matching `pattern`."""

    pattern: str
    group: str
    args: dict[str, Any]


RequestFn = Callable[[ItemSpec], list[FactRequest]]
# Check name -> what its item needs from the hosts. A new host check registers here and
# adds the matching function to the module's GROUPS.
FACT_REQUESTS: dict[str, RequestFn] = {}


def fact_request(*check_names: str) -> Callable[[RequestFn], RequestFn]:
    def register_request(fn: RequestFn) -> RequestFn:
        for name in check_names:
            FACT_REQUESTS[name] = fn
        return fn

    return register_request


def item_pattern(item: ItemSpec) -> str:
    return item.hosts or "all"


@fact_request("infra.systemd_services")
def _units_request(item: ItemSpec) -> list[FactRequest]:
    return [FactRequest(item_pattern(item), "units", {"units": list(item.params["units"])})]


@fact_request("infra.falco")
def _falco_request(item: ItemSpec) -> list[FactRequest]:
    args = {"units": list(item.params["units"]), "config": item.params["config"], "healthz_timeout": item.params["healthz_timeout_seconds"]}
    return [FactRequest(item_pattern(item), "falco", args)]


@fact_request("infra.encrypted_swap")
def _swap_request(item: ItemSpec) -> list[FactRequest]:
    return [FactRequest(item_pattern(item), "swap", {"crypttab": item.params["crypttab"]})]


@fact_request("flags.binance_live_trading", "flags.binance_force_mock", "flags.infra_prod_enabled", "flags.frontend_signal_health")
def _flags_request(item: ItemSpec) -> list[FactRequest]:
    args = {"units": list(item.params["units"]), "flags": [item.params["flag"]], "env_files": list(item.params["env_files"])}
    return [FactRequest(item_pattern(item), "flags", args)]


@fact_request("security.waf_ids")
def _waf_ids_request(item: ItemSpec) -> list[FactRequest]:
    params = item.params
    probes = {
        "probe_url": params["probe_url"],
        "timeout": params["probe_timeout_seconds"],
        "xss_query": params["xss_query"],
        "sqli_query": params["sqli_query"],
        "scanner_user_agent": params["scanner_user_agent"],
    }
    return [
        FactRequest(str(params["hosts_modsecurity"]), "modsecurity", probes),
        FactRequest(str(params["hosts_crowdsec"]), "crowdsec", {"units": list(params["crowdsec_units"])}),
    ]


@fact_request("infra.backups")
def _backups_request(item: ItemSpec) -> list[FactRequest]:
    params = item.params
    args = {
        "repositories": dict(params["repositories"]),
        "read_data_subset": params["read_data_subset"],
        "canary_path": params["canary_path"],
        "record_dir": params["restore_record_dir"],
        "timeout": params["command_timeout_seconds"],
    }
    return [FactRequest(item_pattern(item), "backups", args)]


@fact_request("config.endpoints")
def _endpoints_request(item: ItemSpec) -> list[FactRequest]:
    keys = ("env_file", "redis_var", "postgres_var", "llm_var", "llm_path")
    args = {key: item.params[key] for key in keys} | {"timeout": item.params["timeout_seconds"]}
    return [FactRequest(item_pattern(item), "endpoints", args)]


def merge_args(old: Any, new: Any) -> Any:
    """Two items asking the same group: lists are united in order, mappings merged."""
    if isinstance(old, list) and isinstance(new, list):
        return list(dict.fromkeys([*old, *new]))
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for key, value in new.items():
            merged[key] = merge_args(merged[key], value) if key in merged else value
        return merged
    if isinstance(old, int | float) and isinstance(new, int | float):
        return max(old, new)
    return old


def ansible_cfg(forks: int, settings: dict[str, Any], insecure_host_keys: bool) -> str:
    """The ansible.cfg of the host pass (the benchmark's per-check playbook uses the same)."""
    lines = [
        "[defaults]",
        f"forks = {forks}",
        f"host_key_checking = {not insecure_host_keys}",
        f"timeout = {int(settings.get('connect_timeout', 10))}",
        f"interpreter_python = {settings.get('python_interpreter', '/usr/bin/python3')}",
        f"roles_path = {ROLES_PATH}",
        "retry_files_enabled = False",
        "deprecation_warnings = False",
        # The main process polls its workers' results every 1 ms by default: hundreds of
        # wake-ups a second for the whole pass. 10 ms costs each host's result at most that.
        "internal_poll_interval = 0.01",
        "nocolor = True",
        "",
        "[ssh_connection]",
        "pipelining = True",
        f"ssh_args = {ssh_args(settings, insecure_host_keys)}",
        "",
    ]
    return "\n".join(lines)


def ssh_args(settings: dict[str, Any], insecure_host_keys: bool) -> str:
    args = ["-C", "-o", "ControlMaster=auto", "-o", f"ControlPersist={int(settings.get('control_persist', 120))}s"]
    if insecure_host_keys:
        args += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
    return shlex.join(args)


def runner_env(cfg: Path, settings: dict[str, Any], insecure_host_keys: bool) -> dict[str, str]:
    return {
        "ANSIBLE_CONFIG": str(cfg),
        # ansible-runner sets this to False unless told otherwise: say it explicitly.
        "ANSIBLE_HOST_KEY_CHECKING": str(not insecure_host_keys),
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_SSH_ARGS": ssh_args(settings, insecure_host_keys),
        "ANSIBLE_ROLES_PATH": str(ROLES_PATH),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "PATH": search_path(),
    }


@dataclass
class HostPlan:
    patterns: dict[str, list[str]]
    requests: dict[str, dict[str, dict[str, Any]]]


def plan(items: list[ItemSpec], inventory_hosts: Callable[[str], list[str]], version_pattern: str, version_file: str) -> HostPlan:
    """Which pattern matches which hosts, and what to gather on each host."""
    patterns: dict[str, list[str]] = {}
    requests: dict[str, dict[str, dict[str, Any]]] = {}

    def ask(request: FactRequest) -> None:
        if request.pattern not in patterns:
            patterns[request.pattern] = inventory_hosts(request.pattern)
        for host in patterns[request.pattern]:
            groups = requests.setdefault(host, {})
            groups[request.group] = merge_args(groups[request.group], request.args) if request.group in groups else dict(request.args)

    for item in items:
        if item.kind != "check" or item.source != "hosts":
            continue
        pattern = item_pattern(item)
        if pattern not in patterns:
            patterns[pattern] = inventory_hosts(pattern)
        builder = FACT_REQUESTS.get(item.check_name)
        for request in builder(item) if builder else []:
            ask(request)
    ask(FactRequest(version_pattern, "version", {"file": version_file}))
    return HostPlan(patterns, requests)


def classify_unreachable(message: str) -> str:
    text = " ".join(message.split())
    lowered = text.lower()
    if "host key verification failed" in lowered or "remote host identification has changed" in lowered:
        return f"host key verification failed (unknown or changed host key): {text}"
    if "permission denied" in lowered or "authentication" in lowered:
        return f"authentication failed: {text}"
    if "timed out" in lowered or "timeout" in lowered:
        return f"timeout: {text}"
    return f"unreachable: {text}"


def classify_failure(res: dict[str, Any], interpreter: str) -> str:
    msg = " ".join(str(res.get("msg", "")).split())
    stderr = " ".join(str(res.get("module_stderr", "")).split())
    stdout = " ".join(str(res.get("module_stdout", "")).split())
    combined = f"{msg} {stderr} {stdout}".lower()
    if "timed out" in combined or "timeout" in msg.lower():
        return f"timeout: {msg or stderr}"
    if res.get("rc") == 127 or ("not found" in combined and "python" in combined) or "no such file or directory" in stderr.lower():
        return f"no python3 ({interpreter}) on the host: {stderr or msg}"[:600]
    return f"collector failed: {msg} {stderr}".strip()[:600]


def request_profiles(requests: dict[str, dict[str, dict[str, Any]]]) -> tuple[dict[str, dict[str, dict[str, Any]]], dict[str, str]]:
    """Hosts that ask for the same groups with the same arguments share one profile: the
    extra vars carry each distinct request once and a short name per host, instead of
    every host's request to every host's worker (quadratic in the host count)."""
    profiles: dict[str, dict[str, dict[str, Any]]] = {}
    names: dict[str, str] = {}
    by_host: dict[str, str] = {}
    for host, groups in requests.items():
        name = names.setdefault(json.dumps(groups, sort_keys=True), f"p{len(names)}")
        profiles.setdefault(name, groups)
        by_host[host] = name
    return profiles, by_host


def search_path() -> str:
    """PATH with the running interpreter's bin first, so golive's own Ansible runs."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)])


@dataclass
class PassResult:
    hosts: dict[str, dict[str, Any]]
    status: str
    rc: int | None
    stdout_tail: str
    seconds: float


def run_pass(
    inventory: Path,
    requests: dict[str, dict[str, dict[str, Any]]],
    settings: dict[str, Any],
    insecure_host_keys: bool,
    work_dir: Path,
    cancelled: Callable[[], bool] = lambda: False,
) -> PassResult:
    """Run playbooks/verify.yml once on the hosts of `requests`; one result per host."""
    import ansible_runner

    targets = list(requests)
    forks = max(1, min(len(targets), int(settings.get("forks", 50))))
    interpreter = str(settings.get("python_interpreter", "/usr/bin/python3"))
    cfg = work_dir / "ansible.cfg"
    cfg.write_text(ansible_cfg(forks, settings, insecure_host_keys))
    results: dict[str, dict[str, Any]] = {}
    profiles, host_profiles = request_profiles(requests)

    def on_event(event: dict[str, Any]) -> bool:
        kind = event.get("event", "")
        data = event.get("event_data") or {}
        host = data.get("host")
        res = data.get("res") or {}
        if host and kind == "runner_on_ok" and isinstance(res.get("golive"), dict):
            results[host] = {**res["golive"], "_python": res.get("python"), "_seconds": res.get("seconds")}
        elif host and kind == "runner_on_unreachable":
            results[host] = {"error": classify_unreachable(str(res.get("msg", "unreachable")))}
        elif host and kind == "runner_on_failed":
            results[host] = {"error": classify_failure(res, interpreter)}
        # Nothing is written to the artifact directory: results live only in this process.
        return False

    started = time.monotonic()
    runner = ansible_runner.run(
        private_data_dir=str(work_dir),
        playbook=str(PLAYBOOK),
        inventory=str(inventory),
        limit=",".join(targets),
        extravars={
            "golive_profiles": profiles,
            "golive_host_profile": host_profiles,
            "golive_become": bool(settings.get("become", False)),
            "golive_task_timeout": int(settings.get("task_timeout", 60)),
        },
        envvars=runner_env(cfg, settings, insecure_host_keys),
        forks=forks,
        quiet=True,
        event_handler=on_event,
        cancel_callback=cancelled,
        rotate_artifacts=1,
        # Neither the process environment nor the command line is kept as an artifact.
        suppress_env_files=True,
    )
    stdout = ""
    try:
        stdout = runner.stdout.read() if runner.stdout else ""
    except (OSError, ValueError):
        stdout = ""
    for host in targets:
        results.setdefault(host, {"error": f"{NO_RESULT} (run {runner.status}, rc {runner.rc})"})
    return PassResult(results, str(runner.status), runner.rc, stdout[-2000:], round(time.monotonic() - started, 3))


@register
class HostsCollector(Collector):
    source = "hosts"
    settings_keys: ClassVar[set[str]] = {
        "forks",
        "connect_timeout",
        "task_timeout",
        "control_persist",
        "python_interpreter",
        "become",
        "version_hosts",
        "artifact_dir",
    }
    default_timeout = 300.0

    def collect(self, ctx: CollectContext) -> Evidence:
        inventory_path = ctx.config.inventory
        if inventory_path is None:
            return Evidence.unavailable(self.source, f"no inventory configured for environment '{ctx.config.environment}'")
        try:
            inventory = load_inventory(inventory_path)
        except InventoryError as exc:
            return Evidence(self.source, error=str(exc))
        settings = ctx.settings
        version_file = str(ctx.config.release.get("version_file", DEFAULT_VERSION_FILE))
        host_plan = plan(ctx.config.checklist.items, inventory.hosts, str(settings.get("version_hosts", "lunia_app")), version_file)
        data: dict[str, Any] = {"inventory": str(inventory_path), "patterns": host_plan.patterns, "hosts": {}, "versions": {}}
        files: list[str] = []
        if host_plan.requests:
            # --restore-test is a run option, not an item parameter: the backup hosts restore now.
            for groups in host_plan.requests.values():
                if "backups" in groups:
                    groups["backups"]["restore_test"] = ctx.options.restore_test
            insecure = ctx.options.insecure_host_keys
            result = self._run(inventory_path, host_plan.requests, settings, insecure, ctx)
            data["hosts"] = result.hosts
            data["run"] = {"status": result.status, "rc": result.rc, "seconds": result.seconds}
            if all(str(facts.get("error", "")).startswith(NO_RESULT) for facts in result.hosts.values()):
                tail = " ".join(result.stdout_tail.split())[-600:]
                return Evidence(
                    self.source, data=data, error=f"ansible-runner {result.status} (rc {result.rc}) without any host result: {tail}"
                )
        for host in host_plan.patterns.get(str(settings.get("version_hosts", "lunia_app")), []):
            facts = data["hosts"].get(host, {})
            version = facts.get("version", {}) if "error" not in facts else {"error": facts["error"]}
            data["versions"][host] = version.get("version")
            if version.get("error"):
                data.setdefault("version_errors", {})[host] = version["error"]
        for host, facts in sorted(data["hosts"].items()):
            files.append(ctx.write_evidence(host, facts))
        files.append(ctx.write_evidence("_pass", {key: value for key, value in data.items() if key != "hosts"}))
        return Evidence(self.source, data=data, files=files)

    def _run(
        self, inventory: Path, requests: dict[str, dict[str, dict[str, Any]]], settings: dict[str, Any], insecure: bool, ctx: CollectContext
    ) -> PassResult:
        keep = settings.get("artifact_dir")
        if keep:
            folder = ctx.config.resolve(str(keep))
            folder.mkdir(parents=True, exist_ok=True)
            return run_pass(
                inventory, requests, settings, insecure, Path(tempfile.mkdtemp(prefix="hosts-", dir=folder)), ctx.cancelled.is_set
            )
        work = Path(tempfile.mkdtemp(prefix="golive-hosts-"))
        try:
            return run_pass(inventory, requests, settings, insecure, work, ctx.cancelled.is_set)
        finally:
            shutil.rmtree(work, ignore_errors=True)
