"""`golive waive` and `golive attest`: signed human statements appended to the files golive.yml names."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import click

from golive.cli import _load, _parse_as_of, config_option, env_option, fail_usage, main, signing_key_option


@main.command()
@click.argument("item_id", metavar="ITEM")
@click.option("--host", "host", default=None, metavar="HOST", help="Waive only this host's status.")
@click.option("--finding", "finding", default=None, metavar="KEY", help="Waive only this finding (e.g. CVE-2024-1234@openssl).")
@click.option("--reason", required=True, metavar="TEXT", help="Why the risk is accepted (one line).")
@click.option("--ticket", default=None, metavar="T", help="The ticket that tracks the fix.")
@click.option("--expires", required=True, metavar="YYYY-MM-DD", help="Last day the waiver counts (at most waivers.max_days after today).")
@click.option(
    "--role", required=True, metavar="ROLE", help="Approver role (one of waivers.approver_roles); the key must be allowed for it."
)
@signing_key_option()
@config_option("golive.yml naming the waivers file (default: $GOLIVE_CONFIG, else ./golive.yml).")
@env_option("Environment whose waivers file and policy to use.")
def waive(
    item_id: str,
    host: str | None,
    finding: str | None,
    reason: str,
    ticket: str | None,
    expires: str,
    role: str,
    key: Path,
    config_path: Path | None,
    environment: str | None,
) -> None:
    """Append a signed waiver for ITEM to the configured waivers file.

    The signed statement covers item, scope (host, finding), reason, ticket, expiry, role and
    time; any edit voids it. A waiver counts only for a role in waivers.approver_roles, within
    waivers.max_days of signing, and never for a protected item (sign-offs, the release report,
    the promotion chain).

    \b
    Examples:
      golive waive tests.coverage --reason "legacy module; LUN-412" --ticket LUN-412 --expires 2026-12-20 --role release-manager --key k
      golive waive infra.systemd_services --host app2 --finding unit:lunia_bot --reason "migration" --expires 2026-12-10 --role security-lead --key k
    """
    from golive.config import config_location
    from golive.decision import HEADER, Waiver, make_waiver, signed_waiver_problem
    from golive.signing import SigningError
    from golive.yamlfile import ConfigError, load, suggest

    config_path = config_location(config_path, search_upward=False)
    config = _load(config_path, environment)
    item = config.checklist.get(item_id)
    if item is None:
        fail_usage(f"unknown item '{item_id}'{suggest(item_id, config.checklist.ids())}")
    if item.protected:
        fail_usage(f"{item_id} is protected: no waiver can cover it")
    if config.waivers is None:
        fail_usage(f"{config_path}: no waivers file configured (`waivers:` or `waivers.file`)")
    for name, value in (("--reason", reason), ("--ticket", ticket), ("--host", host), ("--finding", finding)):
        if value is not None and (not value.strip() or any(char in value for char in "\r\n")):
            fail_usage(f"{name}: must be one non-empty line")
    try:
        expiry = dt.date.fromisoformat(expires)
    except ValueError:
        fail_usage(f"--expires {expires!r}: not a YYYY-MM-DD date")
    policy = config.policy.waivers
    if role not in policy.approver_roles:
        fail_usage(f"--role {role}: may not approve waivers (waivers.approver_roles: {', '.join(policy.approver_roles)})")
    now = _parse_as_of(None)
    try:
        entry = make_waiver(item_id, host, finding, reason, ticket, expiry, role, now, key)
    except (SigningError, ValueError) as exc:
        fail_usage(str(exc))
    waiver = Waiver(item_id, reason, role, expiry, str(config.waivers), host, finding, ticket, role, entry["signed-at"], entry["signature"])
    problem, _ = signed_waiver_problem(waiver, policy, config.signers, now)
    if problem:
        fail_usage(f"the waiver would waive nothing: {problem}")
    try:
        existing = load(config.waivers, "waivers file").data
    except ConfigError as exc:
        fail_usage(str(exc))
    if isinstance(existing, dict) and set(existing) == {"waivers"}:
        existing = existing["waivers"]
    if existing is not None and not isinstance(existing, list):
        fail_usage(f"{config.waivers}: a waivers file is a list of waivers")
    from golive.attestations import append

    append(config.waivers, entry, existing or [], HEADER)
    click.echo(
        f"waived {item_id}{f' on {host}' if host else ''}{f' ({finding})' if finding else ''} as {role} until {expiry}: {config.waivers}"
    )


@main.command()
@click.argument("item_id", metavar="ITEM")
@click.option("--by", "by", required=True, metavar="NAME", help="Who attests (a person, not a team).")
@click.option("--role", required=True, metavar="ROLE", help="Role attesting; the key must be allowed for it in the signers file.")
@click.option("--evidence", required=True, metavar="URL-or-FILE", help="What backs the attestation; a file is covered by its SHA-256.")
@click.option(
    # At most ten years: an attestation nobody re-reads for longer attests nothing.
    "--valid-days",
    type=click.IntRange(min=1, max=3650),
    default=90,
    show_default=True,
    help="Days the attestation stays valid.",
)
@signing_key_option()
@config_option("golive.yml naming the attestations file (default: $GOLIVE_CONFIG, else ./golive.yml).")
@env_option("Environment whose attestations file to use.")
def attest(
    item_id: str, by: str, role: str, evidence: str, valid_days: int, key: Path, config_path: Path | None, environment: str | None
) -> None:
    """Append a signed attestation for ITEM to the configured attestations file.

    Items with an `attestation` parameter (docs.*, security.pentest, ...) pass only with
    a valid one: good signature for ROLE, the role the item asks for, not expired, and
    for a file evidence, the file unchanged since.

    \b
    Examples:
      golive attest docs.runbook --by "Ana Lima" --role on-call-sre --evidence docs/OPERATIONS_RUNBOOK.md --key ~/.ssh/id_ed25519
      golive attest docs.install --by "Ana Lima" --role release-manager --evidence https://ci.example/run/981 --key k
      golive attest security.pentest --by "Sam Ito" --role security-lead --evidence reports/pentest-2026Q4.pdf --key k
    """

    from golive.attestations import append, file_sha256, is_url, make_entry
    from golive.config import config_location
    from golive.signing import SigningError
    from golive.yamlfile import ConfigError, load, suggest

    config_path = config_location(config_path, search_upward=False)
    config = _load(config_path, environment)
    item = config.checklist.get(item_id)
    if item is None:
        fail_usage(f"unknown item '{item_id}'{suggest(item_id, config.checklist.ids())}")
    wanted_role = str(item.params.get("role") or "")
    if wanted_role and role != wanted_role:
        fail_usage(f"{item_id} needs an attestation by role {wanted_role}, not {role}")
    if config.attestations is None:
        fail_usage(f"{config_path}: no `attestations` file configured")
    sha256 = ""
    reference = evidence
    if not is_url(evidence):
        target = Path(evidence)
        if not target.is_file():
            fail_usage(f"--evidence {evidence}: neither an http(s) URL nor an existing file")
        sha256 = file_sha256(target)
        # Stored relative to golive.yml, where checks resolve it.
        reference = os.path.relpath(target.resolve(), config.base_dir)
    existing: Any = []
    if config.attestations.exists():
        try:
            existing = load(config.attestations, "attestations file").data or []
        except ConfigError as exc:
            fail_usage(str(exc))
    if not isinstance(existing, list):
        fail_usage(f"{config.attestations}: an attestations file is a list of entries")
    try:
        entry = make_entry(item_id, by, role, reference, sha256, _parse_as_of(None), valid_days, key)
    except (SigningError, ValueError) as exc:
        fail_usage(str(exc))
    append(config.attestations, entry, existing)
    click.echo(f"attested {item_id} by {by} ({role}) until {entry['expires'][:10]}: {config.attestations}")
