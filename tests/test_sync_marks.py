"""Every mark sync writes reads back whole on every server (issue 30, item 1).

Our X-FOLLOWUP-CAL-* properties are TEXT to a server that parses them: Radicale
(vobject) cut an unescaped list at its first comma, so `EDITED:description,summary`
came back as `description`, and the next change of the YAML put back the user's title.
Each mark is written by sync itself, read back over plain HTTP and parsed by icalendar,
on each server of test_sync (its `server` fixture: the servers the suite runs).
"""

from __future__ import annotations

import icalendar
import pytest
import test_sync
from client_replay import Case, Replay

from followup_cal.sync.edits import (
    EDITED_PROPERTY,
    FIELDS,
    HASH_PROPERTY,
    OURS_PROPERTY,
    PUSHED_PROPERTY,
    SEARCH_PROPERTY,
    TICKED_PROPERTY,
    decode_fingerprint,
    edited_fields,
    edited_mark,
)

server, isolated_home = test_sync.server, test_sync.isolated_home
MINE = ["SUMMARY:Follow-up 1 → Dana (my title)", "DESCRIPTION:My own notes\\, kept."]


def stored(replay: Replay):
    """Our component as the server holds it, parsed by icalendar."""
    text = replay.objects()[replay.case.uid][2]
    return next(
        c for c in icalendar.Calendar.from_ical(text).walk() if c.name in ("VEVENT", "VTODO")
    )


def test_every_mark_of_an_edited_event_reads_back_whole(server, tmp_path):
    replay = Replay(
        tmp_path, server, Case("marks", "Apple Calendar", "edit", "follow_up-1", [], {})
    )
    assert replay.sync().exit_code == 0
    replay.apply({"set": MINE})  # two fields in one save
    adopted = replay.sync()
    assert adopted.exit_code == 0, adopted.output
    component = stored(replay)
    assert edited_fields(component) == {"description", "summary"}
    for name in (PUSHED_PROPERTY, OURS_PROPERTY):
        assert set(decode_fingerprint(str(component[name]))) == set(FIELDS), name
    assert str(component[HASH_PROPERTY]) and str(component[SEARCH_PROPERTY]).startswith("s-")

    # The YAML changes this step's draft: both of the user's fields stay theirs.
    text = replay.path.read_text("utf-8")
    replay.path.write_text(text.replace("running Postgres at scale", "running MySQL"), "utf-8")
    changed = replay.sync()
    assert changed.exit_code == 0, changed.output
    lines = replay.stored_lines()
    assert [line for line in MINE if line not in lines] == [], "\n".join(lines)
    assert edited_fields(stored(replay)) == {"description", "summary"}
    again = replay.sync()
    assert "created 0, updated 0, deleted 0" in again.output, again.output


def test_the_tick_mark_of_a_task_reads_back_whole(server, tmp_path):
    case = Case("ticked", "Apple Reminders", "tick", "thank_you", [], {}, todo=True)
    replay = Replay(tmp_path, server, case)
    assert replay.sync().exit_code == 0
    replay.apply({"set": ["STATUS:COMPLETED"], "add": ["COMPLETED:20261120T140000Z"]})
    assert replay.sync().exit_code == 0
    assert str(stored(replay)[TICKED_PROPERTY]) == "20261120"


@pytest.mark.parametrize(
    "lines",
    [
        ["X-FOLLOWUP-CAL-EDITED:description\\,summary"],  # as written now
        ["X-FOLLOWUP-CAL-EDITED:description,summary"],  # as written before (Xandikos kept it)
        ["X-FOLLOWUP-CAL-EDITED:description\\\\,summary"],  # escaped once more
        ["X-FOLLOWUP-CAL-EDITED:description", "X-FOLLOWUP-CAL-EDITED:summary"],  # one each
    ],
)
def test_every_form_of_the_edited_mark_is_read(lines):
    text = "\r\n".join(["BEGIN:VEVENT", "UID:x", *lines, "END:VEVENT", ""])
    assert edited_fields(icalendar.Event.from_ical(text)) == {"description", "summary"}


def test_the_edited_mark_is_one_text_value():
    value = edited_mark({"summary", "end", "description"})
    assert value == "description\\,end\\,summary"
    # vobject (Radicale's parser) reads it as one value, and writes it back the same.
    vobject = pytest.importorskip("vobject")
    text = f"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n{EDITED_PROPERTY}:{value}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    event = vobject.readOne(text).vevent
    assert event.contents[EDITED_PROPERTY.lower()][0].value == "description,end,summary"
    assert f"{EDITED_PROPERTY}:{value}" in vobject.readOne(text).serialize()
    assert edited_mark([]) is None
