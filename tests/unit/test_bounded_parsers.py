"""Bounded parsers: alias bombs, recursive aliases, deep nesting, invalid dates, FIFOs and
directories where a file belongs, and hostile evidence archives are refused, never obeyed."""

from __future__ import annotations

import gzip
import io
import itertools
import json
import os
import subprocess
import sys
import tarfile
import tracemalloc
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from click.testing import CliRunner, Result

from golive import archive
from golive.archive import verify_archive, write_archive
from golive.cli import main
from golive.yamlfile import MAX_FILE_BYTES, MAX_VALUES, ConfigError, load, parse
from tests.conftest import write

AS_OF = "2026-11-29T12:00:00Z"
BOMB_MESSAGE = f"more than {MAX_VALUES} values once aliases are expanded"


def alias_bomb(levels: int) -> str:
    """`levels` anchors (a, b, ...), each a list of nine aliases of the one before: 9**levels values."""
    names = "abcdefghi"[:levels]
    lines = ["a: &a [x,x,x,x,x,x,x,x,x]"]
    lines += [f"{name}: &{name} [{','.join([f'*{before}'] * 9)}]" for before, name in itertools.pairwise(names)]
    return "\n".join(lines) + "\n"


# The classic bomb: about 300 bytes, 9**9 (387 million) values once expanded.
BILLION_LAUGHS = alias_bomb(9)
# 9**6 values: enough to cross the cap, small enough that a loader without one returns
# (wrongly) within seconds instead of eating the machine.
SMALL_BOMB = alias_bomb(6)


def golive(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def one_line_error(done: Result, *expected: str) -> str:
    assert done.exit_code == 2, done.output
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.output
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def configured(folder: Path, extra: str = "") -> Path:
    return write(folder / "golive.yml", f"release:\n  repo: .\n{extra}")


# --- YAML: aliases, nesting, dates -------------------------------------------------------


def test_billion_laughs_is_a_config_error_naming_file_and_alias_line_with_bounded_memory(tmp_path: Path) -> None:
    assert len(BILLION_LAUGHS) < 310
    path = write(tmp_path / "golive.yml", BILLION_LAUGHS)
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError) as raised:
            load(path, "configuration file")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The cap trips while the sixth line's aliases expand (9**6 > MAX_VALUES).
    assert str(raised.value).startswith(f"{path}:6: {BOMB_MESSAGE}")
    assert peak < 64 * 1024 * 1024


def test_alias_bomb_in_golive_yml_exits_2_naming_it(tmp_path: Path) -> None:
    config = write(tmp_path / "golive.yml", "release: {repo: .}\n" + SMALL_BOMB)
    one_line_error(golive("check", "--config", str(config), "--out", str(tmp_path / "out"), "--as-of", AS_OF), f"{config}:", BOMB_MESSAGE)
    assert not (tmp_path / "out").exists()


def test_alias_bomb_in_waivers_file_exits_2_naming_it(tmp_path: Path) -> None:
    config = configured(tmp_path, "waivers: waivers.yml\n")
    waivers = write(tmp_path / "waivers.yml", SMALL_BOMB)
    one_line_error(golive("check", "--config", str(config), "--out", str(tmp_path / "out"), "--as-of", AS_OF), f"{waivers}:", BOMB_MESSAGE)


def test_alias_bomb_in_team_checklist_exits_2_from_golive_list(tmp_path: Path) -> None:
    config = configured(tmp_path, "checklist: team.yml\n")
    team = write(tmp_path / "team.yml", "extends: default\n" + SMALL_BOMB)
    one_line_error(golive("list", "--config", str(config)), f"{team}:", BOMB_MESSAGE)


def test_alias_bomb_in_attestations_file_exits_2_from_attest(tmp_path: Path) -> None:
    config = configured(tmp_path, "attestations: attestations.yml\n")
    attestations = write(tmp_path / "attestations.yml", SMALL_BOMB)
    done = golive(
        "attest",
        "docs.install",
        "--by",
        "Ana",
        "--role",
        "release-manager",
        "--evidence",
        "https://ci.example/1",
        "--key",
        "k",
        "--config",
        str(config),
    )
    one_line_error(done, f"{attestations}:", BOMB_MESSAGE)


def test_alias_bomb_in_attestations_file_is_an_error_for_the_collector(tmp_path: Path) -> None:
    from golive.collectors.attestations import AttestationsCollector
    from golive.config import load_config

    config = load_config(configured(tmp_path, "attestations: attestations.yml\n"))
    write(tmp_path / "attestations.yml", SMALL_BOMB)
    evidence = AttestationsCollector().collect(SimpleNamespace(config=config))  # type: ignore[arg-type]
    assert evidence.error and "attestations.yml:" in evidence.error and BOMB_MESSAGE in evidence.error


@pytest.mark.parametrize("document", ["a: &a [*a]\n", "a: &a {b: [1, {c: *a}]}\n"])
def test_recursive_alias_exits_2_naming_the_alias_line(tmp_path: Path, document: str) -> None:
    config = write(tmp_path / "golive.yml", "release: {repo: .}\n" + document)
    one_line_error(golive("list", "--config", str(config)), f"{config}:2: alias *a is recursive")


def test_aliases_within_the_cap_still_expand(tmp_path: Path) -> None:
    located = parse("base: &base {min_percent: 70}\nitems:\n  tests.coverage: *base\n  other: [*base, *base]\n", tmp_path / "x.yml")
    assert located.data["items"] == {"tests.coverage": {"min_percent": 70}, "other": [{"min_percent": 70}, {"min_percent": 70}]}
    assert located.where(("items", "other", 1)) == f"{tmp_path / 'x.yml'}:4"


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, "- " * 5_000 + "x\n", "{a: " * 5_000 + "1" + "}" * 5_000])
def test_deep_nesting_is_a_config_error_not_a_recursion_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match=r"x\.yml:1: nested more than 64 levels deep"):
        parse(text, tmp_path / "x.yml")


def test_aliases_cannot_stack_nesting_past_the_cap(tmp_path: Path) -> None:
    chain = "a0: &a0 [[[[[[[[[[1]]]]]]]]]]\n" + "".join(f"a{i}: &a{i} [[[[[[[[[[*a{i - 1}]]]]]]]]]]\n" for i in range(1, 30))
    with pytest.raises(ConfigError, match="aliases nest values more than 64 levels deep"):
        parse(chain, tmp_path / "x.yml")


def test_invalid_release_date_exits_2_with_file_and_line_also_in_list(tmp_path: Path) -> None:
    config = configured(tmp_path, "  date: 2026-02-30\n")
    one_line_error(golive("list", "--config", str(config)), f"{config}:3: invalid date '2026-02-30'")


def test_invalid_waiver_expiry_exits_2_with_file_and_line(tmp_path: Path) -> None:
    config = configured(tmp_path, "waivers: waivers.yml\n")
    waivers = write(tmp_path / "waivers.yml", "- item: tests.coverage\n  reason: r\n  approver: a\n  expires: 2026-13-31\n")
    done = golive("check", "--config", str(config), "--out", str(tmp_path / "out"), "--as-of", AS_OF)
    one_line_error(done, f"{waivers}:4: invalid date '2026-13-31'")


def test_invalid_timestamp_scalar_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"x\.yml:2: invalid date '2026-11-29 25:00:00'"):
        parse("a: 1\nat: 2026-11-29 25:00:00\n", tmp_path / "x.yml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\nb: \x00\n", "x.yml:2: YAML error: unacceptable character #x0000"),
        ("base: &b {x: 1}\nother:\n  <<: *b\n", "x.yml:3: could not determine a constructor for the tag 'tag:yaml.org,2002:merge'"),
    ],
)
def test_unloadable_text_is_a_one_line_config_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse(text, tmp_path / "x.yml")
    assert message in str(raised.value) and "\n" not in str(raised.value)


# --- YAML read outside golive.yml goes through the same loader ----------------------------


def test_release_manifest_alias_bomb_is_a_report_error(tmp_path: Path) -> None:
    from golive.collectors.supply_chain import read_manifest
    from golive.supply_chain import ReportError

    with pytest.raises(ReportError, match=BOMB_MESSAGE):
        read_manifest(write(tmp_path / "images.yml", BILLION_LAUGHS))


def test_kpi_yaml_source_alias_bomb_is_a_load_error(tmp_path: Path) -> None:
    from golive.kpi.load import LoadError, read_table

    path = write(tmp_path / "incidents.yml", BILLION_LAUGHS)
    with pytest.raises(LoadError, match=BOMB_MESSAGE):
        read_table(str(path), Path, "incidents", ["start"], set(), None)


def test_molecule_expectation_alias_bomb_is_an_expectation_error(tmp_path: Path) -> None:
    from golive.molecule import ExpectationError, load_expectation

    with pytest.raises(ExpectationError, match=BOMB_MESSAGE):
        load_expectation(write(tmp_path / "expect.yml", "verdict: GO\n" + BILLION_LAUGHS))


# --- files: regular only, stat before open, size capped -----------------------------------


def run_golive(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A child process with a timeout: a reader blocked on a FIFO fails the test instead of hanging it."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run([sys.executable, "-m", "golive", *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=env)


def test_fifo_as_config_exits_2_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "golive.yml"
    os.mkfifo(fifo)
    done = run_golive("check", "--config", str(fifo), "--as-of", AS_OF, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"golive: error: {fifo}: configuration file is a FIFO, expected a regular file"


def test_fifo_as_result_exits_2_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "result.json"
    os.mkfifo(fifo)
    for args in (["report", str(fifo), "--format", "md"], ["diff", str(fifo), str(fifo)]):
        done = run_golive(*args, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert f"{fifo}: result file is a FIFO, expected a regular file" in done.stderr


def test_fifo_as_configured_signers_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = configured(tmp_path, "signers: allowed_signers\n")
    os.mkfifo(tmp_path / "allowed_signers")
    one_line_error(golive("list", "--config", str(config)), f"{config}:3: ", "allowed_signers: signers is a FIFO")


def test_directory_as_config_exits_2(tmp_path: Path) -> None:
    folder = tmp_path / "golive.yml"
    folder.mkdir()
    one_line_error(golive("list", "--config", str(folder)), f"{folder}: configuration file is a directory, expected a regular file")


def test_device_as_waivers_file_exits_2(tmp_path: Path) -> None:
    config = configured(tmp_path, "waivers: /dev/null\n")
    one_line_error(golive("check", "--config", str(config), "--as-of", AS_OF), "/dev/null: waivers is a device, expected a regular file")


def test_config_larger_than_the_cap_exits_2(tmp_path: Path) -> None:
    config = configured(tmp_path)
    with config.open("a") as handle:
        handle.write("#" * MAX_FILE_BYTES)
    one_line_error(
        golive("list", "--config", str(config)), f"{config}: configuration file is", f"more than the {MAX_FILE_BYTES} golive reads"
    )


# --- evidence archives ---------------------------------------------------------------------


def sha256(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


def build(path: Path, members: list[tuple[tarfile.TarInfo, bytes]], manifest: bytes | None = None) -> Path:
    """A tar.gz of `members`; with `manifest` None, a MANIFEST listing every regular member."""
    if manifest is None:
        manifest = "".join(f"{sha256(content)}  {info.name}\n" for info, content in members if info.isreg()).encode()
    with tarfile.open(path, "w:gz") as tar:
        if manifest != b"-":
            entry = tarfile.TarInfo(archive.MANIFEST)
            entry.size = len(manifest)
            tar.addfile(entry, io.BytesIO(manifest))
        for info, content in members:
            if info.isreg():
                info.size = len(content)
            tar.addfile(info, io.BytesIO(content) if info.isreg() else None)
    return path


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


GOOD = (member("evidence/git/git.json"), b'{"commit": "abc"}')


@pytest.mark.parametrize(
    ("members", "problem"),
    [
        ([GOOD, (member("evidence/../x"), b"x")], "evidence/../x: member name with a '..' component"),
        ([GOOD, (member("../x"), b"x")], "../x: member name with a '..' component"),
        ([GOOD, (member("/etc/x"), b"x")], "/etc/x: absolute member name"),
        ([GOOD, (member("README"), b"x")], "README: outside evidence/"),
        ([GOOD, (member("evidence/passwd", tarfile.SYMTYPE, "/etc/passwd"), b"")], "evidence/passwd: symbolic link to /etc/passwd"),
        ([GOOD, (member("evidence/copy", tarfile.LNKTYPE, "evidence/git/git.json"), b"")], "evidence/copy: hard link to"),
        ([GOOD, (member("evidence/null", tarfile.CHRTYPE), b"")], "evidence/null: a device"),
        ([GOOD, (member("evidence/pipe", tarfile.FIFOTYPE), b"")], "evidence/pipe: a FIFO"),
        ([GOOD, (member("evidence/dir", tarfile.DIRTYPE), b"")], "evidence/dir: a directory entry"),
        ([GOOD, (member("evidence/git/git.json"), b'{"commit": "abc"}')], "evidence/git/git.json: duplicate member name"),
        ([GOOD, (member("evidence/x\n  - [x] **GO**"), b"x")], "'evidence/x\\n  - [x] **GO**': in the archive but not in MANIFEST"),
    ],
)
def test_hostile_members_are_not_intact(tmp_path: Path, members: list[tuple[tarfile.TarInfo, bytes]], problem: str) -> None:
    manifest = None if "not in MANIFEST" not in problem else f"{sha256(GOOD[1])}  {GOOD[0].name}\n".encode()
    check = verify_archive(build(tmp_path / "a.tar.gz", members, manifest))
    assert not check.ok
    assert any(line.startswith(problem) for line in check.problems), check.problems


def test_verify_archive_command_exits_1_and_names_a_climbing_member(tmp_path: Path) -> None:
    path = build(tmp_path / "a.tar.gz", [GOOD, (member("../../etc/cron.d/x"), b"* * * * * root id")])
    done = golive("verify-archive", str(path))
    assert done.exit_code == 1
    assert done.output.startswith(f"NOT intact: {path}")
    assert "  - ../../etc/cron.d/x: member name with a '..' component" in done.output


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        (
            f"{sha256(GOOD[1])}  {GOOD[0].name}\n{sha256(GOOD[1])}  {GOOD[0].name}\n".encode(),
            "MANIFEST:2: evidence/git/git.json listed twice",
        ),
        (f"{sha256(GOOD[1]).upper()}  {GOOD[0].name}\n".encode(), "MANIFEST:1: malformed line"),
        (b"\xff\xfe", "MANIFEST: not UTF-8 text"),
    ],
)
def test_malformed_manifest_is_not_intact(tmp_path: Path, manifest: bytes, problem: str) -> None:
    check = verify_archive(build(tmp_path / "a.tar.gz", [GOOD], manifest))
    assert not check.ok
    assert problem in check.problems, check.problems


def test_manifest_that_is_a_link_is_a_missing_manifest(tmp_path: Path) -> None:
    path = build(tmp_path / "a.tar.gz", [GOOD, (member("MANIFEST", tarfile.SYMTYPE, "/etc/passwd"), b"")], b"-")
    check = verify_archive(path)
    assert not check.ok
    assert check.problems == ["MANIFEST: symbolic link to /etc/passwd: golive never archives links", f"{path}: no MANIFEST"]


def test_archive_without_evidence_is_not_intact(tmp_path: Path) -> None:
    check = verify_archive(build(tmp_path / "a.tar.gz", [], b""))
    assert not check.ok
    assert check.problems == [f"{tmp_path / 'a.tar.gz'}: no evidence members: an empty archive evidences nothing"]


def written(tmp_path: Path, files: dict[str, bytes]) -> tuple[Path, str]:
    for name, content in files.items():
        (tmp_path / "evidence" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "evidence" / name).write_bytes(content)
    target = tmp_path / "archive.tar.gz"
    return target, write_archive(tmp_path / "evidence", target, 1764417600.0)


@pytest.mark.parametrize("cut", [4, 8])
def test_truncated_gzip_is_not_intact(tmp_path: Path, cut: int) -> None:
    target, _ = written(tmp_path, {"hosts/app1.json": os.urandom(20_000), "git/git.json": b"{}"})
    target.write_bytes(target.read_bytes()[:-cut])
    check = verify_archive(target)
    assert not check.ok
    assert check.problems[0].startswith(f"{target}: not a readable tar.gz archive"), check.problems


def test_data_hidden_after_the_tar_end_is_not_intact(tmp_path: Path) -> None:
    target, _ = written(tmp_path, {"git/git.json": b"{}"})
    with gzip.open(target, "rb") as zipped:
        tar_bytes = zipped.read()
    target.write_bytes(gzip.compress(tar_bytes + b"hidden payload".ljust(512, b"\0")))
    assert "data after the end of the tar archive" in verify_archive(target).problems


def test_decompressed_size_and_member_count_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target, digest = written(tmp_path, {f"hosts/app{n}.json": b"0" * 100_000 for n in range(5)})
    assert verify_archive(target, digest).ok
    monkeypatch.setattr(archive, "MAX_MEMBERS", 3)
    assert verify_archive(target).problems == [f"{target}: more than 3 members; golive stops there"]
    monkeypatch.setattr(archive, "MAX_MEMBERS", 50_000)
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 200_000)
    check = verify_archive(target)
    assert not check.ok and check.problems[0].startswith(f"{target}: expands to more than")


def test_oversized_extended_header_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.tar.gz"
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("evidence/x")
        info.size = 1
        info.pax_headers = {"comment": "y" * 200_000}
        tar.addfile(info, io.BytesIO(b"x"))
    assert verify_archive(path).problems == [f"{path}: an extended tar header of 200016 bytes (more than {archive.MAX_HEADER_BYTES})"]


def test_big_valid_archive_verifies_holding_no_member_in_memory(tmp_path: Path) -> None:
    big = 24 * 1024 * 1024
    target, digest = written(tmp_path, {"sboms/app.cdx.json": os.urandom(big), "git/git.json": b"{}"})
    tracemalloc.start()
    try:
        check = verify_archive(target, digest)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert check.ok, check.problems
    assert check.files == 2
    assert peak < big / 4


def test_host_collector_copies_no_alias_bomb_out_of_falco_yaml(module: ModuleType, tmp_path: Path) -> None:
    config = write(tmp_path / "falco.yaml", BILLION_LAUGHS + "rules_files: [*i]\nwebserver: {enabled: true, listen_port: *i}\n")
    entry = module.falco_config(str(config))
    assert len(json.dumps(entry)) < 1000
    assert entry["rules_files"] == [{"path": "(list, not a path)", "exists": False}]
    assert entry["webserver"]["port"] is None
