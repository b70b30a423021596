"""The evidence archive: every raw evidence file of a run, with a MANIFEST of SHA-256s.

The result records the manifest's digest, so the sign-off signatures cover the evidence
too. Archives are reproducible: members sorted, owners and times fixed to the run's
--as-of, so the same evidence always gives the same manifest.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "MANIFEST"


def archive_name(environment: str, commit: str | None, stamp: str) -> str:
    return f"golive-evidence-{environment}-{(commit or 'nocommit')[:12]}-{stamp}.tar.gz"


def write_archive(evidence_dir: Path, target: Path, mtime: float) -> str:
    """Archive every file under `evidence_dir` (as evidence/...) into `target`; returns the manifest's SHA-256."""
    files = sorted(path for path in evidence_dir.rglob("*") if path.is_file())
    lines = []
    for path in files:
        lines.append(f"{_sha256(path.read_bytes())}  evidence/{path.relative_to(evidence_dir).as_posix()}")
    manifest = ("\n".join(lines) + "\n").encode() if lines else b""
    with (
        target.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=int(mtime)) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        _add(tar, MANIFEST, manifest, mtime)
        for path in files:
            _add(tar, f"evidence/{path.relative_to(evidence_dir).as_posix()}", path.read_bytes(), mtime)
    return _sha256(manifest)


def _add(tar: tarfile.TarFile, name: str, content: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(mtime)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(content))


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass
class ArchiveCheck:
    ok: bool
    manifest_sha256: str
    files: int
    problems: list[str]


def verify_archive(path: Path, expected_manifest_sha256: str | None = None) -> ArchiveCheck:
    """Re-read the archive: every member listed with its SHA-256, nothing unlisted, nothing missing."""
    problems: list[str] = []
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            for member in tar.getmembers():
                if not member.isfile():
                    problems.append(f"{member.name}: not a regular file")
                    continue
                handle = tar.extractfile(member)
                if handle is None:
                    problems.append(f"{member.name}: unreadable")
                    continue
                members[member.name] = handle.read()
    except (OSError, tarfile.TarError, EOFError) as exc:
        return ArchiveCheck(False, "", 0, [f"{path}: not a readable tar.gz archive: {exc}"])
    manifest = members.pop(MANIFEST, None)
    if manifest is None:
        return ArchiveCheck(False, "", len(members), [f"{path}: no {MANIFEST}"])
    manifest_sha256 = _sha256(manifest)
    listed: dict[str, str] = {}
    for number, line in enumerate(manifest.decode(errors="replace").splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            problems.append(f"{MANIFEST}:{number}: malformed line")
            continue
        listed[name] = digest
    for name, digest in sorted(listed.items()):
        content = members.get(name)
        if content is None:
            problems.append(f"{name}: listed in {MANIFEST} but missing")
        elif _sha256(content) != digest:
            problems.append(f"{name}: SHA-256 differs from {MANIFEST}")
    problems += [f"{name}: in the archive but not in {MANIFEST}" for name in sorted(set(members) - set(listed))]
    if expected_manifest_sha256 is not None and manifest_sha256 != expected_manifest_sha256.removeprefix("sha256:"):
        problems.append(f"{MANIFEST} digest {manifest_sha256} is not the result's {expected_manifest_sha256}")
    return ArchiveCheck(not problems, manifest_sha256, len(listed), problems)
