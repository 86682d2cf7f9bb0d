"""The text of an answer as its writer wrote it: the text/plain part, or the HTML part as
text, without the quoted mail it answers, at most ``MAX_TEXT`` characters. Pure: bytes in,
text out, and bounded whatever the bytes are (a message's start only is fetched, its
parts are walked without recursion to a fixed depth and count, and any decoding error
gives less text, never an exception).
"""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message
from html.parser import HTMLParser

# What is fetched of a message (BODY.PEEK[]<0.MAX_BYTES>): its headers and first parts;
# an attachment after the text is not needed. What is kept of the text.
MAX_BYTES = 256 * 1024
MAX_TEXT = 64 * 1024
MAX_PARTS = 64
MAX_DEPTH = 8

# Where the quoted mail starts, as mail programs write it (Gmail, Apple Mail, Thunderbird:
# "On ... wrote:"; Outlook: a rule or "-----Original Message-----", then From:/Sent:).
_ATTRIBUTION = re.compile(
    r"^\s*(on\s.{4,200}\swrote|am\s.{4,200}\sschrieb.{0,200}|le\s.{4,200}\sa\s[ée]crit|"
    r"el\s.{4,200}\sescribi[óo])\s?:\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(original message|urspr[üu]ngliche nachricht|message d'origine|"
    r"mensaje original|forwarded message|weitergeleitete nachricht)\s*-{2,}|_{20,})\s*$",
    re.IGNORECASE,
)
_OUTLOOK_HEADER = re.compile(r"^\s*\*?(from|von|de)\s?:\*?\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(sent|date|gesendet|datum|envoy[ée]|enviado)\s?:", re.I)
_SIGNATURE = "-- "


def answer_text(raw: bytes) -> str:
    """The writer's own text of a message (any bytes: never raises)."""
    try:
        message = message_from_bytes(raw[:MAX_BYTES])
    except (RecursionError, ValueError, TypeError, LookupError):
        return ""  # nested past what the parser walks: no text is read
    plain, html = _text_parts(message)
    if plain is not None:
        text = plain
    elif html is not None:
        text = html_text(html)
    else:
        return ""
    return without_quote(text)[:MAX_TEXT]


def _text_parts(message: Message) -> tuple[str | None, str | None]:
    """The first text/plain and text/html parts that are not attachments, walked
    breadth-first to ``MAX_DEPTH`` levels and ``MAX_PARTS`` parts."""
    plain = html = None
    queue: list[tuple[Message, int]] = [(message, 0)]
    seen = 0
    while queue and seen < MAX_PARTS:
        part, depth = queue.pop(0)
        seen += 1
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list):
            if depth < MAX_DEPTH:
                queue += [(p, depth + 1) for p in payload if isinstance(p, Message)]
            continue
        if part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = _decoded(part)
        elif kind == "text/html" and html is None:
            html = _decoded(part)
    return plain, html


def _decoded(part: Message) -> str:
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError):
        return ""
    if not isinstance(data, bytes):
        return ""
    data = data[:MAX_BYTES]
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def without_quote(text: str) -> str:
    """The text before the mail it quotes: lines from the first attribution, separator or
    Outlook header block on, and every line that starts with '>', are left out."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        two = f"{line} {lines[index + 1]}" if index + 1 < len(lines) else line
        if _ATTRIBUTION.match(line) or _ATTRIBUTION.match(two) or _SEPARATOR.match(line):
            break
        if _OUTLOOK_HEADER.match(line) and any(
            _OUTLOOK_NEXT.match(after) for after in lines[index + 1 : index + 4]
        ):
            break
        if line == _SIGNATURE:
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip()


# HTML: the elements whose text is never the writer's, those that end a line, and the
# marks mail programs put on the quoted mail (Gmail, Outlook, Apple Mail, Thunderbird).
_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript"})
_BLOCKS = frozenset(
    {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}
)
_QUOTE_MARKS = ("gmail_quote", "divrplyfwdmsg", "appendonsend", "moz-cite-prefix", "yahoo_quoted")


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0  # inside script/style/blockquote
        self.done = False  # the quoted mail has begun
        self.size = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        marks = " ".join(f"{v}" for k, v in attrs if k in ("class", "id") and v).lower()
        if any(mark in marks for mark in _QUOTE_MARKS):
            self.done = True
        if tag in _SKIPPED or tag == "blockquote":
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if (tag in _SKIPPED or tag == "blockquote") and self.skipping:
            self.skipping -= 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping and not self.done and self.size < MAX_TEXT:
            self.parts.append(data)
            self.size += len(data)


def html_text(html: str) -> str:
    """The text a reader sees of an HTML part, lines kept where blocks end, the quoted
    mail left out."""
    reader = _TextOfHtml()
    try:
        reader.feed(html[: MAX_TEXT * 4])
        reader.close()
    except (AssertionError, ValueError):
        pass  # what was read so far stands
    lines = (" ".join(line.split()) for line in "".join(reader.parts).split("\n"))
    return "\n".join(lines).strip()
