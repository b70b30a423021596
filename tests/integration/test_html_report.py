"""The HTML report in a real headless Chromium: failing items visible, charts drawn, filter works."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import yaml

from examples.lunia_demo.kpi import generate
from tests.conftest import needs, write
from tests.unit.test_cli import golive

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
# Flags for a machine whose network is closed (see TESTBED.md); never a downloaded browser.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NEEDS_ACTION = {"fail", "error", "insufficient", "pending", "warn"}


@pytest.fixture
def report(release_repo: Path) -> tuple[Path, dict[str, object]]:
    """A real NO-GO result with KPI charts: the demo's KPI data with one drawdown left unexplained."""
    as_of = dt.datetime.now(dt.UTC).replace(microsecond=0)
    settings = generate(release_repo / "kpi", as_of, broken={"kpi.drawdowns"}, config_dir=release_repo)
    write(release_repo / "golive.yml", yaml.safe_dump({"release": {"repo": "."}, "sources": {"kpi": settings}}))
    done = golive("check", cwd=release_repo)
    assert done.returncode == 1, done.stderr
    out = release_repo / "golive-out"
    return out / "report.html", json.loads((out / "result.json").read_text())


def test_failing_items_are_visible_charts_render_and_the_filter_hides_the_rest(
    report: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    needs(Path(CHROMIUM).exists(), f"{CHROMIUM} is not installed (apt chromium)")
    needs(importlib.util.find_spec("playwright") is not None, "the playwright package is not installed (golive[test])")
    from playwright.sync_api import sync_playwright

    html_file, document = report
    items = document["items"]  # type: ignore[index]
    failing = [item["id"] for item in items if item["status"] in NEEDS_ACTION and item["kind"] != "decision"]  # type: ignore[index]
    passing = [item["id"] for item in items if item["status"] == "pass" and item["kind"] != "decision"]  # type: ignore[index]
    assert "kpi.drawdowns" in failing and "kpi.sharpe" in passing

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(html_file.resolve().as_uri())
            assert page.title().startswith("golive NO-GO")
            for item_id in failing:
                assert page.locator(f'tr[id="{item_id}"]').is_visible(), item_id
            charts = page.locator('img[src^="data:image/png"]')
            assert charts.count() >= 2
            widths = charts.evaluate_all("images => images.map(image => image.naturalWidth)")
            assert all(width > 100 for width in widths), widths
            # At 1280 px nothing scrolls sideways: tables keep their columns, charts fit their cell.
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"the page is {overflow} px wider than the window"
            shown = charts.evaluate_all("images => images.map(image => image.getBoundingClientRect().width)")
            cells = charts.evaluate_all("images => images.map(image => image.closest('td').getBoundingClientRect().width)")
            assert all(width <= cell for width, cell in zip(shown, cells, strict=True)), (shown, cells)
            # Each chart sits under the item it belongs to, once.
            per_item = {
                item_id: page.locator(f'tr[id="{item_id}"] img').count() for item_id in ("kpi.sharpe", "kpi.drawdowns", "kpi.hit_rate")
            }
            assert per_item == {"kpi.sharpe": 1, "kpi.drawdowns": 1, "kpi.hit_rate": 0}, per_item
            # Seed emoji come with a text mark every font has.
            assert page.locator('span.mark[title="✅"]').count() >= 1
            page.check("#failing-only")
            for item_id in failing:
                assert page.locator(f'tr[id="{item_id}"]').is_visible(), item_id
            for item_id in passing:
                assert not page.locator(f'tr[id="{item_id}"]').is_visible(), item_id
            screenshot = tmp_path / "report.png"
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert screenshot.stat().st_size > 10_000
    print(f"screenshot: {screenshot}")


def test_report_is_self_contained(report: tuple[Path, dict[str, object]]) -> None:
    html_file, _ = report
    text = html_file.read_text()
    assert "<script src" not in text and "<link" not in text
    assert 'src="http' not in text and "url(http" not in text
    copy = html_file.parent.parent / "elsewhere.html"
    shutil.copy(html_file, copy)  # moved away from its evidence, it still holds its charts
    assert copy.read_text().count('src="data:image/png;base64,') >= 2
