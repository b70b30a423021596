"""`golive report`, `verify-archive`, `diff` and `demo`: working with results already written."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from golive.cli import (
    EXIT_GO,
    EXIT_NO_GO,
    _load_result_or_exit,
    _parse_as_of,
    _parse_formats,
    env_option,
    fail_usage,
    main,
    path_option,
    verifier_config_option,
)
from golive.cli.trust import _signatures

if TYPE_CHECKING:
    pass


@main.command()
@click.argument("result_path", metavar="RESULT.json", type=click.Path(path_type=Path))
@click.option(
    "--format", "format_list", default="md", show_default=True, metavar="LIST", help="Comma-separated formats: md, json, junit, html."
)
@path_option("--out", "out_dir", "Write files here instead of printing one format to stdout.", file_okay=False)
@verifier_config_option()
@env_option("Environment of the result (when the config has several).")
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


@main.command(name="verify-archive")
@click.argument("archive", metavar="ARCHIVE", type=click.Path(path_type=Path))
@path_option("--result", "result_path", "result.json whose recorded manifest digest the archive must match.")
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
    "break_names",
    metavar="ITEM-or-UNIT",
    multiple=True,
    help="Break one thing (a lunia unit, or an item such as infra.falco or kpi.sharpe) to see a NO-GO name it; repeatable.",
)
@click.option(
    "--sign-demo", is_flag=True, help="Attest and sign with throwaway demo keys (labelled as such), then show `golive verify` reach GO."
)
@path_option("--out", "out_dir", "Folder for the demo release, reports and evidence.", default=Path("golive-demo"), file_okay=False)
@click.option("--localhost", is_flag=True, help="Skip the sandbox fleet even where it could run; judge the demo service on localhost only.")
def demo(break_names: tuple[str, ...], sign_demo: bool, out_dir: Path, localhost: bool) -> None:
    """Run the whole checklist against a real demo release on a throwaway fleet.

    Boots three systemd-nspawn hosts (root and systemd-nspawn needed; otherwise it says so
    and runs against localhost only), starts a real OpenBao, builds the demo service as a
    signed OCI image the hosts deploy, converges them with roles/lunia_reference, runs the
    demo's own suites, load and Playwright tests, Bandit and a wapiti crawl, judges staging
    and then prod (which promotes from staging), writes prod's reports under --out and
    staging's under --out/staging, and stops everything it started, also on Ctrl-C or failure.

    \b
    Examples:
      golive demo
      golive demo --break lunia_bot
      golive demo --break security.zap --break infra.images
      golive demo --sign-demo
    """
    from golive.demo.breaks import breakage
    from golive.demo.phases import run_demo
    from golive.demo.plan import DemoPlan
    from golive.demo.team import DemoError

    try:
        plan = DemoPlan(
            out=out_dir.resolve(),
            as_of=_parse_as_of(None),
            breaks=[breakage(name) for name in break_names],
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
