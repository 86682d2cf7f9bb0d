"""Replaying what a calendar app writes back: the corpus in tests/data/clients/.

A case names one of our events (a step of the interview below), what a client does to it
(the lines it sets, adds or removes, its alarms, its time zones, or a deletion) and what
must follow: the fact recorded in the YAML, and the lines of the user's edit that must be
on the server, byte for byte (unfolded), after the sync that pulls it and after the next.
Everything here talks plain HTTP to the server: nothing of the code under test.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from caldav_servers import PASSWORD, Server, calendar_objects, http_request
from click.testing import CliRunner
from conftest import DATA, interview, search_text

from followup_cal.cli import cli

CASES = DATA / "clients" / "cases.yaml"
# The properties RFC 5545 allows at most once in an event or a task (3.6.1, 3.6.2): a
# client saving an object again that has one replaces it.
ONCE = frozenset(("CLASS", "COMPLETED", "CREATED", "DESCRIPTION", "DTSTAMP", "DTSTART", "DUE",
                  "DURATION", "DTEND", "GEO", "LAST-MODIFIED", "LOCATION", "ORGANIZER",
                  "PERCENT-COMPLETE", "PRIORITY", "RECURRENCE-ID", "SEQUENCE", "STATUS",
                  "SUMMARY", "TRANSP", "UID", "URL"))  # fmt: skip
TODAY = "2026-11-23"
ROUND = {
    "start": "2026-11-19 10:00",  # Thu; the thank-you is due that day, follow-up 1 on Fri 27 Nov
    "interviewers": [
        {"name": "Dana Lee", "email": "dana@acme.example", "talked_about": "the billing rewrite"}
    ],
}


def uid_of(step: str) -> str:
    """'follow_up-1' -> 'acme.follow-up-1@followup-cal'; 'thank_you' names Dana's."""
    name = step.replace("_", "-")
    if step == "thank_you":
        return "acme.r1.thank-you.dana-lee@followup-cal"
    if step.startswith("check_in"):
        return f"acme.{name}.dana-lee@followup-cal"
    return f"acme.{name}@followup-cal"


@dataclass(frozen=True)
class Case:
    id: str
    client: str
    action: str
    step: str
    expect: list[str]  # '+moved follow_up-1 2026-11-30 14:00', '-done ...'; [] = nothing
    edit: dict[str, Any]
    todo: bool = False
    before: list[dict[str, Any]] = field(default_factory=list)  # edits synced first
    typed: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # facts in the YAML
    kept: list[str] | None = None  # None: every line the edit sets or adds
    report: str = ""  # a line sync must print (stdout or stderr)

    @property
    def uid(self) -> str:
        """The UID the calendar holds the entry under: a task's has a mark of its own
        (docs/calendar.md), so Cyrus takes the step's event and task in one account."""
        uid = uid_of(self.step)
        return uid.replace("@followup-cal", "_task@followup-cal") if self.todo else uid

    def must_keep(self) -> list[str]:
        if self.kept is not None:
            return [line.format(uid=self.uid) for line in self.kept]
        lines = list(self.edit.get("set", [])) + list(self.edit.get("add", []))
        return [line.format(uid=self.uid) for line in lines]


def load_cases() -> list[Case]:
    raw = yaml.safe_load(CASES.read_text("utf-8"))
    return [Case(**{k: v for k, v in case.items() if k != "source"}) for case in raw]


# --- the calendar object as lines -----------------------------------------------------


def unfold(text: str) -> list[str]:
    text = text.replace("\r\n", "\n")
    return [line for line in re.sub(r"\n[ \t]", "", text).split("\n") if line]


def fold(lines: list[str]) -> bytes:
    out = []
    for line in lines:
        data = line.encode()
        parts = []
        while len(data) > 75:
            cut = 75 if not parts else 74
            while cut and (data[cut] & 0xC0) == 0x80:  # never inside a UTF-8 character
                cut -= 1
            parts.append(data[:cut])
            data = data[cut:]
        parts.append(data)
        out.append(b"\r\n ".join(parts))
    return b"\r\n".join(out) + b"\r\n"


def name_of(line: str) -> str:
    return re.split(r"[;:]", line, maxsplit=1)[0].upper()


def _block_ends(lines: list[str], start: int) -> int:
    """The index of the END: line that closes the BEGIN: at ``start``."""
    depth = 0
    for index in range(start, len(lines)):
        if lines[index].startswith("BEGIN:"):
            depth += 1
        elif lines[index].startswith("END:"):
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("unbalanced calendar object")


def transform(text: str, uid: str, edit: dict[str, Any]) -> bytes:
    """The object as the client writes it back after ``edit``."""
    lines = unfold(text)
    fill = [line.format(uid=uid) for line in edit.get("calendar_add", [])]
    if edit.get("remove_timezones"):
        while "BEGIN:VTIMEZONE" in lines:
            start = lines.index("BEGIN:VTIMEZONE")
            del lines[start : _block_ends(lines, start) + 1]
    if "prodid" in edit:
        lines = [f"PRODID:{edit['prodid']}" if name_of(x) == "PRODID" else x for x in lines]
    start = next(i for i, x in enumerate(lines) if x in ("BEGIN:VEVENT", "BEGIN:VTODO"))
    end = _block_ends(lines, start)
    own, subs, index = [], [], start + 1
    while index < end:  # the component's own lines, and its alarms as blocks
        if lines[index].startswith("BEGIN:"):
            close = _block_ends(lines, index)
            subs.append(lines[index : close + 1])
            index = close + 1
        else:
            own.append(lines[index])
            index += 1
    removed = {name.upper() for name in edit.get("remove", [])}
    if edit.get("strip_ours"):
        own = [x for x in own if not name_of(x).startswith("X-FOLLOWUP-CAL-")]
    own = [x for x in own if name_of(x) not in removed]
    for line in edit.get("set", []):
        line = line.format(uid=uid)
        at = [i for i, x in enumerate(own) if name_of(x) == name_of(line)]
        if at:
            own[at[0]] = line
            own = [x for i, x in enumerate(own) if i not in at[1:]]
        else:
            own.append(line)
    for line in edit.get("add", []):
        line = line.format(uid=uid)
        if line in own:
            continue  # a client saving the object again does not write a line twice
        at = [i for i, x in enumerate(own) if name_of(x) == name_of(line)]
        if at and name_of(line) in ONCE:
            own[at[0]] = line  # a second CREATED or LAST-MODIFIED would be refused
        else:
            own.append(line)
    if "alarms" in edit:
        alarms = edit["alarms"] or []
        subs = [[line.format(uid=uid) for line in alarm] for alarm in alarms]
    body = [lines[start], *own, *(x for sub in subs for x in sub), lines[end]]
    head = lines[:start]
    first = next((i for i, x in enumerate(head) if x.startswith("BEGIN:V") and i), len(head))
    head[first:first] = fill
    return fold([*head, *body, *lines[end + 1 :]])


# --- a YAML file, a calendar on a real server, sync run as the user runs it ------------


class Replay:
    def __init__(self, tmp: Path, server: Server, case: Case) -> None:
        self.server, self.case = server.own_account(), case  # Cyrus: an account of its own
        self.path = tmp / "interviews.yaml"
        doc = yaml.safe_load(search_text(interview(rounds=[ROUND])))
        for kind, entries in case.typed.items():
            doc["interviews"][0][kind] = entries
        self.path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), "utf-8")
        self.calendar = f"Replay {uuid.uuid4().hex[:8]}"

    def sync(self):
        command = ["sync", str(self.path), "--url", self.server.url, "--today", TODAY]
        command += ["--calendar", self.calendar, "--create"]
        if self.case.todo:
            command += ["--as", "todo"]
        env = {}
        if self.server.user:
            command += ["--user", self.server.user]
            env["FOLLOWUP_CAL_PASSWORD"] = PASSWORD
        return CliRunner().invoke(cli, command, env=env)

    def auth(self) -> tuple[str, str] | None:
        return (self.server.user, self.server.password) if self.server.user else None  # type: ignore[return-value]

    def calendar_url(self) -> str:
        status = json.loads((self.path.parent / "interviews.followup-sync.json").read_text())
        (url,) = status["calendars"].values()
        return url

    def objects(self) -> dict[str, tuple[str, str, str]]:
        """{uid: (href, etag, raw text)} as the server holds them."""
        found = {}
        for href, etag, data in calendar_objects(self.calendar_url(), self.auth()):
            match = re.search(r"^UID:(.*?)\r?$", data.replace("\r\n ", ""), re.M)
            if match:
                found[match.group(1)] = (href, etag, data)
        return found

    def apply(self, edit: dict[str, Any]) -> None:
        href, etag, text = self.objects()[self.case.uid]
        url = f"http://127.0.0.1:{self.server.port}{href}"
        if edit.get("delete"):
            response = http_request("DELETE", url, auth=self.auth(), headers={"If-Match": etag})
        else:
            body = transform(text, self.case.uid, edit)
            headers = {"Content-Type": "text/calendar; charset=utf-8", "If-Match": etag}
            response = http_request("PUT", url, data=body, auth=self.auth(), headers=headers)
        assert response.status_code in (200, 201, 204), response.content

    def facts(self) -> set[tuple[str, str, str]]:
        doc = yaml.safe_load(self.path.read_text("utf-8"))
        entry = doc["interviews"][0]
        return {
            (kind, str(fact["step"]), str(fact["date"]))
            for kind in ("done", "moved", "skipped")
            for fact in entry.get(kind) or []
        }

    def stored_lines(self) -> list[str]:
        found = self.objects().get(self.case.uid)
        return unfold(found[2]) if found else []


def fact_changes(before: set[tuple[str, str, str]], after: set[tuple[str, str, str]]) -> list[str]:
    added = [f"+{k} {s} {d}" for k, s, d in sorted(after - before)]
    return added + [f"-{k} {s} {d}" for k, s, d in sorted(before - after)]
