"""One step back: the last write-back the tool made to an interviews file, kept beside it
(``interviews.yaml`` -> ``interviews.followup-undo.json``) until the next one replaces it.

Only the changed run of the file is kept (what it was, what it became, where), with a
digest of the whole file as written: undo puts the old run back only while the file is
still exactly what the tool wrote, so an edit made since is never lost.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from followup_cal.atomic import update_file, write_atomic
from followup_cal.errors import FileAccessError, NotFound, UsageProblem

UNDO_VERSION = 1
BLOCK = 1 << 16  # compared a block at a time: a large file is not walked byte by byte


def undo_path_for(yaml_path: str) -> Path:
    """``interviews.yaml`` -> ``interviews.followup-undo.json`` in the same folder."""
    path = Path(yaml_path)
    return path.with_name(f"{path.stem}.followup-undo.json")


def _common_prefix(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    at = 0
    while at < n and a[at : at + BLOCK] == b[at : at + BLOCK]:
        at += BLOCK
    end = min(at + BLOCK, n)
    while at < end and a[at] == b[at]:
        at += 1
    return min(at, n)


def _common_suffix(a: bytes, b: bytes, limit: int) -> int:
    """The length of the common end of ``a`` and ``b``, at most ``limit``."""
    size = 0
    while (
        size + BLOCK <= limit
        and a[len(a) - size - BLOCK : len(a) - size] == b[len(b) - size - BLOCK : len(b) - size]
    ):
        size += BLOCK
    while size < limit and a[len(a) - size - 1] == b[len(b) - size - 1]:
        size += 1
    return size


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def remember(path: str, before: bytes, after: bytes) -> None:
    """Keep what undo needs to turn ``after`` (just written to ``path``) back into
    ``before``; replaces the record of the write before it."""
    start = _common_prefix(before, after)
    tail = _common_suffix(before, after, min(len(before), len(after)) - start)
    record = {
        "version": UNDO_VERSION,
        "at": start,
        "was": before[start : len(before) - tail].decode("utf-8", "surrogateescape"),
        "now": after[start : len(after) - tail].decode("utf-8", "surrogateescape"),
        "sha256": _digest(after),
        "was_sha256": _digest(before),  # the change was never made (the write failed)
    }
    write_atomic(undo_path_for(path), (json.dumps(record, indent=1) + "\n").encode())


@contextmanager
def kept_record(path: str) -> Iterator[None]:
    """The undo record as it is now comes back if the block fails: a write-back that is
    refused or fails after ``remember`` leaves the record of the one before it."""
    where = undo_path_for(path)
    try:
        before: bytes | None = where.read_bytes()
    except OSError:
        before = None
    try:
        yield
    except BaseException:
        with suppress(OSError):
            now = where.read_bytes() if where.exists() else None
            if now != before:
                if before is None:
                    where.unlink()
                else:
                    write_atomic(where, before)
        raise


@dataclass(frozen=True)
class Undone:
    diff: list[str]  # the change undo made, as `git diff` shows it


def _read_record(path: str) -> dict:
    where = undo_path_for(path)
    try:
        record = json.loads(where.read_text("utf-8"))
    except FileNotFoundError:
        raise NotFound(
            f"{path}: nothing to undo: no write-back of followup-cal is recorded for it "
            f"(or it was undone already)"
        ) from None
    except (OSError, ValueError) as exc:
        raise FileAccessError(f"{where}: cannot read: {exc}") from None
    if not isinstance(record, dict) or record.get("version") != UNDO_VERSION:
        raise FileAccessError(f"{where}: not a record followup-cal wrote; nothing undone")
    return record


def undo_last(path: str) -> Undone:
    """Put back what the last write-back changed, if the file is still as it left it."""
    record = _read_record(path)
    diff: list[str] = []

    def change(data: bytes) -> bytes:
        if _digest(data) == record.get("was_sha256"):
            raise NotFound(
                f"{path}: nothing to undo: the last write-back of followup-cal did not "
                "happen (it was stopped before the file was written)"
            )
        if _digest(data) != record["sha256"]:
            raise UsageProblem(
                f"{path} changed since followup-cal last wrote it; not undone, so that "
                "nothing you wrote is lost (git diff, or your editor's undo, shows it)"
            )
        at = int(record["at"])
        now = record["now"].encode("utf-8", "surrogateescape")
        was = record["was"].encode("utf-8", "surrogateescape")
        old = data[:at] + was + data[at + len(now) :]
        diff[:] = difflib.unified_diff(
            data.decode("utf-8", "replace").splitlines(),
            old.decode("utf-8", "replace").splitlines(),
            f"{path} (now)",
            f"{path} (undone)",
            lineterm="",
        )
        return old

    update_file(path, change)
    undo_path_for(path).unlink(missing_ok=True)
    return Undone(diff)
