"""Where golive's Ansible content (playbooks/, roles/) is on this install.

The source tree keeps playbooks/ and roles/ at the top level, beside the golive
package; a wheel carries copies under golive/ansible_content/ (setup.py's build step).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGED = PACKAGE_DIR / "ansible_content"
SOURCE_TREE = PACKAGE_DIR.parent


def ansible_content(name: str) -> Path:
    """The directory `name` ("playbooks" or "roles"): the wheel's copy, else the source tree's."""
    packaged = PACKAGED / name
    return packaged if packaged.is_dir() else SOURCE_TREE / name
