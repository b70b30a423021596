"""YAML loading that remembers where every value came from, for errors with file:line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ConfigError(Exception):
    """Bad input: golive prints the message as one line and exits 2 without judging."""


Key = tuple[str | int, ...]


@dataclass
class Located:
    """A parsed YAML document and the line (1-based) of every key and list entry in it."""

    path: Path
    data: Any
    lines: dict[Key, int] = field(default_factory=dict)

    def where(self, key: Key) -> str:
        """`file:line` of `key`, or of its nearest ancestor that has a line."""
        probe = key
        while probe and probe not in self.lines:
            probe = probe[:-1]
        line = self.lines.get(probe)
        return f"{self.path}:{line}" if line else str(self.path)


def load(path: Path, what: str = "file") -> Located:
    """Parse `path`; a missing file or bad YAML raises ConfigError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: {what} is a directory, expected a YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc}") from None
    return parse(text, path)


def parse(text: str, path: Path) -> Located:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML error: {' '.join(str(exc).split())}") from None
    located = Located(path, None)
    if node is not None:
        located.data = _Builder(path, located.lines).construct(node, ())
    return located


class _Builder:
    def __init__(self, path: Path, lines: dict[Key, int]) -> None:
        self.path = path
        self.lines = lines
        self.scalars = yaml.constructor.SafeConstructor()

    def construct(self, node: yaml.Node, key: Key) -> Any:
        self.lines[key] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            mapping: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                name = self.scalar(key_node)
                line = key_node.start_mark.line + 1
                if not isinstance(name, (str, int, float, bool)):
                    raise ConfigError(f"{self.path}:{line}: keys must be plain scalars")
                if name in mapping:
                    raise ConfigError(f"{self.path}:{line}: duplicate key '{name}'")
                child = (*key, str(name))
                mapping[name] = self.construct(value_node, child)
                self.lines[child] = line
            return mapping
        if isinstance(node, yaml.SequenceNode):
            return [self.construct(item, (*key, index)) for index, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise ConfigError(f"{self.path}:{node.start_mark.line + 1}: keys must be plain scalars")
        try:
            return self.scalars.construct_object(node)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{self.path}:{node.start_mark.line + 1}: {exc}") from None


def suggest(name: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest valid name, or an empty string."""
    close = difflib.get_close_matches(name, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def dotted(key: Key) -> str:
    text = ""
    for part in key:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
