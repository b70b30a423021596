"""The load test's JSON summary for tests.load, read from a file or produced by running the tool.

sources:
  load:
    dir: examples/lunia_demo
    report: reports/load.json
    run:                                  # optional: golive runs the load test in dir first
      report: python tools/load_test.py --users 100 --orders 500 --out reports/load.json
    command_timeout: 600
"""

from __future__ import annotations

from typing import ClassVar

from golive.collectors import CollectContext, Collector, Evidence, register
from golive.testevidence import artifacts
from golive.testevidence.load import parse_load


@register
class LoadCollector(Collector):
    source = "load"
    settings_keys: ClassVar[set[str]] = {"dir", "report", "run", "command_timeout"}
    default_timeout = 900.0

    def collect(self, ctx: CollectContext) -> Evidence:
        return artifacts.collect_report(ctx, parse_load)
