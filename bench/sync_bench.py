"""Sync of about 500 events to a local Radicale: followup-cal against vdirsyncer.

Both push the same events to a fresh calendar on the same server, through the same
counting proxy, each run as a command from the shell (start-up included): a first
sync, then a no-op re-sync. vdirsyncer syncs them as one .ics file (singlefile storage).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from caldav_servers import PASSWORD, USER, RecordingProxy, http_request, start_radicale  # noqa: E402
from run import synthetic_yaml  # noqa: E402

BIN = Path(sys.executable).parent
MKCALENDAR = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>{name}</D:displayname></D:prop></D:set>
</C:mkcalendar>"""


def make_calendar(port: int, name: str) -> str:
    url = f"http://127.0.0.1:{port}/{USER}/{name}/"
    response = http_request(
        "MKCALENDAR", url, data=MKCALENDAR.format(name=name), auth=(USER, PASSWORD)
    )
    assert response.status_code == 201, response.status_code
    return url


def timed(command: list[str], env: dict[str, str], proxy: RecordingProxy) -> tuple[float, int]:
    proxy.requests.clear()
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {done.stdout}{done.stderr}")
    return seconds, len(proxy.requests)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        server = start_radicale(tmp / "radicale")
        proxy = RecordingProxy(server.port).start()
        try:
            run_all(tmp, server, proxy)
        finally:
            proxy.stop()
            server.stop()


def run_all(tmp: Path, server, proxy: RecordingProxy) -> None:
    yaml_path = tmp / "interviews.yaml"
    yaml_path.write_text(synthetic_yaml(40), "utf-8")
    env = {**os.environ, "FOLLOWUP_CAL_PASSWORD": PASSWORD, "HOME": str(tmp)}
    feed = tmp / "feed.ics"
    subprocess.run(
        [str(BIN / "followup-cal"), "export", str(yaml_path), "-o", str(feed), "--no-state",
         "--today", "2026-11-23"],
        check=True, capture_output=True,
    )  # fmt: skip
    events = feed.read_bytes().count(b"BEGIN:VEVENT")

    ours_url = make_calendar(server.port, "ours").replace(f":{server.port}/", f":{proxy.port}/")
    ours = [str(BIN / "followup-cal"), "sync", str(yaml_path), "--url", ours_url, "--user", USER,
            "--calendar", ours_url, "--today", "2026-11-23"]  # fmt: skip
    first_ours = timed(ours, env, proxy)
    noop_ours = min(timed(ours, env, proxy) for _ in range(5))

    theirs_url = make_calendar(server.port, "theirs").replace(f":{server.port}/", f":{proxy.port}/")
    config = tmp / "vdirsyncer.conf"
    config.write_text(
        f"""[general]
status_path = "{tmp / "vdir-status"}/"

[pair bench]
a = "feed"
b = "radicale"
collections = null
conflict_resolution = "a wins"

[storage feed]
type = "singlefile"
path = "{feed}"

[storage radicale]
type = "caldav"
url = "{theirs_url}"
username = "{USER}"
password = "{PASSWORD}"
"""
    )
    vdir_env = {**env, "VDIRSYNCER_CONFIG": str(config)}
    subprocess.run([str(BIN / "vdirsyncer"), "discover"], env=vdir_env, check=True,
                   capture_output=True, input=b"y\n" * 4)  # fmt: skip
    vdir = [str(BIN / "vdirsyncer"), "sync"]
    first_theirs = timed(vdir, vdir_env, proxy)
    noop_theirs = min(timed(vdir, vdir_env, proxy) for _ in range(5))

    print(
        f"sync of {events} events to Radicale on 127.0.0.1 (wall time, start-up included; "
        "no-op: best of 5)"
    )
    print(f"{'':14}{'followup-cal':>22}{'vdirsyncer':>22}{'ratio':>8}")
    for label, mine, ref in (("first sync", first_ours, first_theirs),
                             ("no-op sync", noop_ours, noop_theirs)):  # fmt: skip
        print(
            f"{label:14}{mine[0]:9.3f} s {mine[1]:5d} req{ref[0]:9.3f} s {ref[1]:5d} req"
            f"{mine[0] / ref[0]:8.2f}"
        )
    print("targets: no-op in 1 request and at most 0.5x vdirsyncer's time; first sync N + 1 "
          "requests and no slower")  # fmt: skip


if __name__ == "__main__":
    main()
