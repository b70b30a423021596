"""Line coverage for tests.coverage: Cobertura XML or coverage.py JSON, read or produced.

sources:
  coverage:
    dir: examples/lunia_demo
    report: reports/coverage.xml          # or coverage.json (detected by content)
    run:                                  # optional: golive produces it first
      report: python -m coverage xml -o reports/coverage.xml
    command_timeout: 600
"""

from __future__ import annotations

from typing import ClassVar

from golive.collectors import CollectContext, Collector, Evidence, register
from golive.testevidence import artifacts
from golive.testevidence.coverage import parse_coverage


@register
class CoverageCollector(Collector):
    source = "coverage"
    settings_keys: ClassVar[set[str]] = {"dir", "report", "run", "command_timeout"}
    default_timeout = 900.0

    def collect(self, ctx: CollectContext) -> Evidence:
        return artifacts.collect_report(ctx, parse_coverage)
