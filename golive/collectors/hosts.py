"""The host pass: one Ansible task per host gathers every fact the host items need.

The host items' checks declare what they need as requests (`Request(source="hosts",
what=<fact group>, args=..., hosts=<pattern>)`); the fact groups are the keys of the
host module's GROUPS (roles/golive_collect/library/golive_collect.py, `host_groups()`).
The collector resolves the requests' patterns against the environment's inventory, runs
playbooks/verify.yml once through ansible-runner on the union of the matched hosts
(pipelining, ControlPersist, forks scaled to the host count, host keys checked unless
--insecure-host-keys), and returns per host either the facts or why the host could not
be read. Its evidence data is a `HostsData`.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypedDict, cast

from golive.collectors import CollectContext, Collector, Evidence, Request, register
from golive.content import ansible_content
from golive.hostpatterns import InventoryError, load_inventory

PLAYBOOK = ansible_content("playbooks") / "verify.yml"
ROLES_PATH = ansible_content("roles")
HOST_MODULE = ROLES_PATH / "golive_collect" / "library" / "golive_collect.py"
DEFAULT_VERSION_FILE = "/etc/lunia/VERSION"
NO_RESULT = "no result from Ansible"
SOURCE = "hosts"
# The collector's own request, made whatever the items ask: release.version_file on the
# version hosts, for the version tag's consistency check.
VERSION_GROUP = "version"
# A request naming no fact group asks only which hosts its pattern matches: an item may
# judge hosts of its own pattern from facts other requests gather on narrower patterns.
MATCH_ONLY = ""


class HostRun(TypedDict):
    status: str
    rc: int | None
    seconds: float


class _HostsDataAlways(TypedDict):
    inventory: str
    # Every pattern a request named, with the hosts it matches.
    patterns: dict[str, list[str]]
    # host -> {group: facts, "_python": ..., "_seconds": ...}, or {"error": reason}.
    hosts: dict[str, dict[str, Any]]
    # release.version_file on each version host; None where it could not be read.
    versions: dict[str, str | None]


class HostsData(_HostsDataAlways, total=False):
    """The hosts source's evidence data. (Optional keys by `total=False` rather than
    NotRequired, which postponed annotations hide from TypedDict at run time.)"""

    # Absent when nothing was asked of any host.
    run: HostRun
    version_errors: dict[str, str]
    # release.image_file on each version host (the image reference it deployed), when set.
    images: dict[str, str | None]
    image_errors: dict[str, str]


@functools.cache
def host_groups(module: Path = HOST_MODULE) -> frozenset[str]:
    """The fact groups the host module defines: the keys of its GROUPS, read from its
    source (it is written to run on a host under Ansible, not to be imported here)."""
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Dict):
            continue
        if any(isinstance(target, ast.Name) and target.id == "GROUPS" for target in node.targets):
            return frozenset(str(ast.literal_eval(key)) for key in node.value.keys if key is not None)
    raise LookupError(f"{module}: no GROUPS = {{...}} literal")


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


def plan(
    requests: Iterable[Request], inventory_hosts: Callable[[str], list[str]], version_pattern: str, version_file: str, image_file: str = ""
) -> HostPlan:
    """Which pattern matches which hosts, and what to gather on each host. Requests for one
    group on one host are merged (`merge_args`), in the order they come."""
    patterns: dict[str, list[str]] = {}
    gather: dict[str, dict[str, dict[str, Any]]] = {}

    def ask(pattern: str, group: str, args: dict[str, Any]) -> None:
        if pattern not in patterns:
            patterns[pattern] = inventory_hosts(pattern)
        if group == MATCH_ONLY:
            return
        for host in patterns[pattern]:
            groups = gather.setdefault(host, {})
            groups[group] = merge_args(groups[group], args) if group in groups else dict(args)

    for request in requests:
        ask(request.hosts or "all", request.what, request.args)
    ask(version_pattern, VERSION_GROUP, {"file": version_file, **({"image_file": image_file} if image_file else {})})
    return HostPlan(patterns, gather)


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
    source = SOURCE
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
        version_pattern = str(settings.get("version_hosts", "lunia_app"))
        image_file = str(ctx.config.release.get("image_file", ""))
        host_plan = plan(ctx.requests, inventory.hosts, version_pattern, version_file, image_file)
        data: HostsData = {"inventory": str(inventory_path), "patterns": host_plan.patterns, "hosts": {}, "versions": {}}
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
                    self.source,
                    data=cast("dict[str, Any]", data),
                    error=f"ansible-runner {result.status} (rc {result.rc}) without any host result: {tail}",
                )
        for host in host_plan.patterns.get(version_pattern, []):
            facts = data["hosts"].get(host, {})
            version = facts.get(VERSION_GROUP, {}) if "error" not in facts else {"error": facts["error"]}
            data["versions"][host] = version.get("version")
            if version.get("error"):
                data.setdefault("version_errors", {})[host] = version["error"]
            if image_file:
                data.setdefault("images", {})[host] = version.get("image")
                if version.get("image_error") or version.get("error"):
                    data.setdefault("image_errors", {})[host] = str(version.get("image_error") or version["error"])
        for host, facts in sorted(data["hosts"].items()):
            files.append(ctx.write_evidence(host, facts))
        files.append(ctx.write_evidence("_pass", {key: value for key, value in data.items() if key != "hosts"}))
        return Evidence(self.source, data=cast("dict[str, Any]", data), files=files)

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
