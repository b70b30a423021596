"""Ansible inventories read in-process: parse errors with their reason, host patterns resolved.

Ansible is imported on first use (its import costs most of a second), so commands
that never touch an inventory stay fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class InventoryError(Exception):
    """The inventory could not be parsed; the message names the file and the reason."""


class Inventory:
    """A parsed inventory: host patterns in, host names out (in inventory order)."""

    def __init__(self, path: Path, manager: Any) -> None:
        self.path = path
        self._manager = manager

    def hosts(self, pattern: str) -> list[str]:
        with _captured_warnings():
            return [host.name for host in self._manager.get_hosts(pattern)]

    def resolve(self, patterns: list[str]) -> dict[str, list[str]]:
        return {pattern: self.hosts(pattern) for pattern in dict.fromkeys(patterns)}

    @property
    def all_hosts(self) -> list[str]:
        return self.hosts("all")


def load_inventory(path: Path) -> Inventory:
    """Parse `path` (a file or a directory of inventory sources) as Ansible would."""
    if not path.exists():
        raise InventoryError(f"inventory {path}: no such file or directory")
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader

    with _captured_warnings() as warnings:
        manager = InventoryManager(loader=DataLoader(), sources=[])
        try:
            parsed = manager.parse_source(str(path))
        except Exception as exc:  # an inventory script or plugin may raise anything
            raise InventoryError(f"inventory {path}: {' '.join(str(exc).split())}") from None
    if not parsed:
        raise InventoryError(f"inventory {path}: Ansible could not parse it: {_reason(path, warnings)}")
    manager._inventory.reconcile_inventory()
    return Inventory(path, manager)


def validate_inventory(path: Path) -> str | None:
    """Why `path` is not a usable inventory (naming the file), or None when it parses."""
    try:
        load_inventory(path)
    except InventoryError as exc:
        return str(exc)
    return None


def _reason(path: Path, warnings: list[str]) -> str:
    """The most telling parser complaint: the plugin matching the file's format first."""
    failures = [text for text in warnings if text.startswith("Failed to parse inventory with")]
    preferred = ("'yaml'", "'auto'") if path.suffix in (".yml", ".yaml") else ("'ini'",) if path.is_file() else ()
    failures.sort(key=lambda text: not any(name in text.split(":", 1)[0] for name in preferred))
    if not failures:
        return "no inventory plugin accepted it"
    lines = [line.strip() for line in failures[0].splitlines() if line.strip()]
    cause = next((line for line in lines[1:] if line.startswith("Origin:")), "")
    return " ".join([lines[0].removeprefix("Failed to parse inventory with "), cause]).strip()


@contextlib.contextmanager
def _captured_warnings() -> Iterator[list[str]]:
    """Ansible's warnings inside the block, as text, instead of on the terminal."""
    messages: list[str] = []
    try:
        from ansible._internal import _display_utils
    except ImportError:  # ansible-core < 2.19 prints them itself
        yield messages
        return
    with _display_utils.DeferredWarningContext(variables={}) as context:
        yield messages
    messages.extend(_display_utils.format_message(warning, False) for warning in context.get_warnings())
