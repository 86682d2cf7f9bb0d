"""The domain part of every UID the planner makes (``step@followup-cal``), and the UID
the task of a step carries (``step_task@followup-cal``).

Apart from the planner so that sync can tell its events by their UID without loading it.

A step's event and its task are two entries, and some servers keep a UID once per
account, not per calendar (Fastmail's Cyrus: 403 ``unique-scheduling-object-resource``):
the task needs a UID of its own. Inside the tool a task keeps the step's UID (the state
file, the content hash, the ledger, what the user changed); only what is written to a
calendar carries the mark. ``_`` is in no part a UID ends with (a step's name or a
person's slug: letters, digits, '-'), so no step's UID ever looks like a task's.
"""

UID_DOMAIN = "followup-cal"
SUFFIX = "@" + UID_DOMAIN
TASK_MARK = "_task"


def task_uid(uid: str) -> str:
    """'acme.follow-up-1@followup-cal' -> 'acme.follow-up-1_task@followup-cal'."""
    if not uid.endswith(SUFFIX) or is_task_uid(uid):
        return uid
    return uid[: -len(SUFFIX)] + TASK_MARK + SUFFIX


def is_task_uid(uid: str) -> bool:
    return uid.endswith(TASK_MARK + SUFFIX)


def step_uid(uid: str) -> str:
    """The step's UID of an entry as a calendar holds it: a task's mark taken off."""
    if not is_task_uid(uid):
        return uid
    return uid[: -len(TASK_MARK + SUFFIX)] + SUFFIX
