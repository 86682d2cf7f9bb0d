"""`make bench`: every command as a whole process at 500 / 2,000 / 10,000 interviews
(bench/generate.py), against floors measured in the same run, and a cold start.

Floors, each a whole process too (start Python, import, do the irreducible part):
- parse: PyYAML's C loader reads the file (``yaml.load(..., CSafeLoader)``);
- icalendar: icalendar builds and serialises the same bare events, their texts
  prepared beforehand (what export cannot do without);
- python: ``python -c pass``, for start-up.

Printed per command and size: wall and CPU seconds (user + system of the child, from
wait4: steadier than wall time on a shared machine), the CPU ratio to the floor, the
growth of CPU time from the size before, and peak RSS; then the goals at the largest
size and whether each is met, and the cold start (``export examples/interviews.yaml``,
median of 7 after one warm-up).

``--save-baseline`` (``make bench-baseline``) keeps these figures in bench/baseline.json;
every run says which figure moved by more than 10 % from the kept one, and which way.
Options: ``--sizes 500,2000``, ``--repeat N`` (below 10,000; one run at 10,000),
``--timeout S`` (a run past it prints ``>S``), ``--all`` (every other command too).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "bench" / "baseline.json"
TODAY = "2026-11-23"
TOOL = [sys.executable, "-m", "followup_cal"]
PARSE_FLOOR = "import sys, yaml; yaml.load(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)"
MOVED = 0.10  # a figure further than this from the baseline is reported


@dataclass
class Run:
    cpu: float | None  # None: past the timeout
    wall: float
    rss_mb: float


# As a user runs it: byte-compiled modules are kept (a shell may say otherwise).
ENV = {**os.environ, "TZ": "UTC"}
ENV.pop("PYTHONDONTWRITEBYTECODE", None)


def run_once(command: list[str], timeout: float, cwd: str) -> Run:
    """CPU time, wall time and peak RSS (from wait4) of one process."""
    # stderr to a file, not a pipe: thousands of warnings would fill a pipe and stall it.
    with tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, env=ENV)
        deadline = began + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return Run(None, timeout, 0.0)
            time.sleep(0.002)
        wall = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 4):  # 4: --strict warnings, not used here
            err.seek(0)
            raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {err.read()!r}")
    return Run(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024)


def best(command: list[str], repeat: int, timeout: float, cwd: str, before=None) -> Run:
    """The least CPU and the least wall time of ``repeat`` runs, the most RSS."""
    runs = []
    for _ in range(repeat):
        if before:
            before()
        run = run_once(command, timeout, cwd)
        runs.append(run)
        if run.cpu is None:
            break
    done = [r for r in runs if r.cpu is not None]
    if not done:
        return runs[0]
    return Run(
        min(r.cpu for r in done if r.cpu is not None),
        min(r.wall for r in done),
        max(r.rss_mb for r in done),
    )


# The commands issue 33 measures; --all adds the others.
MAIN = ("validate", "plan", "plan --html", "agenda", "export", "done")


def commands(folder: Path, every: bool = True) -> list[tuple[str, list[str], str, str]]:
    """(name, command, floor, what to restore before each run)."""
    f = str(folder / "search.yaml")
    t = ["--today", TODAY]
    floor_ical = [sys.executable, str(ROOT / "bench/ical_floor.py"), str(folder / "events.pickle")]
    found = [
        ("floor: python -c pass", [sys.executable, "-c", "pass"], "", ""),
        ("floor: parse (C loader)", [sys.executable, "-c", PARSE_FLOOR, f], "", ""),
        ("floor: icalendar", floor_ical, "", ""),
        ("validate", [*TOOL, "validate", f, *t], "parse", ""),
        ("plan", [*TOOL, "plan", f, *t], "parse", ""),
        ("plan --html", [*TOOL, "plan", f, *t, "--html", str(folder / "t.html")], "parse", ""),
        ("agenda", [*TOOL, "agenda", f, *t], "parse", ""),
        ("export", [*TOOL, "export", f, "-o", str(folder / "o.ics"), *t], "icalendar", "cold"),
        ("done", [*TOOL, "done", "job-3", "follow_up-1", "-f", f, *t], "parse", "restore"),
        ("--version", [*TOOL, "--version"], "python", ""),
        ("--help", [*TOOL, "--help"], "python", ""),
        ("draft", [*TOOL, "draft", "job-7", "-f", f, *t], "parse", ""),
        (
            "export after 1 edit",
            [*TOOL, "export", f, "-o", str(folder / "o.ics"), *t],
            "icalendar",
            "toggle",
        ),
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
    return [c for c in found if every or c[0] in MAIN or c[0].startswith("floor")]


def measure(size: int, repeat: int, timeout: float, every: bool) -> dict[str, Run]:
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
        for name, command, _floor, setup in commands(folder, every):
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
    if run.cpu is None:
        return "timeout"
    return f"{run.cpu:.3f} s CPU, {run.wall:.3f} s wall, {run.rss_mb:.0f} MB"


FLOORS = {
    "python": "floor: python -c pass",
    "parse": "floor: parse (C loader)",
    "icalendar": "floor: icalendar",
}


def figures(sizes: list[int], results: dict[int, dict[str, Run]], every: bool) -> dict:
    """Per size and command: cpu, wall, ratio (CPU to its floor's), growth, rss."""
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    previous: dict[str, float | None] = {}
    for size in sizes:
        row = out[str(size)] = {}
        for name, _c, floor, _s in commands(Path(), every):
            run = results[size][name]
            base = results[size][FLOORS[floor]].cpu if floor else None
            before = previous.get(name)
            row[name] = {
                "cpu": run.cpu,
                "wall": run.wall,
                "ratio": run.cpu / base if run.cpu is not None and base else None,
                "growth": run.cpu / before if run.cpu is not None and before else None,
                "rss": run.rss_mb,
            }
            previous[name] = run.cpu
    return out


def table(sizes: list[int], figs: dict, timeout: float, every: bool) -> str:
    head = f"{'command':<23} {'size':>6} {'CPU s':>8} {'wall s':>8} {'x floor':>8} "
    head += f"{'growth':>7} {'MB':>5}"
    lines = [head, "-" * len(head)]
    for name, _c, floor, _s in commands(Path(), every):
        for size in sizes:
            f = figs[str(size)][name]
            label = f"{name} ({floor})" if floor else name
            if f["cpu"] is None:
                lines.append(f"{label:<23} {size:>6} {'>' + format(timeout, '.0f'):>8}")
                continue
            ratio = f"{f['ratio']:8.2f}" if f["ratio"] else f"{'':>8}"
            growth = f"{f['growth']:7.1f}" if f["growth"] else f"{'':>7}"
            lines.append(
                f"{label:<23} {size:>6} {f['cpu']:8.3f} {f['wall']:8.3f} {ratio} {growth} "
                f"{f['rss']:5.0f}"
            )
    return "\n".join(lines)


# At the largest size: (command, the most it may be, what of it).
GOALS = [
    ("validate", 2.0, "ratio"),
    ("plan", 2.0, "ratio"),
    ("plan --html", 2.0, "ratio"),
    ("done", 1.5, "ratio"),
    ("export", 1.1, "ratio"),
    *[(name, 300.0, "rss") for name in MAIN],
]


def goals(size: int, figs: dict) -> list[str]:
    lines = []
    for name, most, what in GOALS:
        value = figs[str(size)][name][what]
        unit = "x its floor" if what == "ratio" else "MB peak RSS"
        verdict = "no figure" if value is None else "met" if value <= most else "MISSED"
        shown = "-" if value is None else f"{value:.2f}" if what == "ratio" else f"{value:.0f}"
        lines.append(f"  {name:<12} {unit:<12} {shown:>6} (goal <= {most:g}): {verdict}")
    return lines


COLD = ["export", "examples/interviews.yaml", "-o", "{out}", "--no-state", "--today", TODAY]


def cold_start(runs: int = 7) -> dict[str, float]:
    """`followup-cal export examples/interviews.yaml`: median wall and CPU of ``runs``
    after one warm-up (which byte-compiles and fills the holidays cache)."""
    with tempfile.TemporaryDirectory() as tmp:
        ENV["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        command = [*TOOL, *(a.format(out=Path(tmp) / "f.ics") for a in COLD)]
        run_once(command, 60, str(ROOT))
        measured = [run_once(command, 60, str(ROOT)) for _ in range(runs)]
        python = [run_once([sys.executable, "-c", "pass"], 60, str(ROOT)) for _ in range(runs)]
    return {
        "wall": statistics.median(r.wall for r in measured),
        "cpu": statistics.median(r.cpu or 0.0 for r in measured),
        "python_wall": statistics.median(r.wall for r in python),
        "python_cpu": statistics.median(r.cpu or 0.0 for r in python),
    }


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = f", load {os.getloadavg()[0]:.1f}"
    return (
        f"{os.cpu_count()} cores {model}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}{load}"
    )


def commit() -> str:
    out = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return out.stdout.strip() or "unknown"


def moved(now: dict, kept: dict) -> list[str]:
    """Each figure more than 10 % away from the kept one, and which way (less is better
    for every figure here). Wall time is left out: on a shared machine it says more
    about the others' load than about the code."""
    lines = []
    for size, row in now["figures"].items():
        for name, figs in row.items():
            old_row = kept.get("figures", {}).get(size, {}).get(name, {})
            for what in ("cpu", "ratio", "rss"):
                new, old = figs.get(what), old_row.get(what)
                if new is None or not old:
                    continue
                change = new / old - 1
                if abs(change) > MOVED:
                    way = "better" if change < 0 else "WORSE"
                    lines.append(
                        f"  {name} at {int(size):,} {what}: {old:.3f} -> {new:.3f} "
                        f"({change:+.0%}, {way})"
                    )
    new, old = now["cold_start"]["cpu"], kept.get("cold_start", {}).get("cpu")
    if old and abs(new / old - 1) > MOVED:
        way = "better" if new < old else "WORSE"
        lines.append(f"  cold start cpu: {old:.3f} -> {new:.3f} ({new / old - 1:+.0%}, {way})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,10000")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure below 10,000")
    parser.add_argument("--all", action="store_true", help="every other command too")
    parser.add_argument(
        "--save-baseline", action="store_true", help=f"keep these figures in {BASELINE.name}"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    for size in sizes:
        print(f"measuring {size} interviews ...", file=sys.stderr)
        results[size] = measure(size, args.repeat if size < 10000 else 1, args.timeout, args.all)
    cold = cold_start()
    now = {
        "date": date.today().isoformat(),
        "commit": commit(),
        "machine": machine(),
        "figures": figures(sizes, results, args.all),
        "cold_start": cold,
    }
    print(f"\nScale run, commit {now['commit']}, {now['date']}, {now['machine']}")
    print(f"(best of {args.repeat} below 10,000, one run at 10,000; CPU is user + system of")
    print("the command's process; x floor is CPU over the floor's CPU in this run; growth is")
    print("CPU over the size before; MB is peak RSS)")
    print(table(sizes, now["figures"], args.timeout, args.all))
    print(f"\nGoals at {max(sizes):,} interviews:")
    print("\n".join(goals(max(sizes), now["figures"])))
    print(
        f"\nCold start, export examples/interviews.yaml (median of 7 after a warm-up): "
        f"{cold['wall']:.3f} s wall (goal <= 0.25: "
        f"{'met' if cold['wall'] <= 0.25 else 'MISSED'}), {cold['cpu']:.3f} s CPU; "
        f"python -c pass {cold['python_wall']:.3f} s wall, {cold['python_cpu']:.3f} s CPU"
    )
    if BASELINE.exists():
        kept = json.loads(BASELINE.read_text("utf-8"))
        changes = moved(now, kept)
        where = f"{BASELINE.relative_to(ROOT)} (commit {kept.get('commit')}, {kept.get('date')})"
        if changes:
            print(f"\nMoved more than {MOVED:.0%} from {where}:")
            print("\n".join(changes))
        else:
            print(f"\nNo figure moved more than {MOVED:.0%} from {where}.")
    else:
        print(f"\nNo baseline yet: `make bench-baseline` keeps one in {BASELINE.name}.")
    if args.save_baseline:
        BASELINE.write_text(json.dumps(now, indent=1) + "\n", "utf-8")
        print(f"kept these figures in {BASELINE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
