"""The config command: the settings in effect and where each comes from, never a secret."""

from __future__ import annotations

import os
from pathlib import Path

import click

from followup_cal.cli.base import cli, current_config, reports_errors
from followup_cal.errors import FollowupCalError
from followup_cal.settings import ENV_OF, FILE_ENV, KEYS, OPTION_OF, choose_file


def _option_default(command: str, option: str) -> object:
    """The default the command's option has when neither a flag nor the config sets it."""
    ctx = click.get_current_context()
    found = cli.get_command(ctx, command)  # loads the command's module when not yet loaded
    assert found is not None, command
    param = next(p for p in found.params if p.name == option)
    default = param.get_default(ctx)
    return default if isinstance(default, str | int | bool) else None  # click's "unset" too


def _from_yaml(file: str) -> tuple[dict[str, str], str]:
    """The caldav: and imap: sections of the interviews file, and a note when it cannot
    be read."""
    from followup_cal.loader import load

    if not Path(file).exists():
        return {}, ""
    try:
        search = load(file)
    except FollowupCalError:
        return {}, f"({file} has problems; `followup-cal validate` lists them)"
    found: dict[str, str] = {}
    if search.caldav is not None:
        caldav = search.caldav
        found |= {"caldav.url": caldav.url, "caldav.user": caldav.user}
        found |= {"caldav.calendar": caldav.calendar, "caldav.auth": caldav.auth}
    if search.imap is not None:
        imap = search.imap
        found |= {"imap.url": imap.url, "imap.user": imap.user, "imap.folder": imap.folder}
        found |= {"imap.folders": ", ".join(imap.folders), "imap.sent": imap.sent}
        found["imap.auth"] = imap.auth
    return {name: value for name, value in found.items() if value}, ""


@cli.command()
@click.option("--path", "only_path", is_flag=True, help="Print only the config file's path.")
@reports_errors
def config(only_path: bool) -> None:
    """Show the settings in effect and where each comes from (never a password).

    The config file is $XDG_CONFIG_HOME/followup-cal/config.toml (default
    ~/.config/followup-cal/config.toml). Flags and environment variables win over it;
    it wins over the interviews file's caldav: and imap: sections.

    \b
    Example:
      followup-cal config
      $EDITOR "$(followup-cal config --path)"
    """
    settings = current_config()
    if only_path:
        click.echo(settings.path)
        return
    state = "" if settings.exists else " (not there: every setting has its default)"
    click.echo(f"config file: {settings.path}{state}")
    chosen = choose_file(None, os.environ.get(FILE_ENV), settings)
    rows = [("file", chosen.path, chosen.source)]
    from_yaml, note = _from_yaml(chosen.path)
    for section in ("caldav", "imap", "feed"):
        for key in KEYS[section]:
            name = f"{section}.{key}"
            env = ENV_OF.get(name)
            if env and os.environ.get(env):
                rows.append((name, os.environ[env], env))
            elif name in settings.values:
                rows.append((name, settings.values[name], str(settings.path)))
            elif name in from_yaml:
                rows.append((name, from_yaml[name], f"{chosen.path}, {section}:"))
            else:
                default = _option_default(*OPTION_OF[name])
                rows.append((name, default, "the default" if default is not None else "not set"))
    width = max(len(name) for name, _, _ in rows)
    for name, value, source in rows:
        if isinstance(value, (list, tuple)):
            value = ", ".join(value) or None
        shown = "" if value is None else str(value).lower() if isinstance(value, bool) else value
        click.echo(f"{name.ljust(width)}  {shown}{'  ' if shown else ''}({source})")
    if note:
        click.echo(note)
    password = "FOLLOWUP_CAL_PASSWORD (set)" if os.environ.get("FOLLOWUP_CAL_PASSWORD") else (
        "--password-command, FOLLOWUP_CAL_PASSWORD, ~/.netrc or the keyring, when sync runs"
    )  # fmt: skip
    click.echo(f"{'password'.ljust(width)}  never shown; from {password}")
    mail = "FOLLOWUP_CAL_IMAP_PASSWORD (set)" if os.environ.get("FOLLOWUP_CAL_IMAP_PASSWORD") else (
        "--password-command, FOLLOWUP_CAL_IMAP_PASSWORD, ~/.netrc or the keyring, when inbox runs"
    )  # fmt: skip
    click.echo(f"{'imap password'.ljust(width)}  never shown; from {mail}")
