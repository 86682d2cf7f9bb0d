"""MkDocs hook: links from a page to a file of the repository outside docs/.

A page links to the source it describes (`../followup_cal/plan/policy.py`), which works
where the repository is read as files. The site does not carry those files: such a link
becomes the file's path as text there, and one to a file that does not exist stops the
build, as a broken link between pages does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<target>\.\./[^)#\s]+)(?P<anchor>#[^)\s]*)?\)")


def on_page_markdown(markdown: str, page: Any, config: Any, **_: Any) -> str:
    docs = Path(config["docs_dir"]).resolve()
    root = docs.parent
    here = Path(page.file.abs_src_path).parent

    def as_text(link: re.Match[str]) -> str:
        target = (here / link["target"]).resolve()
        if not target.is_relative_to(root) or not target.exists():
            raise PluginError(f"{page.file.src_path}: link to a missing file {link['target']}")
        shown = target.relative_to(root).as_posix()
        if link["text"].strip("`").rstrip("/") == shown:
            return link["text"]
        return f"{link['text']} (`{shown}`)"

    return LINK.sub(as_text, markdown)
