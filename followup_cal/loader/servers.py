"""The caldav: and imap: sections: where to sync and read mail, never a password."""

from __future__ import annotations

import contextlib
import re

import yaml

from followup_cal.loader.reader import CALDAV_KEYS, IMAP_KEYS, _Entry, _Invalid, _Reader
from followup_cal.origins import problem, shown
from followup_cal.plan.model import (
    CalDAVSettings,
    ImapSettings,
)
from followup_cal.settings import AUTH_CHOICES


def _server_entries(
    r: _Reader, node: yaml.Node, keys: tuple[str, ...], section: str, password_from: str
) -> dict[str, _Entry] | None:
    """The keys of a server section (caldav:, imap:); a password key is refused, since
    the file is meant to be kept in git."""
    if isinstance(node, yaml.MappingNode):
        for key_node, _value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and "pass" in key_node.value.lower():
                r.problem(
                    key_node,
                    f"'{key_node.value}' does not belong in a file kept in git; expected the "
                    f"password in {password_from}, ~/.netrc, the keyring or --password-command",
                )
        node = yaml.MappingNode(
            node.tag,
            [(k, v) for k, v in node.value if "pass" not in str(k.value).lower()],
            node.start_mark,
            node.end_mark,
        )
    try:
        return r.mapping(node, keys, section)
    except _Invalid:
        return None


def _read_caldav(r: _Reader, node: yaml.Node) -> CalDAVSettings | None:
    entries = _server_entries(r, node, CALDAV_KEYS, "caldav", "FOLLOWUP_CAL_PASSWORD")
    if entries is None:
        return None
    url = r.field(entries, "url", r.text, "")
    if url and not re.match(r"https?://", url):
        r.problem(entries["url"].value, f"url '{url}' is not an http(s) URL; expected https://...")
    elif url and (why := problem(url)):
        r.problem(entries["url"].value, f"url '{shown(url)}': {why}")
    return CalDAVSettings(
        url=url,
        user=r.field(entries, "user", r.text, ""),
        calendar=r.field(entries, "calendar", r.text, ""),
        auth=_auth(r, entries),
    )


def _auth(r: _Reader, entries: dict[str, _Entry]) -> str:
    auth = r.field(entries, "auth", r.text, "")
    if auth and auth not in AUTH_CHOICES:
        r.problem(entries["auth"].value, f"auth '{auth}' is not known; expected password or google")
        return ""
    return auth


def _read_imap(r: _Reader, node: yaml.Node) -> ImapSettings | None:
    entries = _server_entries(r, node, IMAP_KEYS, "imap", "FOLLOWUP_CAL_IMAP_PASSWORD")
    if entries is None:
        return None
    url = r.field(entries, "url", r.text, "")
    if url and not re.match(r"imaps?://[^/:]", url):
        r.problem(
            entries["url"].value,
            f"url '{url}' is not an IMAP URL; expected imaps://HOST or imap://HOST:PORT",
        )
    elif url and (why := problem(url, ("imap", "imaps"))):
        r.problem(entries["url"].value, f"url '{shown(url)}': {why}")
    folders = []
    if "folders" in entries:
        try:
            items = r.sequence(entries["folders"].value, "folders")
        except _Invalid:
            items = []
        for item in items:
            with contextlib.suppress(_Invalid):
                folders.append(r.required_text(item, "a folder", "a folder's name"))
    return ImapSettings(
        url=url,
        user=r.field(entries, "user", r.text, ""),
        folder=r.field(entries, "folder", r.text, ""),
        folders=tuple(folders),
        sent=r.field(entries, "sent", r.text, ""),
        auth=_auth(r, entries),
    )
