"""Red-team regressions: attacks on `golive verify`, `golive check` and the command line that
the trust and fail-closed issues' own tests did not cover.

Real ssh-keygen keys and real `golive check` runs, as in test_trust. The policy here names no
runner (the issue allows it: "when the policy names a runner, verify requires that
signature"), so after an edit the attacker only needs role holders to sign the result; verify's
own re-derivation (README "Trust model", steps 3 and 4) is what must refuse it.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from golive.decision import Waiver
from tests.conftest import git, write
from tests.unit import signed_release
from tests.unit.signed_release import NO_RUNNER_CONFIG, golive, keygen


class Release(signed_release.Release):
    """The shared release with no runner in its policy, and the waiver the attacks below move."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, runner=False)

    def sign_waiver(self, item: str, finding: str) -> None:
        """`golive waive` by the security lead for one finding, before the check runs."""
        done = golive(
            "waive", item, "--finding", finding, "--reason", "accepted for this one finding", "--expires",
            (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=10)).isoformat(),
            "--role", "security-lead", "--key", str(self.keys["security-lead"]), cwd=self.repo,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        git(self.repo, "add", ".")
        git(self.repo, "commit", "-q", "-m", "waiver")
        git(self.repo, "tag", "-f", "-a", "v1.4.0", "-m", "1.4.0")

    def signed_waiver_record(self) -> dict[str, Any]:
        """The record `golive check` embeds for the signed waiver in waivers.yml."""
        from golive.yamlfile import load

        entry = load(self.repo / "waivers.yml", "waivers").data[-1]
        waiver = Waiver(
            item=entry["item"], reason=entry["reason"], approver="security-lead", expires=dt.date.fromisoformat(str(entry["expires"])),
            where="waivers.yml:1", host=None, finding=entry["finding"], ticket=None, role=entry["role"],
            signed_at=entry["signed-at"], signature=entry["signature"],
        )  # fmt: skip
        return waiver.record()


@pytest.fixture(scope="module")
def pending_release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    release = Release(tmp_path_factory.mktemp("redteam"))
    release.sign_waiver("release.date", "date:accepted-one")
    done = golive("check", "--format", "json", cwd=release.repo)
    assert done.returncode == 3, done.stdout + done.stderr
    return release


@pytest.fixture
def release(pending_release: Release, tmp_path: Path) -> Release:
    return pending_release.copy_to(tmp_path / "copy")


def refused(done: Any, reason: str) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert reason in done.stdout, done.stdout


def _item(document: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(item for item in document["items"] if item["id"] == item_id)


def test_the_honest_result_without_runner_verifies(release: Release) -> None:
    """Control: the attacks below are refused for their edit, not because this setup never verifies."""
    release.sign_all()
    done = release.verify()
    assert done.returncode == 0, done.stdout + done.stderr


def test_finding_scoped_signed_waiver_moved_to_item_level_waives_the_whole_failing_item(release: Release) -> None:
    """A security lead accepted ONE finding; placed at the item's level it waives the whole
    failing blocker (every other finding too). verify checks the signed scope only for host
    and finding records."""
    record = release.signed_waiver_record()

    def escalate(document: dict[str, Any]) -> None:
        item = _item(document, "release.date")
        item.update(
            status="waived",
            was="fail",
            findings=[
                {"key": "date:accepted-one", "status": "fail", "detail": "the one accepted"},
                {"key": "date:other", "status": "fail", "detail": "never accepted by anyone"},
            ],
            waiver=record,
        )

    release.forge(escalate)
    release.sign_all()
    refused(release.verify(), "signed scope does not match where it is applied")


def test_finding_scoped_signed_waiver_moved_to_host_level_waives_the_whole_host(release: Release) -> None:
    record = release.signed_waiver_record()

    def escalate(document: dict[str, Any]) -> None:
        item = _item(document, "release.date")
        item.update(
            status="waived",
            hosts={"app1": {"status": "waived", "was": "fail", "summary": "down", "detail": "every unit down", "waiver": record}},
        )
        item["waiver"] = None
        item.pop("was", None)
        # Without an item-level record the item is as bad as its worst host.
        item["status"] = "waived"

    release.forge(escalate)
    release.sign_all()
    done = release.verify()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "signed scope does not match where it is applied" in done.stdout, done.stdout


def test_finding_marked_waived_without_any_waiver_record_is_refused(release: Release) -> None:
    """A finding shown as `waived` carries no waiver, so there is nothing for verify to re-check;
    the item is recorded as `warn` (worse than waived) and the decision follows."""

    def hide(document: dict[str, Any]) -> None:
        item = _item(document, "release.date")
        item.update(status="warn", findings=[{"key": "date:stale", "status": "waived", "was": "fail", "detail": "stale"}])

    release.forge(hide)
    release.sign_all()
    done = release.verify()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "waived" in done.stdout


def test_spec_item_relabelled_as_decision_escapes_the_blocking_rule(release: Release) -> None:
    """spec.* items are not in any checklist, so verify takes their kind from the result: a
    failing blocker spec test relabelled `kind: decision` is never judged."""

    def hide(document: dict[str, Any]) -> None:
        template = _item(document, "release.date")
        spec = {**template, "id": "spec.test_nginx_running", "title": "nginx running", "status": "fail", "kind": "decision"}
        spec.update(severity="blocker", summary="nginx inactive on app1", findings=[], waiver=None, signoff=False, params={})
        document["items"].append(spec)

    release.forge(hide)
    release.sign_all()
    done = release.verify()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "spec.test_nginx_running" in done.stdout


def test_result_of_another_environment_verifies_under_a_config_without_environments(release: Release) -> None:
    """The verifier's golive.yml defines no environments (its environment is 'default'); a
    result for 'prod' judged under the same checklist must not be its GO."""

    def relabel(document: dict[str, Any]) -> None:
        document["environment"] = "prod"

    release.forge(relabel)
    release.sign_all()
    refused(release.verify(), "the result is for environment 'prod'")


def test_an_honest_finding_waiver_verifies(release: Release) -> None:
    """Fail-closed the wrong way: what the engine writes for a waived finding (the finding
    carries the record, the item is `waived` by its worst part, no item-level record) is
    refused as 'waived without a waiver', so no host or finding waiver can ever reach GO."""
    record = release.signed_waiver_record()

    def waive_finding(document: dict[str, Any]) -> None:
        item = _item(document, "release.date")
        finding = {"key": "date:accepted-one", "status": "waived", "was": "fail", "detail": "accepted", "waiver": record}
        item.update(status="waived", findings=[finding])

    release.forge(waive_finding)
    release.sign_all()
    done = release.verify()
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("command", ["waive", "attest"])
def test_waive_or_attest_with_a_fifo_as_key_exits_2_instead_of_hanging(release: Release, command: str) -> None:
    """A FIFO where a file is expected is exit 2, detected by stat before it is opened (issue 15);
    `golive waive --key FIFO` hands it to ssh-keygen, which blocks reading it."""
    import os
    import signal
    import subprocess

    fifo = release.root / "key.fifo"
    os.mkfifo(fifo)
    expires = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=5)).isoformat()
    # A session of its own, so a hang is cleaned up whole (golive and the ssh-keygen it started).
    write(release.repo / "attesting.yml", NO_RUNNER_CONFIG + "attestations: attestations.yml\n")
    arguments = {
        "waive": ["waive", "release.date", "--reason", "r", "--expires", expires, "--role", "security-lead"],
        "attest": [
            "attest",
            "docs.install",
            "--by",
            "Ana",
            "--role",
            "release-manager",
            "--evidence",
            "https://ci.example/1",
            "--config",
            "attesting.yml",
        ],
    }[command]
    process = subprocess.Popen(
        [sys.executable, "-m", "golive", *arguments, "--key", str(fifo)],
        cwd=release.repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"golive {command} --key FIFO hung")
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_a_waiver_whose_text_looks_secret_is_refused_before_masking_could_void_it(release: Release) -> None:
    """Masking would rewrite the embedded signed statement (the reason's URL password becomes
    [redacted]), so such a waiver could never verify: `golive waive` refuses it at once, and one
    signed past it waives nothing at check time, with the reason (never a waiver that check
    counts and verify refuses)."""
    expires = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=5)
    reason = "see https://bob:hunter2@wiki.example/LUN-412"
    done = golive(
        "waive", "tests.coverage", "--reason", reason, "--expires", expires.isoformat(),
        "--role", "security-lead", "--key", str(release.keys["security-lead"]), cwd=release.repo,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "looks secret" in done.stderr and "hunter2" not in done.stderr
    from golive.attestations import append
    from golive.decision import HEADER, make_waiver

    signed_at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=1)

    entry = make_waiver("tests.coverage", None, None, reason, None, expires, "security-lead", signed_at, release.keys["security-lead"])
    append(release.repo / "waivers.yml", entry, [], HEADER)
    git(release.repo, "add", ".")
    git(release.repo, "commit", "-q", "-m", "waiver")
    git(release.repo, "tag", "-f", "-a", "v1.4.0", "-m", "1.4.0")
    checked = golive("check", "--format", "json", cwd=release.repo)
    assert checked.returncode == 3, checked.stdout + checked.stderr
    document = release.document()
    assert _item(document, "tests.coverage")["status"] != "waived"
    assert any("looks secret" in problem for problem in document["decision"]["waiver_problems"])
    assert "hunter2" not in release.result.read_text()


def test_as_of_offset_does_not_extend_a_waiver_past_its_expiry(release: Release) -> None:
    """The same instant written with -12:00 instead of Z keeps an expired waiver counting:
    expiry is compared with as_of.date() in the offset the runner happened to pass."""
    expires = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=5)
    done = golive(
        "waive", "tests.coverage", "--reason", "legacy module", "--expires", expires.isoformat(),
        "--role", "security-lead", "--key", str(release.keys["security-lead"]), cwd=release.repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    git(release.repo, "add", ".")
    git(release.repo, "commit", "-q", "-m", "waiver")
    git(release.repo, "tag", "-f", "-a", "v1.4.0", "-m", "1.4.0")
    day_after_utc = dt.datetime.combine(expires + dt.timedelta(days=1), dt.time(8, 0), dt.UTC)
    statuses = {}
    for written in (day_after_utc.isoformat(), day_after_utc.astimezone(dt.timezone(dt.timedelta(hours=-12))).isoformat()):
        golive("check", "--format", "json", "--as-of", written, cwd=release.repo)
        statuses[written] = _item(release.document(), "tests.coverage")["status"]
    assert len(set(statuses.values())) == 1, statuses
    assert "waived" not in statuses.values(), statuses


def test_usage_error_message_names_the_option_not_redacted(release: Release) -> None:
    """Masking of error lines takes the help text `--sign-key KEY,` for a secret flag and
    prints `--sign-key [redacted] signoff.runner_key`: the one line no longer says what to pass."""
    done = release.verify("--attestation", str(release.root / "verdict.intoto.jsonl"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "[redacted]" not in done.stderr, done.stderr


def test_a_refused_verify_does_not_leave_an_earlier_passed_attestation_at_its_target(release: Release) -> None:
    """A deploy step that checks OUT.intoto.jsonl with securesystemslib (README) must not find a
    PASSED verdict for this commit after `golive verify ... --attestation OUT` said NOT GO: the
    GO of an earlier verify of the same commit stays there untouched."""
    runner_key = keygen(release.keys_dir, "attestation-runner")
    out = release.root / "verdict.intoto.jsonl"
    release.sign_all()
    first = release.verify("--attestation", str(out), "--sign-key", str(runner_key))
    assert first.returncode == 0 and out.is_file(), first.stdout + first.stderr
    # The same commit is no longer GO: a sign-off is withdrawn.
    release.result.with_name("result.json.product-owner.sig").unlink()
    again = release.verify("--attestation", str(out), "--sign-key", str(runner_key))
    assert again.returncode == 1, again.stdout + again.stderr
    if out.exists():
        import base64

        payload = json.loads(base64.b64decode(json.loads(out.read_text())["payload"]))
        assert payload["predicate"]["verificationResult"] != "PASSED", "a NOT GO verify left a PASSED attestation in place"


@pytest.mark.parametrize("value", ["nan", "inf", "1e400"])
def test_check_timeout_that_is_not_finite_is_a_usage_error(release: Release, value: str) -> None:
    """click's FloatRange(min=1) lets nan through (nan < 1 is false) and has no upper bound:
    `--timeout nan` silently drops the shared deadline (min(limit, nan) is limit) and the run
    goes ahead; issue 15 wants every number from options finite and in range, else exit 2."""
    done = golive("check", "--format", "json", "--timeout", value, cwd=release.repo)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--timeout" in done.stderr


@pytest.mark.parametrize("value", [".nan", ".inf", "-1", "0"])
def test_source_timeout_that_is_not_a_positive_finite_number_is_a_configuration_error(release: Release, value: str) -> None:
    """`sources.<name>.timeout: .nan` (or .inf, -1, 0) is taken as is and the run goes ahead;
    a number from configuration must be finite and in range, else exit 2 naming file:line."""
    write(release.repo / "timeouts.yml", NO_RUNNER_CONFIG + f"sources: {{git: {{timeout: {value}}}}}\n")
    done = golive("check", "--config", "timeouts.yml", "--format", "json", cwd=release.repo)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "timeouts.yml:5" in done.stderr and "timeout" in done.stderr, done.stderr


@pytest.mark.parametrize(
    "override",
    [
        "tests.coverage: {min_percent: .nan}",
        "tests.coverage: {max_age_hours: .inf}",
        "tests.coverage: {max_age_hours: -1}",
        "promotion.staging_go: {max_age_days: .nan}",
    ],
)
def test_item_parameter_that_is_not_a_finite_number_in_range_is_a_configuration_error(release: Release, override: str) -> None:
    """Item parameters from golive.yml are not checked when the configuration loads: the run
    goes ahead and each check meets NaN/inf on its own (a crash becomes `error`, a negative age
    a `fail`). Issue 15: configuration numbers are finite and in range, else exit 2 at file:line."""
    write(release.repo / "params.yml", NO_RUNNER_CONFIG + f"items: {{{override}}}\n")
    done = golive("check", "--config", "params.yml", "--format", "json", cwd=release.repo)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "params.yml:5" in done.stderr, done.stderr


@pytest.mark.parametrize("options", ['namespaces="git"', 'valid-before="20200101"'])
def test_sign_refuses_at_once_a_key_whose_signers_line_does_not_allow_golive_signatures(release: Release, options: str) -> None:
    """`golive sign` checks only that the line names the role; a line limited to another
    namespace, or expired, lets it write a signature that verify then refuses. Issue 14 item 6:
    sign refuses at once a key the signers file does not allow for that role."""
    lines = (release.repo / "allowed_signers").read_text().splitlines()
    lines[0] = lines[0].replace('namespaces="golive"', options)
    (release.repo / "allowed_signers").write_text("\n".join(lines) + "\n")
    done = golive("sign", str(release.result), "--role", "release-manager", "--key", str(release.keys["release-manager"]), cwd=release.repo)
    assert done.returncode == 2, done.stdout + done.stderr
