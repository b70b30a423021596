"""An installed wheel carries what golive needs at run time, not only the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "golive", "playbooks", "roles")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a copy: an in-tree build would leave build/ and *.egg-info in the checkout.
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(source)]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)
    (built,) = out.glob("golive-*.whl")
    return built


def test_wheel_ships_the_playbook_roles_checklist_and_schema(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "golive/ansible_content/playbooks/verify.yml",
        "golive/ansible_content/roles/golive_collect/library/golive_collect.py",
        "golive/ansible_content/roles/golive_collect/tasks/main.yml",
        "golive/ansible_content/roles/lunia_reference/tasks/main.yml",
        "golive/checklist/default.yml",
        "golive/schema/result-v1.schema.json",
        # Subpackages are found by pyproject's packages.find: a split module must stay in the wheel.
        "golive/demo/phases.py",
        "golive/sandbox/faults/__init__.py",
    ):
        assert required in names, required
    assert not [name for name in names if "__pycache__" in name]


def test_installed_wheel_finds_its_own_playbook_and_roles(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)], check=True, timeout=300)
    probe = (
        "import golive\n"
        "from golive.collectors.hosts import PLAYBOOK, ROLES_PATH\n"
        "from golive.sandbox.converge import DEFAULT_ROLES_PATH\n"
        "print(golive.__file__, PLAYBOOK, ROLES_PATH, DEFAULT_ROLES_PATH)\n"
    )
    # Run outside the checkout, the installed copy first on the path: what a pip-installed golive sees.
    env = {**os.environ, "PYTHONPATH": str(site)}
    probed = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert probed.returncode == 0, probed.stderr
    package, playbook, roles, converge_roles = (Path(line) for line in probed.stdout.split())
    assert package.is_relative_to(site)
    assert playbook == site / "golive" / "ansible_content" / "playbooks" / "verify.yml"
    assert playbook.is_file()
    assert roles == converge_roles == site / "golive" / "ansible_content" / "roles"
    assert (roles / "golive_collect" / "library" / "golive_collect.py").is_file()


def test_execution_environment_build_context_installs_this_wheel(wheel: Path, tmp_path: Path) -> None:
    """`ansible-builder create` on the shipped definition, as an AWX/AAP admin runs it: the
    context holds golive's wheel and the Containerfile installs it on the configurable base."""
    import yaml

    project = tmp_path / "project"
    (project / "dist").mkdir(parents=True)
    shutil.copy2(ROOT / "execution-environment.yml", project / "execution-environment.yml")
    shutil.copy2(wheel, project / "dist" / wheel.name)
    definition = yaml.safe_load((project / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    builder = Path(sys.executable).parent / "ansible-builder"
    done = subprocess.run(
        [str(builder), "create", "-f", "execution-environment.yml", "-c", "context", "--output-filename", "Containerfile"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    context = project / "context"
    containerfile = (context / "Containerfile").read_text()
    assert 'ARG EE_BASE_IMAGE="ee-base:latest"' in containerfile
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    final_stage = containerfile.split("AS final", 1)[1]
    assert "COPY _build/golive/ /tmp/golive/" in final_stage
    assert "pip install --no-cache-dir /tmp/golive/golive-*.whl" in final_stage
    assert "RUN golive --version" in final_stage
    (shipped,) = (context / "_build" / "golive").glob("golive-*.whl")
    assert shipped.read_bytes() == wheel.read_bytes()
    assert "golive/ansible_content/playbooks/verify.yml" in zipfile.ZipFile(shipped).namelist()
    assert "openssh-clients [platform:rpm]" in (context / "_build" / "bindep.txt").read_text()
