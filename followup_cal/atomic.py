"""Write files whole or not at all, and read-modify-write them one writer at a time.

A new version is written to an unnamed file in the target's folder (Linux O_TMPFILE),
given the target's mode, owner and group, then named and renamed over the target. A run
killed before the rename leaves the old file and, only if killed in the instant between
naming and renaming, one ``.NAME.PID-*.followup-tmp`` file, which the next write of that
file removes (its pid no longer runs).

``update_file`` serialises writers: an exclusive ``flock`` on the file for the whole
read-modify-write, and a compare-and-swap before the rename, so that an editor or a
``git checkout`` that changed the file meanwhile is never overwritten: the change is
applied again to what is there now.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from followup_cal.errors import FileAccessError

log = logging.getLogger(__name__)
TEMP_SUFFIX = ".followup-tmp"
LOCK_WAIT_SECONDS = 120.0
ATTEMPTS = 5


@dataclass(frozen=True)
class Snapshot:
    """What a file was when read: its identity and its bytes (for compare-and-swap)."""

    device: int
    inode: int
    data: bytes


class _Changed(Exception):
    """The file is no longer what was read; the caller reads it again."""


def _cannot(path: Path | str, verb: str, exc: OSError) -> FileAccessError:
    return FileAccessError(f"{path}: cannot {verb}: {exc.strerror or exc}")


def _check_writable(path: Path, info: os.stat_result) -> None:
    """Refuse what a rename would silently do wrong: a read-only file, a hard link."""
    # root may write anything; a file without any write bit is still meant to stay as is.
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise FileAccessError(f"{path} is read-only; nothing written (chmod u+w to allow it)")
    if info.st_nlink > 1:
        raise FileAccessError(
            f"{path} has {info.st_nlink} hard links; replacing it would split them, so nothing "
            "was written (keep one name, or link with 'ln -s' instead)"
        )
    if not stat.S_ISREG(info.st_mode):
        raise FileAccessError(f"{path} is not a regular file; nothing written")


def _temp_name(target: Path) -> Path:
    """``.NAME.PID-RANDOM.followup-tmp``: the pid tells a leftover from a file in use."""
    # os.urandom is what secrets.token_hex reads; the secrets module would import hashlib
    # and random into every command that writes a file (and into --help).
    return target.parent / f".{target.name}.{os.getpid()}-{os.urandom(4).hex()}{TEMP_SUFFIX}"


def _unnamed_file(target: Path) -> tuple[int, Path | None]:
    """A new file beside ``target``: unnamed where the system allows, else a hidden name."""
    with contextlib.suppress(AttributeError, OSError):
        return os.open(target.parent, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o600), None
    for _ in range(100):
        name = _temp_name(target)
        with contextlib.suppress(FileExistsError):
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
            return os.open(name, flags, 0o600), name
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target.parent))


def _link(fd: int, name: Path) -> None:
    """Name the unnamed file ``fd``; fails if ``name`` exists."""
    folder = os.open(name.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        # A dir fd makes Python call linkat(AT_SYMLINK_FOLLOW), which follows /proc's link
        # to the open file; a plain link() would refuse it as a cross-device link.
        os.link(f"/proc/self/fd/{fd}", name.name, src_dir_fd=folder, dst_dir_fd=folder)
    finally:
        os.close(folder)


def _name(fd: int, target: Path) -> Path:
    """Give the unnamed file a hidden name beside ``target``, for the rename."""
    for _ in range(100):
        name = _temp_name(target)
        try:
            _link(fd, name)
        except FileExistsError:
            continue
        return name
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target.parent))


def _same(target: Path, expected: Snapshot) -> bool:
    try:
        info = target.stat()
        if (info.st_dev, info.st_ino) != (expected.device, expected.inode):
            return False
        return target.read_bytes() == expected.data
    except FileNotFoundError:
        return False


def _write(
    target: Path,
    data: bytes | Iterable[bytes],
    *,
    expected: Snapshot | None,
    exclusive: bool,
    new_mode: int | None = None,
) -> None:
    """The new version of ``target``; raises _Changed when it is not ``expected`` any more.

    ``data`` may come in chunks (a large calendar is written as it is made)."""
    folder = target.parent
    try:
        info: os.stat_result | None = target.stat()
    except FileNotFoundError:
        info = None
    if info is not None and exclusive:
        raise FileAccessError(f"{target} already exists; nothing written")
    if info is not None:
        _check_writable(target, info)
    fd, name = _unnamed_file(target)
    try:
        with os.fdopen(fd, "wb", closefd=False) as handle:
            for chunk in (data,) if isinstance(data, bytes) else data:
                handle.write(chunk)
            handle.flush()
        if info is None and new_mode is not None:
            os.fchmod(fd, new_mode)
        elif info is None:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        else:
            made = os.fstat(fd)
            if (made.st_uid, made.st_gid) != (info.st_uid, info.st_gid):
                _keep_owner(fd, target, info)
            os.fchmod(fd, stat.S_IMODE(info.st_mode))  # after chown, which clears set-id bits
        os.fsync(fd)
        if exclusive:
            # Linked as the target: fails if it appeared meanwhile, never replaces it.
            if name is None:
                _link(fd, target)
            else:
                os.link(name, target)
        else:
            name = name or _name(fd, target)
            if expected is not None and not _same(target, expected):
                raise _Changed
            name.replace(target)
            name = None
    except FileExistsError:
        raise FileAccessError(f"{target} already exists; nothing written") from None
    finally:
        os.close(fd)
        if name is not None:
            with contextlib.suppress(OSError):
                name.unlink()
    _sync_folder(folder)


def _keep_owner(fd: int, target: Path, info: os.stat_result) -> None:
    try:
        os.fchown(fd, info.st_uid, info.st_gid)
    except PermissionError:
        raise FileAccessError(
            f"{target} belongs to another user or group; rewriting it would make it yours, "
            "so nothing was written (run as its owner)"
        ) from None


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a power cut after it keeps the new name)."""
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def write_atomic(
    path: str | Path,
    data: bytes | Iterable[bytes],
    *,
    exclusive: bool = False,
    new_mode: int | None = None,
) -> None:
    """Replace ``path`` with ``data`` (or, ``exclusive``, create it only if absent); the
    chunks of an iterable are written as they come, and a failure while making them
    leaves the old file too. A file made anew gets ``new_mode`` (default: as umask says).

    On any failure the old file is left as it was; its mode, owner and group are kept.
    """
    target = Path(path)
    try:
        _remove_leftovers(target)
        _write(target, data, expected=None, exclusive=exclusive, new_mode=new_mode)
    except OSError as exc:
        raise _cannot(path, "write", exc) from None
    log.info("wrote %s", path)


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[int]:
    """An exclusive lock on the file now at ``target`` (not on one renamed away meanwhile)."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.005
    while True:
        try:
            fd = os.open(target, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise _cannot(target, "read", exc) from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise FileAccessError(
                        f"{target} stays locked by another process writing it; nothing written"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.1)
                continue
            held, now = os.fstat(fd), target.stat()
            if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
                yield fd
                return
            # Another writer renamed a new version in while we waited: lock that one.
        finally:
            os.close(fd)  # closing releases the lock


def _remove_leftovers(target: Path) -> None:
    """Temp files beside ``target`` whose writer was killed (its pid is in the name and no
    longer runs); a live writer's temp file is left alone."""
    for leftover in target.parent.glob(f".{target.name}.*{TEMP_SUFFIX}"):
        pid = leftover.name.removesuffix(TEMP_SUFFIX).rsplit(".", 1)[-1].partition("-")[0]
        if pid.isdigit() and not _running(int(pid)):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def update_file(path: str | Path, change: Callable[[bytes], bytes]) -> None:
    """Read-modify-write ``path``: ``change`` gets its bytes and returns the new ones.

    Runs under an exclusive lock, so concurrent writers go one after the other and each
    sees the others' facts. Before the rename the file is compared with what was read; if
    something that does not take the lock (an editor) changed it, ``change`` runs again
    on the new text. ``change`` may raise to refuse; then nothing is written.
    """
    target = Path(path).resolve()
    try:
        for _ in range(ATTEMPTS):
            with _locked(target) as fd:
                _check_writable(target, os.fstat(fd))
                _remove_leftovers(target)
                held = os.fstat(fd)
                data = target.read_bytes()
                snapshot = Snapshot(held.st_dev, held.st_ino, data)
                new = change(data)
                if new == data:
                    return
                try:
                    _write(target, new, expected=snapshot, exclusive=False)
                except _Changed:
                    log.info("%s changed while being written; applying the change again", path)
                    continue
                log.info("wrote %s (%d bytes)", path, len(new))
                return
    except OSError as exc:
        raise _cannot(target, "write", exc) from None
    raise FileAccessError(
        f"{target} kept changing while being written ({ATTEMPTS} tries); nothing written, "
        "run the command again"
    )


def write_private(path: str | Path, data: bytes) -> None:
    """A secret (a sign-in's tokens) written as a password manager keeps one: in a folder
    of the user's own that no one else may enter (made 0700, tightened to it, refused when
    another user owns it), through a temporary file of a random name, created 0600 with
    O_EXCL|O_NOFOLLOW (a name or a link planted there is never written through), then
    renamed over the old file. Never readable by others, never half-written."""
    target = Path(path)
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise _cannot(target, "write", exc) from None
    try:
        _private_folder(target.parent, folder)
        _remove_leftovers(target)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        for _ in range(100):
            name = f".{target.name}.{os.getpid()}-{os.urandom(8).hex()}{TEMP_SUFFIX}"
            with contextlib.suppress(FileExistsError):
                fd = os.open(name, flags, 0o600, dir_fd=folder)
                break
        else:
            raise FileExistsError(errno.EEXIST, "no free temporary name", str(target.parent))
        try:
            os.fchmod(fd, 0o600)  # whatever the umask took away or a filesystem added
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
            os.replace(name, target.name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=folder)
            raise
        finally:
            os.close(fd)
        os.fsync(folder)
    except OSError as exc:
        raise _cannot(target, "write", exc) from None
    finally:
        os.close(folder)
    log.info("wrote %s (readable by you only)", target)


def _private_folder(path: Path, folder: int) -> None:
    """The open folder is the user's and closed to others (tightened to 0700 if not)."""
    info = os.fstat(folder)
    if info.st_uid != os.geteuid():
        raise FileAccessError(
            f"{path} belongs to another user (uid {info.st_uid}); a secret is kept only in a "
            "folder of your own, so nothing was written (set XDG_DATA_HOME to one of yours)"
        )
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.fchmod(folder, 0o700)
        log.info("%s was open to others: made 0700", path)
