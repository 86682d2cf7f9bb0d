"""The pure sync decision, case by case (no server needed)."""

from __future__ import annotations

from followup_cal.sync.algorithm import Desired, Remote, plan_sync
from followup_cal.sync.edits import compare, fingerprint

SEARCH = "s-mine"
AS_PUSHED = fingerprint({"start": "20261201T150000Z", "summary": "Follow-up"})
MOVED = fingerprint({"start": "20261203T150000Z", "summary": "Follow-up"})
RETITLED = fingerprint({"start": "20261201T150000Z", "summary": "Follow-up (call)"})


def want(uid: str, content: str = "h1", pushed: str = AS_PUSHED) -> Desired:
    data = f"data {uid} {content}".encode()
    return Desired(uid, uid, lambda: data, content, pushed)


def have(
    uid: str,
    content: str = "h1",
    etag: str = '"e1"',
    href: str | None = None,
    *,
    search: str = SEARCH,
    pushed: str = AS_PUSHED,
    now: str = AS_PUSHED,
    completed: bool = False,
) -> Remote:
    href = href or f"/cal/{uid}.ics"
    return Remote(uid, href, etag, content, search, pushed, now, completed, data="BEGIN:...")


OURS = "a.debrief@followup-cal"
OTHER = "b.follow-up-1@followup-cal"


def kinds(plan):
    return sorted((w.kind, w.uid) for w in plan.writes)


def plan(desired, remote, remembered=None, **options):
    return plan_sync(desired, remote, remembered or {}, search_id=SEARCH, **options)


def test_creates_updates_deletes_and_counts_unchanged():
    result = plan(
        [want(OURS), want(OTHER, "h2"), want("c.debrief@followup-cal")],
        [have(OURS), have(OTHER, "h1"), have("gone.debrief@followup-cal")],
    )
    assert kinds(result) == [
        ("create", "c.debrief@followup-cal"),
        ("delete", "gone.debrief@followup-cal"),
        ("update", OTHER),
    ]
    assert result.unchanged == 1 and not result.conflicts and not result.edits
    update = next(w for w in result.writes if w.kind == "update")
    assert update.etag == '"e1"' and update.href == f"/cal/{OTHER}.ics"


def test_events_of_another_search_or_app_are_never_touched_whatever_their_uid():
    remote = [
        have("dentist@example.com", search=""),
        have("x@followup-cal.example", search=""),
        have(OURS, search="s-someone-else"),  # another file's event, even with our UID
        have("their.debrief@followup-cal", search="s-someone-else"),
        # An @followup-cal UID nobody here planned or exported, not written by sync:
        have("made-by-hand@followup-cal", "", search="", pushed=""),
        # ... or written by an older sync of some other file: not this file's either.
        have("old.debrief@followup-cal", search="", pushed=""),
    ]
    result = plan([want(OTHER)], remote)
    assert kinds(result) == [("create", OTHER)] and not result.refused


def test_emptied_plan_refuses_to_delete_everything_unless_forced():
    result = plan([], [have(OURS), have(OTHER)])
    assert result.refused and result.writes == []
    forced = plan([], [have(OURS), have(OTHER)], force=True)
    assert kinds(forced) == [("delete", OURS), ("delete", OTHER)]


def test_a_moved_event_the_yaml_also_changes_is_a_conflict_seen_without_any_cache():
    moved = have(OTHER, "h1", '"new"', now=MOVED)
    for remembered in ({}, {OTHER: '"new"'}, {OTHER: '"old"'}):
        result = plan([want(OTHER, "h2")], [moved], remembered)
        assert result.conflicts == [OTHER] and result.writes == []
        assert result.edits[OTHER].kinds == ("moved",)
    forced = plan([want(OTHER, "h2")], [moved], force=True)
    assert kinds(forced) == [("update", OTHER)]


def test_adopt_keeps_the_server_version_marked_with_the_new_content_hash():
    moved = have(OTHER, "h1", '"new"', now=MOVED)
    result = plan([want(OTHER, "h2")], [moved], adopt=True)
    assert kinds(result) == [("adopt", OTHER)]
    (write,) = result.writes
    assert write.source is moved and write.content_hash == "h2" and write.etag == '"new"'
    # Once adopted (pushed = what the server holds), the event is unchanged ...
    adopted = have(OTHER, "h2", '"newer"', pushed=MOVED, now=MOVED)
    assert plan([want(OTHER, "h2")], [adopted]).unchanged == 1
    # ... until the YAML changes it again: then it is planned over the adopted version.
    assert kinds(plan([want(OTHER, "h3")], [adopted])) == [("update", OTHER)]


def test_an_edit_the_yaml_does_not_touch_is_kept_and_force_puts_ours_back():
    edited = have(OTHER, now=RETITLED)
    result = plan([want(OTHER)], [edited])
    assert result.writes == [] and result.kept == [OTHER] and result.conflicts == []
    assert result.unchanged == 1 and result.edits[OTHER].kinds == ("edited",)
    assert kinds(plan([want(OTHER)], [edited], force=True)) == [("update", OTHER)]


def test_an_edited_event_no_longer_planned_is_left_alone_released_with_adopt():
    edited = have(OURS, now=MOVED)
    result = plan([want(OTHER)], [edited, have(OTHER)])
    assert result.writes == [] and result.conflicts == [OURS]
    assert kinds(plan([want(OTHER)], [edited, have(OTHER)], force=True)) == [("delete", OURS)]
    assert kinds(plan([want(OTHER)], [edited, have(OTHER)], adopt=True)) == [("release", OURS)]


def test_a_write_applied_but_unacknowledged_is_not_a_user_edit():
    # The connection broke after the server stored our PUT: the cache still has the
    # old ETag, but the event holds exactly what we pushed.
    result = plan([want(OTHER)], [have(OTHER, etag='"after"')], {OTHER: '"before"'})
    assert result.writes == [] and result.conflicts == [] and result.unchanged == 1


def test_an_unreadable_server_copy_is_treated_as_edited():
    result = plan([want(OTHER, "h2")], [have(OTHER, now="")])
    assert result.conflicts == [OTHER]


def test_events_from_before_search_ids_are_claimed_tagged_and_their_edits_seen():
    legacy = {"search": "", "pushed": ""}
    untouched = have(OURS, **legacy)
    moved = have(OTHER, now=MOVED, **legacy)
    gone = have("c.debrief@followup-cal", **legacy)
    result = plan(
        [want(OURS), want(OTHER)],
        [untouched, moved, gone],
        known_uids={"c.debrief@followup-cal"},  # exported by this file before
    )
    assert kinds(result) == [("delete", "c.debrief@followup-cal"), ("tag", OURS)]
    assert result.kept == [OTHER] and result.edits[OTHER].kinds == ("moved",)


def test_a_completed_task_is_told_apart_from_an_edit():
    done = fingerprint({"start": "20261201T150000Z", "summary": "Follow-up", "status": "X"})
    result = plan([want(OTHER)], [have(OTHER, now=done, completed=True)])
    assert result.edits[OTHER].kinds == ("completed",)
    edit = compare(OTHER, AS_PUSHED, None)
    assert edit is not None and edit.kinds == ("deleted",)
    assert compare(OTHER, AS_PUSHED, AS_PUSHED) is None


def test_two_files_on_one_calendar_each_keep_their_own():
    mine, theirs = have(OURS), have(OTHER, search="s-theirs")
    result = plan([], [mine, theirs], force=True)
    assert kinds(result) == [("delete", OURS)]
    other_side = plan_sync([want(OTHER)], [mine, theirs], {}, search_id="s-theirs")
    assert other_side.writes == [] and other_side.unchanged == 1


def test_a_second_copy_of_our_uid_is_removed():
    result = plan([want(OURS)], [have(OURS, href="/cal/1.ics"), have(OURS, href="/cal/2.ics")])
    assert kinds(result) == [("delete", OURS)]
    assert result.writes[0].href == "/cal/2.ics"
    assert result.unchanged == 1


def test_a_move_the_file_overruled_is_written_over_even_when_the_file_did_not_change():
    # The user moved a step the file has as done; the pull reports "the file wins" and
    # settles it. The file's version is what we pushed, so the hashes agree: without the
    # server's edit counted, the move stayed in the calendar while sync said otherwise.
    moved = have(OTHER, now=MOVED)
    result = plan([want(OTHER)], [moved], settled={OTHER})
    assert kinds(result) == [("update", OTHER)]
    assert result.kept == [] and result.conflicts == []
    # Settled but untouched on the server: nothing to write.
    assert plan([want(OTHER)], [have(OTHER)], settled={OTHER}).writes == []


def test_force_puts_the_planned_version_back_on_an_adopted_event_too():
    """An edit adopted before is the base now (pushed == now): unchanged without --force;
    --force writes the planned version over it, as its help says."""
    adopted = have(OURS, pushed=RETITLED, now=RETITLED)
    assert plan_sync([want(OURS)], [adopted], {}, search_id=SEARCH).writes == []
    forced = plan_sync([want(OURS)], [adopted], {}, search_id=SEARCH, force=True)
    assert kinds(forced) == [("update", OURS)]
    assert forced.writes[0].over == adopted  # past the user's SEQUENCE and DTSTAMP
    unedited = have(OURS)
    assert plan_sync([want(OURS)], [unedited], {}, search_id=SEARCH, force=True).writes == []
