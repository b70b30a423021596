"""The demo's signing chain: throwaway role keys, attestations, sign-off, and verification
(by golive verify, then independently with securesystemslib)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from golive.demo.plan import DemoPlan, environment_out, golive_cli, run_command
from golive.demo.team import ATTESTATIONS, DEMO_LABEL, ROLES, RUNNER, SIGNOFF_ROLES, DemoError


def make_demo_keys(plan: DemoPlan) -> tuple[dict[str, Path], str]:
    """Throwaway role keys, named as demo keys, and the allowed_signers text trusting them."""
    folder = plan.out / "demo-keys"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    keys = {}
    signers = [f"# {DEMO_LABEL}: written by golive demo --sign-demo, trusted by nothing else"]
    for role in (*ROLES, RUNNER):
        key = folder / role
        run_command(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{role} ({DEMO_LABEL})", "-f", str(key)], folder)
        keys[role] = key
        signers.append(f'{role} namespaces="golive" {key.with_suffix(".pub").read_text().strip()}')
    return keys, "\n".join(signers) + "\n"


def attest_demo(plan: DemoPlan, keys: dict[str, Path]) -> None:
    for item, role, evidence in ATTESTATIONS:
        done = golive_cli(
            [
                "attest",
                item,
                "--env",
                "staging",
                "--by",
                f"{role} ({DEMO_LABEL})",
                "--role",
                role,
                "--evidence",
                evidence,
                "--valid-days",
                "7",
                "--key",
                str(keys[role]),
            ],
            plan.release,
        )
        if done.returncode != 0:
            raise DemoError(f"golive attest {item}: {done.stderr.strip()}")


def sign_and_verify(plan: DemoPlan, keys: dict[str, Path], say: Callable[[str], None], environment: str) -> int:
    out = environment_out(plan, environment)
    result = out / "result.json"
    for role in SIGNOFF_ROLES:
        done = golive_cli(["sign", str(result), "--env", environment, "--role", role, "--key", str(keys[role])], plan.release)
        if done.returncode != 0:
            raise DemoError(f"golive sign --env {environment} --role {role}: {done.stderr.strip()}")
    say(f"{environment}: signed as {', '.join(SIGNOFF_ROLES)}, each with its own {DEMO_LABEL}")
    attestation = out / "verdict.intoto.jsonl"
    verified = golive_cli(
        ["verify", str(result), "--env", environment, "--attestation", str(attestation), "--sign-key", str(keys[RUNNER])], plan.release
    )
    say(f"golive verify --env {environment} (the demo release's own golive.yml is the verifier's policy):")
    for line in verified.stdout.splitlines():
        say(f"  {line}")
    if verified.returncode == 0:
        say(check_attestation(attestation, keys[RUNNER].with_name(RUNNER + ".pub")))
    return verified.returncode


def check_attestation(attestation: Path, public_key: Path) -> str:
    """Verify the in-toto attestation with securesystemslib, as a deploy step would (not golive's code)."""
    import json

    try:
        from cryptography.hazmat.primitives.serialization import load_ssh_public_key
        from securesystemslib.dsse import Envelope
        from securesystemslib.signer import SSlibKey  # type: ignore[attr-defined]
    except ImportError:
        return f"attestation {attestation} written; securesystemslib is not installed here, so it was not checked independently"
    key = SSlibKey.from_crypto(load_ssh_public_key(public_key.read_bytes()))
    envelope = Envelope.from_dict(json.loads(attestation.read_text(encoding="utf-8")))
    try:
        envelope.verify([key], 1)
    except Exception as exc:  # securesystemslib raises its own VerificationError family
        raise DemoError(f"the attestation {attestation} does not verify with securesystemslib: {exc}") from None
    statement = json.loads(envelope.payload)
    subjects = ", ".join(next(iter(subject["digest"])) for subject in statement["subject"])
    return f"attestation {attestation}: DSSE signature verified by securesystemslib; {statement['predicate']['verificationResult']} for {subjects}"


NO_SIGNERS = "# No signer is trusted: `golive demo --sign-demo` makes throwaway demo keys.\n"


def keys_and_signers(plan: DemoPlan) -> tuple[dict[str, Path], str]:
    return make_demo_keys(plan) if plan.sign else ({}, NO_SIGNERS)
