"""Registries refuse a second definition under one name, as prometheus_client's registry does."""

from __future__ import annotations

import pytest

from golive import checks, collectors, reports


def test_a_second_check_under_one_name_is_refused() -> None:
    checks.registered()

    def impostor(item: object, evidence: object, ctx: object) -> object:
        raise AssertionError

    with pytest.raises(ValueError, match=r"duplicate check 'tests\.coverage'"):
        checks.check("tests.coverage")(impostor)  # type: ignore[arg-type]


def test_a_second_collector_for_one_source_is_refused() -> None:
    collectors.registered()

    class Impostor(collectors.Collector):
        source = "git"

        def collect(self, ctx: collectors.CollectContext) -> collectors.Evidence:
            raise AssertionError

    with pytest.raises(ValueError, match="duplicate collector 'git'"):
        collectors.register(Impostor)


def test_a_second_report_format_under_one_name_is_refused() -> None:
    reports.formats()

    def impostor(document: object, assets: object) -> str:
        return ""

    with pytest.raises(ValueError, match="duplicate report format 'md'"):
        reports.register("md", "x.md")(impostor)  # type: ignore[arg-type]
