"""Profiles (`checklist: default|lunia|generic`), opt-in items, glob disables, and how list,
explain and init show them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from golive.checklist import load_checklist, load_default, load_profile
from golive.cli import main
from golive.collectors import settings_keys
from golive.config import load_config
from golive.yamlfile import ConfigError
from tests.conftest import write


def config(tmp_path: Path, body: str) -> Path:
    return write(tmp_path / "golive.yml", "release: {repo: .}\n" + body)


def test_lunia_is_the_default_and_generic_sets_lunia_items_aside() -> None:
    default, lunia, generic = load_default(), load_profile("lunia"), load_profile("generic")
    assert lunia.ids() == default.ids()
    aside = {item.id for item in generic.optional}
    assert aside == {item for item in default.ids() if item.startswith(("flags.", "kpi."))} and len(aside) == 8
    assert not set(generic.ids()) & aside
    assert set(generic.ids()) | aside == set(default.ids())
    # The reference role keeps its name: it is golive's own example host, not the team's.
    text = json.dumps([[item.title, item.params, item.fix, item.rule, item.hosts] for item in generic.items]).lower()
    text = text.replace("roles/lunia_reference", "")
    assert "testnet" not in text and "binance" not in text and "lunia_" not in text
    # Protected items stay whatever the profile.
    assert {item.id for item in default.items if item.protected} <= set(generic.ids())


def test_generic_needs_the_teams_units(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(config(tmp_path, "checklist: generic\n"), None, settings_keys())
    assert "items.infra.systemd_services.units: the generic profile leaves it to you" in str(caught.value)
    with pytest.raises(ConfigError, match="must name at least one entry"):
        load_config(config(tmp_path, "checklist: generic\nitems:\n  infra.systemd_services: {units: []}\n"), None, settings_keys())
    loaded = load_config(
        config(tmp_path, "checklist: generic\nitems:\n  infra.systemd_services: {units: [my-api]}\n"), None, settings_keys()
    )
    assert loaded.checklist.get("infra.systemd_services").params["units"] == ["my-api"]  # type: ignore[union-attr]


def test_a_team_checklist_includes_opt_in_items_by_glob(tmp_path: Path) -> None:
    write(tmp_path / "team.yml", "extends: generic\ninclude: ['kpi.*']\n")
    team = load_checklist("team.yml", tmp_path)
    assert {item.id for item in team.items if item.id.startswith("kpi.")} == {
        "kpi.sharpe",
        "kpi.hit_rate",
        "kpi.drawdowns",
        "kpi.explainability",
    }
    assert {item.id for item in team.optional} == {item for item in load_default().ids() if item.startswith("flags.")}
    write(tmp_path / "bad.yml", "extends: generic\ninclude: ['kpis.*']\n")
    with pytest.raises(ConfigError, match=r"bad.yml:2: include: 'kpis.\*' matches no item"):
        load_checklist("bad.yml", tmp_path)
    write(tmp_path / "other.yml", "extends: generics\n")
    with pytest.raises(ConfigError, match="extends: unknown profile 'generics'"):
        load_checklist("other.yml", tmp_path)


def test_disable_by_glob_lists_each_match_and_refuses_protected_items(tmp_path: Path) -> None:
    write(tmp_path / "team.yml", "disable:\n  - {id: 'flags.*', reason: no flags in this service, approver: jane}\n")
    team = load_checklist("team.yml", tmp_path)
    assert [entry.id for entry in team.disabled] == [item for item in load_default().ids() if item.startswith("flags.")]
    assert {entry.reason for entry in team.disabled} == {"no flags in this service"}
    write(tmp_path / "protected.yml", "disable:\n  - {id: 'signoff.*', reason: later, approver: jane}\n")
    with pytest.raises(ConfigError, match=r"protected.yml:2: disable: 'signoff.release_manager' is protected"):
        load_checklist("protected.yml", tmp_path)
    write(tmp_path / "none.yml", "disable:\n  - {id: 'flag.*', reason: later, approver: jane}\n")
    with pytest.raises(ConfigError, match=r"none.yml:2: disable: 'flag.\*' matches no item"):
        load_checklist("none.yml", tmp_path)


def test_list_and_explain_show_disabled_and_opt_in_items(tmp_path: Path) -> None:
    write(tmp_path / "team.yml", "extends: generic\ndisable:\n  - {id: infra.falco, reason: no Falco here, approver: jane}\n")
    path = config(tmp_path, "checklist: team.yml\nitems:\n  infra.systemd_services: {units: [my-api]}\n")
    runner = CliRunner()
    listed = runner.invoke(main, ["list", "--config", str(path), "--all", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    states = {entry["id"]: entry for entry in json.loads(listed.output)["items"]}
    assert states["infra.falco"]["state"] == "disabled" and states["infra.falco"]["approver"] == "jane"
    assert states["kpi.sharpe"]["state"] == "opt-in" and states["tests.unit"]["state"] == "judged"
    plain = runner.invoke(main, ["list", "--config", str(path)])
    assert "kpi.sharpe" not in plain.output and "infra.falco  " in plain.output and "reason: no Falco here" in plain.output
    explained = runner.invoke(main, ["explain", "infra.falco", "--config", str(path)])
    assert explained.exit_code == 0 and "disabled: no Falco here; approved by jane" in explained.output
    opt_in = runner.invoke(main, ["explain", "kpi.sharpe", "--config", str(path)])
    assert opt_in.exit_code == 0 and "opt-in:   not judged in the generic profile" in opt_in.output
    assert "formats:  load-test" in runner.invoke(main, ["explain", "tests.load"]).output


def test_init_generic_writes_a_configuration_that_loads(tmp_path: Path) -> None:
    done = CliRunner().invoke(main, ["init", "--profile", "generic", "--dir", str(tmp_path)])
    assert done.exit_code == 0, done.output
    text = (tmp_path / "golive.yml").read_text()
    assert "checklist: generic" in text and "lunia" not in text.lower()
    assert "lunia" not in (tmp_path / "inventory" / "staging.yml").read_text()
    loaded = load_config(tmp_path / "golive.yml", None, settings_keys())
    assert loaded.checklist.profile == "generic" and loaded.sources["hosts"]["version_hosts"] == "app"


def test_titles_follow_parameters_while_markdown_keeps_the_seed_line(tmp_path: Path) -> None:
    # With the defaults every rendered title is the seed's own line.
    assert all(item.display_title() == item.title for item in load_default().items)
    path = config(tmp_path, "items:\n  tests.coverage: {min_percent: 80}\n  kpi.sharpe: {min_sharpe: 2}\n")
    out = tmp_path / "out"
    done = CliRunner().invoke(
        main, ["check", "--config", str(path), "--out", str(out), "--as-of", "2026-11-29T12:00:00Z", "--format", "json,md,junit"]
    )
    assert done.exit_code == 1, done.output
    items = {item["id"]: item for item in json.loads((out / "result.json").read_text())["items"]}
    assert items["tests.coverage"]["title"] == "Coverage ≥ 80 % (warn if lower, investigate modules)"
    assert items["tests.coverage"]["seed_title"] == "Coverage ≥ 70 % (warn if lower, investigate modules)"
    assert items["kpi.sharpe"]["title"] == "Sharpe ratio > 2 (rolling 3 months)"
    assert "seed_title" not in items["tests.unit"]
    markdown = (out / "RELEASE_REPORT.md").read_text()
    # The checklist line stays the seed's; golive's own lines (the blockers) use the rendered title.
    assert "- [ ] Coverage ≥ 70 % (warn if lower, investigate modules)" in markdown
    assert "- [ ] Coverage ≥ 80 %" not in markdown and "`tests.coverage` — Coverage ≥ 80 %" in markdown
    assert "tests.coverage: Coverage ≥ 80 % (warn if lower" in (out / "junit.xml").read_text()
    # A team that writes its own title keeps it, whatever the parameters.
    write(tmp_path / "team.yml", "overrides:\n  tests.coverage: {title: Coverage gate, params: {min_percent: 90}}\n")
    team = load_checklist("team.yml", tmp_path)
    assert team.get("tests.coverage").display_title() == "Coverage gate"  # type: ignore[union-attr]


def test_fix_text_follows_the_cause(tmp_path: Path) -> None:
    """A failing item gets the checklist's mitigation; missing or unreadable evidence gets
    what to do about the evidence, never advice about a failure nobody saw."""
    path = config(tmp_path, "sources:\n  coverage: {report: reports/missing.xml}\n")
    out = tmp_path / "out"
    CliRunner().invoke(main, ["check", "--config", str(path), "--out", str(out), "--as-of", "2026-11-29T12:00:00Z", "--format", "json"])
    items = {item["id"]: item for item in json.loads((out / "result.json").read_text())["items"]}
    coverage, sharpe = items["tests.coverage"], items["kpi.sharpe"]
    assert coverage["status"] == "insufficient" and "reports/missing.xml" in coverage["summary"]
    assert coverage["fix"].startswith("Not enough evidence to decide (see the summary): provide what it names (sources.coverage")
    assert "weakest modules" not in coverage["fix"]
    assert sharpe["status"] == "insufficient" and "Investigate the strategy" not in sharpe["fix"]
    # Not a git repository: the git evidence cannot be read.
    unreadable = items["release.commit_sha"]
    assert unreadable["status"] == "error" and unreadable["fix"].startswith("golive could not read this item's evidence")


def test_a_failing_item_keeps_the_checklists_mitigation(release_repo: Path) -> None:
    write(release_repo / "untracked.txt", "dirty\n")
    write(release_repo / "golive.yml", "release: {repo: .}\n")
    out = release_repo / "out"
    CliRunner().invoke(
        main,
        ["check", "--config", str(release_repo / "golive.yml"), "--out", str(out), "--as-of", "2026-11-29T12:00:00Z", "--format", "json"],
    )
    item = next(item for item in json.loads((out / "result.json").read_text())["items"] if item["id"] == "release.commit_sha")
    assert item["status"] == "fail"
    assert item["fix"] == load_default().get("release.commit_sha").fix_text()  # type: ignore[union-attr]
