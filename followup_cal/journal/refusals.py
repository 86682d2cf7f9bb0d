"""What refuses a write-back before anything is written (see ``record.rewrite``): a file
whose aliases the round trip would write out in full, and an edit after which every
command would refuse the file (two people with one calendar UID)."""

from __future__ import annotations

import re
from datetime import date

from followup_cal.errors import InvalidInput, Problem, UneditableFile
from followup_cal.plan.model import SearchFile

# A '*name' where YAML could read an alias; only then is the file scanned for one.
_ALIAS_HINT = re.compile(r"(?:^|[\s\[{,:-])\*[^\s,\[\]{}]", re.MULTILINE)


def refuse_aliases(path: str, text: str) -> None:
    """The round trip writes every alias out in full: a small file of nested aliases
    would grow without end (a 'billion laughs'), so a file with aliases is not edited."""
    if not _ALIAS_HINT.search(text):
        return
    import yaml

    for token in yaml.scan(text, Loader=getattr(yaml, "CBaseLoader", yaml.BaseLoader)):
        if isinstance(token, yaml.AliasToken):
            mark = token.start_mark
            raise UneditableFile(
                Problem(
                    path,
                    mark.line + 1,
                    mark.column + 1,
                    f"followup-cal cannot write into a file that uses YAML aliases "
                    f"(*{token.value}) without writing them out; nothing was changed, "
                    "record this fact by hand",
                )
            )


def refuse_uid_clashes(search: SearchFile) -> None:
    """What every command would refuse once written (two people of the interview with one
    calendar UID) is refused before the write: the edited interview is planned here."""
    from followup_cal.loader.business_calendar import calendar_for
    from followup_cal.plan.clashes import uid_clashes
    from followup_cal.plan.planner import plan_followups

    # The UIDs do not depend on the day: date.min only marks every item upcoming.
    items = plan_followups(search.interviews, search.me, calendar_for(search.me), date.min)
    clashes = uid_clashes(search, items)
    if clashes:
        raise InvalidInput(clashes)
