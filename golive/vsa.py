"""The verified GO as an in-toto attestation: what `golive verify --attestation` writes.

Subjects are the release commit and every image digest of the verifier's
`sources.supply_chain` manifest; the inputs are the result and each signature file that
vouched for it; the policy is the verifier's own golive.yml (or the default checklist).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from golive import __version__, intoto
from golive.signoffs import RUNNER_FILE_ROLE, signature_path

if TYPE_CHECKING:
    from golive.config import Config

VERIFIER_ID = "urn:golive:verifier"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def subjects(document: dict[str, Any], config: Config | None) -> list[intoto.Subject]:
    commit = document["release"].get("commit")
    if not commit:
        raise ValueError("the result records no release commit to attest")
    found = [intoto.commit_subject(f"git+file://{document['release'].get('repo') or '.'}", str(commit))]
    manifest = ((config.sources.get("supply_chain") or {}).get("manifest") if config else None) or None
    if config is not None and manifest:
        from golive.collectors.supply_chain import read_manifest
        from golive.supply_chain import ReportError

        try:
            images = read_manifest(config.resolve(str(manifest)))
        except ReportError as exc:
            raise ValueError(str(exc)) from None
        found += [intoto.image_subject(str(image["name"]), str(image["digest"])) for image in images]
    return found


def write_verification_summary(
    target: Path, key: Path, result: Path, document: dict[str, Any], config: Config | None, roles: list[str], now: dt.datetime
) -> None:
    """Sign and write the VSA for a result `golive verify` found GO."""
    if config is not None:
        policy_uri, policy_sha = config.path.resolve().as_uri(), _sha256(config.path)
    else:
        from golive.checklist import DEFAULT_PATH

        policy_uri, policy_sha = "golive:default-checklist", _sha256(DEFAULT_PATH)
    signatures = [signature_path(result, role) for role in [*roles, RUNNER_FILE_ROLE]]
    inputs = [(path.resolve().as_uri(), _sha256(path)) for path in [result, *signatures] if path.is_file()]
    statement = intoto.vsa_statement(
        subjects(document, config),
        verifier_id=VERIFIER_ID,
        verifier_version=__version__,
        time_verified=now.astimezone(dt.UTC),
        resource_uri=result.resolve().as_uri(),
        policy_uri=policy_uri,
        policy_sha256=policy_sha,
        input_attestations=inputs,
    )
    intoto.write_attestation(target, intoto.sign_envelope(statement, key))
