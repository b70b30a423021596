"""`golive sign` and `golive verify`: signatures over results, always checked under the verifier's own policy."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from golive.cli import (
    EXIT_GO,
    EXIT_NO_GO,
    _load,
    _load_result_or_exit,
    _parse_as_of,
    env_option,
    fail_usage,
    main,
    path_option,
    signing_key_option,
    verifier_config_option,
)

if TYPE_CHECKING:
    from golive.config import Config


def _verifier_side(config_path: Path | None, environment: str | None, document: dict[str, Any] | None) -> tuple[Config | None, str | None]:
    """The verifier's own configuration: --config, else $GOLIVE_CONFIG, else ./golive.yml; never a search.

    With several environments --env is required. Returns (config or None, environment name or None)."""
    from golive.config import environment_names, existing_config

    config_path = existing_config(config_path)
    if config_path is None:
        if environment is not None:
            fail_usage("--env needs the verifier's configuration (--config or $GOLIVE_CONFIG)")
        return None, None
    from golive.yamlfile import ConfigError

    try:
        names = environment_names(config_path)
    except ConfigError as exc:
        fail_usage(str(exc))
    if environment is None and len(names) > 1:
        fail_usage(f"{config_path}: several environments ({', '.join(names)}): name the one to verify with --env")
    config = _load(config_path, environment)
    # A configuration without environments has one, named 'default': results of any other
    # environment are not its to verify.
    return config, config.environment


def _verifier(config: Config | None, environment: str | None, allowed_signers: Path | None, max_age: float | None) -> Any:
    from golive.checklist import load_default
    from golive.policy import Policy, SignoffPolicy, WaiverPolicy, checklist_roles, effective_checklist
    from golive.verify import Verifier

    if config is None:
        checklist = load_default()
        policy = Policy(SignoffPolicy(roles=checklist_roles(checklist)), WaiverPolicy())
        effective = effective_checklist(checklist, policy, None, {item.id: item.only_if is None for item in checklist.items})
        signers = allowed_signers
    else:
        from golive.judging import effective_for

        policy, effective, signers = config.policy, effective_for(config), allowed_signers or config.signers
    if signers is None:
        fail_usage("no allowed signers: pass --allowed-signers FILE or name `signers` in the verifier's golive.yml")
    if not signers.is_file():
        fail_usage(f"allowed signers {signers}: file not found")
    age = policy.signoff.max_age_hours if max_age is None else max_age
    return Verifier(policy, effective, signers, environment, age)


def _signatures(result_path: Path, document: dict[str, Any], config_path: Path | None, environment: str | None) -> dict[str, Any]:
    """Each policy role's signature beside the result, verified against the verifier's signers,
    so a re-rendered report's sign-off section names who signed (never computed by a renderer)."""
    from golive.signing import SigningError
    from golive.signoffs import check_role, check_runner, signature_path

    if not any(signature_path(result_path, role).is_file() for role in ("runner", *_roles_of(document))):
        return {}
    config, verifier_environment = _verifier_side(config_path, environment, document)
    if config is None or config.signers is None or not config.signers.is_file():
        reason = "not verified: no allowed signers file configured (golive.yml `signers:`)"
        return {role: {"valid": False, "reason": reason} for role in _roles_of(document)}
    verifier = _verifier(config, verifier_environment, None, None)
    checks = []
    try:
        checks = [check_role(result_path, document, role, verifier.signers) for role in verifier.policy.signoff.roles]
        if verifier.policy.signoff.runner:
            checks.append(check_runner(result_path, document, verifier.policy.signoff.runner, verifier.signers))
    except SigningError as exc:
        fail_usage(str(exc))
    return {
        check.role.removeprefix("runner "): {
            "valid": check.valid,
            "reason": check.reason,
            "fingerprint": check.fingerprint,
            "comment": check.comment,
        }
        for check in checks
    }


def _roles_of(document: dict[str, Any]) -> list[str]:
    return [str(item["params"]["role"]) for item in document["items"] if item.get("signoff") and item["params"].get("role")]


@main.command()
@click.argument("result_path", metavar="RESULT.json", type=click.Path(path_type=Path))
@click.option("--role", required=True, metavar="ROLE", help="Role signing: one the verifier's policy requires (signoff.roles).")
@signing_key_option("SSH private key (ssh-keygen -Y sign; an agent-held key works with its .pub).")
@verifier_config_option()
@env_option("Environment of the result (required when the config has several).")
@path_option("--allowed-signers", "allowed_signers", "Override of the policy's signers file.")
@click.option(
    "--acknowledge-no-go",
    is_flag=True,
    help="Sign a result that is not `GO pending sign-off`; the signature records it and never makes a GO.",
)
def sign(
    result_path: Path,
    role: str,
    key: Path,
    config_path: Path | None,
    environment: str | None,
    allowed_signers: Path | None,
    acknowledge_no_go: bool,
) -> None:
    """Sign a result's digest for one role, writing RESULT.json.<role>.sig beside it.

    Only a `GO pending sign-off` result can be signed plainly, never a partial one. The
    key must be allowed for ROLE in the signers file (no wildcard lines), must not be the
    runner's, and must not have signed another role of this result. Any change to the
    result changes its digest and voids every signature.

    \b
    Examples:
      golive sign golive-out/result.json --role release-manager --key ~/.ssh/id_ed25519
      golive sign golive-out/result.json --role security-lead --key sec.key --acknowledge-no-go
    """
    from golive.signing import SigningError, public_key_fingerprint, read_signers
    from golive.signoffs import check_role, sign_result, signature_path
    from golive.yamlfile import suggest

    document = _load_result_or_exit(result_path)
    if document.get("partial"):
        fail_usage(f"{result_path}: a partial result (--only/--skip) is never signed")
    config, _ = _verifier_side(config_path, environment, document)
    verifier = _verifier(config, environment, allowed_signers, None)
    roles = verifier.policy.signoff.roles
    if role not in roles:
        fail_usage(f"--role {role}: not a sign-off role of the policy{suggest(role, roles)} (roles: {', '.join(roles) or 'none'})")
    verdict = document["decision"]["verdict"]
    if verdict != "GO pending sign-off" and not acknowledge_no_go:
        fail_usage(f"{result_path}: verdict is {verdict}, not 'GO pending sign-off'; sign it only with --acknowledge-no-go")
    try:
        mine = public_key_fingerprint(key)
        signers = read_signers(verifier.signers)
        if not signers.allows(mine, role):
            fail_usage(f"--key {key} ({mine}): {verifier.signers} does not allow this key for role {role} (wildcard lines never count)")
        runner = verifier.policy.signoff.runner
        if runner and signers.allows(mine, runner):
            fail_usage(f"--key {key} ({mine}) is the runner's key; the runner key signs no human role")
        for other in roles:
            if other != role and signature_path(result_path, other).is_file():
                done = check_role(result_path, document, other, verifier.signers)
                if done.fingerprint == mine and verifier.policy.signoff.distinct_signers:
                    fail_usage(f"--key {key} ({mine}) already signed this result as {other}; one key signs one role")
        written = sign_result(result_path, document, role, key, acknowledge_no_go, _parse_as_of(None), verifier.signers)
    except SigningError as exc:
        fail_usage(str(exc))
    for path in written:
        click.echo(f"wrote {path}")


@main.command()
@click.argument("result_path", metavar="RESULT.json", type=click.Path(path_type=Path))
@verifier_config_option()
@env_option("Environment to verify (required when the config has several; must be the result's).")
@path_option(
    "--allowed-signers",
    "allowed_signers",
    "Override of the policy's signers file (ssh-keygen allowed_signers; principals are role names).",
)
@click.option(
    "--max-age",
    "max_age",
    type=click.FloatRange(min=0, min_open=True, max=24 * 366),
    default=None,
    metavar="HOURS",
    help="Override of signoff.max_age_hours: oldest result (hours since its --as-of) that may still deploy.",
)
@path_option(
    "--attestation",
    "attestation",
    "For a GO, write the verdict as a DSSE-signed in-toto SLSA Verification Summary (signed with the runner key).",
    dir_okay=False,
)
@path_option("--sign-key", "sign_key", "Runner key for --attestation (default: signoff.runner_key, else $GOLIVE_RUNNER_KEY).")
def verify(
    result_path: Path,
    config_path: Path | None,
    environment: str | None,
    allowed_signers: Path | None,
    max_age: float | None,
    attestation: Path | None,
    sign_key: Path | None,
) -> None:
    """The deploy hook's final gate: exit 0 only for a verified GO.

    Takes the policy (required roles, runner, maximum age, waiver rules) and the checklist
    from the VERIFIER's configuration, never from the result; re-computes the digest and
    the effective checklist's digest, re-derives the decision from the items, re-checks
    every signed waiver, and requires every role's signature (each by a distinct key) and,
    where the policy names one, the runner's.

    \b
    Examples:
      golive verify golive-out/result.json --config golive.yml --env prod && ./deploy.sh
      golive verify out/result.json --env prod --attestation out/verdict.intoto.jsonl
    """
    import math

    document = _load_result_or_exit(result_path, check_digest=False)
    if max_age is not None and not math.isfinite(max_age):
        fail_usage(f"--max-age {max_age}: not a finite number of hours")
    config, verifier_environment = _verifier_side(config_path, environment, document)
    verifier = _verifier(config, verifier_environment, allowed_signers, max_age)
    key = _attestation_key(config, sign_key) if attestation else None
    if attestation is not None and not attestation.parent.is_dir():
        fail_usage(f"--attestation {attestation}: folder {attestation.parent} does not exist")
    if attestation is not None and (attestation.exists() or attestation.is_symlink()):
        # An earlier verdict at the target must never outlive this verification's answer.
        if attestation.is_dir() or not (attestation.is_file() or attestation.is_symlink()):
            fail_usage(f"--attestation {attestation}: exists and is not a file")
        attestation.unlink()
    from golive.verify import verify_document

    verified = verify_document(result_path, document, verifier, _parse_as_of(None))
    for note in verified.notes:
        click.echo(f"note: {note}")
    for check in [*verified.roles, *([verified.runner] if verified.runner else [])]:
        signer = f" by {check.fingerprint}" + (f" ({check.comment})" if check.comment else "") if check.valid else ""
        click.echo(f"{check.role}: {'signed' if check.valid else 'NOT signed'}{signer}: {check.reason}")
    all_signed = bool(verified.roles) and all(check.valid for check in verified.roles)
    # The report is reviewed and signed once every required role signed this digest.
    click.echo(f"platform.release_report: {'pass' if all_signed else 'pending' if verified.roles else 'skip'}")
    if not verified.go:
        click.echo("NOT GO:")
        for reason in verified.reasons:
            click.echo(f"  - {reason}")
        sys.exit(EXIT_NO_GO)
    if attestation is not None and key is not None:
        _write_attestation(attestation, key, result_path, document, config, verified)
        click.echo(f"attestation: {attestation}")
    click.echo(f"GO: {document['environment']} {document['release'].get('version') or ''} commit {document['release'].get('commit')}")
    sys.exit(EXIT_GO)


def _attestation_key(config: Config | None, option: Path | None) -> Path:
    key = option or (config.runner_key if config else None)
    if key is None and os.environ.get("GOLIVE_RUNNER_KEY"):
        key = Path(os.environ["GOLIVE_RUNNER_KEY"])
    if key is None:
        fail_usage("--attestation needs the runner key: set signoff.runner_key or $GOLIVE_RUNNER_KEY, or pass --sign-key")
    if not key.is_file():
        fail_usage(f"runner key {key}: file not found")
    return key


def _write_attestation(target: Path, key: Path, result_path: Path, document: dict[str, Any], config: Config | None, verified: Any) -> None:
    from golive.signing import SigningError
    from golive.vsa import write_verification_summary
    from golive.yamlfile import ConfigError

    try:
        write_verification_summary(target, key, result_path, document, config, [check.role for check in verified.roles], _parse_as_of(None))
    except (SigningError, ValueError, OSError, ConfigError) as exc:
        fail_usage(f"--attestation {target}: {exc}")
