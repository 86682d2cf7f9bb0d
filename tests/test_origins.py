"""One reading of a URL's origin, the one the HTTP library sends to: a URL that parsers
read differently is no origin at all, so it is never sent a credential.

The parsers compared: urllib3's ``parse_url`` (urllib3-future, under niquests, under
caldav 3.6: where sync's requests go) and ``urllib.parse.urlsplit`` (urllib.request,
http.client: where the Google token requests go, and where this code read hosts before).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from urllib3.util import parse_url

from followup_cal.origins import Origin, origin, problem, shown

# Spellings from the public write-ups of parser confusion (Orange Tsai's "A New Era of
# SSRF" at Black Hat 2017, the WHATWG URL standard's host parser, CVE-2023-24329 for
# urlsplit's leading blanks) and from issue 28's reproduction.
REFUSED = {
    "https://evil.example\\@apidata.googleusercontent.com/caldav/v2/primary/events/": "a backslash",
    "http://127.0.0.2:8080\\@localhost/cal/": "a backslash",
    "http://alex:secret@dav.example.org/": "a user name or password",
    "http://evil.example@dav.example.org/": "a user name or password",
    "http://a@b@dav.example.org/": "a user name or password",
    "http://dav.example.org:0080/": "the port '0080'",
    "http://dav.example.org:/": "the port ''",
    "http://dav.example.org:+80/": "the port '+80'",
    "http://dav.example.org:65536/": "the port '65536'",
    "http://dav.example.org:80x/": "the port '80x'",
    "http://127.1/": "not an IPv4 address written as four numbers",
    "http://0x7f.0.0.1/": "not an IPv4 address written as four numbers",
    "http://2130706433/": "not an IPv4 address written as four numbers",
    "http://0177.0.0.1/": "not an IPv4 address written as four numbers",
    "http://dav.example%2eorg/": "not a host name",
    "http://[fe80::1%25eth0]/": "not an IPv6 address",
    "http://[::1/": "without its closing ']'",
    " http://dav.example.org/": "a blank before or after it",
    "http://dav.example .org/": "not a host name",
    "http://dav.example.org\t.evil/": "an invisible or control character (U+0009)",
    "http://dav.example.org/\r\nHost: evil": "an invisible or control character (U+000D)",
    "http://dav.example.org\u200b/": "an invisible or control character (U+200B)",
    "http://dav.examp\u202ele.org/": "an invisible or control character (U+202E)",
    "http://dav.ex\u0430mple.org/": "not ASCII",  # a Cyrillic a
    "ftp://dav.example.org/": "'ftp:' is not http: or https:",
    "dav.example.org/cal/": "not a URL of the form",
    "http:///cal/": "no host",
}


@pytest.mark.parametrize("url", sorted(REFUSED))
def test_a_url_parsers_read_differently_is_refused_with_why(url):
    assert origin(url) is None
    assert REFUSED[url] in problem(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Dav.Example.ORG/cal/", Origin("https", "dav.example.org", 443)),
        ("https://dav.example.org./cal/", Origin("https", "dav.example.org", 443)),
        ("http://127.0.0.1:5232/alex/", Origin("http", "127.0.0.1", 5232)),
        ("http://[::1]:8080/x", Origin("http", "::1", 8080)),
        ("HTTP://h:80/", Origin("http", "h", 80)),
        ("https://apidata.googleusercontent.com/caldav/v2/me@x.org/events/",
         Origin("https", "apidata.googleusercontent.com", 443)),
        ("https://dav.example.org/Übersicht/?a=b#c", Origin("https", "dav.example.org", 443)),
        ("http://127.0.0.1:5232/alex/Job search/", Origin("http", "127.0.0.1", 5232)),
    ],
)  # fmt: skip
def test_a_plain_url_has_its_origin(url, expected):
    assert problem(url) == ""
    assert origin(url) == expected


def _urllib3(url: str) -> tuple[str, str, int] | None:
    try:
        parts = parse_url(url)
    except Exception:
        return None
    host = (parts.host or "").strip("[]").lower().removesuffix(".")
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme or "", 0)
    return (parts.scheme or "", host, port)


def _urlsplit(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    except ValueError:
        return None
    return (parts.scheme, (parts.hostname or "").removesuffix("."), port)


def _agree(url: str) -> None:
    found = origin(url)
    if found is None:
        return
    mine = (found.scheme, found.host, found.port)
    assert _urllib3(url) == mine, url
    assert _urlsplit(url) == mine, url


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example\\@apidata.googleusercontent.com/caldav/v2/primary/events/",
        "http://evil.example\\@127.0.0.1:8080/",
    ],
)
def test_the_issues_urls_are_read_two_ways(url):
    """Why a plain form is required: these two parsers disagree on the host."""
    assert _urllib3(url) != _urlsplit(url)


TRICKY = "\\@:/?#[]%.09afAF-_ \t\r\n\x00\x7f\u3002\uff0e\u200b\u202e"
PIECES = st.sampled_from(
    ["http://", "https://", "HTTP://", "127.0.0.1", "localhost", "evil.example",
     "dav.example.org", "[::1]", ":8080", ":0", ":", "@", "\\", "/", "//", "?", "#", "%2e",
     "0x7f", "1", "."]
)  # fmt: skip


@given(st.lists(st.one_of(PIECES, st.text(TRICKY, max_size=3)), min_size=1, max_size=8))
def test_whenever_an_origin_is_read_the_http_libraries_read_the_same(pieces):
    _agree("".join(pieces))


@given(st.text(min_size=0, max_size=40))
def test_any_text_after_a_plain_start_reads_the_same_or_is_refused(tail):
    _agree("http://dav.example.org" + tail)
    _agree("https://" + tail)


def test_shown_hides_a_password_and_escapes_the_terminal():
    assert shown("https://alex:secret@dav.example.org/x") == "https://…@dav.example.org/x"
    assert shown("https://alex@dav.example.org/x") == "https://alex@dav.example.org/x"
    assert shown("https://h/\x1b]0;x\x07") == "https://h/\\x1b]0;x\\x07"
