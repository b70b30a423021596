"""Checks: pure functions from evidence to an outcome, one module per checklist section.

A check receives its item (with effective parameters), the evidence of the item's
source and a `JudgeContext`; it returns an `Outcome` for the item, or one `Outcome`
per host for host items. Checks never gather evidence themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from golive.collectors import CollectOptions
from golive.model import ItemResult, Outcome

if TYPE_CHECKING:
    from golive.checklist import ItemSpec
    from golive.collectors import Evidence, Request
    from golive.config import Config


@dataclass
class JudgeContext:
    config: Config
    as_of: dt.datetime
    evidence: dict[str, Evidence] = field(default_factory=dict)
    options: CollectOptions = field(default_factory=CollectOptions)


Judgement = Outcome | dict[str, Outcome]
CheckFn = Callable[["ItemSpec", "Evidence", JudgeContext], Judgement]
# What an item needs from its sources, declared next to the check that judges it.
RequestsFn = Callable[["ItemSpec"], "list[Request]"]


@dataclass
class CheckDef:
    name: str
    fn: CheckFn
    # Sources read besides the item's own (e.g. host versions for the version tag).
    also_uses: tuple[str, ...] = ()
    # False for checks judged from the run itself (sign-off awaits this result's digest).
    needs_evidence: bool = True
    requests: RequestsFn | None = None


REGISTRY: dict[str, CheckDef] = {}


@dataclass
class ItemProvider:
    """Items that exist only when a run option asks for them (e.g. `--specs` gives spec.* items).

    `fn` must return at least one item even when its evidence is missing or in error, so
    that asking for the items and getting none can never look like a pass.
    """

    source: str
    # The CollectOptions field that asks for the items (the source is collected when it is set).
    option: str
    fn: Callable[[Evidence, JudgeContext], list[ItemResult]]


PROVIDERS: dict[str, ItemProvider] = {}


def provides_items(
    source: str, option: str
) -> Callable[[Callable[[Evidence, JudgeContext], list[ItemResult]]], Callable[[Evidence, JudgeContext], list[ItemResult]]]:
    def register(fn: Callable[[Evidence, JudgeContext], list[ItemResult]]) -> Callable[[Evidence, JudgeContext], list[ItemResult]]:
        from golive.collectors import refuse_duplicate

        if option not in {known.name for known in fields(CollectOptions)}:
            raise ValueError(f"item provider '{source}': option '{option}' is not a CollectOptions field")
        if source in PROVIDERS:
            refuse_duplicate("item provider", source, PROVIDERS[source].fn, fn)
        PROVIDERS[source] = ItemProvider(source, option, fn)
        return fn

    return register


def check(
    *names: str, also_uses: tuple[str, ...] = (), needs_evidence: bool = True, requests: RequestsFn | None = None
) -> Callable[[CheckFn], CheckFn]:
    """Register `fn` as the check for each item id (or reusable check name) in `names`;
    `requests` says what each such item needs its collectors to gather."""

    def register(fn: CheckFn) -> CheckFn:
        from golive.collectors import refuse_duplicate

        for name in names:
            if name in REGISTRY:
                refuse_duplicate("check", name, REGISTRY[name].fn, fn)
            REGISTRY[name] = CheckDef(name, fn, also_uses, needs_evidence, requests)
        return fn

    return register


def registered() -> dict[str, CheckDef]:
    """Every check; each module of this package registers its own on import."""
    from golive.collectors import import_all

    import_all(__name__, __path__)
    return REGISTRY
