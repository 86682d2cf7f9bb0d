"""The secret that keys public UIDs, kept beside the YAML so that they stay the same.

A published feed's UIDs must not let anyone confirm a guessed interviewer or company: they
are keyed digests, and the key is this secret. It is made on first use as
``NAME.followup-secret`` (readable by you only) beside ``NAME.yaml``; keep it out of a
public repository. Where the file cannot stay (CI), FOLLOWUP_CAL_FEED_SECRET gives it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from followup_cal.atomic import write_atomic
from followup_cal.errors import FileAccessError

SECRET_ENV = "FOLLOWUP_CAL_FEED_SECRET"


def secret_path_for(yaml_path: str) -> Path:
    """``interviews.yaml`` -> ``interviews.followup-secret`` in the same folder."""
    path = Path(yaml_path)
    return path.with_name(f"{path.stem}.followup-secret")


def feed_secret(yaml_path: str) -> str:
    """The secret for this file's public UIDs; made (once, race-free) when missing."""
    given = os.environ.get(SECRET_ENV, "").strip()
    if given:
        return given
    path = secret_path_for(yaml_path)
    for _ in range(2):
        try:
            kept = path.read_text("utf-8").strip()
        except FileNotFoundError:
            kept = ""
        except (OSError, UnicodeDecodeError) as exc:
            raise FileAccessError(f"{path}: cannot read: {exc}") from None
        if kept:
            return kept
        try:
            made = f"{secrets.token_hex(32)}\n".encode()
            write_atomic(path, made, exclusive=True, new_mode=0o600)
        except FileAccessError:
            if not path.exists():
                raise
            # another run made it a moment ago (or it is empty): read it again
    raise FileAccessError(f"{path} is empty; delete it and a new secret is made")
