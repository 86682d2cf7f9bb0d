"""The me: and policy: sections: who the user is, and the timing they chose."""

from __future__ import annotations

import itertools
from typing import Any, TypeVar

import yaml

from followup_cal.loader.reader import ME_KEYS, _Collect, _did_you_mean, _Entry, _Invalid, _Reader
from followup_cal.plan.model import (
    WEEKDAYS,
    Greeting,
    Profile,
)
from followup_cal.plan.policy import SETTINGS, Policy, Setting

T = TypeVar("T")


def _read_policy(r: _Reader, node: yaml.Node, base: Policy, *, explicit: bool) -> Policy:
    try:
        entries = r.mapping(node, SETTINGS, "policy")
    except _Invalid:
        return base
    overrides: dict[str, Any] = {}
    for key, entry in entries.items():
        setting = SETTINGS[key]
        try:
            if setting.kind == "int":
                overrides[key] = r.integer(
                    entry.value, key, setting.minimum, setting.maximum, setting.why
                )
            elif setting.kind == "time":
                overrides[key] = r.clock(entry.value, key)
            else:
                overrides[key] = _read_days(r, entry.value, setting)
        except _Invalid:
            continue
    policy = base.with_overrides(overrides, explicit=explicit)
    if policy.work_day_start >= policy.work_day_end:
        r.problem(node, "work_day_start is not before work_day_end; expected a working day")
    return policy


def _read_days(r: _Reader, node: yaml.Node, setting: Setting) -> tuple[int, ...]:
    items = r.sequence(node, setting.key)
    days = [r.integer(item, setting.key, setting.minimum, setting.maximum) for item in items]
    if not days or any(b <= a for a, b in itertools.pairwise(days)):
        raise r.invalid(node, f"{setting.key} is {days}; expected increasing day counts")
    return tuple(days)


def _read_me(r: _Reader, node: yaml.Node) -> Profile:
    entries = r.mapping(node, ME_KEYS, "me")
    c = _Collect()
    name = c(
        lambda: r.required_text(r.required(entries, "name", node, "me"), "name", "your full name")
    )
    email = c(lambda: _my_email(r, entries, node))
    zone = c(lambda: r.zone(r.required(entries, "timezone", node, "me"), "timezone"))
    country = r.field(entries, "country", r.text, "").upper()
    subdivision = r.field(entries, "subdivision", r.text, "").upper()
    if country:
        _check_country(r, entries, country, subdivision)
    work_week = r.field(entries, "work_week", lambda n, w: _read_week(r, n, w), (0, 1, 2, 3, 4))
    c.check()
    return Profile(
        name=name,
        email=email,
        timezone=zone,
        phone=r.field(entries, "phone", r.text, ""),
        signature=r.field(entries, "signature", r.lines, "") or name,
        greeting=_read_greeting(r, entries, Greeting.CASUAL),
        country=country,
        subdivision=subdivision,
        work_week=work_week,
    )


def _read_greeting(r: _Reader, entries: dict[str, _Entry], default: T) -> Greeting | T:
    raw = r.field(entries, "greeting", lambda n, w: r.choice(n, w, Greeting), "")
    return Greeting(raw) if raw else default


def _my_email(r: _Reader, entries: dict[str, _Entry], node: yaml.Node) -> str:
    email = r.email(r.required(entries, "email", node, "me"), "email")
    if not email:
        raise r.invalid(entries["email"].value, "email is empty; expected your e-mail address")
    return email


def _check_country(r: _Reader, entries: dict[str, _Entry], country: str, subdiv: str) -> None:
    from followup_cal.loader.business_calendar import (
        supported_countries,  # only when a country is given
    )

    supported = supported_countries()
    if country not in supported:
        r.problem(
            entries["country"].value,
            f"country '{country}' is not known to the holidays package; "
            "expected an ISO 3166 code such as US or DE" + _did_you_mean(country, supported),
        )
    elif subdiv and subdiv not in supported[country]:
        r.problem(
            entries["subdivision"].value,
            f"subdivision '{subdiv}' is not one of {country}'s; expected one of "
            + ", ".join(supported[country][:12])
            + (" ..." if len(supported[country]) > 12 else ""),
        )


def _read_week(r: _Reader, node: yaml.Node, what: str) -> tuple[int, ...]:
    days = {WEEKDAYS.index(r.choice(item, what, WEEKDAYS)) for item in r.sequence(node, what)}
    if not days:
        raise r.invalid(node, f"{what} is empty; expected at least one day such as mon")
    return tuple(sorted(days))
