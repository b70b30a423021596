"""The commit under test, as every report of the demo records it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def release_commit() -> str | None:
    """LUNIA_COMMIT, else git HEAD of this project, else None (unknown)."""
    if os.environ.get("LUNIA_COMMIT"):
        return os.environ["LUNIA_COMMIT"]
    try:
        done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
