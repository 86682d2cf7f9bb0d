"""A JSON Schema of the interviews file, for editors (yaml-language-server, VS Code).

Built from the loader's own key tables and the policy's settings, so the two cannot
drift apart: a key the loader learns appears here, with the same ranges. The loader
stays the authority (it also checks what a schema cannot: dates that do not exist, a
contact who was never met, zones and countries); the schema is for completion and
early red squiggles while typing.
"""

from __future__ import annotations

import json
from typing import Any

from followup_cal.loader import (
    CALDAV_KEYS,
    DONE_KEYS,
    HEARD_BACK_KEYS,
    IMAP_KEYS,
    INTERVIEW_KEYS,
    INVITATION_KEYS,
    ME_KEYS,
    OUTCOME_KEYS,
    PERSON_KEYS,
    ROUND_KEYS,
    SYNC_ID_PATTERN,
    TOP_KEYS,
)
from followup_cal.plan.field_lint import PITCH_SHAPE, TALKED_ABOUT_SHAPE
from followup_cal.plan.model import WEEKDAYS, Channel, Greeting, Result
from followup_cal.plan.policy import SETTINGS

SCHEMA_ID = "https://followup-cal.invalid/interviews.schema.json"

# The years the loader accepts (bounds.py): 1900 to 2200.
YEAR = r"(19\d\d|2[01]\d\d|2200)"
DATE = {"type": "string", "pattern": rf"^{YEAR}-\d{{2}}-\d{{2}}$", "description": "YYYY-MM-DD"}
DATETIME = {
    "type": "string",
    "pattern": rf"^{YEAR}-\d{{2}}-\d{{2}}[T ]\d{{1,2}}:\d{{2}}(:\d{{2}})?$",
    "description": "YYYY-MM-DD HH:MM, in the round's time zone",
}
# Where a reader of the schema finds why each policy key is what it is.
POLICY_DOC = "docs/policy.md in the followup-cal repository"
DECISION = {
    "type": "string",
    "pattern": rf"^({YEAR}-\d{{2}}-\d{{2}}|(in\s+)?\d+\s+(business days?|days?|weeks?))$",
    "description": "YYYY-MM-DD, or 'in 2 weeks', 'in 10 days', 'in 5 business days'",
}
CLOCK = {"type": "string", "pattern": r"^\d{1,2}:\d{2}$", "description": "HH:MM, 24 h"}
# One line, no control characters: what the loader's one-line fields accept.
ONE_LINE = r"^[^\n\r\u2028\u2029\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
TEXT = {"type": "string", "minLength": 1, "pattern": ONE_LINE}
OPTIONAL_TEXT = {"type": ["string", "null"], "pattern": ONE_LINE}
LINES = {"type": ["string", "null"]}
ZONE = {
    "type": "string",
    "pattern": r"^(UTC|[A-Za-z_]+(/[A-Za-z0-9_+-]+)+)$",
    "description": "an IANA time zone such as Europe/Berlin",
}
AUTH = {
    "enum": ["password", "google"],
    "description": "how to sign in: a password, or Google's OAuth (login google)",
}
EMAIL = {"type": "string", "pattern": r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$"}
STEP = {
    "type": "string",
    "pattern": r"^(debrief|thank[_-]you|rejection[_-]reply|holiday[_-]note"
    r"|follow[_-]up[_-][1-3]|check[_-]in[_-]\d{1,2})$",
    "description": "debrief, thank_you, follow_up-N, check_in-N, rejection_reply, holiday_note",
}


def _object(
    keys: tuple[str, ...], properties: dict[str, Any], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    missing = set(keys) - set(properties)
    extra = set(properties) - set(keys)
    if missing or extra:  # a key added to the loader must be described here too
        raise AssertionError(f"schema out of step with the loader: {missing or extra}")
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(required),
        "properties": {key: properties[key] for key in keys},
    }


def _policy() -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for key, setting in SETTINGS.items():
        if setting.kind == "int":
            prop: dict[str, Any] = {
                "type": "integer",
                "minimum": setting.minimum,
                "maximum": setting.maximum,
            }
        elif setting.kind == "time":
            prop = dict(CLOCK)
        else:
            item = {"type": "integer", "minimum": setting.minimum, "maximum": setting.maximum}
            prop = {"type": "array", "minItems": 1, "items": item}
        prop["description"] = f"{setting.why} (see {POLICY_DOC})"
        properties[key] = prop
    policy = _object(tuple(SETTINGS), properties)
    policy["description"] = (
        f"overrides of the follow-up policy; each key's default, range and reason: {POLICY_DOC}"
    )
    return policy


def _person() -> dict[str, Any]:
    return _object(
        PERSON_KEYS,
        {
            "name": TEXT,
            "call_me": {
                **OPTIONAL_TEXT,
                "description": "how your drafts address them, e.g. 'Dr. Smith' or 'Bob' "
                "(default: the first name, or 'Dr. Smith' / the full name with greeting: formal)",
            },
            "greeting": {
                "enum": [g.value for g in Greeting],
                "description": "casual or formal for this person, when not as in me:",
            },
            "email": EMAIL,
            "phone": OPTIONAL_TEXT,
            "title": OPTIONAL_TEXT,
            "talked_about": {
                **OPTIONAL_TEXT,
                "description": TALKED_ABOUT_SHAPE,
            },
            "away_until": {**DATE, "description": "last day away; inquiries wait"},
        },
        ("name",),
    )


def build_schema() -> dict[str, Any]:
    """The schema as a dict (deterministic: the same on every machine)."""
    person_ref = {"$ref": "#/$defs/person"}
    someone = {"oneOf": [TEXT, person_ref], "description": "a name met in a round, or a person"}
    round_ = _object(
        ROUND_KEYS,
        {
            "start": DATETIME,
            "timezone": ZONE,
            "duration": {
                "oneOf": [
                    {"type": "integer", "minimum": 1, "maximum": 1440},
                    {"type": "string", "pattern": r"^\s*(\d+\s*h)?\s*(\d+\s*(m|min|minutes?))?$"},
                ],
                "description": "minutes, or 1h, 1h30m (default 1h)",
            },
            "interviewers": {"type": "array", "minItems": 1, "items": person_ref},
            "notes": {},
            "invitation": {
                **_object(
                    INVITATION_KEYS,
                    {
                        "uid": TEXT,
                        "sequence": {"type": "integer", "minimum": 0, "maximum": 10**9},
                        "stamp": {
                            "type": "string",
                            "pattern": r"^\d{8}T\d{6}Z$",
                            "description": "the copy's DTSTAMP, in UTC",
                        },
                        "organizer": {
                            "type": "string",
                            "description": "the address that sent the invitation: with the "
                            "company's own domain, the only one whose later copies move or "
                            "cancel the round",
                        },
                    },
                    ("uid",),
                ),
                "description": "the calendar invitation the round follows (written by "
                "add --from-invite): a later copy moves it, a cancellation cancels it",
            },
            "cancelled": {
                "type": "boolean",
                "description": "the round was cancelled: no debrief, thank-you or inquiry",
            },
        },
        ("start", "interviewers"),
    )
    outcome = _object(
        OUTCOME_KEYS,
        {"result": {"enum": [r.value for r in Result]}, "date": DATE, "by": someone},
        ("result", "date"),
    )
    done = _object(
        DONE_KEYS,
        {
            "step": STEP,
            "to": {**TEXT, "description": "the recipient, when several get the step"},
            "round": {"type": "integer", "minimum": 1},
            "date": DATE,
        },
        ("step", "date"),
    )
    interview = _object(
        INTERVIEW_KEYS,
        {
            "id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]*$"},
            "company": TEXT,
            "role": {
                **TEXT,
                "description": "the job title alone, as drafts say 'the Backend Engineer role'",
            },
            "pitch": {**OPTIONAL_TEXT, "description": PITCH_SHAPE},
            "rounds": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/round"}},
            "contact": someone,
            "network": {"type": "array", "items": someone},
            "decision_expected": DECISION,
            "decision_after_holidays": {
                "type": "boolean",
                "description": "true: they decide after the next holiday season (the year-end, "
                "or your country's); false: no holiday note even when decision_expected lies "
                "past one; unset: a note when it does",
            },
            "no_follow_up": {"type": "boolean", "description": "the employer asked for none"},
            "channel": {"enum": [c.value for c in Channel]},
            "heard_back": {
                "oneOf": [
                    {**DATE, "description": "the day they answered, with no new date"},
                    _object(
                        HEARD_BACK_KEYS,
                        {"date": DATE, "decision_expected": DECISION, "by": someone},
                        ("date",),
                    ),
                ],
                "description": "the day they answered; with the new decision date their reply "
                "gave, if any, the inquiries wait for it, otherwise they stop; by: who wrote, "
                "when not the contact (the notes after it go to them)",
            },
            "outcome": {"$ref": "#/$defs/outcome"},
            "done": {"type": "array", "items": {"$ref": "#/$defs/done"}},
            "moved": {
                "type": "array",
                "items": {"$ref": "#/$defs/done"},
                "description": "steps you moved in your calendar: date is the new day",
            },
            "skipped": {
                "type": "array",
                "items": {"$ref": "#/$defs/done"},
                "description": "steps you deleted in your calendar: not planned again",
            },
            "policy": {"$ref": "#/$defs/policy"},
            "notes": {},
        },
        ("id", "company", "role", "rounds"),
    )
    me = _object(
        ME_KEYS,
        {
            "name": TEXT,
            "email": {**EMAIL, "minLength": 3},
            "phone": OPTIONAL_TEXT,
            "signature": LINES,
            "greeting": {
                "enum": [g.value for g in Greeting],
                "description": "how drafts open: casual 'Hi Dana,' (default) or formal "
                "'Dear Dana Lee,' / 'Dear Dr. Smith,'",
            },
            "timezone": ZONE,
            "country": {"type": "string", "pattern": r"^[A-Za-z]{2,3}$"},
            "subdivision": {"type": "string", "pattern": ONE_LINE},
            "work_week": {"type": "array", "minItems": 1, "items": {"enum": list(WEEKDAYS)}},
        },
        ("name", "email", "timezone"),
    )
    caldav = _object(
        CALDAV_KEYS,
        {
            "url": {"type": "string", "pattern": "^https?://"},
            "user": {"type": "string", "pattern": ONE_LINE},
            "calendar": {"type": "string", "pattern": ONE_LINE},
            "auth": AUTH,
        },
    )
    imap = _object(
        IMAP_KEYS,
        {
            "url": {"type": "string", "pattern": "^imaps?://[^/:]"},
            "user": {"type": "string", "pattern": ONE_LINE},
            "folder": {"type": "string", "pattern": ONE_LINE},
            "folders": {"type": "array", "items": {"type": "string", "pattern": ONE_LINE}},
            "sent": {"type": "string", "pattern": ONE_LINE},
            "auth": AUTH,
        },
    )
    schema = _object(
        TOP_KEYS,
        {
            "me": {"$ref": "#/$defs/me"},
            "policy": {"$ref": "#/$defs/policy"},
            "interviews": {"type": "array", "items": {"$ref": "#/$defs/interview"}},
            "templates": {"type": "string", "pattern": ONE_LINE},
            "calendar_name": {"type": "string", "pattern": ONE_LINE},
            "caldav": caldav,
            "imap": imap,
            "sync_id": {"type": "string", "pattern": SYNC_ID_PATTERN},
        },
        ("me", "interviews"),
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "followup-cal interviews file",
        **schema,
        "$defs": {
            "me": me,
            "policy": _policy(),
            "interview": interview,
            "round": round_,
            "person": _person(),
            "outcome": outcome,
            "done": done,
        },
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"
