"""The evidence archive: every raw evidence file of a run, with a MANIFEST of SHA-256s.

The result records the manifest's digest, so the sign-off signatures cover the evidence
too. Archives are reproducible: members sorted, owners and times fixed to the run's
--as-of, so the same evidence always gives the same manifest.

Verifying streams the archive: each member is hashed in chunks as it passes, so memory
stays flat whatever the archive holds, and the caps below bound the time.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

MANIFEST = "MANIFEST"
EVIDENCE_PREFIX = "evidence/"
# A run archives a few files per host and one or two per source: a 1 000-host fleet is about
# 3 000 members. Past this an archive is not one golive wrote.
MAX_MEMBERS = 50_000
# Evidence is JSON, JUnit, coverage reports and SBOMs: tens of MiB, hundreds for a big fleet.
# Memory stays flat either way; the cap bounds the time a decompression bomb can take.
MAX_TOTAL_BYTES = 2 * 1024**3
# One line per member of about 100 bytes: 16 MiB holds far more lines than MAX_MEMBERS.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
# tarfile reads extended (PAX, GNU long name) headers whole; a real one is a few hundred bytes.
MAX_HEADER_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
_MANIFEST_LINE = re.compile(r"([0-9a-f]{64})  (.+)")
_EXTENDED_HEADERS = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE, tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK)


ARCHIVE_PREFIX = "golive-evidence-"


def archive_name(environment: str, commit: str | None, stamp: str) -> str:
    return f"{ARCHIVE_PREFIX}{environment}-{(commit or 'nocommit')[:12]}-{stamp}.tar.gz"


def write_archive(evidence_dir: Path, target: Path, mtime: float) -> str:
    """Archive every file under `evidence_dir` (as evidence/...) into `target`; returns the manifest's SHA-256."""
    files = sorted(path for path in evidence_dir.rglob("*") if path.is_file())
    names = [f"{EVIDENCE_PREFIX}{path.relative_to(evidence_dir).as_posix()}" for path in files]
    lines = []
    for path, name in zip(files, names, strict=True):
        with path.open("rb") as handle:
            lines.append(f"{_stream_sha256(handle)}  {name}")
    manifest = ("\n".join(lines) + "\n").encode() if lines else b""
    with (
        target.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=int(mtime)) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        tar.addfile(_info(MANIFEST, len(manifest), mtime), io.BytesIO(manifest))
        for path, name in zip(files, names, strict=True):
            with path.open("rb") as handle:
                tar.addfile(_info(name, path.stat().st_size, mtime), handle)
    return hashlib.sha256(manifest).hexdigest()


def _info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o644
    return info


def _stream_sha256(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(CHUNK_BYTES), b""):
        digest.update(block)
    return digest.hexdigest()


@dataclass
class ArchiveCheck:
    ok: bool
    manifest_sha256: str
    files: int
    problems: list[str]


class _TooLarge(Exception):
    """The archive exceeds one of the caps; verifying stops there."""


class _Budget:
    """The decompressed stream, refusing to yield more than `limit` bytes in all."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self.stream = stream
        self.left = limit

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(min(size, self.left + 1) if size >= 0 else self.left + 1)
        self.left -= len(chunk)
        if self.left < 0:
            raise _TooLarge(f"expands to more than {MAX_TOTAL_BYTES} bytes; golive stops there")
        return chunk

    def tell(self) -> int:
        return self.stream.tell()

    def write(self, data: bytes) -> int:
        raise io.UnsupportedOperation("read only")


class _BoundedTarInfo(tarfile.TarInfo):
    def _proc_member(self, tarfile: tarfile.TarFile) -> Any:
        if self.type in _EXTENDED_HEADERS and self.size > MAX_HEADER_BYTES:
            raise _TooLarge(f"an extended tar header of {self.size} bytes (more than {MAX_HEADER_BYTES})")
        return super()._proc_member(tarfile)  # type: ignore[misc]


def verify_archive(path: Path, expected_manifest_sha256: str | None = None) -> ArchiveCheck:
    """Re-read the archive: every member a plain file under evidence/ listed with its SHA-256 in
    MANIFEST, nothing unlisted, nothing missing, no links, devices or names leaving the archive."""
    problems: list[str] = []
    digests: dict[str, str] = {}
    manifest: bytes | None = None
    try:
        with path.open("rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as zipped:
            stream = _Budget(cast(BinaryIO, zipped), MAX_TOTAL_BYTES)
            with tarfile.open(fileobj=cast(IO[bytes], stream), mode="r|", tarinfo=_BoundedTarInfo) as tar:
                members = 0
                while (member := tar.next()) is not None:
                    # TarFile keeps every header it read; verifying needs none of them back.
                    tar.members.clear()  # type: ignore[attr-defined]
                    members += 1
                    if members > MAX_MEMBERS:
                        raise _TooLarge(f"more than {MAX_MEMBERS} members; golive stops there")
                    problem = _member_problem(member, digests)
                    if problem:
                        problems.append(f"{_shown(member.name)}: {problem}")
                        continue
                    handle = tar.extractfile(member)
                    assert handle is not None  # a regular file always has content to read
                    if member.name == MANIFEST:
                        if member.size > MAX_MANIFEST_BYTES:
                            raise _TooLarge(f"{MANIFEST} of {member.size} bytes (more than {MAX_MANIFEST_BYTES})")
                        manifest = handle.read()
                        digests[MANIFEST] = hashlib.sha256(manifest).hexdigest()
                    else:
                        digests[member.name] = _stream_sha256(handle)
            # Reading to the end checks the gzip trailer (CRC, length), so truncation shows.
            if any(block.strip(b"\0") for block in iter(lambda: stream.read(CHUNK_BYTES), b"")):
                problems.append("data after the end of the tar archive")
    except _TooLarge as exc:
        return ArchiveCheck(False, "", 0, [f"{path}: {exc}"])
    except (OSError, tarfile.TarError, EOFError, zlib.error) as exc:
        return ArchiveCheck(False, "", 0, [f"{path}: not a readable tar.gz archive: {exc}"])
    if manifest is None:
        return ArchiveCheck(False, "", len(digests), [*problems, f"{path}: no {MANIFEST}"])
    manifest_sha256 = digests.pop(MANIFEST)
    listed = _listed(manifest, problems)
    for name, digest in sorted(listed.items()):
        found = digests.get(name)
        if found is None:
            problems.append(f"{_shown(name)}: listed in {MANIFEST} but missing")
        elif found != digest:
            problems.append(f"{_shown(name)}: SHA-256 differs from {MANIFEST}")
    problems += [f"{_shown(name)}: in the archive but not in {MANIFEST}" for name in sorted(set(digests) - set(listed))]
    if not listed and not digests:
        problems.append(f"{path}: no evidence members: an empty archive evidences nothing")
    if expected_manifest_sha256 is not None and manifest_sha256 != expected_manifest_sha256.removeprefix("sha256:"):
        problems.append(f"{MANIFEST} digest {manifest_sha256} is not the result's {expected_manifest_sha256}")
    return ArchiveCheck(not problems, manifest_sha256, len(listed), problems)


def _member_problem(member: tarfile.TarInfo, seen: dict[str, str]) -> str | None:
    """Why `member` cannot be evidence golive wrote, or None."""
    name = member.name
    parts = name.split("/")
    if name.startswith("/"):
        return "absolute member name"
    if ".." in parts:
        return "member name with a '..' component (it would leave the archive)"
    if "" in parts or "." in parts:
        return "member name not in normal form"
    if member.issym():
        return f"symbolic link to {_shown(member.linkname)}: golive never archives links"
    if member.islnk():
        return f"hard link to {_shown(member.linkname)}: golive never archives links"
    if member.isdir():
        return "a directory entry: golive archives files only"
    if member.ischr() or member.isblk():
        return "a device: golive archives files only"
    if member.isfifo():
        return "a FIFO: golive archives files only"
    if not member.isreg() or member.issparse():
        return "not a regular file"
    if name != MANIFEST and not name.startswith(EVIDENCE_PREFIX):
        return f"outside {EVIDENCE_PREFIX}"
    if name in seen:
        return "duplicate member name (extracting would keep only the last)"
    return None


def _listed(manifest: bytes, problems: list[str]) -> dict[str, str]:
    """Name -> SHA-256 from the MANIFEST text; each malformed or repeated line is a problem."""
    try:
        text = manifest.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(f"{MANIFEST}: not UTF-8 text")
        return {}
    listed: dict[str, str] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line and number == text.count("\n") + 1:
            break  # the newline ending the last line
        matched = _MANIFEST_LINE.fullmatch(line)
        if not matched:
            problems.append(f"{MANIFEST}:{number}: malformed line")
        elif matched[2] in listed:
            problems.append(f"{MANIFEST}:{number}: {_shown(matched[2])} listed twice")
        else:
            listed[matched[2]] = matched[1]
    return listed


def _shown(name: str) -> str:
    """`name` as one printable line: a member name must not forge lines of the report."""
    return name if name.isprintable() else repr(name)
