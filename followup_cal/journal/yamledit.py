"""Write facts back into the user's YAML without disturbing anything else.

ruamel.yaml's round-trip mode keeps comments, key order, quoting and blank lines. Two
things it does not do on its own, and which are handled here:

- the indentation style must be told, not guessed per file: we try the common styles
  and keep the one that reproduces the file byte for byte (and refuse to edit a file
  that none reproduces, rather than reformat it behind the user's back);
- a comment block that follows a mapping (say, the comment above the next interview)
  is stored on the *last* value before it, so a key appended at the end would land
  below that comment; the block is moved to the new last value.

Nothing here knows the policy or the CLI: it edits mappings and lists by key.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import SingleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

from followup_cal.errors import Problem, UneditableFile

# (mapping indent, sequence indent, dash offset): the styles people and tools write.
STYLES = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0), (2, 3, 1), (3, 3, 1))


def _yaml(style: tuple[int, int, int]) -> YAML:
    yaml = YAML()  # round-trip mode
    yaml.preserve_quotes = True
    yaml.width = 1 << 16  # never re-wrap a long line the user wrote on one line
    # Two facts on the same day must read as two dates, not as an anchor and an alias.
    yaml.representer.ignore_aliases = lambda _data: True
    mapping, sequence, offset = style
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _first_difference(before: str, after: str) -> int:
    pairs = zip(before.splitlines(), after.splitlines(), strict=False)
    for number, (old, new) in enumerate(pairs, start=1):
        if old != new:
            return number
    return min(len(before.splitlines()), len(after.splitlines())) + 1


# The line that makes a run of interview list items a document of their own.
PART_HEADER = "interviews:\n"


@dataclass
class EditableYaml:
    """A YAML file loaded for editing; :meth:`text` gives it back with the edits.

    Loaded by :meth:`parse_part`, it holds only some of the interviews: ``before`` and
    ``after`` are the rest of the file, given back untouched.
    """

    path: str
    data: Any
    yaml: YAML
    before: str | None = None
    after: str = ""

    @classmethod
    def parse(cls, path: str, text: str) -> EditableYaml:
        best_line = 0
        for style in STYLES:
            yaml = _yaml(style)
            try:
                data = yaml.load(text)
            except YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = mark.line + 1 if mark else 1
                raise UneditableFile(
                    Problem(path, line, 1, f"cannot be edited safely: {exc}")
                ) from None
            dumped = _dump(yaml, data)
            if dumped == text:
                return cls(path, data, yaml)
            best_line = max(best_line, _first_difference(text, dumped))
        raise UneditableFile(
            Problem(
                path,
                best_line,
                1,
                "followup-cal cannot write to this file without reformatting this line; "
                "record the fact by hand, or reformat the file once with consistent "
                "indentation (2 spaces per level)",
            )
        )

    @classmethod
    def parse_part(cls, path: str, text: str, lines: tuple[int, int]) -> EditableYaml | None:
        """Only the interviews on ``lines`` (0-based [first, end), whole list items), so
        that an edit costs what the edited interview costs, not the file; None when that
        part does not stand on its own (an alias to elsewhere, a flow list, an odd
        layout), and then the caller edits the whole file."""
        all_lines = text.splitlines(keepends=True)
        first, end = lines
        part = "".join(all_lines[first:end])
        if not part.lstrip(" ").startswith("- ") or first >= end:
            return None
        try:
            doc = cls.parse(path, PART_HEADER + part)
        except UneditableFile:
            return None
        if not isinstance(doc.data, CommentedMap) or not isinstance(
            doc.data.get("interviews"), CommentedSeq
        ):
            return None
        doc.before = "".join(all_lines[:first])
        doc.after = "".join(all_lines[end:])
        return doc

    def text(self) -> str:
        dumped = _dump(self.yaml, self.data)
        if self.before is None:
            return dumped
        return self.before + dumped.removeprefix(PART_HEADER) + self.after

    # -- finding -------------------------------------------------------------------------

    def interviews(self) -> CommentedSeq:
        return self.data["interviews"]

    def interview(self, ident: str) -> CommentedMap | None:
        for item in self.interviews():
            if isinstance(item, CommentedMap) and str(item.get("id")) == ident:
                return item
        return None

    # -- editing -------------------------------------------------------------------------

    def set_key(self, mapping: CommentedMap, key: str, value: Any) -> None:
        """Change a key's value in place, or append the key. A comment at the end of the
        changed line spoke of the old value: it is kept marked ``# was: OLD, "..."``
        (or dropped, when the old value was a list or mapping), never left as is."""
        value = _quoted(value)
        if key in mapping:
            if mapping[key] != value:
                _outdate_comment(mapping, key, mapping[key])
            mapping[key] = value
            return
        trailer = _detach_trailer(mapping)
        mapping[key] = value
        _attach_trailer(mapping, trailer)

    def append_item(
        self, mapping: CommentedMap, key: str, item: Any, *, one_line: bool = False
    ) -> None:
        """Append to the list under ``key``, creating the list when it is missing.

        A new mapping is written on one line when ``one_line`` (journal entries) or when
        the list's last item is written that way.
        """
        item = _quoted(item)
        existing = mapping.get(key)
        if isinstance(existing, CommentedSeq):
            if isinstance(item, CommentedMap) and len(existing) and _is_flow(existing[-1]):
                item.fa.set_flow_style()
            trailer = _detach_trailer(existing)
            existing.append(item)
            _attach_trailer(existing, trailer)
            return
        if one_line and isinstance(item, CommentedMap):
            item.fa.set_flow_style()
        self.set_key(mapping, key, CommentedSeq([item]))

    def append_interview(self, item: CommentedMap) -> None:
        """A new interview at the end, separated by a blank line when the others are."""
        items = self.data.get("interviews")
        if not isinstance(items, CommentedSeq) or (not len(items) and _is_flow(items)):
            # A new file's `interviews: []` becomes a block list.
            items = CommentedSeq()
            self.data["interviews"] = items
        item = _quoted(item)
        trailer = _detach_trailer(items) or ""
        if len(items):
            # Comments indented as the last interview's keys are its own and stay with it.
            own, trailer = _split_indented(trailer, items.lc.item(len(items) - 1)[1])
            if _separated_by_blank_lines(items):
                own += "\n"
            _attach_trailer(items, own)
        items.append(item)
        _attach_trailer(items, trailer)


# What YAML 1.1 readers (PyYAML's safe_load, and many tools) take for a boolean, a null
# or a number when written plain, which ruamel's YAML 1.2 writes plain: a name 'yes',
# 'No' or 'on' would read back as true or false there.
_NOT_TEXT_IN_YAML_1_1 = (
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
)


def _quoted(value: Any) -> Any:
    """A new value with each text that a YAML 1.1 reader would not read as text quoted
    (in place in a new mapping or list, so that its flow style stays)."""
    if type(value) is str:
        import yaml as pyyaml

        resolved = pyyaml.resolver.Resolver().resolve(pyyaml.ScalarNode, value, (True, False))
        return SingleQuotedScalarString(value) if resolved in _NOT_TEXT_IN_YAML_1_1 else value
    if isinstance(value, CommentedMap):
        for key in list(value):
            value[key] = _quoted(value[key])
    elif isinstance(value, CommentedSeq):
        for index, item in enumerate(value):
            value[index] = _quoted(item)
    return value


def _outdate_comment(mapping: CommentedMap, key: str, old: Any) -> None:
    entry = mapping.ca.items.get(key)
    token = entry[2] if entry else None
    if token is None:
        return
    own, newline, rest = token.value.partition("\n")
    if not own.lstrip(" ").startswith("#"):
        return  # no comment on the line itself, only what follows it
    said = own.strip().removeprefix("#").strip()
    if isinstance(old, CommentedMap | CommentedSeq):
        token.value = newline + rest if rest else newline
        return
    shown = old.isoformat() if isinstance(old, date) else str(old)
    # A comment already marked keeps its history: "was: B; was: A, ...".
    history = f"; {said}" if said.startswith("was: ") else f', "{said}"' if said else ""
    token.value = f"# was: {shown}{history}" + newline + rest


def _is_flow(node: Any) -> bool:
    return isinstance(node, CommentedMap | CommentedSeq) and bool(node.fa.flow_style())


def _last_path(node: Any) -> Iterator[tuple[Any, Any]]:
    """(container, key or index) from ``node`` down to its last leaf."""
    while isinstance(node, CommentedMap | CommentedSeq) and len(node) and not _is_flow(node):
        key = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
        yield node, key
        node = node[key]


def _slot(container: Any) -> int:
    """Where ruamel keeps the comment after an item: after a mapping's value, or a
    list item's."""
    return 2 if isinstance(container, CommentedMap) else 0


def _detach_trailer(node: Any, *, remove: bool = True) -> str | None:
    """Remove and return the lines that follow ``node``'s last value (blank lines and
    comments belonging to what comes next); an end-of-line comment stays.

    ruamel keeps such lines in one of two places: after the last value's own comment
    (``ca.items``), or as the ``ca.end`` of a list whose last item is written on one line.
    With ``remove=False`` they are only read.
    """
    rest = ""
    for container, key in reversed(list(_last_path(node))):
        entry = container.ca.items.get(key)
        token = entry[_slot(container)] if entry else None
        if token is not None:
            own, newline, after = token.value.partition("\n")
            if remove:
                token.value = own + newline
            rest += after
        if container.ca.end:
            rest += "".join(_line(t) for t in container.ca.end)
            if remove:
                container.ca.end = []
        if rest:
            return rest
    return None


def _line(token: CommentToken) -> str:
    """A whole-line comment token as text, indented as it was."""
    if token.value.startswith("#"):
        return " " * token.column + token.value
    return token.value


def _attach_trailer(node: Any, trailer: str | None) -> None:
    if not trailer:
        return
    path = list(_last_path(node))
    if not path:
        return
    container, key = path[-1]
    size = 4 if isinstance(container, CommentedMap) else 2
    entry = container.ca.items.setdefault(key, [None] * size)
    slot = _slot(container)
    if entry[slot] is not None:
        entry[slot].value = entry[slot].value.rstrip("\n") + "\n" + trailer
    else:
        entry[slot] = CommentToken("\n" + trailer, CommentMark(0), None)


def _split_indented(trailer: str, column: int) -> tuple[str, str]:
    """The leading comment lines indented at least ``column``, and the rest."""
    lines = trailer.splitlines(keepends=True)
    count = 0
    for line in lines:
        if not line.strip() or len(line) - len(line.lstrip(" ")) < column:
            break
        count += 1
    return "".join(lines[:count]), "".join(lines[count:])


def _separated_by_blank_lines(items: CommentedSeq) -> bool:
    """Whether the file leaves an empty line (or a comment block) between list items."""
    return len(items) < 2 or bool(_detach_trailer(items[-2], remove=False))
