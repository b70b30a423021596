"""pytest plugin loaded into the `--specs` run: one JSON record per spec test and host.

Loaded with `-p golive.specs_plugin`; writes to the file named by GOLIVE_SPECS_REPORT.
A spec marks itself non-blocking with `@pytest.mark.advisory`; every other spec test
is a blocker.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from golive.secrets import mask_text

_RECORDS: list[dict[str, Any]] = []
_MARKERS: dict[str, dict[str, Any]] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "advisory: a golive spec whose failure does not block GO")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        function = getattr(item, "function", None)
        doc = (getattr(function, "__doc__", None) or "").strip().splitlines()
        test, host = getattr(item, "originalname", item.name), None
        callspec = getattr(item, "callspec", None)
        if callspec is not None:
            target = callspec.params.get("_testinfra_host")
            host_id = target.backend.get_pytest_id() if target is not None else ""
            host = host_id.split("://", 1)[-1] if host_id and host_id != "local" else None
            rest = callspec.id.replace(host_id, "", 1).strip("-") if host_id else callspec.id
            test = f"{test}[{rest}]" if rest else test
        _MARKERS[item.nodeid] = {
            "advisory": item.get_closest_marker("advisory") is not None,
            "doc": doc[0] if doc else "",
            "test": test,
            "host": host,
        }


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or report.outcome != "passed":
        message = ""
        if report.outcome != "passed":
            message = report.longreprtext.strip().splitlines()[-1] if report.longreprtext.strip() else report.outcome
            if isinstance(report.longrepr, tuple):
                message = str(report.longrepr[2])
        _RECORDS.append(
            {
                "nodeid": report.nodeid,
                "file": report.nodeid.split("::", 1)[0],
                "when": report.when,
                "outcome": report.outcome,
                "message": mask_text(message)[:500],
                "seconds": round(report.duration, 3),
            }
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get("GOLIVE_SPECS_REPORT")
    if target:
        for record in _RECORDS:
            record.update(_MARKERS.get(record["nodeid"], {}))
        with open(target, "w", encoding="utf-8") as handle:
            json.dump({"exitstatus": int(exitstatus), "records": _RECORDS}, handle)
