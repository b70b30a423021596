"""Hold a golive result to an exact expectation: the verifier of a Molecule drift scenario.

    python -m golive.molecule RESULT.json EXPECTED.yml

EXPECTED.yml names the verdict and, per failing item, each host that must fail and the
finding key golive must name there::

    verdict: NO-GO
    fail:
      infra.systemd_services: {app2: "unit:lunia_bot"}
      security.waf_ids: {app1: "modsecurity:engine"}

The result matches when the verdict is that one, the blocking items are exactly the
listed ones, each listed item fails on exactly the listed hosts naming the listed keys
(its other hosts pass), and every other judged item passed. So the scenario fails both
when golive stops naming a break and when it blames something that was not broken.
Exit codes: 0 matched, 1 did not match (each difference printed), 2 unreadable input.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.yamlfile import ConfigError, load


class ExpectationError(ValueError):
    """The expectation or the result cannot be read; the message names the file."""


@dataclass(frozen=True)
class Expectation:
    verdict: str
    # item id -> host -> finding keys that must be named for that host
    fail: dict[str, dict[str, tuple[str, ...]]]


def load_expectation(path: Path) -> Expectation:
    try:
        data = load(path, "expectation").data
    except ConfigError as exc:
        raise ExpectationError(str(exc)) from None
    if not isinstance(data, dict) or set(data) - {"verdict", "fail"} or not isinstance(data.get("verdict"), str):
        raise ExpectationError(f"{path}: a mapping with 'verdict' (text) and optional 'fail' (item -> host -> finding key)")
    fail: dict[str, dict[str, tuple[str, ...]]] = {}
    for item_id, hosts in (data.get("fail") or {}).items():
        if not isinstance(hosts, dict) or not hosts:
            raise ExpectationError(f"{path}: fail.{item_id}: map each failing host to the finding key(s) golive must name")
        fail[str(item_id)] = {}
        for host, keys in hosts.items():
            listed = [keys] if isinstance(keys, str) else keys
            if not isinstance(listed, list) or not listed or not all(isinstance(key, str) and key for key in listed):
                raise ExpectationError(f"{path}: fail.{item_id}.{host}: a finding key or a list of them")
            fail[str(item_id)][str(host)] = tuple(listed)
    return Expectation(verdict=data["verdict"], fail=fail)


def load_result(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ExpectationError(f"{path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list) or not isinstance(data.get("decision"), dict):
        raise ExpectationError(f"{path}: not a golive result (no items or decision)")
    return data


def differences(result: dict[str, Any], expected: Expectation) -> list[str]:
    """Every way the result departs from the expectation; empty when it matches."""
    problems: list[str] = []
    verdict = result["decision"].get("verdict")
    if verdict != expected.verdict:
        problems.append(f"verdict {verdict}, expected {expected.verdict}")
    blocking = set(result["decision"].get("blocking") or [])
    if blocking != set(expected.fail):
        missing, extra = sorted(set(expected.fail) - blocking), sorted(blocking - set(expected.fail))
        problems.append(f"blocking items differ: not blocking {missing}, unexpectedly blocking {extra}")
    judged = {item["id"]: item for item in result["items"] if item.get("kind") != "decision"}
    for item_id in sorted(set(expected.fail) - set(judged)):
        problems.append(f"{item_id}: expected to fail but not judged (disabled or unknown)")
    for item_id, item in judged.items():
        problems.extend(_item_differences(item, expected.fail.get(item_id, {})))
    return problems


def _item_differences(item: dict[str, Any], failing: dict[str, tuple[str, ...]]) -> list[str]:
    item_id, status = item["id"], item.get("status")
    wanted = "fail" if failing else "pass"
    if status != wanted:
        return [f"{item_id}: {status}, expected {wanted}: {item.get('summary', '')}"]
    problems: list[str] = []
    hosts: dict[str, Any] = item.get("hosts") or {}
    if failing and not hosts:
        problems.append(f"{item_id}: no per-host outcomes, expected a fail on {sorted(failing)}")
    for host, outcome in sorted(hosts.items()):
        host_wanted = "fail" if host in failing else "pass"
        if outcome.get("status") != host_wanted:
            problems.append(f"{item_id} on {host}: {outcome.get('status')}, expected {host_wanted}: {outcome.get('summary', '')}")
    for host in sorted(set(failing) - set(hosts)):
        problems.append(f"{item_id}: host {host} not judged, expected a fail there")
    for host, keys in sorted(failing.items()):
        named = {finding.get("key") for finding in item.get("findings") or [] if finding.get("host") == host}
        for key in keys:
            if key not in named:
                problems.append(f"{item_id} on {host}: finding {key} not named (named: {sorted(k for k in named if k)})")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m golive.molecule RESULT.json EXPECTED.yml", file=sys.stderr)
        return 2
    try:
        result, expected = load_result(Path(args[0])), load_expectation(Path(args[1]))
    except ExpectationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problems = differences(result, expected)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    named = "; ".join(f"{item} on {', '.join(sorted(hosts))}" for item, hosts in sorted(expected.fail.items()))
    print(f"as expected: {expected.verdict}" + (f", failing exactly {named}" if named else ", every judged item passed"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
