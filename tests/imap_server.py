"""A real IMAP server for the tests: Debian's Dovecot, run from a temporary folder.

``make test`` installs dovecot-imapd (the ``dovecot`` target). Each server gets its own
config, runtime folder, log and maildir, listens on a free port on 127.0.0.1 and is
stopped by its pid. As root (as CI runs) the login and internal processes use the
package's unprivileged users and the mail belongs to ``dovecot``; as any other user
everything runs as that user.
"""

from __future__ import annotations

import email.utils
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from caldav_servers import free_port, wait_for_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "alex"
PASSWORD = "imap-Pa55word"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth2_mechanisms}
default_login_user = {login_user}
default_internal_user = {internal_user}
# The mail user is a system user (dovecot's own when run as root): allow its uid.
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:~/Maildir
# As Debian's default config (15-mailboxes.conf) and most providers: the Sent folder is
# marked \\Sent (RFC 6154), and folders nest with "/" as at Gmail.
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
{mailboxes}}}
{oauth2_passdb}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
"""


@dataclass(frozen=True)
class Mail:
    """One message for the maildir: only headers and a line of text are needed."""

    sender: str  # 'Dana Lee <dana@acme.example>'
    subject: str
    sent: datetime  # the Date header, and the message's internal (delivery) date
    body: str = "Thanks, we will be in touch."

    def as_bytes(self) -> bytes:
        lines = [
            f"From: {self.sender}",
            f"To: Alex Morgan <{USER}@example.org>",
            f"Subject: {self.subject}",
            f"Date: {email.utils.format_datetime(self.sent)}",
            f"Message-ID: <{abs(hash((self.sender, self.subject, self.sent)))}@test>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "",
            self.body,
            "",
        ]
        return "\r\n".join(lines).encode("utf-8")


@dataclass
class Dovecot:
    root: Path
    port: int
    process: subprocess.Popen
    maildir: Path
    owner: tuple[int, int]
    tls_port: int = 0  # imaps, and STARTTLS on ``port``, when started with a certificate
    delivered: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"imap://127.0.0.1:{self.port}"

    @property
    def certificate(self) -> Path:
        """The server's self-signed certificate: the one CA a client may trust."""
        return self.root / "cert.pem"

    def deliver(self, mail: Mail, folder: str = "INBOX") -> str:
        """Drop the message into the maildir, already delivered and unread (in cur/
        with no flags), with its internal date set to its Date header."""
        base = self.maildir if folder == "INBOX" else self.maildir / f".{folder}"
        for sub in ("cur", "new", "tmp"):
            (base / sub).mkdir(parents=True, exist_ok=True)
            os.chown(base / sub, *self.owner)
        os.chown(base, *self.owner)
        name = f"{int(mail.sent.timestamp())}.M{len(self.delivered)}P1.test:2,"
        path = base / "cur" / name
        path.write_bytes(mail.as_bytes())
        os.chown(path, *self.owner)
        stamp = mail.sent.timestamp()
        os.utime(path, (stamp, stamp))  # maildir's internal date is the file's mtime
        self.delivered.append(name)
        return name

    def message_files(self) -> list[str]:
        """Every message file's name: the flags (S for seen, ...) are part of it."""
        return sorted(p.name for p in self.maildir.rglob("*") if p.parent.name in ("cur", "new"))

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logouts(self) -> list[str]:
        """Each session's logout line: Dovecot's count of what it read."""
        return re.findall(r"Logged out .*", self.log())

    def logouts_when(self, ready: Callable[[list[str]], bool]) -> list[str]:
        """The logout lines once ``ready`` says they are all there: Dovecot writes its
        log a moment after the client has gone (a bounded wait)."""
        deadline = time.monotonic() + 10
        while not ready(lines := self.logouts()) and time.monotonic() < deadline:
            time.sleep(0.05)
        return lines

    def logouts_after(self, seen: int) -> list[str]:
        """The logout lines after the first ``seen``, once one more is there."""
        return self.logouts_when(lambda lines: len(lines) > seen)[seen:]

    def stop(self) -> None:
        _end(self.process)
        shutil.rmtree(self.root, ignore_errors=True)


def _end(process: subprocess.Popen) -> None:
    """Stop a server this test started, by its pid."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def _self_signed(root: Path) -> str:
    """A certificate for localhost and 127.0.0.1 (openssl comes with dovecot-core)."""
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return f"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem"


# Dovecot 2.3's oauth2 passdb asks the token's issuer about each XOAUTH2 token: here the
# Google stand-in's tokeninfo, as Google's own https://oauth2.googleapis.com/tokeninfo.
OAUTH2_PASSDB = """passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/dovecot-oauth2.conf.ext
}}
"""
OAUTH2_CONFIG = """tokeninfo_url = {tokeninfo}?access_token=
username_attribute = email
scope = https://mail.google.com/
"""


def start_dovecot(
    tls: bool = False,
    oauth2: tuple[str, str] | None = None,
    special_use: dict[str, str] | None = None,
) -> Dovecot:
    """Start Dovecot in the foreground (``-F``) so that its pid is the test's to stop.
    With ``tls`` it has a self-signed certificate: imaps on ``tls_port``, STARTTLS on
    ``port``. With ``oauth2`` (the tokeninfo URL, the account's address) it also takes
    XOAUTH2 for that address, checked at the tokeninfo URL. ``special_use``: more
    folders, made at login and marked as named (RFC 6154), {"[Gmail]/Spam": "\\Junk"}."""
    if not Path(DOVECOT).exists():
        raise RuntimeError("dovecot is not installed; `make test` installs dovecot-imapd")
    # Not pytest's tmp_path: the login processes run as another user and need to
    # reach the runtime folder, which pytest keeps private to root.
    root = Path(tempfile.mkdtemp(prefix="followup-dovecot-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        login_user, internal_user = "dovenull", "dovecot"
        mail_owner = pwd.getpwnam("dovecot")
        owner = (mail_owner.pw_uid, mail_owner.pw_gid)
    else:
        me = pwd.getpwuid(os.geteuid())
        login_user = internal_user = me.pw_name
        owner = (me.pw_uid, me.pw_gid)
    home = root / "home" / USER
    maildir = home / "Maildir"
    for folder in (root / "home", home, maildir):
        folder.mkdir(exist_ok=True)
        os.chown(folder, *owner)
    users = f"{USER}:{{PLAIN}}{PASSWORD}:{owner[0]}:{owner[1]}::{home}::\n"
    if oauth2 is not None:  # the same mailbox under the Google address, no password
        users += f"{oauth2[1]}::{owner[0]}:{owner[1]}::{home}::\n"
        (root / "dovecot-oauth2.conf.ext").write_text(OAUTH2_CONFIG.format(tokeninfo=oauth2[0]))
    (root / "users").write_text(users)
    port = free_port()
    tls_port = free_port() if tls else 0
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            port=port,
            tls_port=tls_port,
            ssl=_self_signed(root) if tls else "ssl = no",
            login_user=login_user,
            internal_user=internal_user,
            uid=owner[0],
            gid=owner[1],
            oauth2_mechanisms=" xoauth2 oauthbearer" if oauth2 else "",
            oauth2_passdb=OAUTH2_PASSDB.format(root=root) if oauth2 else "",
            mailboxes="".join(
                f'  mailbox "{name}" {{\n    special_use = {use}\n    auto = create\n  }}\n'
                for name, use in (special_use or {}).items()
            ),
        )
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    server = Dovecot(root, port, process, maildir, owner, tls_port)
    try:
        wait_for_port(port, process)
        if tls_port:
            wait_for_port(tls_port, process)
    except RuntimeError as exc:
        errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
        server.stop()
        raise RuntimeError(f"{exc}: {errors.strip()}") from None
    time.sleep(0.05)
    return server


@dataclass
class Pymap:
    """pymap (a pure-Python IMAP server, its in-memory backend): a second implementation
    for the corpus, started and stopped like Dovecot, on 127.0.0.1 without TLS."""

    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"imap://127.0.0.1:{self.port}"

    def stop(self) -> None:
        _end(self.process)


def start_pymap() -> Pymap:
    import sys

    port = free_port()
    command = [
        str(Path(sys.executable).with_name("pymap")), "--host", "127.0.0.1",
        "--port", str(port), "--no-tls", "dict", "--demo-user", USER, "--demo-password", PASSWORD,
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Pymap(port, process)
    try:
        wait_for_port(port, process)
    except RuntimeError as exc:
        errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
        server.stop()
        raise RuntimeError(f"{exc}: {errors.strip()}") from None
    return server


def imap_user_env(monkeypatch, home: Path) -> None:
    """A user of our own for `inbox`: a home, no keyring, the test server's password, and
    nothing from the environment that would choose another server or file."""
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("FOLLOWUP_CAL_IMAP_PASSWORD", PASSWORD)
    monkeypatch.setenv("TZ", "UTC")
    for name in ("FOLLOWUP_CAL_IMAP_URL", "FOLLOWUP_CAL_IMAP_USER", "FOLLOWUP_CAL_FILE"):
        monkeypatch.delenv(name, raising=False)
