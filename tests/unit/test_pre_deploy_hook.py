"""examples/hooks/pre-deploy.sh against real golive runs: every exit code of the table passes
through unchanged with its one-line meaning, and a cancelled pipeline ends golive cleanly."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import go_checklist, write

HOOK = Path(__file__).resolve().parents[2] / "examples" / "hooks" / "pre-deploy.sh"
AS_OF = "2026-11-29T12:00:00Z"


def golive_wrapper(tmp_path: Path) -> Path:
    """The hook runs `$GOLIVE`: this interpreter's golive, whichever venv the tests run in."""
    return write(tmp_path / "bin" / "golive", f'#!/bin/sh\nexec {sys.executable} -m golive "$@"\n')


def hook(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    wrapper = golive_wrapper(repo.parent)
    wrapper.chmod(0o755)
    env = {**os.environ, "GOLIVE": str(wrapper), "COLUMNS": "160", "NO_COLOR": "1"}
    return subprocess.run(["sh", str(HOOK), *args], cwd=repo, env=env, capture_output=True, text=True, timeout=300)


def allowed_signers(folder: Path) -> Path:
    """A real allowed_signers file (verify asks for one even where no role must sign)."""
    key = folder / "rm_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "rm@example", "-f", str(key)], check=True)
    public = (folder / "rm_ed25519.pub").read_text().strip()
    return write(folder / "allowed_signers", f'release-manager namespaces="golive" {public}\n')


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    return done.stderr.strip().splitlines()[-1]


def test_go_without_signoff_proceeds_and_verifies(release_repo: Path) -> None:
    go_checklist(release_repo, keep_signoff=False)
    # verify ages the result against now: judge as of now.
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    done = hook(release_repo, "check", "--as-of", now)
    assert done.returncode == 0, done.stderr
    assert last_line(done).startswith("pre-deploy: GO: every blocking item passed")
    verified = hook(release_repo, "verify", "golive-out/result.json", "--allowed-signers", str(allowed_signers(release_repo.parent)))
    assert verified.returncode == 0, verified.stderr
    assert last_line(verified).startswith("pre-deploy: verified GO")


def test_pending_signoff_is_3_and_says_what_to_do(release_repo: Path) -> None:
    go_checklist(release_repo, keep_signoff=True)
    done = hook(release_repo, "check", "--as-of", AS_OF)
    assert done.returncode == 3, done.stderr
    assert "GO pending sign-off: collect the roles' signatures (golive sign)" in last_line(done)


def test_no_go_is_1_and_verify_refuses_it(release_repo: Path) -> None:
    write(release_repo / "golive.yml", "release: {repo: .}\n")
    done = hook(release_repo, "check", "--as-of", AS_OF)
    assert done.returncode == 1, done.stderr
    assert last_line(done).startswith("pre-deploy: NO-GO")
    refused = hook(release_repo, "verify", "golive-out/result.json", "--allowed-signers", str(allowed_signers(release_repo.parent)))
    assert refused.returncode == 1, refused.stderr
    assert last_line(refused).startswith("pre-deploy: not verified")


def test_partial_run_is_4(release_repo: Path) -> None:
    go_checklist(release_repo, keep_signoff=False)
    done = hook(release_repo, "check", "--as-of", AS_OF, "--only", "release.*")
    assert done.returncode == 4, done.stderr
    assert last_line(done).startswith("pre-deploy: PARTIAL PASS")


@pytest.mark.parametrize("args", [["check", "--env", "nowhere"], ["verify", "missing.json"], []], ids=["check", "verify", "no-mode"])
def test_bad_input_is_2(release_repo: Path, args: list[str]) -> None:
    write(release_repo / "golive.yml", "release: {repo: .}\n")
    done = hook(release_repo, *args)
    assert done.returncode == 2, done.stderr
    assert "usage" in last_line(done)


def test_a_code_golive_does_not_define_blocks(release_repo: Path) -> None:
    fake = write(release_repo.parent / "bin" / "odd", "#!/bin/sh\nexit 9\n")
    fake.chmod(0o755)
    env = {**os.environ, "GOLIVE": str(fake)}
    done = subprocess.run(["sh", str(HOOK), "verify", "x.json"], cwd=release_repo, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 9
    assert "golive exited 9, which is none of its own codes: treated as a block" in done.stderr


def test_cancelled_pipeline_interrupts_golive_with_130(release_repo: Path) -> None:
    sleeper = "[sh, -c, 'sleep 300 & echo $! > sleep.pid; wait']"
    write(
        release_repo / "golive.yml", f"release: {{repo: .}}\nsources:\n  junit:\n    unit: reports/unit.xml\n    run: {{unit: {sleeper}}}\n"
    )
    wrapper = golive_wrapper(release_repo.parent)
    wrapper.chmod(0o755)
    env = {**os.environ, "GOLIVE": str(wrapper), "NO_COLOR": "1"}
    running = subprocess.Popen(
        ["sh", str(HOOK), "check", "--as-of", AS_OF], cwd=release_repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    pid_file = release_repo / "sleep.pid"
    deadline = time.monotonic() + 120
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.1)
    sleep_pid = int(pid_file.read_text())
    try:
        running.send_signal(signal.SIGTERM)
        _, stderr = running.communicate(timeout=60)
        assert running.returncode == 130, stderr
        assert stderr.strip().splitlines()[-1].startswith("pre-deploy: interrupted")
        out = release_repo / "golive-out"
        assert not out.exists() or not any(out.iterdir())
        with pytest.raises(ProcessLookupError):
            os.kill(sleep_pid, 0)
    finally:
        if running.poll() is None:
            running.kill()
