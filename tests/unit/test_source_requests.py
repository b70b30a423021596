"""The http, prometheus, vault, docs, attestations and junit collectors act on what the
checks request, never on the checklist: an item's request reaches its collector, a disabled
item's does not."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from golive.collectors import CollectContext, Request, registered, settings_keys
from golive.config import Config, load_config
from golive.scheduling import collect_context, gather_requests
from tests.conftest import write

AS_OF = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)


def configure(tmp_path: Path, body: str = "", team: str = "") -> Config:
    if team:
        write(tmp_path / "team.yml", "extends: default\n" + team)
        body = "checklist: team.yml\n" + body
    return load_config(write(tmp_path / "golive.yml", "release: {repo: .}\n" + body), None, settings_keys())


def context(config: Config, source: str) -> CollectContext:
    return collect_context(config, AS_OF, config.base_dir / "out" / "evidence", source)


def test_the_default_checklist_requests_what_its_items_name(tmp_path: Path) -> None:
    requests = gather_requests(configure(tmp_path))
    assert requests["http"] == [
        Request("http", "healthz", {"path": "/healthz", "timeout_seconds": 5, "follow_redirects": False}, key="platform.healthz")
    ]
    [scrape] = requests["prometheus"]
    assert (scrape.what, scrape.key, scrape.args["path"]) == ("scrape", "platform.metrics", "/metrics")
    assert [request.args["suite"] for request in requests["junit"]] == ["unit", "integration", "performance", "e2e"]
    # docs.rollback names no path; the transit key and the pentest report are empty by default.
    assert [request.key for request in requests["docs"]] == [
        "docs/INSTALL.md",
        "docs/DEPLOY.md",
        "docs/OPERATIONS_RUNBOOK.md",
        "docs/USER_GUIDE.md",
    ]
    assert "vault" not in requests
    assert "attestations" not in requests


def test_item_parameters_become_requests(tmp_path: Path) -> None:
    config = configure(
        tmp_path,
        "items:\n  security.vault_kms: {transit_key: release, transit_mount: /transit/}\n"
        "  security.pentest: {report: reports/pentest.pdf}\n",
    )
    requests = gather_requests(config)
    assert requests["vault"] == [Request("vault", "transit_key", {"mount": "transit", "key": "release"}, key="transit/release")]
    assert requests["attestations"] == [Request("attestations", "report", {"report": "reports/pentest.pdf"}, key="reports/pentest.pdf")]


def test_the_docs_collector_reads_the_requested_documents_only(tmp_path: Path) -> None:
    write(tmp_path / "docs" / "INSTALL.md", "# Install\n")
    write(tmp_path / "docs" / "DEPLOY.md", "")
    write(tmp_path / "docs" / "UNASKED.md", "# not named by any item\n")
    config = configure(tmp_path, team="disable:\n  - {id: docs.runbook, reason: no operations team yet, approver: cto}\n")
    evidence = registered()["docs"]().collect(context(config, "docs"))
    files = evidence.data["files"]
    assert sorted(files) == ["docs/DEPLOY.md", "docs/INSTALL.md", "docs/USER_GUIDE.md"]
    assert files["docs/INSTALL.md"]["bytes"] == len("# Install\n")
    assert files["docs/DEPLOY.md"]["blank"] is True
    assert files["docs/USER_GUIDE.md"]["exists"] is False


def test_the_attestations_collector_hashes_the_requested_report(tmp_path: Path) -> None:
    write(tmp_path / "reports" / "pentest.txt", "findings: none\n")
    config = configure(tmp_path, "attestations: attestations.yml\nitems:\n  security.pentest: {report: reports/pentest.txt}\n")
    evidence = registered()["attestations"]().collect(context(config, "attestations"))
    [(report, sha256)] = evidence.data["reports"].items()
    assert report == "reports/pentest.txt"
    assert sha256 is not None and len(sha256) == 64


def test_junit_runs_only_the_suites_of_judged_items(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    command = f'[{sys.executable}, -c, \'import pathlib; pathlib.Path("{marker}").write_text("x")\']'
    config = configure(
        tmp_path,
        f"sources:\n  junit:\n    unit: reports/unit.xml\n    integration: reports/integration.xml\n    run: {{integration: {command}}}\n",
        team="disable:\n  - {id: tests.integration, reason: no integration environment yet, approver: cto}\n",
    )
    evidence = registered()["junit"]().collect(context(config, "junit"))
    assert list(evidence.data["suites"]) == ["unit"]
    assert not marker.exists()


def test_prometheus_without_a_request_says_so_without_naming_an_item(tmp_path: Path) -> None:
    config = configure(tmp_path, "sources:\n  prometheus: {base_url: 'http://127.0.0.1:9'}\n")
    evidence = registered()["prometheus"]().collect(CollectContext(config, AS_OF, tmp_path / "out" / "evidence", "prometheus"))
    assert evidence.data["targets"] == {}
    assert evidence.data["latency"] == {"histogram": None, "error": "no item requested the /metrics latency histogram"}
