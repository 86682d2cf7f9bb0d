"""Every error the tool reports, each carrying the exit code the CLI returns for it.

Only the CLI turns these into output; the rest of the package raises them. Exit codes:

==  ==========================================================
0   success
1   the input file has problems (each printed as FILE:LINE:COL: ...), or the invitation
    given to --from-invite cannot be taken (one line that names the file)
2   the command line is wrong (click's own usage errors)
3   a file could not be read or written
4   ``validate --strict`` found warnings (draft lint, done: entries matching nothing)
5   the interview, step or person (or inbox's folder) asked for does not exist
6   the CalDAV or IMAP server refused the credentials (401/403), or none were found
7   the CalDAV or IMAP server could not be reached (DNS, connection, TLS, timeout)
8   the CalDAV or IMAP server answered with an error, or the URL is not a CalDAV calendar
9   sync refused to delete every event it owns (an emptied file?); --force does it
10  sync finished, but events edited on the server were left alone
11  the file cannot be written back without reformatting it (nothing was changed)
12  sync or inbox --yes finished, but facts from the calendar or the mailbox that the
    file does not allow were not recorded
13  sync: the server refused to save or delete an event (403/409: a CalDAV precondition,
    named), or another file's events in the calendar hold this file's UIDs
70  internal error: a bug, reported in one line that names a report file to file with it
130 interrupted (Ctrl-C); every write is atomic or conditional, so nothing is half-done
==  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

INTERNAL_ERROR = 70  # EX_SOFTWARE of sysexits.h: not the user's doing
BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports `cat` cut short by `| head`


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class FollowupCalError(Exception):
    """Base class: a failure the user can act on, never a bug."""

    exit_code = 1

    def lines(self) -> list[str]:
        return [str(self)]


class InvalidInput(FollowupCalError):
    """The YAML file is not usable; carries every problem found."""

    exit_code = 1

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = sorted(problems)

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class BadInvitation(FollowupCalError):
    """An invitation (.ics or .eml) that cannot be taken as an interview round: broken,
    recurring, too many people, a zone that is unknown. Nothing is written."""

    exit_code = 1


class FileAccessError(FollowupCalError):
    """A file could not be read or written."""

    exit_code = 3


class DraftWarnings(FollowupCalError):
    """Draft lint warnings, fatal only under ``--strict``."""

    exit_code = 4


class UsageProblem(FollowupCalError):
    """The command asks for something the file does not allow (same code as click's)."""

    exit_code = 2


class NotFound(FollowupCalError):
    """The interview, step or recipient named on the command line does not exist."""

    exit_code = 5


class UneditableFile(FollowupCalError):
    """ruamel.yaml cannot reproduce the file as written, so editing it would reformat it."""

    exit_code = 11

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class AuthFailed(FollowupCalError):
    """The server refused our credentials, or we have none to give."""

    exit_code = 6


class ServerUnreachable(FollowupCalError):
    """DNS, connection, TLS or timeout: nothing usable came back."""

    exit_code = 7


class ServerError(FollowupCalError):
    """The server answered, but not as a CalDAV calendar should."""

    exit_code = 8


class CalendarNotFound(ServerError):
    """The calendar URL answered 404."""


class SyncRefused(FollowupCalError):
    """Sync would delete every owned event; needs --force."""

    exit_code = 9


class SyncConflicts(FollowupCalError):
    """Some events were edited on the server and left alone."""

    exit_code = 10


class FactsRefused(FollowupCalError):
    """The run finished, but facts from outside that the file does not allow (from the
    calendar by sync, from the mailbox by inbox --yes; each printed with its reason)
    were not recorded."""

    exit_code = 12


class WriteRefused(FollowupCalError):
    """The server refused one write for a reason it names (a CalDAV precondition: a UID
    the account already holds, data it cannot take), or the calendar holds another
    file's events under this file's UIDs; not a matter of credentials."""

    exit_code = 13


class ServerBusy(ServerError):
    """A write answered 5xx: the server failed on it (DAViCal's first sync with new time
    zones), and the same write may go through when sent again."""
