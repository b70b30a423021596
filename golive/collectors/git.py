"""Release metadata from the release repository: HEAD, tags at HEAD, dates, local changes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TypedDict

from golive.collectors import CollectContext, Collector, Evidence, register


class GitTag(TypedDict):
    name: str
    annotated: bool
    # The tag's date when annotated, else its commit's (git's creatordate), ISO 8601.
    date: str


class GitData(TypedDict):
    """The git source's evidence data."""

    repo: str
    commit: str
    branch: str
    commit_date: str
    tags: list[GitTag]
    # Paths with local changes (`git status --porcelain`), golive's own state excluded.
    dirty: list[str]
    # What of golive's own state the cleanliness rule left out, by name (git pathspecs).
    excluded: list[str]


@register
class GitCollector(Collector):
    source = "git"
    default_timeout = 30.0

    def collect(self, ctx: CollectContext) -> Evidence:
        repo = ctx.config.repo
        if shutil.which("git") is None:
            return Evidence(self.source, error="git is not installed on this machine")

        def git(*args: str) -> str:
            done = ctx.run(["git", "-C", str(repo), *args], timeout=self.default_timeout)
            if done.returncode != 0:
                lines = done.stderr.strip().splitlines()
                raise _GitError(lines[0].removeprefix("fatal: ") if lines else f"git {args[0]} exited {done.returncode}")
            return done.stdout

        try:
            top = Path(git("rev-parse", "--show-toplevel").strip())
            if ctx.run(["git", "-C", str(repo), "rev-parse", "--verify", "-q", "HEAD"]).returncode != 0:
                raise _GitError("the repository has no commit yet")
            head = git("rev-parse", "HEAD").strip()
            excluded = _own_state(ctx, top)
            status = git("status", "--porcelain=v1", "--untracked-files=normal", "--", ".", *excluded)
            tags: list[GitTag] = []
            for line in git(
                "for-each-ref", "--points-at", head, "--format=%(refname:short)\t%(objecttype)\t%(creatordate:iso-strict)", "refs/tags"
            ).splitlines():
                name, kind, date = line.split("\t")
                tags.append({"name": name, "annotated": kind == "tag", "date": date})
            commit_date = git("show", "-s", "--format=%cI", head).strip()
            branch = git("rev-parse", "--abbrev-ref", "HEAD").strip()
        except _GitError as exc:
            return Evidence(self.source, error=f"release.repo {repo}: {exc}")
        data: GitData = {
            "repo": str(top),
            "commit": head,
            "branch": branch,
            "commit_date": commit_date,
            "tags": tags,
            "dirty": [line[3:] for line in status.splitlines() if line.strip()],
            "excluded": [spec.removeprefix(":(exclude)").removeprefix(":(exclude,glob)") for spec in excluded],
        }
        return Evidence(self.source, data=dict(data), files=[ctx.write_evidence("git", data)])


class _GitError(Exception):
    pass


# Files golive writes beside results wherever they are: role and runner signatures
# (RESULT.json.<role>.sig) and `golive verify --attestation` verdicts (*.intoto.jsonl).
OWN_FILE_PATTERNS = ("**/*.json.*.sig", "**/*.intoto.jsonl")


def _own_state(ctx: CollectContext, top: Path) -> list[str]:
    """Pathspecs excluding golive's own state, by name: the --out folder, the history, the
    configured attestations and waivers files, signatures and attestation verdicts. Nothing
    else is left out: every other change in the tree is release content."""
    excluded = []
    for path in (ctx.options.out_dir, ctx.config.history, ctx.config.attestations, ctx.config.waivers):
        if path is None:
            continue
        try:
            relative = Path(path).resolve().relative_to(top.resolve())
        except ValueError:
            continue
        excluded.append(f":(exclude){relative}")
    excluded += [f":(exclude,glob){pattern}" for pattern in OWN_FILE_PATTERNS]
    return excluded
