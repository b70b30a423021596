"""Every report renders the one result document faithfully, and nothing else."""

from __future__ import annotations

import copy
import io
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from rich.console import Console

from golive.collectors import Evidence
from golive.document import digest
from golive.model import WORST_FIRST
from golive.reports import formats
from golive.reports.html import render as render_html
from golive.reports.json_result import render as render_json
from golive.reports.json_result import schema
from golive.reports.junit import render as render_junit
from golive.reports.markdown import render as render_markdown
from golive.reports.terminal import CollectProgress, summary

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEED = FIXTURES / "GO_NO_GO_CHECKLIST.md"
BLOCKING = {"fail", "error", "insufficient", "pending"}
INJECTED = "<script>alert('owned')</script>"

Doc = dict[str, Any]


def sample() -> Doc:
    """A real result document from `golive check` (NO-GO, no host items)."""
    document: Doc = json.loads((FIXTURES / "sample-result.json").read_text(encoding="utf-8"))
    return document


def _waiver(reason: str, host: str | None = None, finding: str | None = None) -> dict[str, Any]:
    return {
        "reason": reason,
        "approver": "Dana Reyes (security lead)",
        "ticket": "SEC-1234",
        "expires": "2026-12-31",
        "scope": {"host": host, "finding": finding},
        "source": "waivers.yml:3",
    }


def _host(status: str, summary: str, waiver: dict[str, Any] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"status": status, "summary": summary, "detail": f"detail of {summary}", "waiver": waiver}
    if waiver:
        entry["was"] = "fail"
        entry["status"] = "waived"
    return entry


def _seal(document: Doc) -> Doc:
    """Keep the decision consistent with the items, as the engine would, and re-digest."""
    document["decision"]["blocking"] = [
        item["id"]
        for item in document["items"]
        if item["severity"] == "blocker" and item["status"] in BLOCKING and not item["id"].startswith("decision.")
    ]
    document["digest"] = digest(document)
    return document


def variant() -> Doc:
    """The fixture with host items, waivers at every scope, findings, warn, skip, error,
    an advisory fail, a disabled item, a waiver problem and hostile text in a summary."""
    document = sample()
    items = {item["id"]: item for item in document["items"]}
    items["tests.unit"].update(status="pass", summary="412 tests, 0 failures", evidence=["evidence/junit/unit.json"])
    items["tests.coverage"].update(status="warn", summary="coverage 64.2 % < 70 %; weakest: lunia/bot.py 12 %")
    items["tests.e2e"].update(status="skip", summary="documented skip: no Chromium on this runner")
    items["config.endpoints"].update(status="error", summary="hosts: ansible-runner exited 4: unreachable")
    items["security.zap"].update(severity="advisory", status="fail", summary="grade B: 2 medium alerts")
    items["docs.deploy"]["summary"] = f"{INJECTED} docs/DEPLOY.md not found"
    items["security.scanners"].update(
        status="waived",
        was="fail",
        summary="1 critical CVE",
        waiver=_waiver("patched image ships Monday"),
        findings=[
            {
                "key": "CVE-2024-1234@openssl",
                "status": "waived",
                "detail": "openssl 3.0.2: critical",
                "waiver": _waiver("not reachable from the API", finding="CVE-2024-1234@openssl"),
                "was": "fail",
            }
        ],
    )
    items["infra.systemd_services"].update(
        status="fail",
        summary="app2: lunia_bot inactive",
        hosts={"app1": _host("pass", "5 units enabled and active"), "app2": _host("fail", "lunia_bot inactive")},
        findings=[{"key": "unit:lunia_bot", "status": "fail", "detail": "lunia_bot inactive", "host": "app2"}],
        evidence=["evidence/hosts/app1.json", "evidence/hosts/app2.json"],
    )
    items["infra.falco"].update(
        status="waived",
        summary="app2: falco not installed",
        hosts={
            "app1": _host("pass", "falco-modern-bpf active"),
            "app2": _host("fail", "falco not installed", waiver=_waiver("kernel too old for eBPF", host="app2")),
        },
    )
    items["flags.infra_prod_enabled"].update(
        status="waived",
        was="fail",
        summary="app2: restart pending",
        waiver=_waiver("restart scheduled in the release window"),
        hosts={"app1": _host("pass", "true everywhere"), "app2": _host("fail", "restart pending")},
    )
    items["flags.binance_force_mock"].update(
        status="pass",
        summary="all 2 host(s) pass",
        hosts={"app1": _host("pass", "false everywhere"), "app2": _host("pass", "false everywhere")},
    )
    disabled = ("promotion.staging_go", "kpi.explainability")
    document["decision"]["disabled"] = [
        {
            "id": item["id"],
            "title": item["title"],
            "section": item["section"],
            "seed_line": item["seed_line"],
            "reason": "first release on this venue",
            "approver": "Sam Ito",
            "source": "team.yml:12",
        }
        for item in document["items"]
        if item["id"] in disabled
    ]
    document["items"] = [item for item in document["items"] if item["id"] not in disabled]
    document["decision"]["waiver_problems"] = ["waivers.yml:9: waiver for tests.load expired on 2026-11-01: waives nothing"]
    return _seal(document)


def _all_passed(document: Doc) -> Doc:
    for item in document["items"]:
        item.update(status="pass", summary="ok")
    return document


def go() -> Doc:
    document = _all_passed(sample())
    items = {item["id"]: item for item in document["items"]}
    items["decision.go"].update(status="pass", summary="verdict: GO")
    items["decision.no_go"].update(status="skip", summary="verdict: GO")
    document["decision"]["verdict"] = "GO"
    return _seal(document)


def pending_sign_off() -> Doc:
    document = _all_passed(sample())
    for item in document["items"]:
        if item["signoff"] or item["section"] == "Sign-off":
            item.update(status="pending", summary=f"awaiting a signature for {item['id']}")
        elif item["id"].startswith("decision."):
            item.update(status="skip", summary="verdict: GO pending sign-off")
    document["decision"]["verdict"] = "GO pending sign-off"
    return _seal(document)


BUILDERS: dict[str, Callable[[], Doc]] = {"sample": sample, "variant": variant, "go": go, "pending": pending_sign_off}


def seed_lines() -> list[str]:
    return [line[len("- [ ] ") :] for line in SEED.read_text(encoding="utf-8").splitlines() if line.startswith("- [ ] ")]


def _box_line(markdown: str, title: str) -> str:
    found = [line for line in markdown.splitlines() if re.match(r"- \[[ x]\] ", line) and line[6:].startswith(title)]
    assert len(found) == 1, f"{title!r}: {found}"
    return found[0]


# ------------------------------------------------------------------ result.json and its schema


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_result_json_validates_against_shipped_schema(build: Callable[[], Doc]) -> None:
    document = build()
    rendered = json.loads(render_json(document))
    jsonschema.Draft202012Validator(schema()).validate(rendered)
    assert rendered["digest"] == digest(rendered)


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


def test_schema_accepts_an_archive_block_and_new_top_level_keys() -> None:
    document = sample()
    document["archive"] = {"file": "golive-evidence.tar.gz", "manifest_sha256": "a" * 64}
    document["signatures_expected"] = ["release-manager"]
    jsonschema.Draft202012Validator(schema()).validate(document)


def _drop(path: tuple[Any, ...]) -> Callable[[Doc], None]:
    def change(document: Doc) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Doc], None]:
    def change(document: Doc) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


BROKEN: dict[str, Callable[[Doc], None]] = {
    "no digest": _drop(("digest",)),
    "digest without sha256 prefix": _set(("digest",), "0" * 64),
    "other schema": _set(("schema",), "golive/result/v2"),
    "unknown status": _set(("items", 0, "status"), "ok"),
    "unknown verdict": _set(("decision", "verdict"), "MAYBE"),
    "item without fix": _drop(("items", 1, "fix")),
    "item without status": _drop(("items", 1, "status")),
    "unknown severity": _set(("items", 0, "severity"), "critical"),
    "archive without manifest": _set(("archive",), {"file": "a.tar.gz"}),
    "host without status": _set(("items", 0, "hosts"), {"app1": {"summary": "x", "detail": "", "waiver": None}}),
    "waiver without was": _set(("items", 1, "waiver"), _waiver("because")),
    "waiver without approver": lambda document: document["items"][1].update(
        status="waived", was="fail", waiver={**_waiver("because"), "approver": ""}
    ),
}


@pytest.mark.parametrize("breakage", BROKEN.values(), ids=BROKEN.keys())
def test_schema_rejects_a_broken_document(breakage: Callable[[Doc], None]) -> None:
    document = sample()
    breakage(document)
    assert not jsonschema.Draft202012Validator(schema()).is_valid(document)


def test_every_file_format_is_registered_with_its_file_name() -> None:
    assert {name: fmt.filename for name, fmt in formats().items()} == {
        "json": "result.json",
        "md": "RELEASE_REPORT.md",
        "junit": "junit.xml",
        "html": "report.html",
        "github": "github-summary.md",
    }


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_rendering_leaves_the_document_untouched(build: Callable[[], Doc]) -> None:
    document = build()
    before = copy.deepcopy(document)
    for fmt in formats().values():
        fmt.render(document)
    summary(document, Console(file=io.StringIO(), width=120))
    assert document == before


# ------------------------------------------------------------------ RELEASE_REPORT.md


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_markdown_holds_every_seed_checkbox_line(build: Callable[[], Doc]) -> None:
    markdown = render_markdown(build())
    assert markdown.startswith("# Go / No-Go Checklist\n")
    for title in seed_lines():
        _box_line(markdown, title)
    assert "\nSign-off:\n" in markdown
    for role in ("Release Manager:", "Security Lead:", "Product Owner:"):
        assert re.search(rf"^- {role} \S", markdown, re.MULTILINE), role


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_markdown_ticks_only_pass_and_waived_items(build: Callable[[], Doc]) -> None:
    document = build()
    markdown = render_markdown(document)
    for item in document["items"]:
        if item["section"] == "Sign-off":
            continue
        ticked = _box_line(markdown, item["title"]).startswith("- [x] ")
        assert ticked == (item["status"] in ("pass", "waived")), item["id"]


def test_markdown_fills_release_metadata_from_the_release_block() -> None:
    markdown = render_markdown(sample())
    assert "\n- [x] Version tag: v1.0.0\n" in markdown
    assert f"\n- [ ] Commit SHA: {sample()['release']['commit']}\n" in markdown
    assert "\n- [x] Release date: 2026-11-20T10:00:00+00:00\n" in markdown


def test_markdown_header_names_environment_verdict_and_digest() -> None:
    document = sample()
    header = render_markdown(document).split("\n## ", 1)[0]
    for text in ("default", document["as_of"], "0.1.0", "1.0.0", "v1.0.0", document["release"]["commit"][:12], "NO-GO", document["digest"]):
        assert text in header


def test_markdown_no_go_lists_every_blocker_with_its_fix() -> None:
    document = variant()
    markdown = render_markdown(document)
    assert "- [x] No-Go (attach blocking issues and mitigation plan)" in markdown
    assert "- [ ] Go\n" in markdown
    plan = markdown.split("### Blocking issues and mitigation plan", 1)[1]
    by_id = {item["id"]: item for item in document["items"]}
    for item_id in document["decision"]["blocking"]:
        assert f"`{item_id}`" in plan
        assert by_id[item_id]["fix"].split("`")[0] in plan
    assert "`security.zap`" not in plan  # advisory: reported, never blocking


def test_markdown_shows_waivers_hosts_findings_and_evidence_links() -> None:
    markdown = render_markdown(variant())
    assert "status: waived (was fail) — approved by Dana Reyes (security lead): patched image ships Monday; ticket SEC-1234" in markdown
    assert "    - app2: fail — lunia_bot inactive" in markdown
    assert "    - app2: waived (was fail) — falco not installed (waiver: approved by Dana Reyes (security lead): kernel too old" in markdown
    assert "    - `unit:lunia_bot` on app2: fail — lunia_bot inactive" in markdown
    assert "    - `CVE-2024-1234@openssl`: waived (was fail) — openssl 3.0.2: critical (waiver: approved by Dana Reyes" in markdown
    assert "[evidence/hosts/app2.json](evidence/hosts/app2.json)" in markdown
    assert "fail (advisory: does not block GO)" in markdown
    assert "fix: Add tests for the weakest modules" in markdown  # a warn is not a blocker, so its fix sits under the item


def test_markdown_lists_disabled_items_and_waiver_problems_under_final_decision() -> None:
    markdown = render_markdown(variant())
    decision = markdown.split("## Final Decision", 1)[1]
    assert "`promotion.staging_go`: first release on this venue (approved by Sam Ito; team.yml:12)" in decision
    # The disabled seed line stays in its section, unticked, saying why.
    kpis = markdown.split("## Trading KPIs", 1)[1].split("\n## ", 1)[0]
    assert (
        "- [ ] Explainability score ≥ 8/10\n  - disabled by the team checklist: first release on this venue (approved by Sam Ito)" in kpis
    )
    assert "waivers.yml:9: waiver for tests.load expired on 2026-11-01: waives nothing" in decision


def test_markdown_puts_items_beyond_the_seed_last() -> None:
    markdown = render_markdown(sample())
    beyond = markdown.split("\n## Beyond the seed\n", 1)[1]
    assert beyond.startswith("- [ ] Promotion: a verified staging GO for this commit\n")
    assert "\n## " not in beyond


def test_markdown_go_ticks_go_and_lists_no_blockers() -> None:
    markdown = render_markdown(go())
    assert "- [x] Go\n" in markdown
    assert "- [ ] No-Go (attach blocking issues and mitigation plan)" in markdown
    assert "Blocking issues" not in markdown


def test_markdown_pending_sign_off_ticks_neither_box_and_lists_the_signatures_missing() -> None:
    markdown = render_markdown(pending_sign_off())
    assert "- [ ] Go\n" in markdown
    assert "- [ ] No-Go (attach blocking issues and mitigation plan)" in markdown
    plan = markdown.split("### Blocking issues and mitigation plan", 1)[1]
    assert "`signoff.release_manager`" in plan
    assert "golive sign result.json --role release-manager" in plan


def test_markdown_without_decision_boxes_still_states_verdict_and_blockers() -> None:
    document = sample()
    document["items"] = [item for item in document["items"] if not item["id"].startswith("decision.")]
    markdown = render_markdown(_seal(document))
    decision = markdown.split("\n## Final Decision\n", 1)[1].split("\nSign-off:\n", 1)[0]
    assert "Verdict: **NO-GO**" in decision
    assert "- `release.commit_sha` — Commit SHA — fail:" in decision


def test_markdown_does_not_pass_html_from_evidence_through() -> None:
    markdown = render_markdown(variant())
    assert INJECTED not in markdown
    assert "\\<script>" in markdown


# ------------------------------------------------------------------ junit.xml


def _junit(document: Doc) -> JUnitXml:
    return JUnitXml.fromstring(render_junit(document).encode("utf-8"))


def _outcome(case: Any) -> str:
    kinds = {Failure: "failure", Error: "error", Skipped: "skipped"}
    results = [kinds[type(result)] for result in case.result if type(result) in kinds]
    assert len(results) <= 1
    return results[0] if results else "passed"


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_junit_has_one_testcase_per_item_and_host_and_consistent_counts(build: Callable[[], Doc]) -> None:
    document = build()
    xml = _junit(document)
    expected = []
    for item in document["items"]:
        if item["id"].startswith("decision."):
            continue
        hosts = item["hosts"] or {}
        expected += [f"{item['id']}[{host}]" for host in sorted(hosts)] or [item["id"]]
    cases = [case for suite in xml for case in suite]
    assert [case.name for case in cases] == expected
    totals: Counter[str] = Counter()
    for suite in xml:
        outcomes = Counter(_outcome(case) for case in suite)
        assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (
            sum(outcomes.values()),
            outcomes["failure"],
            outcomes["error"],
            outcomes["skipped"],
        )
        assert all(case.classname == "golive." + re.sub(r"[^a-z0-9]+", "_", suite.name.lower()).strip("_") for case in suite)
        totals.update(outcomes)
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (
        len(cases),
        totals["failure"],
        totals["error"],
        totals["skipped"],
    )


def test_junit_counts_for_the_sample() -> None:
    document = sample()
    xml = _junit(document)
    judged = [item["status"] for item in document["items"] if item["kind"] != "decision"]
    expected = (
        len(judged),
        sum(status in ("fail", "insufficient", "pending") for status in judged),
        judged.count("error"),
        sum(status in ("skip", "waived") for status in judged),
    )
    assert expected[1] > 30 and expected[3] == 1  # the sample: mostly blocked, the prod-only item skipped
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == expected


def test_junit_maps_every_status() -> None:
    cases = {case.name: case for suite in _junit(variant()) for case in suite}
    assert _outcome(cases["tests.unit"]) == "passed"
    assert _outcome(cases["release.commit_sha"]) == "failure"
    assert cases["release.commit_sha"].result[0].type == "fail"
    assert "fix: Commit or discard local changes" in cases["release.commit_sha"].result[0].text
    assert cases["platform.healthz"].result[0].type == "insufficient"
    assert cases["signoff.release_manager"].result[0].type == "pending"
    assert _outcome(cases["config.endpoints"]) == "error"
    assert cases["config.endpoints"].result[0].message == "hosts: ansible-runner exited 4: unreachable"
    assert _outcome(cases["tests.e2e"]) == "skipped"
    assert cases["tests.e2e"].result[0].message == "documented skip: no Chromium on this runner"
    assert _outcome(cases["tests.coverage"]) == "passed"
    assert cases["tests.coverage"].system_out.startswith("warn: coverage 64.2 %")
    assert _outcome(cases["security.zap"]) == "failure"  # advisory, still reported
    assert "does not block GO" in cases["security.zap"].result[0].text
    waived = cases["security.scanners"].result[0].message
    assert waived.startswith("waived (was fail): patched image ships Monday, Dana Reyes (security lead), expires 2026-12-31")
    assert "decision.go" not in cases
    assert "decision.no_go" not in cases


def test_junit_reports_hosts_separately_and_applies_item_waivers_to_failing_hosts() -> None:
    cases = {case.name: case for suite in _junit(variant()) for case in suite}
    assert _outcome(cases["infra.systemd_services[app1]"]) == "passed"
    assert _outcome(cases["infra.systemd_services[app2]"]) == "failure"
    assert "finding unit:lunia_bot: fail: lunia_bot inactive" in cases["infra.systemd_services[app2]"].result[0].text
    assert cases["infra.falco[app2]"].result[0].message.startswith("waived (was fail): kernel too old for eBPF")
    assert _outcome(cases["flags.infra_prod_enabled[app1]"]) == "passed"
    assert cases["flags.infra_prod_enabled[app2]"].result[0].message.startswith("waived (was fail): restart scheduled")
    assert "infra.systemd_services" not in cases


def test_junit_survives_control_characters_and_markup_in_summaries() -> None:
    document = variant()
    document["items"][1]["summary"] = "\x1b[31mred\x1b[0m & <b>bold</b> ]]>"
    case = next(case for suite in _junit(document) for case in suite if case.name == document["items"][1]["id"])
    # Terminal escapes are shown, not dropped: the reader sees that the evidence held them.
    assert case.result[0].message == "\\x1b[31mred\\x1b[0m & <b>bold</b> ]]>"


# ------------------------------------------------------------------ report.html


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_html_is_self_contained(build: Callable[[], Doc]) -> None:
    page = render_html(build())
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<script src" not in page.lower()
    assert "<link" not in page.lower()
    assert "@import" not in page
    assert "url(" not in page


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_html_names_every_item_and_the_verdict(build: Callable[[], Doc]) -> None:
    document = build()
    page = render_html(document)
    for item in document["items"]:
        assert item["id"] in page
    assert f"<h1>{document['decision']['verdict']}</h1>" in page


def test_html_escapes_injected_markup() -> None:
    page = render_html(variant())
    assert INJECTED not in page
    assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;" in page
    assert page.count("<script>") == 1  # the filter


def test_html_shows_host_matrix_waivers_disabled_and_blockers() -> None:
    document = variant()
    page = render_html(document)
    assert "<h2>Hosts</h2>" in page
    assert 'title="lunia_bot inactive"><span class="badge fail">fail</span>' in page
    assert "<h2>Waivers in effect</h2>" in page and "kernel too old for eBPF" in page
    assert "<h2>Disabled items</h2>" in page and "first release on this venue" in page
    assert "<h2>Waiver problems (these waive nothing)</h2>" in page
    blockers = page.split("<h2>Blocking issues and mitigation plan</h2>", 1)[1].split("</table>", 1)[0]
    for item_id in document["decision"]["blocking"]:
        assert f'<td class="id">{item_id}</td>' in blockers
    assert '<a href="evidence/hosts/app2.json">' in page
    assert "<h2>Hosts</h2>" not in render_html(sample())


def test_html_counts_statuses_in_the_models_one_order() -> None:
    page = render_html(variant())
    (counts,) = re.findall(r'<p class="counts">(.*?)</p>', page)
    listed = re.findall(r'<span class="badge (\w+)">', counts)
    present = {item["status"] for item in variant()["items"] if not item["id"].startswith("decision.")}
    assert len(present) >= 5 and set(listed) == present
    assert listed == [status.value for status in WORST_FIRST if status.value in present]


def test_html_colours_the_banner_by_verdict() -> None:
    assert '<header class="banner nogo">' in render_html(sample())
    assert '<header class="banner go">' in render_html(go())
    assert '<header class="banner pending">' in render_html(pending_sign_off())


def test_html_evidence_links_cannot_carry_a_scheme() -> None:
    document = variant()
    document["items"][0]["evidence"] = ["javascript:alert(1)"]
    assert 'href="javascript%3Aalert%281%29"' in render_html(document)


# ------------------------------------------------------------------ terminal


def _terminal(document: Doc, verbose: bool = False) -> str:
    buffer = io.StringIO()
    summary(document, Console(file=buffer, width=120), verbose)
    return buffer.getvalue()


def test_terminal_summary_names_verdict_blockers_and_fixes() -> None:
    document = variant()
    output = _terminal(document)
    assert "Verdict: NO-GO" in output
    assert "release.commit_sha fail: work tree of /srv/release has 2 uncommitted change(s)" in output
    assert "fix: Commit or discard local changes" in output
    assert "infra.falco" in output and "waived (was fail)" in output
    assert "waivers.yml:9: waiver for tests.load expired" in output
    assert "Disabled items: 2 (`golive check -v` lists them with reasons" in output
    assert "promotion.staging_go: first release on this venue (approved by Sam Ito)" in _terminal(document, verbose=True)
    assert max(len(line) for line in output.splitlines()) <= 120


def test_terminal_summary_for_go_has_no_blockers() -> None:
    output = _terminal(go())
    assert "Verdict: GO" in output
    assert "Blocking items" not in output


def test_terminal_summary_does_not_interpret_markup_in_summaries() -> None:
    document = sample()
    document["items"][1]["summary"] = "[bold red]x[/] [link=http://evil]y[/link]"
    assert "[bold red]x[/] [link=http://evil]y[/link]" in _terminal(document)


def test_collect_progress_prints_one_plain_line_per_finished_source() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120)
    ok = Evidence("git")
    ok.seconds = 0.123
    with CollectProgress(console) as progress:
        for source in ("git", "hosts", "http"):
            progress("start", source, None)
        progress("done", "git", ok)
        progress("done", "hosts", Evidence.unavailable("hosts", "collector did not finish within --timeout 5 s"))
        progress("done", "hosts", Evidence("hosts", error="finished late"))  # the engine's timeout already reported it
        progress("done", "http", Evidence("http", error="collector crashed: ValueError: bad URL"))
    assert buffer.getvalue().splitlines() == [
        "collect git: ok (0.12 s)",
        "collect hosts: missing: collector did not finish within --timeout 5 s",
        "collect http: error: collector crashed: ValueError: bad URL",
    ]
