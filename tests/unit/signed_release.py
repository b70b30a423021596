"""The release test_trust and test_redteam attack: a bare release repository whose `golive
check` gives `GO pending sign-off`, real ssh-keygen keys for its roles, and the golive
commands those tests run on it (sign, verify, a forged result.json)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

from golive.checklist import load_default
from golive.document import digest
from tests.conftest import git, make_release_repo, write

ROLES = ("release-manager", "security-lead", "product-owner")
RUNNER = "golive-runner"
KEEP = {"release.version_tag", "release.commit_sha", "release.date", "docs.install", "tests.coverage"}


def golive(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "golive", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def keygen(folder: Path, name: str) -> Path:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@test", "-f", str(key)], check=True)
    return key


def signers_line(principals: str, key: Path) -> str:
    return f'{principals} namespaces="golive" {key.with_name(key.name + ".pub").read_text().strip()}'


def team_checklist() -> str:
    disabled = [item.id for item in load_default().items if item.id not in KEEP and not item.protected and item.kind == "check"]
    lines = ["overrides:", "  docs.install: {params: {attestation: ''}}", "  tests.coverage: {severity: advisory}", "disable:"]
    lines += [f"  - {{id: {item_id}, reason: not part of this test, approver: test-suite}}" for item_id in disabled]
    return "\n".join(lines) + "\n"


CONFIG = """release: {repo: .}
checklist: team.yml
signers: allowed_signers
signoff: {runner: golive-runner}
waivers: {file: waivers.yml}
"""
# The policy may name no runner ("when the policy names a runner, verify requires that signature").
NO_RUNNER_CONFIG = CONFIG.replace("signoff: {runner: golive-runner}\n", "")


class Release:
    """A release repository whose check gives `GO pending sign-off`, with keys for every role.

    With a runner (the default) the policy names it and its key signs each result, and an
    outsider's key exists that nothing trusts; without, there are role keys only."""

    def __init__(self, root: Path, runner: bool = True) -> None:
        self.root = root
        self.runner = runner
        self.keys_dir = root / "keys"
        self.keys_dir.mkdir()
        names = (*ROLES, RUNNER, "outsider") if runner else ROLES
        self.keys = {name: keygen(self.keys_dir, name) for name in names}
        self.repo = make_release_repo(root / "release", "2026-11-20T10:00:00+00:00")
        self.signers = [signers_line(role, self.keys[role]) for role in ROLES]
        if runner:
            self.signers.append(signers_line(RUNNER, self.keys[RUNNER]))
        write(self.repo / "team.yml", team_checklist())
        write(self.repo / "golive.yml", CONFIG if runner else NO_RUNNER_CONFIG)
        write(self.repo / "waivers.yml", "[]\n")
        self.write_signers()
        self.commit()

    def copy_to(self, root: Path) -> Self:
        """A private copy (repository, result, keys), for one attack."""
        copy = type(self).__new__(type(self))
        copy.root = root
        shutil.copytree(self.root, copy.root, symlinks=True)
        copy.runner = self.runner
        copy.keys_dir = copy.root / "keys"
        copy.keys = {name: copy.keys_dir / name for name in self.keys}
        copy.repo = copy.root / "release"
        copy.signers = list(self.signers)
        return copy

    def write_signers(self, extra: list[str] | None = None) -> None:
        write(self.repo / "allowed_signers", "\n".join([*self.signers, *(extra or [])]) + "\n")

    def commit(self) -> None:
        git(self.repo, "add", ".")
        git(self.repo, "commit", "-q", "-m", "golive config")
        git(self.repo, "tag", "-f", "-a", "v1.4.0", "-m", "1.4.0")

    def check(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`golive check`, the result signed with the runner's key."""
        return golive("check", "--format", "json,md", "--sign-key", str(self.keys[RUNNER]), *args, cwd=self.repo)

    @property
    def result(self) -> Path:
        return self.repo / "golive-out" / "result.json"

    def document(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.result.read_text())
        return loaded

    def sign(self, role: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
        return golive("sign", str(self.result), "--role", role, "--key", str(self.keys[key or role]), cwd=self.repo)

    def sign_all(self) -> None:
        for role in ROLES:
            done = self.sign(role)
            assert done.returncode == 0, done.stderr

    def verify(self, *args: str) -> subprocess.CompletedProcess[str]:
        return golive("verify", str(self.result), *args, cwd=self.repo)

    def forge(self, edit: Callable[[dict[str, Any]], None]) -> None:
        """Edit result.json as an attacker would, recomputing the plain digest."""
        document = self.document()
        edit(document)
        document["digest"] = digest(document)
        self.result.write_text(json.dumps(document))
