"""Documentation files named by the checklist's docs items: presence, size, SHA-256."""

from __future__ import annotations

import hashlib
from typing import ClassVar

from golive.collectors import CollectContext, Collector, Evidence, register


@register
class DocsCollector(Collector):
    source = "docs"
    settings_keys: ClassVar[set[str]] = {"root"}
    default_timeout = 30.0

    def collect(self, ctx: CollectContext) -> Evidence:
        root = ctx.config.resolve(str(ctx.settings["root"])) if ctx.settings.get("root") else ctx.config.repo
        files: dict[str, dict[str, object]] = {}
        for item in ctx.config.checklist.items:
            path = item.params.get("path") if item.source == self.source else None
            if not path or path in files:
                continue
            target = root / str(path)
            entry: dict[str, object] = {"path": str(target), "exists": target.is_file()}
            if target.is_file():
                try:
                    content = target.read_bytes()
                except OSError as exc:
                    entry["error"] = f"cannot read: {exc.strerror}"
                else:
                    entry["bytes"] = len(content)
                    entry["blank"] = not content.strip()
                    entry["sha256"] = hashlib.sha256(content).hexdigest()
            files[str(path)] = entry
        data = {"root": str(root), "files": files}
        return Evidence(self.source, data=data, files=[ctx.write_evidence("docs", data)])
