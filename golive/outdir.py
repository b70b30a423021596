"""`golive check --out`: a folder golive can write a whole run into, checked before anything runs."""

from __future__ import annotations

import tempfile
from pathlib import Path

from golive.yamlfile import ConfigError

# Kernel file systems: writing reports there is a mistake, and sometimes a harmful one.
PSEUDO_ROOTS = ("/proc", "/sys", "/dev")
STAGING_PREFIX = ".golive-run-"


def staging_folder(out_dir: Path) -> Path:
    """Create `out_dir` if needed and a fresh staging folder inside it, where the run is
    written before it is published; ConfigError naming --out when that cannot be."""
    where = f"--out {out_dir}"
    if str(out_dir) == "-":
        raise ConfigError(f"{where}: reports are files, name a folder (`golive report RESULT.json` prints one to stdout)")
    try:
        resolved = out_dir.resolve()
    except (OSError, RuntimeError) as exc:
        raise ConfigError(f"{where}: cannot resolve the path: {exc}") from None
    for root in PSEUDO_ROOTS:
        if resolved == Path(root) or resolved.is_relative_to(root):
            raise ConfigError(f"{where}: {root} is a kernel file system, not a place for reports")
    for folder in (resolved, *resolved.parents):
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                problem = "exists and is not a directory" if folder == resolved else f"{folder} is not a directory"
                raise ConfigError(f"{where}: {problem}")
            break
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    except OSError as exc:
        raise ConfigError(f"{where}: cannot write there: {exc.strerror or exc}") from None
