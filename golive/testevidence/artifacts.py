"""Finding report files and running the commands that produce them, for the test collectors.

A source block names a project directory (`dir`, relative to golive.yml; default the
folder of golive.yml), report paths or globs relative to it, and optionally a command per
report (`run`) that golive executes in that directory before reading, within
`command_timeout` seconds; the command's whole process group is killed on timeout, and
its exit code and output tails are kept as evidence.
"""

from __future__ import annotations

import datetime as dt
import glob
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict

from golive.collectors import CollectContext, CollectorTimeout, Evidence
from golive.secrets import mask_argv
from golive.testevidence import EvidenceFileError, iso

DEFAULT_COMMAND_TIMEOUT = 600.0
# Words a shell would act on. `run:` is no shell: given as arguments, they would reach the
# first program as arguments (`make && pytest` runs make with "&&" and "pytest").
SHELL_OPERATORS = frozenset({"&&", "||", "|", "|&", ";", "&", ">", ">>", "<", "<<", "2>", "2>>", "2>&1", ">&", "&>"})
# The tail of a command's output says why it failed; whole logs belong to the CI system.
OUTPUT_TAIL = 20_000


Parser = Callable[[Path], dict[str, Any]]


class CommandRecord(TypedDict, total=False):
    """A producing command as it went (`run_command`): `exit_code` None when it timed out
    or failed to start; `output` is the evidence file with its output."""

    argv: list[str]
    cwd: str
    started_at: str | None
    timeout: float
    exit_code: int | None
    timed_out: bool
    failed_to_start: str
    output_tail: str
    seconds: float
    output: str


class ReportFile(TypedDict, total=False):
    """One matching file (`read_reports`): `path` always, then `mtime` and the parsed
    `report`, or `error`."""

    path: str
    mtime: str | None
    report: dict[str, Any]
    error: str


class ReportData(TypedDict):
    """The evidence data of a one-report source (coverage, load: `collect_report`)."""

    dir: str
    patterns: list[str]
    command: CommandRecord | None
    files: list[ReportFile]


class SettingsError(Exception):
    """A source block whose shape golive.yml validation cannot see (nested keys, types)."""


def project_dir(ctx: CollectContext) -> Path:
    raw = ctx.settings.get("dir")
    if raw is None:
        return ctx.config.base_dir
    if not isinstance(raw, str):
        raise SettingsError(f"sources.{ctx.source}.dir must be a path, not {type(raw).__name__}")
    folder = ctx.config.resolve(raw)
    if not folder.is_dir():
        raise SettingsError(f"sources.{ctx.source}.dir {folder} is not a directory")
    return folder


def patterns(ctx: CollectContext, key: str) -> list[str]:
    value = ctx.settings.get(key)
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list) and value and all(isinstance(entry, str) and entry for entry in value):
        return list(value)
    raise SettingsError(f"sources.{ctx.source}.{key} must be a path or glob, or a list of them")


def commands(ctx: CollectContext, allowed: set[str]) -> dict[str, list[str]]:
    """`run:` of the source block: report name -> argv (a string is split like a shell would,
    with shlex; nothing else of a shell applies: no operators, no redirections, no variables)."""
    raw = ctx.settings.get("run", {})
    if not isinstance(raw, dict):
        raise SettingsError(f"sources.{ctx.source}.run must map {', '.join(sorted(allowed))} to a command")
    result = {}
    for name, command in raw.items():
        if name not in allowed:
            raise SettingsError(f"sources.{ctx.source}.run.{name}: unknown report (expected one of {', '.join(sorted(allowed))})")
        if name not in ctx.settings:
            raise SettingsError(f"sources.{ctx.source}.run.{name} runs a command but sources.{ctx.source}.{name} names no report to read")
        if isinstance(command, str):
            try:
                argv = shlex.split(command)
            except ValueError as exc:
                raise SettingsError(f"sources.{ctx.source}.run.{name}: cannot split {command!r} into arguments: {exc}") from None
        elif isinstance(command, list) and all(isinstance(part, str) for part in command):
            argv = list(command)
        else:
            raise SettingsError(f"sources.{ctx.source}.run.{name} must be a command string or a list of arguments")
        if not argv:
            raise SettingsError(f"sources.{ctx.source}.run.{name} is empty")
        operators = [word for word in argv if word in SHELL_OPERATORS]
        if operators:
            raise SettingsError(
                f"sources.{ctx.source}.run.{name}: {operators[0]!r} is a shell operator, but run: is not a shell "
                "(a list of arguments, or a string split like one); for a shell write [sh, -c, '...']"
            )
        result[str(name)] = argv
    return result


def command_timeout(ctx: CollectContext) -> float:
    value = ctx.settings.get("command_timeout", DEFAULT_COMMAND_TIMEOUT)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise SettingsError(f"sources.{ctx.source}.command_timeout must be a positive number of seconds")
    return float(value)


def run_command(ctx: CollectContext, name: str, argv: list[str], cwd: Path, timeout: float) -> CommandRecord:
    """Run one producing command; its record (and output, as an evidence file) whatever happens."""
    started = dt.datetime.now(dt.UTC)
    begun = time.monotonic()
    # Recorded as masked (`--token S`, `PASSWORD=S`); the command itself runs with the real argv.
    record: CommandRecord = {"argv": mask_argv(argv), "cwd": str(cwd), "started_at": iso(started), "timeout": timeout}
    output: dict[str, Any] = dict(record)
    try:
        done = ctx.run(argv, cwd=cwd, timeout=timeout)
    except CollectorTimeout:
        if ctx.cancelled.is_set():
            raise
        record["exit_code"], record["timed_out"] = None, True
    except OSError as exc:
        record["exit_code"], record["timed_out"] = None, False
        record["failed_to_start"] = f"{argv[0]}: {exc.strerror or exc}"
    else:
        record["exit_code"], record["timed_out"] = done.returncode, False
        output.update(stdout=done.stdout[-OUTPUT_TAIL:], stderr=done.stderr[-OUTPUT_TAIL:])
        # Tools differ in where they say why (coverage.py prints "No data to report." on stdout).
        record["output_tail"] = (done.stderr.strip() or done.stdout.strip())[-500:]
    record["seconds"] = round(time.monotonic() - begun, 3)
    output.update(record)
    record["output"] = ctx.write_evidence(f"{name}-command", output)
    return record


def read_reports(base: Path, wanted: list[str], parser: Parser) -> list[ReportFile]:
    """Every file matching `wanted`, parsed; a file that cannot be parsed carries its error."""
    found: dict[Path, None] = {}
    for pattern in wanted:
        for match in sorted(glob.glob(pattern, root_dir=base, recursive=True)):
            path = (base / match).resolve()
            if path.is_file():
                found[path] = None
    records = []
    for path in found:
        shown = _shown(path, base)
        record: ReportFile = {"path": shown}
        try:
            record["mtime"] = iso(dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC))
            record["report"] = parser(path)
        except EvidenceFileError as exc:
            record["error"] = f"{shown}{':' + str(exc.line) if exc.line else ''}: {exc.detail}"
        except OSError as exc:
            record["error"] = f"{shown}: cannot read: {exc.strerror or exc}"
        records.append(record)
    return records


def _shown(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base.resolve()))
    except ValueError:
        return str(path)


def collect_report(ctx: CollectContext, parser: Parser) -> Evidence:
    """One report (`report:`), optionally produced first by `run.report`."""
    if "report" not in ctx.settings:
        return Evidence.unavailable(ctx.source, f"sources.{ctx.source}.report not configured")
    try:
        base = project_dir(ctx)
        wanted = patterns(ctx, "report")
        producers = commands(ctx, {"report"})
        timeout = command_timeout(ctx)
    except SettingsError as exc:
        return Evidence(ctx.source, error=str(exc))
    files = []
    command = None
    if "report" in producers:
        command = run_command(ctx, "report", producers["report"], base, timeout)
        files.append(command["output"])
    data: ReportData = {"dir": str(base), "patterns": wanted, "command": command, "files": read_reports(base, wanted, parser)}
    files.append(ctx.write_evidence(ctx.source, data))
    return Evidence(ctx.source, data=dict(data), files=files)
