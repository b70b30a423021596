"""This run's evidence archive, written after every other collector and read back at once."""

from __future__ import annotations

from typing import TypedDict

from golive.archive import archive_name, verify_archive, write_archive
from golive.collectors import CollectContext, Collector, Evidence, register


class ArchiveData(TypedDict):
    """The archive source's evidence data: the archive as read back after writing it."""

    file: str
    manifest_sha256: str
    files: int
    problems: list[str]


@register
class ArchiveCollector(Collector):
    source = "archive"
    phase = 2
    default_timeout = 300.0

    def collect(self, ctx: CollectContext) -> Evidence:
        git = ctx.evidence.get("git")
        commit = git.data.get("commit") if git and not git.error and not git.missing else None
        name = archive_name(ctx.config.environment, commit, ctx.as_of.strftime("%Y%m%dT%H%M%SZ"))
        target = ctx.evidence_dir.parent / name
        ctx.evidence_dir.mkdir(parents=True, exist_ok=True)
        try:
            written = write_archive(ctx.evidence_dir, target, ctx.as_of.timestamp())
        except OSError as exc:
            return Evidence(self.source, error=f"cannot write {name}: {exc}")
        check = verify_archive(target, written)
        data: ArchiveData = {"file": name, "manifest_sha256": check.manifest_sha256, "files": check.files, "problems": check.problems}
        return Evidence(self.source, data=dict(data))
