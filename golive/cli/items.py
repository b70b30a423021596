"""`golive list`, `golive explain` and `golive init`: the checklist as a reader sees it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from golive.cli import _load, config_option, env_option, fail_usage, main, path_option

if TYPE_CHECKING:
    from golive.checklist import ItemSpec

OVERRIDES_ENV_HELP = "Environment whose overrides to apply."


@main.command(name="list")
@config_option(
    "golive.yml whose checklist and overrides to show (default: $GOLIVE_CONFIG, else ./golive.yml if present, else the default checklist)."
)
@env_option(OVERRIDES_ENV_HELP)
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
    from golive.config import config_location
    from golive.yamlfile import ConfigError

    if config_path is None and (os.environ.get("GOLIVE_CONFIG") or Path("golive.yml").exists()):
        config_path = config_location(None, search_upward=False)
    if config_path is None:
        try:
            return load_default().items
        except ConfigError as exc:
            fail_usage(str(exc))
    return _load(config_path, environment).checklist.items


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
@path_option("--dir", "target", "Folder to write into.", default=Path("."), file_okay=False)
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
