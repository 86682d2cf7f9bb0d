"""The user's config file and where the interviews file is: one resolution for every command.

``$XDG_CONFIG_HOME/followup-cal/config.toml`` (default ``~/.config``), read with the
standard library's tomllib. It holds defaults only: a flag or an environment variable
always wins over it. It never holds a password (refused, like in the YAML).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from followup_cal.errors import InvalidInput, Problem
from followup_cal.origins import problem, shown

log = logging.getLogger(__name__)
DEFAULT_FILE = "interviews.yaml"
FILE_ENV = "FOLLOWUP_CAL_FILE"

# section -> key -> (type, what it is); "" is the top level.
KEYS: dict[str, dict[str, tuple[type, str]]] = {
    "": {"file": (str, "the interviews file (~ and paths relative to this folder work)")},
    "caldav": {
        "url": (str, "sync --url"),
        "user": (str, "sync --user"),
        "calendar": (str, "sync --calendar"),
        "password_command": (str, "sync --password-command"),
        "auth": (str, "sync --auth (password or google)"),
    },
    "imap": {
        "url": (str, "inbox --url"),
        "user": (str, "inbox --user"),
        "folder": (str, "inbox --folder"),
        "folders": (list, "inbox --folder, each"),
        "sent": (str, "inbox --sent"),
        "password_command": (str, "inbox --password-command"),
        "auth": (str, "inbox --auth (password or google)"),
    },
    "feed": {
        "public": (bool, "export --public"),
        "as": (str, "export/serve --as (event or todo)"),
        "host": (str, "serve --host"),
        "port": (int, "serve --port"),
    },
}
AUTH_CHOICES = ("password", "google")
URL_SCHEMES = {"caldav.url": ("http", "https"), "imap.url": ("imap", "imaps")}
CHOICES = {"feed.as": ("event", "todo"), "caldav.auth": AUTH_CHOICES, "imap.auth": AUTH_CHOICES}
# Which command option each setting is the default of (click's default_map).
OPTION_OF = {
    "caldav.url": ("sync", "url"),
    "caldav.user": ("sync", "user"),
    "caldav.calendar": ("sync", "calendar"),
    "caldav.password_command": ("sync", "password_command"),
    "caldav.auth": ("sync", "auth"),
    "imap.url": ("inbox", "url"),
    "imap.user": ("inbox", "user"),
    "imap.folder": ("inbox", "folders"),
    "imap.folders": ("inbox", "folders"),
    "imap.sent": ("inbox", "sent"),
    "imap.password_command": ("inbox", "password_command"),
    "imap.auth": ("inbox", "auth"),
    "feed.public": ("export", "public"),
    "feed.as": ("export", "kind"),
    "feed.host": ("serve", "host"),
    "feed.port": ("serve", "port"),
}
# A setting read from the environment before the config file, as the option's envvar.
ENV_OF = {
    "caldav.url": "FOLLOWUP_CAL_URL",
    "caldav.user": "FOLLOWUP_CAL_USER",
    "imap.url": "FOLLOWUP_CAL_IMAP_URL",
    "imap.user": "FOLLOWUP_CAL_IMAP_USER",
}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "followup-cal" / "config.toml"


@dataclass(frozen=True)
class Config:
    path: Path
    exists: bool
    values: dict[str, Any] = field(default_factory=dict)  # "caldav.url" -> value

    def default_map(self) -> dict[str, dict[str, Any]]:
        """The settings as click's per-command option defaults."""
        defaults: dict[str, dict[str, Any]] = {}
        for name, value in self.values.items():
            if name in OPTION_OF:
                command, option = OPTION_OF[name]
                if option == "folders":  # a repeated option: every folder named, in order
                    value = [*defaults.get(command, {}).get(option, []), *_listed(value)]
                defaults.setdefault(command, {})[option] = value
        return defaults

    def file(self) -> str | None:
        value = self.values.get("file")
        if not value:
            return None
        return str(self.path.parent / Path(value).expanduser())


def _line_of(text: str, key: str) -> int:
    match = re.search(rf"^\s*{re.escape(key)}\s*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def parse_config(path: Path, text: str) -> Config:
    import tomllib

    where = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(found[1]), int(found[2])) if found else (text.count("\n") + 1, 1)
        reason = re.sub(r"\s*\(at .*\)$", "", str(exc))
        raise InvalidInput([Problem(where, line, column, f"not TOML: {reason}")]) from None
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and key in KEYS and key:
            section, items = key, value
        else:
            section, items = "", {key: value}
        for name, item in items.items():
            full = f"{section}.{name}" if section else name
            line = _line_of(text, name)
            if "password" in name and name != "password_command":
                problems.append(
                    Problem(where, line, 1, f"'{full}': a password never goes in a file; "
                            "use password_command, FOLLOWUP_CAL_PASSWORD, ~/.netrc or the keyring")
                )  # fmt: skip
                continue
            if name not in KEYS[section]:
                known = ", ".join(f"{section}.{k}" if section else k for k in KEYS[section])
                message = f"unknown setting '{full}'; known: {known}"
                problems.append(Problem(where, line, 1, message))
                continue
            kind, _ = KEYS[section][name]
            if (
                kind is list
                and isinstance(item, list)
                and not all(isinstance(i, str) for i in item)
            ):
                problems.append(Problem(where, line, 1, f"'{full}' must be a list of strings"))
            elif not isinstance(item, kind) or (kind is int and isinstance(item, bool)):
                problems.append(Problem(where, line, 1, f"'{full}' must be a {kind.__name__}"))
            elif full in CHOICES and item not in CHOICES[full]:
                choices = " or ".join(CHOICES[full])
                problems.append(Problem(where, line, 1, f"'{full}' must be {choices}"))
            elif full in URL_SCHEMES and (why := problem(item, URL_SCHEMES[full])):
                problems.append(Problem(where, line, 1, f"'{full}' '{shown(item)}': {why}"))
            else:
                values[full] = item
    if problems:
        raise InvalidInput(problems)
    return Config(path, True, values)


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        log.debug("no config file at %s", path)
        return Config(path, False)
    except (OSError, UnicodeDecodeError) as exc:
        from followup_cal.errors import FileAccessError

        raise FileAccessError(f"{path}: cannot read: {exc}") from None
    log.info("read %s", path)
    return parse_config(path, text)


# ChosenFile.source of ./interviews.yaml, found because nothing else named a file.
BY_DEFAULT = "the default"


@dataclass(frozen=True)
class ChosenFile:
    path: str
    source: str  # "" when given on the command line, else where it came from


def choose_file(given: str | None, from_env: str | None, config: Config) -> ChosenFile:
    """The interviews file: argument or -f, else FOLLOWUP_CAL_FILE, else the config's
    ``file``, else ./interviews.yaml."""
    if given:
        return ChosenFile(given, "")
    if from_env:
        return ChosenFile(from_env, FILE_ENV)
    configured = config.file()
    if configured:
        return ChosenFile(configured, str(config.path))
    return ChosenFile(DEFAULT_FILE, BY_DEFAULT)


def same_file(a: str, b: str) -> bool:
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
