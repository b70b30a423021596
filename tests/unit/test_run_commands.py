"""`run:` commands are argument lists (or strings split like them), never shell lines: a shell
operator is refused with the hint to write `sh -c`, before anything runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from golive.collectors import CollectContext, settings_keys
from golive.config import load_config
from golive.scheduling import collect_context
from golive.testevidence.artifacts import SettingsError, commands
from tests.conftest import write

AS_OF = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)


def context(tmp_path: Path, run: str) -> CollectContext:
    path = write(
        tmp_path / "golive.yml", f"release: {{repo: .}}\nsources:\n  junit:\n    unit: reports/unit.xml\n    run: {{unit: {run}}}\n"
    )
    config = load_config(path, None, settings_keys())
    return collect_context(config, AS_OF, tmp_path / "out" / "evidence", "junit")


@pytest.mark.parametrize(
    ("run", "operator"),
    [
        ("'make && pytest'", "&&"),
        ("'pytest | tee log'", "|"),
        ("'pytest > out.txt'", ">"),
        ("'pytest; true'", None),
        ("[pytest, '&&', make]", "&&"),
        ("'pytest 2>&1'", "2>&1"),
    ],
)
def test_shell_operators_are_refused_with_the_sh_c_hint(tmp_path: Path, run: str, operator: str | None) -> None:
    ctx = context(tmp_path, run)
    if operator is None:
        # `pytest;` is one word to shlex: an argument, not an operator; it runs as written.
        assert commands(ctx, {"unit"})["unit"] == ["pytest;", "true"]
        return
    with pytest.raises(SettingsError) as caught:
        commands(ctx, {"unit"})
    assert str(caught.value) == (
        f"sources.junit.run.unit: {operator!r} is a shell operator, but run: is not a shell "
        "(a list of arguments, or a string split like one); for a shell write [sh, -c, '...']"
    )


def test_a_shell_through_sh_c_and_quoted_arguments_pass(tmp_path: Path) -> None:
    assert commands(context(tmp_path, "[sh, -c, 'make && pytest > out.txt']"), {"unit"})["unit"] == ["sh", "-c", "make && pytest > out.txt"]
    assert commands(context(tmp_path, "'python -c \"print(1 > 0)\"'"), {"unit"})["unit"] == ["python", "-c", "print(1 > 0)"]


def test_an_unsplittable_string_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(
        SettingsError, match=r"^sources.junit.run.unit: cannot split 'pytest \"unclosed' into arguments: No closing quotation$"
    ):
        commands(context(tmp_path, "'pytest \"unclosed'"), {"unit"})
