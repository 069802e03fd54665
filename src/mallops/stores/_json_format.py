"""The line format of the JSON store (documented in docs/storage.md).

Every line of a store file is one JSON object that starts with its own checksum::

    {"crc":"1a2b3c4d","n":7,"k":1,"of":2,"ix":[...],"record":{...}}

``crc`` is the CRC-32 (8 lowercase hex digits) of the UTF-8 bytes that follow
``{"crc":"1a2b3c4d",`` up to, not including, the newline.  The first line is the header;
then come *groups* of lines, one group per commit: ``n`` numbers the commit, ``k`` is
the line's place in its group and ``of`` the group's size.  A line holds either one
record (``record``, with ``ix``, the fields the store indexes), the counters the
commit moved (``counters``), or the commit's feed events (``events``: a list of
``[position, event]`` pairs, G6).

This module only turns values into lines and lines into values; the store decides what
a damaged line means.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import zlib
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from ..domain.records import Record
from .codec import encode, micros

__all__ = [
    "FORMAT",
    "HEAD_LEN",
    "VERSION",
    "BadLine",
    "Entry",
    "LineHead",
    "check_line",
    "counters_line",
    "dump",
    "entry_from_ix",
    "events_line",
    "header_line",
    "outcomes_added",
    "parse_header",
    "peek_n",
    "read_line",
    "record_line",
    "record_text",
    "reframe",
    "seal",
]

FORMAT = "mallops-json-store"
VERSION = 2
"""The current schema version, written in every header.

* **1** — records as the codec wrote them before history entries kept their outcome.
* **2** — history entries may carry ``out``, the outcome of their event (G6 exact
  replay).  Record lines are otherwise the same, so migrating from 1 rewrites the
  header only; a mallops that reads only version 1 refuses the file instead of
  dropping the outcomes on its next write.
"""

_PREFIX = b'{"crc":"'
_HEAD = len(_PREFIX) + 10  # prefix + 8 hex digits + '",'
HEAD_LEN = _HEAD
"""Bytes of a sealed line before its body (``{"crc":"1a2b3c4d",``)."""
_RECORD_KEY = b',"record":'
_N = re.compile(rb'"n":(\d+),')
_loads = json.JSONDecoder().decode
_raw = json.JSONDecoder().raw_decode
_LINE = re.compile(
    rb'\{"crc":"([0-9a-f]{8})","n":(0|[1-9][0-9]{0,17}),"k":([1-9][0-9]{0,17}),'
    rb'"of":([1-9][0-9]{0,17}),"(ix|counters|events)":'
)


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
    """The ``ix`` array: the fields queries and the due list need, so opening a store
    never decodes a record.  Times are microseconds since the epoch (exact, sortable);
    the wake time also keeps its ISO text (to return it with its own UTC offset)."""
    wake = record.wake_at
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
        micros(record.created_at),
        micros(record.updated_at),
        None if wake is None else micros(wake),
        None if wake is None else wake.isoformat(),
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


def events_line(n: int, k: int, of: int, events: list[list[Any]]) -> bytes:
    """The line storing feed events (``[position, event]`` pairs) of commit ``n``."""
    return seal(b'"n":%d,"k":%d,"of":%d,"events":%s}' % (n, k, of, dump(events)))


EVENTS = -2
"""The ``record_start`` of an events line."""

LineHead = tuple[int, int, int, Any, int]
"""``(n, k, of, payload, record_start)`` of a checked line: ``payload`` is the ``ix``
list of a record line, the ``counters`` dict of a counters line or the ``events`` list
of an events line; ``record_start`` is where the record's JSON starts (``-1`` for a
counters line, :data:`EVENTS` for an events line)."""


def read_line(data: bytes, pos: int, end: int, view: memoryview | None = None) -> LineHead:
    """Check the line ``data[pos:end]`` (without its newline) and parse its head (see
    :data:`LineHead`).  The record itself is not parsed, so opening a store costs little
    per record.  Lines must keep the layout the store writes (key order, no spaces).
    ``view`` is ``memoryview(data)``, if the caller holds one (reading many lines).
    Raises :class:`BadLine`."""
    found = _LINE.match(data, pos, end)
    if found is None:
        raise BadLine('not a store line (it must start {"crc":"<8 hex digits>","n":…,"k":…,"of":…)')
    crc, n, k, of, what = found.groups()
    if zlib.crc32((memoryview(data) if view is None else view)[pos + _HEAD : end]) != int(crc, 16):
        raise BadLine("checksum mismatch (the line was changed or cut)")
    start = found.end()
    if data[end - 1] != 0x7D:  # "}"
        raise BadLine("the line does not end its JSON object")
    if what == b"ix":
        cut = data.find(_RECORD_KEY, start, end)
        if cut < 0:
            raise BadLine("the record line has no record")
        record_start = cut + len(_RECORD_KEY)
        kind: type = list
    else:
        cut = end - 1
        record_start, kind = (-1, dict) if what == b"counters" else (EVENTS, list)
    try:
        text = data[start:cut].decode()
        payload, used = _raw(text)
    except ValueError:
        raise BadLine("the line is not JSON") from None
    if used != len(text) or type(payload) is not kind:
        raise BadLine("the line's ix or counters is malformed")
    return int(n), int(k), int(of), payload, record_start


def record_text(line: bytes) -> bytes:
    """The record JSON of one checked record line (with or without its newline)."""
    start = read_line(line, 0, len(line) - line.endswith(b"\n"))[4]
    if start < 0:
        raise BadLine("the line holds no record")
    return line[start : len(line) - line.endswith(b"\n") - 1]


def peek_n(partial: bytes) -> int | None:
    """The commit number at the start of a cut line, if it got that far."""
    found = _N.match(partial, _HEAD)
    return int(found.group(1)) if found else None


_IX_SCALARS = attrgetter(
    "id", "version", "kind", "property", "state", "is_open", "owner", "department", "tenant",
    "location", "category", "created", "updated", "wake", "wake_iso",
)  # fmt: skip
"""The ``ix`` array's fields before its links, in order (what :class:`Entry` unpacks)."""


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
    id: str
    version: int
    kind: str
    property: str
    state: str
    is_open: bool
    owner: str | None
    department: str | None
    tenant: str | None
    location: str | None
    category: str | None
    created: int
    updated: int
    wake: int | None
    wake_iso: str | None

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
            self.created,
            self.updated,
            self.wake,
            self.wake_iso,
            links,
        ) = ix
        self.links: tuple[str, ...] = tuple(links)
        # few distinct values, repeated in every record: share one string object each
        self.kind = sys.intern(self.kind)
        self.property = sys.intern(self.property)
        self.state = sys.intern(self.state)
        if self.department is not None:
            self.department = sys.intern(self.department)
        if self.category is not None:
            self.category = sys.intern(self.category)

    def ix(self) -> list[Any]:
        """The ``ix`` array this entry was made from (see :func:`index_of`)."""
        return [*_IX_SCALARS(self), list(self.links)]

    def moved(self, offset: int, length: int) -> Entry:
        """The same entry for the same record's line at another place (compaction)."""
        other = copy.copy(self)
        other.offset, other.length = offset, length
        return other


def entry_from_ix(offset: int, length: int, ix: Any) -> Entry:
    """An :class:`Entry`; :class:`BadLine` if ``ix`` is malformed."""
    if (
        type(ix) is not list
        or len(ix) != 16
        or type(ix[0]) is not str
        or type(ix[1]) is not int
        or type(ix[11]) is not int
        or type(ix[12]) is not int
        or (ix[13] is not None and type(ix[13]) is not int)
        or (ix[13] is None) != (ix[14] is None)
        or type(ix[15]) is not list
    ):
        raise BadLine("the record index ('ix') is malformed")
    try:
        return Entry(offset, length, ix)
    except TypeError:  # a non-string where a string belongs
        raise BadLine("the record index ('ix') is malformed") from None


def outcomes_added(data: bytes) -> bytes:
    """Format 1 to 2: history entries may now carry their outcome; lines stay valid."""
    head, _, rest = data.partition(b"\n")
    fields = parse_header(head)
    return header_line(base=fields["base"], created_at=fields["created_at"], version=2) + rest
