"""Where a command's output goes: a regular file, replaced only once it is complete, or standard output (`-o -`).

Writing straight to the path an officer typed goes wrong quietly: run as root, `-o /dev/full` turned the device
into a regular file; a run that fails midway leaves half a report that looks whole; a folder or a missing folder
ends in a traceback after minutes of work. So every command that writes a file goes through here:

- `check_target` at the start, before any work: the target must be absent or a regular file, in a folder that exists
  and may be written; `-` (standard output) only where the format is text.
- `replacing` at the end: the writer fills a temporary file beside the target (same folder, so the rename is
  atomic; same suffix, so writers that choose the format by suffix still can), which replaces the target only
  when the writer finished without an error. A failed run leaves the old file, or none, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

STDOUT = "-"
METAVAR = "FILE"


class OutputError(Exception):
    """The output cannot be written there; the message says why and what to do instead."""


def is_stdout(path: Path | str | None) -> bool:
    return path is not None and str(path) == STDOUT


def check_target(path: Path, *, text: bool = False, suffixes: tuple[str, ...] = ()) -> Path:
    """The file to write for `path` (a symbolic link is followed, so the file it points to is replaced, not the
    link), or OutputError. With `text`, `-` means standard output and is returned as it is; `suffixes` are the
    formats the writer knows (by the file name's suffix)."""
    if is_stdout(path):
        if not text:
            raise OutputError("-o - (standard output) works only for text formats; give a file name")
        return path
    target = Path(os.path.realpath(path))
    try:
        status = os.stat(target)
    except FileNotFoundError:
        status = None
    except OSError as exc:
        raise OutputError(f"cannot use {path}: {exc.strerror}; choose another file") from exc
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise OutputError(f"{path} is a folder; give the name of a file in it")
    if status is not None and not stat.S_ISREG(status.st_mode):
        raise OutputError(f"{path} is not a regular file (a device, pipe or socket); give the name of a file")
    if suffixes and Path(path).suffix.lower() not in suffixes:
        raise OutputError(f"{path}: unknown format '{Path(path).suffix}'; use {_or(suffixes)}")
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"the folder {Path(path).parent} does not exist; create it first or choose another one")
    try:  # a real try, not os.access: root may "access" /proc or a read-only file system and still fail
        handle, probe = tempfile.mkstemp(dir=folder, prefix=f".{target.stem}.")
    except OSError as exc:
        raise OutputError(f"cannot write into the folder {folder} ({exc.strerror}); choose another one") from exc
    os.close(handle)
    os.unlink(probe)
    return target


def _or(suffixes: tuple[str, ...]) -> str:
    return ", ".join(suffixes[:-1]) + f" or {suffixes[-1]}" if len(suffixes) > 1 else suffixes[0]


def _mode_for(target: Path) -> int:
    """The permissions the file gets: those of the file it replaces, else what the umask allows (as open()
    would give it; mkstemp's private 0600 would surprise a colleague who opens the report)."""
    with contextlib.suppress(FileNotFoundError):
        return stat.S_IMODE(os.stat(target).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside `path` that replaces it when the block ends without an error; deleted otherwise."""
    target = check_target(path)
    try:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}; choose another place") from exc
    os.close(handle)
    partial = Path(name)
    try:
        try:
            yield partial
        except OSError as exc:  # e.g. the disk filled up halfway: name the file the officer asked for
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}; nothing was written (free space, "
                              "or choose another place)") from exc
        with partial.open("rb") as written:
            os.fsync(written.fileno())  # on disk before the rename makes it the file: no empty file after a crash
        os.chmod(partial, _mode_for(target))
        check_target(path)  # still a regular file or absent: nothing swapped in a device meanwhile
        try:
            os.replace(partial, target)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror}; choose another place") from exc
    finally:
        partial.unlink(missing_ok=True)


@contextlib.contextmanager
def text_stream(path: Path | None, *, newline: str | None = None) -> Iterator[TextIO]:
    """A text stream to `path` (replaced when complete), or standard output for None and `-`."""
    if path is None or is_stdout(path):
        yield sys.stdout
        sys.stdout.flush()
        return
    with replacing(path) as partial, partial.open("w", encoding="utf-8", newline=newline) as handle:
        yield handle


def write_text(path: Path, text: str) -> None:
    """Write a whole text to `path` (or standard output for `-`), all or nothing."""
    with text_stream(path) as handle:
        handle.write(text)
