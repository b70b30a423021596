"""Publishing a run: a staging folder inside --out checked before anything runs, the reports
and the runner signature written there, one move into --out, and the history copy."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from golive.archive import ARCHIVE_PREFIX
from golive.yamlfile import ConfigError

if TYPE_CHECKING:
    from golive.config import Config

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


def write_reports(staging: Path, document: dict[str, Any], report_formats: list[str]) -> list[str]:
    """Render `document` in each format into `staging`; returns the file names written."""
    from golive.reports import assets_in, formats

    available = formats()
    assets = assets_in(staging)
    for name in report_formats:
        (staging / available[name].filename).write_text(available[name].render(document, assets), encoding="utf-8")
    return [available[name].filename for name in report_formats]


def runner_signature(config: Config, document: dict[str, Any], key: Path | None) -> str | None:
    """The runner's signature over the finished result, signed now (SigningError when it cannot be)."""
    if key is None:
        return None
    from golive.signoffs import runner_signature as signed

    assert config.policy.signoff.runner is not None
    return signed(document, config.policy.signoff.runner, key, dt.datetime.now(dt.UTC).replace(microsecond=0))


def move_into(staging: Path, out_dir: Path) -> None:
    """Move a finished run (reports, evidence, archive) into --out, replacing the previous
    run's files only now."""
    for entry in sorted(staging.iterdir()):
        target = out_dir / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(entry, target)


def history_file(config: Config, as_of: dt.datetime, commit: str | None) -> Path:
    """Where this run's result is kept: history/<environment>/<as-of>-<commit>-<run>.json.

    The run part keeps two runs with the same --as-of (a fixed one in CI, or two in one
    second) from overwriting each other's record.
    """
    assert config.history is not None
    stamp = as_of.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return config.history / config.environment / f"{stamp}-{(commit or 'nocommit')[:12]}-{uuid.uuid4().hex[:8]}.json"


def prune_history(folder: Path, keep: int) -> list[Path]:
    """Remove the oldest results of one environment's history beyond `keep`, each with its
    signature files; the newest GO stays whatever its age, since promotion and "changes since
    the last GO" read it. Returns the results removed."""
    from golive.history import newest_go, stored_results

    results, _ = stored_results(folder)
    kept_go = newest_go(results)
    removed = []
    for stored in results[: max(0, len(results) - keep)]:
        if kept_go is not None and stored.path == kept_go.path:
            continue
        for signature in folder.glob(f"{stored.path.name}.*.sig"):
            signature.unlink(missing_ok=True)
        stored.path.unlink(missing_ok=True)
        removed.append(stored.path)
    return removed


def prune_archives(out_dir: Path, keep: int) -> list[Path]:
    """Keep the newest `keep` evidence archives in --out (the current run's is the newest)."""
    archives = sorted(out_dir.glob(f"{ARCHIVE_PREFIX}*.tar.gz"), key=lambda path: path.stat().st_mtime_ns)
    removed = archives[: max(0, len(archives) - keep)]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def keep_history(document: dict[str, Any], runner_signature: str | None) -> None:
    """Write the result (and its runner signature) to the history file the document names."""
    from golive.reports import formats
    from golive.signoffs import RUNNER_FILE_ROLE, signature_path

    target = Path(document["history_file"])
    target.parent.mkdir(parents=True, exist_ok=True)
    if runner_signature:
        signature_path(target, RUNNER_FILE_ROLE).write_text(runner_signature, encoding="utf-8")
    target.write_text(formats()["json"].render(document, None), encoding="utf-8")
