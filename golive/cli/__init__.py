"""The golive command line. Heavy modules (Ansible, rich, the engine) load inside commands
so that `golive --help` stays fast.

This package holds the group and the helpers every command shares; each module registers
its commands: run (check), items (list, explain, init), trust (sign, verify, waive, attest),
results (report, verify-archive, diff, demo)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from golive import __version__
from golive.guard import GuardedGroup
from golive.secrets import mask_text

if TYPE_CHECKING:
    from golive.config import Config

EXIT_GO, EXIT_NO_GO, EXIT_USAGE, EXIT_PENDING_SIGNOFF, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
_VERIFIER_CONFIG_HELP = "The verifier's golive.yml (default: $GOLIVE_CONFIG, else ./golive.yml if present, else the default policy)."


Decorated = TypeVar("Decorated", bound=Callable[..., Any])


def path_option(
    flag: str,
    dest: str,
    help: str,
    *,
    default: Path | None = None,
    required: bool = False,
    file_okay: bool = True,
    dir_okay: bool = True,
) -> Callable[[Decorated], Decorated]:
    """An option naming a file or folder, given to the command as a Path; a default is shown in --help."""
    # A required option has no default at all; an optional one defaults to None unless told.
    defaults: dict[str, Any] = {} if required else {"default": default}
    if default is not None:
        defaults["show_default"] = True
    path = click.Path(path_type=Path, file_okay=file_okay, dir_okay=dir_okay)
    return click.option(flag, dest, type=path, required=required, help=help, **defaults)


def config_option(help: str, default: Path | None = None) -> Callable[[Decorated], Decorated]:
    """--config: the golive.yml the command reads, with what it reads it for."""
    return path_option("--config", "config_path", help, default=default)


def verifier_config_option() -> Callable[[Decorated], Decorated]:
    """--config of the commands that judge a saved result: the verifier's own policy."""
    return config_option(_VERIFIER_CONFIG_HELP)


def env_option(help: str) -> Callable[[Decorated], Decorated]:
    """--env: which environment of golive.yml, with what the command takes from it."""
    return click.option("--env", "environment", metavar="NAME", help=help)


def signing_key_option(help: str = "SSH private key to sign with.") -> Callable[[Decorated], Decorated]:
    """--key: the SSH private key a human statement (waiver, attestation, sign-off) is signed with."""
    return path_option("--key", "key", help, required=True)


def fail_usage(message: str) -> NoReturn:
    """Bad input: one line on stderr, exit 2, nothing written."""
    # One line whatever the message holds: a newline in it could forge a second line.
    click.echo(f"golive: error: {mask_text(' '.join(message.split()))}", err=True)
    sys.exit(EXIT_USAGE)


# Ages and validity periods are added to --as-of; near year 1 or 9999 they would overflow.
AS_OF_YEARS = (1970, 9000)


def _parse_as_of(value: str | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        moment = dt.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value)
    except ValueError:
        fail_usage(f"--as-of {value!r}: not an ISO-8601 date or time (e.g. 2026-11-29T12:00:00Z)")
    # A naive --as-of is UTC, as documented; golive compares aware moments only.
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    if not AS_OF_YEARS[0] <= moment.year <= AS_OF_YEARS[1]:
        fail_usage(f"--as-of {value!r}: not between the years {AS_OF_YEARS[0]} and {AS_OF_YEARS[1]}")
    # One calendar for every date rule (waiver and attestation expiry, release date): UTC's.
    # The same instant written with another offset must never move a deadline by a day.
    return moment.astimezone(dt.UTC)


def _parse_formats(value: str, available: list[str]) -> list[str]:
    from golive.yamlfile import suggest

    wanted = [name.strip() for name in value.split(",") if name.strip()]
    if not wanted:
        fail_usage("--format: name at least one format")
    for name in wanted:
        if name not in available:
            fail_usage(f"--format {name!r}: unknown format{suggest(name, available)} (formats: {', '.join(available)})")
    return list(dict.fromkeys(wanted))


def _load(config_path: Path, environment: str | None) -> Config:
    from golive.collectors import settings_keys
    from golive.config import load_config
    from golive.yamlfile import ConfigError

    try:
        return load_config(config_path, environment, settings_keys())
    except ConfigError as exc:
        fail_usage(str(exc))


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="golive")
def main() -> None:
    """golive: the production Go/No-Go checklist as one command.

    It gathers evidence (git, docs, hosts through Ansible, HTTP probes, test reports,
    KPIs, scanners), judges every checklist item, and says GO or NO-GO with the
    evidence and a mitigation plan for each blocker.

    \b
    Exit codes: 0 GO (or success), 1 NO-GO (or verification failed),
                2 usage or configuration error (nothing judged, nothing written),
                3 GO pending sign-off (check), 4 PARTIAL PASS (check --only/--skip),
                130 interrupted. A deploy hook proceeds on 0 from `golive verify` only.

    \b
    Start:  golive init && golive check
    Items:  golive list ; golive explain tests.coverage
    """


def _load_result_or_exit(result_path: Path, check_digest: bool = True) -> dict[str, Any]:
    from golive.resultfile import load_result
    from golive.yamlfile import ConfigError

    try:
        return load_result(result_path, check_digest)
    except ConfigError as exc:
        fail_usage(str(exc))


# Each module registers its commands on the group above.
from golive.cli import approvals, formats, items, results, run, trust  # noqa: E402

__all__ = ["approvals", "formats", "items", "main", "results", "run", "trust"]
