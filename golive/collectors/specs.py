"""`golive check --specs DIR`: user-written testinfra specs run on the inventory's hosts.

pytest runs the spec files in a subprocess with testinfra's ansible backend on the
environment's inventory (each spec module names its hosts with `testinfra_hosts`, or
`sources.specs.hosts` names them for all); an ansible.cfg with a ControlPath makes every host reuse one SSH
connection for all its commands. golive's pytest plugin records each test per host.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, ClassVar, TypedDict, cast

from golive.collectors import CollectContext, Collector, Evidence, register
from golive.collectors.hosts import search_path


class _SpecsReport(TypedDict):
    # What golive.specs_plugin writes: pytest's exit status and one record per test and host.
    exitstatus: int
    records: list[dict[str, Any]]


class SpecsData(_SpecsReport):
    """The specs source's evidence data: the plugin's report and the folder it ran."""

    folder: str


@register
class SpecsCollector(Collector):
    source = "specs"
    settings_keys: ClassVar[set[str]] = {"hosts"}
    default_timeout = 300.0

    def collect(self, ctx: CollectContext) -> Evidence:
        folder = ctx.options.specs
        if not folder:
            return Evidence.unavailable(self.source, "no --specs folder given")
        folder = Path(folder)
        if not folder.is_dir():
            return Evidence(self.source, error=f"--specs {folder}: not a directory")
        if ctx.config.inventory is None:
            return Evidence.unavailable(self.source, f"no inventory configured for environment '{ctx.config.environment}'")
        with tempfile.TemporaryDirectory(prefix="golive-specs-") as tmp:
            work = Path(tmp)
            (work / "cp").mkdir()
            cfg = work / "ansible.cfg"
            cfg.write_text(spec_ansible_cfg(work / "cp", ctx.options.insecure_host_keys))
            report = work / "report.json"
            env = {
                **os.environ,
                "PATH": search_path(),
                "ANSIBLE_CONFIG": str(cfg),
                "ANSIBLE_HOST_KEY_CHECKING": str(not ctx.options.insecure_host_keys),
                "GOLIVE_SPECS_REPORT": str(report),
                "PYTHONDONTWRITEBYTECODE": "1",
            }
            argv = [
                sys.executable,
                "-m",
                "pytest",
                str(folder),
                "-p",
                "golive.specs_plugin",
                "-p",
                "no:cacheprovider",
                "-q",
                "--no-header",
                "-o",
                "addopts=",
                f"--rootdir={folder}",
                f"--ansible-inventory={ctx.config.inventory}",
            ]
            # --hosts overrides every module's own testinfra_hosts: only when configured.
            if ctx.settings.get("hosts"):
                argv.append(f"--hosts=ansible://{ctx.settings['hosts']}")
            done = ctx.run(argv, cwd=folder, timeout=float(ctx.settings.get("timeout", self.default_timeout)), env=env)
            if not report.exists():
                tail = " ".join((done.stdout + done.stderr).split())[-600:]
                return Evidence(self.source, error=f"pytest exited {done.returncode} without a spec report: {tail}")
            data = cast("SpecsData", json.loads(report.read_text()))
        data["folder"] = str(folder)
        if not data["records"]:
            return Evidence(self.source, data=dict(data), error=f"no spec test collected from {folder} (pytest exit {data['exitstatus']})")
        return Evidence(self.source, data=dict(data), files=[ctx.write_evidence("specs", data)])


def spec_ansible_cfg(control_dir: Path, insecure_host_keys: bool) -> str:
    # testinfra's ansible backend takes a ControlPath only from here (and only if the dir exists).
    return "\n".join(
        [
            "[defaults]",
            f"host_key_checking = {not insecure_host_keys}",
            "[ssh_connection]",
            "control_path = %(directory)s/%%C",
            "[persistent_connection]",
            f"control_path_dir = {control_dir}",
            "",
        ]
    )
