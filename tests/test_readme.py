"""Every shell block of the README and of the manual (docs/*.md), run as a new user would
paste it (as doctest runs examples).

A block fenced as `sh`, `bash` or `shell` runs as one bash script (`-e -o pipefail`). A
`console` or untagged block whose first line starts with `$ ` is a transcript: each `$`
command runs and its output must be the lines shown under it. Each block runs in a fresh
folder holding a copy of `examples/`, with the tool installed from its wheel on PATH,
a home folder of its own and git set up as a user's is. A block that cannot run here is
preceded by `<!-- readme: skip REASON -->` and reported as skipped with that reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from dataclasses import dataclass

import pytest
from conftest import ROOT, user_env

README = ROOT / "README.md"
# The README and every page of the manual.
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<indent> *)```(?P<info>[\w-]*)\s*$")
SKIP = re.compile(r"<!-- readme: skip (?P<reason>.+?) -->")
SCRIPT_TAGS = {"sh", "bash", "shell"}


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    info: str
    text: str
    skip: str | None

    @property
    def is_transcript(self) -> bool:
        return self.info in {"", "console"} and self.text.startswith("$ ")


def readme_blocks(text: str) -> list[Block]:
    lines = text.splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = index + 1
        while not re.fullmatch(rf"{opening['indent']}```\s*", lines[end]):
            end += 1
        before = next((s for s in reversed(lines[:index]) if s.strip()), "")
        marked = SKIP.search(before)
        body = textwrap.dedent("\n".join(lines[index + 1 : end])) + "\n"
        blocks.append(Block(index + 1, opening["info"], body, marked and marked["reason"]))
        index = end + 1
    return blocks


def runnable(blocks: list[Block]) -> list[Block]:
    return [b for b in blocks if b.info in SCRIPT_TAGS or b.is_transcript]


def transcript(text: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs; a command may continue over lines ending in `\\`."""
    pairs: list[tuple[str, list[str]]] = []
    lines = text.splitlines()
    while lines:
        line = lines.pop(0)
        if line.startswith("$ "):
            command = line[2:]
            while command.endswith("\\") and lines:
                command += "\n" + lines.pop(0)
            pairs.append((command, []))
        else:
            pairs[-1][1].append(line)
    return [(command, "\n".join(out).strip("\n")) for command, out in pairs]


@pytest.fixture
def shell(installed_bin, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples", work / "examples")
    env = user_env(home, installed_bin)
    # A user's git knows who they are; the runner's fresh home does not.
    env.update(
        GIT_AUTHOR_NAME="Alex Morgan",
        GIT_AUTHOR_EMAIL="alex@example.org",
        GIT_COMMITTER_NAME="Alex Morgan",
        GIT_COMMITTER_EMAIL="alex@example.org",
    )

    def run(script: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", script],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


BLOCKS = [
    (page.relative_to(ROOT).as_posix(), block)
    for page in PAGES
    for block in runnable(readme_blocks(page.read_text("utf-8")))
]


@pytest.mark.parametrize(("page", "block"), BLOCKS, ids=[f"{p}:{b.line}" for p, b in BLOCKS])
def test_readme_block_runs_as_shown(page, block, shell):
    where = f"{page}:{block.line}"
    if block.skip:
        pytest.skip(f"{where}: {block.skip}")
    if not block.is_transcript:
        done = shell(block.text)
        assert done.returncode == 0, f"{where}: exit {done.returncode}\n{done.stderr}"
        return
    for command, expected in transcript(block.text):
        done = shell(command + " 2>&1")
        assert done.returncode == 0, f"{where}: {command}\n{done.stdout}"
        shown = "\n".join(line.rstrip() for line in done.stdout.strip("\n").splitlines())
        assert shown == expected, f"{where}: {command}"


SAMPLE = """\
intro
<!-- readme: skip needs a server -->
```sh
followup-cal sync
```
  ```sh
  echo indented
  ```
```
$ echo hi \\
    there
hi there
$ true
```
```yaml
a: 1
```
"""


def test_runner_finds_marks_and_dedents_blocks():
    blocks = readme_blocks(SAMPLE)
    assert [(b.line, b.info, b.skip) for b in blocks] == [
        (3, "sh", "needs a server"),
        (6, "sh", None),
        (9, "", None),
        (15, "yaml", None),
    ]
    assert blocks[1].text == "echo indented\n"
    assert [b.line for b in runnable(blocks)] == [3, 6, 9]
    assert transcript(blocks[2].text) == [("echo hi \\\n    there", "hi there"), ("true", "")]


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_every_shell_block_of_the_readme_is_run_or_skipped_with_a_reason(page):
    blocks = readme_blocks(page.read_text("utf-8"))
    shell_like = [b for b in blocks if b.info in SCRIPT_TAGS or b.text.startswith("$ ")]
    assert shell_like == runnable(blocks)


def test_the_readme_runs_blocks_of_its_own():
    assert any(not b.skip for b in runnable(readme_blocks(README.read_text("utf-8"))))
