"""Test suite reports (JUnit XML) of the unit, integration, performance and e2e suites, plus
the performance suite's latency samples.

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
`performance` report and the `latency` file. Only the suites requested are run and read
(Request(SOURCE, SUITE, {"suite": name}); the tests checks declare them), so a suite
whose item is disabled costs no time.
"""

from __future__ import annotations

from typing import ClassVar, TypedDict

from golive.collectors import CollectContext, Collector, Evidence, register
from golive.testevidence import artifacts
from golive.testevidence.artifacts import CommandRecord, ReportFile
from golive.testevidence.junit import parse_junit
from golive.testevidence.latency import parse_latency

SOURCE = "junit"
SUITE = "suite"
# The suites, as named in sources.junit (their report settings and `run:` keys).
SUITES = ("unit", "integration", "performance", "e2e")


class LatencyFiles(TypedDict):
    patterns: list[str]
    files: list[ReportFile]


class _SuiteAlways(TypedDict):
    patterns: list[str]
    command: CommandRecord | None
    files: list[ReportFile]


class Suite(_SuiteAlways, total=False):
    # The performance suite's latency samples (None when sources.junit.latency is not set).
    latency: LatencyFiles | None


class JUnitData(TypedDict):
    """The junit source's evidence data: the requested suites that are configured."""

    dir: str
    suites: dict[str, Suite]


@register
class JUnitCollector(Collector):
    source = SOURCE
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
        requested = {str(request.args["suite"]) for request in ctx.requests if request.what == SUITE}
        suites: dict[str, Suite] = {}
        files: list[str] = []
        for suite, patterns in wanted.items():
            if suite not in requested:
                continue  # no item judges it (disabled): do not spend minutes running it
            entry: Suite = {"patterns": patterns, "command": None, "files": []}
            if suite in commands:
                command = artifacts.run_command(ctx, suite, commands[suite], base, timeout)
                entry["command"] = command
                files.append(command["output"])
            entry["files"] = artifacts.read_reports(base, patterns, parse_junit)
            if suite == "performance":
                entry["latency"] = {"patterns": latency, "files": artifacts.read_reports(base, latency, parse_latency)} if latency else None
            suites[suite] = entry
            files.append(ctx.write_evidence(suite, entry))
        data: JUnitData = {"dir": str(base), "suites": suites}
        return Evidence(self.source, data=dict(data), files=files)
