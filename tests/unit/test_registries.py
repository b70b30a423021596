"""Registries refuse a second definition under one name, as prometheus_client's registry does."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive import checks, collectors, reports
from golive.checklist import load_default
from golive.config import Config


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


def test_the_host_items_request_exactly_the_host_modules_fact_groups() -> None:
    """One name per host fact group: the host module's GROUPS. Every group the default
    checklist's checks request exists there, and every group there is requested (by an
    item, or by the collector itself for the deployed version)."""
    from golive.collectors.hosts import MATCH_ONLY, VERSION_GROUP, host_groups
    from golive.engine import gather_requests
    from tests.unit.conftest import COLLECT_MODULE_PATH

    config = Config(path=Path("golive.yml"), base_dir=Path("."), environment="test", checklist=load_default(), release={}, sources={})
    requests = gather_requests(config)["hosts"]
    requested = {request.what for request in requests} - {MATCH_ONLY}
    assert requested | {VERSION_GROUP} == host_groups()
    assert host_groups() == host_groups(COLLECT_MODULE_PATH)
    assert all(request.hosts for request in requests)


def test_every_host_item_resolves_its_own_pattern() -> None:
    """A host check reads the hosts of its item's pattern: its requests must name it."""
    checks_by_name = checks.registered()
    host_items = [item for item in load_default().items if item.kind == "check" and item.source == "hosts"]
    assert host_items
    for item in host_items:
        declared = checks_by_name[item.check_name].requests
        assert declared is not None, item.id
        assert (item.hosts or "all") in {request.hosts for request in declared(item)}, item.id


def test_the_host_module_groups_are_read_from_its_groups_literal(tmp_path: Path) -> None:
    from golive.collectors.hosts import host_groups

    module = tmp_path / "module.py"
    module.write_text("def a(args): ...\nOTHER = {'x': a}\nGROUPS = {'alpha': a, \"beta\": a}\n")
    assert host_groups(module) == {"alpha", "beta"}
    computed = tmp_path / "computed.py"
    computed.write_text("GROUPS = dict(alpha=1)\n")
    with pytest.raises(LookupError, match="no GROUPS"):
        host_groups(computed)


GOLIVE = Path(__file__).resolve().parents[2] / "golive"
# Where item ids belong: the checks that judge them, the checklist that defines them, the demo.
ID_HOMES = ("checks", "checklist", "demo")


def quoted_ids(text: str, ids: list[str]) -> list[str]:
    return [item_id for item_id in ids if f'"{item_id}"' in text or f"'{item_id}'" in text]


def test_no_module_outside_the_checks_names_an_item_id() -> None:
    """Demand flows forward: collectors and the engine act on requests, never on item ids."""
    ids = [item.id for item in load_default().items]
    assert "platform.healthz" in ids
    named = []
    for module in sorted(GOLIVE.rglob("*.py")):
        relative = module.relative_to(GOLIVE)
        if relative.parts[0] in ID_HOMES or relative.parts[0].startswith("demo"):
            continue
        text = module.read_text(encoding="utf-8")
        named += [f"{relative}: {item_id}" for item_id in quoted_ids(text, ids)]
    assert named == []


def test_no_collector_reads_the_checklist() -> None:
    for module in sorted((GOLIVE / "collectors").glob("*.py")):
        text = module.read_text(encoding="utf-8")
        assert "config.checklist" not in text, module.name
        assert "golive.checklist" not in text, module.name


def test_the_item_id_scan_sees_a_quoted_id() -> None:
    """The scan above must be able to fail: a quoted id, in either quotes, is what it looks for."""
    ids = [item.id for item in load_default().items]
    assert quoted_ids('if item.check_name != "platform.healthz":\n', ids) == ["platform.healthz"]
    assert quoted_ids("SUITES = {'unit': 'tests.unit'}\n", ids) == ["tests.unit"]
    assert quoted_ids("platform.healthz is judged elsewhere\n", ids) == []
