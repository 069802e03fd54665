"""The HTML report: one self-contained page (inline CSS and SVG charts, no script, no
network access needed to view it)."""

from __future__ import annotations

import unicodedata
from html import escape

from .fonts import EMBEDDED_FAMILY, font_face
from .kpi_table import kpi_columns, kpi_rows, mark, meta_line
from .model import Kpi, Report, Table, fmt_cell, fmt_value, text

_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
margin:0;background:#f4f6f8;color:#1d2733}
header{background:#16324f;color:#fff;padding:20px 32px}
header h1{margin:0 0 6px;font-size:24px}header p{margin:0;opacity:.85}
main{padding:16px 32px;max-width:1100px}
section{background:#fff;border-radius:8px;padding:16px 20px;margin:16px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{margin:0 0 12px;font-size:19px;color:#16324f}h3{font-size:15px;margin:16px 0 8px}
.kpis{display:flex;flex-wrap:wrap;gap:12px}
.kpi{flex:1 1 200px;border-radius:8px;padding:12px;border:2px solid #ccc}
.kpi.ok{border-color:#2e7d32;background:#edf7ee}.kpi.miss{border-color:#c62828;background:#fdecea}
.kpi .v{font-size:26px;font-weight:700}.kpi .t{font-size:13px;opacity:.8}
.pair{display:flex;flex-wrap:wrap;gap:20px;align-items:flex-start}
table{border-collapse:collapse;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #e3e7eb;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eef2f6}
ul.analysis li{margin:4px 0}
svg.chart{max-width:100%;height:auto}.scroll{overflow-x:auto;max-width:100%}
@media (max-width:600px){main{padding:8px}header{padding:14px 12px}section{padding:12px}}
"""

_BAR = "#3f7cac"
_PENDING = "#8fb0cc"  # a bar whose row still has undecided items


CHART_ROWS = 15
"""Bars drawn per chart; a longer table's chart says it shows the first ones."""


def _num(v: object) -> float:
    return float(v) if isinstance(v, int | float) else 0.0


def text_width(s: str, size: int = 12) -> float:
    """The width of ``s`` in pixels at ``size``: CJK and full-width characters take a
    full em, others about 0.6 em (a generous estimate, whichever font is used)."""
    wide = sum(1 for c in s if unicodedata.east_asian_width(c) in "WF")
    return size * (wide + 0.62 * (len(s) - wide))


def _short(name: str) -> str:
    return name if len(name) <= 24 else name[:23] + "…"


def bar_chart(t: Table, lang: str = "zh") -> str:
    """A horizontal bar chart (inline SVG) of the table's ``chart`` column: the first
    :data:`CHART_ROWS` rows, saying so when the table has more; a row with undecided
    items (the ``pending`` column) says how many beside its bar, drawn lighter."""
    assert t.chart is not None
    rows = t.rows[:CHART_ROWS]
    values = [_num(r[t.chart]) for r in rows]
    top = 100.0 if t.percent else (max(values, default=0.0) or 1.0)
    names = [" · ".join(str(c) for c in row[: t.label_cols]) for row in rows]
    label_w = max([120.0, *(text_width(_short(n)) + 12 for n in names)])
    span, row_h = 300, 22
    subset = len(t.rows) > len(rows)
    height = row_h * len(rows) + 8 + (18 if subset else 0)
    width = label_w + span + 150
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="{height}" viewBox="0 0 {width:.0f} {height}" role="img" '
        f'aria-label="{escape(t.title)}">'
    ]
    for i, (row, v, name) in enumerate(zip(rows, values, names, strict=True)):
        y = 4 + i * row_h
        w = span * v / top
        note, fill = fmt_cell(row[t.chart]), _BAR
        waiting = _num(row[t.pending]) if t.pending is not None else 0.0
        if waiting:  # not yet met nor breached: not in the percentage, said beside it
            note += text(lang, f"（另 {waiting:g} 项进行中）", f" ({waiting:g} still running)")
            fill = _PENDING
        parts.append(
            f'<text x="{label_w - 6:.1f}" y="{y + 15}" font-size="12" text-anchor="end">'
            f"<title>{escape(name)}</title>{escape(_short(name))}</text>"
            f'<rect class="bar" x="{label_w:.1f}" y="{y + 3}" width="{w:.1f}" '
            f'height="{row_h - 6}" fill="{fill}" rx="2"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="12">{escape(note)}</text>'
        )
    if subset:
        shown = text(
            lang,
            f"图中为前 {len(rows)} 项（共 {len(t.rows)} 项，全部见左表）",
            f"the first {len(rows)} of {len(t.rows)} rows (all in the table)",
        )
        parts.append(
            f'<text class="subset" x="{label_w:.1f}" y="{height - 6}" font-size="11">'
            f"{escape(shown)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def kpi_chart(kpis: tuple[Kpi, ...], lang: str) -> str:
    """Bullet bars: each fraction KPI's value with its target as a line."""
    shown = [k for k in kpis if k.unit == "fraction" and k.value is not None]
    if not shown:
        return ""
    # the label column fits the longest label (it was cut off at a fixed width)
    label_w = max([120.0, *(text_width(k.label) + 12 for k in shown)])
    span, row_h = 280, 26
    width = label_w + span + 70
    height = row_h * len(shown) + 24
    parts = [
        f'<svg class="chart kpi-chart" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width:.0f}" height="{height}" viewBox="0 0 {width:.0f} {height}" role="img" '
        f'aria-label="{escape(text(lang, "指标", "KPIs"))}">'
    ]
    for i, k in enumerate(shown):
        y = 4 + i * row_h
        value = k.value or 0.0
        color = "#2e7d32" if k.met else "#c62828"
        tx = label_w + span * k.target
        parts.append(
            f'<text x="{label_w - 6:.1f}" y="{y + 16}" font-size="12" text-anchor="end">'
            f"{escape(k.label)}</text>"
            f'<rect x="{label_w:.1f}" y="{y + 4}" width="{span}" height="{row_h - 8}" '
            f'fill="#e3e7eb"/>'
            f'<rect class="bar" x="{label_w:.1f}" y="{y + 4}" width="{span * min(value, 1):.1f}" '
            f'height="{row_h - 8}" fill="{color}"/>'
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y}" y2="{y + row_h - 2}" stroke="#111" '
            f'stroke-width="2"/>'
            f'<text x="{label_w + span + 6:.1f}" y="{y + 16}" font-size="12">'
            f"{escape(fmt_value(k.value, k.unit))}</text>"
        )
    legend = text(lang, "竖线 = 目标", "line = target")
    parts.append(f'<text x="{label_w:.1f}" y="{height - 4}" font-size="11">{escape(legend)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = []
    for r in rows:
        cells = []
        for i, c in enumerate(r):
            numeric = i > 0 and c.replace(".", "").replace("%", "").lstrip("-").isdigit()
            cells.append(f'<td class="n">{escape(c)}</td>' if numeric else f"<td>{escape(c)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def to_html(report: Report, *, embed_font: bool = False) -> str:
    """The HTML format; ``embed_font`` carries a subset of a CJK font with the page's
    characters (:mod:`mallops.report.fonts`), so it reads without Chinese fonts."""
    page = _page(report)
    if not embed_font:
        return page
    face = font_face(page)
    if not face:
        return page
    stack = 'body{font-family:"Noto Sans CJK SC"'
    return page.replace("<style>", f"<style>{face}", 1).replace(
        stack, f'body{{font-family:{EMBEDDED_FAMILY},"Noto Sans CJK SC"', 1
    )


def _page(report: Report) -> str:
    lang = report.lang
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{escape(report.title)}</h1><p>{escape(meta_line(report))}</p></header>",
        "<main>",
    ]
    if report.kpis:
        cards = []
        for k in report.kpis:
            cls = "ok" if k.met else ("miss" if k.met is False else "")
            op = "≥" if k.better == "higher" else "≤"
            cards.append(
                f'<div class="kpi {cls}"><div>{escape(k.label)}</div>'
                f'<div class="v">{escape(fmt_value(k.value, k.unit))}</div>'
                f'<div class="t">{escape(text(lang, "目标", "target"))} {op} '
                f"{escape(fmt_value(k.target, k.unit))} · {escape(mark(k, lang))} · "
                f"{escape(k.rule)}{' · ' + escape(k.basis) if k.basis else ''}</div></div>"
            )
        out.append(
            f'<section id="kpis"><h2>{escape(text(lang, "指标与目标（K1）", "KPIs (K1)"))}</h2>'
            f'<div class="kpis">{"".join(cards)}</div>'
            f'<div class="pair">{kpi_chart(report.kpis, lang)}'
            f"{_table(kpi_columns(lang), kpi_rows(report))}</div></section>"
        )
    items = "".join(f"<li>{escape(s)}</li>" for s in report.analysis)
    out.append(
        f'<section id="analysis"><h2>{escape(text(lang, "分析说明", "Analysis"))}</h2>'
        f'<ul class="analysis">{items}</ul></section>'
    )
    for s in report.sections:
        out.append(f'<section id="{escape(s.key)}"><h2>{escape(s.title)}</h2>')
        for t in s.tables:
            rows = [tuple(fmt_cell(c) for c in row) for row in t.rows]
            chart = bar_chart(t, lang) if t.chart is not None and t.rows else ""
            out.append(
                f'<h3>{escape(t.title)}</h3><div class="pair">{_table(t.columns, rows)}'
                f"{chart}</div>"
            )
        out += [f"<p>{escape(n)}</p>" for n in s.notes]
        out.append("</section>")
    out.append("</main></body></html>\n")
    return "\n".join(out)
