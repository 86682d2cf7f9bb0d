"""The layers the folders name: only cli/ speaks click, and nothing imports the CLI back."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import followup_cal

PACKAGE = Path(followup_cal.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules() -> dict[str, set[str]]:
    return {
        str(path.relative_to(PACKAGE)): _imports(path)
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "__main__.py"
    }


def test_only_the_cli_package_imports_click():
    users = {name for name, imports in _modules().items() if "click" in imports}
    assert users, "the CLI must import click somewhere"
    assert all(name.startswith("cli/") for name in users), sorted(users)


def test_no_module_imports_the_cli_back():
    for name, imports in _modules().items():
        into_cli = {
            i for i in imports if i == "followup_cal.cli" or i.startswith("followup_cal.cli.")
        }
        if not name.startswith("cli/"):
            assert not into_cli, f"{name} imports the command line: {sorted(into_cli)}"
        elif name != "cli/__init__.py":
            # Command modules build on base.py (and each other), never on the package,
            # so importing any one of them cannot come back round to itself.
            assert "followup_cal.cli" not in imports, name
            assert not any(i.startswith("followup_cal.cli.cli") for i in imports), name


def test_every_command_module_is_registered():
    """base.COMMAND_MODULES names, for each command, the module the group imports to run
    it: every module with commands is there, and each command is where it says."""
    import click

    from followup_cal.cli import cli
    from followup_cal.cli.base import COMMAND_MODULES

    ctx = click.Context(cli)
    found = {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}
    where = {name: cmd.callback.__module__.rsplit(".", 1)[-1] for name, cmd in found.items()}
    assert where == COMMAND_MODULES
    with_commands = {
        p.stem for p in (PACKAGE / "cli").glob("*.py") if "@cli.command" in p.read_text("utf-8")
    }
    assert set(COMMAND_MODULES.values()) == with_commands


EXAMPLE = str(PACKAGE.parent / "examples" / "interviews.yaml")
# What `plan` does without: the drafts, the calendar, the round-trip YAML editor, and
# what only a typo (difflib), an hour 24 (dateutil.parser), a name in another script
# (hashlib), shell completion or --format json need.
NOT_FOR_PLAN = [
    "followup_cal.drafts",
    "followup_cal.ics",
    "followup_cal.atomic",
    "icalendar",
    "ruamel.yaml",
    "dateutil.parser",
    "difflib",
    "hashlib",
    "click.shell_completion",
    "keyring",
]
COMPLETE = {"_FOLLOWUP_CAL_COMPLETE": "bash_complete", "COMP_WORDS": "followup-cal pl"}


@pytest.mark.parametrize(
    ("argv", "not_imported", "env"),
    [
        (["--version"], ["followup_cal.cli.reading", "followup_cal.loader", "click.testing"], {}),
        (["--help"], ["followup_cal.loader", "yaml", "icalendar", "followup_cal.service",
                      "hashlib", "click.shell_completion"], {}),
        (["plan", EXAMPLE, "--today", "2026-11-23"], NOT_FOR_PLAN, {}),
        ([], ["followup_cal.loader", "yaml", "followup_cal.service"], {**COMPLETE, "COMP_CWORD": "1"}),
    ],
    ids=["version", "help", "plan", "complete-command"],
)  # fmt: skip
def test_start_up_imports_only_what_it_needs(argv, not_imported, env):
    code = (
        f"import sys; sys.argv = ['followup-cal', *{argv!r}]\n"
        "from followup_cal.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(sys.modules))"
    )
    run = [sys.executable, "-c", code]
    env = {**os.environ, "TZ": "UTC", **env}
    # Twice: the first run may fill the holidays cache (the holidays package loads then).
    subprocess.run(run, capture_output=True, env=env, check=True)
    out = subprocess.run(run, capture_output=True, text=True, env=env, check=True)
    loaded = out.stdout.strip().splitlines()[-1]
    assert "'followup_cal.cli'" in loaded
    for module in not_imported:
        assert f"'{module}'" not in loaded, module
