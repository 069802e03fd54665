"""File operations of the JSON store: syncing, whole reads and writes, atomic creation
and replacement (temp file + sync + rename + directory sync)."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

if sys.platform != "win32":
    import fcntl

__all__ = [
    "create_exclusive",
    "datasync",
    "fsync_dir",
    "read_all",
    "read_into",
    "replace",
    "write_all",
]


def datasync(fd: int) -> None:
    """Push a file's data to stable storage (macOS: ``F_FULLFSYNC``, which also flushes
    the drive's cache; its plain ``fsync`` does not)."""
    if sys.platform == "darwin":
        fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
    elif sys.platform != "win32":
        os.fdatasync(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_all(fd: int, start: int, end: int) -> bytes:
    """The bytes ``start:end`` of ``fd`` (fewer if the file is shorter), in one piece."""
    first = os.pread(fd, end - start, start)
    if len(first) == end - start or not first:
        return first
    buffer = bytearray(first)  # a short read (signals, files over 2 GiB): keep reading
    while start + len(buffer) < end:
        got = os.pread(fd, end - start - len(buffer), start + len(buffer))
        if not got:
            break
        buffer += got
    return bytes(buffer)


def read_into(fd: int, buffer: bytearray, start: int) -> bytes | bytearray:
    """The bytes of ``fd`` from ``start``, as many as fit in ``buffer`` (fewer at the end
    of the file), read into ``buffer`` and returned as it (or as a copy when short).
    Reusing one buffer spares the page faults of a fresh allocation per piece."""
    view = memoryview(buffer)
    got = 0
    while got < len(buffer):
        done = os.preadv(fd, [view[got:]], start + got)
        if not done:
            break
        got += done
    view.release()
    return buffer if got == len(buffer) else bytes(buffer[:got])


def write_all(fd: int, data: bytes | memoryview, offset: int) -> None:
    """Write all of ``data`` at ``offset`` (``pwrite`` may write less than asked)."""
    view = memoryview(data)
    while view:
        done = os.pwrite(fd, view, offset)
        view = view[done:]
        offset += done


def create_exclusive(path: Path, content: bytes) -> None:
    """Create ``path`` holding ``content``, synced, unless it exists (then leave it): the
    file appears whole or not at all, even if two processes race to create it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            write_all(fd, content, 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(FileExistsError):  # another process created it first
            os.link(tmp, path)
        fsync_dir(path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def replace(path: Path, content: bytes, *, backup: Path | None = None) -> None:
    """Replace ``path`` by a file holding ``content`` atomically (temp file, sync, rename,
    directory sync), first keeping the old file as ``backup`` if given."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.replace")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        write_all(fd, content, 0)
        os.fsync(fd)
    finally:
        os.close(fd)
    if backup is not None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(backup)
        os.link(path, backup)
    os.replace(tmp, path)
    fsync_dir(path)
