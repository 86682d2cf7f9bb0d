"""Cyrus CalDAV (the server software behind Fastmail), run by the tests on 127.0.0.1.

Debian's `cyrus-imapd` conflicts with `dovecot-imapd`, which the inbox tests need, so
`make cyrus` does not install Cyrus: it unpacks Debian's cyrus-common and cyrus-caldav
with `dpkg -x` into the virtualenv (CYRUS_ROOT) and apt-installs only their libraries.
Each server is a `master` process with its own imapd.conf and cyrus.conf in a temporary
folder: `httpd` with `httpmodules: caldav` on a free port, and `lmtpd` on a socket, by
which a first message to each user creates their account (Cyrus makes a user's calendars
on their first CalDAV login, once their account exists). Passwords are checked by SASL
against a sasldb file made with `saslpasswd2`, by Basic auth only: with SASL's other
mechanisms Cyrus also offers SCRAM, NTLM and a Digest (md5-sess) that the caldav
package's client, the user's phone in the tests, fails to log in with (401).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import smtplib
import subprocess
import sys
import time
from pathlib import Path

from caldav_servers import (
    OTHER_PASSWORD,
    OTHER_USER,
    PASSWORD,
    USER,
    Server,
    free_port,
    memory_folder,
    wait_for_port,
)

CYRUS_ROOT = Path(sys.prefix) / "cyrus"  # where `make cyrus` unpacks the packages
BIN = CYRUS_ROOT / "usr" / "lib" / "cyrus" / "bin"
LIBS = next(CYRUS_ROOT.glob("usr/lib/*/libcyrus.so.0"), CYRUS_ROOT).parent  # multiarch
SERVERNAME = "cyrus.test"  # also the SASL realm the passwords are stored under

IMAPD_CONF = """configdirectory: {root}/conf
defaultpartition: default
partition-default: {root}/spool
servername: {servername}
cyrus_user: {user}
cyrus_group: {group}
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {root}/sasldb2
sasl_mech_list: PLAIN
allowplaintext: yes
httpmodules: caldav
httpallowcompress: no
autocreate_post: yes
autocreate_quota: 0
lmtpsocket: {root}/run/lmtp
idlesocket: {root}/run/idle
notifysocket: {root}/run/notify
mboxname_lockpath: {root}/run/lock
proc_path: {root}/run/proc
"""

CYRUS_CONF = """START {{
  recover cmd="{bin}/ctl_cyrusdb -C {root}/imapd.conf -r"
}}
SERVICES {{
  http cmd="{bin}/httpd -C {root}/imapd.conf" listen="127.0.0.1:{port}" prefork=0
  lmtp cmd="{bin}/lmtpd -C {root}/imapd.conf" listen="{root}/run/lmtp" prefork=0
}}
EVENTS {{
}}
"""


def cyrus_available() -> bool:
    return (
        (BIN / "master").exists() and (BIN / "httpd").exists() and bool(shutil.which("saslpasswd2"))
    )


def _owner() -> tuple[str, str, int, int]:
    """Cyrus refuses to run as root: as root it runs as nobody, else as whoever runs it."""
    if os.geteuid() == 0:
        user = pwd.getpwnam("nobody")
        group = grp.getgrgid(user.pw_gid).gr_name
        return user.pw_name, group, user.pw_uid, user.pw_gid
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, grp.getgrgid(me.pw_gid).gr_name, me.pw_uid, me.pw_gid


def start_cyrus(_tmp: Path | None = None) -> Server:
    """Users alex and sam, each with the calendar Cyrus makes at their first login."""
    if not cyrus_available():
        raise RuntimeError("Cyrus is not unpacked: `make cyrus` does it (see the Makefile)")
    # Its services run as another user. Each test's account makes a few mailboxes, each
    # synced to disk: a third of a second a test on a disk, nothing in memory.
    root = memory_folder("followup-cyrus-")
    user, group, uid, gid = _owner()
    for sub in ("conf/db", "conf/socket", "spool", "run"):
        (root / sub).mkdir(parents=True)
    port = free_port()
    settings = {"root": root, "bin": BIN, "port": port, "servername": SERVERNAME}
    (root / "imapd.conf").write_text(IMAPD_CONF.format(user=user, group=group, **settings))
    (root / "cyrus.conf").write_text(CYRUS_CONF.format(**settings))
    for name, password in ((USER, PASSWORD), (OTHER_USER, OTHER_PASSWORD)):
        _set_password(root, name, password)
    for path in [root, *root.rglob("*")]:
        os.chown(path, uid, gid)
    env = {**os.environ, "LD_LIBRARY_PATH": str(LIBS)}
    command = [
        str(BIN / "master"), "-C", str(root / "imapd.conf"), "-M", str(root / "cyrus.conf"),
        "-p", str(root / "run" / "master.pid"), "-D",
    ]  # fmt: skip
    # A group of its own: a master shutting down signals its whole process group, and
    # every process there that runs as the same user gets it. In the test run's group
    # that was every other Cyrus of the run: stopping one worker's server at the end of
    # its session stopped another's mid-test, half-way, holding its sockets unanswered.
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    socket = root / "run" / "lmtp"

    def add_account(name: str) -> None:
        _set_password(root, name, PASSWORD, (uid, gid))
        _create_accounts(socket, process, name)

    server = Server("cyrus", process, port, "/", f"/dav/calendars/user/{USER}/Default/",
                    USER, PASSWORD, folders=[root], add_account=add_account)  # fmt: skip
    try:
        wait_for_port(port, process)
        _create_accounts(socket, process, USER, OTHER_USER)
    except BaseException:
        server.stop()
        raise
    return server


def _set_password(root: Path, name: str, password: str, owner: tuple[int, int] | None = None):
    sasldb = root / "sasldb2"
    command = ["saslpasswd2", "-f", str(sasldb), "-u", SERVERNAME, "-c", "-p", name]
    subprocess.run(command, input=password.encode(), check=True)
    if owner:
        os.chown(sasldb, *owner)


def _create_accounts(socket: Path, process: subprocess.Popen, *names: str) -> None:
    """A first message to each user: lmtpd's autocreate makes their account."""
    deadline = time.monotonic() + 30
    while not socket.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("Cyrus did not start its lmtp service")
        time.sleep(0.05)
    # A master that has disabled its services still accepts on the socket: without a
    # timeout the test would wait forever for lmtpd's greeting.
    with smtplib.LMTP(str(socket), timeout=30) as lmtp:
        for name in names:
            message = f"From: setup@example.com\r\nTo: {name}\r\nSubject: hello\r\n\r\nhi\r\n"
            lmtp.sendmail("setup@example.com", [name], message.encode())
