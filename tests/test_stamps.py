"""The caches that stand for a plan (a no-op sync's inputs, the export's events) key on
the time zone rules: new rules can move an event's time with nothing else changed."""

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
