"""The evidence formats golive defines: each shipped schema is valid, each example fits its
schema and is read by golive's own parser, and a misfit names the schema path that failed."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from click.testing import CliRunner

from golive.cli import main
from golive.collectors.http import Fetched, reported_version
from golive.formats import FORMATS, problem
from golive.kpi.datasets import explainability
from golive.testevidence.latency import parse_latency
from golive.testevidence.load import parse_load


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_schema_is_valid_and_its_example_fits(name: str) -> None:
    entry = FORMATS[name]
    jsonschema.Draft202012Validator.check_schema(entry.schema())
    assert problem(name, entry.example) is None


def test_examples_are_read_by_golives_own_parsers(tmp_path: Path) -> None:
    def saved(name: str) -> Path:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(FORMATS[name].example))
        return path

    latency = parse_latency(saved("latency-samples"))
    assert latency["series"]["POST /orders"]["count"] == 3
    load = parse_load(saved("load-test"))
    assert load["orders"]["sent"] == 500
    score = explainability(str(saved("explainability")), Path, ZoneInfo("UTC"), 5.0)
    assert score["score_exact"] == "8.5"
    body = json.dumps(FORMATS["api-version"].example).encode()
    assert reported_version(Fetched("https://api/version", status=200, body=body, content_type="application/json"), "version") == (
        "1.4.0",
        None,
    )


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        (
            "load-test",
            lambda doc: doc["orders"].update(sent=-1),
            "orders.sent: -1 is less than the minimum of 0 (schema load-test-v1.schema.json#/properties/orders/properties/sent/minimum)",
        ),
        ("load-test", lambda doc: doc.update(schema="golive/load-test/v2"), "schema: 'golive/load-test/v1' was expected"),
        (
            "latency-samples",
            lambda doc: doc["series"]["POST /orders"].append("fast"),
            "series.POST /orders[3]: 'fast' is not of type 'number'",
        ),
        ("restore-record", lambda doc: doc["files"].update({"a": "not-a-digest"}), "files.a: 'not-a-digest' does not match"),
        (
            "explainability",
            lambda doc: doc.pop("date"),
            "(the document): 'date' is a required property (schema explainability-v1.schema.json#/required)",
        ),
    ],
)
def test_a_misfit_names_the_place_and_the_schema_path(name: str, change: object, expected: str) -> None:
    document = json.loads(json.dumps(FORMATS[name].example))
    change(document)  # type: ignore[operator]
    found = problem(name, document)
    assert found is not None and expected in found, found


def test_formats_command_lists_and_prints_schema_and_example() -> None:
    runner = CliRunner()
    listed = runner.invoke(main, ["formats"])
    assert listed.exit_code == 0
    assert {line.split()[0] for line in listed.output.splitlines()} == set(FORMATS)
    shown = runner.invoke(main, ["formats", "restore-record"])
    assert shown.exit_code == 0
    schema_text = shown.output.split("# Example:")[0].split("):\n", 1)[1]
    assert json.loads(schema_text)["title"] == "golive/restore-record/v1"
    assert json.loads(shown.output.split("# Example:\n")[1])["schema"] == "golive/restore-record/v1"
    unknown = runner.invoke(main, ["formats", "load"])
    assert unknown.exit_code == 2
    assert "did you mean 'load-test'?" in unknown.output


def test_reader_errors_name_the_schema_path_that_failed(tmp_path: Path) -> None:
    from golive.kpi.load import LoadError
    from golive.testevidence import EvidenceFileError

    load = json.loads(json.dumps(FORMATS["load-test"].example))
    load["orders"]["sent"] = "500"
    (tmp_path / "load.json").write_text(json.dumps(load))
    with pytest.raises(EvidenceFileError) as caught:
        parse_load(tmp_path / "load.json")
    assert "orders.sent is '500', not a count" in str(caught.value)
    assert "orders.sent: '500' is not of type 'integer' (schema load-test-v1.schema.json#/properties/orders/properties/sent/type)" in str(
        caught.value
    )
    samples = {"unit": "us", "series": {"GET /": [1.5]}}
    (tmp_path / "samples.json").write_text(json.dumps(samples))
    with pytest.raises(EvidenceFileError, match=r"latency-samples-v1.schema.json#/properties/unit/enum"):
        parse_latency(tmp_path / "samples.json")
    (tmp_path / "score.json").write_text(json.dumps({"score": 8}))
    with pytest.raises(
        LoadError, match=r"; against golive's schema: \(the document\): 'date' is a required property \(schema explainability"
    ):
        explainability(str(tmp_path / "score.json"), Path, ZoneInfo("UTC"), 5.0)
    # A rule beyond the schema (score within out_of) is the reader's alone.
    (tmp_path / "score.json").write_text(json.dumps({"score": 12.5, "date": "2026-11-27"}))
    with pytest.raises(LoadError) as beyond:
        explainability(str(tmp_path / "score.json"), Path, ZoneInfo("UTC"), 5.0)
    assert str(beyond.value).endswith("score 12.5 is not within 0..10")
