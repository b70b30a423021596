"""One run of the demo: where it writes, as of when, what it breaks and signs; and the
commands it runs."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from golive.demo.breaks import Breakage
from golive.demo.team import DemoError


@dataclass
class DemoPlan:
    out: Path
    as_of: dt.datetime
    breaks: list[Breakage] = field(default_factory=list)
    sign: bool = False
    with_fleet: bool = True
    notes: list[str] = field(default_factory=list)
    # Variables golive check runs with (the Vault token): never written into the release.
    environ: dict[str, str] = field(default_factory=dict)

    @property
    def release(self) -> Path:
        return self.out / "release"

    def service_break(self, kind: str) -> Breakage | None:
        return next((broken for broken in self.breaks if broken.service == kind), None)

    @property
    def host_faults(self) -> list[Breakage]:
        return [broken for broken in self.breaks if broken.fault]


def run_command(argv: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise DemoError(f"{' '.join(argv[:3])} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-400:]}")
    return done.stdout


def golive_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "golive", *args], cwd=cwd, capture_output=True, text=True, timeout=1800)


def environment_out(plan: DemoPlan, environment: str) -> Path:
    """prod's reports are the demo's reports (golive-demo/); staging's go to golive-demo/staging/."""
    return plan.out if environment == "prod" else plan.out / environment
