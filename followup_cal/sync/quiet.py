"""A sync with nothing to do, known without planning it again.

When a sync ends having written nothing, edited nothing and noted nothing, the cache
keeps a digest of everything that decided it: the YAML's bytes, the SEQUENCE history
beside it, the date planned from, the options, the user's draft templates and the
program itself. The next sync with the same digest whose calendar answers that our
events are the ones listed then, at the same ETags (``reading``), would decide the
same: nothing. It says so without loading the YAML, planning or drafting.

What the user did in the calendar is still read from the server on every sync: any
change to one of our events, or a token the server refuses, takes the full path. The
digest only stands for inputs on this machine; without it (no cache, another machine,
a damaged file) the full path runs, and gives the same result.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from followup_cal import __version__
from followup_cal.calendar.stamps import data_stamp
from followup_cal.journal.state import state_path_for

PACKAGE = Path(__file__).resolve().parent.parent
MISSING = b"\0missing"
# What ``record`` keeps, each read by the quiet path.
FIELDS = frozenset({"key", "templates", "url", "user", "calendar_url", "unchanged"})


@dataclass(frozen=True)
class Inputs:
    """The files a sync decides from, read once at its start."""

    path: str
    yaml: bytes
    state: bytes

    @classmethod
    def read(cls, path: str) -> Inputs:
        from followup_cal.errors import FileAccessError

        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise FileAccessError(f"{path}: cannot read: {exc.strerror or exc}") from None
        return cls(path, data, _bytes(state_path_for(path)))

    def key(self, options: Mapping[str, object], today: date, templates: str) -> str:
        digest = hashlib.sha256()
        for part in (
            program_stamp(),
            str(Path(self.path).resolve()).encode(),
            self.yaml,
            self.state,
            json.dumps(dict(options), sort_keys=True).encode(),
            today.isoformat().encode(),
            _folder(templates),
        ):
            digest.update(len(part).to_bytes(8, "big") + part)
        return digest.hexdigest()


def program_stamp() -> bytes:
    """The version, and each file of the installed package by size and time, and the
    holidays and time zone data (``stamps``): a changed program or data plans anew."""
    stamps = [__version__]
    for root, dirs, files in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            info = (Path(root) / name).stat()
            stamps.append(f"{root}/{name}:{info.st_size}:{info.st_mtime_ns}")
    stamps.append(data_stamp())
    return "\n".join(stamps).encode()


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return MISSING


def _folder(templates: str) -> bytes:
    """The user's own draft templates, by name and content."""
    if not templates:
        return b""
    try:
        files = sorted(Path(templates).iterdir())
    except OSError:
        return MISSING
    return b"".join(file.name.encode() + b"\0" + _bytes(file) + b"\0" for file in files)


def recorded(
    status_quiet: Mapping[str, str], inputs: Inputs, options: Mapping[str, object], today: date
) -> Mapping[str, str] | None:
    """The last no-op's record when this sync has exactly its inputs, else None (also
    when the record lacks a field ``record`` writes: a damaged cache)."""
    if not status_quiet.get("key") or not set(status_quiet) >= FIELDS:
        return None
    key = inputs.key(options, today, status_quiet.get("templates", ""))
    return status_quiet if key == status_quiet["key"] else None


def record(
    inputs: Inputs,
    options: Mapping[str, object],
    today: date,
    *,
    templates: str,
    url: str,
    user: str,
    calendar_url: str,
    unchanged: int,
    auth: str = "",
) -> dict[str, str]:
    """What the cache keeps of a sync that found nothing to do."""
    return {
        "auth": auth,
        "key": inputs.key(options, today, templates),
        "templates": templates,
        "url": url,
        "user": user,
        "calendar_url": calendar_url,
        "unchanged": str(unchanged),
    }
