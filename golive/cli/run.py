"""`golive check`: collect, judge, publish the reports and the runner signature."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from golive.cli import (
    _console,
    _load,
    _parse_as_of,
    _parse_formats,
    fail_usage,
    main,
)

if TYPE_CHECKING:
    from golive.config import Config


@main.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="golive.yml to use (default: $GOLIVE_CONFIG, else the nearest golive.yml in this folder or above it).",
)
@click.option("--env", "environment", metavar="NAME", help="Environment from golive.yml (default: the only one defined).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("golive-out"),
    show_default=True,
    help="Folder for reports and evidence.",
)
@click.option(
    "--format",
    "format_list",
    default="md,json,junit,html",
    show_default=True,
    metavar="LIST",
    help="Comma-separated report formats: md, json, junit, html, github (GitHub Actions job summary and annotations).",
)
@click.option("-v", "--verbose", is_flag=True, help="List the disabled items with their reasons in the terminal summary.")
@click.option("--json", "json_stdout", is_flag=True, help="Also print the result document to stdout (the summary then goes to stderr).")
@click.option("--as-of", "as_of", metavar="ISO-8601", help="Moment every freshness rule is judged against (default: now, UTC).")
@click.option(
    "--timeout",
    # A week at most: past that a gate is not waiting for evidence but stuck.
    type=click.FloatRange(min=1, max=7 * 24 * 3600),
    default=600.0,
    show_default=True,
    help="Seconds for all evidence collection; unfinished sources are insufficient.",
)
@click.option(
    "--specs",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of testinfra spec files to run on the inventory's hosts (each test becomes a spec.* item).",
)
@click.option(
    "--restore-test", is_flag=True, help="Restore a canary path from the latest backup now, instead of trusting a recorded restore."
)
@click.option(
    "--insecure-host-keys", is_flag=True, help="Do not check SSH host keys (throwaway fleets only; checking stays on by default)."
)
@click.option(
    "--only",
    "only",
    metavar="PATTERNS",
    default="",
    help="Judge only items matching these comma-separated globs (a partial run: never a GO).",
)
@click.option(
    "--skip", "skip", metavar="PATTERNS", default="", help="Judge every item except those matching these globs (a partial run: never a GO)."
)
@click.option(
    "--sign-key",
    "sign_key",
    type=click.Path(path_type=Path),
    default=None,
    help="Runner key: sign the finished result as signoff.runner (default: signoff.runner_key, else $GOLIVE_RUNNER_KEY).",
)
def check(
    config_path: Path,
    environment: str | None,
    out_dir: Path,
    format_list: str,
    as_of: str | None,
    timeout: float,
    specs: Path | None,
    restore_test: bool,
    insecure_host_keys: bool,
    only: str,
    skip: str,
    sign_key: Path | None,
    verbose: bool,
    json_stdout: bool,
) -> None:
    """Collect evidence, judge every item, and print GO or NO-GO.

    Writes RELEASE_REPORT.md, result.json, junit.xml, report.html and the raw
    evidence under --out. Exits 0 for GO (only where the environment requires no
    sign-off), 1 for NO-GO, 3 for GO pending sign-off (sign it, then `golive verify`
    makes the GO) and 4 for PARTIAL PASS (--only/--skip; never a GO). With a runner
    key, result.json.runner.sig proves this runner produced exactly this result.

    \b
    Examples:
      golive check
      golive check --env prod --out /srv/releases/1.4.0 --sign-key /etc/golive/runner.key
      golive check --only 'infra.*,flags.*'          # a host gate: exit 4 when they pass
      golive check --as-of 2026-11-28T18:00:00Z --format md,json
    """
    from golive import engine
    from golive.decision import load_waivers
    from golive.judging import select_items
    from golive.reports import formats
    from golive.reports.terminal import CollectProgress, summary
    from golive.signing import SigningError
    from golive.yamlfile import ConfigError

    wanted = _parse_formats(format_list, list(formats()))
    if not math.isfinite(timeout):
        fail_usage(f"--timeout {timeout}: not a finite number of seconds")
    moment = _parse_as_of(as_of)
    from golive.config import config_location

    config = _load(config_location(config_path, search_upward=True), environment)
    if config.inventory is not None:
        from golive.hostpatterns import validate_inventory

        broken = validate_inventory(config.inventory)
        if broken:
            fail_usage(broken)
    try:
        waivers, problems = load_waivers(
            config.waivers,
            moment,
            {item.id for item in config.checklist.items},
            {item.id for item in config.checklist.items if item.protected},
            config.policy.waivers,
            config.signers,
        )
    except ConfigError as exc:
        fail_usage(str(exc))
    options = engine.RunOptions(
        as_of=moment,
        timeout=timeout,
        out_dir=out_dir.resolve(),
        specs=specs.resolve() if specs else None,
        restore_test=restore_test,
        insecure_host_keys=insecure_host_keys,
        only=_patterns(only),
        skip=_patterns(skip),
    )
    try:
        select_items(config, options.only, options.skip)
    except ConfigError as exc:
        fail_usage(str(exc))
    runner_key = _runner_key(config, sign_key)
    try:
        published = engine.check(config, options, out_dir, wanted, waivers, problems, runner_key, CollectProgress(_console(stderr=True)))
    except (ConfigError, SigningError) as exc:
        # --out cannot take the run (found before anything is collected), or the runner key cannot sign.
        fail_usage(str(exc))

    document = published.document
    # stdout carries exactly one JSON document with --json; everything for people goes to stderr.
    console = _console(stderr=json_stdout)
    summary(document, console, verbose)
    for filename in published.reports:
        console.print(f"report: {out_dir / filename}")
    if document.get("archive"):
        console.print(f"evidence archive: {out_dir / document['archive']['file']}")
    if published.runner_signature:
        console.print(f"runner signature: {out_dir / 'result.json.runner.sig'} ({config.policy.signoff.runner})")
    if "github" in wanted:
        publish_to_github(document, sys.stderr if json_stdout else sys.stdout)
    if json_stdout:
        import json

        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    from golive.model import Verdict

    sys.exit(Verdict(document["decision"]["verdict"]).exit_code)


def publish_to_github(document: dict[str, Any], stream: TextIO) -> None:
    """The GitHub Actions side of --format github: workflow commands on `stream` (the runner
    reads them from the step's output) and the job summary appended to $GITHUB_STEP_SUMMARY."""
    from golive.reports.github import render, workflow_commands

    for command in workflow_commands(document):
        stream.write(command + "\n")
    stream.flush()
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        try:
            with open(target, "a", encoding="utf-8") as summary_file:
                summary_file.write(render(document, None))
        except OSError as exc:
            fail_usage(f"$GITHUB_STEP_SUMMARY {target}: cannot append the job summary: {exc.strerror or exc}")


def _patterns(value: str) -> list[str]:
    patterns = [pattern.strip() for pattern in value.split(",") if pattern.strip()]
    if value.strip() and not patterns:
        fail_usage(f"no item pattern in {value!r}")
    return patterns


def _runner_key(config: Config, option: Path | None) -> Path | None:
    """The runner key from --sign-key, else signoff.runner_key, else $GOLIVE_RUNNER_KEY; checked before any work."""
    key = option or config.runner_key or (Path(os.environ["GOLIVE_RUNNER_KEY"]) if os.environ.get("GOLIVE_RUNNER_KEY") else None)
    if key is None:
        return None
    if not config.policy.signoff.runner:
        fail_usage(f"{config.path}: a runner key is given but signoff.runner names no runner principal to sign as")
    if not key.is_file():
        fail_usage(f"runner key {key}: file not found")
    if config.signers is not None:
        from golive.signing import SigningError, public_key_fingerprint, read_signers

        try:
            allowed = read_signers(config.signers).allows(public_key_fingerprint(key), config.policy.signoff.runner)
        except SigningError as exc:
            fail_usage(str(exc))
        if not allowed:
            fail_usage(f"runner key {key}: {config.signers} does not allow it for the runner principal {config.policy.signoff.runner}")
    return key
