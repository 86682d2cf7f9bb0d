"""The cases a job seeker meets that the plain reference interview does not: names in any
script, replies, holidays people take off together, absences, rounds, late interviews.

Dates are 2026 unless said otherwise; the user is in New York with US holidays
(conftest.ME), the interview is Mon 2 Nov 10:00-11:00 unless a test says otherwise.
"""

from __future__ import annotations

from conftest import interview, plan_of, steps

# -- UIDs ----------------------------------------------------------------------------------

# UIDs already in users' calendars: a change would leave the old event behind as a copy.
LATIN_UIDS = {
    "Dana Lee": "acme.r1.thank-you.dana-lee@followup-cal",
    "José Núñez": "acme.r1.thank-you.jose-nunez@followup-cal",
    "Łukasz Nowak": "acme.r1.thank-you.ukasz-nowak@followup-cal",
    "Søren Kierkegaard": "acme.r1.thank-you.sren-kierkegaard@followup-cal",
    "Jürgen Groß": "acme.r1.thank-you.jurgen-gro@followup-cal",
    "Siobhán O'Brien": "acme.r1.thank-you.siobhan-o-brien@followup-cal",
    "Dr. Jane Smith": "acme.r1.thank-you.dr-jane-smith@followup-cal",
}


def test_uids_of_latin_names_stay_what_they_were():
    people = [{"name": name} for name in LATIN_UIDS]
    items = plan_of(interview(rounds=[{"start": "2026-11-02 10:00", "interviewers": people}]))
    assert {t.recipient.name: t.uid for t in steps(items, "thank_you")} == LATIN_UIDS
