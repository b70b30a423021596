"""`golive formats`: the evidence formats golive defines, their JSON Schemas and examples."""

from __future__ import annotations

import json

import click

from golive.cli import fail_usage, main


@main.command(name="formats")
@click.argument("name", required=False)
def formats_command(name: str | None) -> None:
    """List the evidence formats golive defines, or print one's JSON Schema and an example.

    \b
    Examples:
      golive formats
      golive formats load-test
    """
    from golive.formats import FORMATS
    from golive.yamlfile import suggest

    if name is None:
        width = max(len(entry) for entry in FORMATS)
        for entry in FORMATS.values():
            click.echo(f"{entry.name:<{width}}  {entry.schema()['title']}: {entry.read_from}")
        return
    if name not in FORMATS:
        fail_usage(f"unknown format {name!r}{suggest(name, FORMATS)} (formats: {', '.join(FORMATS)})")
    entry = FORMATS[name]
    click.echo(f"# {entry.name}: read from {entry.read_from}")
    click.echo(f"# JSON Schema (golive/schema/{entry.schema_file}):")
    click.echo(json.dumps(entry.schema(), indent=2))
    click.echo("# Example:")
    click.echo(json.dumps(entry.example, indent=2))
