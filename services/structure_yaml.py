"""Read a structure file's YAML while remembering the line of every key and value."""

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]

_MERGE = "tag:yaml.org,2002:merge"
_INT = "tag:yaml.org,2002:int"
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)")
# Aliases can expand a tiny file into millions of values ("billion laughs"); stop well before.
_MAX_VALUES = 200_000


class StructureError(Exception):
    """A malformed structure file; str(e) names the line and the field of each problem."""

    def __init__(
        self, source: str, line: int | None, field: str, problem: str,
        others: tuple["StructureError", ...] = (),
    ) -> None:
        self.source, self.line, self.field, self.problem = source, line, field, problem
        # Every further problem found in the same pass, so the office can fix them all at once.
        self.others = others
        super().__init__(self.describe())

    def describe(self) -> str:
        """Format this one problem as 'file line N: field.path: problem'."""
        where = self.source if self.line is None else f"{self.source} line {self.line}"
        label = f"{self.field}: " if self.field else ""
        return f"{where}: {label}{self.problem}"

    def __str__(self) -> str:
        return "\n".join(e.describe() for e in (self, *self.others))


def format_path(path: Path) -> str:
    """Spell a location the way the office reads it: communities[0].grids[1].code."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


@dataclass
class Located:
    """Plain Python data from the YAML, plus 1-based line numbers for every path in it."""

    source: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    key_lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """Return the line of the value at path, or of its nearest enclosing value."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def key_line(self, path: Path) -> int | None:
        """Return the line where the key ending path is written (the value's line if none)."""
        return self.key_lines.get(path) or self.line_of(path)

    def error(self, path: Path, problem: str, *, key: bool = False) -> StructureError:
        """Build the error for a problem found at path."""
        line = self.key_line(path) if key else self.line_of(path)
        return StructureError(self.source, line, format_path(path), problem)


def read_yaml(text: str, source: str) -> Located:
    """Parse YAML text into plain data and line numbers; raise StructureError if it is not YAML."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        if exc.context and exc.context_mark is not None:
            problem += f" ({exc.context} on line {exc.context_mark.line + 1})"
        line = None if mark is None else mark.line + 1
        raise StructureError(source, line, "", f"not valid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise StructureError(source, line, "", f"not valid YAML: {exc.reason}") from None
    if root is None:
        raise StructureError(source, None, "", "the file is empty; it must describe street:")
    located = Located(source, None)
    located.data = _Reader(located).value(root, ())
    return located


class _Reader:
    """Turns composed nodes into dicts, lists and scalars, recording lines on the way."""

    def __init__(self, located: Located) -> None:
        self.located = located
        # Only used for its scalar constructors and merge-key (`<<:`) flattening.
        self.loader = yaml.SafeLoader("")
        self.count = 0
        self.open: set[int] = set()

    def fail(self, node: Node, path: Path, problem: str) -> StructureError:
        return StructureError(
            self.located.source, node.start_mark.line + 1, format_path(path), problem
        )

    def value(self, node: Node, path: Path) -> Any:
        self.count += 1
        if self.count > _MAX_VALUES:
            raise self.fail(node, path, "the file expands to too many values (aliases?)")
        self.located.lines[path] = node.start_mark.line + 1
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if id(node) in self.open:
            raise self.fail(node, path, "an alias refers to itself")
        self.open.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, MappingNode)
            return self.mapping(node, path)
        finally:
            self.open.discard(id(node))

    def scalar(self, node: ScalarNode, path: Path) -> Any:
        # YAML 1.1 reads 010 as 8, 1:30 as 90 and +86… as 86…; nobody writing a phone or building
        # number means that, so only plain decimal digits become numbers; the rest stays text.
        if node.tag == _INT and not _DECIMAL.fullmatch(node.value):
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.fail(node, path, f"cannot read this value: {problem}") from None

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        first: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, path, "a key must be a plain word like name:")
            line = key_node.start_mark.line + 1
            # PyYAML keeps the last of two equal keys; a silently lost value is worse than an error.
            if key_node.value in first:
                raise self.fail(
                    key_node, (*path, key_node.value),
                    f"is written twice in the same place (first on line {first[key_node.value]})",
                )
            first[key_node.value] = line
        try:
            self.loader.flatten_mapping(node)
        except yaml.MarkedYAMLError as exc:
            raise self.fail(node, path, f"cannot merge: {exc.problem}") from None
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, path, "a key must be a plain word like name:")
            key_path = (*path, key_node.value)
            self.located.key_lines[key_path] = key_node.start_mark.line + 1
            result[key_node.value] = self.value(value_node, key_path)
        return result
