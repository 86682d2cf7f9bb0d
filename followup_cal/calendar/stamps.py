"""The data the plan's dates and times come from besides the program's own files: the
holidays package and the time zone rules (the tzdata package, or the system's). A
cache that stands for a plan keys on these, so an update of either plans anew."""

from __future__ import annotations

import contextlib
import importlib.util
import zoneinfo
from pathlib import Path


def file_stamp(path: str | Path | None) -> str:
    """A file by path, time and size: what changes when a package update rewrites it."""
    if not path:
        return ""
    with contextlib.suppress(OSError):
        info = Path(path).stat()
        return f"{path}:{info.st_mtime_ns}:{info.st_size}"
    return str(path)


def data_stamp() -> str:
    """The holidays package and the time zone data, as installed now."""
    stamps = []
    for module in ("holidays", "tzdata"):
        spec = importlib.util.find_spec(module)
        stamps.append(file_stamp(spec.origin if spec else None))
    stamps += [file_stamp(Path(folder) / "tzdata.zi") for folder in zoneinfo.TZPATH]
    return "\n".join(stamps)
