"""Memory across exports, so that a changed event always gets a higher SEQUENCE.

Calendar apps (Google above all) keep their copy of an event unless the new one carries
a higher SEQUENCE. We keep, per UID, a hash of the event's content, its sequence and the
day that revision was first exported, in a small JSON file beside the YAML (commit it
with the YAML). DTSTAMP is that day at 00:00 UTC: the same input and state always give
byte-identical output, and DTSTAMP moves only when the event really changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from followup_cal.atomic import write_atomic
from followup_cal.errors import FileAccessError, InvalidInput, Problem

STATE_VERSION = 1


@dataclass(frozen=True, slots=True)  # 150,000 of them for 10,000 interviews
class Revision:
    hash: str
    sequence: int
    stamp: date


@dataclass
class ExportState:
    revisions: dict[str, Revision] = field(default_factory=dict)

    def revision_for(self, uid: str, content_hash: str, today: date) -> Revision:
        """The revision to export for this content, without recording it."""
        known = self.revisions.get(uid)
        if known is None:
            return Revision(content_hash, 0, today)
        if known.hash == content_hash:
            return known
        return Revision(content_hash, known.sequence + 1, today)

    def revise(self, uid: str, content_hash: str, today: date) -> Revision:
        """The revision to export for this content; records a new one when it changed."""
        revision = self.revision_for(uid, content_hash, today)
        self.revisions[uid] = revision
        return revision

    def json_chunks(self) -> Iterator[bytes]:
        """The file, as ``json.dumps(..., indent=1)`` writes it, one event at a time: the
        history of 10,000 interviews is 150,000 events, and json's indenting encoder
        would hold some 150 MB of pieces of it at once."""
        yield f'{{\n "version": {STATE_VERSION},\n "events": {{'.encode()
        if not self.revisions:
            yield b"}\n}\n"
            return
        separator = "\n"
        for uid in sorted(self.revisions):
            r = self.revisions[uid]
            yield (
                f'{separator}  {json.dumps(uid)}: {{\n   "hash": {json.dumps(r.hash)},\n'
                f'   "sequence": {r.sequence},\n   "stamp": "{r.stamp.isoformat()}"\n  }}'
            ).encode()
            separator = ",\n"
        yield b"\n }\n}\n"

    def to_json(self) -> bytes:
        return b"".join(self.json_chunks())


def state_path_for(yaml_path: str) -> Path:
    """``interviews.yaml`` -> ``interviews.followup-state.json`` in the same folder."""
    path = Path(yaml_path)
    return path.with_name(f"{path.stem}.followup-state.json")


def _revision(entry: dict[str, Any]) -> Any:
    """An event's entry as its Revision (the uid map and the file's own object stay)."""
    if "hash" in entry and not isinstance(entry["hash"], Revision):
        return Revision(
            str(entry["hash"]), int(entry["sequence"]), date.fromisoformat(entry["stamp"])
        )
    return entry


def load_state(path: Path) -> ExportState:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return ExportState()
    except (OSError, UnicodeDecodeError) as exc:
        raise FileAccessError(f"{path}: cannot read: {exc}") from None
    try:
        # Each event's entry becomes its Revision as it is parsed: 150,000 dicts never
        # stand side by side with the Revisions made of them.
        data = json.loads(text, object_hook=_revision)
        revisions = data["events"]
        if not isinstance(revisions, dict) or not all(
            isinstance(v, Revision) for v in revisions.values()
        ):
            raise TypeError("not a map of revisions")
    except json.JSONDecodeError as exc:
        problem = Problem(str(path), exc.lineno, exc.colno, f"not valid JSON: {exc.msg}")
        raise InvalidInput([problem]) from None
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        message = "not a followup-cal state file; expected the file export writes (or delete it)"
        raise InvalidInput([Problem(str(path), 1, 1, message)]) from None
    return ExportState(revisions)


def save_state(path: Path, state: ExportState) -> None:
    write_atomic(path, state.json_chunks())
