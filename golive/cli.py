"""The golive command line. Heavy modules (Ansible, rich, the engine) load inside commands
so that `golive --help` stays fast."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from golive import __version__
from golive.guard import GuardedGroup, interrupts_deferred
from golive.secrets import mask_text

if TYPE_CHECKING:
    from golive.checklist import ItemSpec
    from golive.config import Config

EXIT_GO, EXIT_NO_GO, EXIT_USAGE, EXIT_PENDING_SIGNOFF, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
_VERIFIER_CONFIG_HELP = "The verifier's golive.yml (default: $GOLIVE_CONFIG, else ./golive.yml if present, else the default policy)."


def fail_usage(message: str) -> NoReturn:
    """Bad input: one line on stderr, exit 2, nothing written."""
    click.echo(f"golive: error: {mask_text(message)}", err=True)
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
    return moment


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


@main.command()
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path), default=Path("golive.yml"), show_default=True, help="golive.yml to use."
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
    help="Comma-separated report formats: md, json, junit, html.",
)
@click.option("--as-of", "as_of", metavar="ISO-8601", help="Moment every freshness rule is judged against (default: now, UTC).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
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
    from golive.reports import assets_in, formats
    from golive.reports.terminal import CollectProgress, summary
    from golive.yamlfile import ConfigError

    available = formats()
    wanted = _parse_formats(format_list, list(available))
    moment = _parse_as_of(as_of)
    config = _load(config_path, environment)
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
        engine.select_items(config, options.only, options.skip)
    except ConfigError as exc:
        fail_usage(str(exc))
    runner_key = _runner_key(config, sign_key)
    from golive.outdir import staging_folder

    try:
        # Before anything is collected: a run that cannot be written is not started.
        staging = staging_folder(out_dir)
    except ConfigError as exc:
        fail_usage(str(exc))
    try:
        with CollectProgress(_console(stderr=True)) as progress:
            document = engine.run(config, options, staging / "evidence", waivers, problems, progress)
        written = [available[name].filename for name in wanted]
        assets = assets_in(staging)
        for name in wanted:
            (staging / available[name].filename).write_text(available[name].render(document, assets), encoding="utf-8")
        runner_signature = _sign_as_runner(config, document, runner_key)
        if runner_signature:
            (staging / "result.json.runner.sig").write_text(runner_signature, encoding="utf-8")
        with interrupts_deferred():
            _publish(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if document.get("history_file"):
        _keep_history(document, runner_signature)

    console = _console()
    summary(document, console)
    for filename in written:
        console.print(f"report: {out_dir / filename}")
    if document.get("archive"):
        console.print(f"evidence archive: {out_dir / document['archive']['file']}")
    if runner_signature:
        console.print(f"runner signature: {out_dir / 'result.json.runner.sig'} ({config.policy.signoff.runner})")
    from golive.model import Verdict

    sys.exit(Verdict(document["decision"]["verdict"]).exit_code)


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


def _sign_as_runner(config: Config, document: dict[str, Any], key: Path | None) -> str | None:
    if key is None:
        return None
    from golive.signing import SigningError
    from golive.signoffs import runner_signature

    assert config.policy.signoff.runner is not None
    try:
        return runner_signature(document, config.policy.signoff.runner, key, _parse_as_of(None))
    except SigningError as exc:
        fail_usage(str(exc))


def _publish(staging: Path, out_dir: Path) -> None:
    """Move a finished run (reports, evidence, archive) into --out, replacing the previous
    run's files only now."""
    for entry in sorted(staging.iterdir()):
        target = out_dir / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(entry, target)


def _keep_history(document: dict[str, Any], runner_signature: str | None) -> None:
    from golive.reports import formats
    from golive.signoffs import RUNNER_FILE_ROLE, signature_path

    target = Path(document["history_file"])
    target.parent.mkdir(parents=True, exist_ok=True)
    if runner_signature:
        signature_path(target, RUNNER_FILE_ROLE).write_text(runner_signature, encoding="utf-8")
    target.write_text(formats()["json"].render(document, None), encoding="utf-8")


@main.command(name="list")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="golive.yml whose checklist and overrides to show (default: ./golive.yml if present, else the default checklist).",
)
@click.option("--env", "environment", metavar="NAME", help="Environment whose overrides to apply.")
def list_items(config_path: Path | None, environment: str | None) -> None:
    """Print every checklist item: id, severity, source, threshold and title.

    \b
    Examples:
      golive list
      golive list --config golive.yml --env prod
    """
    items = _checklist_items(config_path, environment)
    width = max(len(item.id) for item in items)
    for item in items:
        where = item.source + (f" hosts={item.hosts}" if item.hosts else "")
        click.echo(f"{item.id:<{width}}  {item.severity:<8}  {where}")
        click.echo(f"{'':<{width}}  {item.title}")
        click.echo(f"{'':<{width}}  rule: {item.rule_text()}")


def _checklist_items(config_path: Path | None, environment: str | None) -> list[ItemSpec]:
    from golive.checklist import load_default
    from golive.yamlfile import ConfigError

    if config_path is None and Path("golive.yml").exists():
        config_path = Path("golive.yml")
    if config_path is None:
        try:
            return load_default().items
        except ConfigError as exc:
            fail_usage(str(exc))
    return _load(config_path, environment).checklist.items


@main.command()
@click.argument("item_id", metavar="ITEM")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="golive.yml whose parameters to show (default: ./golive.yml if present).",
)
@click.option("--env", "environment", metavar="NAME", help="Environment whose overrides to apply.")
def explain(item_id: str, config_path: Path | None, environment: str | None) -> None:
    """Explain one item: what it verifies, its parameters, why it matters, how to fix it.

    \b
    Examples:
      golive explain infra.systemd_services
      golive explain tests.coverage --config golive.yml --env prod
    """
    from golive.yamlfile import suggest

    items = _checklist_items(config_path, environment)
    by_id = {item.id: item for item in items}
    item = by_id.get(item_id)
    if item is None:
        fail_usage(f"unknown item '{item_id}'{suggest(item_id, by_id)}; `golive list` shows every id")
    lines = [
        f"{item.id}: {item.title}",
        f"  section:  {item.section}" + ("" if item.seed_line else " (beyond the seed checklist)"),
        f"  severity: {item.severity}"
        + (" (a fail, error, insufficient or pending blocks GO)" if item.severity == "blocker" else " (never blocks GO)"),
        f"  evidence: {item.source}" + (f", hosts matching '{item.hosts}'" if item.hosts else ""),
        f"  rule:     {item.rule_text()}",
    ]
    if item.params:
        lines.append("  parameters (override under `items:` in golive.yml):")
        lines.extend(f"    {name}: {json.dumps(value)}" for name, value in item.params.items())
    if item.only_if:
        lines.append(f"  applies only to environments with {item.only_if}")
    lines += ["", "Why it matters:", f"  {item.why}", "", "How to fix:", f"  {item.fix_text()}"]
    click.echo("\n".join(lines))


@main.command()
@click.option(
    "--dir", "target", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True, help="Folder to write into."
)
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def init(target: Path, force: bool) -> None:
    """Write a commented starter golive.yml, waivers.yml and an inventory skeleton.

    \b
    Examples:
      golive init && golive check
      golive init --dir deploy/golive
    """
    from importlib import resources

    templates = resources.files("golive.templates")
    files = {
        Path("golive.yml"): templates.joinpath("golive.yml"),
        Path("waivers.yml"): templates.joinpath("waivers.yml"),
        Path("inventory/staging.yml"): templates.joinpath("inventory").joinpath("staging.yml"),
    }
    existing = [str(target / name) for name in files if (target / name).exists()]
    if existing and not force:
        fail_usage(f"{', '.join(existing)} already exist(s); use --force to overwrite")
    for name, source in files.items():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        click.echo(f"wrote {destination}")
    click.echo("next: add your hosts to inventory/staging.yml, then run `golive check`")


@main.command()
@click.argument("result_path", metavar="RESULT.json", type=click.Path(path_type=Path))
@click.option(
    "--format", "format_list", default="md", show_default=True, metavar="LIST", help="Comma-separated formats: md, json, junit, html."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write files here instead of printing one format to stdout.",
)
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None, help=_VERIFIER_CONFIG_HELP)
@click.option("--env", "environment", metavar="NAME", help="Environment of the result (when the config has several).")
def report(result_path: Path, format_list: str, out_dir: Path | None, config_path: Path | None, environment: str | None) -> None:
    """Re-render a saved result.json in other formats (nothing is judged again).

    A result whose digest no longer matches its content is refused.

    \b
    Examples:
      golive report golive-out/result.json --format md
      golive report golive-out/result.json --format html,junit --out /tmp/rendered
    """
    from golive.reports import assets_in, formats
    from golive.resultfile import load_result
    from golive.yamlfile import ConfigError

    available = formats()
    wanted = _parse_formats(format_list, list(available))
    if out_dir is None and len(wanted) > 1:
        fail_usage("several formats need --out DIR")
    try:
        document = load_result(result_path)
    except ConfigError as exc:
        fail_usage(str(exc))
    document = {**document, "signatures": _signatures(result_path, document, config_path, environment)}
    # Evidence images sit beside the result, where `golive check` wrote them.
    assets = assets_in(result_path.parent)
    if out_dir is None:
        click.echo(available[wanted[0]].render(document, assets), nl=False)
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    rendered = {available[name].filename: available[name].render(document, assets) for name in wanted}
    for filename, text in rendered.items():
        (out_dir / filename).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out_dir / filename}")


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


def _load_result_or_exit(result_path: Path, check_digest: bool = True) -> dict[str, Any]:
    from golive.resultfile import load_result
    from golive.yamlfile import ConfigError

    try:
        return load_result(result_path, check_digest)
    except ConfigError as exc:
        fail_usage(str(exc))


def _verifier_side(config_path: Path | None, environment: str | None, document: dict[str, Any] | None) -> tuple[Config | None, str | None]:
    """The verifier's own configuration: --config, else $GOLIVE_CONFIG, else ./golive.yml; never a search.

    With several environments --env is required. Returns (config or None, environment name or None)."""
    from golive.config import environment_names

    if config_path is None and os.environ.get("GOLIVE_CONFIG"):
        config_path = Path(os.environ["GOLIVE_CONFIG"])
    if config_path is None and Path("golive.yml").is_file():
        config_path = Path("golive.yml")
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
    return config, config.environment if names else None


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
        from golive.engine import effective_for

        policy, effective, signers = config.policy, effective_for(config), allowed_signers or config.signers
    if signers is None:
        fail_usage("no allowed signers: pass --allowed-signers FILE or name `signers` in the verifier's golive.yml")
    if not signers.is_file():
        fail_usage(f"allowed signers {signers}: file not found")
    age = policy.signoff.max_age_hours if max_age is None else max_age
    return Verifier(policy, effective, signers, environment, age)


@main.command()
@click.argument("result_path", metavar="RESULT.json", type=click.Path(path_type=Path))
@click.option("--role", required=True, metavar="ROLE", help="Role signing: one the verifier's policy requires (signoff.roles).")
@click.option(
    "--key",
    "key",
    required=True,
    type=click.Path(path_type=Path),
    help="SSH private key (ssh-keygen -Y sign; an agent-held key works with its .pub).",
)
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None, help=_VERIFIER_CONFIG_HELP)
@click.option("--env", "environment", metavar="NAME", help="Environment of the result (required when the config has several).")
@click.option("--allowed-signers", type=click.Path(path_type=Path), default=None, help="Override of the policy's signers file.")
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
        written = sign_result(result_path, document, role, key, acknowledge_no_go, _parse_as_of(None))
    except SigningError as exc:
        fail_usage(str(exc))
    for path in written:
        click.echo(f"wrote {path}")


@main.command()
@click.argument("result_path", metavar="RESULT.json", type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None, help=_VERIFIER_CONFIG_HELP)
@click.option(
    "--env", "environment", metavar="NAME", help="Environment to verify (required when the config has several; must be the result's)."
)
@click.option(
    "--allowed-signers",
    type=click.Path(path_type=Path),
    default=None,
    help="Override of the policy's signers file (ssh-keygen allowed_signers; principals are role names).",
)
@click.option(
    "--max-age",
    "max_age",
    type=click.FloatRange(min=0, min_open=True, max=24 * 366),
    default=None,
    metavar="HOURS",
    help="Override of signoff.max_age_hours: oldest result (hours since its --as-of) that may still deploy.",
)
@click.option(
    "--attestation",
    "attestation",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="For a GO, write the verdict as a DSSE-signed in-toto SLSA Verification Summary (signed with the runner key).",
)
@click.option(
    "--sign-key",
    "sign_key",
    type=click.Path(path_type=Path),
    default=None,
    help="Runner key for --attestation (default: signoff.runner_key, else $GOLIVE_RUNNER_KEY).",
)
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
        fail_usage("--attestation needs the runner key: --sign-key KEY, signoff.runner_key or $GOLIVE_RUNNER_KEY")
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
@click.option("--key", "key", required=True, type=click.Path(path_type=Path), help="SSH private key to sign with.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=Path("golive.yml"),
    show_default=True,
    help="golive.yml naming the attestations file.",
)
@click.option("--env", "environment", metavar="NAME", help="Environment whose attestations file to use.")
def attest(item_id: str, by: str, role: str, evidence: str, valid_days: int, key: Path, config_path: Path, environment: str | None) -> None:
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
    import os

    from golive.attestations import append, file_sha256, is_url, make_entry
    from golive.signing import SigningError
    from golive.yamlfile import ConfigError, load, suggest

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
@click.option("--key", "key", required=True, type=click.Path(path_type=Path), help="SSH private key to sign with.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=Path("golive.yml"),
    show_default=True,
    help="golive.yml naming the waivers file.",
)
@click.option("--env", "environment", metavar="NAME", help="Environment whose waivers file and policy to use.")
def waive(
    item_id: str,
    host: str | None,
    finding: str | None,
    reason: str,
    ticket: str | None,
    expires: str,
    role: str,
    key: Path,
    config_path: Path,
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
    from golive.decision import HEADER, Waiver, make_waiver, signed_waiver_problem
    from golive.signing import SigningError
    from golive.yamlfile import ConfigError, load, suggest

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


@main.command(name="verify-archive")
@click.argument("archive", metavar="ARCHIVE", type=click.Path(path_type=Path))
@click.option(
    "--result",
    "result_path",
    type=click.Path(path_type=Path),
    default=None,
    help="result.json whose recorded manifest digest the archive must match.",
)
def verify_archive_command(archive: Path, result_path: Path | None) -> None:
    """Re-check an evidence archive: every file against its MANIFEST SHA-256.

    Exits 0 when intact, 1 when a file is missing, added or changed (or, with
    --result, when the manifest is not the one the result recorded).

    \b
    Examples:
      golive verify-archive golive-out/golive-evidence-prod-1a2b3c4d5e6f-20261129T120000Z.tar.gz
      golive verify-archive ARCHIVE --result golive-out/result.json
    """
    from golive.archive import verify_archive

    if not archive.is_file():
        fail_usage(f"{archive}: archive not found")
    expected = None
    if result_path is not None:
        document = _load_result_or_exit(result_path)
        if not document.get("archive"):
            fail_usage(f"{result_path}: the result records no evidence archive")
        expected = document["archive"]["manifest_sha256"]
    check = verify_archive(archive, expected)
    if check.ok:
        click.echo(f"intact: {archive} ({check.files} files, manifest sha256 {check.manifest_sha256})")
        sys.exit(EXIT_GO)
    click.echo(f"NOT intact: {archive}")
    for problem in check.problems:
        click.echo(f"  - {problem}")
    sys.exit(EXIT_NO_GO)


@main.command()
@click.argument("old_path", metavar="OLD.json", type=click.Path(path_type=Path))
@click.argument("new_path", metavar="NEW.json", type=click.Path(path_type=Path))
def diff(old_path: Path, new_path: Path) -> None:
    """Show what changed between two results: statuses, newly failing hosts, KPI and P99 deltas.

    \b
    Examples:
      golive diff .golive/history/prod/20261120T120000Z-1a2b3c4d5e6f.json golive-out/result.json
    """
    from golive.history import diff as compare

    old, new = _load_result_or_exit(old_path), _load_result_or_exit(new_path)
    click.echo(f"{old['environment']} {old['release'].get('commit') or '?'} ({old['decision']['verdict']}, {old['as_of']})")
    click.echo(f"-> {new['environment']} {new['release'].get('commit') or '?'} ({new['decision']['verdict']}, {new['as_of']})")
    changes = compare(old, new)
    for line in changes.lines() or ["no change"]:
        click.echo(f"  {line}")


@main.command()
@click.option(
    "--break",
    "break_name",
    metavar="ITEM-or-UNIT",
    default=None,
    help="Break one thing (a lunia unit, or an item such as infra.falco or kpi.sharpe) to see a NO-GO name it.",
)
@click.option(
    "--sign-demo", is_flag=True, help="Attest and sign with throwaway demo keys (labelled as such), then show `golive verify` reach GO."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("golive-demo"),
    show_default=True,
    help="Folder for the demo release, reports and evidence.",
)
@click.option("--localhost", is_flag=True, help="Skip the sandbox fleet even where it could run; judge the demo service on localhost only.")
def demo(break_name: str | None, sign_demo: bool, out_dir: Path, localhost: bool) -> None:
    """Run the whole checklist against a real demo release on a throwaway fleet.

    Boots three systemd-nspawn hosts (root and systemd-nspawn needed; otherwise it says so
    and runs against localhost only), converges them with roles/lunia_reference with the
    demo service as lunia_api, runs the demo's own suites, load and Playwright tests,
    judges every item, writes every report under --out, and tears the fleet down, also on
    Ctrl-C or failure. Items this machine cannot evidence are disabled with the reason.

    \b
    Examples:
      golive demo
      golive demo --break lunia_bot
      golive demo --sign-demo
    """
    from golive.demo import DemoError, DemoPlan, breakage, run_demo

    try:
        plan = DemoPlan(
            out=out_dir.resolve(),
            as_of=_parse_as_of(None),
            broken=breakage(break_name) if break_name else None,
            sign=sign_demo,
            with_fleet=not localhost,
        )
        code = run_demo(plan, lambda line: click.echo(f"demo: {line}", err=True))
    except DemoError as exc:
        fail_usage(str(exc))
    except KeyboardInterrupt:
        click.echo("demo: interrupted; everything it started is gone", err=True)
        sys.exit(130)
    sys.exit(code)
