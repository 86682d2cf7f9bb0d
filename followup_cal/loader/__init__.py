"""Read the interviews YAML into a checked :class:`SearchFile`, or report every problem.

PyYAML composes the file into nodes that remember their line and column; we walk those
nodes ourselves instead of letting PyYAML build Python objects, so that every problem
(unknown key, duplicate key, impossible date, ...) is reported as ``FILE:LINE:COL:`` and
all of them are found in one run. YAML's own typing is not trusted: ``2026-11-02`` and
``2026-11-02 14:00`` are parsed from their text, strictly (reader._iso_datetime).

Here: the entry points and the chunked reading of a large file. reader.py holds the node
reader and the key tables; profile.py, rounds.py, interview.py and servers.py read the
sections.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from followup_cal.errors import FileAccessError, InvalidInput, Problem
from followup_cal.loader.interview import _read_interview
from followup_cal.loader.profile import _read_me, _read_policy
from followup_cal.loader.reader import (
    _FIRST_LINE,
    _YAML_LOADER,
    CALDAV_KEYS,
    DATE_RE,
    DATETIME_RE,
    DONE_KEYS,
    DURATION_RE,
    EMAIL_RE,
    HEARD_BACK_KEYS,
    ID_RE,
    IMAP_KEYS,
    INTERVIEW_KEYS,
    INVITATION_KEYS,
    ME_KEYS,
    OUTCOME_KEYS,
    PERSON_KEYS,
    RELATIVE_RE,
    ROUND_KEYS,
    SYNC_ID_PATTERN,
    TIME_RE,
    TOP_KEYS,
    _Invalid,
    _Reader,
)
from followup_cal.loader.servers import _read_caldav, _read_imap
from followup_cal.plan.model import Interview, Profile, SearchFile
from followup_cal.plan.policy import DEFAULT_POLICY, Policy

if TYPE_CHECKING:
    from followup_cal.loader.chunks import Chunks

# What other modules read from here: the entry points, and the key tables and patterns
# that the schema and the CLI's prompts share with the reader.
__all__ = [
    "CALDAV_KEYS",
    "DATETIME_RE",
    "DATE_RE",
    "DONE_KEYS",
    "DURATION_RE",
    "EMAIL_RE",
    "HEARD_BACK_KEYS",
    "ID_RE",
    "IMAP_KEYS",
    "INTERVIEW_KEYS",
    "INVITATION_KEYS",
    "LAST_INTERVIEW",
    "ME_KEYS",
    "OUTCOME_KEYS",
    "PERSON_KEYS",
    "RELATIVE_RE",
    "ROUND_KEYS",
    "SYNC_ID_PATTERN",
    "TIME_RE",
    "TOP_KEYS",
    "ReadWhole",
    "compose",
    "decode",
    "load",
    "open_lazily",
    "parse",
    "read_lazily",
    "read_text",
]

log = logging.getLogger(__name__)


def _item_lines(seq: yaml.Node, items: list[yaml.Node]) -> list[tuple[int, int]]:
    """Each list item's lines, 0-based [first, end): from its own first line to the next
    item's, so comments between two items go with the one before (as ruamel keeps them);
    the last item runs to the end of the list."""
    end = seq.end_mark.line + (1 if seq.end_mark.column else 0)
    starts = [item.start_mark.line for item in items]
    return list(zip(starts, [*starts[1:], end], strict=True))


# -- entry points --------------------------------------------------------------------------


def decode(path: str, data: bytes) -> str:
    """UTF-8 text of the file, or a problem pointing at the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        byte = data[exc.start]
        raise InvalidInput(
            [Problem(path, line, column, f"byte 0x{byte:02x} is not UTF-8; save the file as UTF-8")]
        ) from None
    return text.removeprefix("\ufeff")


def compose(path: str, text: str) -> yaml.Node:
    """The YAML node tree, or the syntax error as one located problem."""
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        raise InvalidInput(
            [Problem(path, 1, 1, "the file is empty; expected a mapping with me: and interviews:")]
        )
    try:
        node = yaml.compose(text, Loader=_YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "not valid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        raise InvalidInput(
            [Problem(path, line, column, f"YAML syntax error: {what}{context}")]
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses, e.g. NUL
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise InvalidInput(
            [
                Problem(
                    path,
                    line,
                    column,
                    f"the character U+{ord(character):04X} is not allowed in YAML; remove it",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:  # errors without a position, e.g. several documents
        message = " ".join(str(exc).split())  # one line, whatever PyYAML's layout
        raise InvalidInput([Problem(path, 1, 1, f"YAML error: {message}")]) from None
    if node is None:
        raise InvalidInput(
            [Problem(path, 1, 1, "the file is empty; expected a mapping with me: and interviews:")]
        )
    return node


# The last text parse() read and what it gave: a command that reads the file, then reads
# it again to write it back (under its lock), parses it once. SearchFile is immutable.
# A large text is known by its digest: keeping it would hold its MBs to the end.
_last_parsed: list[tuple[str, str | bytes, str | None, SearchFile]] = []


def _known_as(text: str) -> str | bytes:
    if len(text) < CHUNKED_FROM:
        return text
    import hashlib

    return hashlib.blake2b(text.encode("utf-8", "surrogatepass")).digest()


# ``parse(..., keep=LAST_INTERVIEW)``: keep the last interview of the list (ids have no '*').
LAST_INTERVIEW = "*last"


def parse(path: str, text: str, keep: str | None = None) -> SearchFile:
    """Check and convert the text of an interviews file; raise InvalidInput with every problem.

    ``keep``: every interview is checked, but only the one with this id (or the last one,
    ``LAST_INTERVIEW``) is kept in the result: a write-back that checks its new text
    needs the interview it edited, not a second copy of a large file."""
    known = _known_as(text)
    if _last_parsed and _last_parsed[0][:3] == (path, known, keep):
        return _last_parsed[0][3]
    _last_parsed.clear()  # let the file read before go while this one is read
    search = _parse(path, text, keep=keep)
    _last_parsed[:] = [(path, known, keep, search)]
    return search


# Above this size a file is composed one interview at a time (see yamlchunks).
CHUNKED_FROM = 1 << 20


class _NotChunkable(Exception):
    """An interview's text does not stand alone: the file is read whole."""


def _parse(
    path: str, text: str, chunked: bool | None = None, keep: str | None = None
) -> SearchFile:
    chunks = None
    if chunked or (chunked is None and len(text) >= CHUNKED_FROM):
        from followup_cal.loader.chunks import split_interviews

        chunks = split_interviews(text)
    if chunks is not None:
        with contextlib.suppress(_NotChunkable):
            return _read_file(path, compose(path, chunks.skeleton), chunks, keep)
    return _read_file(path, compose(path, text), None, keep)


def _item_nodes(path: str, chunks: Chunks) -> Iterator[tuple[yaml.Node, tuple[int, int]]]:
    """Each interview's node, composed alone, while _FIRST_LINE says where it starts."""
    ends = [line for line, _ in chunks.items[1:]] + [chunks.end]
    for (first, part), end in zip(chunks.items, ends, strict=True):
        try:
            node = yaml.compose(part, Loader=_YAML_LOADER)
        except yaml.YAMLError:
            raise _NotChunkable from None
        if not isinstance(node, yaml.SequenceNode) or len(node.value) != 1:
            raise _NotChunkable
        token = _FIRST_LINE.set(first)
        try:
            yield node.value[0], (first, end)
        finally:
            _FIRST_LINE.reset(token)


def _read_head(r: _Reader, root: yaml.Node) -> tuple[dict, Profile | None, Policy]:
    """The top-level mapping, me and the file's policy: what every interview is read with."""
    try:
        top = r.mapping(root, TOP_KEYS, "the file")
    except _Invalid:
        raise InvalidInput(r.problems) from None
    me = None
    with contextlib.suppress(_Invalid):
        me = _read_me(r, r.required(top, "me", root, "the file"))
    policy = DEFAULT_POLICY
    if "policy" in top:
        policy = _read_policy(r, top["policy"].value, DEFAULT_POLICY, explicit=False)
    return top, me, policy


def _read_interviews(
    r: _Reader,
    items_and_lines: Iterable[tuple[yaml.Node, tuple[int, int]]],
    me: Profile | None,
    policy: Policy,
) -> Iterator[Interview]:
    """Each interview that reads without a problem, its id not used before."""
    first_use: dict[str, int] = {}
    for item, lines in items_and_lines:
        try:
            interview = _read_interview(r, item, me, policy, lines)
        except _Invalid:
            continue
        if interview.id in first_use:
            r.problem(
                interview.pos,
                f"duplicate interview id '{interview.id}'; first used at line "
                f"{first_use[interview.id]}",
            )
            continue
        first_use[interview.id] = interview.pos.line
        yield interview


def _read_rest(r: _Reader, top: dict, path: str) -> dict[str, Any]:
    """The file's other settings, as SearchFile's keyword arguments."""
    templates = None
    if "templates" in top:
        templates = r.field(top, "templates", r.text, "") or None
        if templates:
            folder = Path(path).parent / templates
            if not folder.is_dir():
                r.problem(
                    top["templates"].value,
                    f"templates folder '{templates}' does not exist; expected a folder "
                    "of .txt drafts",
                )
            templates = str(folder)

    caldav = None
    if "caldav" in top:
        caldav = _read_caldav(r, top["caldav"].value)
    imap = _read_imap(r, top["imap"].value) if "imap" in top else None
    sync_id = r.field(top, "sync_id", r.text, "")
    if sync_id and not re.match(SYNC_ID_PATTERN, sync_id):
        r.problem(
            top["sync_id"].value,
            f"sync_id '{sync_id}' is not an id; expected letters, digits, '.', '_' or '-' "
            "(sync writes it; keep it as it is)",
        )
    calendar_name = r.field(top, "calendar_name", r.text, "")
    return {
        "templates_dir": templates,
        "calendar_name": calendar_name,
        "caldav": caldav,
        "imap": imap,
        "sync_id": sync_id,
    }


def _read_file(
    path: str, root: yaml.Node, chunks: Chunks | None, keep: str | None = None
) -> SearchFile:
    r = _Reader(path)
    top, me, policy = _read_head(r, root)
    if chunks is not None:
        items_and_lines: Iterable[tuple[yaml.Node, tuple[int, int]]] = _item_nodes(path, chunks)
    else:
        try:
            items_node = r.required(top, "interviews", root, "the file")
            items = r.sequence(items_node, "interviews")
        except _Invalid:
            items = []
        spans = _item_lines(items_node, items) if items else []
        items_and_lines = zip(items, spans, strict=True)
    interviews: list[Interview] = []
    for interview in _read_interviews(r, items_and_lines, me, policy):
        if keep is None or interview.id == keep:
            interviews.append(interview)
        elif keep == LAST_INTERVIEW:
            interviews[:] = [interview]
    rest = _read_rest(r, top, path)
    if r.problems or me is None:
        raise InvalidInput(r.problems)
    return SearchFile(path=path, me=me, interviews=tuple(interviews), policy=policy, **rest)


class ReadWhole(Exception):
    """A large file cannot be read one interview at a time after all (a piece does not
    stand alone, or holds a problem): :func:`parse` reads it whole, and reports every
    problem at once."""


def open_lazily(path: str) -> tuple[SearchFile, Iterable[Interview], Callable[[], SearchFile]]:
    """The file's settings, its interviews as they are read (:func:`read_lazily`), and how
    to read it whole when the pieces do not do."""
    text = read_text(path)

    def read_whole() -> SearchFile:
        return parse(path, text)

    try:
        search, interviews = read_lazily(path, text)
    except ReadWhole:
        search = read_whole()
        interviews = search.interviews
    return search, interviews, read_whole


def read_lazily(path: str, text: str) -> tuple[SearchFile, Iterable[Interview]]:
    """The file's settings (a SearchFile without interviews) and its interviews, each read
    when the consumer asks for it and not kept here: export of a large file never holds
    them all. The iterator raises :class:`ReadWhole` when the pieces do not do; then the
    consumer starts again from :func:`parse`. A small file is parsed whole as usual."""
    from followup_cal.loader.chunks import split_interviews

    chunks = split_interviews(text) if len(text) >= CHUNKED_FROM else None
    if chunks is None:
        search = parse(path, text)
        return search, search.interviews
    r = _Reader(path)
    try:
        top, me, policy = _read_head(r, compose(path, chunks.skeleton))
    except InvalidInput:
        raise ReadWhole from None
    rest = _read_rest(r, top, path)
    if r.problems or me is None:
        raise ReadWhole

    def interviews() -> Iterator[Interview]:
        try:
            yield from _read_interviews(r, _item_nodes(path, chunks), me, policy)
        except _NotChunkable:
            raise ReadWhole from None
        if r.problems:
            raise ReadWhole

    return SearchFile(path=path, me=me, interviews=(), policy=policy, **rest), interviews()


def read_text(path: str) -> str:
    """The text of an interviews file, not yet checked."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FileAccessError(f"{path}: cannot read: {exc.strerror or exc}") from None
    log.info("read %s (%d bytes)", path, len(data))
    return decode(path, data)


def load(path: str) -> SearchFile:
    """Read and check an interviews file."""
    return parse(path, read_text(path))
