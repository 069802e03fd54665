"""Render a :class:`~mallops.report.model.Report` as terminal text, Markdown, JSON, CSV or
a self-contained HTML page (:mod:`mallops.report.html`)."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Sequence

from ..errors import ValidationError
from .kpi_table import kpi_columns, kpi_rows, meta_line
from .model import Report, Table, fmt_cell, text

__all__ = ["BOM", "FORMATS", "render"]

BOM = "\ufeff"
"""The UTF-8 byte-order mark every CSV output starts with (Excel reads it as UTF-8)."""

FORMATS = ("text", "markdown", "json", "csv", "html")


def render(report: Report, fmt: str = "text", *, embed_font: bool = False) -> str:
    """The report in format ``fmt`` (one of :data:`FORMATS`); ``embed_font`` makes the
    HTML page carry the glyphs it uses (see :mod:`mallops.report.fonts`)."""
    if fmt == "text":
        return to_text(report)
    if fmt in ("markdown", "md"):
        return to_markdown(report)
    if fmt == "json":
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return to_csv(report)
    if fmt == "html":
        from .html import to_html

        return to_html(report, embed_font=embed_font)
    raise ValidationError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}", field="format")


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - _width(s))
    return gap + s if right else s + gap


def _grid(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max([_width(c), *(_width(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    numeric = [
        i > 0
        and all(
            r[i].replace(".", "").replace("%", "").lstrip("-").isdigit() or r[i] == "–"
            for r in rows
        )
        for i in range(len(columns))
    ]
    out = ["  ".join(_pad(c, w, n) for c, w, n in zip(columns, widths, numeric, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append("  ".join(_pad(c, w, n) for c, w, n in zip(r, widths, numeric, strict=True)))
    return out


def _cells(t: Table) -> list[tuple[str, ...]]:
    return [tuple(fmt_cell(c) for c in row) for row in t.rows]


def to_text(report: Report) -> str:
    """The terminal format."""
    lang = report.lang
    lines = [report.title, "=" * _width(report.title), meta_line(report), ""]
    if report.kpis:
        lines += [text(lang, "指标与目标（K1）", "KPIs against targets (K1)"), ""]
        lines += ["  " + x for x in _grid(kpi_columns(lang), kpi_rows(report))]
        lines.append("")
    lines += [text(lang, "分析说明", "Analysis"), ""]
    lines += [f"  • {s}" for s in report.analysis]
    lines.append("")
    for s in report.sections:
        lines += [s.title, "-" * _width(s.title)]
        for t in s.tables:
            lines += ["", f"  {t.title}"]
            lines += ["    " + x for x in _grid(t.columns, _cells(t))]
        lines += [f"  {n}" for n in s.notes]
        lines.append("")
    return "\n".join(lines)


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|")


def _md_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(_md_escape(c) for c in columns) + " |"]
    out.append("|" + "|".join("---" for _ in columns) + "|")
    out += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in rows]
    return out


def to_markdown(report: Report) -> str:
    """The Markdown format."""
    lang = report.lang
    lines = [f"# {report.title}", "", meta_line(report), ""]
    if report.kpis:
        lines += [f"## {text(lang, '指标与目标（K1）', 'KPIs against targets (K1)')}", ""]
        lines += _md_table(kpi_columns(lang), kpi_rows(report))
        lines.append("")
    lines += [f"## {text(lang, '分析说明', 'Analysis')}", ""]
    lines += [f"- {s}" for s in report.analysis]
    lines.append("")
    for s in report.sections:
        lines += [f"## {s.title}", ""]
        for t in s.tables:
            lines += [f"### {t.title}", ""]
            lines += _md_table(t.columns, _cells(t))
            lines.append("")
        lines += [f"{n}\n" for n in s.notes]
    return "\n".join(lines)


def to_csv(report: Report) -> str:
    """The CSV format: one long table ``section, table, row, column, value`` (KPIs
    under section ``kpi``), for spreadsheets.  It starts with a UTF-8 byte-order mark so
    that Excel on Chinese Windows reads it as UTF-8, not GBK."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["section", "table", "row", "column", "value"])
    w.writerow(["meta", "period", "start", "", report.start.isoformat()])
    w.writerow(["meta", "period", "end", "", report.end.isoformat()])
    w.writerow(["meta", "total", "", "", report.total])
    for k in report.kpis:
        w.writerow(["kpi", k.key, k.label, "value", "" if k.value is None else k.value])
        w.writerow(["kpi", k.key, k.label, "target", k.target])
        w.writerow(["kpi", k.key, k.label, "met", "" if k.met is None else k.met])
    for s in report.sections:
        for t in s.tables:
            for row in t.rows:
                for col, cell in zip(t.columns[1:], row[1:], strict=False):
                    w.writerow([s.key, t.key, row[0], col, "" if cell is None else cell])
    for i, sentence in enumerate(report.analysis, 1):
        w.writerow(["analysis", "", i, "", sentence])
    return BOM + buf.getvalue()
