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
# (hashlib), shell completion or --format json need, and what reads a mail's text (dateparser).
NOT_FOR_PLAN = [
    "followup_cal.plan.drafts",
    "followup_cal.calendar.ics",
    "followup_cal.atomic",
    "icalendar",
    "ruamel.yaml",
    "dateutil.parser",
    "difflib",
    "hashlib",
    "click.shell_completion",
    "keyring",
    "dateparser",
]
COMPLETE = {"_FOLLOWUP_CAL_COMPLETE": "bash_complete", "COMP_WORDS": "followup-cal pl"}
# What reading the file, planning, drafting and writing a calendar never need: the edge
# (CalDAV, IMAP, HTTP, Google, invitations), its libraries, and the date parser inbox
# reads mail with (issue 33: a cold export under 0.25 s).
THE_EDGE = [
    "followup_cal.sync",
    "followup_cal.mail",
    "followup_cal.google",
    "followup_cal.invites",
    "followup_cal.serve",
    "caldav",
    "imapclient",
    "dateparser",
    "keyring",
    "requests",
    "http.server",
]
NOT_FOR_EXPORT = [*THE_EDGE, "ruamel.yaml", "followup_cal.journal.secret"]
NOT_FOR_VALIDATE = [*THE_EDGE, "icalendar", "ruamel.yaml"]


@pytest.mark.parametrize(
    ("argv", "not_imported", "env"),
    [
        (["--version"], ["followup_cal.cli.reading", "followup_cal.loader", "click.testing"], {}),
        (["--help"], ["followup_cal.loader", "yaml", "icalendar", "followup_cal.service",
                      "hashlib", "click.shell_completion"], {}),
        (["plan", EXAMPLE, "--today", "2026-11-23"], [*NOT_FOR_PLAN, *THE_EDGE], {}),
        (["export", EXAMPLE, "-o", "-", "--no-state", "--today", "2026-11-23"], NOT_FOR_EXPORT, {}),
        (["validate", EXAMPLE, "--today", "2026-11-23"], NOT_FOR_VALIDATE, {}),
        ([], ["followup_cal.loader", "yaml", "followup_cal.service"], {**COMPLETE, "COMP_CWORD": "1"}),
    ],
    ids=["version", "help", "plan", "export", "validate", "complete-command"],
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


# The layers, low to high: a module imports only from its own layer and those below it.
# The root's shared modules sit under everything; the plan is pure and imports nothing
# that reads or writes (only errors, for the exceptions it raises).
LAYERS = [
    {"errors", "atomic", "columns", "settings", "credentials", "domains", "origins", "__init__"},
    {"plan"},
    {"loader", "schema"},
    {"journal"},
    {"calendar"},
    {"service"},
    {"google"},
    {"serve", "sync", "mail", "invites"},
    {"cli", "__main__"},
]
PLAN_MAY_IMPORT = {"errors"}


def _layer_of(part: str) -> int:
    for index, names in enumerate(LAYERS):
        if part in names:
            return index
    raise AssertionError(f"followup_cal/{part} belongs to no layer: add it to LAYERS")


def _package_part(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "followup_cal":
        return None
    if len(parts) == 1 or parts[1] == "__version__":
        return "__init__"
    return parts[1].removesuffix(".py")


def test_imports_go_down_the_layers_only():
    for name, imports in _modules().items():
        own = name.split("/")[0].removesuffix(".py")
        for module in imports:
            part = _package_part(module)
            if part is None or part == own:
                continue
            assert _layer_of(part) <= _layer_of(own), f"{name} imports {module} from above"
            if own == "plan":
                assert part in PLAN_MAY_IMPORT, f"plan/ is pure, but {name} imports {module}"


def test_the_edge_packages_stand_side_by_side():
    """invites/ reads invitations on its own: what it shares with mail/ (which domain is
    one company) sits below both, so no invites/ module imports mail/."""
    for name, imports in _modules().items():
        if name.startswith("invites/"):
            into_mail = sorted(i for i in imports if i.startswith("followup_cal.mail"))
            assert not into_mail, f"{name} imports {into_mail}"


# What the commands run at the edge through: invitations read and placed, the inbox read
# and its invitations placed, the mail account. Each returns plain values; cli/ asks,
# prints and records.
FLOWS = {
    "followup_cal.invites.flow",
    "followup_cal.mail.inbox",
    "followup_cal.mail.inbox_invitations",
    "followup_cal.mail.imap",
}


def test_the_commands_run_invitations_and_mail_through_their_flows():
    """From invites/ and mail/, a command module takes types (what it prints) and calls
    only the flows: one `add --from-invite` no longer goes down into the rooms (reading,
    people, placing) and back up several times from cli/."""
    import importlib
    import types

    for name, imports in _modules().items():
        if not name.startswith("cli/"):
            continue
        for module in sorted(imports):
            parent, _, attr = module.rpartition(".")
            if not parent.startswith(("followup_cal.invites.", "followup_cal.mail.")):
                continue
            if parent in FLOWS:
                continue
            thing = getattr(importlib.import_module(parent), attr, None)
            if thing is None or isinstance(thing, types.ModuleType):
                continue
            assert isinstance(thing, type), f"{name} calls {module}, not a flow's"


def test_the_plan_does_no_io():
    """Nothing in plan/ opens a file, reads the clock or the environment."""
    forbidden = {"os", "pathlib", "socket", "subprocess", "tempfile", "time", "urllib"}
    for name, imports in _modules().items():
        if name.startswith("plan/"):
            assert not imports & forbidden, (name, sorted(imports & forbidden))
            text = (PACKAGE / name).read_text("utf-8")
            for call in ("open(", ".today()", ".now(", "environ"):
                assert call not in text, (name, call)


def test_no_import_circle_between_modules():
    """Module by module (TYPE_CHECKING imports included), the import graph has no cycle."""
    graph: dict[str, set[str]] = {}
    names = {
        "followup_cal." + name.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        for name in _modules()
    }
    for name, imports in _modules().items():
        me = "followup_cal." + name.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        graph[me] = {i for i in imports if i in names and i != me and not me.startswith(i + ".")}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                raise AssertionError(" -> ".join([*path, node, nxt]))
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_no_module_is_over_500_lines():
    long = {
        name: n
        for name in _modules()
        if (n := len((PACKAGE / name).read_text("utf-8").splitlines())) > 500
    }
    assert not long, long
