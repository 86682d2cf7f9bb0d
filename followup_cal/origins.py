"""Where a URL sends a request, read the way the HTTP library will read it.

A credential is given for one origin (scheme, host, port) and must go nowhere else. Parsers
disagree on odd URLs: ``https://evil.example\\@apidata.googleusercontent.com/`` is
Google's host to ``urllib.parse`` and ``evil.example`` to urllib3 (what niquests, under
caldav, sends with). So a URL is taken only in a plain form that every parser reads
alike (checked against urllib3's ``parse_url`` and ``urllib.parse`` by the tests), and
the origin is read from that form alone: a backslash, a control or invisible character,
a user name or password before ``@``, a percent sign or other odd character in the host,
an IPv4 address not written as four decimal numbers, or a port that is not a plain
number from 1 to 65535 makes it no origin at all (``origin`` gives None, ``problem`` says
why). Standard library only: the loader checks URLs in files without loading the HTTP
library.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

DEFAULT_PORTS = {"http": 80, "https": 443, "imap": 143, "imaps": 993}
LOOPBACK_NAMES = ("localhost",)
# scheme://authority then the rest, which starts with /, ? or # (or is empty).
_SHAPE = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/?#]*)(?P<rest>.*)", re.S
)
_PORT = re.compile(r"[1-9][0-9]{0,4}")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")
# A last label that WHATWG and inet_aton read as a number: 127.1, 0x7f.1, 2130706433.
_NUMERIC = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")


class Origin(NamedTuple):
    scheme: str
    host: str  # lower case; an IPv6 address without its brackets, compressed
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = DEFAULT_PORTS.get(self.scheme)
        return f"{self.scheme}://{host}" + ("" if self.port == default else f":{self.port}")


def _odd_character(url: str) -> str:
    if url != url.strip():
        return "a blank before or after it"
    for char in url:
        if char == "\\":
            return "a backslash (some programs read it as '/', and so another host)"
        if char != " " and unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            return f"an invisible or control character (U+{ord(char):04X})"
    return ""  # a space in the path is taken: it is quoted when sent ("Job search")


def _host(text: str) -> tuple[str, str]:
    """(the host in one spelling, "") or ("", why it is refused)."""
    import ipaddress  # here: settings.py checks config URLs on every command

    if text.startswith("["):
        if not text.endswith("]"):
            return "", "an IPv6 address without its closing ']'"
        try:
            if "%" not in text:
                return ipaddress.IPv6Address(text[1:-1]).compressed, ""
        except ValueError:
            pass
        return "", f"'{text}' is not an IPv6 address (a zone '%...' is not taken)"
    if not text.isascii():
        return "", "a host name that is not ASCII; give its xn-- (punycode) form"
    host = text.lower()
    labels = host.removesuffix(".").split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return "", f"'{text}' is not a host name"
    if _NUMERIC.fullmatch(labels[-1]):
        try:
            address = ipaddress.IPv4Address(host)
        except ValueError:
            address = None
        if address is None or str(address) != host:
            return "", f"'{text}' is not an IPv4 address written as four numbers (1.2.3.4)"
    return host.removesuffix("."), ""


def read(url: str, schemes: tuple[str, ...] = ("http", "https")) -> tuple[Origin | None, str]:
    """(the origin, "") or (None, why the URL is refused)."""
    if odd := _odd_character(url):
        return None, odd
    shape = _SHAPE.fullmatch(url)
    if shape is None:
        return None, "not a URL of the form scheme://host/path"
    scheme = shape["scheme"].lower()
    if scheme not in schemes:
        return None, f"'{scheme}:' is not {' or '.join(s + ':' for s in schemes)}"
    authority = shape["authority"]
    if "@" in authority:
        return None, (
            "a user name or password in the URL (before '@'); give the user with --user "
            "and the password from a password manager"
        )
    if authority.startswith("[") and "]" not in authority:
        return None, "an IPv6 address without its closing ']'"
    host_text, port_text = authority, ""
    tail = authority.rsplit("]", 1)[-1]  # an IPv6 address holds ':' of its own
    if ":" in tail:
        cut = len(authority) - len(tail) + tail.index(":")
        host_text, port_text = authority[:cut], authority[cut + 1 :]
        if not _PORT.fullmatch(port_text) or int(port_text) > 65535:
            return None, f"the port '{port_text}' is not a number from 1 to 65535"
    if not host_text:
        return None, "no host"
    host, why = _host(host_text)
    if why:
        return None, why
    port = int(port_text) if port_text else DEFAULT_PORTS.get(scheme, 0)
    return Origin(scheme, host, port), ""


def origin(url: str, schemes: tuple[str, ...] = ("http", "https")) -> Origin | None:
    """Where a request to ``url`` goes; None for a URL parsers may read differently
    (such a URL is never sent a credential)."""
    return read(url, schemes)[0]


def problem(url: str, schemes: tuple[str, ...] = ("http", "https")) -> str:
    """Why ``url`` is refused, or "" when it is a plain URL with one reading."""
    return read(url, schemes)[1]


def shown(url: str) -> str:
    """The URL for a message: nothing of a user name or password, and escapes for what
    a terminal would act on."""
    shape = re.match(r"([^:/?#]*://)([^/?#]*)@", url)
    if shape and ":" in shape[2]:  # user:password@ (a user name alone is no secret)
        url = shape[1] + "…@" + url[shape.end() :]
    return "".join(
        f"\\x{ord(c):02x}" if unicodedata.category(c) in ("Cc", "Cf") else c for c in url
    )


def is_loopback(found: Origin | None) -> bool:
    """This machine: localhost, 127.0.0.1 or ::1 (as written: 127.0.0.2 is not)."""
    return found is not None and found.host in ("localhost", "127.0.0.1", "::1")


def check_given(url: str, where: str, schemes: tuple[str, ...] = ("http", "https")) -> None:
    """Refuse (exit 2, one line) a URL given on the command line or in the environment
    that parsers may read differently: nothing is sent to it."""
    from followup_cal.errors import UsageProblem

    if why := problem(url, schemes):
        raise UsageProblem(f"{where} '{shown(url)}': {why}; nothing was sent")


def same_origin(url: str, other: str) -> bool:
    """Both read alike by every parser, and the same scheme, host and port."""
    found = origin(url)
    return found is not None and found == origin(other)
