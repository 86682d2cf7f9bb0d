"""inbox with Gmail's way in: IMAP AUTHENTICATE XOAUTH2 with the token of `login google
--mail`, against Debian's Dovecot whose oauth2 passdb asks the Google stand-in's tokeninfo
endpoint about each token (as Gmail asks Google). Google itself is never reached."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from conftest import search_text
from google_standin import ACCOUNT, GoogleStandIn
from imap_server import Mail, start_dovecot
from test_google import login, radicale  # noqa: F401 (the stand-in's Radicale fixture)
from test_inbox import ACME, MAILBOX, NORTHWIND

from followup_cal.cli import cli
from followup_cal.google import tokens

TODAY = ["--today", "2026-11-23"]


@pytest.fixture(scope="module")
def google(radicale):  # noqa: F811
    standin = GoogleStandIn(radicale.port).start()
    yield standin
    standin.stop()


@pytest.fixture(scope="module")
def gmail(google):
    server = start_dovecot(oauth2=(f"{google.base}/tokeninfo", ACCOUNT))
    for mail in MAILBOX:
        server.deliver(mail)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for name in ("FOLLOWUP_CAL_IMAP_URL", "FOLLOWUP_CAL_IMAP_USER", "FOLLOWUP_CAL_IMAP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def write_file(tmp_path, url: str, auth: str = "google"):
    path = tmp_path / "interviews.yaml"
    imap = {"url": url, "user": ACCOUNT, "auth": auth}
    path.write_text(search_text(ACME, NORTHWIND, imap=imap))
    return path


def inbox(path, *args: str):
    return CliRunner().invoke(cli, ["inbox", str(path), *TODAY, *args])


def test_inbox_logs_in_with_xoauth2_after_login_with_mail(google, gmail, home):
    code, _out, err = login(google, home, "--mail")
    assert code == 0, err
    assert google.auth_requests[-1]["scope"] == (
        "https://www.googleapis.com/auth/calendar https://mail.google.com/"
    )
    result = inbox(write_file(home, gmail.url))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith(": 2 answers.")
    log = gmail.log()
    assert re.search(rf"Login: user=<{re.escape(ACCOUNT)}>, method=XOAUTH2", log), log[-2000:]
    assert saved_access() not in log  # the token is never logged, by Dovecot either


def saved_access() -> str:
    return json.loads(tokens.token_file().read_text())["access_token"]


def test_an_expired_token_gets_one_fresh_one(google, gmail, home):
    assert login(google, home, "--mail")[0] == 0
    google.expire_access_tokens()  # Dovecot's tokeninfo lookup now says invalid_token
    stale = saved_access()
    result = inbox(write_file(home, gmail.url))
    assert result.exit_code == 0, result.output
    assert saved_access() != stale
    assert google.token_requests[-1]["grant_type"] == "refresh_token"


def test_a_sign_in_without_mail_is_refused_before_connecting(google, gmail, home):
    assert login(google, home)[0] == 0
    logins = gmail.log().count("Login: ")
    result = inbox(write_file(home, gmail.url))
    assert result.exit_code == 6
    assert result.output == (
        "the Google sign-in does not allow mail: run `followup-cal login google "
        "--client-secrets FILE --mail` (or use an app password with --auth password)\n"
    )
    assert gmail.log().count("Login: ") == logins


def test_a_revoked_sign_in_is_exit_6_one_line(google, gmail, home):
    assert login(google, home, "--mail")[0] == 0
    google.revoke_all()
    result = inbox(write_file(home, gmail.url))
    assert result.exit_code == 6
    assert result.output == (
        "Google no longer accepts the saved sign-in (revoked or expired); "
        "run `followup-cal login google --client-secrets FILE` again\n"
    )


def test_the_app_password_way_stays(google, gmail, home, monkeypatch):
    """Dovecot's passwd-file user stands for an app password's account."""
    from imap_server import PASSWORD, USER

    monkeypatch.setenv("FOLLOWUP_CAL_IMAP_PASSWORD", PASSWORD)
    path = write_file(home, gmail.url, auth="password")
    path.write_text(path.read_text().replace(f"user: {ACCOUNT}", f"user: {USER}"))
    gmail.deliver(Mail("Dana Lee <dana@acme.example>", "Re: app password", MAILBOX[0].sent))
    result = inbox(path)
    assert result.exit_code == 0, result.output
    assert re.search(rf"Login: user=<{USER}>, method=PLAIN", gmail.log())


def test_the_google_token_goes_to_gmail_only(google, home):
    assert login(google, home, "--mail")[0] == 0
    result = inbox(write_file(home, "imaps://mail.example.org"))
    assert result.exit_code == 2
    assert result.output.startswith(
        "--auth google sends your Google sign-in to imaps://mail.example.org: only "
        "imaps://imap.gmail.com (or this machine) is given it"
    )
