"""Which server, calendar and user a sync talks to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from followup_cal.sync.caldav_remote import CalDAVRemote
from followup_cal.sync.transport import Transport

if TYPE_CHECKING:  # the drafts' modules load only when a sync plans
    from followup_cal.calendar.ics import FeedStyle


@dataclass(frozen=True)
class SyncTarget:
    url: str
    user: str
    password: str | None
    calendar: str = ""  # a display name or the calendar's own URL; "" = the URL itself
    create: bool = False
    verify_tls: bool = True
    timeout: int = 30
    as_todo: bool = False  # tasks (VTODO) instead of events, in a calendar that takes them
    # OAuth (Google): the google.tokens.TokenSource giving each request's access token.
    bearer: Any = field(default=None, compare=False)

    @property
    def component(self) -> str:
        return "VTODO" if self.as_todo else "VEVENT"

    @property
    def style(self) -> FeedStyle:
        from followup_cal.calendar.ics import FeedStyle

        return FeedStyle(as_todo=self.as_todo)

    def connect(self) -> CalDAVRemote:
        """A client for the server (nothing is sent yet)."""
        return CalDAVRemote(
            Transport(self.url, self.user, self.password, verify_tls=self.verify_tls,
                      timeout=self.timeout, bearer=self.bearer)
        )  # fmt: skip
