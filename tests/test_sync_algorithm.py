"""The pure sync decision, case by case (no server needed)."""

from __future__ import annotations

from followup_cal.sync.algorithm import Desired, Remote, plan_sync


def want(uid: str, content: str = "h1") -> Desired:
    data = f"data {uid} {content}".encode()
    return Desired(uid, uid, lambda: data, content)


def have(uid: str, content: str = "h1", etag: str = '"e1"', href: str | None = None) -> Remote:
    return Remote(uid, href or f"/cal/{uid}.ics", etag, content)


OURS = "a.debrief@followup-cal"
OTHER = "b.follow-up-1@followup-cal"


def kinds(plan):
    return sorted((w.kind, w.uid) for w in plan.writes)


def test_creates_updates_deletes_and_counts_unchanged():
    plan = plan_sync(
        [want(OURS), want(OTHER, "h2"), want("c.debrief@followup-cal")],
        [have(OURS), have(OTHER, "h1"), have("gone.debrief@followup-cal")],
        {},
    )
    assert kinds(plan) == [
        ("create", "c.debrief@followup-cal"),
        ("delete", "gone.debrief@followup-cal"),
        ("update", OTHER),
    ]
    assert plan.unchanged == 1
    update = next(w for w in plan.writes if w.kind == "update")
    assert update.etag == '"e1"' and update.href == f"/cal/{OTHER}.ics"


def test_foreign_events_are_never_touched():
    plan = plan_sync([], [have("dentist@example.com"), have("x@followup-cal.example")], {})
    assert plan.writes == [] and not plan.refused


def test_emptied_plan_refuses_to_delete_everything_unless_forced():
    plan = plan_sync([], [have(OURS), have(OTHER)], {})
    assert plan.refused and plan.writes == []
    forced = plan_sync([], [have(OURS), have(OTHER)], {}, force=True)
    assert kinds(forced) == [("delete", OURS), ("delete", OTHER)]


def test_an_event_edited_since_our_write_is_a_conflict_unless_forced():
    remembered = {OTHER: '"old"'}
    plan = plan_sync([want(OTHER, "h2")], [have(OTHER, "h1", '"new"')], remembered)
    assert plan.conflicts == [OTHER] and plan.writes == []
    forced = plan_sync([want(OTHER, "h2")], [have(OTHER, "h1", '"new"')], remembered, force=True)
    assert kinds(forced) == [("update", OTHER)]


def test_an_edited_event_whose_content_we_did_not_change_is_left_as_the_user_made_it():
    plan = plan_sync([want(OTHER)], [have(OTHER, etag='"new"')], {OTHER: '"old"'})
    assert plan.writes == [] and plan.unchanged == 1 and plan.conflicts == []


def test_a_second_copy_of_our_uid_is_removed():
    plan = plan_sync(
        [want(OURS)], [have(OURS, href="/cal/1.ics"), have(OURS, href="/cal/2.ics")], {}
    )
    assert kinds(plan) == [("delete", OURS)]
    assert plan.writes[0].href == "/cal/2.ics"
    assert plan.unchanged == 1
