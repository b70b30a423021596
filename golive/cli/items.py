"""`golive list`, `golive explain` and `golive init`: the checklist as a reader sees it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from golive.cli import _load, config_option, env_option, fail_usage, main, path_option

if TYPE_CHECKING:
    from golive.checklist import Checklist, ItemSpec

OVERRIDES_ENV_HELP = "Environment whose overrides to apply."


@main.command(name="list")
@config_option(
    "golive.yml whose checklist and overrides to show (default: $GOLIVE_CONFIG, else ./golive.yml if present, else the default checklist)."
)
@env_option(OVERRIDES_ENV_HELP)
@click.option("--all", "show_all", is_flag=True, help="Also list the profile's opt-in items (a team checklist `include:`s them).")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
def list_items(config_path: Path | None, environment: str | None, show_all: bool, output: str) -> None:
    """Print every checklist item: id, severity, source, threshold and title; disabled items
    with their reason and approver.

    \b
    Examples:
      golive list
      golive list --config golive.yml --env prod
      golive list --all --format json
    """
    checklist = _checklist(config_path, environment)
    optional = checklist.optional if show_all else []
    if output == "json":
        entries = [_item_json(item, "judged") for item in checklist.items]
        entries += [_item_json(item, "opt-in") for item in optional]
        entries += [
            {
                "id": entry.id,
                "title": entry.title,
                "section": entry.section,
                "state": "disabled",
                "reason": entry.reason,
                "approver": entry.approver,
            }
            for entry in checklist.disabled
        ]
        click.echo(json.dumps({"checklist": checklist.origin, "profile": checklist.profile, "items": entries}, indent=2))
        return
    ids = [item.id for item in [*checklist.items, *optional]] + [entry.id for entry in checklist.disabled]
    width = max(len(item_id) for item_id in ids)
    for item in checklist.items:
        _print_item(item, width, "")
    for item in optional:
        _print_item(item, width, f"  (opt-in: not in the {checklist.profile} profile unless included)")
    for entry in checklist.disabled:
        click.echo(f"{entry.id:<{width}}  disabled  {entry.title}")
        click.echo(f"{'':<{width}}  reason: {entry.reason}; approved by {entry.approver} ({entry.where})")


def _print_item(item: ItemSpec, width: int, note: str) -> None:
    where = item.source + (f" hosts={item.hosts}" if item.hosts else "")
    click.echo(f"{item.id:<{width}}  {item.severity:<8}  {where}{note}")
    click.echo(f"{'':<{width}}  {item.title}")
    click.echo(f"{'':<{width}}  rule: {item.rule_text()}")


def _item_json(item: ItemSpec, state: str) -> dict[str, object]:
    return {
        "id": item.id,
        "title": item.title,
        "section": item.section,
        "state": state,
        "severity": item.severity,
        "source": item.source,
        "hosts": item.hosts,
        "rule": item.rule_text(),
        "params": item.params,
        "protected": item.protected,
    }


def _checklist(config_path: Path | None, environment: str | None) -> Checklist:
    from golive.checklist import load_default
    from golive.config import existing_config
    from golive.yamlfile import ConfigError

    config_path = existing_config(config_path)
    if config_path is None:
        try:
            return load_default()
        except ConfigError as exc:
            fail_usage(str(exc))
    return _load(config_path, environment).checklist


@main.command()
@click.argument("item_id", metavar="ITEM")
@config_option("golive.yml whose parameters to show (default: $GOLIVE_CONFIG, else ./golive.yml if present).")
@env_option(OVERRIDES_ENV_HELP)
def explain(item_id: str, config_path: Path | None, environment: str | None) -> None:
    """Explain one item: what it verifies, its parameters, why it matters, how to fix it.

    \b
    Examples:
      golive explain infra.systemd_services
      golive explain tests.coverage --config golive.yml --env prod
    """
    from golive.yamlfile import suggest

    checklist = _checklist(config_path, environment)
    disabled = {entry.id: entry for entry in checklist.disabled}
    if item_id in disabled:
        entry = disabled[item_id]
        click.echo(f"{entry.id}: {entry.title}\n  disabled: {entry.reason}; approved by {entry.approver} ({entry.where})")
        return
    by_id = {item.id: item for item in [*checklist.items, *checklist.optional]}
    item = by_id.get(item_id)
    if item is None:
        fail_usage(f"unknown item '{item_id}'{suggest(item_id, [*by_id, *disabled])}; `golive list --all` shows every id")
    lines = [
        f"{item.id}: {item.title}",
        f"  section:  {item.section}" + ("" if item.seed_line else " (beyond the seed checklist)"),
        f"  severity: {item.severity}"
        + (" (a fail, error, insufficient or pending blocks GO)" if item.severity == "blocker" else " (never blocks GO)"),
        f"  evidence: {item.source}" + (f", hosts matching '{item.hosts}'" if item.hosts else ""),
        f"  rule:     {item.rule_text()}",
    ]
    if item in checklist.optional:
        lines.insert(1, f"  opt-in:   not judged in the {checklist.profile} profile unless a team checklist includes it")
    if item.params:
        lines.append("  parameters (override under `items:` in golive.yml):")
        lines.extend(f"    {name}: {json.dumps(value)}" for name, value in item.params.items())
    for name in item.required:
        lines.append(f"  required: {name} (the {checklist.profile} profile leaves it to golive.yml `items:`)")
    formats = _formats_read(item)
    if formats:
        lines.append(f"  formats:  {', '.join(formats)} (`golive formats NAME` prints the schema)")
    from golive.collectors import settings_keys

    if "run" in settings_keys().get(item.source, set()):
        lines.append(f"  commands: sources.{item.source}.run is a list of arguments or a string split like one; it is not a shell")
    if item.only_if:
        lines.append(f"  applies only to environments with {item.only_if}")
    lines += ["", "Why it matters:", f"  {item.why}", "", "How to fix:", f"  {item.fix_text()}"]
    click.echo("\n".join(lines))


def _formats_read(item: ItemSpec) -> list[str]:
    from golive.formats import FORMATS

    return [entry.name for entry in FORMATS.values() if entry.read_by(item.source, item.params)]


@main.command()
@path_option("--dir", "target", "Folder to write into.", default=Path("."), file_okay=False)
@click.option(
    "--profile",
    type=click.Choice(["generic", "default", "lunia"]),
    default="default",
    show_default=True,
    help="generic: any service (no Lunia flags, KPIs or units); default (also lunia): the seed's Lunia checklist.",
)
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def init(target: Path, profile: str, force: bool) -> None:
    """Write a commented starter golive.yml, waivers.yml and an inventory skeleton.

    \b
    Examples:
      golive init --profile generic && golive check
      golive init --dir deploy/golive
    """
    from importlib import resources

    templates = resources.files("golive.templates")
    suffix = "-generic" if profile == "generic" else ""
    files = {
        Path("golive.yml"): templates.joinpath(f"golive{suffix}.yml"),
        Path("waivers.yml"): templates.joinpath("waivers.yml"),
        Path("inventory/staging.yml"): templates.joinpath("inventory").joinpath(f"staging{suffix}.yml"),
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
