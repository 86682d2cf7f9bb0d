"""Record what happened (a note sent, a reply, an outcome, a new interview) in the YAML.

The YAML stays the single record: each fact is written into it, and the plan follows
from it. Writing is all or nothing: the file must be valid before, the edited text must
load and check before it is written, and it is written atomically.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from followup_cal.atomic import update_file
from followup_cal.errors import (
    FileAccessError,
    InvalidInput,
    NotFound,
    UsageProblem,
)
from followup_cal.journal.entries import (
    NewInterview,
    NewPerson,
    NewRound,
    keep_entry_rounds,
    person_value,
)
from followup_cal.journal.refusals import refuse_aliases, refuse_uid_clashes
from followup_cal.journal.yamledit import EditableYaml
from followup_cal.loader import LAST_INTERVIEW, decode, parse
from followup_cal.plan.followups import PlannedFollowup, Step, fmt_date
from followup_cal.plan.inquiries import moves_a_reply_overrules
from followup_cal.plan.model import Interview, Result, SearchFile, slugify

# Steps recorded per recipient (each person gets their own); the rest go to one person.
PER_RECIPIENT = (Step.THANK_YOU, Step.CHECK_IN)
PER_ROUND = (Step.DEBRIEF, Step.THANK_YOU)


@dataclass(frozen=True)
class FileText:
    """The file as read: its text for editing, and how to give its bytes back."""

    path: str
    text: str
    bom: bool
    crlf: bool

    @classmethod
    def of(cls, path: str, data: bytes) -> FileText:
        text = decode(path, data)
        crlf = "\r\n" in text
        return cls(path, text.replace("\r\n", "\n"), data.startswith(b"\xef\xbb\xbf"), crlf)

    def encode(self, text: str) -> bytes:
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return ("\ufeff" if self.bom else "").encode() + text.encode("utf-8")


# ``rewrite(..., where=AT_END)``: the edit appends an interview after the last one.
AT_END = ""
# ``rewrite(..., where=WHOLE_FILE)``: the edit may touch any interview (no id has a '*').
WHOLE_FILE = "*"


def rewrite(
    path: str,
    edit: Callable[[SearchFile, EditableYaml], None],
    where: str = AT_END,
    *,
    dry_run: bool = False,
) -> SearchFile:
    """Apply ``edit`` to the file; return the file as it now reads: the interview ``where``
    names (the new last one for ``AT_END``), or every one for ``WHOLE_FILE``.

    ``edit`` gets the checked file (to look things up) and the editable document: the
    interview ``where`` names (or the end of the list), or the whole file when that part
    cannot be edited alone. It may raise to refuse, and then nothing is written. It runs
    under the file's lock (see ``update_file``), and again if the file changed under it,
    so it must decide from what it is given, never from an earlier read.
    """
    result: list[SearchFile] = []

    def change(data: bytes) -> bytes:
        result.clear()
        original = FileText.of(path, data)
        search = parse(path, original.text)  # a broken file is reported, never edited
        refuse_aliases(path, original.text)
        text = edited_text(search, original.text, edit, where)
        if text == original.text:
            result.append(search)
            return data
        del search  # not kept while the new text is read (a large file's parse is large)
        # The whole new text is checked; only the edited interview is kept from it.
        keep = None if where == WHOLE_FILE else where or LAST_INTERVIEW
        try:
            result.append(parse(path, text, keep))
            if keep is not None:  # an entry added or changed: people may have come in
                refuse_uid_clashes(result[-1])
        except InvalidInput as exc:
            # Our own edit would break the file: say what, and leave the file alone.
            reasons = "; ".join(p.message for p in exc.problems)
            raise UsageProblem(
                f"{path}: not changed, the new entry is not valid: {reasons}"
            ) from None
        new = original.encode(text)
        if not dry_run:
            # Undo's record is written with the change, under its lock and before the
            # file's rename: a kill between them cannot leave a change without its undo.
            from followup_cal.journal.undo import remember

            remember(path, data, new)
        return new

    if dry_run:  # what the file would read, for a review before writing
        try:
            change(Path(path).read_bytes())
        except OSError as exc:
            raise FileAccessError(f"{path}: cannot read: {exc}") from None
        return result[0]
    from followup_cal.journal.undo import kept_record

    with kept_record(path):  # put back as it was if the file is not written after all
        update_file(path, change)
    return result[0]


def edited_text(
    search: SearchFile, text: str, edit: Callable[[SearchFile, EditableYaml], None], where: str
) -> str:
    """The text with ``edit`` applied. Only the lines of the interview ``where`` names are
    loaded for editing (at the end of the list: the last two, whose spacing a new one
    copies); the rest of the text is kept as it is, byte for byte."""
    lines = _lines_of(search, where)
    doc = EditableYaml.parse_part(search.path, text, lines) if lines else None
    if doc is None:
        doc = EditableYaml.parse(search.path, text)
    edit(search, doc)
    return doc.text()


def _lines_of(search: SearchFile, where: str) -> tuple[int, int] | None:
    if where == AT_END:
        last = search.interviews[-2:]
        return (last[0].lines[0], last[-1].lines[1]) if last else None
    for interview in search.interviews:
        if interview.id == where:
            return interview.lines
    return None


# -- finding what the user means -------------------------------------------------------


def find_interview(search: SearchFile, ident: str) -> Interview:
    for interview in search.interviews:
        if interview.id == ident:
            return interview
    ids = ", ".join(i.id for i in search.interviews) or "(none yet; add one with 'add')"
    raise NotFound(f"{search.path}: no interview '{ident}'; the ids are: {ids}")


def normal_step(step: str) -> str:
    """'follow-up-2', 'Follow_Up 2' and 'follow_up-2' are all 'follow_up-2'."""
    words = re.sub(r"[\s_-]+", "_", step.strip().lower())
    return re.sub(r"_(\d+)$", r"-\1", words)


def _key_order(key: str) -> tuple[int, int]:
    name, _, number = key.partition("-")
    return (list(Step).index(Step(name)), int(number or 0))


def matching_steps(
    items: Sequence[PlannedFollowup],
    interview: Interview,
    step: str,
    to: str | None,
    round_number: int | None,
) -> list[PlannedFollowup]:
    """Every planned item, done or not, that ``ID STEP [--to] [--round]`` names; an
    unknown step, round or person is NotFound, listing the valid ones."""
    mine = [i for i in items if i.interview.id == interview.id]
    keys = sorted({i.key for i in mine}, key=_key_order)
    wanted = normal_step(step)
    chosen = [i for i in mine if i.key == wanted or i.step.value == wanted]
    if not chosen:
        raise NotFound(
            f"no step '{step}' is planned for '{interview.id}'; the steps are: {', '.join(keys)}"
        )
    if round_number is not None:
        rounds = sorted({i.round for i in chosen})
        chosen = [i for i in chosen if i.round == round_number]
        if not chosen:
            listed = ", ".join(map(str, rounds))
            raise NotFound(f"'{step}' has no round {round_number}; the rounds are: {listed}")
    if to:
        names = sorted({i.recipient.name for i in chosen if i.recipient})
        needle = to.casefold()
        exact = [i for i in chosen if i.recipient and i.recipient.name.casefold() == needle]
        chosen = exact or [
            i for i in chosen if i.recipient and needle in i.recipient.name.casefold()
        ]
        if not chosen:
            raise NotFound(f"'{step}' goes to no one called '{to}'; it goes to: {', '.join(names)}")
        if len({i.recipient.name for i in chosen if i.recipient}) > 1:
            matched = sorted({i.recipient.name for i in chosen if i.recipient})
            raise NotFound(f"'{to}' matches {', '.join(matched)}; give the full name")
    return chosen


def steps_to_mark(
    matches: Sequence[PlannedFollowup], step: str, round_number: int | None
) -> list[PlannedFollowup]:
    """Of the ``matching_steps``, those ``done`` records: the ones not yet done.

    STEP may be a numbered key ('follow_up-2') or a bare step ('follow_up'), which names
    the one not yet done and is NotFound, listing them, when several are: recording the
    final follow-up for the first is a slip no one sees. A debrief or thank-you without
    --round means the earliest round not yet done.
    """
    open_items = [i for i in matches if not i.done]
    if not open_items:
        return []
    keys = sorted({i.key for i in open_items}, key=_key_order)
    if normal_step(step) not in keys and len(keys) > 1 and matches[0].step not in PER_ROUND:
        days = {i.key: i.start.date() for i in open_items}
        listed = [f"{key} ({fmt_date(days[key])})" for key in keys[:3]]
        more = f", and {len(keys) - 3} later" if len(keys) > 3 else ""
        raise NotFound(
            f"'{step}' could be {len(keys)} steps not yet done: {', '.join(listed)}{more}; "
            f"name the one you mean, e.g. {keys[0]}"
        )
    if normal_step(step) != matches[0].key or (
        round_number is None and matches[0].step in PER_ROUND
    ):
        first = min(open_items, key=lambda i: (i.start, _key_order(i.key)))
        open_items = [i for i in open_items if (i.key, i.round) == (first.key, first.round)]
    return open_items


def done_entry(item: PlannedFollowup, on: date) -> CommentedMap:
    entry = CommentedMap()
    entry["step"] = item.key
    if item.step is Step.FOLLOW_UP or (item.step in PER_ROUND and len(item.interview.rounds) > 1):
        # An inquiry belongs to the chain of one round: a later round starts a new one.
        entry["round"] = item.round
    if item.step in PER_RECIPIENT and item.recipient is not None:
        entry["to"] = item.recipient.name
    entry["date"] = on
    return entry


# -- the facts ---------------------------------------------------------------------------


def record_done(
    path: str,
    interview_id: str,
    choose: Callable[[SearchFile], Sequence[PlannedFollowup]],
    on: date,
) -> SearchFile:
    """Record as done on ``on`` what ``choose`` picks from the file as it is when locked
    (another writer may have recorded some of it a moment ago)."""
    return record_step_facts(
        path, lambda search: [StepFactEntry("done", i, on) for i in choose(search)], interview_id
    )


@dataclass(frozen=True)
class StepFactEntry:
    """One line to append under an interview: ``done:``, ``moved:`` or ``skipped:``."""

    kind: str
    item: PlannedFollowup
    on: date
    at: time | None = None  # moved: the hour the user gave it, when not the planned one


def record_step_facts(
    path: str,
    choose: Callable[[SearchFile], Sequence[StepFactEntry]],
    interview_id: str = WHOLE_FILE,
) -> SearchFile:
    """Append what ``choose`` picks from the file as it is when locked, all in one
    write (``done``, and what sync learns from the calendar); ``interview_id`` when all
    of it goes to that interview."""

    return rewrite(path, step_facts_edit(choose), interview_id)


def step_facts_edit(
    choose: Callable[[SearchFile], Sequence[StepFactEntry]],
) -> Callable[[SearchFile, EditableYaml], None]:
    """The edit that appends what ``choose`` picks (see ``rewrite``)."""

    def edit(search: SearchFile, doc: EditableYaml) -> None:
        for fact in choose(search):
            node = _interview_node(doc, fact.item.interview.id)
            entry = done_entry(fact.item, fact.on)
            if fact.kind == "undone":
                _take_out(node, entry)
                continue
            if fact.at is not None:
                entry["date"] = f"{fact.on.isoformat()} {fact.at:%H:%M}"
            doc.append_item(node, fact.kind, entry, one_line=True)

    return edit


def _take_out_moves(node: CommentedMap, key: str, round_number: int) -> None:
    """Remove every moved: line of inquiry ``key`` of that round (moved: once empty)."""
    lines = node.get("moved") or []
    for index in reversed(range(len(lines))):
        line = lines[index]
        if (
            isinstance(line, dict)
            and line.get("step") == key
            and line.get("round", round_number) == round_number
        ):
            del lines[index]
    if not lines and "moved" in node:
        del node["moved"]


def _take_out(node: CommentedMap, entry: CommentedMap) -> None:
    """Remove the done: line that says ``entry`` (and done: itself once empty)."""
    lines = node.get("done") or []
    for index, line in enumerate(lines):
        if isinstance(line, dict) and all(
            str(line.get(key)) == str(value) for key, value in entry.items()
        ):
            del lines[index]
            break
    if not lines and "done" in node:
        del node["done"]


def record_reply(
    path: str,
    interview_id: str,
    on: date,
    decision: date | None,
    by: NewPerson | None = None,
    keep_decision: bool = True,
    gave_way: list[tuple[str, date]] | None = None,
) -> SearchFile:
    """Write heard_back. A decision date an earlier reply gave is kept when this one gives
    none (unless ``keep_decision`` is False): a second answer rarely takes it back.

    A move pulled from the calendar before this reply, of an inquiry still to come, to a
    day the reply rules out (rules 1 and 5) gives way to it: its ``moved:`` lines go, and
    ``gave_way`` gets (step key, the day it was moved to) for the caller to say so."""

    def edit(search: SearchFile, doc: EditableYaml) -> None:
        interview = find_interview(search, interview_id)
        node = _interview_node(doc, interview_id)
        kept = decision or (interview.new_decision if keep_decision else None)
        if kept is not None and kept < on:
            kept = None  # a date already past when they wrote again says nothing more
        overruled = moves_a_reply_overrules(interview, on, kept)
        if gave_way is not None:
            gave_way[:] = overruled
        for key, _ in overruled:
            _take_out_moves(node, key, interview.latest_round.number)
        writer = person_value(interview, by) if by else None
        if kept is None and writer is None:
            doc.set_key(node, "heard_back", on)
            return
        # The new date goes with the reply it came in: what was said at the interview
        # (decision_expected) stays as it was, and only this reply re-plans the chain.
        fact = CommentedMap()
        fact["date"] = on
        if kept is not None:
            fact["decision_expected"] = kept
        if writer is not None:
            fact["by"] = writer
        fact.fa.set_flow_style()
        doc.set_key(node, "heard_back", fact)

    return rewrite(path, edit, interview_id)


def record_outcome(
    path: str,
    interview_id: str,
    result: Result,
    on: date,
    by: NewPerson | None,
    replace: bool,
) -> SearchFile:
    def edit(search: SearchFile, doc: EditableYaml) -> None:
        interview = find_interview(search, interview_id)
        if interview.outcome and not replace:
            raise UsageProblem(
                f"'{interview_id}' already has the outcome {interview.outcome.result.value} on "
                f"{interview.outcome.on}; pass --replace to change it"
            )
        outcome = CommentedMap()
        outcome["result"] = result.value
        outcome["date"] = on
        if by:
            outcome["by"] = person_value(interview, by)
        doc.set_key(_interview_node(doc, interview_id), "outcome", outcome)

    return rewrite(path, edit, interview_id)


def unused_id(search: SearchFile, company: str, role: str) -> str:
    """'acme', or 'acme-backend-engineer' when 'acme' is taken, then numbered."""
    taken = {i.id for i in search.interviews}
    for candidate in (slugify(company), f"{slugify(company)}-{slugify(role)}"):
        if candidate not in taken:
            return candidate
    n = 2
    while f"{slugify(company)}-{n}" in taken:
        n += 1
    return f"{slugify(company)}-{n}"


def record_new_interview(
    path: str, new: NewInterview, file_args: Sequence[str] = (), *, dry_run: bool = False
) -> tuple[str, SearchFile]:
    """Append the interview; return its id and the file as it now reads (or would read,
    ``dry_run``). ``file_args`` go into the command a message suggests, so that it runs
    as printed."""
    chosen: list[str] = []

    def edit(search: SearchFile, doc: EditableYaml) -> None:
        ident = new.id or unused_id(search, new.company, new.role)
        if any(i.id == ident for i in search.interviews):
            add_round = shlex.join(["followup-cal", "add-round", ident, *file_args])
            raise UsageProblem(
                f"'{ident}' already exists; choose another --id, or add a round to it "
                f"with '{add_round}'"
            )
        node = CommentedMap()
        node["id"] = ident
        node["company"] = new.company
        node["role"] = new.role
        if new.pitch:
            node["pitch"] = new.pitch
        if new.channel and new.channel != "email":
            node["channel"] = new.channel
        if new.no_follow_up:
            node["no_follow_up"] = True
        if isinstance(new.contact, NewPerson):
            node["contact"] = new.contact.node()
        elif new.contact:
            node["contact"] = new.contact
        if new.decision_expected:
            node["decision_expected"] = new.decision_expected
        node["rounds"] = CommentedSeq([new.round.node()])
        doc.append_interview(node)
        chosen.append(ident)

    updated = rewrite(path, edit, AT_END, dry_run=dry_run)
    return chosen[-1], updated


def record_new_round(
    path: str, interview_id: str, new: NewRound, contact: NewPerson | None = None
) -> SearchFile:
    """Append the round; with ``contact``, they become who to follow up with (someone met
    in this round or before is named, anyone else written out)."""

    def edit(search: SearchFile, doc: EditableYaml) -> None:
        interview = find_interview(search, interview_id)
        node = _interview_node(doc, interview_id)
        days = [r.start.date() for r in interview.rounds]
        if new.day:  # else the check of the new entry refuses it
            keep_entry_rounds(node, days, [*days, new.day])
        doc.append_item(node, "rounds", new.node())
        if contact is not None:
            met = {p.name.casefold(): p.name for p in new.interviewers}
            named = met.get(contact.name.casefold())
            value = named if named and not contact.title else person_value(interview, contact)
            doc.set_key(node, "contact", value)

    return rewrite(path, edit, interview_id)


def _interview_node(doc: EditableYaml, ident: str) -> CommentedMap:
    node = doc.interview(ident)
    if node is None:  # checked before against the loaded file; kept for safety
        raise NotFound(f"{doc.path}: no interview '{ident}'")
    return node


def describe(item: PlannedFollowup) -> str:
    who = f" → {item.recipient.name}" if item.recipient else ""
    return f"{item.label}{who} ({fmt_date(item.start.date())})"
