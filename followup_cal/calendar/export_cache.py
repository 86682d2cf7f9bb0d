"""The last export to a file, remembered by what each interview's events follow from.

An interview's events follow from: the interview as read (every field; not the line it
stands on), me (the sender, the time zone, the country and work week that make the
business calendar), the templates' text, the feed style (public, tasks, the public UIDs'
secret) and the code (this package's files, icalendar, the holidays and time zone data).
Nothing else: the planner plans each interview on its own (``plan_interview`` takes one
interview, me and the business calendar), and neither the plan's text nor a draft reads
``--today`` (it only marks items past or upcoming, which export does not write). The
revision (SEQUENCE, DTSTAMP) comes from the export history: each remembered event keeps
its content hash, and is reused only when the history gives it the revision it had.

So an interview whose key is in the index is neither planned nor drafted: its events'
bytes are read from the last output, at the places the index gives. The index lives in
the user's cache folder and is used only while that output is byte for byte what this
tool wrote (its SHA-256): the cache can make an export faster, never different.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import itertools
import json
import os
from datetime import date
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from followup_cal import __version__
from followup_cal.calendar.stamps import data_stamp
from followup_cal.plan.model import Interview, Profile

if TYPE_CHECKING:
    from followup_cal.calendar.ics import FeedStyle
    from followup_cal.journal.state import ExportState

CACHE_FORMAT = 2
# Where a value stands in the file: warnings use it, the calendar never does.
POSITIONS = frozenset({"pos", "field_pos", "lines"})

# One remembered event: what the export history and the calendar's order need, without
# building it: (state key, content hash, sequence, DTSTAMP day, start in microseconds
# since 1970 UTC, step order, number, recipient, UID, TZID, year of the start).
Row = tuple[str, str, int, str, int, int, int, str, str, str, int]
# Each field's type: a row of any other shape comes from a damaged index, not from us.
ROW_TYPES = (str, str, int, str, int, int, int, str, str, str, int)


# The fields each dataclass is written with (None: not a dataclass), found once per type:
# 10,000 interviews are some 1.5 million values.
_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _fields_of(kind: type) -> tuple[str, ...] | None:
    if kind not in _FIELDS:
        _FIELDS[kind] = (
            tuple(f.name for f in dataclasses.fields(kind) if f.name not in POSITIONS)
            if dataclasses.is_dataclass(kind)
            else None
        )
    return _FIELDS[kind]


def _canonical(value: Any, out: list[str]) -> None:
    """``value`` as text that two equal inputs always share: sets sorted, positions
    left out (equal to ``repr`` otherwise)."""
    kind = type(value)
    names = _fields_of(kind)
    if names is not None:
        out.append(kind.__name__ + "(")
        for name in names:
            _canonical(getattr(value, name), out)
            out.append(",")
        out.append(")")
    elif kind is tuple or kind is list:
        out.append("[")
        for item in value:
            _canonical(item, out)
            out.append(",")
        out.append("]")
    elif kind is frozenset or kind is set:
        out.append(repr(sorted(map(repr, value))))
    elif isinstance(value, Enum):
        out.append(f"{kind.__name__}.{value.name}")
    else:
        out.append(repr(value))


def canonical(value: Any) -> str:
    out: list[str] = []
    _canonical(value, out)
    return "".join(out)


@functools.cache  # the code does not change while it runs
def code_stamp() -> str:
    """What the calendar's bytes depend on besides the input: this package's source and
    templates, icalendar, the holidays package and the time zone data."""
    import icalendar

    digest = hashlib.sha256(f"{CACHE_FORMAT} {__version__} {icalendar.__version__}".encode())
    package = Path(__file__).parent.parent  # the whole followup_cal package
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.txt")]):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    digest.update(data_stamp().encode())
    return digest.hexdigest()


def _templates_text(folder: str | None) -> str:
    """The user's own templates, named and whole (the built-in ones are in the code)."""
    if not folder:
        return ""
    from followup_cal.plan.drafts import TEMPLATE_NAMES

    parts = []
    for name in TEMPLATE_NAMES:
        with contextlib.suppress(OSError):
            parts.append(f"{name}\0{(Path(folder) / f'{name}.txt').read_bytes()!r}")
    return "\0".join(parts)


class InputKeys:
    """The key of each interview's events: a digest of everything they follow from."""

    def __init__(self, me: Profile, templates_dir: str | None, style: FeedStyle) -> None:
        salt = hashlib.sha256(style.salt.encode()).hexdigest()
        common = "\x1e".join(
            [
                code_stamp(),
                canonical(me),
                _templates_text(templates_dir),
                f"public={style.public} todo={style.as_todo} salt={salt}",
            ]
        )
        self.common = hashlib.sha256(common.encode()).digest()

    def of(self, interview: Interview) -> str:
        digest = hashlib.sha256(self.common)
        digest.update(canonical(interview).encode())
        return digest.hexdigest()[:32]


def _parse(payload: str, places: str, size: int) -> tuple[list[Row], list[int]] | None:
    """An index line's rows and places, or None when they are not as ``save`` writes them
    (the index is only a cache: a damaged line means that interview is built again)."""
    try:
        rows = [tuple(row) for row in json.loads(payload)]
        numbers = [int(n) for n in places.split(",")] if places else []
    except (ValueError, TypeError):
        return None
    if len(numbers) != 2 * len(rows) or any(tuple(map(type, r)) != ROW_TYPES for r in rows):
        return None
    for offset, length in zip(numbers[::2], numbers[1::2], strict=True):
        if offset < 0 or length < 0 or offset + length > size:
            return None
    return rows, numbers  # type: ignore[return-value]


def _cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "followup-cal"


class EventCache:
    """The interviews of the last export to ``output``, by :class:`InputKeys` key: for
    each, its events' rows (one JSON text, reused as it is) and where their bytes are.

    A missing, stale or unreadable index, or an output changed since, means a full build.
    """

    def __init__(self, output: str | Path) -> None:
        self.output = Path(output).resolve()
        name = hashlib.sha256(str(self.output).encode()).hexdigest()[:24]
        self.index_path = _cache_folder() / f"export-{name}.index"
        self.interviews: dict[str, list[str]] = {}
        self.file: BinaryIO | None = None
        self.size = 0  # of the output: every place the index gives lies within it
        self.code = code_stamp()
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            self._open()

    def _open(self) -> None:
        with self.index_path.open(encoding="utf-8") as lines:
            head = json.loads(lines.readline())
            if (head["format"], head["code"]) != (CACHE_FORMAT, self.code):
                return
            if head["output"] != str(self.output):
                return
            handle = self.output.open("rb")
            digest = hashlib.sha256()
            while block := handle.read(1 << 20):
                digest.update(block)
            if digest.hexdigest() != head["sha256"]:
                handle.close()
                return
            interviews = {}
            try:
                for line in lines:
                    key, places, payload = line.rstrip("\n").split("\t")
                    interviews[key] = [payload, places]
            except (OSError, ValueError):
                handle.close()
                return
        self.interviews, self.file = interviews, handle
        self.size = os.fstat(handle.fileno()).st_size

    def take(
        self, key: str, state: ExportState, today: date
    ) -> tuple[str, list[Row], list[int]] | None:
        """The interview's rows and their bytes' places, when every event would get the
        revision it had (then recorded in ``state``, as building it would)."""
        entry = self.interviews.get(key)
        if entry is None or self.file is None:
            return None
        payload, places = entry
        parsed = _parse(payload, places, self.size)
        if parsed is None:
            return None  # a damaged line: this interview is built again
        rows, numbers = parsed
        for state_key, content, sequence, stamp, *_ in rows:
            revision = state.revision_for(state_key, content, today)
            if (revision.sequence, revision.stamp.isoformat()) != (sequence, stamp):
                return None
        for state_key, content, *_ in rows:
            state.revise(state_key, content, today)
        return payload, rows, numbers

    def read(self, offset: int, length: int) -> bytes:
        assert self.file is not None
        self.file.seek(offset)
        data = self.file.read(length)
        if len(data) != length:
            raise OSError(f"{self.output} changed while it was read")
        return data

    def save(self, sha256: str, interviews: dict[str, list[str]]) -> None:
        """Remember the output just written: its digest, and each interview's rows and
        places in it (a line each: key, places, rows; the rows' JSON has no tab or
        line break)."""
        self.close()
        head = {
            "format": CACHE_FORMAT,
            "code": self.code,
            "output": str(self.output),
            "sha256": sha256,
        }
        lines = (f"{key}\t{places}\t{payload}\n" for key, (payload, places) in interviews.items())
        from followup_cal.atomic import write_atomic
        from followup_cal.errors import FileAccessError

        with contextlib.suppress(OSError, FileAccessError):
            self.index_path.parent.mkdir(parents=True, exist_ok=True)
            first = [json.dumps(head) + "\n"]
            write_atomic(self.index_path, (line.encode() for line in itertools.chain(first, lines)))

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
