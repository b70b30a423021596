"""Items the engine and the reports treat specially are marked in the checklist, not named:
`ticked_by` on the Final Decision boxes, `release` on the items standing for the release block."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from golive.checklist import ItemSpec, load_default
from golive.collectors import Evidence, settings_keys
from golive.config import Config, load_config
from golive.document import decision_item, release_block
from golive.model import Status, Verdict
from golive.reports.markdown import render as render_markdown
from golive.yamlfile import ConfigError
from tests.conftest import write

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TEAM_ITEM = "    section: Beyond the seed\n    title: Extra\n    source: git\n    why: A reason.\n    fix: A fix.\n"


def team_error(tmp_path: Path, body: str) -> str:
    write(tmp_path / "team.yml", body)
    path = write(tmp_path / "golive.yml", "release: {repo: .}\nchecklist: team.yml\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, None, settings_keys())
    return str(caught.value)


def test_the_default_checklist_marks_its_release_items_and_decision_boxes() -> None:
    checklist = load_default()
    assert {field: getattr(checklist.release_item(field), "id", None) for field in ("tag", "commit", "date")} == {
        "tag": "release.version_tag",
        "commit": "release.commit_sha",
        "date": "release.date",
    }
    assert {item.id: item.ticked_by for item in checklist.items if item.kind == "decision"} == {
        "decision.go": Verdict.GO,
        "decision.no_go": Verdict.NO_GO,
    }


@pytest.mark.parametrize(
    ("lines", "line", "message"),
    [
        ("    kind: decision\n    ticked_by: GO!\n", 9, "ticked_by must be one of GO, GO pending sign-off, NO-GO, PARTIAL PASS"),
        ("    ticked_by: GO\n", 8, "only a decision item (kind: decision) is ticked by a verdict"),
        ("    kind: decision\n    release: tag\n", 9, "only a judged item (kind: check) stands for a release field"),
        ("    release: version\n", 8, "release must be one of tag, commit, date"),
        ("    release: tag\n", 8, "release: tag is already release.version_tag's"),
    ],
)
def test_a_wrong_mark_is_refused_with_its_file_and_line(tmp_path: Path, lines: str, line: int, message: str) -> None:
    error = team_error(tmp_path, "items:\n  - id: team.extra\n" + TEAM_ITEM + lines)
    assert error == f"{tmp_path / 'team.yml'}:{line}: item team.extra: {message}"


def test_a_team_checklist_cannot_move_a_mark_through_overrides(tmp_path: Path) -> None:
    error = team_error(tmp_path, "overrides:\n  decision.go:\n    ticked_by: NO-GO\n")
    assert error.startswith(f"{tmp_path / 'team.yml'}:3: unknown key 'ticked_by'")


def _decision(**changes: Any) -> ItemSpec:
    item = next(item for item in load_default().items if item.kind == "decision")
    return dataclasses.replace(item, **changes)


@pytest.mark.parametrize("verdict", list(Verdict))
def test_a_decision_box_is_ticked_by_its_verdict_only(verdict: Verdict) -> None:
    for ticked_by in Verdict:
        box = decision_item(_decision(id="team.box", ticked_by=ticked_by), verdict)
        assert box.status is (Status.PASS if ticked_by is verdict else Status.SKIP), (ticked_by, verdict)
        assert box.summary == f"verdict: {verdict.value}"
    assert decision_item(_decision(ticked_by=None), verdict).status is Status.SKIP


def _config(tmp_path: Path) -> Config:
    return load_config(write(tmp_path / "golive.yml", "release: {repo: .}\n"), None, settings_keys())


def test_the_release_block_reads_the_tag_pattern_of_the_item_marked_tag(tmp_path: Path) -> None:
    config = _config(tmp_path)
    git = Evidence("git", data={"commit": "a" * 40, "tags": [{"name": "r2.1", "date": "2026-11-20T10:00:00+00:00"}]})
    assert release_block(config, git)["tag"] is None  # the default's pattern is v*
    marked = ItemSpec(
        id="team.tag", section="Release Metadata", title="Tag:", source="git", why="w", fix="f", release="tag",
        params={"tag_pattern": "r*", "strip_prefix": "r"},
    )  # fmt: skip
    items = [dataclasses.replace(item, release=None) if item.release == "tag" else item for item in config.checklist.items]
    remarked = dataclasses.replace(config, checklist=dataclasses.replace(config.checklist, items=[marked, *items]))
    block = release_block(remarked, git)
    assert (block["tag"], block["version"], block["date"]) == ("r2.1", "2.1", "2026-11-20T10:00:00+00:00")


def test_the_signed_report_fills_release_values_where_the_effective_checklist_marks_them() -> None:
    sample: dict[str, Any] = json.loads((FIXTURES / "sample-result.json").read_text(encoding="utf-8"))
    assert "\n- [x] Version tag: v1.0.0\n" in render_markdown(sample)
    unmarked = copy.deepcopy(sample)
    for entry in unmarked["effective_checklist"]["items"]:
        entry["release"] = {"release.version_tag": None, "tests.unit": "tag", "release.date": "repo"}.get(entry["id"], entry["release"])
    markdown = render_markdown(unmarked)
    assert "\n- [x] Version tag:\n" in markdown
    unit_title = next(item["title"] for item in sample["items"] if item["id"] == "tests.unit")
    assert f" {unit_title} v1.0.0\n" in markdown
    # Only the release fields a line can stand for are filled in.
    assert "\n- [x] Release date:\n" in markdown
