"""Google as a provider, against the stand-in of Google's documented endpoints
(tests/google_standin.py) in front of a real Radicale: sign-in (loopback, PKCE, state),
tokens kept like passwords, sync with Bearer tokens, expiry, refresh, revocation, rate
limits and what Google's CalDAV refuses. Google itself is never reached."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from caldav_servers import start_radicale
from click.testing import CliRunner
from google_standin import CALENDAR_SCOPE, GoogleStandIn, make_google_calendar

from followup_cal.cli import cli
from followup_cal.errors import ServerError
from followup_cal.google import tokens
from followup_cal.google.calendar import CALDAV_ROOT, events_url, where_to_sync
from followup_cal.google.oauth import pkce_pair
from followup_cal.sync import transport as transport_module
from followup_cal.sync.transport import Transport

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "interviews.yaml"
TODAY = "2026-11-23"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = (
    "--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
    "--disable-component-update --disable-sync --disable-quic"
)


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    server = start_radicale(tmp_path_factory.mktemp("radicale-google"))
    yield server
    server.stop()


@pytest.fixture
def google(radicale):
    standin = GoogleStandIn(radicale.port).start()
    yield standin
    standin.stop()


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """A home of its own: no keyring (the file is used), the data folder under it."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for name in ("FOLLOWUP_CAL_URL", "FOLLOWUP_CAL_USER", "FOLLOWUP_CAL_PASSWORD", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def secrets_file(google: GoogleStandIn, folder: Path) -> Path:
    path = folder / "client_secret.json"
    path.write_text(json.dumps(google.client_secrets()), "utf-8")
    return path


def start_login(google: GoogleStandIn, home: Path, *extra: str, env: dict | None = None):
    command = [sys.executable, "-m", "followup_cal", "login", "google",
               "--client-secrets", str(secrets_file(google, home)), *extra]  # fmt: skip
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=home,
    )


def printed_url(process: subprocess.Popen) -> str:
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("http://"):
            return line.strip()
    raise AssertionError("login printed no address")


def follow(url: str) -> tuple[int, str]:
    """As a browser: the consent page redirects to the loopback address, which answers."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def login(google: GoogleStandIn, home: Path, *extra: str) -> tuple[int, str, str]:
    process = start_login(google, home, "--no-browser", *extra)
    url = printed_url(process)
    status, page = follow(url)
    out, err = process.communicate(timeout=60)
    assert status == 200, page
    return process.returncode, out, err


def saved() -> dict:
    return json.loads(tokens.token_file().read_text("utf-8"))


def workspace(home: Path) -> Path:
    path = home / "interviews.yaml"
    path.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    return path


def sync(path: Path, *args: str):
    return CliRunner().invoke(cli, ["sync", str(path), "--today", TODAY, "--auth", "google", *args])


def calendar_id(request) -> str:
    return re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[-40:].strip("-")


def synced_once(google: GoogleStandIn, home: Path, request) -> tuple[Path, str]:
    """Signed in, a calendar of the test's own made at 'Google', the example synced."""
    assert login(google, home)[0] == 0
    cal = calendar_id(request)
    make_google_calendar(google.radicale_port, cal)
    path = workspace(home)
    assert sync(path, "--url", google.events_url(cal)).exit_code == 0
    return path, cal


# -- login ------------------------------------------------------------------------------


def test_login_without_a_browser_completes_the_loopback_flow_with_pkce(google, home):
    code, out, err = login(google, home)
    assert code == 0, err
    (asked,) = google.auth_requests
    assert asked["code_challenge_method"] == "S256"
    assert asked["redirect_uri"].startswith("http://127.0.0.1:")
    assert asked["scope"] == CALENDAR_SCOPE  # the calendar only: no mail without --mail
    (exchange,) = google.token_requests
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["redirect_uri"] == asked["redirect_uri"]
    # The stand-in checked the verifier against the challenge; the verifier is new.
    assert 43 <= len(exchange["code_verifier"]) <= 128
    assert exchange["code_verifier"] not in asked.values()
    kept = saved()
    assert kept["refresh_token"] in google.grants
    path = tokens.token_file()
    assert path == home / "data" / "followup-cal" / "google-token.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert f"the tokens are in {path}" in out
    assert "Open this address in a browser and sign in to Google:" in err
    for secret in (kept["refresh_token"], kept["access_token"]):
        assert secret not in out + err


def test_pkce_challenge_is_the_unpadded_base64url_sha256_of_the_verifier():
    verifier, challenge = pkce_pair()
    # RFC 7636 appendix B's example pair, computed the same way.
    import base64
    import hashlib

    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert challenge == expected.decode() and "=" not in challenge and len(challenge) == 43
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,128}", verifier)
    assert pkce_pair()[0] != verifier


def test_a_redirect_with_another_state_is_ignored_and_the_flow_goes_on(google, home):
    process = start_login(google, home, "--no-browser")
    url = printed_url(process)
    redirect = google_redirect(url)
    forged, page = follow(f"{redirect}?code=4/forged&state=not-the-one")
    assert forged == 400, page
    assert follow(url)[0] == 200
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert all(r.get("code") != "4/forged" for r in google.token_requests)


def google_redirect(url: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query)["redirect_uri"][0]


def test_consent_refused_saves_nothing(google, home):
    google.deny_consent = True
    process = start_login(google, home, "--no-browser")
    follow(printed_url(process))
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 6
    assert (
        err.strip().splitlines()[-1] == "Google did not grant access (access_denied); nothing saved"
    )
    assert not tokens.token_file().exists()


def test_login_opens_the_browser_headless_chromium_follows_it(google, home):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: `make test` installs Debian's package")
        pytest.skip("chromium is not installed (make test installs it)")
    # Python's webbrowser takes $BROWSER: the browser is Debian's chromium, headless.
    browser = f"{CHROMIUM} {CHROMIUM_FLAGS} --user-data-dir={home / 'chromium'} --dump-dom %s"
    process = start_login(google, home, env={"BROWSER": browser})
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "Your browser was opened" in err
    assert len(google.auth_requests) == 1 and saved()["refresh_token"] in google.grants


def test_client_secrets_that_are_not_json_are_one_located_line(home):
    bad = home / "client_secret.json"
    bad.write_text('{"installed": {\n  "client_id": "x",,\n}}', "utf-8")
    result = CliRunner().invoke(cli, ["login", "google", "--client-secrets", str(bad)])
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"{bad}:2:20: not JSON: Expecting property name enclosed in double quotes"
    )


def test_a_web_application_client_is_refused_with_what_to_create(home):
    web = home / "client_secret.json"
    web.write_text(json.dumps({"web": {"client_id": "x", "client_secret": "y"}}), "utf-8")
    result = CliRunner().invoke(cli, ["login", "google", "--client-secrets", str(web)])
    assert result.exit_code == 1
    assert "create a 'Desktop app' client" in result.output


def test_logout_revokes_and_forgets(google, home):
    assert login(google, home)[0] == 0
    refresh_token = saved()["refresh_token"]
    result = CliRunner().invoke(cli, ["logout", "google"])
    assert result.exit_code == 0, result.output
    assert f"forgot the Google sign-in ({tokens.token_file()})" in result.output
    assert google.grants[refresh_token].revoked
    assert not tokens.token_file().exists()
    again = CliRunner().invoke(cli, ["logout", "google"])
    assert again.output == "not signed in to Google on this machine; nothing to forget\n"


def test_tokens_go_to_the_keyring_where_there_is_one(google, home, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "memory_keyring.MemoryKeyring")
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    import keyring.core

    keyring.core.init_backend()
    try:
        from followup_cal.google.oauth import Tokens

        kept = Tokens("id", "secret", "http://t/token", "http://t/revoke", "1//r", "a", 9e9)
        assert tokens.save(kept) == "the system keyring (followup-cal / google-oauth)"
        assert not tokens.token_file().exists()
        assert tokens.load() == kept
        assert tokens.forget() == ["the system keyring"]
        assert tokens.load() is None
    finally:
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
        keyring.core.init_backend()


def test_a_token_file_readable_by_others_is_refused(google, home):
    assert login(google, home)[0] == 0
    tokens.token_file().chmod(0o644)
    result = sync(workspace(home), "--calendar", "primary")
    assert result.exit_code == 3
    assert "is readable by others; it holds your Google sign-in" in result.output


# -- sync -------------------------------------------------------------------------------


def test_sync_writes_the_events_with_bearer_tokens(google, home, request):
    assert login(google, home)[0] == 0
    cal = calendar_id(request)
    make_google_calendar(google.radicale_port, cal)
    result = sync(workspace(home), "--url", google.events_url(cal))
    assert result.exit_code == 0, result.output
    assert "created 49" in result.output
    puts = [r for r in google.caldav_requests if r[0] == "PUT"]
    assert len(puts) == 49 and all(status == 201 for _, _, status in puts)
    assert not [r for r in google.refused if r[2] == 401]  # every request had a live token
    # The ledger's property is refused, as at Google; sync goes on without it.
    assert ("PROPPATCH", f"/caldav/v2/{cal}/events/", 403) in google.refused


def test_a_calendar_id_fills_in_the_url(google, home):
    assert login(google, home)[0] == 0
    make_google_calendar(google.radicale_port, "primary")
    result = sync(workspace(home), "--url", f"{google.base}/caldav/v2/", "--calendar", "primary")
    assert result.exit_code == 0, result.output
    assert {p.split("/")[3] for _, p, _ in google.caldav_requests} == {"primary"}


@pytest.mark.parametrize(
    "url",
    [
        "https://dav.example.org/calendars/alex/",
        "http://apidata.googleusercontent.com/caldav/v2/primary/events/",
        "https://apidata.googleusercontent.com.evil.example/caldav/v2/primary/events/",
    ],
)
def test_the_google_token_goes_to_google_only(google, home, url):
    assert login(google, home)[0] == 0
    result = sync(workspace(home), "--url", url)
    assert result.exit_code == 2
    host = url.split("/")[2]
    assert result.output == (
        f"--auth google sends your Google sign-in to {url.split(':')[0]}://{host}: only "
        "https://apidata.googleusercontent.com (or this machine) is given it; for another "
        "server use --auth password\n"
    )


def test_where_to_sync_on_google():
    assert where_to_sync("", "") == (CALDAV_ROOT + "primary/events/", "")
    assert where_to_sync("", "primary") == (CALDAV_ROOT + "primary/events/", "")
    group = "abc123@group.calendar.google.com"
    assert where_to_sync("", group) == (CALDAV_ROOT + group + "/events/", "")
    assert events_url("a b@x.org") == CALDAV_ROOT + "a%20b@x.org/events/"
    given = "https://apidata.googleusercontent.com/caldav/v2/me@x.org/events/"
    assert where_to_sync(given, "work@group.calendar.google.com") == (
        CALDAV_ROOT + "work@group.calendar.google.com/events/",
        "",
    )
    assert where_to_sync(given, "") == (given, "")
    assert where_to_sync(given, "Follow-ups") == (given, "Follow-ups")  # a display name


def test_auth_google_from_the_yaml_and_from_config(google, home, request, monkeypatch):
    assert login(google, home)[0] == 0
    cal = calendar_id(request)
    make_google_calendar(google.radicale_port, cal)
    path = workspace(home)
    text = path.read_text("utf-8")
    path.write_text(text + f"caldav:\n  url: {google.events_url(cal)}\n  auth: google\n", "utf-8")
    first = CliRunner().invoke(cli, ["sync", str(path), "--today", TODAY])
    assert first.exit_code == 0, first.output
    assert "created 49" in first.output
    config = home / "config" / "followup-cal" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[caldav]\nauth = "google"\n', "utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    path.write_text(text + f"caldav:\n  url: {google.events_url(cal)}\n", "utf-8")
    second = CliRunner().invoke(cli, ["sync", str(path), "--today", TODAY])
    assert second.exit_code == 0, second.output
    assert "created 0" in second.output


def test_an_expired_access_token_is_refreshed_and_the_sync_goes_on(google, home, request):
    path, cal = synced_once(google, home, request)
    first_access = saved()["access_token"]
    # Google's side: the hour is over (the saved expiry still says it is not).
    google.expire_access_tokens()
    path.write_text(path.read_text("utf-8").replace("Nordlicht", "Nordlicht GmbH"), "utf-8")
    result = sync(path, "--url", google.events_url(cal))
    assert result.exit_code == 0, result.output
    assert "updated" in result.output
    assert (google.refused[-1][2], google.token_requests[-1]["grant_type"]) == (
        401,
        "refresh_token",
    )
    assert saved()["access_token"] not in (first_access, "")
    assert google.live(saved()["access_token"]) is not None
    # This side: the saved expiry has passed, so the token is refreshed before sending.
    kept = saved()
    kept["expires_at"] = 0
    tokens.token_file().write_text(json.dumps(kept), "utf-8")
    refused_before = len(google.refused)
    again = sync(path, "--url", google.events_url(cal))
    assert again.exit_code == 0, again.output
    assert len(google.refused) == refused_before  # no 401 this time
    assert saved()["access_token"] != kept["access_token"]


def test_a_revoked_refresh_token_is_exit_6_one_line_nothing_written(google, home, request):
    path, cal = synced_once(google, home, request)
    path.write_text(path.read_text("utf-8").replace("Nordlicht", "Nordlicht GmbH"), "utf-8")
    yaml_before = path.read_bytes()
    google.revoke_all()
    google.caldav_requests.clear()
    result = sync(path, "--url", google.events_url(cal))
    assert result.exit_code == 6
    assert result.output == (
        "Google no longer accepts the saved sign-in (revoked or expired); "
        "run `followup-cal login google --client-secrets FILE` again\n"
    )
    assert google.writes() == []
    assert path.read_bytes() == yaml_before
    # Also when the access token still looked valid here: the 401, one refresh, refused.
    kept = saved()
    kept["expires_at"] = 9e9
    tokens.token_file().write_text(json.dumps(kept), "utf-8")
    result = sync(path, "--url", google.events_url(cal))
    assert result.exit_code == 6 and len(result.output.splitlines()) == 1
    assert google.writes() == [] and path.read_bytes() == yaml_before


def test_not_signed_in_is_exit_6_with_what_to_run(home):
    result = sync(workspace(home), "--calendar", "primary")
    assert result.exit_code == 6
    assert result.output == (
        "not signed in to Google: run `followup-cal login google --client-secrets FILE` first\n"
    )


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--create", "--create: Google's CalDAV does not create calendars (no MKCALENDAR)"),
        ("--as=todo", "--as todo: Google's CalDAV holds no tasks (VTODO), only events"),
    ],
)
def test_what_google_refuses_is_refused_before_any_request(google, home, option, message):
    assert login(google, home)[0] == 0
    result = sync(workspace(home), "--url", google.events_url("primary"), option)
    assert result.exit_code == 2
    assert result.output.startswith(message)
    assert google.caldav_requests == []


def test_the_stand_in_refuses_what_google_refuses(google, home):
    """The front is honest about Google: MKCALENDAR and VTODO are refused there too."""
    assert login(google, home)[0] == 0
    from followup_cal.google.tokens import TokenSource

    make_google_calendar(google.radicale_port, "refusals")
    client = Transport(google.events_url("refusals"), "", None, bearer=TokenSource())
    made = client.request(f"{google.base}/caldav/v2/new/events/", "MKCALENDAR", b"", safe=False)
    todo = b"BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    put = client.request(google.events_url("refusals") + "x.ics", "PUT", todo, safe=False)
    assert (made.status, put.status) == (405, 400)


# -- rate limits ------------------------------------------------------------------------


def bearer_transport(google: GoogleStandIn, pauses: list[float], jitter: float = 0.5):
    from followup_cal.google.tokens import TokenSource

    make_google_calendar(google.radicale_port, "limits")
    return Transport(google.events_url("limits"), "", None, bearer=TokenSource(),
                     pause=pauses.append, jitter=lambda: jitter)  # fmt: skip


PROPFIND = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>'


@pytest.mark.parametrize("status", [403, 429])
def test_a_rate_limit_is_waited_out_with_backoff_and_jitter(google, home, status):
    assert login(google, home)[0] == 0
    pauses: list[float] = []
    client = bearer_transport(google, pauses, jitter=0.9)
    google.rate_limit_status, google.rate_limited = status, 3
    response = client.request(google.events_url("limits"), "PROPFIND", PROPFIND, {"Depth": "0"},
                              safe=True)  # fmt: skip
    assert response.status == 207
    assert pauses == pytest.approx([1.4, 2.8, 5.6])  # 1, 2, 4 s times (0.5 + jitter)


def test_a_rate_limit_that_does_not_lift_is_one_clear_line_after_bounded_waits(google, home):
    assert login(google, home)[0] == 0
    pauses: list[float] = []
    client = bearer_transport(google, pauses, jitter=0.999)
    google.rate_limited = 1000
    body = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    with pytest.raises(ServerError) as raised:
        client.request(google.events_url("limits") + "a.ics", "PUT", body, safe=False)
    assert str(raised.value).endswith(
        "Google's rate limit: still refused after 6 tries (429/rateLimitExceeded); what was "
        "done is kept, run sync again in a few minutes"
    )
    assert len(pauses) == 5 and sum(pauses) < 47
    assert google.rate_limited == 1000 - 6


def test_sync_through_a_rate_limit(google, home, request, monkeypatch):
    assert login(google, home)[0] == 0
    cal = calendar_id(request)
    make_google_calendar(google.radicale_port, cal)
    waited: list[float] = []
    monkeypatch.setattr(transport_module.time, "sleep", waited.append)
    google.rate_limited = 4
    result = sync(workspace(home), "--url", google.events_url(cal))
    assert result.exit_code == 0, result.output
    assert "created 49" in result.output
    assert len(waited) >= 4 and google.rate_limited <= 0


def test_events_that_come_back_without_our_marks_are_never_overwritten(google, home, request):
    """Were Google to drop X- properties (its older guide said it keeps only its own data
    model): Google ignores If-None-Match, so a create would overwrite. From a second
    machine (no cache), sync still knows its events by UID: no create, every PUT bound to
    the ETag read, and an edit made in Google stays as the user saved it."""
    assert login(google, home)[0] == 0
    cal = calendar_id(request)
    make_google_calendar(google.radicale_port, cal)
    google.drop_x_properties = True
    path = workspace(home)
    assert sync(path, "--url", google.events_url(cal)).exit_code == 0
    href, text = one_event(google, cal)
    edited = text.replace("SUMMARY:", "SUMMARY:Call first - ", 1)
    radicale_put(google.radicale_port, href, edited)
    (path.parent / "interviews.followup-sync.json").unlink()  # as on a second machine
    google.put_if_match.clear()
    result = sync(path, "--url", google.events_url(cal))
    assert result.exit_code == 0, result.output
    assert "created 0" in result.output
    assert google.put_if_match and all(google.put_if_match)  # no blind create
    assert "SUMMARY:Call first - " in radicale_get(google.radicale_port, href)


def test_a_create_where_the_calendar_holds_its_uid_is_refused_on_google():
    from followup_cal.sync.algorithm import Remote, SyncPlan, Write
    from followup_cal.sync.run import refuse_blind_creates

    theirs = Remote("x@followup-cal", "https://g/x.ics", '"1"', "hash", search="s-other")
    plan = SyncPlan(writes=[Write("create", "x@followup-cal", "X"), Write("create", "y", "Y")])
    with pytest.raises(
        ServerError,
        match=r"1 planned event\(s\) have their UID on an event there that is not this file",
    ):
        refuse_blind_creates(plan, [theirs], "https://g/")
    refuse_blind_creates(SyncPlan(writes=[Write("create", "y", "Y")]), [theirs], "https://g/")


def radicale_request(port: int, method: str, path: str, body: bytes = b"", headers=None):
    import base64
    import http.client

    from caldav_servers import PASSWORD, USER

    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body, {"Authorization": f"Basic {basic}", **(headers or {})})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def one_event(google: GoogleStandIn, cal: str) -> tuple[str, str]:
    """An event of ours as Radicale holds it behind the front: its path and text."""
    from caldav_servers import USER

    status, listing = radicale_request(google.radicale_port, "PROPFIND", f"/{USER}/{cal}/",
                                       headers={"Depth": "1"})  # fmt: skip
    assert status == 207
    href = sorted(re.findall(rb"<[^>]*href>([^<]+\.ics)</", listing))[0].decode()
    return href, radicale_get(google.radicale_port, href)


def radicale_get(port: int, href: str) -> str:
    status, data = radicale_request(port, "GET", href)
    assert status == 200
    return data.decode()


def radicale_put(port: int, href: str, text: str) -> None:
    status, _ = radicale_request(port, "PUT", href, text.encode(),
                                 {"Content-Type": "text/calendar"})  # fmt: skip
    assert status in (201, 204), status


def test_verbose_output_never_shows_a_token(google, home, request):
    path, cal = synced_once(google, home, request)
    google.expire_access_tokens()  # a refresh too, in the log
    path.write_text(path.read_text("utf-8").replace("Nordlicht", "Nordlicht AG"), "utf-8")
    result = CliRunner().invoke(cli, ["-v", "sync", str(path), "--today", TODAY, "--auth",
                                      "google", "--url", google.events_url(cal)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "POST " in result.output and "/token -> 200" in result.output
    kept = saved()
    for secret in (kept["access_token"], kept["refresh_token"], kept["client_secret"]):
        assert secret not in result.output
    assert "Bearer" not in result.output


def test_the_revocation_endpoint_is_the_files_or_beside_the_token_endpoint(google, home):
    from followup_cal.google.oauth import read_client_secrets

    path = secrets_file(google, home)
    assert read_client_secrets(str(path)).revoke_uri == f"{google.base}/revoke"
    data = google.client_secrets()
    data["installed"]["revoke_uri"] = "https://oauth2.googleapis.com/revoke"
    path.write_text(json.dumps(data), "utf-8")
    assert read_client_secrets(str(path)).revoke_uri == "https://oauth2.googleapis.com/revoke"


HELIO_2 = "helio-analytics.follow-up-2@followup-cal"  # Tue 24 Nov, "Final follow-up"


def test_a_deletion_in_google_is_recognised_by_the_cache_as_documented(google, home, request):
    """Google keeps no record property (PROPPATCH refused): this machine's cache knows
    the deleted event was there, so it becomes skipped: and is not created again."""
    path, cal = synced_once(google, home, request)
    from caldav_servers import USER

    href = f"/{USER}/{cal}/" + HELIO_2.replace("@", "-at-") + ".ics"
    assert radicale_request(google.radicale_port, "DELETE", href)[0] in (200, 204)
    google.caldav_requests.clear()
    result = sync(path, "--url", google.events_url(cal))
    assert result.exit_code == 0, result.output
    assert "from your calendar: skipped: Final follow-up → Lukas Becker" in result.output
    assert "- {step: follow_up-2, round: 1, date: 2026-11-23}" in path.read_text("utf-8")
    assert not [
        r for r in google.caldav_requests if r[0] == "PUT" and HELIO_2.split("@")[0] in r[1]
    ]
