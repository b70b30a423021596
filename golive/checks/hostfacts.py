"""Shared by the host checks: one outcome per host of the item's pattern, from the host pass.

A host whose collection failed (unreachable, authentication, timeout, no python3) is
`error` with that reason; a fact group that could not be gathered on a host is `error`
for that host; the other hosts are still judged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from golive.checklist import ItemSpec
from golive.collectors import Evidence
from golive.model import Outcome, Status

HostJudge = Callable[[str, dict[str, Any]], Outcome]


def per_host(item: ItemSpec, evidence: Evidence, group: str, judge: HostJudge) -> dict[str, Outcome]:
    """`judge(host, facts[group])` for every host matching the item's pattern."""
    pattern = item.hosts or "all"
    hosts = evidence.data.get("patterns", {}).get(pattern, [])
    collected = evidence.data.get("hosts", {})
    outcomes: dict[str, Outcome] = {}
    for host in hosts:
        facts = collected.get(host)
        if not isinstance(facts, dict):
            outcomes[host] = Outcome(Status.ERROR, "the host pass returned nothing for this host")
        elif "error" in facts:
            outcomes[host] = Outcome(Status.ERROR, str(facts["error"]))
        elif not isinstance(facts.get(group), dict):
            outcomes[host] = Outcome(Status.ERROR, f"fact group '{group}' was not collected on this host")
        elif facts[group].get("error"):
            outcomes[host] = Outcome(Status.ERROR, f"{group} facts unreadable: {facts[group]['error']}")
        else:
            outcomes[host] = judge(host, facts[group])
    return outcomes
