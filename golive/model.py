"""The result model every check produces and every report renders."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Status(enum.StrEnum):
    """Item statuses; `WORST_FIRST` orders them as DESIGN.md states."""

    FAIL = "fail"
    ERROR = "error"
    INSUFFICIENT = "insufficient"
    PENDING = "pending"
    WARN = "warn"
    WAIVED = "waived"
    SKIP = "skip"
    PASS = "pass"

    @property
    def rank(self) -> int:
        """Higher is worse."""
        return _RANK[self]

    @property
    def blocking(self) -> bool:
        """Whether this status blocks GO on a blocker item."""
        return self in BLOCKING


# The one status order: ranks, `worst` and every report's listing of statuses follow it.
WORST_FIRST = (
    Status.FAIL,
    Status.ERROR,
    Status.INSUFFICIENT,
    Status.PENDING,
    Status.WARN,
    Status.WAIVED,
    Status.SKIP,
    Status.PASS,
)
_RANK = {status: len(WORST_FIRST) - index for index, status in enumerate(WORST_FIRST)}
BLOCKING = frozenset({Status.FAIL, Status.ERROR, Status.INSUFFICIENT, Status.PENDING})


def worst(statuses: list[Status] | tuple[Status, ...], default: Status = Status.PASS) -> Status:
    """The worst of `statuses`, or `default` when there are none."""
    return max(statuses, key=lambda status: status.rank, default=default)


class Verdict(enum.StrEnum):
    GO = "GO"
    GO_PENDING_SIGNOFF = "GO pending sign-off"
    NO_GO = "NO-GO"
    # A --only/--skip run whose selected blockers all passed: never a GO, never signable.
    PARTIAL_PASS = "PARTIAL PASS"

    @property
    def exit_code(self) -> int:
        # Only a full GO lets a deploy script proceed, and `golive check` gives one only where
        # the environment requires no sign-off; otherwise `golive verify` makes the GO.
        return _EXIT_CODES[self]


_EXIT_CODES = {Verdict.GO: 0, Verdict.NO_GO: 1, Verdict.GO_PENDING_SIGNOFF: 3, Verdict.PARTIAL_PASS: 4}


@dataclass
class Finding:
    """One identifiable problem inside an item, addressable by a waiver or a diff."""

    key: str
    status: Status
    detail: str
    host: str | None = None
    waiver: dict[str, Any] | None = None

    @property
    def effective(self) -> Status:
        return Status.WAIVED if self.waiver else self.status

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "status": self.effective.value, "detail": self.detail}
        if self.host:
            data["host"] = self.host
        if self.waiver:
            data["waiver"] = self.waiver
            data["was"] = self.status.value
        return data


@dataclass
class Outcome:
    """What one check concluded, for the whole item or for one host.

    `own` is the status not explained by a finding (e.g. "no evidence"); the
    effective status also takes every finding into account, so waiving a finding
    lowers the status only as far as the rest of the evidence allows.
    """

    own: Status
    summary: str
    findings: list[Finding] = field(default_factory=list)
    detail: str = ""
    waiver: dict[str, Any] | None = None
    # Figures the check measured (a Sharpe ratio, a P99 in ms), so runs can be compared.
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def unwaived(self) -> Status:
        return worst([self.own, *(finding.effective for finding in self.findings)])

    @property
    def status(self) -> Status:
        return Status.WAIVED if self.waiver else self.unwaived

    @classmethod
    def passed(cls, summary: str) -> Outcome:
        return cls(Status.PASS, summary)

    @classmethod
    def from_findings(cls, findings: list[Finding], ok_summary: str) -> Outcome:
        """Pass with `ok_summary` when there is no finding, else summarise the findings."""
        if not findings:
            return cls(Status.PASS, ok_summary)
        return cls(Status.PASS, "; ".join(finding.detail for finding in findings), findings)


@dataclass
class ItemResult:
    """One checklist item, judged."""

    id: str
    section: str
    title: str
    seed_line: bool
    severity: str
    outcome: Outcome
    fix: str
    why: str = ""
    hosts: dict[str, Outcome] | None = None
    evidence: list[str] = field(default_factory=list)
    signoff: bool = False
    kind: str = "check"
    params: dict[str, Any] = field(default_factory=dict)
    # The seed's own line when the parameters changed the title (the Markdown report keeps it).
    seed_title: str | None = None

    @property
    def findings(self) -> list[Finding]:
        host_findings = [finding for outcome in (self.hosts or {}).values() for finding in outcome.findings]
        return [*self.outcome.findings, *host_findings]

    @property
    def unwaived(self) -> Status:
        host_statuses = [outcome.status for outcome in (self.hosts or {}).values()]
        return worst([self.outcome.unwaived, *host_statuses])

    @property
    def status(self) -> Status:
        return Status.WAIVED if self.outcome.waiver else self.unwaived

    @property
    def blocks(self) -> bool:
        return self.severity == "blocker" and self.status.blocking

    @property
    def summary(self) -> str:
        if self.hosts and self.outcome.own is Status.PASS and not self.outcome.findings:
            bad = [f"{name}: {outcome.summary}" for name, outcome in self.hosts.items() if outcome.status is not Status.PASS]
            if bad:
                return "; ".join(bad)
        return self.outcome.summary
