"""spec.* items: one per testinfra spec test, judged per host from the `--specs` run."""

from __future__ import annotations

from typing import cast

from golive.checks import JudgeContext, provides_items
from golive.collectors import Evidence
from golive.collectors.specs import SpecsData
from golive.model import Finding, ItemResult, Outcome, Status

SECTION = "Beyond the seed"
FIX = "Read the spec's failure message for the named host, fix the host (or the spec), and run golive again."
_STATUS = {"passed": Status.PASS, "failed": Status.FAIL, "skipped": Status.SKIP}


def _item(item_id: str, title: str, severity: str, outcome: Outcome, hosts: dict[str, Outcome] | None = None) -> ItemResult:
    return ItemResult(
        id=item_id,
        section=SECTION,
        title=title,
        seed_line=False,
        severity=severity,
        outcome=outcome,
        fix=FIX,
        why="A team's own host spec: the release owner asked for it with --specs.",
        hosts=hosts,
        kind="check",
    )


@provides_items("specs", option="specs")
def spec_items(evidence: Evidence, ctx: JudgeContext) -> list[ItemResult]:
    if evidence.error or evidence.missing:
        status = Status.ERROR if evidence.error else Status.INSUFFICIENT
        return [_item("spec.run", "testinfra specs (--specs)", "blocker", Outcome(status, f"specs: {evidence.error or evidence.missing}"))]
    tests: dict[str, list[dict[str, object]]] = {}
    for record in cast("SpecsData", evidence.data)["records"]:
        tests.setdefault(str(record.get("test") or record["nodeid"]), []).append(record)
    items = []
    for name, records in tests.items():
        hosts: dict[str, Outcome] = {}
        for record in records:
            host = str(record.get("host") or "controller")
            # Setup errors (e.g. the host is unreachable) are errors, not spec failures.
            status = (
                Status.ERROR
                if record["when"] != "call" and record["outcome"] == "failed"
                else _STATUS.get(str(record["outcome"]), Status.ERROR)
            )
            message = str(record["message"] or record["outcome"])
            if not record.get("host"):
                status, message = Status.ERROR, f"{record['file']} sets no testinfra_hosts: it ran on the golive machine, not on a host"
            findings = [Finding(f"spec:{name}", status, message, host=host)] if status not in (Status.PASS, Status.SKIP) else []
            previous = hosts.get(host)
            if previous is None or status.rank > previous.unwaived.rank:
                hosts[host] = Outcome(
                    Status.SKIP if status is Status.SKIP else Status.PASS, message if status is not Status.PASS else "passed", findings
                )
        advisory = any(record.get("advisory") for record in records)
        title = str(records[0].get("doc") or name)
        items.append(
            _item(f"spec.{name}", title, "advisory" if advisory else "blocker", Outcome(Status.PASS, f"{len(hosts)} host(s)"), hosts)
        )
    return items
