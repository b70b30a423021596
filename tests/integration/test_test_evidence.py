"""The Test Coverage items through golive for real: golive runs the demo's pytest suites,
coverage.py, the load tool and the Playwright e2e test (in Debian's Chromium) in a tagged
release repository, then judges what they wrote."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from golive import engine
from golive.collectors import settings_keys
from golive.config import load_config
from golive.decision import load_waivers
from tests.conftest import git, needs, write

pytestmark = pytest.mark.integration

DEMO = Path(__file__).resolve().parents[2] / "examples" / "lunia_demo"
PY = sys.executable
PLAYWRIGHT = DEMO / "e2e" / "node_modules" / ".bin" / "playwright"
CHROMIUM = Path("/usr/bin/chromium")
ITEMS = ("tests.unit", "tests.integration", "tests.performance", "tests.e2e", "tests.load", "tests.coverage")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_release(target: Path) -> Path:
    """The demo as a release repository of its own: committed and tagged v1.4.0."""
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("node_modules", "reports", "test-results", "__pycache__", ".benchmarks"))
    if PLAYWRIGHT.exists():
        (target / "e2e" / "node_modules").symlink_to(DEMO / "e2e" / "node_modules")
    write(target / ".gitignore", "reports/\n__pycache__/\n.benchmarks/\ngolive.yml\ngolive-out/\n")
    git(target, "init", "-q", "-b", "main")
    git(target, "add", ".")
    git(target, "commit", "-q", "-m", "release 1.4.0")
    git(target, "tag", "-a", "v1.4.0", "-m", "1.4.0")
    return target


def e2e_command(repo: Path, chromium: str = str(CHROMIUM)) -> list[str]:
    return [
        "env",
        f"LUNIA_PYTHON={PY}",
        f"LUNIA_E2E_PORT={free_port()}",
        f"CHROMIUM_PATH={chromium}",
        f"PLAYWRIGHT_JUNIT_OUTPUT_FILE={repo / 'reports' / 'e2e.xml'}",
        "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1",
        str(PLAYWRIGHT),
        "test",
        "-c",
        "e2e/playwright.config.js",
    ]


def golive(
    repo: Path, sources: dict[str, Any], items: dict[str, Any] | None = None, as_of: dt.datetime | None = None
) -> dict[str, dict[str, Any]]:
    """Run golive on `repo` with `sources` (JSON is YAML) and return the Test Coverage items."""
    body = {"release": {"repo": "."}, "sources": sources, "items": items or {}}
    path = write(repo / "golive.yml", json.dumps(body))
    config = load_config(path, None, settings_keys())
    moment = as_of or dt.datetime.now(dt.UTC)
    waivers, problems = load_waivers(config.waivers, moment, set(config.checklist.ids()))
    options = engine.RunOptions(as_of=moment, timeout=300, out_dir=repo / "golive-out")
    document = engine.run(config, options, repo / "golive-out" / "evidence", waivers, problems)
    return {item["id"]: item for item in document["items"] if item["id"] in ITEMS}


INGEST = {
    "junit": {
        "unit": "reports/unit.xml",
        "integration": "reports/integration.xml",
        "performance": "reports/perf.xml",
        "latency": ["reports/perf-latency.json", "reports/bench.json"],
        "e2e": "reports/e2e.xml",
    },
    "load": {"report": "reports/load.json"},
    "coverage": {"report": "reports/coverage.json"},
}


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]]]:
    """golive runs every real suite once; later tests judge the reports it left."""
    needs(CHROMIUM.exists(), "Debian Chromium is not installed (apt-get install chromium)")
    needs(PLAYWRIGHT.exists(), f"Playwright is not installed: npm ci --prefix {DEMO / 'e2e'} (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1)")
    repo = make_release(tmp_path_factory.mktemp("demo") / "release")
    sources = {
        "junit": {
            **INGEST["junit"],
            "run": {
                "unit": [PY, "-m", "pytest", "-q", "tests/unit", "--junitxml=reports/unit.xml"],
                "integration": [PY, "-m", "pytest", "-q", "tests/integration", "--junitxml=reports/integration.xml"],
                "performance": [
                    *(PY, "-m", "pytest", "-q", "tests/perf", "--junitxml=reports/perf.xml", "--latency-out=reports/perf-latency.json"),
                    *("--benchmark-json=reports/bench.json", "--benchmark-save-data", "--benchmark-max-time=0.2"),
                ],
                "e2e": e2e_command(repo),
            },
            "command_timeout": 180,
        },
        "load": {
            "report": "reports/load.json",
            "run": {"report": [PY, "tools/load_test.py", "--users", "100", "--orders", "500", "--out", "reports/load.json"]},
        },
        "coverage": {
            "report": "reports/coverage.json",
            "run": {
                "report": [
                    "sh",
                    "-c",
                    f"{PY} -m coverage run -m pytest -q tests/unit tests/integration && {PY} -m coverage json -o reports/coverage.json",
                ]
            },
        },
    }
    return repo, golive(repo, sources)


def test_real_suites_load_test_coverage_and_playwright_all_pass(released: tuple[Path, dict[str, dict[str, Any]]]) -> None:
    repo, items = released
    head = git(repo, "rev-parse", "HEAD").strip()
    for item_id in ITEMS:
        assert items[item_id]["status"] == "pass", (item_id, items[item_id]["summary"])
    assert f"at commit {head[:12]}" in items["tests.unit"]["summary"]
    assert "POST /orders P99" in items["tests.performance"]["summary"]
    assert "test_place_order_benchmark" in items["tests.performance"]["summary"]
    assert "2 passed" in items["tests.e2e"]["summary"]
    assert "100 users, 500 orders" in items["tests.load"]["summary"]
    assert "coverage.py-json" in items["tests.coverage"]["summary"]
    assert "evidence/junit/unit-command.json" in items["tests.unit"]["evidence"]


def test_p99_over_the_limit_fails_naming_the_series(released: tuple[Path, dict[str, dict[str, Any]]]) -> None:
    repo, _ = released
    items = golive(repo, INGEST, {"tests.performance": {"max_p99_ms": 0.001}})
    assert items["tests.performance"]["status"] == "fail"
    assert "POST /orders" in items["tests.performance"]["summary"]
    assert "perf:POST /orders" in {finding["key"] for finding in items["tests.performance"]["findings"]}


def test_too_few_latency_samples_is_insufficient(released: tuple[Path, dict[str, dict[str, Any]]]) -> None:
    repo, _ = released
    items = golive(repo, INGEST, {"tests.performance": {"min_samples": 10**9}})
    assert items["tests.performance"]["status"] == "insufficient"
    assert "samples, at least" in items["tests.performance"]["summary"]


def test_low_coverage_warns_naming_the_weakest_modules(released: tuple[Path, dict[str, dict[str, Any]]]) -> None:
    repo, _ = released
    items = golive(repo, INGEST, {"tests.coverage": {"min_percent": 100, "weakest_modules": 2}})
    assert items["tests.coverage"]["status"] == "warn"
    assert "weakest: lunia_demo/" in items["tests.coverage"]["summary"]


def test_fewer_load_users_than_required_fails(released: tuple[Path, dict[str, dict[str, Any]]]) -> None:
    repo, _ = released
    items = golive(repo, INGEST, {"tests.load": {"min_users": 150, "min_orders": 1000}})
    assert items["tests.load"]["status"] == "fail"
    keys = {finding["key"] for finding in items["tests.load"]["findings"]}
    assert keys == {"load:users", "load:orders"}


def test_reports_older_than_max_age_are_insufficient(released: tuple[Path, dict[str, dict[str, Any]]]) -> None:
    repo, _ = released
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=73)
    items = golive(repo, INGEST, as_of=later)
    for item_id in ITEMS:
        assert items[item_id]["status"] == "insufficient", item_id
        assert "h old" in items[item_id]["summary"]


def test_reports_of_another_commit_are_insufficient(released: tuple[Path, dict[str, dict[str, Any]]], tmp_path: Path) -> None:
    repo, _ = released
    moved = tmp_path / "moved"
    shutil.copytree(repo, moved, symlinks=True)
    git(moved, "commit", "-q", "--allow-empty", "-m", "a later commit")
    items = golive(moved, INGEST)
    for item_id in ("tests.unit", "tests.integration", "tests.performance", "tests.e2e", "tests.load"):
        assert items[item_id]["status"] == "insufficient", item_id
        assert "not the release commit" in items[item_id]["summary"]
    # coverage.py records no commit: judged on freshness alone.
    assert items["tests.coverage"]["status"] == "pass"


def test_failing_unit_test_fails_the_item_naming_it(tmp_path: Path) -> None:
    repo = make_release(tmp_path / "release")
    write(repo / "tests" / "unit" / "test_broken.py", "def test_order_total_is_wrong():\n    assert 1 + 1 == 3\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "broken")
    sources = {
        "junit": {"unit": "reports/unit.xml", "run": {"unit": [PY, "-m", "pytest", "-q", "tests/unit", "--junitxml=reports/unit.xml"]}}
    }
    items = golive(repo, sources)
    assert items["tests.unit"]["status"] == "fail"
    assert [finding["key"] for finding in items["tests.unit"]["findings"]] == ["test:tests.unit.test_broken::test_order_total_is_wrong"]
    assert items["tests.integration"]["status"] == "insufficient"
    assert "sources.junit.integration not configured" in items["tests.integration"]["summary"]


def test_playwright_without_chromium_is_a_documented_skip(tmp_path: Path) -> None:
    needs(PLAYWRIGHT.exists(), f"Playwright is not installed: npm ci --prefix {DEMO / 'e2e'} (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1)")
    repo = make_release(tmp_path / "release")
    sources = {"junit": {"e2e": "reports/e2e.xml", "run": {"e2e": e2e_command(repo, chromium="/nonexistent/chromium")}}}
    items = golive(repo, sources)
    assert items["tests.e2e"]["status"] == "skip"
    assert "documented skip of all 2 test(s): no-chromium: /nonexistent/chromium not found" in items["tests.e2e"]["summary"]
    disallowed = golive(repo, {"junit": {"e2e": "reports/e2e.xml"}}, {"tests.e2e": {"allow_skip_without_chromium": False}})
    assert disallowed["tests.e2e"]["status"] == "insufficient"
    assert "does not allow" in disallowed["tests.e2e"]["summary"]


def test_missing_e2e_report_without_reason_is_insufficient(tmp_path: Path) -> None:
    repo = make_release(tmp_path / "release")
    items = golive(repo, {"junit": {"e2e": "reports/e2e.xml"}})
    assert items["tests.e2e"]["status"] == "insufficient"
    assert "no Playwright report matching reports/e2e.xml found" in items["tests.e2e"]["summary"]


def test_command_past_its_timeout_is_killed_and_insufficient(tmp_path: Path) -> None:
    repo = make_release(tmp_path / "release")
    marker = tmp_path / "survivor"
    script = f"(sleep 3; touch {marker}) & sleep 30"
    items = golive(repo, {"load": {"report": "reports/load.json", "run": {"report": ["sh", "-c", script]}, "command_timeout": 1}})
    assert items["tests.load"]["status"] == "insufficient"
    assert "did not finish within 1 s (killed)" in items["tests.load"]["summary"]
    # The whole process group died: the background child never got to write its file.
    time.sleep(3.5)
    assert not marker.exists()


def test_command_that_writes_no_report_is_an_error_with_its_stderr(tmp_path: Path) -> None:
    repo = make_release(tmp_path / "release")
    items = golive(
        repo,
        {"coverage": {"report": "reports/coverage.xml", "run": {"report": [PY, "-m", "coverage", "xml", "-o", "reports/coverage.xml"]}}},
    )
    assert items["tests.coverage"]["status"] == "error"
    assert "wrote no coverage report" in items["tests.coverage"]["summary"]
    assert "No data to report" in items["tests.coverage"]["summary"]


def test_cobertura_from_coverage_xml_is_read(released: tuple[Path, dict[str, dict[str, Any]]], tmp_path: Path) -> None:
    repo, _ = released
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy, symlinks=True)
    items = golive(
        copy,
        {"coverage": {"report": "reports/coverage.xml", "run": {"report": [PY, "-m", "coverage", "xml", "-o", "reports/coverage.xml"]}}},
    )
    assert items["tests.coverage"]["status"] == "pass", items["tests.coverage"]["summary"]
    assert "cobertura" in items["tests.coverage"]["summary"]
    assert os.path.getsize(copy / "reports" / "coverage.xml") > 0
