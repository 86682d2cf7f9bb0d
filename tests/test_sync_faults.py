"""Every network fault of `sync` is one clear line and a documented exit code.

What a server answers itself (a login refused, a calendar of someone else's, TLS spoken
to plain HTTP, a redirect) is asked of Radicale, Cyrus and DAViCal (the servers that log
in with Basic; sabre/dav's Digest has tests of its own below). Faults the recording
proxy plays (a timeout, a 5xx, a 404, a redirect to another origin) and what sync does
before asking anything are the same on every server: Radicale only.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from caldav_servers import (
    OTHER_USER,
    PASSWORD,
    USER,
    RecordingProxy,
    free_port,
    sabredav_available,
    start_radicale,
    start_sabredav,
)
from click.testing import CliRunner
from conftest import EXAMPLE

from followup_cal.cli import cli
from followup_cal.sync.run import WORKERS


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for name in ("FOLLOWUP_CAL_URL", "FOLLOWUP_CAL_USER", "FOLLOWUP_CAL_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def yaml_file(tmp_path):
    path = tmp_path / "interviews.yaml"
    path.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    return path


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    srv = start_radicale(tmp_path_factory.mktemp("radicale"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module", params=["radicale", "cyrus", "davical"])
def shared_server(request, server_pool):
    with server_pool.serve(request.param) as srv:
        yield srv


@pytest.fixture
def server(shared_server):
    """The server as this test's user sees it: on Cyrus, an account of the test's own
    (it keeps a UID unique across an account's calendars, and each test here that
    syncs makes a calendar of the example's events)."""
    return shared_server.own_account()


def test_digest_is_asked_for_once_per_connection(yaml_file, sabredav):
    proxy = RecordingProxy(sabredav.port).start()
    try:
        result = sync_as_alex(yaml_file, proxy.url("/"), "--calendar", "Asked once", "--create")
    finally:
        proxy.stop()
    assert result.exit_code == 0, result.output
    assert proxy.methods().count("PUT") == 49
    asked = list(proxy.statuses.values()).count(401)
    # The first connection: our Basic guess (the 401 says Digest), Digest's own first
    # ask. Each further connection asks once, and keeps its thread (the challenge is
    # kept per thread).
    assert asked <= 2 + WORKERS


def sync(yaml_file, *args, env=None):
    command = ["sync", str(yaml_file), "--today", "2026-11-23", *args]
    return CliRunner().invoke(cli, command, env=env or {})


def sync_as_alex(yaml_file, url, *args, password=PASSWORD):
    """Sync to ``url`` as the test user, the password in the environment."""
    env = {"FOLLOWUP_CAL_PASSWORD": password}
    return sync(yaml_file, "--url", url, "--user", USER, *args, env=env)


def one_line(result) -> str:
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


class HtmlOnly(BaseHTTPRequestHandler):
    """A web server that is not CalDAV: HTML for GET, 405 for anything WebDAV."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = b"<html>hello</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def refuse(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PROPFIND = do_REPORT = do_PUT = refuse


@pytest.fixture
def html_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), HtmlOnly)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_server_unreachable(yaml_file):
    port = free_port()
    result = sync(yaml_file, "--url", f"http://127.0.0.1:{port}/")
    assert result.exit_code == 7
    assert (
        one_line(result)
        == f"http://127.0.0.1:{port}/: cannot reach the server (connection refused)"
    )


def test_dns_failure(yaml_file):
    result = sync(yaml_file, "--url", "https://no-such-host.invalid/dav/")
    assert result.exit_code == 7
    assert (
        one_line(result)
        == "https://no-such-host.invalid/dav/: cannot reach the server (host name not found)"
    )


def test_tls_failure(yaml_file, server):
    result = sync_as_alex(yaml_file, f"https://127.0.0.1:{server.port}/")
    assert result.exit_code == 7
    assert "TLS failed" in one_line(result)
    assert PASSWORD not in result.output


def test_insecure_warns(yaml_file, html_server):
    result = sync(yaml_file, "--url", html_server, "--insecure")
    assert result.stderr.splitlines()[0] == "warning: TLS certificates are not checked (--insecure)"


def test_wrong_password_is_401_after_one_request(yaml_file, server):
    proxy = RecordingProxy(server.port).start()
    try:
        url = proxy.url(server.root_path)
        result = sync_as_alex(yaml_file, url, password="not-the-Password-123")
    finally:
        proxy.stop()
    assert result.exit_code == 6
    assert f"refused the credentials of user '{USER}' (401)" in one_line(result)
    assert "not-the-Password-123" not in result.output
    # The 401 to the Basic sent says the server wants Basic: not asked again (Radicale
    # makes each refusal wait about a second).
    assert proxy.requests == [("PROPFIND", server.root_path)]


OTHERS_CALENDAR = {  # sam's calendar (on DAViCal, where sam's calendar would be)
    "radicale": "/somebody/calendar/",
    "cyrus": f"/dav/calendars/user/{OTHER_USER}/Default/",
    "davical": f"/caldav.php/{OTHER_USER}/calendar/",
}


def test_someone_elses_calendar_is_refused(yaml_file, shared_server):
    other = f"http://127.0.0.1:{shared_server.port}{OTHERS_CALENDAR[shared_server.name]}"
    result = sync_as_alex(yaml_file, shared_server.url, "--calendar", other)
    if shared_server.name == "cyrus":
        # Cyrus shows another account's calendar to no one: 404, as for no calendar at
        # all (docs/sync.md).
        assert result.exit_code == 8
        assert one_line(result) == f"{other}: calendar not found (404)"
        return
    assert result.exit_code == 6
    assert one_line(result) == (
        f"{other}: the server refuses this account access to {other} (403); logged in as '{USER}'"
    )


def test_no_user_is_not_called_a_refused_password(yaml_file, shared_server):
    # Cyrus answers a PROPFIND without credentials at its root with 207 and no
    # current-user-principal (not 401): that is no user given, not "no CalDAV server".
    result = sync(yaml_file, "--url", shared_server.url)
    assert result.exit_code == 6, result.output
    assert one_line(result).endswith("no user: give --user or FOLLOWUP_CAL_USER")


def test_no_password_anywhere(yaml_file, shared_server):
    result = sync(yaml_file, "--url", shared_server.url, "--user", USER)
    assert result.exit_code == 6
    assert one_line(result).startswith(f"no password for {USER}: set FOLLOWUP_CAL_PASSWORD")


def test_password_from_netrc(yaml_file, server, tmp_path):
    netrc = tmp_path / ".netrc"
    netrc.write_text(f"machine 127.0.0.1 login {server.user} password {PASSWORD}\n")
    netrc.chmod(0o600)
    result = sync(
        yaml_file, "--url", server.url, "--user", server.user, "--calendar", "From netrc",
        "--create",
    )  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.fixture
def proxy(radicale):
    rec = RecordingProxy(radicale.port).start()
    yield rec
    rec.stop()


def test_timeout(yaml_file, proxy):
    proxy.delay = 2.5
    result = sync_as_alex(yaml_file, proxy.url("/"), "--timeout", "1")
    assert result.exit_code == 7
    assert one_line(result).endswith(": cannot reach the server (timed out)")


def test_server_error_5xx(yaml_file, proxy):
    proxy.status_override = 500
    result = sync_as_alex(yaml_file, proxy.url("/"))
    assert result.exit_code == 8
    assert one_line(result) == f"{proxy.url('/')}: PROPFIND failed with HTTP 500"
    assert proxy.methods() == ["PROPFIND"] * 3


def test_not_a_caldav_server(yaml_file, html_server):
    result = sync(yaml_file, "--url", html_server)
    assert result.exit_code == 8
    assert one_line(result) == (
        f"{html_server}: not a CalDAV server or calendar (it answered HTTP 405); check the URL"
    )


def test_no_url_is_a_usage_error(yaml_file):
    result = sync(yaml_file)
    assert result.exit_code == 2
    assert (
        "no server: give --url, FOLLOWUP_CAL_URL, url in config.toml or caldav: url: in FILE"
        in result.stderr
    )


def test_url_and_user_from_the_yaml_and_the_environment(yaml_file, server):
    text = yaml_file.read_text("utf-8")
    yaml_file.write_text(text + f"caldav:\n  url: {server.url}\n  calendar: From YAML\n", "utf-8")
    env = {"FOLLOWUP_CAL_USER": server.user, "FOLLOWUP_CAL_PASSWORD": PASSWORD}
    result = sync(yaml_file, "--create", env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("created 49,")


def test_a_same_origin_redirect_is_followed(yaml_file, server):
    # Radicale: 301 to /; Cyrus: to /dav/calendars; DAViCal: to /caldav.php/
    url = f"http://127.0.0.1:{server.port}/.well-known/caldav"
    env = {"FOLLOWUP_CAL_PASSWORD": PASSWORD}
    result = sync(yaml_file, "--url", url, "--user", server.user, "--calendar", "Redirected",
                  "--create", env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("created 49,")


def test_credentials_never_follow_a_redirect_to_another_origin(yaml_file, radicale):
    upstream = RecordingProxy(radicale.port).start()
    seen: list[str | None] = []
    target = upstream.url("/")

    class Redirect(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_PROPFIND(self):
            seen.append(self.headers.get("Authorization"))
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(301)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/caldav"
        result = sync_as_alex(yaml_file, url, "--calendar", "Redirected", "--create")
    finally:
        server.shutdown()
        server.server_close()
        upstream.stop()
    assert result.exit_code == 8
    assert one_line(result) == (
        f"{url}: the server sends us to {target}, another server; credentials are not sent "
        "there on their own: give that URL with --url if you trust it"
    )
    assert upstream.requests == []  # nothing, credentials least of all, went there
    assert seen  # the first server was asked


@pytest.mark.parametrize(
    "content", ['{"calendars": {"k": 5}, "etags": []}', "[1, 2]", '{"etags": {"u": 3}}', "{"]
)
def test_a_damaged_state_file_is_ignored_with_a_warning(yaml_file, radicale, content):
    status = yaml_file.with_name("interviews.followup-sync.json")
    status.write_text(content)
    result = sync_as_alex(yaml_file, radicale.url, "--calendar", "Damaged", "--create")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"warning: {status} is damaged; ignored")
    assert "Traceback" not in result.output


def test_nothing_at_the_url_says_what_was_tried(yaml_file, proxy):
    proxy.status_override = 404
    url = proxy.url("/dav/")
    result = sync_as_alex(yaml_file, url)
    assert result.exit_code == 8
    well_known = proxy.url("/.well-known/caldav")
    assert one_line(result) == (
        f"{url}: no CalDAV service found (404 at {url} and at {well_known}); give the "
        "server's CalDAV URL (Nextcloud: https://HOST/remote.php/dav/) or the calendar's own URL"
    )
    assert proxy.methods() == ["PROPFIND"] * 3  # is it a calendar, a principal, well-known


@pytest.fixture(scope="module")
def sabredav(tmp_path_factory):
    if not sabredav_available():
        pytest.fail("Debian's sabre/dav is missing: `make sabredav` installs it")
    srv = start_sabredav(tmp_path_factory.mktemp("sabredav"))
    yield srv
    srv.stop()


def test_digest_401_and_403_are_told_apart(yaml_file, sabredav):
    wrong = sync_as_alex(yaml_file, sabredav.url, password="not-the-Password-123")
    assert wrong.exit_code == 6
    assert f"refused the credentials of user '{USER}' (401)" in one_line(wrong)
    assert "not-the-Password-123" not in wrong.output
    other = f"http://127.0.0.1:{sabredav.port}/calendars/{OTHER_USER}/default/"
    refused = sync_as_alex(yaml_file, sabredav.url, "--calendar", other)
    # sabre/dav lets the REPORT through, and refuses the PUT: not the password (exit 6),
    # a write refused for the rule it names (exit 13).
    assert refused.exit_code == 13, refused.output
    line = one_line(refused)
    assert "saving an event refused: 403 need-privileges: this account may not write" in line
    assert "credentials" not in line
    right = sync_as_alex(yaml_file, sabredav.url, "--calendar", "Default")
    assert right.exit_code == 0, right.output
    assert right.stdout.startswith("created 49,")
