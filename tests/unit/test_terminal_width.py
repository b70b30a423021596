"""The terminal summary at CI-log widths: nothing is cut, the disabled list is one line unless -v."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from golive.reports.terminal import summary

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample-result.json"


def rendered(document: dict[str, Any], width: int, verbose: bool = False) -> str:
    out = io.StringIO()
    summary(document, Console(file=out, width=width, no_color=True, force_terminal=False), verbose)
    return out.getvalue()


@pytest.mark.parametrize("width", [60, 80, 120])
def test_every_summary_word_survives_at_any_width(width: int) -> None:
    document = json.loads(SAMPLE.read_text())
    tail = "the-last-word-of-a-long-summary-naming-host-app7"
    document["items"][1]["summary"] = "lorem ipsum " * 20 + tail
    text = rendered(document, width)
    # The digest is the one line kept whole: it is copied into `golive sign` commands.
    lines = [line for line in text.splitlines() if not line.startswith("Result digest: ")]
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    assert "…" not in text
    # Folded, the long word may break across lines; its letters all arrive, in order.
    assert tail in "".join(text.split())


def test_disabled_items_collapse_to_one_line_unless_verbose() -> None:
    document = json.loads(SAMPLE.read_text())
    document["decision"]["disabled"] = [
        {
            "id": f"kpi.item{index}",
            "title": "t",
            "section": "s",
            "seed_line": True,
            "reason": f"reason {index}",
            "approver": "cto",
            "source": "x",
        }
        for index in range(15)
    ]
    short = rendered(document, 80)
    assert "Disabled items: 15 (`golive check -v` lists them with reasons; so do the reports)" in " ".join(short.split())
    assert "reason 3" not in short
    assert "kpi.item3: reason 3 (approved by cto)" in rendered(document, 80, verbose=True)
