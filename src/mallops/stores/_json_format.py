"""The line format of the JSON store (documented in docs/storage.md).

Every line of a store file is one JSON object that starts with its own checksum::

    {"crc":"1a2b3c4d","n":7,"k":1,"of":2,"ix":[...],"record":{...}}

``crc`` is the CRC-32 (8 lowercase hex digits) of the UTF-8 bytes that follow
``{"crc":"1a2b3c4d",`` up to, not including, the newline.  The first line is the header;
then come *groups* of lines, one group per commit: ``n`` numbers the commit, ``k`` is
the line's place in its group and ``of`` the group's size.  A line holds either one
record (``record``, with ``ix``, the fields the store indexes) or the counters the
commit moved (``counters``).

This module only turns values into lines and lines into values; the store decides what
a damaged line means.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import zlib
from collections.abc import Sequence
from typing import Any

from ..domain.records import Record
from .codec import encode

__all__ = [
    "FORMAT",
    "VERSION",
    "BadLine",
    "Entry",
    "check_line",
    "counters_line",
    "dump",
    "entry_from_ix",
    "header_line",
    "parse_header",
    "peek_n",
    "record_line",
    "reframe",
    "split_record_line",
]

FORMAT = "mallops-json-store"
VERSION = 1
"""The current schema version, written in every header."""

_PREFIX = b'{"crc":"'
_HEAD = len(_PREFIX) + 10  # prefix + 8 hex digits + '",'
_RECORD_KEY = b',"record":'
_N = re.compile(rb'"n":(\d+),')
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_US = _dt.timedelta(microseconds=1)


class BadLine(Exception):
    """A line is not a well-formed, checksummed store line (``reason`` says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def seal(body: bytes) -> bytes:
    """``body`` (an object's text without its opening brace) as a checksummed line."""
    return b'%s%08x",%s\n' % (_PREFIX, zlib.crc32(body), body)


def check_line(line: bytes | memoryview) -> None:
    """Raise :class:`BadLine` unless ``line`` (without its newline) has a valid checksum."""
    if len(line) < _HEAD + 2 or bytes(line[: len(_PREFIX)]) != _PREFIX:
        raise BadLine('not a store line (it must start with {"crc":"...")')
    try:
        want = int(bytes(line[len(_PREFIX) : _HEAD - 2]), 16)
    except ValueError:
        raise BadLine("the checksum is not 8 hex digits") from None
    if bytes(line[_HEAD - 2 : _HEAD]) != b'",' or zlib.crc32(line[_HEAD:]) != want:
        raise BadLine("checksum mismatch (the line was changed or cut)")


def header_line(*, base: int, created_at: str, version: int | None = None) -> bytes:
    """The first line of a file whose snapshot is the state after commit ``base``
    (``version`` defaults to the current :data:`VERSION`)."""
    version = VERSION if version is None else version
    return seal(
        b'"format":"%s","version":%d,"base":%d,"created_at":%s}'
        % (FORMAT.encode(), version, base, dump(created_at))
    )


def parse_header(line: bytes) -> dict[str, Any]:
    """The header's fields; :class:`BadLine` if it is not a mallops store header."""
    check_line(line)
    try:
        head = json.loads(b"{" + line[_HEAD:])
    except ValueError:
        raise BadLine("the header is not JSON") from None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise BadLine(f"the header does not say format {FORMAT!r}")
    for key in ("version", "base"):
        if not isinstance(head.get(key), int) or head[key] < 0:
            raise BadLine(f"the header's {key!r} is not a non-negative integer")
    return head


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def index_of(record: Record) -> list[Any]:
    """The ``ix`` array: the fields queries and the due list need, without decoding."""
    return [
        record.id,
        record.version,
        record.kind,
        record.property,
        record.state,
        record.is_open,
        record.owner,
        record.department,
        record.tenant,
        record.location,
        record.category,
        _iso(record.created_at),
        _iso(record.updated_at),
        _iso(record.wake_at),
        [link.record_id for link in record.links],
    ]


def record_line(n: int, k: int, of: int, record: Record) -> bytes:
    """The line storing ``record`` as part ``k`` of ``of`` of commit ``n``."""
    return record_line_raw(n, k, of, dump(index_of(record)), dump(encode(record)))


def record_line_raw(n: int, k: int, of: int, ix: bytes, record: bytes) -> bytes:
    """A record line from already serialised ``ix`` and record text (compaction)."""
    return seal(b'"n":%d,"k":%d,"of":%d,"ix":%s,"record":%s}' % (n, k, of, ix, record))


def reframe(line: bytes, n: int, k: int, of: int) -> bytes:
    """A checked record line renumbered as part ``k`` of ``of`` of commit ``n`` (used by
    compaction: the record text is copied, never re-encoded)."""
    body = line[_HEAD:].rstrip(b"\n")
    cut = body.find(b',"ix":')
    if cut < 0:
        raise BadLine("the record line has no index ('ix')")
    return seal(b'"n":%d,"k":%d,"of":%d%s' % (n, k, of, body[cut:]))


def counters_line(n: int, k: int, of: int, counters: dict[str, int]) -> bytes:
    """The line storing the counter values commit ``n`` set."""
    return seal(b'"n":%d,"k":%d,"of":%d,"counters":%s}' % (n, k, of, dump(counters)))


def split_record_line(line: bytes | memoryview) -> tuple[dict[str, Any], bytes | None]:
    """``(head, record_text)`` of a checked line: ``head`` has n, k, of and either ix or
    counters; ``record_text`` is the record's JSON (``None`` for a counters line).  The
    record itself is not parsed, so opening a store costs little per record."""
    raw = bytes(line)
    cut = raw.find(_RECORD_KEY, _HEAD)
    try:
        if cut < 0:
            head = json.loads(b"{" + raw[_HEAD:])
            record = None
        else:
            head = json.loads(b"{" + raw[_HEAD:cut] + b"}")
            record = raw[cut + len(_RECORD_KEY) : -1]
    except ValueError:
        raise BadLine("the line is not JSON") from None
    if not isinstance(head, dict):
        raise BadLine("the line is not a JSON object")
    for key in ("n", "k", "of"):
        if not isinstance(head.get(key), int):
            raise BadLine(f"the line has no integer {key!r}")
    if record is None and not isinstance(head.get("counters"), dict):
        raise BadLine("the line holds neither a record nor counters")
    if record is not None and not isinstance(head.get("ix"), list):
        raise BadLine("the record line has no index ('ix')")
    return head, record


def peek_n(partial: bytes) -> int | None:
    """The commit number at the start of a cut line, if it got that far."""
    found = _N.match(partial, _HEAD)
    return int(found.group(1)) if found else None


def micros(iso: str) -> int:
    """Microseconds since the epoch of an ISO datetime with offset (exact, sortable)."""
    parsed = _dt.datetime.fromisoformat(iso)
    if parsed.utcoffset() is None:
        raise ValueError(f"{iso!r} has no UTC offset")
    return (parsed - _EPOCH) // _US


class Entry:
    """What the store keeps in memory per record: where its line is and its index."""

    __slots__ = (
        "category",
        "created",
        "department",
        "id",
        "is_open",
        "kind",
        "length",
        "links",
        "location",
        "offset",
        "owner",
        "property",
        "state",
        "tenant",
        "updated",
        "version",
        "wake",
        "wake_iso",
    )

    def __init__(self, offset: int, length: int, ix: Sequence[Any]) -> None:
        self.offset = offset
        self.length = length
        (
            self.id,
            self.version,
            self.kind,
            self.property,
            self.state,
            self.is_open,
            self.owner,
            self.department,
            self.tenant,
            self.location,
            self.category,
            created,
            updated,
            self.wake_iso,
            links,
        ) = ix
        self.created: int = micros(created)
        self.updated: int = micros(updated)
        self.wake: int | None = None if self.wake_iso is None else micros(self.wake_iso)
        self.links: tuple[str, ...] = tuple(links)


def entry_from_ix(offset: int, length: int, ix: Any) -> Entry:
    """An :class:`Entry`; :class:`BadLine` if ``ix`` is malformed."""
    try:
        if not isinstance(ix, list) or len(ix) != 15 or not isinstance(ix[1], int):
            raise TypeError("wrong shape")
        return Entry(offset, length, ix)
    except (TypeError, ValueError) as exc:
        raise BadLine(f"the record index ('ix') is malformed ({exc})") from None
