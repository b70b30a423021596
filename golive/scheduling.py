"""Scheduling: which sources a run needs, what each is asked for, and every collector run
at once, phase by phase, each within its own timeout and all within the run's."""

from __future__ import annotations

import datetime as dt
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from golive import checks as checks_pkg
from golive import collectors as collectors_pkg
from golive.collectors import CollectContext, CollectOptions, CollectorTimeout, Evidence, Request
from golive.config import Config
from golive.judging import needs_attestation, skip_reason

# Called as (event, source, evidence-or-None): "start" before a collector runs, "done" after.
Progress = Callable[[str, str, Evidence | None], None]


def needed_sources(config: Config, options: CollectOptions | None = None) -> list[str]:
    checks = checks_pkg.registered()
    asked = options or CollectOptions()
    sources = {provider.source for provider in checks_pkg.PROVIDERS.values() if getattr(asked, provider.option)}
    for item in config.checklist.items:
        if item.kind != "check" or skip_reason(item, config):
            continue
        definition = checks.get(item.check_name)
        if definition and not definition.needs_evidence:
            continue
        sources.add(item.source)
        sources.update(definition.also_uses if definition else ())
        if needs_attestation(item):
            sources.add("attestations")
    sources.update(gather_requests(config))
    return sorted(sources)


def gather_requests(config: Config) -> dict[str, list[Request]]:
    """What the judged items need, source by source, in checklist order: each item's check
    declares it (`@check(..., requests=...)`), so collectors never read the checklist."""
    checks = checks_pkg.registered()
    wanted: dict[str, list[Request]] = {}
    for item in config.checklist.items:
        if item.kind != "check" or skip_reason(item, config):
            continue
        definition = checks.get(item.check_name)
        if definition is None or definition.requests is None:
            continue
        for request in definition.requests(item):
            wanted.setdefault(request.source, []).append(request)
    return wanted


def collect_context(
    config: Config, as_of: dt.datetime, evidence_dir: Path, source: str, options: CollectOptions | None = None
) -> CollectContext:
    """The context a collector of `source` runs in, with the requests the checklist makes of it."""
    return CollectContext(config, as_of, evidence_dir, source, options, gather_requests(config).get(source, []))


def collect(
    config: Config,
    as_of: dt.datetime,
    options: CollectOptions,
    evidence_dir: Path,
    timeout: float,
    progress: Progress | None = None,
) -> dict[str, Evidence]:
    """Run every needed collector at once, each within its own timeout and all within
    `timeout` seconds; a collector that does not finish has its processes killed and
    its evidence marked missing, so the items depending on it are insufficient.
    Collectors of a later `phase` run once the earlier ones are done."""
    available = collectors_pkg.registered()
    needed = needed_sources(config, options)
    phase_of = {source: available[source].phase if source in available else 0 for source in needed}
    results: dict[str, Evidence] = {}
    run = _Run(config, as_of, options, evidence_dir, timeout, time.monotonic() + timeout, progress)
    for phase in sorted(set(phase_of.values())):
        batch = [source for source in needed if phase_of[source] == phase]
        _collect_batch(batch, available, run, results)
    return results


@dataclass(frozen=True)
class _Run:
    """What every collector of one run shares: its configuration, moment, options and deadline."""

    config: Config
    as_of: dt.datetime
    options: CollectOptions
    evidence_dir: Path
    timeout: float
    deadline: float
    progress: Progress | None


def _collect_batch(
    sources: list[str],
    available: dict[str, type[collectors_pkg.Collector]],
    run: _Run,
    results: dict[str, Evidence],
) -> None:
    running: list[tuple[str, threading.Thread, CollectContext, float]] = []
    lock = threading.Lock()
    started = time.monotonic()
    earlier = dict(results)
    progress = run.progress
    for source in sources:
        cls = available.get(source)
        if cls is None:
            results[source] = Evidence.unavailable(source, f"no collector configured for source '{source}'")
            if progress:
                progress("done", source, results[source])
            continue
        ctx = collect_context(run.config, run.as_of, run.evidence_dir, source, run.options)
        ctx.evidence = earlier
        limit = float(ctx.settings.get("timeout", cls.default_timeout))

        def work(source: str = source, cls: type[collectors_pkg.Collector] = cls, ctx: CollectContext = ctx) -> None:
            begun = time.monotonic()
            try:
                evidence = cls().collect(ctx)
            except CollectorTimeout as exc:
                evidence = Evidence.unavailable(source, f"timed out: {exc}")
            except Exception as exc:  # a collector bug must cost its items, not the run
                evidence = Evidence(source, error=f"collector crashed: {type(exc).__name__}: {exc}")
                evidence.data["traceback"] = traceback.format_exc(limit=5)
            evidence.seconds = round(time.monotonic() - begun, 3)
            with lock:
                # A collector that already timed out was reported then; its late result is dropped.
                late = source in results
                if not late:
                    results[source] = evidence
            if progress and not late:
                progress("done", source, evidence)

        thread = threading.Thread(target=work, name=f"collect-{source}", daemon=True)
        if progress:
            progress("start", source, None)
        thread.start()
        running.append((source, thread, ctx, limit))

    for source, thread, ctx, limit in running:
        thread.join(max(0.0, min(started + limit, run.deadline) - time.monotonic()))
        if thread.is_alive():
            ctx.kill_children()
            which = f"--timeout {run.timeout:g} s" if started + limit >= run.deadline else f"its {limit:g} s timeout"
            evidence = Evidence.unavailable(source, f"collector did not finish within {which}")
            evidence.seconds = round(time.monotonic() - started, 3)
            with lock:
                timed_out = source not in results
                if timed_out:
                    results[source] = evidence
            if progress and timed_out:
                progress("done", source, evidence)
