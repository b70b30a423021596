"""Shared by the host checks: what an item asks of the host pass, and one outcome per host.

A host check declares its item's demand with `requests=` (`on_item_hosts` for the usual
one fact group on the item's own pattern); the group names are the keys of the host
module's GROUPS (roles/golive_collect/library/golive_collect.py), which a contract test
holds them to. A host whose collection failed (unreachable, authentication, timeout,
no python3) is `error` with that reason; a fact group that could not be gathered on a
host is `error` for that host; the other hosts are still judged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from golive.checklist import ItemSpec
from golive.collectors import Evidence, Request
from golive.collectors.hosts import MATCH_ONLY, SOURCE, HostsData
from golive.model import Outcome, Status

HostJudge = Callable[[str, dict[str, Any]], Outcome]


def item_hosts(item: ItemSpec) -> str:
    """The item's host pattern."""
    return item.hosts or "all"


def fact_request(pattern: str, group: str, args: dict[str, Any]) -> Request:
    """Gather fact group `group` with `args` on the hosts matching `pattern`."""
    return Request(SOURCE, group, args, hosts=pattern)


def match_request(pattern: str) -> Request:
    """Only which hosts match `pattern`: no fact is gathered for it."""
    return Request(SOURCE, MATCH_ONLY, hosts=pattern)


def on_item_hosts(item: ItemSpec, group: str, args: dict[str, Any]) -> list[Request]:
    """The usual demand: one fact group on the hosts of the item's own pattern."""
    return [fact_request(item_hosts(item), group, args)]


def hosts_data(evidence: Evidence) -> HostsData:
    return cast("HostsData", evidence.data)


def group_facts(evidence: Evidence, host: str, group: str) -> dict[str, Any] | Outcome:
    """Fact group `group` of `host`, or the error outcome of a host or group that was not read."""
    facts = hosts_data(evidence).get("hosts", {}).get(host)
    if not isinstance(facts, dict):
        return Outcome(Status.ERROR, "the host pass returned nothing for this host")
    if "error" in facts:
        return Outcome(Status.ERROR, str(facts["error"]))
    found = facts.get(group)
    if not isinstance(found, dict):
        return Outcome(Status.ERROR, f"fact group '{group}' was not collected on this host")
    if found.get("error"):
        return Outcome(Status.ERROR, f"{group} facts unreadable: {found['error']}")
    return found


def pattern_hosts(evidence: Evidence, pattern: str) -> list[str]:
    """The hosts `pattern` matched in the inventory (none when it was not resolved)."""
    return hosts_data(evidence).get("patterns", {}).get(pattern, [])


def per_host(item: ItemSpec, evidence: Evidence, group: str, judge: HostJudge) -> dict[str, Outcome]:
    """`judge(host, facts[group])` for every host matching the item's pattern."""
    outcomes: dict[str, Outcome] = {}
    for host in pattern_hosts(evidence, item_hosts(item)):
        facts = group_facts(evidence, host, group)
        outcomes[host] = facts if isinstance(facts, Outcome) else judge(host, facts)
    return outcomes
