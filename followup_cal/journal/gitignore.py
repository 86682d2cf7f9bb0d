"""The files kept beside the YAML that do not belong in git, named in its ``.gitignore``.

The interviews file and its state file (``NAME.followup-state.json``: the SEQUENCE of
every event) are meant to be committed. These are not: a secret, two caches and the
undo record of this machine, and what a write cut short leaves. `init` writes them into
the folder's ``.gitignore`` so that ``git add -A`` never commits one.
"""

from __future__ import annotations

from pathlib import Path

from followup_cal.atomic import update_file, write_atomic
from followup_cal.errors import FileAccessError

HEADER = "# followup-cal: files of this machine, not of the search (docs/daily-loop.md)"
# pattern, what it is: each written by the module named.
LOCAL_FILES: tuple[tuple[str, str], ...] = (
    ("*.followup-secret", "journal/secret.py: the key of a public feed's UIDs"),
    ("*.followup-sync.json", "sync/cache.py: what sync remembers"),
    ("*.followup-inbox.json", "mail/inbox.py: when inbox last read the mailbox"),
    ("*.followup-undo.json", "journal/undo.py: the last change, for undo"),
    (".*.followup-tmp", "atomic.py: a write cut short"),
)


def missing_lines(text: str) -> list[str]:
    """The patterns ``text`` (a .gitignore) does not list yet, as lines of their own."""
    present = {line.strip() for line in text.splitlines()}
    return [pattern for pattern, _what in LOCAL_FILES if pattern not in present]


def ignore_local_files(folder: Path) -> list[str]:
    """Adds to ``folder/.gitignore`` (made when missing) the patterns it lacks, keeping
    every line it has; returns the patterns added."""
    added: list[str] = []

    def add(data: bytes) -> bytes:
        text = data.decode("utf-8", errors="surrogateescape")
        added[:] = missing_lines(text)
        if not added:
            return data
        block = "\n".join([HEADER, *added]) + "\n"
        if text and not text.endswith("\n"):
            text += "\n"
        text += ("\n" if text else "") + block
        return text.encode("utf-8", errors="surrogateescape")

    path = folder / ".gitignore"
    if not path.exists():
        try:
            write_atomic(path, add(b""), exclusive=True)
            return added
        except FileAccessError:
            if not path.exists():
                raise
            # made meanwhile: added to as below
    update_file(path, add)
    return added
