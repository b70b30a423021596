"""Evidence sources. Each module gathers one kind of evidence; checks judge it later.

A collector never decides pass or fail. It returns `Evidence`: the raw facts, the
evidence files it wrote, and why it could not gather them when it could not.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from golive.secrets import mask_text, mask_value

if TYPE_CHECKING:
    from golive.config import Config


@dataclass
class Evidence:
    """What one collector gathered. `error` means it could not run; `missing` means
    there was nothing to gather (not configured, not finished); either way no item
    that depends on it can pass."""

    source: str
    data: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    error: str | None = None
    missing: str | None = None
    seconds: float = 0.0
    # Files written for one request (by its key, an item id): they are that item's evidence
    # alone; every other file of the source is evidence of each item on it.
    keyed_files: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Why a source failed often quotes its URL or command line: masked before anyone sees it.
        self.error = mask_text(self.error) if self.error else self.error
        self.missing = mask_text(self.missing) if self.missing else self.missing

    @classmethod
    def unavailable(cls, source: str, reason: str) -> Evidence:
        return cls(source, missing=reason)


@dataclass(frozen=True)
class Request:
    """What one checklist item needs from one source, as its check declares it.

    `what` names the kind of evidence (a host fact group, a probe, a file); `args` are its
    parameters; `hosts` is the host pattern for sources that visit hosts; `key` is where the
    collector files the answer (opaque to it: an item id or a path). Collectors act on the
    requests they are given and never read the checklist, so demand flows forward only.
    """

    source: str
    what: str
    args: dict[str, Any] = field(default_factory=dict)
    hosts: str | None = None
    key: str = ""


@dataclass(frozen=True)
class CollectOptions:
    """What `golive check`'s flags ask of the collectors (and of the checks judging their evidence)."""

    # --out, resolved: the git collector does not count the run's own output as a dirty tree.
    out_dir: Path | None = None
    # --restore-test: restore a canary path from the latest backup now.
    restore_test: bool = False
    # --insecure-host-keys: do not check SSH host keys (throwaway fleets only).
    insecure_host_keys: bool = False
    # --specs: a folder of testinfra spec files to run on the inventory's hosts.
    specs: Path | None = None


class CollectorTimeout(Exception):
    pass


class CollectContext:
    """What a collector may use: the config, the time of judgement, a place for
    evidence files, and subprocesses that die with the collector when it times out."""

    def __init__(
        self,
        config: Config,
        as_of: dt.datetime,
        evidence_dir: Path,
        source: str,
        options: CollectOptions | None = None,
        requests: list[Request] | None = None,
    ) -> None:
        self.config = config
        self.as_of = as_of
        self.evidence_dir = evidence_dir
        self.source = source
        self.settings: dict[str, Any] = config.sources.get(source, {})
        # None means no flags given (as does the empty dict callers passed before options were typed).
        self.options = options or CollectOptions()
        # What the judged items need from this source (golive.scheduling.gather_requests).
        self.requests: list[Request] = list(requests or [])
        # Evidence of the collectors that ran before this one (for those that run last).
        self.evidence: dict[str, Evidence] = {}
        self._processes: set[subprocess.Popen[str]] = set()
        self._lock = threading.Lock()
        self.cancelled = threading.Event()
        # Collectors that run children their own way (ansible-runner) stop on this too.
        CHILD_GROUPS.cancel_on_close(self.cancelled)

    def run(
        self, argv: list[str], cwd: Path | None = None, timeout: float = 60.0, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `argv` in its own process group so a timeout can kill everything it started."""
        if self.cancelled.is_set():
            raise CollectorTimeout(f"{self.source}: collector cancelled")
        process = CHILD_GROUPS.start(
            lambda: subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        )
        with self._lock:
            self._processes.add(process)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.communicate()
            raise CollectorTimeout(f"{' '.join(argv[:3])} did not finish within {timeout:g} s") from None
        finally:
            with self._lock:
                self._processes.discard(process)
            CHILD_GROUPS.discard(process.pid)
        if self.cancelled.is_set() or CHILD_GROUPS.closed.is_set():
            raise CollectorTimeout(f"{self.source}: collector cancelled")
        return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)

    def kill_children(self) -> None:
        self.cancelled.set()
        with self._lock:
            processes = list(self._processes)
        for process in processes:
            _kill_group(process)

    def write_evidence(self, name: str, data: Any) -> str:
        """Store `data` as evidence/<source>/<name>.json; returns the path relative to the output.

        Secrets are masked first (golive.secrets.mask_value): collectors drop secrets at the
        source, and this is the last line before evidence reaches reports and archives.
        """
        if CHILD_GROUPS.closed.is_set():
            # golive is being interrupted: its staging folder is going away, write nothing.
            raise CollectorTimeout(f"{self.source}: collector cancelled")
        folder = self.evidence_dir / self.source
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}.json"
        target.write_text(json.dumps(mask_value(data), indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
        return str(target.relative_to(self.evidence_dir.parent))


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


class ChildGroups:
    """The process groups of every child golive started and has not yet reaped, across all
    collectors: on Ctrl-C or SIGTERM golive.guard ends them all, so no `run:` command
    outlives golive. Once closed it refuses to start anything new."""

    def __init__(self) -> None:
        # Reentrant: the interrupt handler runs on the main thread, possibly inside `start`.
        self._lock = threading.RLock()
        self._groups: set[int] = set()
        self.closed = threading.Event()
        # Every group `terminate_all` signalled, for the one line golive prints on Ctrl-C.
        self.ended: set[int] = set()
        self._cancel_events: weakref.WeakSet[threading.Event] = weakref.WeakSet()

    def cancel_on_close(self, event: threading.Event) -> None:
        """Set `event` when the registry closes (at once if it already has)."""
        with self._lock:
            self._cancel_events.add(event)
            if self.closed.is_set():
                event.set()

    def start(self, spawn: Callable[[], subprocess.Popen[str]]) -> subprocess.Popen[str]:
        """Run `spawn` (a Popen with start_new_session) and record its group, atomically with
        `terminate_all`, so no child starts unseen between the two."""
        with self._lock:
            if self.closed.is_set():
                raise CollectorTimeout("golive is shutting down; nothing new is started")
            process = spawn()
            self._groups.add(process.pid)
        return process

    def discard(self, group: int) -> None:
        with self._lock:
            self._groups.discard(group)

    def terminate_all(self, grace: float = 2.0) -> list[int]:
        """Close, send SIGTERM to every recorded group, SIGKILL whatever is left after
        `grace` seconds; returns the groups signalled this time."""
        with self._lock:
            self.closed.set()
            groups = sorted(self._groups)
            self.ended.update(groups)
            for event in list(self._cancel_events):
                event.set()
        remaining = [group for group in groups if _signal_group(group, signal.SIGTERM)]
        deadline = time.monotonic() + grace
        while remaining and time.monotonic() < deadline:
            time.sleep(0.05)
            remaining = [group for group in remaining if _signal_group(group, 0)]
        for group in remaining:
            _signal_group(group, signal.SIGKILL)
        return groups


def _signal_group(group: int, signum: int) -> bool:
    """Send `signum` (0 probes) to process group `group`; False once the group is gone."""
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        return False
    except PermissionError:
        # Not ours any more (the id was reused): nothing of golive's is left in it.
        return False
    return True


CHILD_GROUPS = ChildGroups()


class Collector:
    """Base of every collector: a source name, the settings keys it accepts, `collect`."""

    source: ClassVar[str]
    settings_keys: ClassVar[set[str]] = set()
    default_timeout: ClassVar[float] = 120.0
    # Collectors run in phases: 0 all at once; 1 after them (they read others' evidence,
    # or measure what the first phase's tests and load put on the service); 2 the
    # evidence archive, which must see every file the others wrote.
    phase: ClassVar[int] = 0

    def collect(self, ctx: CollectContext) -> Evidence:
        raise NotImplementedError


REGISTRY: dict[str, type[Collector]] = {}


def refuse_duplicate(kind: str, name: str, existing: Any, new: Any) -> None:
    """Registries refuse a second definition under one name (a module re-imported is the same one)."""
    if existing is None:
        return
    if (existing.__module__, existing.__qualname__) != (new.__module__, new.__qualname__):
        raise ValueError(
            f"duplicate {kind} '{name}': {existing.__module__}.{existing.__qualname__} and {new.__module__}.{new.__qualname__}"
        )


def register(cls: type[Collector]) -> type[Collector]:
    refuse_duplicate("collector", cls.source, REGISTRY.get(cls.source), cls)
    REGISTRY[cls.source] = cls
    return cls


def registered() -> dict[str, type[Collector]]:
    """Every collector; each module of this package registers its own on import."""
    import_all(__name__, __path__)
    return REGISTRY


def import_all(package: str, path: list[str]) -> None:
    """Import every module of `package`, so adding a module is all it takes to register."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(path):
        importlib.import_module(f"{package}.{module.name}")


def settings_keys() -> dict[str, set[str]]:
    return {name: cls.settings_keys for name, cls in registered().items()}
