"""`make bench`, the scale run: every command as a whole process at 100 / 1,000 / 10,000
interviews (bench/generate.py), against floors measured in the same run.

Floors, each a whole process too (start Python, import, do the irreducible part):
- parse: pyyaml's C loader reads the file (``yaml.load(..., CSafeLoader)``);
- icalendar: icalendar builds and serialises the same bare events, their texts
  prepared beforehand (what export cannot do without);
- python: ``python -c pass``, for start-up.

Printed per command and size: best CPU time (user + system, steadier than wall time
on a shared machine), its ratio to the floor, the growth factor
from the size before (10x the interviews: linear is about 10x, less while start-up still
dominates), and peak RSS. Figures only: nothing here passes or fails.
Options: ``--sizes 100,1000`` and ``--timeout S`` (a run past it prints ``>S``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-23"
TOOL = [sys.executable, "-m", "followup_cal"]
PARSE_FLOOR = "import sys, yaml; yaml.load(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)"


@dataclass
class Run:
    seconds: float | None  # None: past the timeout
    rss_mb: float


def run_once(command: list[str], timeout: float, cwd: str) -> Run:
    """CPU time and peak RSS (from wait4) of one process; None past ``timeout`` (wall)."""
    # stderr to a file, not a pipe: thousands of warnings would fill a pipe and stall it.
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, env=ENV)
        deadline = time.perf_counter() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return Run(None, 0.0)
            time.sleep(0.002)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 4):  # 4: --strict warnings, not used here
            err.seek(0)
            raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {err.read()!r}")
    # CPU time (user + system), not wall time: on a shared machine it is what the
    # command itself costs, whatever else is running.
    return Run(usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


# As a user runs it: byte-compiled modules are kept (a shell may say otherwise).
ENV = {**os.environ, "TZ": "UTC"}
ENV.pop("PYTHONDONTWRITEBYTECODE", None)


def best(command: list[str], repeat: int, timeout: float, cwd: str, before=None) -> Run:
    runs = []
    for _ in range(repeat):
        if before:
            before()
        run = run_once(command, timeout, cwd)
        runs.append(run)
        if run.seconds is None:
            break
    done = [r for r in runs if r.seconds is not None]
    if not done:
        return runs[0]
    return Run(min(r.seconds for r in done), max(r.rss_mb for r in done))


def commands(folder: Path) -> list[tuple[str, list[str], str, str]]:
    """(name, command, floor, what to restore before each run)."""
    f = str(folder / "search.yaml")
    t = ["--today", TODAY]
    floor_ical = [sys.executable, str(ROOT / "bench/ical_floor.py"), str(folder / "events.pickle")]
    return [
        ("floor: python -c pass", [sys.executable, "-c", "pass"], "", ""),
        ("floor: parse (C loader)", [sys.executable, "-c", PARSE_FLOOR, f], "", ""),
        ("floor: icalendar", floor_ical, "", ""),
        ("--version", [*TOOL, "--version"], "python", ""),
        ("--help", [*TOOL, "--help"], "python", ""),
        ("validate", [*TOOL, "validate", f, *t], "parse", ""),
        ("plan", [*TOOL, "plan", f, *t], "parse", ""),
        ("plan --html", [*TOOL, "plan", f, *t, "--html", str(folder / "t.html")], "parse", ""),
        ("agenda", [*TOOL, "agenda", f, *t], "parse", ""),
        ("draft", [*TOOL, "draft", "job-7", "-f", f, *t], "parse", ""),
        ("export", [*TOOL, "export", f, "-o", str(folder / "o.ics"), *t], "icalendar", "cold"),
        (
            "export after 1 edit",
            [*TOOL, "export", f, "-o", str(folder / "o.ics"), *t],
            "icalendar",
            "toggle",
        ),
        ("done", [*TOOL, "done", "job-3", "follow_up", "-f", f, *t], "parse", "restore"),
        ("reply", [*TOOL, "reply", "job-3", "--on", TODAY, "-f", f, *t], "parse", "restore"),
        (
            "outcome",
            [*TOOL, "outcome", "job-3", "offer", "--replace", "--on", TODAY, "-f", f, *t],
            "parse",
            "restore",
        ),
        (
            "add-round",
            [*TOOL, "add-round", "job-3", "--start", "2028-06-01 10:00", "--interviewer",
             "Kim Bell <kim@example.com>", "--talked-about", "the team", "--no-prompt",
             "-f", f],
            "parse",
            "restore",
        ),
        (
            "add",
            [*TOOL, "add", "--company", "Zeta", "--role", "Engineer", "--start",
             "2026-11-20 10:00", "--interviewer", "Ann Oak <ann@example.com>",
             "--talked-about", "the product", "--no-prompt", "-f", f],
            "parse",
            "restore",
        ),
    ]  # fmt: skip


def measure(size: int, repeat: int, timeout: float) -> dict[str, Run]:
    folder = Path(tempfile.mkdtemp(prefix=f"followup-bench-{size}-"))
    ENV["XDG_CACHE_HOME"] = str(folder / "cache")
    try:
        # Made and edited by other processes or in passing: a child's peak RSS counts
        # the parent it was forked from, so this process holds no large text.
        original = folder / "original.yaml"
        with original.open("w") as out:
            generate = [sys.executable, str(ROOT / "bench/generate.py"), str(size)]
            subprocess.run(generate, stdout=out, check=True)
        search = folder / "search.yaml"
        shutil.copy(original, search)
        prepare = [sys.executable, str(ROOT / "bench/ical_floor.py"), "--prepare", str(search)]
        subprocess.run([*prepare, str(folder / "events.pickle"), TODAY], check=True, env=ENV)
        flip = [False]

        def restore() -> None:
            shutil.copy(original, search)

        def cold() -> None:
            # No cache from an earlier export: the full build.
            shutil.rmtree(folder / "cache", ignore_errors=True)

        def toggle() -> None:
            # One interview's pitch changes between runs; the export before this one
            # saw the other wording.
            flip[0] = not flip[0]
            word = "dependable" if flip[0] else "reliable"
            head = "job-5\n    company: Company 5\n    role: Engineer\n    pitch: shipping"
            search.write_text(original.read_text().replace(f"{head} reliable", f"{head} {word}"))

        results: dict[str, Run] = {}
        for name, command, _floor, setup in commands(folder):
            hooks = {"restore": restore, "toggle": toggle, "cold": cold, "": None}
            if setup == "toggle":
                restore()
                run_once([*TOOL, "export", str(search), "-o", str(folder / "o.ics"),
                          "--today", TODAY], max(timeout, 600), str(folder))  # fmt: skip
            results[name] = best(command, repeat, timeout, str(folder), hooks[setup])
            restore()
            print(f"  {size:>6} {name:<24} {fmt_run(results[name])}", file=sys.stderr)
        return results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fmt_run(run: Run) -> str:
    return "timeout" if run.seconds is None else f"{run.seconds:.3f} s {run.rss_mb:.0f} MB"


FLOORS = {
    "python": "floor: python -c pass",
    "parse": "floor: parse (C loader)",
    "icalendar": "floor: icalendar",
}


def table(sizes: list[int], results: dict[int, dict[str, Run]], timeout: float) -> str:
    names = [(name, floor) for name, _c, floor, _s in commands(Path())]
    head = f"{'command':<22} {'floor':<9}"
    for n, size in enumerate(sizes):
        head += f" | {size:>6}: {'s':>7} {'xfloor':>6} {'MB':>4}"
        if n:
            head += f" {'grow':>5}"
    lines = [head, "-" * len(head)]
    for name, floor in names:
        row = f"{name:<22} {floor:<9}"
        previous = None
        for n, size in enumerate(sizes):
            run = results[size][name]
            base = results[size][FLOORS[floor]].seconds if floor else None
            if run.seconds is None:
                cell = f"{'>' + format(timeout, '.0f'):>7} {'':>6} {'':>4}"
            else:
                ratio = f"{run.seconds / base:6.2f}" if base else f"{'':>6}"
                cell = f"{run.seconds:7.3f} {ratio} {run.rss_mb:4.0f}"
            row += f" | {'':>6}  {cell}"
            if n:
                grow = (
                    f"{run.seconds / previous:5.1f}"
                    if run.seconds is not None and previous
                    else f"{'':>5}"
                )
                row += f" {grow}"
            previous = run.seconds
        lines.append(row)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure below 10,000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    for size in sizes:
        print(f"measuring {size} interviews ...", file=sys.stderr)
        results[size] = measure(size, args.repeat if size < 10000 else 1, args.timeout)
    print(f"\nScale run (best of {args.repeat}, one run at 10,000; CPU seconds, x floor, MB peak")
    print("RSS, growth from the size before; floors measured in this run)")
    print(table(sizes, results, args.timeout))


if __name__ == "__main__":
    main()
