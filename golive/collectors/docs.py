"""Documentation files the docs items name: presence, size, SHA-256.

Each "file" request (the docs checks declare one per item with a `path`) names a path
relative to `sources.docs.root` (default: golive.yml's folder); the evidence files the
answer under that path. Its data is a `DocsData`.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar, TypedDict

from golive.collectors import CollectContext, Collector, Evidence, register

SOURCE = "docs"
# Request(SOURCE, FILE, {"path": <relative path>}, key=<relative path>).
FILE = "file"


class DocFile(TypedDict, total=False):
    """`path` and `exists` always; `error` when the file could not be read, else its figures."""

    path: str
    exists: bool
    error: str
    bytes: int
    blank: bool
    sha256: str


class DocsData(TypedDict):
    root: str
    files: dict[str, DocFile]


@register
class DocsCollector(Collector):
    source = SOURCE
    settings_keys: ClassVar[set[str]] = {"root"}
    default_timeout = 30.0

    def collect(self, ctx: CollectContext) -> Evidence:
        root = ctx.config.resolve(str(ctx.settings["root"])) if ctx.settings.get("root") else ctx.config.repo
        files: dict[str, DocFile] = {}
        for request in ctx.requests:
            path = str(request.args["path"]) if request.what == FILE else ""
            if not path or path in files:
                continue
            target = root / path
            entry: DocFile = {"path": str(target), "exists": target.is_file()}
            if target.is_file():
                try:
                    content = target.read_bytes()
                except OSError as exc:
                    entry["error"] = f"cannot read: {exc.strerror}"
                else:
                    entry["bytes"] = len(content)
                    entry["blank"] = not content.strip()
                    entry["sha256"] = hashlib.sha256(content).hexdigest()
            files[path] = entry
        data: DocsData = {"root": str(root), "files": files}
        return Evidence(self.source, data=dict(data), files=[ctx.write_evidence("docs", data)])
