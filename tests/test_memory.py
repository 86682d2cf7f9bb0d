"""What a command keeps while it prints: counted in live objects, never in bytes.

A coach's file of 10,000 interviews has ~60,000 overdue follow-ups and 150,000 drafts;
a command that printed them holding every draft would need hundreds of MB. Each test
watches the drafts (weak references) while the command runs on the example.
"""

from __future__ import annotations

import gc
import weakref

import pytest
from conftest import EXAMPLE, JOURNAL_TODAY, run

from followup_cal import loader
from followup_cal.plan import drafts


class DraftWatch:
    """Counts the drafts made, and the most that were alive when one more was made."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.made = 0
        self.most_alive = 0
        self.refs: list[weakref.ref] = []
        render = drafts.render_draft

        def watched(*args, **kwargs):
            gc.collect()
            self.most_alive = max(self.most_alive, sum(1 for r in self.refs if r() is not None))
            draft = render(*args, **kwargs)
            self.made += 1
            self.refs.append(weakref.ref(draft))
            return draft

        monkeypatch.setattr(drafts, "render_draft", watched)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_agenda_drafts_each_row_as_it_prints_it(monkeypatch, fmt):
    watch = DraftWatch(monkeypatch)
    result = run("agenda", str(EXAMPLE), "--format", fmt, "--days", "60", *JOURNAL_TODAY)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    rows = sum(1 for line in lines if (line.startswith('    "uid"') if fmt == "json" else
                                       line.startswith("  ")))  # fmt: skip
    assert rows > 10
    assert watch.made == rows  # one draft per row printed, made once
    assert watch.most_alive <= 1  # the row before, at most: none kept once printed


def test_timeline_drafts_each_panel_as_it_writes_it(monkeypatch, tmp_path):
    watch = DraftWatch(monkeypatch)
    page = tmp_path / "t.html"
    result = run("plan", str(EXAMPLE), "--html", str(page), *JOURNAL_TODAY)
    assert result.exit_code == 0, result.output
    assert watch.made == page.read_text("utf-8").count('<section class="draft"') > 10
    assert watch.most_alive <= 1


def test_a_large_file_is_parsed_once_without_keeping_its_text(monkeypatch):
    """parse() knows the last text it read, so that a write-back reading the file again
    parses it once; a large text (10,000 interviews: 12 MB) is known by its digest, not
    kept for the rest of the command."""
    monkeypatch.setattr(loader, "CHUNKED_FROM", 1000)  # the example counts as large
    text = EXAMPLE.read_text("utf-8")
    search = loader.parse(str(EXAMPLE), text)
    assert not any(kept is text for kept in loader._last_parsed[0])
    assert loader.parse(str(EXAMPLE), "".join(text)) is search  # an equal text: known
    assert loader.parse(str(EXAMPLE), text + "\n# a comment\n") is not search
