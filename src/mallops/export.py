"""Records out to spreadsheets: chosen columns, headers in zh-CN or English, personal
data masked unless asked otherwise (G7), CSV with a UTF-8 byte-order mark (Excel on
Chinese Windows) or XLSX (the optional ``xlsx`` extra, openpyxl)::

    from mallops.export import export_rows, to_csv

    header, rows = export_rows(mall, mall.query(kind="complaint"), ["id", "state", "contact"])
    text = to_csv(header, rows)              # contact masked: 139******78

A column is a record attribute (:data:`COLUMNS`) or the name of any field of the
records (the parameters of their events, e.g. ``channel``, ``contact``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .domain.records import Record
from .errors import ValidationError
from .mall import Mall
from .masking import mask_free_text, mask_value, personal_fields
from .read_models import overdue_timers

__all__ = ["COLUMNS", "DEFAULT_COLUMNS", "export_rows", "to_csv", "write_xlsx"]

COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("编号", "id"),
    "kind": ("类型", "kind"),
    "kind_label": ("类型名称", "kind name"),
    "state": ("状态", "state"),
    "state_label": ("状态名称", "state name"),
    "is_open": ("未结", "open"),
    "created_at": ("创建时间", "created"),
    "updated_at": ("更新时间", "updated"),
    "owner": ("负责人", "owner"),
    "department": ("部门", "department"),
    "tenant": ("商户", "tenant"),
    "location": ("位置", "location"),
    "category": ("类别", "category"),
    "severity": ("级别", "severity"),
    "overdue": ("逾期计时器", "overdue timers"),
    "breached": ("曾逾期计时器", "breached timers"),
    "escalation_level": ("升级级别", "escalation level"),
}
"""Record attributes that are columns, with their ``(zh, en)`` headers."""

DEFAULT_COLUMNS = ("id", "kind", "state_label", "created_at", "owner", "department", "category",
                   "overdue")  # fmt: skip
"""The columns exported when none are chosen."""

BOM = "\ufeff"


def _attribute(mall: Mall, r: Record, column: str, lang: str) -> Any:
    if column in ("kind_label", "state_label"):
        spec = mall.service(r.kind).engine.spec
        if column == "kind_label":
            return spec.zh if lang == "zh" else spec.en
        try:
            s = spec.state(r.state)
        except KeyError:
            return r.state
        return s.zh if lang == "zh" else s.en
    if column in ("created_at", "updated_at"):
        return getattr(r, column).format("YYYY-MM-DD HH:mm")
    if column == "overdue":
        return ", ".join(overdue_timers(r, mall.now()))
    if column == "breached":
        return ", ".join(t.name for t in r.timers if t.breached)
    if column == "escalation_level":
        return max((e.level for e in r.escalations), default=0)
    return getattr(r, column)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        return str(value)
    return value


def export_rows(
    mall: Mall,
    records: Iterable[Record],
    columns: Sequence[str] = DEFAULT_COLUMNS,
    *,
    lang: str = "zh",
    reveal: bool = False,
) -> tuple[list[str], list[list[Any]]]:
    """The header (in ``lang``) and one row per record for ``columns``; personal fields
    are masked unless ``reveal`` (G7).  An unknown column raises ``ValidationError``."""
    records = list(records)
    specs = [s.engine for s in mall.services.values()]
    known_fields = {p.name for e in specs for ev in e.spec.events for p in ev.params}
    known_fields |= {p.name for e in specs for p in e.spec.create.params}
    for c in columns:
        if c not in COLUMNS and c not in known_fields:
            raise ValidationError(
                f"unknown column {c!r}; columns: {', '.join(COLUMNS)} or a field name",
                field="columns",
            )
    personal = personal_fields(s.engine.spec for s in mall.services.values())
    header = [
        (COLUMNS[c][0] if lang == "zh" else COLUMNS[c][1]) if c in COLUMNS else c for c in columns
    ]
    rows = []
    for r in records:
        row = []
        for c in columns:
            if c in COLUMNS:
                value = _attribute(mall, r, c, lang)
            else:
                value = r.fields.get(c)
                if c in personal and not reveal and value is not None:
                    value = mask_value(value)
            row.append(_cell(value if reveal else mask_free_text(value)))
        rows.append(row)
    return header, rows


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text with a UTF-8 byte-order mark."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return BOM + buf.getvalue()


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """An XLSX workbook at ``path`` (needs the ``xlsx`` extra: openpyxl)."""
    try:
        from openpyxl import Workbook  # type: ignore[import-untyped]
    except ImportError:
        raise ValidationError(
            "XLSX export needs openpyxl: pip install 'mallops[xlsx]'", field="format"
        ) from None
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("records")
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    try:
        wb.save(path)
    except OSError as exc:
        raise ValidationError(f"cannot write {path}: {exc.strerror}", field="output") from None
