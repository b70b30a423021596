"""No input ends in a traceback: every subcommand, run through the real entry point, answers
a corpus of bad arguments and files with its documented exit code and one line."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from golive import collectors
from golive.attestations import judge_attestation
from golive.collectors import ChildGroups
from golive.document import digest
from golive.guard import GuardedGroup
from golive.model import Status
from golive.timeutil import parse_aware, parse_date, parse_day_or_moment
from golive.yamlfile import ConfigError

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample-result.json"
AS_OF = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)

# How a case must end. GOLIVE: golive's own `golive: error: ...` line and exit 2.
# CLICK: click's usage error (exit 2), left as click words it. NOT_VERIFIED / NOT_INTACT:
# the verification commands' exit 1, their reasons on stdout.
GOLIVE, CLICK, NOT_VERIFIED, NOT_INTACT = "golive", "click", "not-verified", "not-intact"


def _result(mutate: Callable[[dict[str, Any]], None]) -> str:
    document: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    mutate(document)
    document["digest"] = digest(document)
    return json.dumps(document)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value

    return mutate


def _waived(expires: str) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        item = document["items"][0]
        item["was"], item["status"] = item["status"], "waived"
        item["waiver"] = {
            "reason": "r",
            "approver": "a",
            "ticket": None,
            "expires": expires,
            "scope": {"host": None, "finding": None},
            "source": "waivers.yml:1",
        }

    return mutate


RESULT_FILES: dict[str, str | bytes] = {
    "empty.json": "",
    "binary.json": b"\x00\xff\xfe\x89PNG\r\n\x1a\n" * 64,
    "text.json": "not json {",
    "list.json": "[]",
    "number.json": "42",
    "null.json": "null",
    "other-schema.json": '{"schema": "golive/result/v0"}',
    "wrong-shape.json": '{"schema": "golive/result/v1", "items": {}}',
    "huge-integer.json": "9" * 5000,
    "huge-float.json": '{"schema": "golive/result/v1", "as_of": 1e999999}',
    "deep.json": "[" * 100_000 + "]" * 100_000,
    "naive-as-of.json": _result(_set("as_of", "2026-11-29T12:00:00")),
    "invalid-as-of.json": _result(_set("as_of", "2026-02-30T12:00:00Z")),
    "naive-release-date.json": _result(_set("release.date", "2026-11-20T10:00:00")),
    "invalid-waiver-expiry.json": _result(_waived("2026-13-31")),
}
BAD_RESULTS = [*RESULT_FILES, "missing.json", "folder"]

CONFIGS = {
    "golive.yml": "release: {repo: .}\nattestations: attestations.yml\nsigners: allowed_signers\n",
    "config-empty-list.yml": "[]\n",
    "config-binary.yml": "\x00\x01 binary",
    "config-bad-yaml.yml": "release: [\n",
    "config-invalid-date.yml": 'release: {repo: ., date: "2026-02-30"}\n',
    "config-naive-date.yml": 'release: {repo: ., date: "2026-11-20T10:00:00"}\n',
    "config-not-a-date.yml": 'release: {repo: ., date: "next tuesday"}\n',
    "config-unknown-key.yml": "release: {repo: .}\nitmes: {}\n",
}
BAD_CONFIGS = [name for name in CONFIGS if name != "golive.yml"] + ["missing.yml", "folder"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    for name, content in RESULT_FILES.items():
        (root / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    for name, text in CONFIGS.items():
        (root / name).write_text(text)
    (root / "good.json").write_text(_result(lambda document: None))
    tampered = json.loads(SAMPLE.read_text(encoding="utf-8"))
    tampered["decision"]["verdict"] = "GO"
    (root / "tampered.json").write_text(json.dumps(tampered))
    (root / "allowed_signers").write_text("")
    (root / "a-file").write_text("not a folder\n")
    (root / "folder").mkdir()
    (root / "not-an-archive.tar.gz").write_text("not gzip\n")
    (root / "empty.tar.gz").write_bytes(b"")
    return root


ATTEST = ("attest", "docs.install", "--by", "A", "--role", "r", "--evidence", "https://x", "--key", "a-file")


def _cases() -> list[Any]:
    cases: list[Any] = []

    def add(expected: str, *args: str, code: int = 2) -> None:
        cases.append(pytest.param(list(args), expected, code, id=" ".join(args)[:140]))

    for name in BAD_RESULTS:
        add(GOLIVE, "report", name)
        add(GOLIVE, "diff", name, "good.json")
        add(GOLIVE, "diff", "good.json", name)
        add(GOLIVE, "sign", name, "--role", "release-manager", "--key", "a-file")
        add(GOLIVE, "verify", name, "--allowed-signers", "allowed_signers")
        add(GOLIVE, "verify-archive", "not-an-archive.tar.gz", "--result", name)
    for name in BAD_CONFIGS:
        add(GOLIVE, "list", "--config", name)
        add(GOLIVE, "explain", "tests.unit", "--config", name)
        add(GOLIVE, "check", "--config", name)
        add(GOLIVE, *ATTEST, "--config", name)
    # --out that cannot take a run, refused before anything is collected.
    for out in ("a-file", "a-file/below", "/proc/golive-out", "/sys/golive-out", "-"):
        add(GOLIVE, "check", "--out", out)
    for as_of in ("yesterday", "2026-02-30T12:00:00Z", "2026-11-29T25:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        add(GOLIVE, "check", "--as-of", as_of)
    add(GOLIVE, "check", "--format", "md,pdf")
    add(GOLIVE, "check", "--env", "prod")
    # Past ten years the expiry date overflowed into a traceback.
    add(CLICK, *ATTEST, "--valid-days", "99999999")
    add(CLICK, *ATTEST, "--valid-days", "0")
    add(GOLIVE, "attest", "no.such", *ATTEST[2:])
    add(GOLIVE, *ATTEST[:6], "--evidence", "missing.pdf", "--key", "a-file")
    add(GOLIVE, "explain", "no.such")
    add(GOLIVE, "init", "--dir", "/proc/golive-init")
    add(CLICK, "init", "--dir", "a-file")
    add(GOLIVE, "report", "good.json", "--format", "md,html")
    add(GOLIVE, "report", "good.json", "--format", "pdf")
    add(GOLIVE, "report", "good.json", "--format", "md", "--out", "/proc/golive-report")
    add(GOLIVE, "sign", "good.json", "--role", "janitor", "--key", "a-file")
    add(GOLIVE, "verify", "good.json", "--allowed-signers", "missing")
    add(GOLIVE, "verify", "good.json", "--allowed-signers", "folder")
    add(CLICK, "verify", "good.json", "--max-age", "-1")
    add(NOT_VERIFIED, "verify", "tampered.json", "--allowed-signers", "allowed_signers", code=1)
    add(NOT_VERIFIED, "verify", "good.json", "--allowed-signers", "binary.json", code=1)
    add(GOLIVE, "verify-archive", "missing.tar.gz")
    add(GOLIVE, "verify-archive", "folder")
    add(NOT_INTACT, "verify-archive", "not-an-archive.tar.gz", code=1)
    add(NOT_INTACT, "verify-archive", "empty.tar.gz", code=1)
    add(NOT_INTACT, "verify-archive", "binary.json", code=1)
    add(GOLIVE, "demo", "--break", "no-such-unit")
    add(CLICK, "demo", "--no-such-option")
    add(CLICK, "no-such-command")
    return cases


def _golive(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "GOLIVE_DEBUG"}
    environment.update(COLUMNS="160", NO_COLOR="1", **env)
    return subprocess.run([sys.executable, "-m", "golive", *args], cwd=cwd, capture_output=True, text=True, env=environment, timeout=120)


@pytest.mark.parametrize(("args", "expected", "code"), _cases())
def test_bad_input_gets_its_exit_code_one_line_and_no_traceback(corpus: Path, args: list[str], expected: str, code: int) -> None:
    before = sorted(path.name for path in corpus.iterdir())
    done = _golive(args, corpus)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.returncode == code, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    if expected == GOLIVE:
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith("golive: error: "), done.stderr
    elif expected == CLICK:
        assert [line for line in lines if line.startswith("Error: ")], done.stderr
    elif expected == NOT_VERIFIED:
        assert "NOT GO:" in done.stdout
    else:
        assert "NOT intact" in done.stdout
    # Nothing was written: no reports, no staging folder, no attestations file.
    assert sorted(path.name for path in corpus.iterdir()) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file; an unreadable one cannot be made")
def test_unreadable_files_are_one_line_and_exit_2(corpus: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked.json"
    locked.write_text((corpus / "good.json").read_text())
    locked.chmod(0)
    for args in (["report", str(locked)], ["list", "--config", str(locked)]):
        done = _golive(args, corpus)
        assert done.returncode == 2
        assert len(done.stderr.splitlines()) == 1
        assert "Traceback" not in done.stderr


def test_an_unexpected_exception_is_one_line_and_exit_2_and_debug_shows_the_traceback(corpus: Path) -> None:
    # Creating a folder in /proc fails in a way `golive init` does not expect.
    plain = _golive(["init", "--dir", "/proc/golive-init"], corpus)
    assert plain.returncode == 2
    assert plain.stderr.splitlines() == ["golive: error: FileNotFoundError: [Errno 2] No such file or directory: '/proc/golive-init'"]
    debug = _golive(["init", "--dir", "/proc/golive-init"], corpus, GOLIVE_DEBUG="1")
    assert debug.returncode == 2
    assert debug.stderr.startswith("Traceback")


# ------------------------------------------------------------------ the guard itself


def _interrupt_while_parsing(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        raise KeyboardInterrupt
    return value


def _group() -> click.Group:
    @click.group(cls=GuardedGroup)
    @click.option("--interrupt-while-parsing", is_flag=True, callback=_interrupt_while_parsing, expose_value=False)
    def cli() -> None:
        pass

    @cli.command()
    def crash() -> None:
        raise ZeroDivisionError("division by zero\nsecond line")

    @cli.command()
    def config() -> None:
        raise ConfigError("golive.yml:3: bad value")

    @cli.command()
    def no_go() -> None:
        sys.exit(1)

    @cli.command()
    @click.argument("count", type=int)
    def usage(count: int) -> None:
        pass

    @cli.command()
    def interrupt() -> None:
        raise KeyboardInterrupt

    return cli


def test_guard_turns_an_exception_into_one_line_and_exit_2() -> None:
    done = CliRunner().invoke(_group(), ["crash"], env={"GOLIVE_DEBUG": None})
    assert done.exit_code == 2
    assert done.stderr == "golive: error: ZeroDivisionError: division by zero second line\n"
    assert CliRunner().invoke(_group(), ["config"]).stderr == "golive: error: golive.yml:3: bad value\n"


def test_guard_debug_prints_the_traceback_instead() -> None:
    done = CliRunner().invoke(_group(), ["crash"], env={"GOLIVE_DEBUG": "1"})
    assert done.exit_code == 2
    assert "Traceback" in done.stderr
    assert "ZeroDivisionError: division by zero" in done.stderr


def test_guard_leaves_exit_codes_and_click_usage_errors_alone() -> None:
    assert CliRunner().invoke(_group(), ["no-go"]).exit_code == 1
    usage = CliRunner().invoke(_group(), ["usage", "many"])
    assert usage.exit_code == 2
    assert "Error: Invalid value for 'COUNT'" in usage.stderr


def test_guard_exits_130_on_keyboard_interrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    # A registry of its own: the interrupt closes it, and the session's must stay open.
    monkeypatch.setattr(collectors, "CHILD_GROUPS", ChildGroups())
    done = CliRunner().invoke(_group(), ["interrupt"])
    assert done.exit_code == 130
    assert done.stderr == "golive: interrupted\n"
    assert collectors.CHILD_GROUPS.closed.is_set()
    # Before any command runs, click itself would have said "Aborted!" and exited 1.
    early = CliRunner().invoke(_group(), ["--interrupt-while-parsing", "interrupt"])
    assert (early.exit_code, early.stderr) == (130, "golive: interrupted\n")


# ------------------------------------------------------------------ times


def test_parse_aware_takes_zones_and_refuses_naive_or_impossible_times() -> None:
    assert parse_aware("2026-11-29T12:00:00Z", "f") == AS_OF
    assert parse_aware("2026-11-29T13:00:00+01:00", "f") == AS_OF
    for bad in ("2026-11-29T12:00:00", "2026-02-30T12:00:00Z", "2026-11-29", "soon", "", None, 20261129):
        with pytest.raises(ConfigError, match=r"^result\.json: as_of: .* is not a timezone-aware ISO-8601 time"):
            parse_aware(bad, "result.json: as_of")


def test_parse_date_refuses_impossible_dates() -> None:
    assert parse_date("2026-02-28", "f") == dt.date(2026, 2, 28)
    for bad in ("2026-02-30", "2026-13-31", "2026-1-1", "20261231", None):
        with pytest.raises(ConfigError, match=r"^waivers\.yml:4: .* is not an ISO-8601 date"):
            parse_date(bad, "waivers.yml:4")


def test_release_dates_are_a_day_or_an_aware_moment() -> None:
    assert parse_day_or_moment("2026-11-20", "f") == dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    assert parse_day_or_moment(dt.date(2026, 11, 20), "f") == dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    assert parse_day_or_moment("2026-11-20T10:00:00+00:00", "f") == dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
    for bad in ("2026-02-30", "2026-11-20T10:00:00", dt.datetime(2026, 11, 20, 10)):
        with pytest.raises(ConfigError, match=r"^golive\.yml:2: release\.date: "):
            parse_day_or_moment(bad, "golive.yml:2: release.date")


def _signed_attestation(**fields: str) -> dict[str, Any]:
    base = {
        "item": "docs.install",
        "by": "Ana Lima",
        "role": "release-manager",
        "evidence": "https://ci.example/run/1",
        "evidence-sha256": "",
        "attested-at": "2026-11-28T12:00:00+00:00",
        "expires": "2027-02-26T12:00:00+00:00",
    }
    checked = {"signature_valid": True, "signature_reason": "good", "current_sha256": None}
    return {"where": "attestations.yml:2", "fields": {**base, **fields}, **checked}


@pytest.mark.parametrize(
    "fields",
    [{"attested-at": "2026-11-28T12:00:00"}, {"expires": "2027-02-26T12:00:00"}, {"expires": "2027-02-30T12:00:00Z"}, {"attested-at": ""}],
    ids=["naive attested-at", "naive expires", "impossible expires", "empty attested-at"],
)
def test_a_signed_attestation_with_a_bad_time_is_refused_with_the_reason(fields: dict[str, str]) -> None:
    params = {"attestation": "validated on a fresh host", "role": "release-manager"}
    good = _signed_attestation()
    outcome = judge_attestation("docs.install", params, [_signed_attestation(**fields), copy.deepcopy(good)], AS_OF)
    assert outcome.own is Status.PASS  # the valid one still counts; the bad one crashed the run before
    alone = judge_attestation("docs.install", params, [_signed_attestation(**fields)], AS_OF)
    assert alone.own is Status.PENDING
    assert "is not a timezone-aware ISO-8601 time" in alone.summary
