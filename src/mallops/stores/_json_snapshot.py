"""The index snapshot of a compacted JSON store file: ``<store>.index`` (issue 16).

Opening a store checks and indexes every line in Python, about 18 µs of CPU per
record.  A compaction (:mod:`._json_compact`) therefore also writes, next to the file,
the index of what it wrote: per live record its line's offset and length and its
``ix`` fields, in one compact block.  A later open that finds the snapshot valid and
matching the file builds the indexes from it and reads only the commits appended
after the compaction line by line, as before.

Layout (docs/storage.md): lines of up to :data:`ROWS_PER_LINE` records each, one JSON
array of 18 columns (the lines' offsets, their lengths, then the 16 ``ix`` fields), then
one trailer line sealed like a store line (its own CRC-32) giving the data it
describes: ``data_len`` (bytes of the compacted file, its header and its compaction
group), ``data_crc`` (the CRC-32 of those bytes), ``header_crc``, ``base``,
``records_end`` (where the group's events and counters lines start), ``lines``,
``records`` and ``body_len``/``body_crc`` (the rows' bytes and their CRC-32).

A snapshot is used only if every check holds: its trailer and rows checksums, the
file's header, its size and the CRC-32 of the whole described prefix (one pass of
C code over the bytes, about a tenth of the line-by-line cost).  The prefix CRC is
what makes checking each described line again unnecessary: it covers every byte of
them, and compaction checked each line before copying it.  Anything else (no
snapshot, stale after a crash between the rename of the file and of the snapshot,
truncated, damaged, or the file appended to, cut or edited by hand) falls back to the
line-by-line open, which reports damage in the file itself as before.  Reading a
record still checks its own line's checksum (:meth:`JsonStore._decode`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import _json_files as files
from . import _json_format as fmt
from . import _json_index as index
from ._json_index import State

__all__ = ["FORMAT", "SUFFIX", "Snapshot", "install", "path_of", "read", "write"]

log = logging.getLogger("mallops.stores.json")

FORMAT = "mallops-json-index"
VERSION = 1
SUFFIX = ".index"
ROWS_PER_LINE = 4096
_CHUNK = 32 << 20
_loads = json.JSONDecoder().decode


def path_of(path: Path) -> Path:
    """The snapshot of the store file at ``path``: ``<name>.index`` next to it."""
    return path.with_name(path.name + SUFFIX)


class Snapshot:
    """A checked snapshot: the entries of the records and the other lines to read."""

    __slots__ = ("end", "lines", "live", "records", "records_end")

    def __init__(
        self, records: dict[str, fmt.Entry], live: int, records_end: int, end: int, lines: int
    ) -> None:
        self.records = records
        self.live = live
        self.records_end = records_end
        self.end = end
        self.lines = lines


def write(
    path: Path,
    *,
    header: bytes,
    base: int,
    data_len: int,
    data_crc: int,
    records_end: int,
    lines: int,
    entries: Sequence[fmt.Entry],
    fault: Callable[[str], None],
) -> None:
    """Write the snapshot of the compacted file at ``path`` (temporary file, sync,
    rename, directory sync: a crash leaves the old snapshot or the new one whole)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.index.compact")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        pos = crc = 0
        for first in range(0, len(entries), ROWS_PER_LINE):
            part = entries[first : first + ROWS_PER_LINE]
            rows = [[e.offset for e in part], [e.length for e in part]]
            rows.extend(map(list, zip(*(e.ix() for e in part), strict=True)))
            block = fmt.dump(rows) + b"\n"
            files.write_all(fd, block, pos)
            crc = zlib.crc32(block, crc)
            pos += len(block)
            if first == 0:
                fault("compact:index-partial")
        trailer = fmt.seal(
            b'"format":"%s","version":%d,"data_len":%d,"data_crc":%d,"header_crc":%d,'
            b'"base":%d,"records_end":%d,"lines":%d,"records":%d,"body_len":%d,"body_crc":%d}'
            % (
                FORMAT.encode(),
                VERSION,
                data_len,
                data_crc,
                zlib.crc32(header),
                base,
                records_end,
                lines,
                len(entries),
                pos,
                crc,
            )
        )
        files.write_all(fd, trailer, pos)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        fault("compact:before-index-rename")
        os.replace(tmp, path_of(path))
        files.fsync_dir(path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class _Stale(Exception):
    """The snapshot does not describe the file (``damaged``: it is itself broken)."""

    def __init__(self, reason: str, damaged: bool = False) -> None:
        super().__init__(reason)
        self.damaged = damaged


def read(path: Path, fd: int, header: bytes, base: int, size: int) -> Snapshot | None:
    """The snapshot of the file open on ``fd`` (``size`` bytes, header line ``header``,
    ``base`` from it), checked against the file; ``None`` (and a log line saying why)
    if there is none or it cannot be trusted."""
    try:
        data = path_of(path).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("%s: cannot read the index snapshot (%s); reading every line", path, exc)
        return None
    try:
        return _check(data, fd, header, base, size)
    except _Stale as exc:
        level = logging.WARNING if exc.damaged else logging.INFO
        log.log(level, "%s: not using the index snapshot: %s; reading every line", path, exc)
        return None


def _trailer(data: bytes) -> tuple[dict[str, Any], int]:
    cut = data.rfind(b"\n", 0, len(data) - 1) + 1
    line = data[cut:]
    if not line.endswith(b"\n"):
        raise _Stale("it is truncated (no complete trailer line)", damaged=True)
    try:
        fmt.check_line(line[:-1])
        head = json.loads(b"{" + line[fmt.HEAD_LEN : -1])
    except (fmt.BadLine, ValueError) as exc:
        raise _Stale(f"its trailer is damaged ({exc})", damaged=True) from None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise _Stale("its trailer is not a mallops index snapshot", damaged=True)
    if head.get("version") != VERSION:
        raise _Stale(f"it has format version {head.get('version')!r}, not {VERSION}")
    for key in ("data_len", "data_crc", "header_crc", "base", "records_end", "lines"):
        if type(head.get(key)) is not int:
            raise _Stale(f"its trailer's {key!r} is not an integer", damaged=True)
    if head.get("body_len") != cut or type(head.get("records")) is not int:
        raise _Stale("its rows are not the length it says", damaged=True)
    if zlib.crc32(memoryview(data)[:cut]) != head.get("body_crc"):
        raise _Stale("its rows fail their checksum", damaged=True)
    return head, cut


def _check(data: bytes, fd: int, header: bytes, base: int, size: int) -> Snapshot:
    head, cut = _trailer(data)
    data_len = head["data_len"]
    if head["header_crc"] != zlib.crc32(header) or head["base"] != base:
        raise _Stale("it describes another compaction of the file")
    if size < data_len or not len(header) <= head["records_end"] <= data_len:
        raise _Stale("the file is shorter than the prefix it describes")
    # the file's CRC in a second thread while this one reads the rows: reading and
    # zlib.crc32 release the GIL, so on two cores it costs no time (a mismatch throws
    # the rows away)
    summed: list[int | OSError] = []
    worker = threading.Thread(target=_prefix_crc, args=(fd, data_len, summed), daemon=True)
    worker.start()
    try:
        records, live = _rows(data, cut)
    finally:
        worker.join()
    crc = summed[0] if summed else OSError("no checksum")
    if isinstance(crc, OSError):
        raise _Stale(f"the file could not be read ({crc})")
    if crc != head["data_crc"]:
        raise _Stale("the file's bytes differ from the ones it describes")
    if len(records) != head["records"]:
        raise _Stale("it holds a different number of records than it says", damaged=True)
    return Snapshot(records, live, head["records_end"], data_len, head["lines"])


def _prefix_crc(fd: int, data_len: int, out: list[int | OSError]) -> None:
    """Append the CRC-32 of the first ``data_len`` bytes of ``fd`` (or the error) to ``out``."""
    try:
        crc = at = 0
        buffer = bytearray(min(_CHUNK, data_len))
        while at < data_len:
            n = min(len(buffer), data_len - at)
            if n != len(buffer):
                buffer = bytearray(n)
            crc = zlib.crc32(files.read_into(fd, buffer, at), crc)
            at += n
        out.append(crc)
    except OSError as exc:
        out.append(exc)


def _rows(data: bytes, cut: int) -> tuple[dict[str, fmt.Entry], int]:
    """The entries of the rows in ``data[:cut]`` by id, and their lines' total length."""
    records: dict[str, fmt.Entry] = {}
    live = 0
    entry = fmt.Entry
    pos = 0
    try:
        while pos < cut:
            nl = data.index(b"\n", pos)
            offsets, lengths, *ix = _loads(data[pos:nl].decode())
            for e in map(entry, offsets, lengths, zip(*ix, strict=True)):
                records[e.id] = e
            live += sum(lengths)
            pos = nl + 1
    except (ValueError, TypeError) as exc:  # written by us and checksummed: not expected
        raise _Stale(f"its rows are malformed ({exc})", damaged=True) from None
    return records, live


def install(state: State, snap: Snapshot, fd: int) -> None:
    """Put a checked snapshot's records into ``state`` (just opened at its header) and
    apply the events and counters lines of the compaction group after them; the
    caller reads the commits after ``state.end`` line by line and indexes (rebuild)."""
    tail = files.read_all(fd, snap.records_end, snap.end)
    parts: list[index.Part] = []
    pos = 0
    while pos < len(tail):
        nl = tail.find(b"\n", pos)
        try:
            if nl < 0:
                raise fmt.BadLine("the compaction group ends inside a line")
            _, _, _, payload, start = fmt.read_line(tail, pos, nl)
            parts.append(index.parse_part(payload, start, snap.records_end + pos, nl + 1 - pos))
        except fmt.BadLine as exc:
            raise index.Damaged(f"offset {snap.records_end + pos}", exc.reason) from None
        pos = nl + 1
    state.indexed = False
    state.records = snap.records
    state.live += snap.live
    index.apply_group(state, state.base, parts)
    state.end = state.seen = snap.end
    state.lines = snap.lines
