"""A large interviews file in pieces: the rest of the file, and each interview's own text.

PyYAML's node tree of a whole file costs about 30 times its size in memory (350 MB for
the 12 MB of 10,000 interviews), so the loader composes a large file one interview at a
time instead. The split is by lines, where the layout makes it unambiguous: the
top-level ``interviews:`` key alone on its line, its items each starting with ``- `` at
one indentation, nothing less indented inside. Anything else gives None, and the whole
file is composed at once as before (a broken file always is, for its error messages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INTERVIEWS_KEY = re.compile(r"^interviews:[ \t]*(?:#[^\n]*)?$", re.MULTILINE)
FIRST_ITEM = re.compile(r"^(?:[ \t]*(?:#[^\n]*)?\n)*( *)- ", re.MULTILINE)


@dataclass(frozen=True)
class Chunks:
    skeleton: str  # the file with the list's lines left empty: every line where it was
    items: list[tuple[int, str]]  # (0-based line where the item starts, its text)
    end: int  # the 0-based line after the list


def split_interviews(text: str) -> Chunks | None:
    keys = list(INTERVIEWS_KEY.finditer(text))
    if len(keys) != 1 or "\r" in text or "\t" in text:
        return None
    body = keys[0].end() + 1  # the line after `interviews:`
    first = FIRST_ITEM.match(text, body)
    if first is None:
        return None
    indent = first.group(1)
    # The list ends at the first line at column 0 that is not a comment (or, for a list
    # written at column 0, not an item either).
    ender = r"^(?![ \n#]|- |-\n)" if not indent else r"^(?![ \n#])"
    stop = re.compile(ender, re.MULTILINE).search(text, body)
    end_at = stop.start() if stop else len(text)
    if stop and text.startswith(("---", "..."), end_at):
        return None
    region = text[body:end_at]
    if indent and re.search(rf"^ {{0,{len(indent) - 1}}}[^ \n#]", region, re.MULTILINE):
        return None  # a line less indented than the items: let YAML itself judge it
    starts = [m.start() + body for m in re.finditer(rf"^{indent}-(?: |\n)", region, re.M)]
    if not starts:
        return None
    items: list[tuple[int, str]] = []
    line = text.count("\n", 0, starts[0])
    for n, start in enumerate(starts):
        stop_at = starts[n + 1] if n + 1 < len(starts) else end_at
        items.append((line, text[start:stop_at]))
        line += text.count("\n", start, stop_at)
    end_line = text.count("\n", 0, end_at) + (0 if text.endswith("\n") or stop else 1)
    skeleton = text[:body] + "\n" * region.count("\n") + text[end_at:]
    return Chunks(skeleton, items, end_line)
