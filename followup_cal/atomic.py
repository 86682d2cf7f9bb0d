"""Write files whole or not at all: a temporary file beside the target, then a rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from followup_cal.errors import FileAccessError


def write_atomic(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data``; on any failure the old file is left as it was."""
    target = Path(path)
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    except OSError as exc:
        raise FileAccessError(f"{path}: cannot write: {exc.strerror or exc}") from None
    tmp_name = ""
    try:
        fd, tmp_name = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp_name).chmod(mode)
        Path(tmp_name).replace(target)
    except OSError as exc:
        if tmp_name:
            with contextlib.suppress(OSError):
                Path(tmp_name).unlink()
        raise FileAccessError(f"{path}: cannot write: {exc.strerror or exc}") from None
