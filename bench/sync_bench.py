"""Sync of about 500 events: followup-cal side by side with vdirsyncer, in the same run.

One Radicale on 127.0.0.1, started here. Both tools run as commands from the shell
(start-up and caldav's import included) and talk to it through bench/counting_proxy.py,
which counts the requests and the bytes each one read: the figures do not come from
the tool measured. Each scenario gives both tools calendars of their own, made the same:
- first sync of the events into an empty calendar;
- no-op: the same sync again, nothing changed (best of 5, the two tools taking turns);
- foreign-heavy no-op: the calendar also holds 2,000 events that neither tool made;
- first sync with 50 ms added to every request at the proxy (a server not on localhost).
vdirsyncer syncs the same events, exported by followup-cal, from a folder of one .ics per
event (its own `filesystem` storage); `vdirsyncer discover` runs before, untimed.
Printed figures, not a test; each of the sync goals is printed with whether it is met.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from caldav_servers import PASSWORD, USER, start_radicale  # noqa: E402
from counting_proxy import CountingProxy, Counts  # noqa: E402
from generate import synthetic_yaml  # noqa: E402

BIN = Path(sys.executable).parent
TODAY = "2026-11-23"
INTERVIEWS = 33  # about 500 follow-ups
FOREIGN = 2000
LATENCY = 0.05
NOOP_RUNS = 5


@dataclass
class Run:
    seconds: float
    counts: Counts
    server_cpu: float  # the server's CPU seconds during the run
    client_cpu: float  # the command's own CPU seconds (user and system)


def server_request(port: int, method: str, path: str, body: str = "") -> int:
    """Straight to Radicale, not through the proxy: setting up is not measured."""
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Basic {token}", "Content-Type": "text/calendar; charset=utf-8"}
    connection.request(method, path, body.encode(), headers)
    status = connection.getresponse().status
    connection.close()
    return status


def foreign_calendar(count: int) -> str:
    """Events someone else made: a shared team calendar, a few lines of text each."""
    events = "".join(
        "BEGIN:VEVENT\r\n"
        f"UID:team-{n:05d}@calendar.example.org\r\n"
        "DTSTAMP:20261101T090000Z\r\n"
        f"DTSTART:2026{1 + n % 12:02d}{1 + n % 28:02d}T{8 + n % 9:02d}0000Z\r\n"
        "DURATION:PT45M\r\n"
        f"SUMMARY:Team meeting {n}\r\n"
        "LOCATION:Room 4\r\n"
        "DESCRIPTION:Agenda: status of each project\\, open questions\\, next steps.\r\n"
        "END:VEVENT\r\n"
        for n in range(count)
    )
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//team calendar//EN\r\n"
        f"{events}END:VCALENDAR\r\n"
    )


def own_zones_only(text: str) -> str:
    """The item without the VTIMEZONEs its event does not use: split_collection gives
    each item every zone of the feed, and followup-cal sends only the event's own, so
    both tools send the server bodies of the same size."""
    import icalendar

    calendar = icalendar.Calendar.from_ical(text)
    used = set(re.findall(r";TZID=([^:;]+)", text))
    calendar.subcomponents = [
        part
        for part in calendar.subcomponents
        if part.name != "VTIMEZONE" or str(part.get("TZID")) in used
    ]
    return calendar.to_ical().decode("utf-8")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Bench:
    def __init__(self, tmp: Path, server_port: int, proxy: CountingProxy, server_pid: int) -> None:
        self.tmp = tmp
        self.server_port = server_port
        self.server_pid = server_pid
        self.proxy = proxy
        self.env = {**os.environ, "FOLLOWUP_CAL_PASSWORD": PASSWORD, "HOME": str(tmp)}
        self.yaml = synthetic_yaml(INTERVIEWS)
        self.items = tmp / "items"  # one .ics per event, as vdirsyncer's filesystem storage keeps
        self.vdir_config = tmp / "vdirsyncer.conf"
        self.vdir_config.write_text(f'[general]\nstatus_path = "{tmp / "vdir-status"}/"\n')
        self.events = self.export_items()

    def export_items(self) -> int:
        from vdirsyncer.vobject import split_collection

        source = self.tmp / "export.yaml"
        source.write_text(self.yaml, "utf-8")
        feed = self.tmp / "feed.ics"
        command = [str(BIN / "followup-cal"), "export", str(source), "-o", str(feed),
                   "--no-state", "--today", TODAY]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, env=self.env)
        self.items.mkdir()
        texts = list(split_collection(feed.read_text("utf-8")))
        for n, text in enumerate(texts):
            (self.items / f"{n:04d}.ics").write_text(own_zones_only(text), "utf-8")
        return len(texts)

    def calendar(self, name: str, foreign: int = 0) -> str:
        """A new calendar on the server, with `foreign` events of someone else's in it."""
        path = f"/{USER}/{name}/"
        if foreign:
            status = server_request(self.server_port, "PUT", path, foreign_calendar(foreign))
        else:
            status = server_request(self.server_port, "MKCALENDAR", path)
        if status not in (200, 201):
            raise SystemExit(f"could not make calendar {name}: HTTP {status}")
        return f"http://127.0.0.1:{self.proxy.port}{path}"

    def ours(self, name: str, url: str) -> list[str]:
        folder = self.tmp / name
        folder.mkdir()
        (folder / "interviews.yaml").write_text(self.yaml, "utf-8")
        return [str(BIN / "followup-cal"), "sync", str(folder / "interviews.yaml"), "--url", url,
                "--user", USER, "--calendar", url, "--today", TODAY]  # fmt: skip

    def theirs(self, name: str, url: str) -> list[str]:
        folder = self.tmp / f"vdir-{name}"
        shutil.copytree(self.items, folder)
        with self.vdir_config.open("a") as config:
            config.write(
                f'\n[pair {name}]\na = "{name}_local"\nb = "{name}_remote"\n'
                'collections = null\nconflict_resolution = "a wins"\n'
                f'\n[storage {name}_local]\ntype = "filesystem"\npath = "{folder}/"\n'
                'fileext = ".ics"\n'
                f'\n[storage {name}_remote]\ntype = "caldav"\nurl = "{url}"\n'
                f'username = "{USER}"\npassword = "{PASSWORD}"\n'
            )
        self.run([str(BIN / "vdirsyncer"), "discover", name])
        return [str(BIN / "vdirsyncer"), "sync", name]

    def run(self, command: list[str]) -> Run:
        env = {**self.env, "VDIRSYNCER_CONFIG": str(self.vdir_config)}
        self.proxy.reset()
        server_began = cpu_seconds(self.server_pid)
        client_began = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - began
        client_ended = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_cpu = cpu_seconds(self.server_pid) - server_began
        client_cpu = sum(
            getattr(client_ended, name) - getattr(client_began, name)
            for name in ("ru_utime", "ru_stime")
        )
        counts = self.proxy.reset()
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command[:2])} failed:\n{done.stdout}{done.stderr}")
        return Run(seconds, counts, server_cpu, client_cpu)

    def pair(self, name: str, foreign: int = 0) -> tuple[list[str], list[str]]:
        return (
            self.ours(f"{name}-ours", self.calendar(f"{name}-ours", foreign)),
            self.theirs(name, self.calendar(f"{name}-theirs", foreign)),
        )


def best(runs: list[Run]) -> Run:
    return min(runs, key=lambda run: run.seconds)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        server = start_radicale(tmp / "radicale")
        proxy = CountingProxy(server.port).start()
        try:
            report(Bench(tmp, server.port, proxy, server.process.pid))
        finally:
            proxy.stop()
            server.stop()


def report(bench: Bench) -> None:
    ours, theirs = bench.pair("plain")
    first = (bench.run(ours), bench.run(theirs))
    turns = [(bench.run(ours), bench.run(theirs)) for _ in range(NOOP_RUNS)]
    noop = (best([t[0] for t in turns]), best([t[1] for t in turns]))

    ours, theirs = bench.pair("shared", FOREIGN)
    bench.run(ours), bench.run(theirs)  # the first sync, not measured here
    turns = [(bench.run(ours), bench.run(theirs)) for _ in range(NOOP_RUNS)]
    shared = (best([t[0] for t in turns]), best([t[1] for t in turns]))

    ours, theirs = bench.pair("far")
    bench.proxy.delay = LATENCY
    far = (bench.run(ours), bench.run(theirs))
    bench.proxy.delay = 0.0

    print(
        f"sync of {bench.events} events to Radicale on 127.0.0.1: wall time of the command "
        "(start-up and imports included),\nrequests and bytes read counted at a proxy in "
        f"the bench; no-ops best of {NOOP_RUNS}, first syncs one run"
    )
    print(f"{'':22}{'followup-cal':>27}  {'vdirsyncer':>27}  {'ratio':>6}  {'goal':<17}met")
    rows = (
        ("first sync", first, 0.5, False),
        ("no-op sync", noop, 0.8, True),
        (f"no-op, {FOREIGN:,} foreign", shared, 0.2, False),
        (f"first, +{LATENCY * 1000:.0f} ms/request", far, 0.25, False),
    )
    missed = 0
    for label, (mine, ref), goal, one_request in rows:
        ratio = mine.seconds / ref.seconds
        met = ratio <= goal and (not one_request or mine.counts.requests == 1)
        missed += not met
        wanted = f"{'1 req, ' if one_request else ''}<= {goal}x"
        print(
            f"{label:22}{figures(mine)}  {figures(ref)}  {ratio:5.2f}x  {wanted:<17}"
            f"{'yes' if met else 'MISSED'}"
        )
    print(f"sync goals: {len(rows) - missed} of {len(rows)} met")
    print(
        "CPU seconds of each first sync: Radicale's (one process, one write at a time: on a "
        "free core, the least\nwall time a run can take) and the command's own:"
    )
    for label, (mine, ref), _goal, _one in (rows[0], rows[3]):
        per_write = mine.server_cpu / max(mine.counts.requests - 1, 1) * 1000
        print(
            f"  {label:22} Radicale {mine.server_cpu:5.2f} s for ours ({per_write:4.1f} ms a "
            f"write), {ref.server_cpu:5.2f} s for vdirsyncer's; followup-cal "
            f"{mine.client_cpu:4.2f} s, vdirsyncer {ref.client_cpu:4.2f} s"
        )
    print("and of each no-op (the best run): what the server spends on it, what the command does")
    for label, (mine, ref), _goal, _one in (rows[1], rows[2]):
        print(
            f"  {label:22} Radicale {mine.server_cpu:5.2f} s for ours, {ref.server_cpu:5.2f} s "
            f"for vdirsyncer's; followup-cal {mine.client_cpu:4.2f} s, vdirsyncer "
            f"{ref.client_cpu:4.2f} s"
        )


def figures(run: Run) -> str:
    kilobytes = run.counts.bytes_read / 1024
    return f"{run.seconds:6.2f} s {run.counts.requests:5d} req {kilobytes:6.0f} KB"


if __name__ == "__main__":
    main()
