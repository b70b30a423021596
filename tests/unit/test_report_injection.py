"""Evidence cannot forge a report line: a JUnit testcase named with newline entities, ANSI
escapes and markup reaches every format as one line of inert text."""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from golive import engine
from golive.collectors import settings_keys
from golive.config import load_config
from golive.document import digest
from golive.reports.common import one_line
from golive.reports.html import render as render_html
from golive.reports.junit import render as render_junit
from golive.reports.markdown import render as render_markdown
from golive.reports.terminal import summary
from tests.conftest import write
from tests.unit.test_reports import variant

AS_OF = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
# What a hostile test report puts in a testcase name: lines that tick a box, a bold GO,
# a JUnit body line of its own, and an HTML tag.
FORGED_NAME = "test_a&#10;- [x] forged&#10;**GO**&#13;status: pass&#10;&lt;b&gt;GO&lt;/b&gt;"
FORGED_LINES = ("- [x] forged", "**GO**", "<b>GO</b>")
# The same in a document, with what XML cannot carry: terminal escapes, NUL, DEL, Unicode
# line and paragraph separators, a bidirectional override.
HOSTILE = "x\n- [x] forged\r\n**GO**\u2028status: pass\u2029<b>GO</b>\x1b[2J\x1b]0;owned\x07\x00\x7f\u202e\x85\x0b\x0c"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202e]")


def _judged_forged_report(repo: Path) -> dict[str, Any]:
    write(
        repo / "reports" / "unit.xml",
        '<?xml version="1.0"?>\n'
        f'<testsuite name="unit" tests="2" failures="1" timestamp="{(AS_OF - dt.timedelta(hours=1)).isoformat()}">\n'
        f'  <testcase classname="core" name="{FORGED_NAME}" time="0.1">'
        f'<failure message="boom&#10;- [x] forged">trace&#10;- [x] forged</failure></testcase>\n'
        '  <testcase classname="core" name="test_b" time="0.1"/>\n'
        "</testsuite>\n",
    )
    path = write(repo / "golive.yml", "release: {repo: .}\nsources:\n  junit: {unit: reports/unit.xml}\n")
    config = load_config(path, None, settings_keys())
    options = engine.RunOptions(as_of=AS_OF, timeout=60.0, out_dir=repo / "golive-out")
    return engine.run(config, options, repo / "golive-out" / "evidence", [], [])


def _forged_starts(text: str) -> list[str]:
    """Lines of `text` that begin (after indentation or a list marker) with forged text."""
    found = []
    for line in text.splitlines():
        bare = line.strip()
        for start in ("- ", "* ", ""):
            if bare.startswith(start) and bare[len(start) :].startswith(FORGED_LINES):
                found.append(line)
    return found


def _assert_inert_markdown(markdown: str) -> None:
    """Rendered as CommonMark, the evidence makes no bold GO, no tag, no link of its own."""
    rendered = MarkdownIt("commonmark").render(markdown)
    assert "<strong>GO</strong>" not in rendered  # the verdict is NO-GO; a bold GO could only be forged
    assert "<b>" not in rendered
    assert "[x] forged" in rendered  # shown as text


def _terminal(document: dict[str, Any]) -> str:
    out = io.StringIO()
    # Wide enough that no layout wrapping starts a line mid-summary: only evidence could.
    summary(document, Console(file=out, width=2000, force_terminal=True, color_system=None, highlight=False))
    return out.getvalue()


def test_testcase_name_with_newline_entities_forges_no_line_in_any_report(release_repo: Path) -> None:
    document = _judged_forged_report(release_repo)
    unit = next(item for item in document["items"] if item["id"] == "tests.unit")
    # The forged text really reached the result, line breaks and all.
    assert unit["status"] == "fail"
    assert any("\n- [x] forged\n**GO**" in finding["key"] for finding in unit["findings"])

    markdown = render_markdown(document)
    assert "forged" in markdown
    assert _forged_starts(markdown) == []
    ticked = [line for line in markdown.splitlines() if line.lstrip().startswith("- [x]")]
    assert not [line for line in ticked if "forged" in line]
    _assert_inert_markdown(markdown)

    html = render_html(document)
    assert "forged" in html
    assert _forged_starts(html) == []
    assert "<b>GO</b>" not in html

    junit = render_junit(document)
    root = ET.fromstring(junit)
    bodies = [element.text or "" for element in root.iter() if element.tag in ("failure", "error", "skipped", "system-out")]
    assert any("forged" in body for body in bodies)
    for body in bodies:
        assert _forged_starts(body) == [], body
        assert not [line for line in body.splitlines() if line.startswith("status: pass")], body

    terminal = _terminal(document)
    assert "forged" in terminal
    assert _forged_starts(terminal) == []


def _hostile_document() -> dict[str, Any]:
    """The report fixture with hostile text in every field evidence or a team checklist fills."""
    document = variant()
    for item in document["items"]:
        if item.get("kind") == "decision":
            continue
        item["title"] = f"{item['title']} {HOSTILE}"
        item["summary"] = HOSTILE
        item["fix"] = HOSTILE
        for finding in item["findings"]:
            finding["key"] = f"{finding['key']}{HOSTILE}"
            finding["detail"] = HOSTILE
        item["evidence"] = [*item["evidence"], f"evidence/{HOSTILE}.json"]
        if item.get("hosts"):
            item["hosts"] = {f"{name}{HOSTILE}": {**outcome, "summary": HOSTILE} for name, outcome in item["hosts"].items()}
        if item.get("waiver"):
            item["waiver"] = {**item["waiver"], "reason": HOSTILE, "approver": HOSTILE}
    for entry in document["decision"]["disabled"]:
        entry.update(title=HOSTILE, reason=HOSTILE, approver=HOSTILE)
    document["decision"]["waiver_problems"] = [HOSTILE]
    document["environment"] = f"prod{HOSTILE}"
    document["digest"] = digest(document)
    return document


@pytest.mark.parametrize(
    "render",
    [render_markdown, render_html, render_junit, _terminal],
    ids=["markdown", "html", "junit", "terminal"],
)
def test_control_characters_and_line_breaks_never_reach_a_report(render: Any) -> None:
    document = _hostile_document()
    text = render(document)
    assert "forged" in text
    assert _forged_starts(text) == []
    assert not CONTROL.search(text), repr(CONTROL.search(text))
    if render is render_junit:
        root = ET.fromstring(text)  # still well-formed XML
        for element in root.iter():
            assert not [line for line in (element.text or "").splitlines() if line.startswith("status: pass")]
    if render is render_html:
        assert "<b>GO</b>" not in text
    if render is render_markdown:
        _assert_inert_markdown(text)
        assert "\\x1b[2J" in MarkdownIt("commonmark").render(text)  # shown, not hidden


def test_one_line_turns_breaks_into_spaces_and_shows_other_controls() -> None:
    assert one_line("a\nb\r\nc\u2028d\u2029e\x85f\tg") == "a b c d e f g"
    assert one_line("\x1b[31mred\x00\x7f\u202e\ud800") == "\\x1b[31mred\\x00\\x7f\\u202e\\ud800"
