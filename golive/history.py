"""Run history: stored results, what changed between two of them, the last GO."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.model import BLOCKING, Status
from golive.resultfile import load_result
from golive.yamlfile import ConfigError

GO_VERDICTS = ("GO", "GO pending sign-off")


@dataclass
class Stored:
    path: Path
    document: dict[str, Any]


def stored_results(folder: Path) -> tuple[list[Stored], list[str]]:
    """Every valid result in `folder`, oldest first, and one line per file that is not one."""
    found: list[Stored] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            found.append(Stored(path, load_result(path)))
        except ConfigError as exc:
            problems.append(str(exc))
    # Runs sharing an --as-of are ordered by when they were written.
    found.sort(key=lambda stored: (stored.document["as_of"], stored.path.stat().st_mtime_ns))
    return found, problems


def last_go(folder: Path) -> Stored | None:
    return newest_go(stored_results(folder)[0])


def newest_go(results: list[Stored]) -> Stored | None:
    """The newest GO among `results` (oldest first, as stored_results gives them)."""
    gos = [stored for stored in results if stored.document["decision"]["verdict"] in GO_VERDICTS]
    return gos[-1] if gos else None


@dataclass
class Diff:
    status_changes: list[tuple[str, str, str]] = field(default_factory=list)
    newly_failing_hosts: list[tuple[str, str, str]] = field(default_factory=list)
    metric_deltas: list[tuple[str, str, float, float]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.status_changes or self.newly_failing_hosts or self.metric_deltas or self.added or self.removed)

    def to_json(self) -> dict[str, Any]:
        return {
            "status_changes": [{"item": item, "old": old, "new": new} for item, old, new in self.status_changes],
            "newly_failing_hosts": [{"item": item, "host": host, "status": status} for item, host, status in self.newly_failing_hosts],
            "metric_deltas": [{"item": item, "metric": name, "old": old, "new": new} for item, name, old, new in self.metric_deltas],
            "added": self.added,
            "removed": self.removed,
        }

    def lines(self) -> list[str]:
        lines = [f"{item}: {old} -> {new}" for item, old, new in self.status_changes]
        lines += [f"{item} on {host}: newly {status}" for item, host, status in self.newly_failing_hosts]
        lines += [f"{item} {name}: {old:g} -> {new:g} ({new - old:+g})" for item, name, old, new in self.metric_deltas]
        lines += [f"{item}: new item" for item in self.added]
        lines += [f"{item}: no longer judged" for item in self.removed]
        return lines


def diff(old: dict[str, Any], new: dict[str, Any]) -> Diff:
    """Items whose status changed, hosts that newly block, and measured figures that moved."""
    result = Diff()
    before = {item["id"]: item for item in old["items"]}
    after = {item["id"]: item for item in new["items"]}
    result.added = [item_id for item_id in after if item_id not in before]
    result.removed = [item_id for item_id in before if item_id not in after]
    blocking = {status.value for status in BLOCKING}
    for item_id, item in after.items():
        previous = before.get(item_id)
        if previous is None:
            continue
        if previous["status"] != item["status"]:
            result.status_changes.append((item_id, previous["status"], item["status"]))
        old_hosts = previous.get("hosts") or {}
        for host, outcome in sorted((item.get("hosts") or {}).items()):
            was = old_hosts.get(host, {}).get("status", Status.PASS.value)
            if outcome["status"] in blocking and was not in blocking:
                result.newly_failing_hosts.append((item_id, host, outcome["status"]))
        old_metrics = previous.get("metrics") or {}
        for name, value in sorted((item.get("metrics") or {}).items()):
            if name in old_metrics and old_metrics[name] != value:
                result.metric_deltas.append((item_id, name, float(old_metrics[name]), float(value)))
    return result
