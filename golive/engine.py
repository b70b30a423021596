"""One run, start to end: schedule the collectors, judge, decide, assemble the result
document, and (for `golive check`) publish it. Each step lives in the module named for it:
golive.scheduling, golive.judging, golive.decision, golive.document, golive.publishing."""

from __future__ import annotations

import datetime as dt
import shutil
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive import publishing
from golive.checks import JudgeContext
from golive.collectors import CollectOptions
from golive.config import Config
from golive.decision import Waiver, decide
from golive.document import release_block, result_document
from golive.guard import interrupts_deferred
from golive.judging import effective_for, judge_all, select_items

# Tests build a collector's context the way a run does, requests included, through these.
from golive.scheduling import Progress, collect, collect_context, gather_requests

__all__ = ["Published", "RunOptions", "check", "collect_context", "gather_requests", "run"]


@dataclass
class RunOptions:
    as_of: dt.datetime
    timeout: float = 600.0
    out_dir: Path | None = None
    restore_test: bool = False
    insecure_host_keys: bool = False
    specs: Path | None = None
    # --only / --skip: comma-separated globs of item ids; a selected run is never a GO.
    only: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)

    @property
    def collect_options(self) -> CollectOptions:
        """What of these options the collectors and checks act on."""
        return CollectOptions(
            out_dir=self.out_dir, restore_test=self.restore_test, insecure_host_keys=self.insecure_host_keys, specs=self.specs
        )


def run(
    config: Config,
    options: RunOptions,
    evidence_dir: Path,
    waivers: list[Waiver],
    waiver_problems: list[str],
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Collect, judge, waive, decide; returns the result document (with digest)."""
    effective = effective_for(config)
    config, partial = select_items(config, options.only, options.skip)
    evidence = collect(config, options.as_of, options.collect_options, evidence_dir, options.timeout, progress)
    judged = judge_all(config, JudgeContext(config, options.as_of, evidence, options.collect_options), waivers)
    decision = decide(judged.items, partial is not None)
    release = release_block(config, evidence.get("git"))
    history = publishing.history_file(config, options.as_of, release["commit"]) if config.history else None
    return result_document(config, options.as_of, effective, partial, release, judged, decision, evidence, waiver_problems, history)


@dataclass
class Published:
    document: dict[str, Any]
    # The report files written into --out, in the order asked for.
    reports: list[str]
    runner_signature: str | None


def check(
    config: Config,
    options: RunOptions,
    out_dir: Path,
    report_formats: list[str],
    waivers: list[Waiver],
    waiver_problems: list[str],
    runner_key: Path | None = None,
    progress: AbstractContextManager[Progress] | None = None,
) -> Published:
    """`golive check`: run in a staging folder inside `out_dir`, write the reports and the
    runner signature there, move it all into `out_dir` at once, then keep the history copy.

    ConfigError when `out_dir` cannot take a run (raised before anything is collected);
    SigningError when the runner key cannot sign. Either way nothing is published.
    `progress` is entered for the collection only."""
    staging = publishing.staging_folder(out_dir)
    try:
        collecting: AbstractContextManager[Progress | None] = progress if progress is not None else nullcontext()
        with collecting as report_progress:
            document = run(config, options, staging / "evidence", waivers, waiver_problems, report_progress)
        reports = publishing.write_reports(staging, document, report_formats)
        signature = publishing.runner_signature(config, document, runner_key)
        if signature:
            (staging / "result.json.runner.sig").write_text(signature, encoding="utf-8")
        with interrupts_deferred():
            publishing.move_into(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if config.archives_keep is not None:
        publishing.prune_archives(out_dir, config.archives_keep)
    if document.get("history_file"):
        publishing.keep_history(document, signature)
        if config.history_keep is not None:
            publishing.prune_history(Path(document["history_file"]).parent, config.history_keep)
    return Published(document, reports, signature)
