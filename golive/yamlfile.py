"""YAML loading that remembers where every value came from, for errors with file:line."""

from __future__ import annotations

import difflib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from golive.secrets import mask_text


class ConfigError(Exception):
    """Bad input: golive prints the message as one line and exits 2 without judging.

    The message is masked here, once, as it may quote a value from the file (a URL with its password).
    """

    def __init__(self, message: str) -> None:
        super().__init__(mask_text(message))


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


# A golive.yml, a waivers or attestations file or a team checklist holds hundreds to a few
# thousand values (the default checklist builds about 1 100). 100 000 leaves room for any real
# file and for honest reuse of anchors, while building that many values takes well under a
# second and a few tens of MiB, so a 300-byte alias bomb (9**9 values) stops there.
MAX_VALUES = 100_000
# Real files nest fewer than ten levels. Each level costs the composer two Python frames and
# the builder one, so 64 keeps far clear of the interpreter's recursion limit (a 100 000-deep
# `[[[...` is one clear error, not a RecursionError).
MAX_DEPTH = 64
# Configuration and result files are read whole; the largest real ones are well under 1 MiB.
MAX_FILE_BYTES = 16 * 1024 * 1024

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


def regular_file(path: Path, what: str, max_bytes: int = MAX_FILE_BYTES) -> int:
    """The size of `path` once stat (never open: a FIFO would block) shows a regular file of at
    most `max_bytes`; a missing file, directory, FIFO, device or socket is a ConfigError."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    _require_regular(path, what, info.st_mode)
    if info.st_size > max_bytes:
        raise ConfigError(f"{path}: {what} is {info.st_size} bytes, more than the {max_bytes} golive reads")
    return info.st_size


def _require_regular(path: Path, what: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"))
    kind = next((name for test, name in kinds if test(mode)), "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a file")
    raise ConfigError(f"{path}: {what} is {kind}, expected a regular file")


def read_bytes(path: Path, what: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The content of the regular file `path`, at most `max_bytes`; anything else is a ConfigError."""
    regular_file(path, what, max_bytes)
    try:
        # O_NONBLOCK and the fstat close the race with a swap to a FIFO after the stat above.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(descriptor, "rb") as handle:
            _require_regular(path, what, os.fstat(handle.fileno()).st_mode)
            content = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    if len(content) > max_bytes:
        raise ConfigError(f"{path}: {what} is more than the {max_bytes} bytes golive reads")
    return content


def read_text(path: Path, what: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """`read_bytes` decoded as UTF-8."""
    try:
        return read_bytes(path, what, max_bytes).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read {what}: not UTF-8 text (byte {exc.start})") from None


def load(path: Path, what: str = "file") -> Located:
    """Parse `path`; a missing or irregular file or bad YAML raises ConfigError naming file and line."""
    return parse(read_text(path, what), path)


def parse(text: str, path: Path) -> Located:
    """Parse `text` (read from `path`) with bounded nesting and alias expansion."""
    try:
        # The reader rejects unprintable characters already while the loader is made.
        loader = _BoundedLoader(text, path)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from None
    except yaml.reader.ReaderError as exc:
        raise ConfigError(
            f"{path}:{text.count(chr(10), 0, exc.position) + 1}: YAML error: unacceptable character #x{exc.character:04x}: {exc.reason}"
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML error: {' '.join(str(exc).split())}") from None
    located = Located(path, None)
    if node is not None:
        located.data = _Builder(path, located.lines).construct(node, ())
    return located


class _Alias(yaml.Node):
    """Where an alias stood: the composer otherwise hands back the anchored node itself, so a
    recursive alias could not be told from its anchor, nor its line reported."""

    def __init__(self, anchor: str, target: yaml.Node, start_mark: yaml.Mark, end_mark: yaml.Mark) -> None:
        super().__init__(target.tag, target, start_mark, end_mark)
        self.anchor = anchor
        self.target = target


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader's composer, refusing nesting deeper than MAX_DEPTH and keeping aliases."""

    def __init__(self, text: str, path: Path) -> None:
        super().__init__(text)
        self.path = path
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()  # type: ignore[no-untyped-call]
            if event.anchor not in self.anchors:
                raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
            return _Alias(event.anchor, self.anchors[event.anchor], event.start_mark, event.end_mark)
        if self.depth >= MAX_DEPTH:
            line = self.peek_event().start_mark.line + 1  # type: ignore[no-untyped-call]
            raise ConfigError(f"{self.path}:{line}: nested more than {MAX_DEPTH} levels deep")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Builder:
    """Plain Python values from the node graph, each alias expanded where it stands, at most
    MAX_VALUES of them and never an alias inside the value it names."""

    def __init__(self, path: Path, lines: dict[Key, int]) -> None:
        self.path = path
        self.lines = lines
        self.scalars = yaml.constructor.SafeConstructor()
        self.built = 0
        # Collections being built right now, by identity: an alias to one of them is recursive.
        self.open: set[int] = set()
        self.alias_lines: list[int] = []

    def construct(self, node: yaml.Node, key: Key) -> Any:
        if isinstance(node, _Alias):
            return self._expand(node, key)
        self._count(node)
        self.lines[key] = node.start_mark.line + 1
        if len(self.open) >= MAX_DEPTH:
            raise ConfigError(f"{self._where(node)}: aliases nest values more than {MAX_DEPTH} levels deep")
        if isinstance(node, yaml.MappingNode):
            self.open.add(id(node))
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
            self.open.discard(id(node))
            return mapping
        if isinstance(node, yaml.SequenceNode):
            self.open.add(id(node))
            items = [self.construct(item, (*key, index)) for index, item in enumerate(node.value)]
            self.open.discard(id(node))
            return items
        return self._scalar(node)

    def _expand(self, alias: _Alias, key: Key) -> Any:
        line = alias.start_mark.line + 1
        if id(alias.target) in self.open:
            raise ConfigError(f"{self.path}:{line}: alias *{alias.anchor} is recursive: it stands inside the value it names")
        self.alias_lines.append(line)
        value = self.construct(alias.target, key)
        self.alias_lines.pop()
        self.lines[key] = line
        return value

    def _count(self, node: yaml.Node) -> None:
        self.built += 1
        if self.built > MAX_VALUES:
            raise ConfigError(
                f"{self._where(node)}: more than {MAX_VALUES} values once aliases are expanded (an alias bomb?); golive stops there"
            )

    def _where(self, node: yaml.Node) -> str:
        """`file:line` of the outermost alias being expanded (the one in the file's own text), else of `node`."""
        line = self.alias_lines[0] if self.alias_lines else node.start_mark.line + 1
        return f"{self.path}:{line}"

    def scalar(self, node: yaml.Node) -> Any:
        """A mapping key: a plain scalar, counted like any value (an alias may stand for it)."""
        if isinstance(node, _Alias):
            node = node.target
        self._count(node)
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise ConfigError(f"{self.path}:{node.start_mark.line + 1}: keys must be plain scalars")
        try:
            return self.scalars.construct_object(node)
        except yaml.YAMLError as exc:
            # The problem alone: the exception's text adds a multi-line excerpt of the source.
            problem = exc.problem if isinstance(exc, yaml.MarkedYAMLError) and exc.problem else str(exc)
            raise ConfigError(f"{self.path}:{node.start_mark.line + 1}: {' '.join(problem.split())}") from None
        except (ValueError, OverflowError) as exc:
            # The resolver takes `2026-13-31` for a date by its shape; building it then fails.
            kind = "date" if node.tag == _TIMESTAMP_TAG else "value"
            raise ConfigError(f"{self.path}:{node.start_mark.line + 1}: invalid {kind} '{node.value}': {exc}") from None


def suggest(name: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest valid name, or an empty string."""
    close = difflib.get_close_matches(name, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def dotted(key: Key) -> str:
    text = ""
    for part in key:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
