"""The terminal view: the summary `golive check` prints, and progress while evidence is collected.

Not a file format: it writes to a rich Console the CLI hands in, so colour, width and
TTY detection (and NO_COLOR) are the Console's business, not this module's.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.status import Status
from rich.table import Table
from rich.text import Text

from golive.reports import Document
from golive.reports.common import blockers, grouped, is_decision, notices, one_line, status_text
from golive.secrets import mask_text

if TYPE_CHECKING:
    from golive.collectors import Evidence

STATUS_STYLE = {
    "pass": "green",
    "fail": "bold red",
    "error": "bold magenta",
    "insufficient": "red",
    "pending": "yellow",
    "warn": "yellow",
    "waived": "cyan",
    "skip": "dim",
}
VERDICT_STYLE = {"GO": "bold green", "GO pending sign-off": "bold yellow", "NO-GO": "bold red"}


def summary(document: Document, console: Console, verbose: bool = False) -> None:
    """Every judged item in one table, then the verdict and, unless GO, what blocks it and how
    to fix it. Disabled items are one line unless `verbose` lists them with their reasons."""
    for notice in notices(document):
        console.print(Text(notice, style="bold yellow"), soft_wrap=True)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=True)
    table.add_column("Item", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    # Summaries wrap within their column at any width (CI logs are often 80 columns): cut,
    # they would hide the one host or finding that matters. Sections head their rows rather
    # than taking a column, so a narrow terminal still has room for the summary.
    table.add_column("Summary", overflow="fold", ratio=1)
    for section, items in grouped(document):
        judged = [item for item in items if not is_decision(item)]
        if not judged:
            continue
        table.add_row(Text(one_line(section), style="bold"))
        for index, item in enumerate(judged):
            table.add_row(Text(one_line(item["id"])), _status(item), Text(one_line(item["summary"])), end_section=index == len(judged) - 1)
    console.print(table)
    _decision(document, console, verbose)


def _status(item: dict[str, Any]) -> Text:
    text = Text(status_text(item), style=STATUS_STYLE.get(item["status"], ""))
    if item["severity"] != "blocker":
        text.append(" advisory", style="dim")
    return text


def _decision(document: Document, console: Console, verbose: bool) -> None:
    decision = document["decision"]
    verdict = decision["verdict"]
    line = Text("Verdict: ").append(verdict, style=VERDICT_STYLE.get(verdict, "bold red"))
    if decision["blocking"]:
        line.append(f"  ({len(decision['blocking'])} blocking item(s))")
    console.print()
    console.print(line)
    # The digest is copied into `golive sign` commands: never break it across lines.
    console.print(Text(f"Result digest: {one_line(document['digest'])}", style="dim"), soft_wrap=True)
    items = blockers(document)
    if items:
        console.print()
        console.print(Text("Blocking items and their fix:", style="bold"))
        for item in items:
            head = (
                Text(one_line(item["id"]), style="bold").append(" ").append(status_text(item), style=STATUS_STYLE.get(item["status"], ""))
            )
            console.print(Padding(head.append(f": {one_line(item['summary'])}"), (0, 0, 0, 2), expand=False))
            console.print(Padding(Text(f"fix: {one_line(item['fix'])}"), (0, 0, 0, 4), expand=False))
    if decision["waiver_problems"]:
        console.print()
        console.print(Text("Waiver problems (these waive nothing):", style="bold yellow"))
        for problem in decision["waiver_problems"]:
            console.print(Padding(Text(one_line(problem)), (0, 0, 0, 2), expand=False))
    if decision["disabled"] and not verbose:
        console.print()
        count = len(decision["disabled"])
        console.print(Text(f"Disabled items: {count} (`golive check -v` lists them with reasons; so do the reports)"))
    elif decision["disabled"]:
        console.print()
        console.print(Text("Disabled items:", style="bold"))
        for entry in decision["disabled"]:
            console.print(
                Padding(Text(one_line(f"{entry['id']}: {entry['reason']} (approved by {entry['approver']})")), (0, 0, 0, 2), expand=False)
            )


class CollectProgress:
    """The engine's progress callback: a live spinner naming the sources still running on a
    terminal, and one plain line per finished source everywhere (CI logs keep those)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._running: set[str] = set()
        self._finished: set[str] = set()
        self._lock = threading.Lock()
        self._spinner: Status | None = None

    def __enter__(self) -> CollectProgress:
        if self.console.is_terminal:
            self._spinner = self.console.status("collecting evidence")
            self._spinner.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def __call__(self, event: str, source: str, evidence: Evidence | None) -> None:
        # Collectors report from their own threads.
        with self._lock:
            if event == "start":
                self._running.add(source)
            elif event == "done":
                # A source that timed out is reported by the engine and again by its
                # thread if that thread ever finishes; the first report is the one used.
                if source in self._finished:
                    return
                self._finished.add(source)
                self._running.discard(source)
                self.console.print(self._line(source, evidence))
            if self._spinner is not None:
                waiting = ", ".join(sorted(self._running))
                self._spinner.update(f"collecting evidence: {waiting}" if waiting else "judging")

    @staticmethod
    def _line(source: str, evidence: Evidence | None) -> Text:
        line = Text(f"collect {source}: ")
        if evidence is None:  # the engine always passes evidence with "done"; fail loud if it stops
            return line.append("finished without reporting its evidence", style="red")
        if evidence.error:
            return line.append(f"error: {one_line(mask_text(evidence.error))}", style="red")
        if evidence.missing:
            return line.append(f"missing: {one_line(mask_text(evidence.missing))}", style="yellow")
        return line.append("ok", style="green").append(f" ({evidence.seconds:.2f} s)")
