"""A GO that cannot be forged: every attack on `golive verify` and on waivers, as a regression.

Real ssh-keygen keys and signatures, real `golive check` runs on a bare release repository;
the attacker edits result.json and recomputes its plain SHA-256 digest.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write
from tests.unit.signed_release import CONFIG, ROLES, RUNNER, Release, golive, signers_line, team_checklist


@pytest.fixture(scope="module")
def pending_release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    release = Release(tmp_path_factory.mktemp("trust"))
    done = release.check()
    assert done.returncode == 3, done.stdout + done.stderr
    return release


@pytest.fixture
def release(pending_release: Release, tmp_path: Path) -> Release:
    """A private copy of the pending release (repository, result, keys), for one attack."""
    return pending_release.copy_to(tmp_path / "copy")


def not_verified(done: subprocess.CompletedProcess[str], reason: str) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert reason in done.stdout, done.stdout


def test_the_honest_chain_verifies_and_its_attestation_checks_with_securesystemslib(release: Release) -> None:
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey

    assert (release.result.parent / "result.json.runner.sig").is_file()
    release.sign_all()
    out = release.root / "verdict.intoto.jsonl"
    done = release.verify("--attestation", str(out), "--sign-key", str(release.keys[RUNNER]))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "GO: default" in done.stdout
    for role in ROLES:
        assert f"{role}: signed by SHA256:" in done.stdout
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key

    public = load_ssh_public_key(release.keys[RUNNER].with_name(RUNNER + ".pub").read_bytes())
    key = SSlibKey.from_crypto(public)  # type: ignore[arg-type]
    envelope = Envelope.from_dict(json.loads(out.read_text()))
    envelope.verify([key], 1)
    statement = json.loads(envelope.payload)
    assert statement["predicateType"] == "https://slsa.dev/verification_summary/v1"
    assert statement["predicate"]["verificationResult"] == "PASSED"
    assert statement["subject"][0]["digest"]["gitCommit"] == release.document()["release"]["commit"]
    raw = json.loads(out.read_text())
    payload = bytearray(base64.b64decode(raw["payload"]))
    payload[10] ^= 1
    raw["payload"] = base64.b64encode(bytes(payload)).decode()
    with pytest.raises(Exception, match=r"(?i)verif|threshold|signature"):
        Envelope.from_dict(raw).verify([key], 1)


def test_forged_go_with_recomputed_digest_and_no_signatures_is_refused(release: Release) -> None:
    def forge(document: dict[str, Any]) -> None:
        for item in document["items"]:
            item["signoff"] = False
        document["decision"].update(verdict="GO", blocking=[])

    release.forge(forge)
    done = release.verify()
    not_verified(done, "NOT GO")
    assert "sign-off mark differs" in done.stdout
    assert "release-manager: NOT signed" in done.stdout or "no signature" in done.stdout or "differs" in done.stdout


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda d: d.update(items=[i for i in d["items"] if not i["id"].startswith("signoff.")]), "missing from the result"),
        (
            lambda d: [i["params"].update(role="release-manager") for i in d["items"] if i["id"].startswith("signoff.")],
            "no sign-off item for required role",
        ),
        (lambda d: [i.update(status="pass") for i in d["items"] if i["id"].startswith("signoff.")], "not pending"),
        (lambda d: d.update(items=[i for i in d["items"] if i["id"] != "release.date"]), "release.date of the checklist is missing"),
        (lambda d: [i.update(severity="advisory") for i in d["items"] if i["id"] == "release.date"], "the checklist says blocker"),
        (lambda d: d["decision"].update(verdict="GO", blocking=[]), "does not follow from the items"),
    ],
)
def test_edited_items_or_decision_are_refused(release: Release, edit: Callable[[dict[str, Any]], Any], reason: str) -> None:
    release.sign_all()
    release.forge(edit)
    not_verified(release.verify(), reason)


def test_result_under_a_weaker_checklist_is_refused_naming_the_difference(release: Release) -> None:
    def weaken(document: dict[str, Any]) -> None:
        effective = document["effective_checklist"]
        effective["items"] = [item for item in effective["items"] if item["id"] != "release.date"]
        effective["policy"]["signoff"]["roles"] = ["release-manager"]
        from golive.policy import checklist_digest

        document["checklist_digest"] = checklist_digest(effective)

    release.forge(weaken)
    done = release.verify()
    not_verified(done, "judged under a different checklist or policy")
    assert "item release.date is missing from the result's checklist" in done.stdout


def test_blockers_under_a_go_verdict_are_refused(release: Release) -> None:
    def hide(document: dict[str, Any]) -> None:
        for item in document["items"]:
            if item["id"] == "release.date":
                item["status"] = "fail"
        document["decision"]["blocking"] = [b for b in document["decision"]["blocking"] if b != "release.date"]

    release.forge(hide)
    not_verified(release.verify(), "does not follow from the items")


def test_one_key_for_two_roles_is_refused_by_sign_and_by_verify(release: Release) -> None:
    release.signers[1] = signers_line("security-lead", release.keys["release-manager"])
    release.signers[0] = signers_line("release-manager,security-lead", release.keys["release-manager"])
    release.write_signers()
    assert release.sign("release-manager").returncode == 0
    refused = release.sign("security-lead", key="release-manager")
    assert refused.returncode == 2
    assert "already signed this result as release-manager" in refused.stderr
    # Written past `golive sign`'s refusal by hand, verify still counts one key once.
    from golive.signoffs import sign_result

    document = release.document()
    import datetime as dt

    sign_result(release.result, document, "security-lead", release.keys["release-manager"], False, dt.datetime.now(dt.UTC))
    assert release.sign("product-owner").returncode == 0
    not_verified(release.verify(), "one key signs one role")


def test_wildcard_principal_is_refused_naming_the_line(release: Release) -> None:
    release.signers = [signers_line("*", release.keys["outsider"]), signers_line(RUNNER, release.keys[RUNNER])]
    release.write_signers()
    refused = release.sign("release-manager", key="outsider")
    assert refused.returncode == 2
    assert "does not allow this key for role release-manager" in refused.stderr
    done = release.verify()
    assert "allowed_signers:1: principals '*' contain a wildcard; refused for roles" in done.stdout
    not_verified(done, "release-manager: NOT signed")


def test_runner_key_signs_no_human_role(release: Release) -> None:
    refused = release.sign("release-manager", key=RUNNER)
    assert refused.returncode == 2
    assert "does not allow this key" in refused.stderr or "runner's key" in refused.stderr


def test_missing_or_foreign_runner_signature_is_refused(release: Release) -> None:
    release.sign_all()
    runner_sig = release.result.parent / "result.json.runner.sig"
    runner_sig.unlink()
    not_verified(release.verify(), "no runner signature")
    import datetime as dt

    from golive.signoffs import runner_signature

    runner_sig.write_text(runner_signature(release.document(), RUNNER, release.keys["outsider"], dt.datetime.now(dt.UTC)))
    not_verified(release.verify(), f"runner {RUNNER}")


def test_waived_protected_item_is_refused(release: Release) -> None:
    def waive(document: dict[str, Any]) -> None:
        for item in document["items"]:
            if item["id"] == "signoff.product_owner":
                item.update(
                    status="waived",
                    was="pending",
                    waiver={
                        "reason": "r",
                        "approver": "a",
                        "ticket": None,
                        "expires": "2099-01-01",
                        "scope": {"host": None, "finding": None},
                        "source": "x",
                        "signed": False,
                    },
                )
        document["decision"]["blocking"] = [b for b in document["decision"]["blocking"] if b != "signoff.product_owner"]

    release.forge(waive)
    not_verified(release.verify(), "protected item signoff.product_owner is waived")


def test_protected_items_cannot_be_disabled_or_lowered(release: Release) -> None:
    write(release.repo / "team.yml", team_checklist() + "  - {id: signoff.security_lead, reason: r, approver: a}\n")
    done = release.check()
    assert done.returncode == 2
    assert "'signoff.security_lead' is protected" in done.stderr
    write(
        release.repo / "team.yml", team_checklist().replace("overrides:\n", "overrides:\n  signoff.security_lead: {severity: advisory}\n")
    )
    done = release.check()
    assert done.returncode == 2
    assert "is protected; its severity cannot change" in done.stderr


def test_waiver_rules_signed_unsigned_edited_expired_overlong(release: Release) -> None:
    base = [
        "waive",
        "release.commit_sha",
        "--reason",
        "hotfix tree",
        "--role",
        "release-manager",
        "--key",
        str(release.keys["release-manager"]),
    ]
    too_long = golive(*base, "--expires", "2027-06-01", cwd=release.repo)
    assert too_long.returncode == 2
    assert "waivers.max_days is 30" in too_long.stderr
    wrong_role = golive(
        *base[:-4], "--role", "product-owner", "--key", str(release.keys["product-owner"]), "--expires", "2026-12-20", cwd=release.repo
    )
    assert wrong_role.returncode == 2
    assert "may not approve waivers" in wrong_role.stderr
    protected = golive("waive", "signoff.product_owner", *base[2:], "--expires", "2026-12-20", cwd=release.repo)
    assert protected.returncode == 2 and "is protected" in protected.stderr
    ok = golive(*base, "--expires", "2026-12-20", cwd=release.repo)
    assert ok.returncode == 0, ok.stderr
    signed = (release.repo / "waivers.yml").read_text()
    # A hand edit of the signed entry (a later expiry) waives nothing; nor does an unsigned entry.
    unsigned = "- {item: release.date, reason: r, approver: me, expires: 2026-12-20}\n"
    (release.repo / "waivers.yml").write_text(signed.replace("2026-12-20", "2026-12-21") + unsigned)
    release.commit()
    assert release.check().returncode == 3
    problems = "\n".join(release.document()["decision"]["waiver_problems"])
    assert "signature not valid for role release-manager" in problems
    assert "release.date is unsigned and this environment refuses unsigned waivers" in problems


def test_signed_waiver_record_is_rechecked_by_verify(release: Release) -> None:
    ok = golive(
        "waive", "tests.coverage", "--reason", "advisory anyway", "--expires", "2026-12-20",
        "--role", "security-lead", "--key", str(release.keys["security-lead"]), cwd=release.repo,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    release.commit()
    done = release.check()
    assert done.returncode == 3, done.stdout + done.stderr
    coverage = next(item for item in release.document()["items"] if item["id"] == "tests.coverage")
    assert coverage["status"] == "waived" and coverage["waiver"]["signed"] is True
    assert "golive-waiver-v1" in coverage["waiver"]["statement"]
    release.sign_all()
    assert release.verify().returncode == 0

    def edit(document: dict[str, Any]) -> None:
        for item in document["items"]:
            if item["id"] == "tests.coverage":
                item["waiver"]["expires"] = "2026-12-30"

    release.forge(edit)
    release.sign_all()
    not_verified(release.verify(), "embedded signed statement does not match")

    def unsign(document: dict[str, Any]) -> None:
        for item in document["items"]:
            if item["id"] == "tests.coverage":
                item["waiver"]["signed"] = False

    release.forge(unsign)
    release.sign_all()
    not_verified(release.verify(), "unsigned; the verifier's policy refuses unsigned waivers")


def test_partial_result_is_never_signed_or_verified(release: Release) -> None:
    done = release.check("--only", "release.*")
    assert done.returncode == 4, done.stdout + done.stderr
    assert release.document()["decision"]["verdict"] == "PARTIAL PASS"
    refused = release.sign("release-manager")
    assert refused.returncode == 2 and "partial result" in refused.stderr
    not_verified(release.verify(), "partial")


def test_selection_that_matches_nothing_is_a_usage_error(release: Release) -> None:
    done = release.check("--only", "relase.*")
    assert done.returncode == 2
    assert "--only relase.*: matches no item" in done.stderr


def test_env_is_required_with_several_environments_and_must_match(release: Release) -> None:
    release.sign_all()
    write(release.root / "verifier.yml", "release: {repo: release}\nchecklist: release/team.yml\nsigners: release/allowed_signers\n"
          "signoff: {runner: golive-runner}\nenvironments:\n  staging: {}\n  prod: {}\n")  # fmt: skip
    missing = release.verify("--config", str(release.root / "verifier.yml"))
    assert missing.returncode == 2 and "name the one to verify with --env" in missing.stderr
    other = release.verify("--config", str(release.root / "verifier.yml"), "--env", "prod")
    not_verified(other, "the result is for environment 'default', the verifier's is 'prod'")


def test_verify_takes_no_policy_from_the_result(release: Release) -> None:
    """The result says no role is required; the verifier's own config still requires all three."""

    def no_roles(document: dict[str, Any]) -> None:
        document["policy"]["signoff"]["roles"] = []

    release.forge(no_roles)
    not_verified(release.verify(), "release-manager: NOT signed")


def test_every_report_marks_a_partial_result_first(release: Release) -> None:
    assert release.check("--only", "release.*", "--format", "md,json,junit,html").returncode == 4
    out = release.result.parent
    first_lines = (out / "RELEASE_REPORT.md").read_text().splitlines()[:4]
    assert any("PARTIAL RUN (--only release." in line for line in first_lines), first_lines
    assert "PARTIAL RUN" in (out / "junit.xml").read_text()
    assert "PARTIAL RUN" in (out / "report.html").read_text()


def test_unsigned_waivers_allowed_is_said_first_in_every_report(release: Release) -> None:
    write(release.repo / "golive.yml", CONFIG.replace("waivers: {file: waivers.yml}", "waivers: {file: waivers.yml, unsigned: allow}"))
    release.commit()
    done = release.check("--format", "md,json,junit,html")
    assert done.stdout.lstrip().startswith("UNSIGNED WAIVERS COUNT"), done.stdout[:200]
    markdown = (release.result.parent / "RELEASE_REPORT.md").read_text().splitlines()
    assert "UNSIGNED WAIVERS COUNT" in markdown[2]
    assert "UNSIGNED WAIVERS COUNT" in (release.result.parent / "junit.xml").read_text()


def test_a_rerendered_report_names_each_roles_signer(release: Release) -> None:
    release.sign_all()
    done = golive("report", str(release.result), "--format", "md", cwd=release.repo)
    assert done.returncode == 0, done.stderr
    signoff = [line for line in done.stdout.splitlines() if line.startswith("- Release Manager:")]
    assert signoff and "signed by SHA256:" in signoff[0] and "release-manager@test" in signoff[0], signoff
