"""The password goes only to the server it was given for (issue 28, item 1).

A real Radicale behind a small proxy on 127.0.0.1 plays the user's server; a listener on
127.0.0.2 plays the other host, and records whatever reaches it. A URL that parsers read
differently is refused where it is given; an event the server (or a proxy) lists on
another host is never written to or deleted there.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from caldav_servers import PASSWORD, USER, RecordingProxy
from test_sync_faults import isolated_home, radicale, sync, sync_as_alex, yaml_file  # noqa: F401

from followup_cal.errors import ServerError
from followup_cal.sync.transport import Transport, is_local, plain_http_warning

BACKSLASH = "a backslash (some programs read it as '/', and so another host)"


class OtherHost:
    """An HTTP listener on 127.0.0.2 that answers 201 to anything and keeps what came."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str | None]] = []  # method, path, Authorization
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def answer(self) -> None:
                seen.append((self.command, self.path, self.headers.get("Authorization")))
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(201)
                self.send_header("ETag", '"elsewhere"')
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_PUT = do_DELETE = do_REPORT = do_PROPFIND = do_POST = answer

        self.server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.2:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def other_host():
    host = OtherHost()
    yield host
    host.stop()


@pytest.fixture
def front(radicale):  # noqa: F811 (the fixture)
    proxy = RecordingProxy(radicale.port).start()
    yield proxy
    proxy.stop()


def hrefs_on(base: str):
    """An answer rewriter: every href of a REPORT's answer names ``base``'s host, as a
    proxy that rewrites addresses (or a hostile server) would."""

    def rewrite(method: str, _path: str, _sent: bytes, body: bytes) -> bytes:
        if method != "REPORT":
            return body
        return re.sub(rb"(<(?:\w+:)?href>)/", rb"\1" + base.encode() + b"/", body)

    return rewrite


def test_events_listed_on_another_host_are_never_written_there(
    yaml_file,  # noqa: F811 (the fixture)
    front,
    other_host,
):
    first = sync_as_alex(yaml_file, front.url("/"), "--calendar", "Rewritten", "--create")
    assert first.exit_code == 0, first.output
    # Without this machine's cache the calendar is read whole, in the REPORT rewritten.
    yaml_file.with_name("interviews.followup-sync.json").unlink()
    text = yaml_file.read_text("utf-8")
    yaml_file.write_text(text.replace("Helio Analytics", "Helio Analytics AG"), "utf-8")
    front.clear()
    front.rewrite = hrefs_on(other_host.base)
    result = sync_as_alex(yaml_file, front.url("/"), "--calendar", "Rewritten")
    assert result.exit_code == 8, result.output
    assert "Traceback" not in result.output
    refused = [line for line in result.stderr.splitlines() if line.startswith("not written: ")]
    assert refused, result.stderr
    for line in refused:
        assert re.fullmatch(
            rf"not written: \S+: the server lists it at {re.escape(other_host.base)}/\S+, not "
            rf"on http://127\.0\.0\.1:{front.port}; credentials go only to the server they "
            "were given for",
            line,
        ), line
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("created 0, updated 0, deleted 0,"), summary
    assert summary.endswith(f"not written {len(refused)} (listed on another server)")
    assert result.stderr.splitlines()[-1] == (
        f"{len(refused)} event(s) listed on another server were not written"
    )
    assert other_host.seen == []  # no request, and so no Authorization, went there
    assert "PUT" not in front.methods() and "DELETE" not in front.methods()
    # The calendar itself is as it was: without the proxy's rewriting, the same
    # changes are still to be made there.
    front.rewrite = None
    again = sync_as_alex(yaml_file, front.url("/"), "--calendar", "Rewritten")
    assert again.exit_code == 0, again.output
    assert f"updated {len(refused)}," in again.stdout


def test_a_request_to_another_host_is_never_sent_whatever_asks_for_it(front, other_host):
    """The last line of defence, under every request of a sync: the transport itself
    refuses a URL of another site (and one that parsers read differently)."""
    transport = Transport(front.url("/"), USER, PASSWORD)
    for url in (f"{other_host.base}/alex/x.ics", f"http://evil.example\\@127.0.0.1:{front.port}/"):
        with pytest.raises(ServerError, match="another server, was not sent"):
            transport.request(url, "PUT", b"x", {}, safe=False)
    transport.close()
    assert other_host.seen == [] and front.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example\\@apidata.googleusercontent.com/caldav/v2/primary/events/",
        "http://127.0.0.2:{port}\\@localhost/cal/",
        "http://alex:secret@127.0.0.2:{port}/cal/",
        "http://127.0.0.2:0{port}/cal/",
        "http://127.0.0.2:{port}/cal/\x1b[2J",
    ],
)
def test_a_url_parsers_read_differently_is_refused_where_it_is_given(
    yaml_file,  # noqa: F811 (the fixture)
    other_host,
    tmp_path,
    url,
):
    url = url.format(port=other_host.server.server_address[1])
    # On the command line and in the environment: one line, exit 2.
    given = sync_as_alex(yaml_file, url)
    from_env = sync(yaml_file, "--user", USER,
                    env={"FOLLOWUP_CAL_URL": url, "FOLLOWUP_CAL_PASSWORD": PASSWORD})  # fmt: skip
    for result, where in ((given, "--url"), (from_env, "FOLLOWUP_CAL_URL")):
        assert result.exit_code == 2, result.output
        lines = result.output.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"{where} '"), result.output
        assert lines[0].endswith("; nothing was sent")
        assert "secret" not in result.output and "\x1b" not in result.output
    # In config.toml and in the YAML: the file's line, as for any problem in them.
    config = tmp_path / "config" / "followup-cal" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f"[caldav]\nurl = {json.dumps(url)}\n", "utf-8")
    in_config = sync(yaml_file, "--user", USER, env={"XDG_CONFIG_HOME": str(tmp_path / "config"),
                                                      "FOLLOWUP_CAL_PASSWORD": PASSWORD})  # fmt: skip
    assert in_config.exit_code == 1, in_config.output
    assert in_config.output.startswith(f"{config}:2:1: 'caldav.url' '")
    text = yaml_file.read_text("utf-8")
    yaml_file.write_text(text + f"caldav:\n  url: {json.dumps(url)}\n", "utf-8")
    in_yaml = sync(yaml_file, "--user", USER, env={"FOLLOWUP_CAL_PASSWORD": PASSWORD})
    assert in_yaml.exit_code == 1, in_yaml.output
    line = text.count("\n") + 2
    assert re.match(rf"{re.escape(str(yaml_file))}:{line}:8: url ", in_yaml.output)
    for result in (in_config, in_yaml):
        assert "secret" not in result.output and "\x1b" not in result.output
    assert other_host.seen == []


def test_a_backslash_in_the_url_is_refused_with_its_reason(yaml_file):  # noqa: F811
    url = "https://evil.example\\@apidata.googleusercontent.com/caldav/v2/primary/events/"
    result = sync_as_alex(yaml_file, url)
    assert result.output == f"--url '{url}': {BACKSLASH}; nothing was sent\n"
    google = sync(yaml_file, "--auth", "google", "--url", url)
    assert google.exit_code == 2
    assert google.output == f"--url '{url}': {BACKSLASH}; nothing was sent\n"


def test_this_machine_is_read_as_the_http_library_reads_it():
    fooled = "http://127.0.0.2:8080\\@localhost/cal/"  # urllib3 sends it to 127.0.0.2
    assert not is_local(fooled)
    assert plain_http_warning("http://127.0.0.2:8080/cal/").startswith("warning: ")
    assert is_local("http://localhost:8080/") and is_local("http://[::1]:5232/")
    assert plain_http_warning("http://127.0.0.1:5232/") == ""
