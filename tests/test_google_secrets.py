"""The Google sign-in goes only to Google, and its loopback listener cannot be held or
crashed (issue 28, items 1 and 2), against the stand-in of Google's endpoints on
127.0.0.1 (tests/google_standin.py). A listener on 127.0.0.2 plays another host: it
must never be sent a secret, a code or a token."""

from __future__ import annotations

import json
import os
import socket
import stat
import struct
import subprocess
import threading
import time
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
import test_google as _google_tests
from click.testing import CliRunner
from test_google import (
    follow,
    google_redirect,
    login,
    printed_url,
    saved,
    secrets_file,
    start_login,
    sync,
    workspace,
)
from test_sync_origins import OtherHost

from followup_cal.cli import cli
from followup_cal.errors import AuthFailed, FileAccessError, ServerError
from followup_cal.google import tokens
from followup_cal.google.oauth import ClientSecrets, read_client_secrets, sign_in

# The stand-in, its Radicale and a home of its own (autouse), as in test_google.
google, home, radicale = _google_tests.google, _google_tests.home, _google_tests.radicale


@pytest.fixture
def other_host():
    host = OtherHost()
    yield host
    host.stop()


def _rewrite_saved(**changes: object) -> None:
    kept = saved() | changes
    tokens.token_file().write_text(json.dumps(kept), "utf-8")


# -- endpoints --------------------------------------------------------------------------


def test_logout_never_sends_the_refresh_token_to_an_endpoint_not_googles(google, home, other_host):
    assert login(google, home)[0] == 0
    _rewrite_saved(revoke_uri=f"{other_host.base}/revoke")  # as a file from before
    result = CliRunner().invoke(cli, ["logout", "google"])
    assert result.exit_code == 0, result.output
    assert "note: Google could not be asked to revoke it" in result.output
    assert not tokens.token_file().exists()  # forgotten here all the same
    assert other_host.seen == []


def test_a_refresh_never_goes_to_a_token_endpoint_not_googles(google, home, other_host):
    assert login(google, home)[0] == 0
    _rewrite_saved(token_uri=f"{other_host.base}/token", access_token="")
    result = sync(workspace(home), "--calendar", "primary")
    assert result.exit_code == 6, result.output
    assert result.output == (
        f"the Google sign-in's endpoint '{other_host.base}/token' is not Google's: only "
        "https:// on accounts.google.com, oauth2.googleapis.com, www.googleapis.com (or "
        "this machine, for a test stand-in) is sent the client secret and tokens; nothing "
        "sent; run `followup-cal login google --client-secrets FILE` again\n"
    )
    assert other_host.seen == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("revoke_uri", "http://oauth2.googleapis.com/revoke"),  # plain http: issue 28's case
        ("revoke_uri", "https://oauth2.example/revoke"),
        ("token_uri", "https://evil.example\\@oauth2.googleapis.com/token"),
        ("auth_uri", "https://accounts.google.com.evil.example/o/oauth2/auth"),
        ("token_uri", "http://127.0.0.2:8080/token"),
    ],
)
def test_client_secrets_naming_endpoints_not_googles_are_refused(google, home, key, value):
    path = secrets_file(google, home)
    data = json.loads(path.read_text("utf-8"))
    data["installed"][key] = value
    path.write_text(json.dumps(data), "utf-8")
    result = CliRunner().invoke(cli, ["login", "google", "--client-secrets", str(path)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"{path}:1:1: {key} '")
    assert len(result.output.splitlines()) == 1
    assert google.auth_requests == [] and google.token_requests == []


def test_google_own_endpoints_are_taken():
    for token_uri in ("https://oauth2.googleapis.com/token",
                      "https://www.googleapis.com/oauth2/v4/token"):  # fmt: skip
        client = ClientSecrets("id", "s", "https://accounts.google.com/o/oauth2/auth", token_uri)
        assert client.revoke_uri.startswith("https://")


def test_a_token_endpoint_that_redirects_is_not_followed(home, other_host):
    """The form holds the refresh token and the client secret: never sent on."""
    from followup_cal.google.oauth import Tokens, refresh

    mover = _redirector(f"{other_host.base}/token")
    try:
        kept = Tokens("id", "secret", f"{mover}/token", f"{mover}/revoke", "1//r")
        with pytest.raises(ServerError, match=r"the token request failed \(HTTP 302\)"):
            refresh(kept, now=0.0)
    finally:
        _stop_redirector()
    assert other_host.seen == []


_REDIRECTORS: list = []


def _redirector(location: str) -> str:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(302)  # urllib followed it (as a GET) before
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _REDIRECTORS.append(server)
    return f"http://127.0.0.1:{server.server_address[1]}"


def _stop_redirector() -> None:
    for server in _REDIRECTORS:
        server.shutdown()
        server.server_close()
    _REDIRECTORS.clear()


# -- what the provider sends ------------------------------------------------------------


@pytest.mark.parametrize(
    "expires_in", [10**400, 1e400, float("nan"), -5, "3600", True, [1], 10**20]
)
def test_every_number_from_the_token_endpoint_is_checked(google, home, expires_in):
    google.token_answer = {"expires_in": expires_in}
    before = time.time()
    code, _out, err = login(google, home)
    assert code == 0, err
    lasts = saved()["expires_at"] - before
    assert 60 <= lasts <= 86400 + 60, lasts  # a minute to a day, whatever was said


@pytest.mark.parametrize(
    "answer",
    [
        {"access_token": "ya29.ok\r\nX-Injected: 1"},
        {"access_token": "\x1b]0;owned\x07"},
        {"access_token": "x" * 5000},
        {"access_token": 12},
    ],
)
def test_a_token_that_is_not_a_bearer_token_is_refused_in_one_line(google, home, answer):
    google.token_answer = answer
    code, out, err = login(google, home)
    assert code == 8, err
    assert err.splitlines()[-1].endswith(
        "/token: the token request failed (no usable access token in the answer)"
    )
    assert "\x1b" not in out + err and "Traceback" not in err
    assert not tokens.token_file().exists()


# -- the loopback listener --------------------------------------------------------------


def _consent_redirect(url: str) -> str:
    """What the stand-in's consent page redirects the browser to: the loopback address
    with the code and state, not yet followed."""

    class Stop(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):  # type: ignore[no-untyped-def]
            return None

    try:
        urllib.request.build_opener(Stop).open(url, timeout=30)
    except urllib.error.HTTPError as exc:
        return exc.headers["Location"]
    raise AssertionError("the consent page did not redirect")


def test_an_idle_connection_does_not_hold_the_sign_in(google, home):
    process = start_login(google, home, "--no-browser")
    url = printed_url(process)
    port = urlsplit(google_redirect(url)).port
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
    half = socket.create_connection(("127.0.0.1", port))
    half.sendall(b"GET /?state=")  # a request begun and never finished
    try:
        status, page = follow(url)  # with those connections open
        assert status == 200, page
        _out, err = process.communicate(timeout=60)
    finally:
        for sock in [*idle, half]:
            sock.close()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_the_overall_time_limit_holds_whatever_clients_do(google, tmp_path):
    """sign_in in this process: an idle client and a slow one stay connected; the wait
    still ends at its limit, with one line."""
    client = read_client_secrets(str(secrets_file(google, tmp_path)))
    ended: list[BaseException] = []
    sockets: list[socket.socket] = []

    def show_url(url: str) -> None:
        port = urlsplit(parse_qs(urlsplit(url).query)["redirect_uri"][0]).port
        sockets.append(socket.create_connection(("127.0.0.1", port)))
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"GET / HTTP/1.1\r\n")  # headers never finished
        sockets.append(slow)

    def run() -> None:
        try:
            sign_in(client, ["scope"], show=lambda _t: None, show_url=show_url,
                    open_browser=None, wait_seconds=1)  # fmt: skip
        except BaseException as exc:  # what it ended with is the point
            ended.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)  # a liveness bound, not a measure: the limit is 1 s
    for sock in sockets:
        sock.close()
    assert not thread.is_alive(), "sign-in is held by a client that sends nothing"
    assert isinstance(ended[0], AuthFailed)
    assert str(ended[0]) == "no answer from the browser within 1 s; nothing saved"


def test_a_browser_that_hangs_up_at_once_loses_nothing_and_prints_no_traceback(google, home):
    process = start_login(google, home, "--no-browser")
    url = printed_url(process)
    target = urlsplit(_consent_redirect(url))
    sock = socket.create_connection(("127.0.0.1", target.port))
    sock.sendall(f"GET /?{target.query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    # Closed with a reset, the answer unread: writing the page fails on the other side.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the code received was lost: sign-in still waits") from None
    assert process.returncode == 0, err
    assert "Traceback" not in err and "ConnectionResetError" not in err
    assert "the tokens are in" in out


# -- the token file ---------------------------------------------------------------------


def _kept():
    from followup_cal.google.oauth import Tokens

    return Tokens("id", "secret", "https://oauth2.googleapis.com/token",
                  "https://oauth2.googleapis.com/revoke", "1//refresh", "ya29.a", 9e9)  # fmt: skip


def test_a_folder_open_to_others_is_tightened_before_the_tokens_go_in(home):
    folder = tokens.token_file().parent
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    tokens.save(_kept())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(tokens.token_file().stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["google-token.json"]  # no temp left
    assert tokens.load() == _kept()


def test_a_link_planted_where_the_temporary_file_was_is_never_written_through(home):
    """The temporary name was .google-token.json.PID.tmp: anyone who could write the
    folder could plant a link there to a file of their choosing, and the tokens went
    into it. The name is random now, and no link is followed."""
    folder = tokens.token_file().parent
    folder.mkdir(parents=True)
    victim = home / "victim.txt"
    victim.write_text("before\n", "utf-8")
    victim.chmod(0o644)
    (folder / f".google-token.json.{os.getpid()}.tmp").symlink_to(victim)
    tokens.save(_kept())
    assert victim.read_text("utf-8") == "before\n"
    assert tokens.load() == _kept()


def test_a_token_file_that_is_a_link_is_not_read(home):
    folder = tokens.token_file().parent
    folder.mkdir(parents=True, mode=0o700)
    elsewhere = home / "elsewhere.json"
    elsewhere.write_text(_kept().to_json(), "utf-8")
    elsewhere.chmod(0o600)
    tokens.token_file().symlink_to(elsewhere)
    result = sync(workspace(home), "--calendar", "primary")
    assert result.exit_code == 3, result.output
    assert result.output == (
        f"{tokens.token_file()} is a symbolic link; your Google sign-in is read only from a "
        "file of its own: delete it and run `followup-cal login google --client-secrets "
        "FILE` again\n"
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user takes root")
def test_a_folder_of_another_user_is_refused_in_one_line(home):
    folder = tokens.token_file().parent
    folder.mkdir(parents=True, mode=0o700)
    os.chown(folder, 65534, 65534)  # nobody's
    with pytest.raises(FileAccessError) as refused:
        tokens.save(_kept())
    assert str(refused.value) == (
        f"{folder} belongs to another user (uid 65534); a secret is kept only in a folder "
        "of your own, so nothing was written (set XDG_DATA_HOME to one of yours)"
    )
    assert list(folder.iterdir()) == []
