"""Build step: ship playbooks/ and roles/ inside the wheel.

They live at the top of the source tree (the project's layout); golive.content finds
them there in a checkout or an editable install, and under golive/ansible_content/
in an installed wheel, which this step fills.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
ANSIBLE_CONTENT = ("playbooks", "roles")


class BuildWithAnsibleContent(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the source tree itself
        for name in ANSIBLE_CONTENT:
            target = Path(self.build_lib, "golive", "ansible_content", name)
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithAnsibleContent})
