"""`plan --html`: the timeline page, opened in headless Chromium (Debian's package).

Chromium is driven by Playwright (its Python package, pointed at /usr/bin/chromium): a
click on a mark must open that follow-up's draft. A screenshot of the page with a draft
open is kept (docs/timeline.png when UPDATE_SCREENSHOT=1, else in the test's folder).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from click.testing import CliRunner
from conftest import EXAMPLE

from followup_cal.cli import cli
from followup_cal.loader import load

ROOT = Path(__file__).parent.parent


def write_page(tmp_path: Path, today: str = "2026-11-23") -> Path:
    out = tmp_path / "timeline.html"
    result = CliRunner().invoke(cli, ["plan", str(EXAMPLE), "--html", str(out), "--today", today])
    assert result.exit_code == 0, result.output
    return out


def test_page_is_self_contained_and_deterministic(tmp_path):
    page = write_page(tmp_path).read_text("utf-8")
    (tmp_path / "again").mkdir()
    assert write_page(tmp_path / "again").read_text("utf-8") == page
    # Nothing fetched: no script, no external stylesheet, image or font.
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)
    assert "@import" not in page and "url(" not in page


def test_one_row_per_interview_and_a_mark_per_follow_up(tmp_path):
    page = write_page(tmp_path).read_text("utf-8")
    rows = re.findall(r'<div class="label" id="i-([a-z0-9-]+)">', page)
    assert rows == [
        "northwind-platform",
        "helio-analytics",
        "quantum-bank",
        "brightpath",
        "copperleaf",
        "harbor-health",
    ]
    states = re.findall(r'<a class="mark s-(\w+)"', page)
    assert len(states) == 49 + 8  # planned items and the ones a reply or outcome cancelled
    assert {s: states.count(s) for s in set(states)} == {
        "done": 16,
        "overdue": 2,
        "planned": 31,
        "cancelled": 8,
    }
    # Every mark opens a draft of its own.
    targets = re.findall(r'<a class="mark s-\w+" href="#(d-\d+)"', page)
    sections = re.findall(r'<section class="draft" id="(d-\d+)"', page)
    assert targets == sections and len(set(targets)) == len(targets)


def test_a_due_mark_on_the_day(tmp_path):
    page = write_page(tmp_path, today="2026-11-24").read_text("utf-8")
    assert 'class="mark s-due"' in page and "Final follow-up → Lukas Becker" in page


def test_clicking_a_mark_opens_its_draft_in_chromium(browser, tmp_path):
    page_file = write_page(tmp_path)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.as_uri())
    assert page.locator(".draft:visible").count() == 0
    mark = page.get_by_label(re.compile(r"^Check-in 2 → Lukas Becker · Helio Analytics"))
    assert mark.is_visible()
    mark.click()
    panel = page.locator(".draft:visible")
    assert panel.count() == 1
    assert (
        "[[a subject on what you saw of theirs: their news if there is some, a post, a talk]]"
        in panel.inner_text()
    )
    assert "Hi Lukas," in panel.inner_text()
    assert "To\nLukas Becker <lukas.becker@helio.example>" in panel.inner_text()
    shot = (
        ROOT / "docs" / "timeline.png"
        if os.environ.get("UPDATE_SCREENSHOT")
        else tmp_path / "timeline.png"
    )
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    panel.get_by_label("close").click()
    assert page.locator(".draft:visible").count() == 0
    # The states are told apart by colour in the browser, as the legend says.
    overdue = page.locator("a.mark.s-overdue").first
    colour = overdue.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(192, 57, 43)"
    assert requests == [page_file.as_uri()]  # nothing else fetched


def test_plan_html_plans_each_interview_once_and_drafts_each_mark_once(tmp_path, monkeypatch):
    """`plan --html` prints the plan and writes the page from one planning of the file
    (and one more of the interviews a reply or outcome cut, for their cancelled marks);
    each mark's draft is made once, for its panel."""
    from followup_cal import service
    from followup_cal.plan import drafts

    planned: list[str] = []
    drafted: list[str] = []
    plan_followups, render_draft = service.plan_followups, drafts.render_draft

    def counting_plan(interviews, *args, **kwargs):
        planned.extend(i.id for i in interviews)
        return plan_followups(interviews, *args, **kwargs)

    def counting_draft(item, *args, **kwargs):
        drafted.append(item.uid)
        return render_draft(item, *args, **kwargs)

    monkeypatch.setattr(service, "plan_followups", counting_plan)
    monkeypatch.setattr(drafts, "render_draft", counting_draft)
    page = write_page(tmp_path).read_text("utf-8")
    interviews = load(str(EXAMPLE)).interviews
    answered = [i.id for i in interviews if i.heard_back or i.outcome]
    assert answered  # the example has cancelled marks to draw
    assert sorted(planned) == sorted([i.id for i in interviews] + answered)
    assert len(drafted) == len(re.findall(r'<section class="draft"', page))


def test_every_text_on_the_page_is_escaped():
    """The page skips escape for texts with nothing to escape (nearly all): a text with
    any one character to escape is still escaped, wherever it stands (mark, panel)."""
    from conftest import TODAY, load_search

    from followup_cal import service

    companies = {"Smith & Sons": "Smith &amp; Sons", "A < B": "A &lt; B", "B > A": "B &gt; A"}
    companies |= {'The "Co"': "The &quot;Co&quot;", "O'Neil": "O&#x27;Neil"}
    person = {"name": "Dana Lee", "email": "dana@example.com", "talked_about": "<b>tests"}
    rounds = [{"start": "2026-11-02 10:00", "interviewers": [person]}]
    search = load_search(
        *(
            {"id": f"i{n}", "company": company, "role": "Engineer", "pitch": "a & b"}
            | {"rounds": rounds}
            for n, company in enumerate(companies)
        )
    )
    page = service.timeline_html(search, TODAY)
    for raw, escaped in companies.items():
        assert f" · {raw}" not in page
        assert page.count(f"· {escaped}</h2>") > 3  # each panel's heading
        assert f"→ Dana Lee · {escaped} — " in page  # a mark's title
    assert "<b>tests" not in page and "&lt;b&gt;tests" in page  # in the drafts
    assert "a & b" not in page and "a &amp; b" in page
