"""Columns of text in a terminal, where a name in Chinese, Japanese or Korean takes two
cells a character and an accent written as its own character takes none: padding by
``len`` would push the next column out of line."""

from __future__ import annotations

import unicodedata


def cells(text: str) -> int:
    """How many terminal cells ``text`` takes."""
    return sum(
        2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
        for c in text
    )


def pad(text: str, width: int) -> str:
    """``text`` and spaces up to ``width`` cells (``str.ljust`` counts characters)."""
    return text + " " * max(width - cells(text), 0)
