"""Attestations: every entry of the attestations file, its signature checked, its file re-hashed.

Besides, each "report" request (security.pentest declares one for its report file) is
answered with the file's SHA-256 now. The evidence data is an `AttestationsData`.
"""

from __future__ import annotations

from typing import Any, TypedDict

from golive import signing
from golive.attestations import FIELDS, Checked, attestation_statement, file_sha256, is_url
from golive.collectors import CollectContext, Collector, Evidence, register
from golive.yamlfile import ConfigError, Located, load

SOURCE = "attestations"
# Request(SOURCE, REPORT, {"report": <path or URL>}, key=<the same>): hash the report now.
REPORT = "report"


class AttestationsData(TypedDict):
    file: str
    signers: str
    # golive.attestations.Checked.to_json() of every entry, in file order.
    entries: list[dict[str, Any]]
    # Files that items attest over (the pentest report): their SHA-256 now, None if absent.
    reports: dict[str, str | None]


@register
class AttestationsCollector(Collector):
    source = SOURCE
    default_timeout = 60.0

    def collect(self, ctx: CollectContext) -> Evidence:
        path = ctx.config.attestations
        if path is None:
            return Evidence.unavailable(self.source, "no attestations file configured (golive.yml `attestations:`)")
        # No file yet is no attestation yet: `golive attest` creates it.
        try:
            located = load(path, "attestations file") if path.exists() else Located(path, [])
        except ConfigError as exc:
            return Evidence(self.source, error=str(exc))
        raw = located.data or []
        if not isinstance(raw, list):
            return Evidence(self.source, error=f"{path}: an attestations file is a list of entries")
        checked = [self._check(ctx, entry, located.where((index,))) for index, entry in enumerate(raw)]
        data: AttestationsData = {
            "file": str(path),
            "signers": str(ctx.config.signers or ""),
            "entries": [entry.to_json() for entry in checked],
            "reports": {report: self._current_sha256(ctx, {"evidence": report}) for report in self._reports(ctx)},
        }
        return Evidence(self.source, data=dict(data), files=[ctx.write_evidence("attestations", data)])

    def _check(self, ctx: CollectContext, raw: Any, where: str) -> Checked:
        if not isinstance(raw, dict):
            return Checked(where, {}, False, "not a mapping", None)
        fields = {field: str(raw.get(field, "")) for field in FIELDS}
        missing = [field for field in FIELDS if field != "evidence-sha256" and not fields[field]]
        current = self._current_sha256(ctx, fields)
        if missing or not isinstance(raw.get("signature"), str):
            return Checked(where, fields, False, f"malformed entry: missing {', '.join(missing) or 'signature'}", current)
        if ctx.config.signers is None:
            return Checked(where, fields, False, "no signers file configured (golive.yml `signers:`)", current)
        try:
            result = signing.verify(attestation_statement(fields), raw["signature"], ctx.config.signers, fields["role"])
        except signing.SigningError as exc:
            return Checked(where, fields, False, str(exc), current)
        return Checked(where, fields, result.valid, result.reason, current)

    def _reports(self, ctx: CollectContext) -> list[str]:
        return [str(request.args["report"]) for request in ctx.requests if request.what == REPORT and request.args.get("report")]

    def _current_sha256(self, ctx: CollectContext, fields: dict[str, str]) -> str | None:
        reference = fields["evidence"]
        if not reference or is_url(reference):
            return None
        target = ctx.config.resolve(reference)
        return file_sha256(target) if target.is_file() else None
