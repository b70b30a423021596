"""--format github: the job summary and workflow commands, held to the documented syntax of
GitHub's workflow commands (`::level title=T::message`, one line, toolkit escaping)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from golive.cli import main
from golive.reports.github import render, workflow_commands
from tests.conftest import write

AS_OF = "2026-11-29T12:00:00Z"
# The toolkit's grammar: a command name, optional comma-separated key=value properties, then the message.
COMMAND = re.compile(r"^::(?P<level>error|warning|notice)(?: (?P<properties>[a-z]+=[^,:]*(?:,[a-z]+=[^,:]*)*))?::(?P<message>[^\r\n]*)$")


def unescape(text: str, prop: bool = False) -> str:
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def judged(tmp_path: Path) -> dict[str, Any]:
    repo = tmp_path / "repo"
    write(repo / "golive.yml", "release: {repo: .}\n")
    runner = CliRunner()
    done = runner.invoke(
        main, ["check", "--config", str(repo / "golive.yml"), "--out", str(tmp_path / "out"), "--as-of", AS_OF, "--format", "json,github"]
    )
    assert done.exit_code == 1, done.output
    document: dict[str, Any] = json.loads((tmp_path / "out" / "result.json").read_text())
    assert (tmp_path / "out" / "github-summary.md").read_text() == render(document)
    return document


def test_every_command_follows_the_syntax_and_names_each_blocker(tmp_path: Path) -> None:
    document = judged(tmp_path)
    commands = workflow_commands(document)
    parsed = [COMMAND.match(line) for line in commands]
    assert all(parsed), [line for line, match in zip(commands, parsed, strict=True) if not match]
    titles = [unescape(match.group("properties").removeprefix("title="), prop=True) for match in parsed if match]
    blocking = document["decision"]["blocking"]
    assert len(blocking) > 3
    for item_id in blocking:
        assert any(title.startswith(f"golive {item_id}: ") for title in titles), item_id
    assert parsed[-1] and parsed[-1].group("level") == "notice" and unescape(parsed[-1].group("message")).startswith("NO-GO: ")


def test_evidence_cannot_forge_a_command_or_break_a_property(tmp_path: Path) -> None:
    document = judged(tmp_path)
    hostile = next(item for item in document["items"] if item["id"] in document["decision"]["blocking"])
    hostile["summary"] = "first line\n::error title=forged::all good\r\n100% done, really: yes"
    hostile["id"] = "release.x,title=forged:y"
    document["decision"]["blocking"] = [hostile["id"], *document["decision"]["blocking"][1:]]
    commands = workflow_commands(document)
    assert all(COMMAND.match(line) for line in commands)
    assert not any(line.startswith("::error title=forged") for line in commands)
    mine = next(line for line in commands if "release.x" in line)
    match = COMMAND.match(mine)
    assert match is not None
    assert unescape(match.group("properties"), prop=True).startswith("title=golive release.x,title=forged:y: ")
    assert "first line ::error title=forged::all good 100% done, really: yes" in unescape(match.group("message"))


def test_summary_heads_with_the_verdict_lists_blockers_and_escapes_table_cells(tmp_path: Path) -> None:
    document = judged(tmp_path)
    document["items"][0]["summary"] = "a | b"
    text = render(document)
    assert text.startswith("## 🔴 golive: NO-GO (default)")
    assert "### What blocks the release" in text
    assert "  - How to fix: " in text
    row = next(line for line in text.splitlines() if line.startswith(f"| `{document['items'][0]['id']}`"))
    assert "a \\| b" in row and row.count(" | ") == 2


def golive_process(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive", *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "120", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_prints_commands_and_appends_the_job_summary(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "golive.yml", "release: {repo: .}\n")
    summary_file = write(tmp_path / "step_summary.md", "earlier step\n")
    done = golive_process(repo, "check", "--as-of", AS_OF, "--format", "json,github", env={"GITHUB_STEP_SUMMARY": str(summary_file)})
    assert done.returncode == 1, done.stderr
    commands = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert commands and all(COMMAND.match(line) for line in commands)
    assert commands[-1].startswith("::notice title=golive verdict::NO-GO")
    assert summary_file.read_text() == "earlier step\n" + (repo / "golive-out" / "github-summary.md").read_text()


def test_json_puts_exactly_the_result_document_on_stdout(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "golive.yml", "release: {repo: .}\n")
    done = golive_process(repo, "check", "--as-of", AS_OF, "--json", "--format", "json,github")
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout) == json.loads((repo / "golive-out" / "result.json").read_text())
    # People's lines (the summary, report paths, workflow commands) went to stderr.
    assert "NO-GO" in done.stderr and "::notice title=golive verdict::" in done.stderr


def test_check_finds_golive_yml_upward_and_honours_golive_config(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "golive.yml", "release: {repo: .}\n")
    nested = repo / "services" / "api"
    nested.mkdir(parents=True)
    found = golive_process(nested, "check", "--as-of", AS_OF, "--format", "json", "--out", str(tmp_path / "out1"))
    assert found.returncode == 1, found.stderr
    assert json.loads((tmp_path / "out1" / "result.json").read_text())["config"] == str(repo / "golive.yml")
    elsewhere = write(tmp_path / "other" / "golive.yml", "release: {repo: ../repo}\nenvironments:\n  qa: {}\n")
    chosen = golive_process(
        nested, "check", "--as-of", AS_OF, "--format", "json", "--out", str(tmp_path / "out2"), env={"GOLIVE_CONFIG": str(elsewhere)}
    )
    assert json.loads((tmp_path / "out2" / "result.json").read_text())["environment"] == "qa", chosen.stderr
    # Nothing above tmp_path: the error names the golive.yml it looked for.
    missing = golive_process(tmp_path, "check", "--as-of", AS_OF)
    assert missing.returncode == 2 and "golive.yml" in missing.stderr
