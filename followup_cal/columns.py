"""Columns of text in a terminal, where a name in Chinese, Japanese or Korean takes two
cells a character and an accent written as its own character takes none: padding by
``len`` would push the next column out of line."""

from __future__ import annotations

import re
import unicodedata


def cells(text: str) -> int:
    """How many terminal cells ``text`` takes."""
    if text.isascii():  # one cell a character (a plan's lines ask for 150,000 names)
        return len(text)
    return sum(
        2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
        for c in text
    )


def pad(text: str, width: int) -> str:
    """``text`` and spaces up to ``width`` cells (``str.ljust`` counts characters)."""
    return text + " " * max(width - cells(text), 0)


# Terminal escape sequences: CSI (ESC [ ... or the one-byte C1 CSI), OSC (ESC ] ... ended
# by BEL or ESC \), and any other ESC and the character after it.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?"
)
_JOINERS = ("\u200c", "\u200d")  # kept: they shape scripts and emoji, and move nothing


def one_line(text: str, limit: int = 100) -> str:
    """Text from outside (a mail's subject, a sender's name, an invitation's fields, a
    calendar's names, a server's or an HTTP client's words) made safe to print, log or
    write to the YAML: escape sequences, control characters (C0, C1, DEL) and format
    characters (bidi overrides among them) removed, line breaks and tabs made spaces,
    cut to ``limit`` cells with an ellipsis. The one cleaner for every outside string."""
    # Only the start can be shown: a text of megabytes is not walked whole.
    text = _ESCAPES.sub("", text[: limit * _CHARS_PER_CELL + _SLACK])
    kept = []
    for c in text:
        kind = unicodedata.category(c)
        if c.isspace() or kind in ("Zl", "Zp"):
            kept.append(" ")
        elif kind in ("Cc", "Cs", "Co", "Cn") or (kind == "Cf" and c not in _JOINERS):
            continue
        else:
            kept.append(c)
    flat = " ".join("".join(kept).split())
    if cells(flat) <= limit and len(flat) <= limit * _CHARS_PER_CELL:
        return flat
    # Cut by cells, and by characters too: accents written apart take no cell, and a
    # name of a thousand of them is no name.
    used, end = 0, 0
    for end, c in enumerate(flat):
        used += cells(c)
        if used > limit - 1 or end >= limit * _CHARS_PER_CELL - 1:
            break
    return flat[:end].rstrip() + "…"


# How many characters a cell may carry (a letter and its accents), and how much more of a
# text is read than is shown (the escapes and controls that are removed).
_CHARS_PER_CELL = 4
_SLACK = 4096


# In an error line: a number of more digits than any day, count or id has, and a word
# longer than any path or name, as someone typed or sent them (5,000 digits filled
# the screen); both are cut, saying how long they were.
_LONG_NUMBER = re.compile(r"\d{41,}")
_LONG_WORD = re.compile(r"[^\s'\"]{301,}")


def cut_long_runs(line: str) -> str:
    """``line`` with each such number cut to its first 20 digits, each such word to 200."""
    line = _LONG_NUMBER.sub(lambda m: f"{m[0][:20]}… ({len(m[0])} digits)", line)
    return _LONG_WORD.sub(lambda m: f"{m[0][:200]}… ({len(m[0])} characters)", line)


def error_line(line: str) -> str:
    """An error line as printed: it quotes what was typed or sent (a server's href, a
    value, an id), so it is cleaned as outside text is, and long runs are cut."""
    return one_line(cut_long_runs(line), 4000)
