"""A fault: an apply and an undo shell script run on one sandbox host over ssh, and the
shell snippets faults are written with (originals kept under BACKUP_DIR on the host)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from types import TracebackType

from golive.sandbox.fleet import Fleet

BACKUP_DIR = "/run/golive-faults"


class FaultError(RuntimeError):
    """A fault could not be applied or undone."""


@dataclass(eq=False)
class Fault:
    fleet: Fleet
    host: str
    description: str
    apply_script: str
    undo_script: str

    def _run(self, script: str, action: str) -> None:
        result = self.fleet.ssh(self.host, f"set -eu\n{script}", timeout=60)
        if result.returncode != 0:
            raise FaultError(f"{action} {self.description!r} on {self.host}: {result.stderr.strip() or result.stdout.strip()}")

    def apply(self) -> Fault:
        self._run(self.apply_script, "apply")
        return self

    def undo(self) -> None:
        self._run(self.undo_script, "undo")

    def __enter__(self) -> Fault:
        return self.apply()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.undo()


def quote(value: str) -> str:
    return shlex.quote(value)


def backup(path: str) -> str:
    # Refuses a second fault on the same file: its backup would hold the broken copy.
    saved = f"{BACKUP_DIR}/{quote(path.rstrip('/').rsplit('/', 1)[-1])}"
    return (
        f"if [ -e {saved} ]; then echo 'already broken (undo the earlier fault first)' >&2; exit 1; fi\n"
        f"mkdir -p {BACKUP_DIR}\ncp -a {quote(path)} {BACKUP_DIR}/\n"
    )


def restore(path: str) -> str:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return f"rm -rf {quote(path)}\ncp -a {BACKUP_DIR}/{quote(name)} {quote(path)}\nrm -rf {BACKUP_DIR}/{quote(name)}\n"


def restart_units(units: str) -> str:
    # reset-failed first: repeated faults would otherwise hit systemd's start rate limit.
    return f"systemctl reset-failed {units}\nsystemctl restart {units}\n"


def wait_for(condition: str, what: str) -> str:
    return f"for _ in $(seq 50); do {condition} && break; sleep 0.1; done\n{condition} || {{ echo {quote(what)} >&2; exit 1; }}\n"
