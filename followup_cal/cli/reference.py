"""docs/cli.md: every command's --help, generated from the click commands themselves.

`make docs` writes it; tests/test_terminal.py fails when it is out of date, so the
reference cannot drift from the tool.
"""

from __future__ import annotations

import sys

import click

from followup_cal.cli.base import cli

WIDTH = 88  # fixed, so the page does not depend on the terminal it was made in

HEADER = """\
# followup-cal command reference

Generated from the commands' own help by `make docs`; a test keeps it in step with the
tool. Every command also takes `-h`/`--help`, `-v` and `--color`.
"""


def _help(command: click.Command, name: str, parent: click.Context | None) -> str:
    settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    ctx = click.Context(command, info_name=name, parent=parent, **settings)
    return command.get_help(ctx)


def reference() -> str:
    root = click.Context(cli, info_name="followup-cal", **cli.context_settings)
    parts = [HEADER, "```text", _help(cli, "followup-cal", None), "```"]
    for name in cli.list_commands(root):  # each command's module is imported on asking
        command = cli.get_command(root, name)
        assert command is not None, name
        parts += ["", f"## {name}", "", "```text", _help(command, name, root), "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    sys.stdout.write(reference())
