"""YAML loading that remembers where every value came from and refuses duplicate keys.

PyYAML keeps the last of two equal keys without a word; ``load_yaml`` reports them
instead, and records the 1-based line and column of every key and value so that errors
can point at ``file:line:col``.

A spec cannot exhaust the machine: nesting deeper than :data:`MAX_DEPTH`, more than
:data:`MAX_NODES` values after alias expansion (a "billion laughs" alias bomb) and an alias
inside its own anchor (a recursive structure) raise :class:`YamlLimitError` instead of
using gigabytes or overflowing the stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml is ~9x faster; fall back to the pure-Python parser
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader

from unimap.errors import Location

JsonPath = tuple[str | int, ...]

MAX_DEPTH = 100
"""Deepest nesting of mappings and sequences a YAML file may have."""
MAX_NODES = 50_000
"""Most values (after expanding every alias) a YAML file may hold."""


@dataclass(frozen=True)
class Mark:
    """A 1-based position in a YAML file, plus the scalar's quoting style."""

    line: int
    column: int
    style: str | None = None


@dataclass
class Duplicate:
    """A mapping key that appears twice; ``first`` is where it appeared before."""

    path: JsonPath
    mark: Mark
    first: Mark


@dataclass
class YamlDocument:
    """A parsed YAML file: its data, and the marks of each value and key by JSON path."""

    path: Path
    data: Any
    values: dict[JsonPath, Mark] = field(default_factory=dict)
    keys: dict[JsonPath, Mark] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    text: str = ""

    def mark(self, path: JsonPath, *, key: bool = False) -> Mark:
        """The mark of ``path`` (its key when ``key``), or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if not key and probe in self.keys:
                return self.keys[probe]
            probe = probe[:-1]
        return self.values.get((), Mark(1, 1))

    def location(self, path: JsonPath = (), *, key: bool = False) -> Location:
        """A :class:`Location` for ``path`` inside this file."""
        mark = self.mark(path, key=key)
        return Location(str(self.path), mark.line, mark.column)

    def scalar_location(self, path: JsonPath, offset: int) -> Location:
        """Where character ``offset`` of the string scalar at ``path`` sits in the file.

        Exact for plain and quoted one-line scalars and for block scalars (``|``, ``>``);
        folded multi-line plain scalars are approximated line by line.
        """
        mark = self.mark(path)
        lines = self.text.splitlines()
        if mark.style in ("|", ">"):
            row = mark.line  # 0-based index of the first content line
            while row < len(lines) and not lines[row].strip():
                row += 1
            indent = len(lines[row]) - len(lines[row].lstrip()) if row < len(lines) else 0
            return self._walk(lines, row, indent, offset)
        column = mark.column + (1 if mark.style in ("'", '"') else 0)
        first = lines[mark.line - 1] if 0 < mark.line <= len(lines) else ""
        width = len(first) - (column - 1)
        if offset <= width or mark.line >= len(lines):
            return Location(str(self.path), mark.line, column + offset)
        following = lines[mark.line]
        indent = len(following) - len(following.lstrip())
        return self._walk(lines, mark.line, indent, offset - width - 1)

    def _walk(self, lines: list[str], row: int, indent: int, offset: int) -> Location:
        while row < len(lines) - 1 and offset > len(lines[row]) - indent:
            offset -= len(lines[row]) - indent + 1
            row += 1
        return Location(str(self.path), row + 1, indent + max(offset, 0) + 1)


class YamlSyntaxError(Exception):
    """The file is not well-formed YAML; ``location`` says where."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


class YamlLimitError(YamlSyntaxError):
    """The file is well-formed YAML but too deep, too large once aliases are expanded, or recursive."""


def _mark(node: yaml.Node) -> Mark:
    style = getattr(node, "style", None)
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1, style)


class _Builder:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.constructor = _Loader("")
        self.nodes = 0
        self.active: set[int] = set()

    def _enter(self, node: yaml.Node, depth: int) -> None:
        """Charge one value to the budget; refuse recursion, depth and size beyond the limits."""
        self.nodes += 1
        where = Location(str(self.doc.path), node.start_mark.line + 1, node.start_mark.column + 1)
        if id(node) in self.active:
            raise YamlLimitError("recursive alias: an alias refers to an anchor that contains it", where)
        if depth > MAX_DEPTH:
            raise YamlLimitError(f"nesting deeper than {MAX_DEPTH} levels", where)
        if self.nodes > MAX_NODES:
            raise YamlLimitError(f"more than {MAX_NODES} values once aliases are expanded (an alias bomb?)", where)

    def _walk_key(self, node: yaml.Node, depth: int) -> None:
        """Charge a complex (non-scalar) key's nodes before it is constructed and stringified."""
        self._enter(node, depth)
        if isinstance(node, yaml.ScalarNode):
            return
        self.active.add(id(node))
        try:
            for child in node.value:
                for part in child if isinstance(child, tuple) else (child,):
                    self._walk_key(part, depth + 1)
        finally:
            self.active.discard(id(node))

    def _construct(self, node: yaml.Node) -> Any:
        """The node's Python value; a value PyYAML cannot build (``!!timestamp 2024-13-45``) is a syntax error."""
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.MarkedYAMLError:
            raise
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:
            where = Location(str(self.doc.path), node.start_mark.line + 1, node.start_mark.column + 1)
            raise YamlSyntaxError(f"cannot read value {node.tag}: {exc}", where) from None

    def build(self, node: yaml.Node, path: JsonPath) -> Any:
        self._enter(node, len(path))
        self.doc.values[path] = _mark(node)
        if isinstance(node, yaml.ScalarNode):
            return self._construct(node)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                result: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    if not isinstance(key_node, yaml.ScalarNode):
                        self._walk_key(key_node, len(path) + 1)
                    key = self._construct(key_node)
                    if isinstance(key, list | dict):
                        key = str(key)
                    child = (*path, key)
                    if key in result:
                        self.doc.duplicates.append(Duplicate(child, _mark(key_node), self.doc.keys[child]))
                    self.doc.keys[child] = _mark(key_node)
                    result[key] = self.build(value_node, child)
                return result
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            return self._construct(node)
        finally:
            self.active.discard(id(node))


def _check_depth(text: str, path: Path | str) -> None:
    """Refuse nesting beyond :data:`MAX_DEPTH` from the event stream, before the (recursive) composer runs."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise YamlLimitError(
                    f"nesting deeper than {MAX_DEPTH} levels", Location(str(path), mark.line + 1, mark.column + 1)
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def parse_yaml(text: str, path: Path | str) -> YamlDocument:
    """Parse ``text`` (one YAML document) into a :class:`YamlDocument`.

    Raises :class:`YamlSyntaxError` with the problem's location on malformed YAML.
    """
    doc = YamlDocument(Path(path), None, text=text)
    try:
        _check_depth(text, path)
        node = yaml.compose(text, Loader=_Loader)
        doc.data = None if node is None else _Builder(doc).build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or str(exc)
        if exc.context:
            start = exc.context_mark
            moved = start is not None and mark is not None and (start.line, start.column) != (mark.line, mark.column)
            where = f" at {start.line + 1}:{start.column + 1}" if moved and start is not None else ""
            problem = f"{problem} ({exc.context}{where})"
        if "maximum nesting depth" in problem:  # libyaml's own cap (1000 levels)
            raise YamlLimitError(f"nesting deeper than {MAX_DEPTH} levels", Location(str(path), line, column)) from None
        raise YamlSyntaxError(problem, Location(str(path), line, column)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc).splitlines()[0], Location(str(path), 1, 1)) from None
    except RecursionError:
        raise YamlLimitError("the file nests too deeply to parse", Location(str(path), 1, 1)) from None
    return doc


def load_yaml(path: Path | str) -> YamlDocument:
    """Read and parse a YAML file (see :func:`parse_yaml`); a file that is not UTF-8 is a :class:`YamlSyntaxError`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(
            f"the file is not UTF-8 text (byte {exc.start}: {exc.reason})", Location(str(p), 1, 1)
        ) from None
    return parse_yaml(text, p)


def safe_load(text: str, path: Path | str = "<string>") -> Any:
    """Like ``yaml.safe_load`` but under the same limits (for callers that need only the data)."""
    return parse_yaml(text, path).data
