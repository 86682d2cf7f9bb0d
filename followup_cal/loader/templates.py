"""The drafts' templates: the built-in ones (package data) and the user's own folder
(``templates:`` in the YAML), a same-named file there replacing a built-in one.

Apart from ``plan.drafts`` because it reads files; the drafting itself stays pure.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from followup_cal.errors import InvalidInput, Problem
from followup_cal.plan.drafts import Template, parse_template


@cache
def _builtin(name: str) -> Template:
    text = resources.files("followup_cal").joinpath(f"templates/{name}.txt").read_text("utf-8")
    return parse_template(name, f"<built-in {name}.txt>", text)


class TemplateSet:
    """The built-in templates, each replaced by a same-named file in the user's folder."""

    def __init__(self, folder: str | None = None) -> None:
        self.folder = Path(folder) if folder else None
        self._loaded: dict[str, Template] = {}

    def get(self, name: str) -> Template:
        if name not in self._loaded:
            own = self.folder / f"{name}.txt" if self.folder else None
            if own is not None and own.is_file():
                try:
                    text = own.read_text("utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise InvalidInput(
                        [Problem(str(own), 1, 1, f"cannot read template: {exc}")]
                    ) from None
                self._loaded[name] = parse_template(name, str(own), text)
            else:
                self._loaded[name] = _builtin(name)
        return self._loaded[name]
