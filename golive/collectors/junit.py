"""Test suite reports (JUnit XML) for tests.unit, tests.integration, tests.performance and
tests.e2e, plus the performance suite's latency samples.

    sources:
      junit:
        dir: examples/lunia_demo            # project directory (default: golive.yml's folder)
        unit: reports/unit.xml              # path or glob (or a list), relative to dir
        integration: reports/integration.xml
        performance: reports/perf.xml
        latency: reports/perf-latency.json  # samples file or pytest-benchmark JSON
        e2e: e2e/reports/junit.xml          # Playwright's junit reporter
        run:                                # optional: commands golive runs in dir first
          unit: python -m pytest tests/unit --junitxml=reports/unit.xml
        command_timeout: 600                # seconds per command

A command's failing exit code is not an error by itself (a test runner exits non-zero when
tests fail); the report it writes is judged. The performance command produces both the
`performance` report and the `latency` file.
"""

from __future__ import annotations

from typing import Any, ClassVar

from golive.collectors import CollectContext, Collector, Evidence, register
from golive.testevidence import artifacts
from golive.testevidence.junit import parse_junit
from golive.testevidence.latency import parse_latency

# Report name in sources.junit -> the item that judges it.
SUITES = {"unit": "tests.unit", "integration": "tests.integration", "performance": "tests.performance", "e2e": "tests.e2e"}


@register
class JUnitCollector(Collector):
    source = "junit"
    settings_keys: ClassVar[set[str]] = {"dir", *SUITES, "latency", "run", "command_timeout"}
    default_timeout = 1800.0

    def collect(self, ctx: CollectContext) -> Evidence:
        if not any(key in ctx.settings for key in SUITES):
            return Evidence.unavailable(self.source, f"sources.junit.{{{','.join(SUITES)}}} not configured")
        try:
            base = artifacts.project_dir(ctx)
            wanted = {suite: artifacts.patterns(ctx, suite) for suite in SUITES if suite in ctx.settings}
            latency = artifacts.patterns(ctx, "latency") if "latency" in ctx.settings else None
            commands = artifacts.commands(ctx, set(SUITES))
            timeout = artifacts.command_timeout(ctx)
        except artifacts.SettingsError as exc:
            return Evidence(self.source, error=str(exc))
        suites: dict[str, Any] = {}
        files: list[str] = []
        for suite, patterns in wanted.items():
            if ctx.config.checklist.get(SUITES[suite]) is None:
                continue  # the item is disabled: do not spend minutes running its suite
            entry: dict[str, Any] = {"patterns": patterns, "command": None}
            if suite in commands:
                entry["command"] = artifacts.run_command(ctx, suite, commands[suite], base, timeout)
                files.append(entry["command"]["output"])
            entry["files"] = artifacts.read_reports(base, patterns, parse_junit)
            if suite == "performance":
                entry["latency"] = {"patterns": latency, "files": artifacts.read_reports(base, latency, parse_latency)} if latency else None
            suites[suite] = entry
            files.append(ctx.write_evidence(suite, entry))
        return Evidence(self.source, data={"dir": str(base), "suites": suites}, files=files)
