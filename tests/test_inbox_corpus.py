"""`followup-cal inbox` on a corpus of the mail a job seeker really gets (tests/data/mail/),
loaded into a real Dovecot with IMAP APPEND and each message's INTERNALDATE.

Each folder of the corpus is one kind of message. The answers must be proposed, each
with its sureness, the day it gives (--decision) and the outcome it says in words;
nothing of any other kind may be (its subject never shows); the invitation is reported
as one. The run's precision and recall over the interviews, and how many days and
outcomes were read right, are printed at the end of the test session.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
import shlex
import shutil
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA, report_line
from imap_server import PASSWORD, USER, Dovecot, start_dovecot, start_pymap

from followup_cal.cli import cli
from followup_cal.columns import one_line

CORPUS = DATA / "mail"
EXPECTED = tomllib.loads((CORPUS / "corpus.toml").read_text("utf-8"))
TODAY = ["--today", EXPECTED["today"]]
FOLDERS = ["--folder", "INBOX", "--folder", "Jobs/Initech", "--folder", "All Mail"]
NOT_ANSWERS = (
    "auto-replies", "bulk", "reports", "job-boards", "friends", "lookalikes", "before-the-round",
    "sent",
)  # fmt: skip


def corpus(kind: str) -> list[Path]:
    return sorted((CORPUS / kind).glob("*.eml"))


def arrived(raw: bytes) -> datetime:
    """When the server got it: the top Received: line's date (the user's own sent mail
    has none: its Date header)."""
    message = email.message_from_bytes(raw)
    received = message.get("Received")
    stamp = str(received).rpartition(";")[2] if received else str(message["Date"])
    return email.utils.parsedate_to_datetime(stamp.strip())


def subject(path: Path) -> str:
    """As the standard library's modern parser reads it: RFC 2047 words and raw UTF-8
    (RFC 6532) alike."""
    return str(email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["Subject"])


@pytest.fixture(scope="module", params=["dovecot", "pymap"])
def mailbox(request):
    """A server holding the corpus, loaded by imapclient directly (not by our code):
    Dovecot, and pymap, another implementation with its own ways of answering."""
    from imapclient import IMAPClient

    server = start_dovecot() if request.param == "dovecot" else start_pymap()
    client = IMAPClient("127.0.0.1", server.port, ssl=False)
    client.login(USER, PASSWORD)
    for folder in ("Sent", "Jobs/Initech", "All Mail"):
        if not client.folder_exists(folder):
            client.create_folder(folder)
    for path in sorted(CORPUS.rglob("*.eml")):
        name = str(path.relative_to(CORPUS))
        folder = "Sent" if name.startswith("sent/") else EXPECTED["folders"].get(name, "INBOX")
        flags = [b"\\Seen"] if folder == "Sent" else []
        raw = path.read_bytes()
        client.append(folder, raw, flags, msg_time=arrived(raw))
        if name in EXPECTED["copies"]:
            client.append(EXPECTED["copies"][name], raw, flags, msg_time=arrived(raw))
    client.logout()
    yield server
    server.stop()


def flags_of_every_message(server) -> dict:
    from imapclient import IMAPClient

    client = IMAPClient("127.0.0.1", server.port, ssl=False)
    client.login(USER, PASSWORD)
    seen = {}
    for folder in ("INBOX", "Sent", "Jobs/Initech", "All Mail"):
        client.select_folder(folder, readonly=True)
        seen[folder] = client.get_flags(client.search("ALL"))
    client.logout()
    return seen


def run_inbox(server, tmp_path: Path, *more: str):
    path = tmp_path / "interviews.yaml"
    shutil.copyfile(CORPUS / "interviews.yaml", path)
    args = ["inbox", str(path), "--url", server.url, "--user", USER, *FOLDERS, *TODAY, *more]
    env = {"FOLLOWUP_CAL_IMAP_PASSWORD": PASSWORD, "HOME": str(tmp_path)}
    return path, CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def proposals(output: str) -> dict[str, str]:
    """interview -> day, from the commands inbox prints (or would have recorded)."""
    return dict(re.findall(r"followup-cal reply (\S+) --on (\d{4}-\d\d-\d\d)", output))


def decisions(output: str) -> dict[str, str]:
    """interview -> the day their answer gave, from the reply commands proposed."""
    return dict(re.findall(r"followup-cal reply (\S+) --on \S+ --decision (\S+)", output))


def outcomes(output: str) -> dict[str, str]:
    """interview -> the outcome proposed from what the answer says."""
    return dict(re.findall(r"followup-cal outcome (\S+) (\S+) --on ", output))


def expected(key: str) -> dict[str, str]:
    return {i: a[key] for i, a in EXPECTED["answers"].items() if key in a}


def score(found: dict[str, str]) -> tuple[int, int, int]:
    """(proposed on the right day, false proposals, answers missed)."""
    expected = {ident: answer["on"] for ident, answer in EXPECTED["answers"].items()}
    right = sum(1 for ident, day in found.items() if expected.get(ident) == day)
    return right, len(found) - right, len(expected) - right


@pytest.fixture(scope="module")
def result(mailbox, tmp_path_factory):
    before = flags_of_every_message(mailbox)
    _path, outcome = run_inbox(mailbox, tmp_path_factory.mktemp("corpus"))
    assert outcome.exit_code == 0, outcome.output
    assert flags_of_every_message(mailbox) == before  # nothing marked read, nothing moved
    # Dovecot counts what each session read: header fields of the messages found, and
    # no body but each invitation's, read whole to read the invitation, and the start of
    # each answer, for what it says (pymap keeps no such count).
    if isinstance(mailbox, Dovecot):
        bodies = f"body_count={len(EXPECTED['invitations']) + len(corpus('answers'))} "
        read = mailbox.logouts_when(lambda lines: any(bodies in x for x in lines))
        assert any(bodies in line for line in read), read
        assert all(bodies in line or "body_count=0 " in line for line in read), read
    return outcome


def shown_as_answers(output: str, paths: list[Path]) -> list[Path]:
    """Which of these messages inbox lists under an answer."""
    lines, under_answer = [], False
    for line in output.splitlines():
        if not line.startswith(" "):
            under_answer = "): answered on " in line
        elif under_answer:
            lines.append(line)
    return [p for p in paths if any(ln.endswith(f"  {one_line(subject(p), 80)}") for ln in lines)]


def test_every_answer_is_proposed_on_its_day_and_nothing_else(result, mailbox):
    right, false, missed = score(proposals(result.stdout))
    answers = len(EXPECTED["answers"])
    server = type(mailbox).__name__
    report_line(
        f"inbox corpus on {server}: {right} of {answers} answered interviews proposed on the "
        f"right day, {false} false proposals, {missed} missed; precision "
        f"{right / max(right + false, 1):.2f}, recall {right / answers:.2f}"
    )
    true = corpus("answers")
    others = [p for kind in (*NOT_ANSWERS, "invitations") for p in corpus(kind)]
    found, wrong = shown_as_answers(result.stdout, true), shown_as_answers(result.stdout, others)
    report_line(
        f"  messages: {len(found)} of {len(true)} answers shown as answers, {len(wrong)} of "
        f"{len(others)} others; precision {len(found) / max(len(found) + len(wrong), 1):.2f}, "
        f"recall {len(found) / len(true):.2f}"
    )
    for what, read in (("days given", decisions), ("outcomes in words", outcomes)):
        want, got = expected("decision" if what == "days given" else "outcome"), read(result.stdout)
        right = sum(1 for i, v in got.items() if want.get(i) == v)
        report_line(
            f"  {what}: {right} of {len(want)} read right, {len(got) - right} wrong, "
            f"{len(want) - right} missed"
        )
    assert (found, wrong) == (true, [])
    assert proposals(result.stdout) == {i: a["on"] for i, a in EXPECTED["answers"].items()}


def test_each_day_they_gave_becomes_the_decision_date_proposed(result):
    assert decisions(result.stdout) == expected("decision")


def test_an_offer_or_a_rejection_in_words_is_proposed_as_an_outcome(result):
    assert outcomes(result.stdout) == expected("outcome")


def test_the_proposal_quotes_the_sentence_it_read(result):
    lines = result.stdout.splitlines()
    assert (
        '    they wrote: "We are still speaking with a few candidates and will come back to '
        'you by 8 January." (Fri 8 Jan 2027)'
    ) in lines
    assert (
        '    they wrote: "Wir führen derzeit noch Gespräche mit weiteren Kandidatinnen und '
        'Kandidaten und melden uns Anfang Dezember bei Ihnen." (Thu 10 Dec 2026)'
    ) in lines
    assert any(
        line.startswith('    they wrote: "Unfortunately, after careful consideration, we have ')
        and line.endswith("(a rejection?)")
        for line in lines
    )
    assert any(
        line.startswith(
            "  an outcome is yours to record; if it is one: followup-cal outcome aurore offer "
            "--on 2026-11-18 -f "
        )
        for line in lines
    )
    # Quoted mail is the user's own: 'next week' in Kestrel's thread, Lumière's Outlook
    # quote with 'd'ici le 30 novembre', are not theirs.
    assert not any("look forward to hearing" in line or "30 novembre" in line for line in lines)


@pytest.mark.parametrize("ident", sorted(EXPECTED["answers"]))
def test_each_answer_says_how_sure_it_is(result, ident):
    answer = EXPECTED["answers"][ident]
    heading = next(line for line in result.stdout.splitlines() if line.startswith(f"{ident} ("))
    assert heading.endswith(f"({answer['sure']})"), heading


@pytest.mark.parametrize("kind", NOT_ANSWERS)
def test_no_message_of_this_kind_is_taken_for_an_answer(result, kind):
    assert shown_as_answers(result.stdout, corpus(kind)) == []


def test_the_reasons_name_the_thread_or_the_sender(result):
    lines = result.stdout.splitlines()
    assert "    certain: answers your mail of Mon 2 Nov" in lines  # acme, soylent
    assert (
        "    certain: from no-reply@us.greenhouse-mail.io, Reply-To priya@northwind.example"
        in lines
    )
    assert "    likely: from maria@globex.example, at the company's domain" in lines
    assert "    likely: from no-reply@hire.lever.co, Reply-To samir@initech.example" in lines
    assert "    certain: from tony@stark.example" in lines
    assert any(
        line.startswith("    possible: Gavin Belson's name on mail from linkedin.com")
        for line in lines
    )


def test_a_message_in_two_folders_is_one(result):
    for name in EXPECTED["copies"]:
        if name.startswith("answers/"):
            assert result.stdout.count(f"  {subject(CORPUS / name)}\n") == 1


def test_the_day_is_when_the_server_got_it_not_the_date_header(result):
    assert "  Mon 16 Nov 10:00  Tony Stark <tony@stark.example>" in result.stdout


def test_an_invitation_is_reported_as_a_next_round_not_an_answer(result):
    lines = result.stdout.splitlines()
    [ident] = EXPECTED["invitations"]
    assert f"{ident} (Wayne Enterprises): an invitation: a next round?" in lines
    assert any(f"followup-cal add-round {ident} --from-invite FILE" in line for line in lines)
    assert not any(line.startswith(f"  record it: followup-cal reply {ident} ") for line in lines)


def test_mail_text_reaches_the_terminal_without_escapes_or_bidi_overrides(result):
    for bad in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert bad not in result.output
    assert "Maria Lopez <maria@globex.example>  ]0;owned" not in result.stdout
    assert any(
        line.endswith("Maria Lopez <maria@globex.example>  Next steps fdp.exe")
        for line in result.stdout.splitlines()
    )
    assert all(len(line) <= 200 for line in result.stdout.splitlines())


def test_yes_records_only_the_certain_answers(mailbox, tmp_path):
    import yaml

    path, outcome = run_inbox(mailbox, tmp_path, "--yes")
    assert outcome.exit_code == 0, outcome.output
    interviews = yaml.safe_load(path.read_text())["interviews"]
    certain = {i: a for i, a in EXPECTED["answers"].items() if a["sure"] == "certain"}
    recorded = {i["id"]: i["heard_back"] for i in interviews if "heard_back" in i}
    # Each reply with its day, and the day they gave when they gave one.
    assert {
        ident: (str(fact["date"]), str(fact["decision_expected"]))
        if isinstance(fact, dict)
        else (str(fact), None)
        for ident, fact in recorded.items()
    } == {ident: (a["on"], a.get("decision")) for ident, a in certain.items()}
    # An outcome is never recorded by --yes, only proposed.
    assert not any("outcome" in i for i in interviews)
    assert "if it is one: followup-cal outcome harbor rejected --on 2026-11-13" in outcome.stdout
    assert (
        "  not recorded, as it is not certain; if it is: followup-cal reply globex --on 2026-11-09"
        in outcome.stdout
    )


def test_a_server_refusing_some_requests_still_gives_the_rest(mailbox, tmp_path, monkeypatch):
    """As a server that searches only some header fields, or sends a structure imapclient
    cannot read, would: the real server's answers, refused where such a server refuses."""
    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError

    search, fetch = IMAPClient.search, IMAPClient.fetch

    def no_header_search(self, criteria, charset=None):
        if "HEADER" in criteria:
            raise IMAPClientError("search failed: BAD Error in IMAP command SEARCH")
        return search(self, criteria, charset)

    def no_structure(self, messages, data, modifiers=None):
        if "BODYSTRUCTURE" in data:
            raise IMAPClientError("fetch failed: BAD Error in IMAP command FETCH")
        return fetch(self, messages, data, modifiers)

    monkeypatch.setattr(IMAPClient, "search", no_header_search)
    monkeypatch.setattr(IMAPClient, "fetch", no_structure)
    _path, outcome = run_inbox(mailbox, tmp_path)
    assert outcome.exit_code == 0, outcome.output
    assert "refused SEARCH HEADER; searching by sender only" in outcome.stderr
    assert "gave no readable BODYSTRUCTURE; invitations are reported as answers" in outcome.stderr
    found = proposals(outcome.stdout)
    # Reply-To and threads still count for what a sender search finds (the tracking
    # systems' mail among it): only the answer known by its thread alone is lost, and
    # the invitation now reads as an answer.
    expected = {i: a["on"] for i, a in EXPECTED["answers"].items() if i != "soylent"}
    assert found == expected | {"wayne": EXPECTED["invitations"]["wayne"]}


def test_the_sent_folder_given_is_the_one_read(mailbox, tmp_path):
    _path, missing = run_inbox(mailbox, tmp_path, "--sent", "Nope")
    assert missing.exit_code == 5
    assert "no folder 'Nope'" in missing.stderr
    # Mail of mine elsewhere: no thread of mine is known, so the answer known by its
    # thread alone is not found, and every other answer still is.
    _path, elsewhere = run_inbox(mailbox, tmp_path, "--sent", "Jobs/Initech")
    assert elsewhere.exit_code == 0, elsewhere.output
    expected = {i: a["on"] for i, a in EXPECTED["answers"].items() if i != "soylent"}
    assert proposals(elsewhere.stdout) == expected


def sent_proposals(output: str) -> dict[str, str]:
    """'ID STEP RECIPIENT' -> day, from the 'done' commands inbox prints."""
    found = {}
    for line in output.splitlines():
        words = line.split("followup-cal done ", 1)[-1] if "followup-cal done " in line else ""
        if not words:
            continue
        parts = shlex.split(words)
        ident, step, on = parts[0], parts[1], parts[parts.index("--on") + 1]
        to = parts[parts.index("--to") + 1] if "--to" in parts else ""
        found[f"{ident} {step} {to}".strip()] = on
    return found


def sent_score(found: dict[str, str]) -> tuple[int, int, int]:
    expected = {_short(key): v["on"] for key, v in EXPECTED["sent"].items()}
    right = sum(1 for key, day in found.items() if expected.get(key) == day)
    return right, len(found) - right, len(expected) - right


def _short(key: str) -> str:
    """'acme thank_you Dana Lee' stays; 'stark follow_up-1 Tony Stark' drops the name (a
    follow-up's command names no one)."""
    ident, step, _name = key.split(" ", 2)
    return key if step.startswith(("thank_you", "check_in")) else f"{ident} {step}"


def test_every_step_sent_is_proposed_on_its_day_and_no_other(result, mailbox):
    found = sent_proposals(result.stdout)
    right, false, missed = sent_score(found)
    report_line(
        f"inbox Sent folder on {type(mailbox).__name__}: {right} of {len(EXPECTED['sent'])} "
        f"steps sent proposed as done on the right day, {false} false, {missed} missed"
    )
    assert found == {_short(k): v["on"] for k, v in EXPECTED["sent"].items()}
    for key, expected in EXPECTED["sent"].items():
        ident, step, name = key.split(" ", 2)
        label = "Thank-you" if step == "thank_you" else f"Follow-up {step[-1]}"
        assert any(
            line.startswith(f"{ident} (")
            and f"{label} → {name} sent on " in line
            and line.endswith(f"({expected['sure']})")
            for line in result.stdout.splitlines()
        ), key


def test_yes_records_the_certain_steps_sent_and_agenda_shows_the_rest_as_sent(mailbox, tmp_path):
    path, outcome = run_inbox(mailbox, tmp_path, "--yes")
    assert outcome.exit_code == 0, outcome.output
    text = path.read_text()
    certain = [k for k, v in EXPECTED["sent"].items() if v["sure"] == "certain"]
    assert "- {step: thank_you, to: Lucius Fox, date: 2026-11-06}" in text
    assert "- {step: follow_up-1, round: 1, date: 2026-11-12}" in text
    assert text.count("step: ") == len(certain)
    assert "  not recorded, as it is not certain; if it is: followup-cal done acme thank_you" in (
        outcome.stdout
    )
    # The agenda reads no mail: what inbox found and did not record shows as sent.
    agenda = CliRunner().invoke(
        cli, ["agenda", str(path), *TODAY], env={"HOME": str(tmp_path)}, catch_exceptions=False
    )
    assert agenda.exit_code == 0, agenda.output
    sent_part, _, overdue = agenda.stdout.partition("Overdue (")
    # The six likely ones, less Stark's inquiry: Tony's answer, recorded, ended its chain.
    assert "Sent, found by inbox; not recorded yet (5)" in sent_part
    assert "acme" in sent_part and "sent Mon 2 Nov" in sent_part
    rows = [line for line in overdue.splitlines() if line.startswith("  ")]
    assert not any(" acme " in line and "thank_you" in line for line in rows)
    assert any(" northwind " in line and "thank_you" in line for line in rows)
    assert "Found sent: record it: followup-cal done acme thank_you --on 2026-11-02" in (
        agenda.stdout
    )


def test_yes_says_what_a_step_recorded_from_sent_changed_in_the_plan(mailbox, tmp_path):
    """Cyberdyne's round a few days earlier: its follow-up 1, planned for Mon 9 Nov and
    sent on Thu 12 Nov, moves the final follow-up, and the line says so, as 'done' does."""
    path = tmp_path / "interviews.yaml"
    text = (CORPUS / "interviews.yaml").read_text("utf-8")
    path.write_text(text.replace("- start: 2026-11-06 14:00", "- start: 2026-11-02 14:00"))
    args = ["inbox", str(path), "--url", mailbox.url, "--user", USER, *FOLDERS, *TODAY, "--yes"]
    env = {"FOLLOWUP_CAL_IMAP_PASSWORD": PASSWORD, "HOME": str(tmp_path)}
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = lines.index(
        "cyberdyne (Cyberdyne): Follow-up 1 → Miles Dyson sent on Thu 12 Nov (certain)"
    )
    assert lines[header + 3 : header + 5] == [
        "  ✓ recorded as done on Thu 12 Nov 2026",
        "  moved: Final follow-up → Miles Dyson (Mon 16 Nov 2026) to Thu 19 Nov (follow-ups stay "
        "7 days apart)",
    ]
