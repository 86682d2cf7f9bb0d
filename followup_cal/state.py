"""Memory across exports, so that a changed event always gets a higher SEQUENCE.

Calendar apps (Google above all) keep their copy of an event unless the new one carries
a higher SEQUENCE. We keep, per UID, a hash of the event's content, its sequence and the
day that revision was first exported, in a small JSON file beside the YAML (commit it
with the YAML). DTSTAMP is that day at 00:00 UTC: the same input and state always give
byte-identical output, and DTSTAMP moves only when the event really changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from followup_cal.atomic import write_atomic
from followup_cal.errors import FileAccessError, InvalidInput, Problem

STATE_VERSION = 1


@dataclass(frozen=True)
class Revision:
    hash: str
    sequence: int
    stamp: date


@dataclass
class ExportState:
    revisions: dict[str, Revision] = field(default_factory=dict)

    def revise(self, uid: str, content_hash: str, today: date) -> Revision:
        """The revision to export for this content; records a new one when it changed."""
        known = self.revisions.get(uid)
        if known is None:
            revision = Revision(content_hash, 0, today)
        elif known.hash == content_hash:
            return known
        else:
            revision = Revision(content_hash, known.sequence + 1, today)
        self.revisions[uid] = revision
        return revision

    def to_json(self) -> bytes:
        events = {
            uid: {"hash": r.hash, "sequence": r.sequence, "stamp": r.stamp.isoformat()}
            for uid, r in sorted(self.revisions.items())
        }
        text = json.dumps({"version": STATE_VERSION, "events": events}, indent=1)
        return (text + "\n").encode()


def state_path_for(yaml_path: str) -> Path:
    """``interviews.yaml`` -> ``interviews.followup-state.json`` in the same folder."""
    path = Path(yaml_path)
    return path.with_name(f"{path.stem}.followup-state.json")


def load_state(path: Path) -> ExportState:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return ExportState()
    except (OSError, UnicodeDecodeError) as exc:
        raise FileAccessError(f"{path}: cannot read: {exc}") from None
    try:
        data = json.loads(text)
        revisions = {
            uid: Revision(str(v["hash"]), int(v["sequence"]), date.fromisoformat(v["stamp"]))
            for uid, v in data["events"].items()
        }
    except json.JSONDecodeError as exc:
        problem = Problem(str(path), exc.lineno, exc.colno, f"not valid JSON: {exc.msg}")
        raise InvalidInput([problem]) from None
    except (KeyError, TypeError, ValueError, AttributeError):
        message = "not a followup-cal state file; expected the file export writes (or delete it)"
        raise InvalidInput([Problem(str(path), 1, 1, message)]) from None
    return ExportState(revisions)


def save_state(path: Path, state: ExportState) -> None:
    write_atomic(path, state.to_json())
