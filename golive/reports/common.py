"""Reading helpers every rendering shares, so the formats cannot disagree on what a status means.

They only select and word what the result document holds; none of them judges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from golive.reports import Document

FINAL_DECISION = "Final Decision"
SIGN_OFF = "Sign-off"
BEYOND_SEED = "Beyond the seed"

# A checkbox is ticked only for these: a waived item carries a valid, unexpired waiver
# (expired ones never reach the document as waivers, only as waiver problems).
TICKED = frozenset({"pass", "waived"})
# Statuses that still need someone to act, so their fix text is worth printing.
NEEDS_FIX = frozenset({"fail", "error", "insufficient", "pending", "warn"})


def is_decision(item: dict[str, Any]) -> bool:
    """The Final Decision boxes are rendered from the verdict, never judged."""
    return bool(item.get("kind") == "decision")


def status_text(entry: dict[str, Any]) -> str:
    """`waived (was fail)` for a waived item, host or finding, else the bare status."""
    if entry.get("was"):
        return f"{entry['status']} (was {entry['was']})"
    return str(entry["status"])


def waiver_text(waiver: dict[str, Any]) -> str:
    """Who accepted the risk, why, until when, and where the waiver is written."""
    parts = [f"approved by {waiver['approver']}: {waiver['reason']}"]
    if waiver.get("ticket"):
        parts.append(f"ticket {waiver['ticket']}")
    parts.append(f"expires {waiver['expires']}")
    if waiver.get("source"):
        parts.append(f"from {waiver['source']}")
    return "; ".join(parts)


# Characters that would move the cursor, recolour a terminal, reorder what a reader sees
# (bidirectional overrides) or make XML unparseable; shown as escapes, never passed on.
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def one_line(text: Any) -> str:
    """Evidence text as one line of plain characters, for every report format.

    Evidence (summaries, details, finding keys, host names, team checklist titles) may
    hold line breaks of any kind (\\n, \\r, U+2028, ...), terminal escapes or XML-invalid
    characters. Breaks become one space, so no evidence starts a report line of its own;
    the other controls become visible escapes (`\\x1b`), so nothing is hidden either."""
    return " ".join(_INVISIBLE.sub(_escaped, str(text)).split())


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def grouped(document: Document) -> list[tuple[str, list[dict[str, Any]]]]:
    """Items by section in document order; items beyond the seed last, under their own heading."""
    sections: dict[str, list[dict[str, Any]]] = {}
    beyond: list[dict[str, Any]] = []
    for item in document["items"]:
        if item["seed_line"]:
            sections.setdefault(item["section"], []).append(item)
        else:
            beyond.append(item)
    ordered = list(sections.items())
    if beyond:
        ordered.append((BEYOND_SEED, beyond))
    return ordered


def blockers(document: Document) -> list[dict[str, Any]]:
    """The items `decision.blocking` names, in its order."""
    by_id = {item["id"]: item for item in document["items"]}
    return [by_id[item_id] for item_id in document["decision"]["blocking"] if item_id in by_id]


def host_items(document: Document) -> list[dict[str, Any]]:
    return [item for item in document["items"] if item.get("hosts")]


@dataclass(frozen=True)
class WaiverInEffect:
    item: str
    scope: str
    was: str
    waiver: dict[str, Any]


def waivers_in_effect(document: Document) -> list[WaiverInEffect]:
    """Every waiver the run applied: on an item, on one host, or on one finding."""
    found: list[WaiverInEffect] = []
    for item in document["items"]:
        if item.get("waiver"):
            found.append(WaiverInEffect(item["id"], "item", str(item.get("was", "")), item["waiver"]))
        for host, outcome in sorted((item.get("hosts") or {}).items()):
            if outcome.get("waiver"):
                found.append(WaiverInEffect(item["id"], f"host {host}", str(outcome.get("was", "")), outcome["waiver"]))
        for finding in item.get("findings") or []:
            if finding.get("waiver"):
                scope = f"finding {finding['key']}" + (f" on {finding['host']}" if finding.get("host") else "")
                found.append(WaiverInEffect(item["id"], scope, str(finding.get("was", "")), finding["waiver"]))
    return found


def release_fields(release: dict[str, Any]) -> list[tuple[str, str]]:
    """The release block's fields as (label, value) pairs, absent values spelled out."""
    return [
        ("Version", release.get("version") or "unknown"),
        ("Tag", release.get("tag") or "none"),
        ("Commit", release.get("commit") or "unknown"),
        ("Date", (release.get("date") or "unknown") + (f" ({release['date_source']})" if release.get("date_source") else "")),
        ("Repository", release.get("repo") or "unknown"),
    ]


def changes_since_last_go(document: Document) -> tuple[str, list[str]] | None:
    """(heading, one line per change) against the environment's last GO, if the run knew one."""
    changes = document.get("changes_since_last_go")
    if not changes:
        return None
    heading = f"Changes since the last GO ({changes['as_of']}, commit {str(changes.get('commit') or '?')[:12]})"
    lines = [f"{entry['item']}: {entry['old']} -> {entry['new']}" for entry in changes["status_changes"]]
    lines += [f"{entry['item']} on {entry['host']}: newly {entry['status']}" for entry in changes["newly_failing_hosts"]]
    lines += [
        f"{entry['item']} {entry['metric']}: {entry['old']:g} -> {entry['new']:g} ({entry['new'] - entry['old']:+g})"
        for entry in changes["metric_deltas"]
    ]
    lines += [f"{item}: new item" for item in changes["added"]]
    lines += [f"{item}: no longer judged" for item in changes["removed"]]
    return heading, lines or ["no change"]


def notices(document: Document) -> list[str]:
    """What a reader must know before any item: a partial run, unsigned waivers counting.

    Every format prints these first, so no report of such a result reads like a full one."""
    lines = []
    partial = document.get("partial")
    if partial:
        chosen = "; ".join(
            part
            for part in (
                f"--only {','.join(partial['only'])}" if partial["only"] else "",
                f"--skip {','.join(partial['skip'])}" if partial["skip"] else "",
            )
            if part
        )
        lines.append(
            f"PARTIAL RUN ({chosen}): {len(partial['not_judged'])} item(s) were not judged. "
            "A partial result is never a GO, and golive sign and golive verify refuse it."
        )
    if document["decision"].get("unsigned_waivers_allowed"):
        lines.append(
            "UNSIGNED WAIVERS COUNT in this environment (waivers.unsigned: allow): a waiver here may carry no approver's signature."
        )
    return [one_line(line) for line in lines]


def signer_text(document: Document, role: str | None) -> str:
    """Who signed `role` (key fingerprint and its allowed_signers comment), when `golive report`
    or `golive verify` found and verified the signature files beside the result."""
    signatures = document.get("signatures") or {}
    entry = signatures.get(role or "") if role else None
    if not entry:
        return ""
    if not entry.get("valid"):
        return one_line(f"not signed: {entry.get('reason', '')}")
    comment = f" ({entry['comment']})" if entry.get("comment") else ""
    return one_line(f"signed by {entry.get('fingerprint', '')}{comment}")


def md_code(value: Any) -> str:
    # CommonMark: a code span holding backticks needs a longer fence, padded with spaces.
    text = one_line(value)
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    return f"{'`' * (longest + 1)} {text} {'`' * (longest + 1)}" if longest else f"`{text}`"


# Outside code spans: what could open emphasis (`**GO**`), a link or a checkbox (`[x]`),
# an HTML tag, or undo one of these escapes. An underscore inside a word (core_pnl) opens
# nothing in CommonMark and stays as it is, and so does a `<` before a space (P99 < 200 ms).
_MARKUP = re.compile(r"[\\*\[\]]|<(?=[A-Za-z/!?])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_text(value: Any) -> str:
    """Evidence text on one line with no Markdown or HTML of its own; its code spans stay."""
    text = one_line(value)
    parts = text.split("`")
    if len(parts) % 2 == 0:
        # An unmatched backtick would pair with one of the report's own: escape them all.
        return _MARKUP.sub(r"\\\g<0>", text).replace("`", "\\`")
    return "`".join(part if index % 2 else _MARKUP.sub(r"\\\g<0>", part) for index, part in enumerate(parts))
