"""The caches that stand for a plan (a no-op sync's inputs, the export's events) key on
the time zone rules: new rules can move an event's time with nothing else changed. A
damaged record of them is not used."""

from __future__ import annotations

import zoneinfo

from followup_cal.sync.quiet import program_stamp


def test_new_time_zone_rules_change_the_no_op_syncs_key(tmp_path, monkeypatch):
    rules = tmp_path / "tzdata.zi"
    rules.write_text("# version 2026a\n")
    monkeypatch.setattr(zoneinfo, "TZPATH", (str(tmp_path),))
    before = program_stamp()
    rules.write_text("# version 2026b, with a zone's daylight saving time abolished\n")
    assert program_stamp() != before


def test_a_no_op_record_missing_a_field_is_not_used(tmp_path):
    from datetime import date

    from followup_cal.sync import quiet

    path = tmp_path / "interviews.yaml"
    path.write_text("me: {}\n")
    inputs, day = quiet.Inputs.read(str(path)), date(2026, 3, 2)
    kept = quiet.record(inputs, {}, day, templates="", url="http://127.0.0.1:9/", user="",
                        calendar_url="http://127.0.0.1:9/c/", unchanged=3)  # fmt: skip
    assert quiet.recorded(kept, inputs, {}, day) == kept
    damaged = {name: value for name, value in kept.items() if name != "calendar_url"}
    assert quiet.recorded(damaged, inputs, {}, day) is None
