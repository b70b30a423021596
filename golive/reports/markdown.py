"""RELEASE_REPORT.md: the seed checklist in its own layout, every box ticked or not by the result.

Reviewers sign this file, so it keeps the seed's wording line for line: each checkbox
line starts with the seed's text, and the evidence, waivers and fixes hang beneath it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from golive.checklist import RELEASE_FIELDS
from golive.reports import IMAGE_TYPES, Assets, Document, register
from golive.reports.common import (
    BEYOND_SEED,
    FINAL_DECISION,
    NEEDS_FIX,
    SIGN_OFF,
    TICKED,
    blockers,
    changes_since_last_go,
    grouped,
    is_decision,
    md_code,
    md_text,
    notices,
    release_fields,
    signer_text,
    status_text,
    waiver_text,
    waivers_in_effect,
)


@register("md", "RELEASE_REPORT.md")
def render(document: Document, assets: Assets | None = None) -> str:
    lines = ["# Go / No-Go Checklist", ""]
    lines += [f"> **{md_text(notice)}**" for notice in notices(document)] + ([""] if notices(document) else [])
    lines += _header(document)
    sections = grouped(document)
    if all(name != FINAL_DECISION for name, _ in sections):
        # A team checklist without the decision boxes still owes the reader the verdict and blockers.
        at = next((index for index, (name, _) in enumerate(sections) if name in (SIGN_OFF, BEYOND_SEED)), len(sections))
        sections.insert(at, (FINAL_DECISION, []))
    disabled = _disabled_lines(document)
    names = [name for name, _ in sections]
    for name in disabled:
        if name not in names:
            # A section whose every item is disabled still shows its lines, unticked.
            sections.insert(names.index(FINAL_DECISION), (name, []))
            names = [name for name, _ in sections]
    for name, items in sections:
        lines.append("")
        if name == SIGN_OFF:
            lines.append("Sign-off:")
            lines.extend(
                f"- {md_text(item['title'])} {_status(item)} — {md_text(signer_text(document, item['params'].get('role')) or item['summary'])}"
                for item in items
            )
            continue
        lines.append(f"## {md_text(name)}")
        for item in items:
            lines.extend([f"- {_box(item)} {md_text(item['title'])}"] if is_decision(item) else _item(item, document))
        lines.extend(disabled.get(name, []))
        if name == FINAL_DECISION:
            lines.extend(_decision(document))
    return "\n".join(lines) + "\n"


def _disabled_lines(document: Document) -> dict[str, list[str]]:
    """Lines of items a team checklist disabled, by section: the seed line stays, unticked."""
    by_section: dict[str, list[str]] = {}
    for entry in document["decision"]["disabled"]:
        section = entry["section"] if entry["seed_line"] else BEYOND_SEED
        by_section.setdefault(section, []).extend(
            [
                f"- [ ] {md_text(entry['title'])}",
                f"  - disabled by the team checklist: {md_text(entry['reason'])} (approved by {md_text(entry['approver'])})",
            ]
        )
    return by_section


def _header(document: Document) -> list[str]:
    release = ", ".join(f"{label.lower()} {md_text(value)}" for label, value in release_fields(document["release"]))
    lines = [
        f"- **Environment:** {md_text(document['environment'])}",
        f"- **As of:** {md_text(document['as_of'])}",
        f"- **golive version:** {md_text(document['golive_version'])} (checklist: {md_text(document.get('checklist', ''))})",
        f"- **Release:** {release}",
        f"- **Verdict:** **{document['decision']['verdict']}**",
        f"- **Digest:** {md_code(document['digest'])}",
    ]
    archive = document.get("archive")
    if archive:
        lines.append(f"- **Evidence archive:** {_link(archive['file'])} (manifest sha256 {md_code(archive['manifest_sha256'])})")
    changes = changes_since_last_go(document)
    if changes:
        heading, entries = changes
        lines.append(f"- **{md_text(heading)}:**")
        lines.extend(f"  - {md_text(entry)}" for entry in entries)
    return lines


def _box(item: dict[str, Any]) -> str:
    return "[x]" if item["status"] in TICKED else "[ ]"


def _release_field(document: Document, item_id: str) -> str | None:
    """The release block field the checklist marks this item as standing for (`release:`)."""
    entries = document["effective_checklist"].get("items") or []
    field = next((entry.get("release") for entry in entries if isinstance(entry, dict) and entry.get("id") == item_id), None)
    return field if field in RELEASE_FIELDS else None


def _item(item: dict[str, Any], document: Document) -> list[str]:
    # The seed layout keeps the seed's line verbatim; the rendered title is in every other format.
    title = md_text(item.get("seed_title") or item["title"])
    # The seed's Release Metadata lines end in a colon and expect the value after it.
    field = _release_field(document, item["id"])
    if field:
        title = f"{title} {_release_value(document['release'], field)}"
    blocking = item["id"] in document["decision"]["blocking"]
    # A blocker's fix is printed once, in the mitigation plan under Final Decision.
    status = _status(item) + (" (blocks GO: see the mitigation plan under Final Decision)" if blocking else "")
    if item.get("waiver"):
        status += f" — {md_text(waiver_text(item['waiver']))}"
    lines = [f"- {_box(item)} {title}", f"  - status: {status}"]
    if item["summary"]:
        lines.append(f"  - {md_text(item['summary'])}")
    hosts = item.get("hosts") or {}
    if hosts:
        lines.append("  - hosts:")
        lines.extend(
            f"    - {md_text(name)}: {_status(outcome)} — {md_text(outcome['summary'])}{_waived(outcome)}"
            for name, outcome in sorted(hosts.items())
        )
    if item["findings"]:
        lines.append("  - findings:")
        lines.extend(f"    - {_finding(finding)}" for finding in item["findings"])
    if not blocking and item["status"] in NEEDS_FIX and item["fix"]:
        lines.append(f"  - fix: {md_text(item['fix'])}")
    if item["evidence"]:
        lines.append("  - evidence: " + ", ".join(_link(path) for path in item["evidence"]))
        lines.extend(f"  - ![{md_text(path)}]({quote(path)})" for path in item["evidence"] if Path(path).suffix in IMAGE_TYPES)
    return lines


def _release_value(release: dict[str, Any], field: str) -> str:
    value = release.get(field)
    if value:
        return md_text(value)
    if field == "tag" and release.get("version"):
        return f"none (version {md_text(release['version'])})"
    return "none"


def _status(entry: dict[str, Any]) -> str:
    text = status_text(entry)
    if entry.get("severity") == "advisory" and entry["status"] not in TICKED:
        text += " (advisory: does not block GO)"
    return text


def _waived(entry: dict[str, Any]) -> str:
    return f" (waiver: {md_text(waiver_text(entry['waiver']))})" if entry.get("waiver") else ""


def _finding(finding: dict[str, Any]) -> str:
    where = f" on {md_text(finding['host'])}" if finding.get("host") else ""
    return f"{md_code(finding['key'])}{where}: {_status(finding)} — {md_text(finding['detail'])}{_waived(finding)}"


def _decision(document: Document) -> list[str]:
    decision = document["decision"]
    lines = ["", f"Verdict: **{decision['verdict']}**"]
    blocking = blockers(document)
    if blocking:
        lines += ["", "### Blocking issues and mitigation plan", ""]
        for item in blocking:
            lines.append(
                f"- {md_code(item['id'])} — {md_text(item['title']).rstrip(':')} — {status_text(item)}: {md_text(item['summary'])}"
            )
            if item["fix"]:
                lines.append(f"  - fix: {md_text(item['fix'])}")
    waivers = waivers_in_effect(document)
    if waivers:
        lines += ["", "### Waivers in effect", ""]
        lines.extend(
            f"- {md_code(entry.item)} ({md_text(entry.scope)}, was {md_text(entry.was)}): {md_text(waiver_text(entry.waiver))}"
            for entry in waivers
        )
    if decision["disabled"]:
        lines += ["", "### Disabled items", ""]
        lines.extend(
            f"- {md_code(entry['id'])}: {md_text(entry['reason'])} (approved by {md_text(entry['approver'])}; {md_text(entry.get('source', ''))})"
            for entry in decision["disabled"]
        )
    if decision["waiver_problems"]:
        lines += ["", "### Waiver problems (these waive nothing)", ""]
        lines.extend(f"- {md_text(problem)}" for problem in decision["waiver_problems"])
    return lines


def _link(path: str) -> str:
    # Quoting the target keeps spaces working and turns any `scheme:` into a plain relative path.
    return f"[{md_text(path)}]({quote(path)})"
