"""The user's business calendar from the ``holidays`` package: the public holidays of
their country and subdivision, a year at a time, cached in the user's cache folder.

Apart from ``plan.workdays`` because it reads and writes files: the planner gets the
``WorkCalendar`` built here and never touches the disk.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import zlib
from datetime import date
from pathlib import Path
from typing import Any

from followup_cal.errors import FileAccessError
from followup_cal.plan.model import Profile
from followup_cal.plan.workdays import WorkCalendar


def calendar_for(profile: Profile) -> WorkCalendar:
    """The user's business calendar; the holidays package loads only on a cache miss."""
    if not profile.country:
        return WorkCalendar(profile.work_week)
    return WorkCalendar(profile.work_week, HolidayTable(profile.country, profile.subdivision))


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "followup-cal"


def _package_key() -> str:
    """Changes whenever the installed holidays package does (path and file time)."""
    spec = importlib.util.find_spec("holidays")
    origin = spec.origin if spec and spec.origin else ""
    stamp = Path(origin).stat().st_mtime_ns if origin else 0
    # A checksum, not a hash: zlib is loaded at start-up anyway, hashlib is not.
    return f"{zlib.crc32(origin.encode()):08x}{stamp:x}"


def _write_cache(path: Path, data: object) -> None:
    with contextlib.suppress(OSError, FileAccessError):
        path.parent.mkdir(parents=True, exist_ok=True)
        from followup_cal.atomic import write_atomic  # only when the cache is written

        write_atomic(path, json.dumps(data, indent=0).encode())


def supported_countries() -> dict[str, list[str]]:
    """Country codes the holidays package knows, with their subdivisions (cached)."""
    path = _cache_dir() / f"countries-{_package_key()}.json"
    try:
        data = json.loads(path.read_text("utf-8"))
        return {str(k): [str(s) for s in v] for k, v in data.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    import holidays  # only on a cache miss

    countries = {k: list(v) for k, v in holidays.list_supported_countries().items()}
    _write_cache(path, countries)
    return countries


class HolidayTable:
    """Public holidays by date, a year at a time, cached on disk.

    Loading the holidays package and one country costs about 0.07 s, a quarter of a
    no-op sync; the dates of a year do not change until the package does, so they are
    kept in the user's cache folder, keyed by the installed package file. A missing or
    unwritable cache only costs that time again.
    """

    def __init__(self, country: str, subdivision: str) -> None:
        self.country, self.subdivision = country, subdivision
        self.days: dict[date, str] = {}
        self.years: set[int] = set()
        self.dirty = False
        self._source: Any = None
        key = _package_key()
        self.path = _cache_dir() / f"holidays-{country}-{subdivision or 'all'}-{key}.json"
        try:
            data = json.loads(self.path.read_text("utf-8"))
            self.years = {int(y) for y in data["years"]}
            self.days = {date.fromisoformat(d): str(n) for d, n in data["days"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.days, self.years = {}, set()

    def __call__(self, day: date) -> str | None:
        if day.year not in self.years:
            self._load_year(day.year)
        return self.days.get(day)

    def _load_year(self, year: int) -> None:
        if self._source is None:
            import holidays  # heavy country data: only on a cache miss

            self._source = holidays.country_holidays(
                self.country, subdiv=self.subdivision or None, language="en_US"
            )
        self._source.get(date(year, 1, 1))  # makes the package fill in that year
        for day, name in self._source.items():
            if day.year == year:
                # Several holidays on one day come joined by "; ": kept whole, it is rare.
                self.days[day] = str(name)
        self.years.add(year)
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        data = {
            "years": sorted(self.years),
            "days": {d.isoformat(): n for d, n in sorted(self.days.items())},
        }
        _write_cache(self.path, data)
        self.dirty = False
