"""The layers the folders name: only cli/ speaks click, and nothing imports the CLI back."""

import ast
from pathlib import Path

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
    from followup_cal.cli import cli

    modules = {p.stem for p in (PACKAGE / "cli").glob("*.py")} - {"__init__", "base"}
    registered = {cmd.callback.__module__.rsplit(".", 1)[-1] for cmd in cli.commands.values()}
    assert registered == modules
