"""How a draft names people: greetings casual and formal, titles, initials and
suffixes, and the recipient line a mail program reads.
"""

from __future__ import annotations

import email
import email.policy

import pytest
from conftest import ME, draft_of, drafted, interview, load_search

from followup_cal.errors import InvalidInput
from followup_cal.plan.followups import Step
from followup_cal.plan.model import Greeting, Person

DR_SMITH = interview(
    rounds=[
        {
            "start": "2026-11-02 10:00",
            "interviewers": [
                {"name": "Dr. Jane Smith", "talked_about": "the billing rewrite"},
                {"name": "Robert Brown", "call_me": "Bob", "talked_about": "the on-call rota"},
                {"name": "Dana Lee", "talked_about": "the hiring plans"},
            ],
        }
    ]
)


def greetings(me_overrides=None):
    me = {**ME, **(me_overrides or {})}
    events = drafted(DR_SMITH, me=me)
    return {
        e.item.recipient.name: (e.draft.subject, e.draft.body.splitlines()[0])
        for e in events
        if e.item.step is Step.THANK_YOU
    }


def test_casual_greetings_use_the_first_name_never_the_title():
    assert greetings() == {
        "Dr. Jane Smith": ("Thank you for today, Jane", "Hi Jane,"),
        "Robert Brown": ("Thank you for today, Bob", "Hi Bob,"),
        "Dana Lee": ("Thank you for today, Dana", "Hi Dana,"),
    }


def test_formal_greetings_use_the_title_and_surname_or_the_full_name():
    assert greetings({"greeting": "formal"}) == {
        "Dr. Jane Smith": ("Thank you for today, Dr. Smith", "Dear Dr. Smith,"),
        "Robert Brown": ("Thank you for today, Bob", "Dear Bob,"),
        "Dana Lee": ("Thank you for today, Dana Lee", "Dear Dana Lee,"),
    }


def test_a_greeting_style_that_does_not_exist_is_a_located_error():
    with pytest.raises(InvalidInput) as error:
        load_search(interview(), me={**ME, "greeting": "friendly"})
    assert error.value.lines() == [
        "test.yaml:6:13: greeting is 'friendly'; expected one of casual, formal"
    ]


@pytest.mark.parametrize(
    ("name", "casual", "formal"),
    [
        ("Dr. Jane Smith", "Jane", "Dr. Smith"),
        ("Prof Ana María García", "Ana", "Prof García"),
        ("Dr. Smith", "Dr. Smith", "Dr. Smith"),
        ("Jane Smith, PhD", "Jane", "Jane Smith"),
        ("Ms. Dana Lee", "Dana", "Ms. Lee"),
        ("Madonna", "Madonna", "Madonna"),
        ("Dr. Ludwig van Beethoven", "Ludwig", "Dr. van Beethoven"),
        ("Prof. Ursula von der Leyen", "Ursula", "Prof. von der Leyen"),
        ("Ms. Ana de la Cruz", "Ana", "Ms. de la Cruz"),
        ("Prof. Dr. Anna Müller", "Anna", "Prof. Dr. Müller"),
        ("Frau Dr. Anna Müller", "Anna", "Frau Dr. Müller"),
        ("Herr Jan Schmidt", "Jan", "Herr Schmidt"),
        ("Mme Claire Dubois", "Claire", "Mme Dubois"),
        ("Sra. Ana López", "Ana", "Sra. López"),
        ("Capt. Jean-Luc Picard", "Jean-Luc", "Capt. Picard"),
        ("Sir Tim Berners-Lee", "Tim", "Sir Tim"),
        ("J. Robert Oppenheimer", "Robert", "J. Robert Oppenheimer"),
        ("J. Smith", "J. Smith", "J. Smith"),
        ("J.R.R. Tolkien", "J.R.R. Tolkien", "J.R.R. Tolkien"),
        ("Lee, Dana", "Dana", "Dana Lee"),  # as a company directory writes it
        ("Smith, Dr. Jane", "Jane", "Dr. Smith"),
        ("Smith, Jane, PhD", "Jane", "Jane Smith"),
        ("Jane Smith, Jr., PhD", "Jane", "Jane Smith"),
    ],
)
def test_names_with_titles_and_suffixes_are_addressed_by_their_name(name, casual, formal):
    person = Person(name)
    assert person.call_name(Greeting.CASUAL) == casual
    assert person.call_name(Greeting.FORMAL) == formal


@pytest.mark.parametrize(
    ("name", "first"),
    [("J. Robert Oppenheimer", "Robert"), ("Dr. Jane Smith", "Jane"), ("J. Smith", "J.")],
)
def test_the_first_name_placeholder_is_never_an_initial_when_the_name_has_more(name, first):
    assert Person(name).first_name == first


def test_one_person_can_be_greeted_more_formally_than_the_rest():
    people = [
        {"name": "Dr. Jane Smith", "greeting": "formal", "talked_about": "the billing rewrite"},
        {"name": "Dana Lee", "talked_about": "the hiring plans"},
    ]
    events = drafted(interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}]))
    firsts = {
        e.item.recipient.name: e.draft.body.splitlines()[0]
        for e in events
        if e.item.step is Step.THANK_YOU
    }
    assert firsts == {"Dr. Jane Smith": "Dear Dr. Smith,", "Dana Lee": "Hi Dana,"}


def test_a_name_with_a_comma_or_a_title_stays_one_recipient_in_the_eml():
    people = [
        {"name": "Jane Smith, PhD", "email": "jane@acme.example", "talked_about": "the rewrite"},
        {"name": "Mrs. Edith Crawley", "talked_about": "the migration"},
    ]
    me = {**ME, "name": "Morgan, Alex"}
    events = drafted(
        interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}]), me=me
    )
    jane = email.message_from_bytes(
        bytes(draft_of(events, "thank_you", "Jane Smith, PhD").as_email()),
        policy=email.policy.default,
    )
    assert [(a.display_name, a.addr_spec) for a in jane["To"].addresses] == [
        ("Jane Smith, PhD", "jane@acme.example")
    ]
    assert [(a.display_name, a.addr_spec) for a in jane["From"].addresses] == [
        ("Morgan, Alex", "alex@example.org")
    ]
    # No address in the file: the mail program asks for one, rather than a broken 'To:'.
    edith = email.message_from_bytes(
        bytes(draft_of(events, "thank_you", "Mrs. Edith Crawley").as_email()),
        policy=email.policy.default,
    )
    assert edith["To"] is None


def test_someone_met_again_keeps_the_address_and_name_given_the_first_time():
    rounds = [
        {
            "start": "2026-10-20 10:00",
            "interviewers": [
                {
                    "name": "Robert Brown",
                    "email": "bob@acme.example",
                    "call_me": "Bob",
                    "talked_about": "the relocation",
                }
            ],
        },
        {
            "start": "2026-10-27 10:00",
            "interviewers": [{"name": "Robert Brown", "talked_about": "the start date"}],
        },
    ]
    events = drafted(interview(rounds=rounds))
    (second,) = [e for e in events if e.item.step is Step.THANK_YOU and e.item.round == 2]
    assert second.draft.to_header == "Robert Brown <bob@acme.example>"
    assert second.draft.mailto().startswith("mailto:bob@acme.example?")
    assert second.draft.body.startswith("Hi Bob,\n")
    assert "I especially enjoyed our discussion of the start date." in second.draft.body
    (first,) = [e for e in events if e.item.step is Step.THANK_YOU and e.item.round == 1]
    assert "I especially enjoyed our discussion of the relocation." in first.draft.body
