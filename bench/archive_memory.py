"""Peak memory of `golive verify-archive` beside the size of the archive it verifies.

Writes an evidence archive of about 50 MiB (incompressible files, so the archive is as big
as its content) with golive's own writer, then verifies it in a fresh child process and
prints that process's peak RSS beside a child that only imports golive.archive. Members
are hashed as they stream past, so the difference should stay a few MiB whatever the
size. Nothing here asserts. Run: .venv/bin/python bench/archive_memory.py [MiB]
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MEBI = 1024 * 1024


def child(archive: str) -> None:
    """In the child: verify `archive` (or only import, for '-'); print seconds, peak RSS KiB, verdict."""
    from golive.archive import verify_archive

    started = time.perf_counter()
    verdict = "imported only"
    if archive != "-":
        check = verify_archive(Path(archive))
        verdict = f"intact, {check.files} files" if check.ok else f"NOT intact: {check.problems}"
    elapsed = time.perf_counter() - started
    print(f"{elapsed:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} {verdict}")


def run_child(archive: str) -> tuple[float, float, str]:
    done = subprocess.run([sys.executable, __file__, "--child", archive], capture_output=True, text=True, check=True, timeout=900)
    seconds, rss_kib, verdict = done.stdout.strip().split(" ", 2)
    return float(seconds), int(rss_kib) / 1024, verdict


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    from golive.archive import write_archive

    total_mib = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory() as folder:
        evidence = Path(folder) / "evidence"
        for index in range(total_mib // 5):
            target = evidence / "sboms" / f"image{index}.cdx.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(os.urandom(5 * MEBI))
        (evidence / "hosts").mkdir()
        for index in range(200):
            (evidence / "hosts" / f"app{index}.json").write_text('{"units": {}}' * 50)
        archive = Path(folder) / "evidence.tar.gz"
        write_archive(evidence, archive, 1764417600.0)
        size = archive.stat().st_size / MEBI
        _, baseline, _ = run_child("-")
        seconds, peak, verdict = run_child(str(archive))
    print(f"archive: {size:.1f} MiB on disk, {total_mib // 5 + 200} evidence files")
    print(f"{'':32} {'seconds':>8} {'peak RSS MiB':>13}")
    print(f"{'import golive.archive only':32} {'':>8} {baseline:13.1f}")
    print(f"{'verify_archive':32} {seconds:8.3f} {peak:13.1f}  {verdict}")
    print(f"verifying costs {peak - baseline:.1f} MiB above the import for a {size:.1f} MiB archive")


if __name__ == "__main__":
    main()
