"""Where a server's password comes from (CalDAV for sync, IMAP for inbox): never the
YAML, never printed.

In order: ``--password-command`` (e.g. ``pass show caldav``), an environment variable
(``FOLLOWUP_CAL_PASSWORD`` for sync, ``FOLLOWUP_CAL_IMAP_PASSWORD`` for inbox),
``~/.netrc`` (machine = the server's host), the system keyring (service
``followup-cal``, the URL's host as written, and the user name).
"""

from __future__ import annotations

import netrc
import os
import shlex
import subprocess
from urllib.parse import urlsplit

from followup_cal.errors import AuthFailed

KEYRING_SERVICE = "followup-cal"


def _from_command(command: str) -> str:
    try:
        done = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise AuthFailed(f"the password command could not run: {type(exc).__name__}") from None
    if done.returncode != 0:
        raise AuthFailed(f"the password command failed with exit code {done.returncode}")
    lines = done.stdout.splitlines()
    if not lines or not lines[0]:
        raise AuthFailed("the password command printed nothing")
    return lines[0]


def _from_netrc(host: str, user: str) -> str | None:
    try:
        entry = netrc.netrc().authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return None
    if entry is None:
        return None
    login, _account, password = entry
    if user and login and login != user:
        return None
    return password or None


def _from_keyring(host: str, user: str) -> str | None:
    try:
        import keyring  # optional: only consulted when nothing else gave a password
        import keyring.errors
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, f"{user}@{host}")
    except (keyring.errors.KeyringError, RuntimeError, OSError):
        return None


def find_password(
    url: str, user: str, command: str | None, env_var: str = "FOLLOWUP_CAL_PASSWORD"
) -> str | None:
    """The password for ``user`` at ``url``, or None when no source has one."""
    if command:
        return _from_command(command)
    from_env = os.environ.get(env_var)
    if from_env:
        return from_env
    host = urlsplit(url).hostname or ""
    return _from_netrc(host, user) or _from_keyring(host, user)


def require_password(
    url: str, user: str, command: str | None, env_var: str = "FOLLOWUP_CAL_PASSWORD"
) -> str:
    """As find_password, but none found is exit 6 with where to put one."""
    password = find_password(url, user, command, env_var)
    if password is None:
        raise AuthFailed(
            f"no password for {user}: set {env_var}, add it to ~/.netrc or the keyring, "
            "or use --password-command"
        )
    return password
