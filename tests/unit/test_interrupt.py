"""Ctrl-C and SIGTERM: exit 130 (not 1, which reads as NO-GO), every child process group
golive started gone, and nothing half-written under --out."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive import collectors
from golive.collectors import ChildGroups, CollectorTimeout
from golive.guard import EXIT_INTERRUPTED, _interrupts_handled, interrupts_deferred
from tests.conftest import write

AS_OF = "2026-11-29T12:00:00Z"
# A `run:` command whose shell waits on a background sleep: both share the group golive made.
SLEEPER = "[sh, -c, 'sleep 300 & echo $! > sleep.pid; wait']"


def _wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def _reaped(groups: list[int]) -> Iterator[None]:
    """Whatever the test finds, no sleep outlives it."""
    try:
        yield
    finally:
        for group in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_kills_the_run_command_and_publishes_nothing(release_repo: Path, signum: int) -> None:
    write(
        release_repo / "golive.yml",
        f"release: {{repo: .}}\nsources:\n  junit:\n    unit: reports/unit.xml\n    run: {{unit: {SLEEPER}}}\n",
    )
    out = release_repo / "golive-out"
    env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1"}
    golive = subprocess.Popen(
        [sys.executable, "-m", "golive", "check", "--as-of", AS_OF, "--out", str(out)],
        cwd=release_repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pid_file = release_repo / "sleep.pid"
    groups: list[int] = []
    with _reaped(groups):
        try:
            assert _wait_for(lambda: pid_file.exists() and pid_file.read_text().strip(), 90), "the run: command never started"
            sleeper = int(pid_file.read_text())
            group = os.getpgid(sleeper)
            groups.append(group)
            assert group != os.getpgid(golive.pid)  # its own group, as CollectContext.run makes it
            golive.send_signal(signum)
            _, stderr = golive.communicate(timeout=30)
        finally:
            if golive.poll() is None:
                golive.kill()
                golive.communicate()
        assert golive.returncode == EXIT_INTERRUPTED, stderr
        assert "Traceback" not in stderr
        assert re.search(r"^golive: interrupted; stopped [1-9][0-9]* child process group\(s\)$", stderr, re.MULTILINE), stderr
        # Killed by golive, then reaped by init once golive exited.
        assert _wait_for(lambda: not _group_alive(group), 10), f"process group {group} of the run: command survived"
    left = sorted(path.name for path in out.iterdir()) if out.exists() else []
    assert left == [], left  # no report, no evidence, no .golive-run-* staging folder


def test_terminate_all_kills_a_group_that_ignores_sigterm_after_the_grace() -> None:
    groups = ChildGroups()
    stubborn = groups.start(
        lambda: subprocess.Popen(
            ["sh", "-c", "trap '' TERM; sleep 300 & wait; wait"], start_new_session=True, text=True, stdout=subprocess.DEVNULL
        )
    )
    with _reaped([stubborn.pid]):
        time.sleep(0.3)  # let the shell set its trap
        started = time.monotonic()
        assert groups.terminate_all(grace=0.5) == [stubborn.pid]
        assert time.monotonic() - started >= 0.5
        stubborn.wait(timeout=10)
        assert stubborn.returncode == -signal.SIGKILL
        assert _wait_for(lambda: not _group_alive(stubborn.pid), 10)


def test_closed_registry_starts_nothing() -> None:
    groups = ChildGroups()
    groups.terminate_all()
    started: list[str] = []

    def spawn() -> subprocess.Popen[str]:
        started.append("spawned")
        raise AssertionError("must not be called")

    with pytest.raises(CollectorTimeout, match="shutting down"):
        groups.start(spawn)
    assert started == []


def test_an_interrupt_while_publishing_waits_until_the_step_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    # A registry of its own: the interrupt closes it, and the session's must stay open.
    monkeypatch.setattr(collectors, "CHILD_GROUPS", ChildGroups())
    finished: list[str] = []
    with _interrupts_handled(), pytest.raises(KeyboardInterrupt), interrupts_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.1)  # the handler runs here, and holds the interrupt back
        finished.append("published")
    assert finished == ["published"]


def test_closing_the_registry_cancels_every_collector_context() -> None:
    groups = ChildGroups()
    running, later = threading.Event(), threading.Event()
    groups.cancel_on_close(running)
    groups.terminate_all()
    assert running.is_set()
    groups.cancel_on_close(later)  # a collector that starts after the interrupt
    assert later.is_set()
