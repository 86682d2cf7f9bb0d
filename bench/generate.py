"""A generated job search of N interviews, as a coach following many candidates keeps it.

Each interview has 1-4 rounds with 1-4 interviewers, some in another time zone; some have
a network, a decision date, a reply, an outcome and `done:` entries; comments and blank
lines sit between interviews, as in a hand-kept file. Seeded: the same N gives the same
text. Run as a script to write a file: ``python bench/generate.py 1000 > big.yaml``.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta

ZONES = ("Europe/Berlin", "Europe/London", "America/Los_Angeles", "Asia/Tokyo")
TOPICS = (
    "the roadmap for next year",
    "how the team runs on-call",
    "the move from a monolith to services",
    "their customer dashboard",
)


def synthetic_yaml(count: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    lines = [
        "# A generated search for the scale benchmark.",
        "me:",
        "  name: Bench Person",
        "  email: bench@example.org",
        "  timezone: America/New_York",
        "  country: US",
        "",
        "interviews:",
    ]
    first = datetime(2026, 1, 5, 9, 0)
    for n in range(count):
        start = first + timedelta(days=rng.randrange(0, 600), hours=rng.randrange(0, 8))
        if n % 10 == 0:
            lines.append(f"  # Candidate batch {n // 10}")
        lines += [
            f"  - id: job-{n}",
            f"    company: Company {n}",
            "    role: Engineer",
            "    pitch: shipping reliable services",
            "    rounds:",
        ]
        people: list[str] = []
        rounds = rng.randrange(1, 5)
        for r in range(rounds):
            when = start + timedelta(days=7 * r)
            lines.append(f"      - start: {when:%Y-%m-%d %H:%M}")
            if rng.random() < 0.2:
                lines.append(f"        timezone: {rng.choice(ZONES)}")
            lines.append("        interviewers:")
            for p in range(rng.randrange(1, 5)):
                name = f"Person {n} {r} {p}"
                people.append(name)
                lines += [
                    f"          - name: {name}",
                    f"            email: p{n}.{r}.{p}@example.com",
                    f"            talked_about: {rng.choice(TOPICS)}",
                ]
        last = start + timedelta(days=7 * (rounds - 1))
        if rng.random() < 0.3:
            lines.append(f"    network: [{people[0]}]")
        if rng.random() < 0.3:
            lines.append(f"    decision_expected: {last + timedelta(days=20):%Y-%m-%d}")
        if rng.random() < 0.15:
            lines.append(f"    heard_back: {last + timedelta(days=9):%Y-%m-%d}")
        if rng.random() < 0.2:
            result = rng.choice(("rejected", "rejected", "offer", "withdrawn"))
            on = last + timedelta(days=12)
            lines += ["    outcome:", f"      result: {result}", f"      date: {on:%Y-%m-%d}"]
        if rng.random() < 0.6:
            lines.append("    done:")
            round_key = ", round: 1" if rounds > 1 else ""
            lines.append(f"      - {{step: debrief{round_key}, date: {start:%Y-%m-%d}}}")
            lines.append(
                f"      - {{step: thank_you{round_key}, to: {people[0]}, date: {start:%Y-%m-%d}}}"
            )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(synthetic_yaml(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
