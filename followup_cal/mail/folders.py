"""Which folders `inbox` reads when none is named: every folder that can hold an answer.
Junk, Trash, Drafts and the Outbox hold none; Sent is read for what the user sent, not
for answers; and where one folder holds every message (Gmail's "[Gmail]/All Mail"), it
is read alone, as the others hold copies of its messages. Each is known by its special
use (RFC 6154: \\Junk, \\Trash, \\Drafts, \\Sent, \\All), else by the usual names.
Pure: the server's LIST answer in, names out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# The usual names of the special folders, where a server marks none of them (Outlook.com
# and Exchange Online offer no SPECIAL-USE): Dovecot's and Courier's defaults, Gmail's
# (in English; a Gmail in another language marks them), Outlook's, Apple's, Yahoo's.
# Compared without the case, at the top or inside INBOX or [Gmail] (INBOX.Trash).
JUNK_NAMES = ("Junk", "Spam", "Junk Email", "Junk E-mail", "Junk Mail", "Bulk", "Bulk Mail")
TRASH_NAMES = ("Trash", "Deleted", "Deleted Items", "Deleted Messages", "Bin")
DRAFTS_NAMES = ("Drafts", "Draft")
OUTBOX_NAMES = ("Outbox",)
SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "Sent Mail")
ALL_NAMES = ("All Mail",)  # only inside [Gmail]: a folder of the user's may have the name
PARENTS = ("INBOX", "[Gmail]", "[Google Mail]")

# Why a folder is not read for answers, by its special use.
NOT_READ = {
    "\\Junk": "junk mail",
    "\\Trash": "deleted mail",
    "\\Drafts": "your drafts",
    "\\Outbox": "your mail not sent yet",
    "\\Sent": "your sent mail, read for what you sent",
    "\\Flagged": "copies of flagged messages of other folders",
    "\\Important": "copies of messages of other folders",
}
BY_NAME = (
    ("\\Junk", JUNK_NAMES),
    ("\\Trash", TRASH_NAMES),
    ("\\Drafts", DRAFTS_NAMES),
    ("\\Outbox", OUTBOX_NAMES),
    ("\\Sent", SENT_NAMES),
)


@dataclass(frozen=True)
class Folder:
    """One folder as the server lists it: its name, separator and attributes."""

    name: str
    separator: str
    flags: frozenset[str]  # "\\Junk", "\\Noselect"... as the server wrote them, title-cased

    @property
    def selectable(self) -> bool:
        return not self.flags & {"\\Noselect", "\\Nonexistent"}

    def plain_name(self) -> str | None:
        """The name without its case and a parent of PARENTS ("INBOX.Trash" -> "trash");
        None for a folder deeper in, which is the user's own ("Jobs/Trash")."""
        name = self.name
        for parent in PARENTS:
            if self.separator and name.casefold().startswith((parent + self.separator).casefold()):
                name = name[len(parent) + len(self.separator) :]
                break
        if self.separator and self.separator in name:
            return None
        return name.casefold()

    def special_use(self) -> str | None:
        """\\Junk, \\Trash, \\Drafts, \\Sent, \\All... by the server's mark, else by name."""
        for flag in (*NOT_READ, "\\All"):
            if flag in self.flags:
                return flag
        plain = self.plain_name()
        for flag, names in BY_NAME:
            if plain in {n.casefold() for n in names}:
                return flag
        gmail = self.name.casefold()
        if any(gmail == f"{p}/{n}".casefold() for p in PARENTS[1:] for n in ALL_NAMES):
            return "\\All"
        return None


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value or "")


def folders_of(listed: Iterable[tuple[Sequence[Any], Any, Any]]) -> list[Folder]:
    """imapclient's LIST answer, (flags, separator, name) each, as folders."""
    return [
        Folder(str(name), _text(sep), frozenset(_text(f).title() for f in flags))
        for flags, sep, name in listed
    ]


def special(folders: Sequence[Folder], flag: str) -> str | None:
    """The folder the server marks ``flag``, else the first with one of its usual names."""
    marked = [f.name for f in folders if flag in f.flags and f.selectable]
    named = [f.name for f in folders if f.selectable and f.special_use() == flag]
    return (marked or named or [None])[0]


@dataclass(frozen=True)
class Choice:
    """The folders read for answers, and each folder left out with why."""

    read: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]


def answer_folders(folders: Sequence[Folder], sent: str | None) -> Choice:
    """Every selectable folder but those holding no answer and ``sent``; only the folder
    holding every message (\\All) where there is one (its Junk and Trash are apart)."""
    everything = special(folders, "\\All")
    read: list[str] = []
    left_out: list[tuple[str, str]] = []
    for folder in folders:
        if not folder.selectable:
            continue
        use = folder.special_use()
        if folder.name == sent:
            left_out.append((folder.name, NOT_READ["\\Sent"]))
        elif use in NOT_READ:
            left_out.append((folder.name, NOT_READ[use]))
        elif everything and folder.name != everything:
            left_out.append((folder.name, f"its messages are all in {everything} too"))
        else:
            read.append(folder.name)
    # INBOX first, as the server usually lists it; the others in the server's order.
    read.sort(key=lambda name: name.upper() != "INBOX")
    return Choice(tuple(dict.fromkeys(read)), tuple(left_out))
