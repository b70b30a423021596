"""The last line of defence of the command line: no input may end in a traceback.

A traceback exits 1, which a deploy script reads as NO-GO: a wrong answer, not an
error. `GuardedGroup` turns any exception a command did not expect into one stderr
line and exit 2 (usage or configuration; nothing judged), and Ctrl-C or SIGTERM into
exit 130 after every child process group golive started is gone. Click's own usage
errors and every `sys.exit` code pass through untouched. GOLIVE_DEBUG=1 prints the
traceback instead of the one line (the exit code stays 2).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from types import FrameType
from typing import Any, NoReturn

import click

EXIT_USAGE = 2
# 128 + SIGINT, what shells report for an interrupted command (DESIGN's exit codes).
EXIT_INTERRUPTED = 130
DEBUG_VARIABLE = "GOLIVE_DEBUG"


class GuardedGroup(click.Group):
    """A click group whose commands never end in a traceback or in exit 1 by accident."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with _interrupts_handled():
            try:
                return super().main(*args, **kwargs)
            except KeyboardInterrupt:
                # Only outside standalone mode does click let an interrupt through.
                interrupted()
            except Exception as exc:
                # Raised while click built the context (a parameter callback, say).
                if _passes_through(exc):
                    raise
                crashed(exc)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            # Click would print "Aborted!" and exit 1, which reads as NO-GO.
            interrupted()

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            interrupted()
        except Exception as exc:
            if _passes_through(exc):
                raise
            crashed(exc)


def _passes_through(exc: Exception) -> bool:
    """Click reports its own errors and aborts; a closed pipe (`golive list | head`) is not an error."""
    if isinstance(exc, (click.ClickException, click.exceptions.Exit, click.Abort)):
        return True
    return isinstance(exc, OSError) and exc.errno == errno.EPIPE


def crashed(exc: BaseException) -> NoReturn:
    """One line naming the exception (or, with GOLIVE_DEBUG=1, the traceback), exit 2."""
    from golive.yamlfile import ConfigError

    if os.environ.get(DEBUG_VARIABLE) == "1":
        traceback.print_exception(exc, file=sys.stderr)
    else:
        from golive.secrets import mask_text

        message = mask_text(" ".join(str(exc).split()))
        # A ConfigError already reads as the one line golive prints for bad input.
        text = message if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        _say(f"golive: error: {text}")
    sys.exit(EXIT_USAGE)


def interrupted() -> NoReturn:
    """Every child process group ended, one line, exit 130."""
    from golive.collectors import CHILD_GROUPS

    CHILD_GROUPS.terminate_all()
    stopped = len(CHILD_GROUPS.ended)
    children = f"; stopped {stopped} child process group(s)" if stopped else ""
    _say(f"golive: interrupted{children}")
    sys.exit(EXIT_INTERRUPTED)


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        click.echo(line, err=True)


class _InterruptState:
    """Whether an interrupt is being handled, and one held back while a step must finish."""

    def __init__(self) -> None:
        self.handling = False
        self.deferring = 0
        self.pending = False


_STATE = _InterruptState()


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    if _STATE.handling:
        # A second Ctrl-C must not cut the cleanup of the first short.
        return
    if _STATE.deferring:
        _STATE.pending = True
        return
    _STATE.handling = True
    from golive.collectors import CHILD_GROUPS

    # Before the KeyboardInterrupt unwinds the command: its `finally` blocks remove the
    # staging folder, and no child may still be writing into it by then.
    CHILD_GROUPS.terminate_all()
    raise KeyboardInterrupt


@contextlib.contextmanager
def _interrupts_handled() -> Iterator[None]:
    """SIGINT and SIGTERM end golive the same way, children first (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        signal.signal(signum, _on_interrupt)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _STATE.handling = False
        _STATE.pending = False


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold an interrupt back until the block is done, for steps that must not stop half
    way (moving a finished run into --out); the interrupt is raised right after."""
    _STATE.deferring += 1
    try:
        yield
    finally:
        _STATE.deferring -= 1
        if not _STATE.deferring and _STATE.pending:
            _STATE.pending = False
            _on_interrupt(signal.SIGINT, None)
