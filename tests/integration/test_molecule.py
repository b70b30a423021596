"""The Molecule scenarios, run for real: `molecule test -s default` and `-s drift`.

Both scenarios start at once (each on its own sandbox fleet, prefix and subnet, so they
and the other fleets of this session never collide) and each test waits for its own.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.collectors import settings_keys
from golive.config import load_config
from golive.sandbox import Fleet
from tests.conftest import needs, write
from tests.integration.conftest import free_subnet, reclaim_dead_fleets, record_timing, require_sandbox, unique_prefix

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
MOLECULE = VENV_BIN / "molecule"
SCENARIOS = {"default": ("m", 151), "drift": ("n", 201)}
TIMEOUT_S = 540.0
BROKEN = {
    "infra.systemd_services": "app2",
    "security.waf_ids": "app1",
    "infra.backups": "app2",
    "flags.binance_force_mock": "app1",
}


class Run:
    """One `molecule test` in the background; a thread notes when it really ended."""

    def __init__(self, prefix: str, process: subprocess.Popen[str], log: Path) -> None:
        self.prefix, self.process, self.log = prefix, process, log
        self.started = time.monotonic()
        self.seconds = 0.0
        self._waiter = threading.Thread(target=self._wait, daemon=True)
        self._waiter.start()

    def _wait(self) -> None:
        try:
            self.process.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.seconds = time.monotonic() - self.started

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def wait(self) -> str:
        self._waiter.join()
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[dict[str, Run]]:
    require_sandbox()
    needs(MOLECULE.exists() and shutil.which("golive", path=str(VENV_BIN)) is not None, "molecule and golive must be installed in the venv")
    reclaim_dead_fleets("".join(letter for letter, _ in SCENARIOS.values()))
    started: dict[str, Run] = {}
    try:
        for scenario, (letter, offset) in SCENARIOS.items():
            workdir = tmp_path_factory.mktemp(f"molecule-{scenario}")
            prefix = unique_prefix(letter)
            env = {
                **os.environ,
                "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                "MOLECULE_EPHEMERAL_DIRECTORY": str(workdir / "ephemeral"),
                "GOLIVE_MOLECULE_PREFIX": prefix,
                "GOLIVE_MOLECULE_SUBNET": free_subnet(offset=offset),
                "NO_COLOR": "1",
                "ANSIBLE_NOCOLOR": "1",
            }
            log = workdir / "molecule.log"
            with log.open("w") as out:
                process = subprocess.Popen(
                    [str(MOLECULE), "test", "-s", scenario],
                    cwd=ROOT,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    text=True,
                    start_new_session=True,
                )
            started[scenario] = Run(prefix, process, log)
        yield started
    finally:
        for scenario, run in started.items():
            run.wait()
            record_timing(pytestconfig, f"molecule test -s {scenario}", run.seconds)
            fleet = Fleet([], name_prefix=run.prefix)
            leftovers = fleet.leftovers()
            fleet.down()
            assert not leftovers, f"molecule {scenario} left fleet objects behind: {leftovers}"


def tail(output: str) -> str:
    return output[-6000:]


def test_default_scenario_converges_idempotently_and_golive_passes_every_host_item(runs: dict[str, Run]) -> None:
    output = runs["default"].wait()
    assert runs["default"].returncode == 0, tail(output)
    for action in ("create", "converge", "idempotence", "verify", "destroy"):
        assert re.search(rf"default > {action}\]? Executed: Successful", output), (action, tail(output))
    assert '"Verdict: PARTIAL PASS"' in output, tail(output)
    assert re.search(r"app1\s+: ok=\d+\s+changed=0\s", output.split("default > idempotence", 1)[1]), tail(output)


def test_drift_scenario_requires_no_go_naming_exactly_the_broken_items_per_host(runs: dict[str, Run]) -> None:
    output = runs["drift"].wait()
    assert runs["drift"].returncode == 0, tail(output)
    named = "; ".join(f"{item} on {host}" for item, host in sorted(BROKEN.items()))
    assert f"as expected: NO-GO, failing exactly {named}" in output, tail(output)
    assert re.search(r"drift > side_effect\]? Executed: Successful", output), tail(output)


def test_scenario_selection_is_exactly_the_host_items(tmp_path: Path) -> None:
    """`--only` in both verifiers selects every item judged on hosts, and nothing else: a host
    item added to the default checklist later fails this test until the verifiers name it."""
    import yaml

    from golive.checklist import load_default
    from golive.judging import select_items

    config = load_config(write(tmp_path / "golive.yml", "release: {repo: .}\n"), None, settings_keys())
    host_items = {item.id for item in load_default().items if item.source == "hosts"}
    for scenario in ("default", "drift"):
        play = yaml.safe_load((ROOT / "molecule" / scenario / "verify.yml").read_text())[0]
        patterns = play["vars"]["golive_host_items"].split(",")
        selected, partial = select_items(config, patterns, [])
        judged = {item.id for item in selected.checklist.items if item.kind == "check"}
        assert judged == host_items and len(host_items) >= 10, scenario
        assert partial is not None
