"""report.html: one self-contained page for people who will not read Markdown or XML.

No external fonts, scripts, images or styles: the page is archived with the evidence and
must render the same offline years later. Every value from the document is escaped.
"""

from __future__ import annotations

import base64
import html
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from golive.model import WORST_FIRST
from golive.reports import IMAGE_TYPES, Assets, Document, register
from golive.reports.common import (
    FINAL_DECISION,
    NEEDS_FIX,
    TICKED,
    blockers,
    changes_since_last_go,
    grouped,
    host_items,
    is_decision,
    notices,
    one_line,
    release_fields,
    signer_text,
    status_text,
    waiver_text,
    waivers_in_effect,
)

VERDICT_CLASS = {"GO": "go", "GO pending sign-off": "pending", "NO-GO": "nogo"}

_STYLE = """
:root { --pass:#1a7f37; --fail:#cf222e; --error:#8250df; --insufficient:#bc4c00; --pending:#0969da;
        --warn:#9a6700; --waived:#57606a; --skip:#8c959f; --line:#d0d7de; --muted:#57606a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2328; background: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 0 20px 40px; }
.banner { padding: 18px 20px; color: #fff; }
.banner h1 { margin: 0; font-size: 28px; }
.banner p { margin: 4px 0 0; opacity: .92; }
.banner.go { background: var(--pass); } .banner.pending { background: #9a6700; } .banner.nogo { background: var(--fail); }
h2 { margin: 28px 0 8px; font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
dl.release { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
dl.release dt { color: var(--muted); } dl.release dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.id { font-family: ui-monospace, monospace; }
code { font-family: ui-monospace, monospace; background: #f6f8fa; padding: 0 3px; border-radius: 3px; }
.badge { display: inline-block; min-width: 6.5em; padding: 1px 6px; border-radius: 10px; color: #fff; font-size: 12px;
         font-weight: 600; text-align: center; white-space: nowrap; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.error { background: var(--error); }
.badge.insufficient { background: var(--insufficient); } .badge.pending { background: var(--pending); }
.badge.warn { background: var(--warn); } .badge.waived { background: var(--waived); } .badge.skip { background: var(--skip); }
.counts span { margin-right: 10px; }
.note { color: var(--muted); font-size: 13px; }
.problems { border-left: 4px solid var(--fail); background: #fff5f5; padding: 6px 12px; }
ul.sub { margin: 4px 0 0; padding-left: 18px; }
ul.boxes { list-style: none; padding-left: 0; font-size: 16px; }
td.none { color: var(--skip); text-align: center; }
label.filter { display: inline-block; margin-top: 16px; user-select: none; }
body.failing-only tr.ok { display: none; }
/* Tables keep their columns at any width: long ids, paths, URLs and charts fit their cell. */
table { table-layout: fixed; }
th, td { overflow-wrap: anywhere; }
table.items col.status { width: 9em; } table.items col.id { width: 15em; } table.items col.title { width: 20%; }
table.items col.fix { width: 22%; }
li.chart { list-style: none; margin: 6px 0; }
li.chart img { display: block; max-width: 100%; height: auto; }
.mark { font-weight: 700; color: var(--pass); }
"""
# Seed titles carry emoji (✅) that a machine without an emoji font shows as an empty box;
# the page shows a text mark every font has, and keeps the emoji as its tooltip.
_EMOJI_MARKS = {"✅": "✓"}

# The only script: a filter that hides rows needing no action. The page is complete without it.
_SCRIPT = """
document.getElementById("failing-only").addEventListener("change", function (event) {
  document.body.classList.toggle("failing-only", event.target.checked);
});
"""


@register("html", "report.html")
def render(document: Document, assets: Assets | None = None) -> str:
    verdict = document["decision"]["verdict"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>golive {_e(verdict)}: {_e(document['environment'])}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f'<header class="banner {VERDICT_CLASS.get(verdict, "nogo")}">',
        f"<h1>{_e(verdict)}</h1>",
        f"<p>environment {_e(document['environment'])} · as of {_e(document['as_of'])} · golive {_e(document['golive_version'])}</p>",
        "</header>",
        *(f'<p class="notice"><strong>{_e(notice)}</strong></p>' for notice in notices(document)),
        "<main>",
        *_release(document),
        *_counts(document),
        *_blockers(document),
        *_changes(document),
        *_waiver_problems(document),
        *_disabled(document),
        *_waivers(document),
        '<label class="filter"><input type="checkbox" id="failing-only"> Show only items that need action</label>',
        *_sections(document, assets),
        *_matrix(document),
        *_collectors(document),
        f'<p class="note">Rendered from result {_e(document["digest"])}; the result document is the record.</p>',
        "</main>",
        f"<script>{_SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _release(document: Document) -> list[str]:
    rows = [("Environment", document["environment"]), *release_fields(document["release"]), ("Digest", document["digest"])]
    archive = document.get("archive")
    if archive:
        rows += [("Evidence archive", archive["file"]), ("Archive manifest", archive["manifest_sha256"])]
    rows.append(("Checklist", document.get("checklist", "")))
    return ["<h2>Release</h2>", '<dl class="release">', *(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows), "</dl>"]


def _counts(document: Document) -> list[str]:
    counts = Counter(item["status"] for item in document["items"] if not is_decision(item))
    spans = [f"<span>{_badge(status)} {counts[status]}</span>" for status in WORST_FIRST if counts[status]]
    return [f'<p class="counts">{"".join(spans)}</p>']


def _blockers(document: Document) -> list[str]:
    items = blockers(document)
    if not items:
        return []
    rows = [
        f'<tr><td class="id">{_e(item["id"])}</td><td>{_md(item["title"])}</td><td>{_badge(item["status"])}</td>'
        f"<td>{_e(one_line(item['summary']))}</td><td>{_md(one_line(item['fix']))}</td></tr>"
        for item in items
    ]
    return [
        "<h2>Blocking issues and mitigation plan</h2>",
        "<table><thead><tr><th>Item</th><th>Title</th><th>Status</th><th>Why it blocks</th><th>Mitigation</th></tr></thead>",
        "<tbody>",
        *rows,
        "</tbody></table>",
    ]


def _changes(document: Document) -> list[str]:
    changes = changes_since_last_go(document)
    if changes is None:
        return []
    heading, entries = changes
    return [f"<h2>{_e(heading)}</h2>", "<ul>", *(f"<li>{_e(entry)}</li>" for entry in entries), "</ul>"]


def _waiver_problems(document: Document) -> list[str]:
    problems = document["decision"]["waiver_problems"]
    if not problems:
        return []
    return [
        "<h2>Waiver problems (these waive nothing)</h2>",
        '<div class="problems"><ul>',
        *(f"<li>{_e(problem)}</li>" for problem in problems),
        "</ul></div>",
    ]


def _disabled(document: Document) -> list[str]:
    disabled = document["decision"]["disabled"]
    if not disabled:
        return []
    rows = [
        f'<tr><td class="id">{_e(entry["id"])}</td><td>{_e(entry["reason"])}</td><td>{_e(entry["approver"])}</td>'
        f"<td>{_e(entry.get('source', ''))}</td></tr>"
        for entry in disabled
    ]
    return [
        "<h2>Disabled items</h2>",
        "<table><thead><tr><th>Item</th><th>Reason</th><th>Approver</th><th>Where</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
    ]


def _waivers(document: Document) -> list[str]:
    waivers = waivers_in_effect(document)
    if not waivers:
        return []
    rows = [
        f'<tr><td class="id">{_e(entry.item)}</td><td>{_e(entry.scope)}</td><td>{_badge(entry.was)}</td>'
        f"<td>{_e(entry.waiver['approver'])}</td><td>{_e(entry.waiver['reason'])}</td><td>{_e(entry.waiver.get('ticket') or '')}</td>"
        f"<td>{_e(entry.waiver['expires'])}</td></tr>"
        for entry in waivers
    ]
    return [
        "<h2>Waivers in effect</h2>",
        "<table><thead><tr><th>Item</th><th>Scope</th><th>Was</th><th>Approver</th><th>Reason</th><th>Ticket</th><th>Expires</th></tr></thead>",
        "<tbody>",
        *rows,
        "</tbody></table>",
    ]


def _sections(document: Document, assets: Assets | None) -> list[str]:
    parts: list[str] = []
    for name, items in grouped(document):
        parts.append(f"<h2>{_e(name)}</h2>")
        boxes = [item for item in items if is_decision(item)]
        if boxes:
            ticks = "".join(
                f'<li id="{_e(item["id"])}">{"☑" if item["status"] in TICKED else "☐"} {_md(item["title"])}</li>' for item in boxes
            )
            parts.append(f'<ul class="boxes">{ticks}</ul>')
        if name == FINAL_DECISION:
            parts.append(f"<p>Verdict: <strong>{_e(document['decision']['verdict'])}</strong></p>")
        judged = [item for item in items if not is_decision(item)]
        if not judged:
            continue
        parts.append(
            '<table class="items"><colgroup><col class="status"><col class="id"><col class="title"><col><col class="fix"></colgroup>'
            "<thead><tr><th>Status</th><th>Item</th><th>Title</th><th>Summary</th><th>Fix</th></tr></thead><tbody>"
        )
        parts.extend(_row(item, assets, document) for item in judged)
        parts.append("</tbody></table>")
    return parts


def _charts(paths: list[str], assets: Assets | None) -> list[str]:
    """Evidence images embedded as data: URIs, so the page stays one self-contained file."""
    embedded = []
    for path in paths:
        kind = IMAGE_TYPES.get(Path(path).suffix)
        content = assets(path) if assets and kind else None
        if content is not None:
            source = f"data:{kind};base64,{base64.b64encode(content).decode()}"
            embedded.append(f'<li class="chart"><img alt="{_e(path)}" src="{source}"></li>')
    return embedded


def _row(item: dict[str, Any], assets: Assets | None, document: Document) -> str:
    details: list[str] = []
    if item.get("waiver"):
        details.append(f"<li>{_e(status_text(item))}: {_e(waiver_text(item['waiver']))}</li>")
    for host, outcome in sorted((item.get("hosts") or {}).items()):
        line = f"<li>{_e(host)}: {_badge(outcome['status'])} {_e(one_line(outcome['summary']))}"
        if outcome.get("waiver"):
            line += f" ({_e(status_text(outcome))}: {_e(waiver_text(outcome['waiver']))})"
        details.append(line + "</li>")
    for finding in item["findings"]:
        where = f" on {finding['host']}" if finding.get("host") else ""
        line = f"<li><code>{_e(finding['key'])}</code>{_e(where)}: {_e(status_text(finding))}: {_e(one_line(finding['detail']))}"
        if finding.get("waiver"):
            line += f" ({_e(waiver_text(finding['waiver']))})"
        details.append(line + "</li>")
    if item["evidence"]:
        links = ", ".join(_link(path) for path in item["evidence"])
        details.append(f'<li class="note">evidence: {links}</li>')
        details.extend(_charts(item["evidence"], assets))
    signer = signer_text(document, item["params"].get("role")) if item.get("signoff") else ""
    summary = _e(signer or one_line(item["summary"])) + (f'<ul class="sub">{"".join(details)}</ul>' if details else "")
    advisory = ' <span class="note">(advisory)</span>' if item["severity"] != "blocker" else ""
    fix = _md(one_line(item["fix"])) if item["status"] in NEEDS_FIX else ""
    row_class = "attention" if item["status"] in NEEDS_FIX else "ok"
    return (
        f'<tr class="{row_class}" id="{_e(item["id"])}"><td>{_badge(item["status"])}{advisory}</td><td class="id">{_e(item["id"])}</td>'
        f"<td>{_md(item['title'])}</td><td>{summary}</td><td>{fix}</td></tr>"
    )


def _matrix(document: Document) -> list[str]:
    items = host_items(document)
    if not items:
        return []
    hosts = sorted({host for item in items for host in item["hosts"]})
    head = "".join(f"<th>{_e(host)}</th>" for host in hosts)
    rows = []
    for item in items:
        cells = []
        for host in hosts:
            outcome = item["hosts"].get(host)
            if outcome is None:
                cells.append('<td class="none">–</td>')
            else:
                note = " (covered by the item's waiver)" if item.get("waiver") and outcome["status"] not in TICKED else ""
                cells.append(f'<td title="{_e(one_line(outcome["summary"]) + note)}">{_badge(outcome["status"])}</td>')
        row_class = "attention" if item["status"] in NEEDS_FIX else "ok"
        rows.append(f'<tr class="{row_class}"><td class="id">{_e(item["id"])}</td>{"".join(cells)}</tr>')
    return [
        "<h2>Hosts</h2>",
        '<p class="note">Each host item by host; hover a cell for its summary. – means the item does not apply to that host.</p>',
        f"<table><thead><tr><th>Item</th>{head}</tr></thead><tbody>",
        *rows,
        "</tbody></table>",
    ]


def _collectors(document: Document) -> list[str]:
    collectors = document.get("collectors") or {}
    if not collectors:
        return []
    rows = [
        f'<tr><td class="id">{_e(source)}</td><td>{_e(entry["status"])}</td><td>{_e(entry["seconds"])} s</td>'
        f"<td>{_e(one_line(entry['detail']))}</td></tr>"
        for source, entry in sorted(collectors.items())
    ]
    return [
        "<h2>Evidence sources</h2>",
        "<table><thead><tr><th>Source</th><th>Collected</th><th>Time</th><th>Detail</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
    ]


def _badge(status: str) -> str:
    return f'<span class="badge {_e(status)}">{_e(status)}</span>'


def _link(path: str) -> str:
    # Quoting turns any `scheme:` (javascript:, http:) into a harmless relative path.
    return f'<a href="{_e(quote(path))}">{_e(path)}</a>'


def _md(text: str) -> str:
    """Checklist titles and fixes use Markdown code spans; show them as code, escaped, with
    text marks for the emoji they hold."""
    marked = re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))
    for emoji, mark in _EMOJI_MARKS.items():
        marked = marked.replace(emoji, f'<span class="mark" title="{emoji}">{mark}</span>')
    return marked


def _e(value: Any) -> str:
    # One line first: a line break or control character from evidence has no business in markup.
    return html.escape(one_line(value), quote=True)
