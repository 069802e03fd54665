"""The report as data: sections of tables and KPIs, labelled in one language.

Renderers (text, Markdown, JSON, CSV, HTML) only lay this out; every figure is computed
once, in :mod:`mallops.report.compute` and the per-kind section functions.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import attrs
import pendulum

Cell = str | int | float | None


@attrs.frozen
class Table:
    """A titled table; ``chart`` names the numeric column drawn as bars (HTML), and
    ``compare`` says the first numeric column is a count worth comparing with the
    previous period in the written analysis."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: int | None = None
    compare: bool = False
    keys: tuple[str, ...] = ()  # raw key of each row (for JSON and period comparison)
    label_cols: int = 1  # leading columns that name a row (joined for chart labels)
    percent: bool = False  # the chart column is a percentage: bars on a 0-100 scale
    pending: int | None = None  # column counting items not yet decided (shown beside bars)


@attrs.frozen
class Kpi:
    """A KPI beside its policy target (K1): ``better`` is ``"higher"`` (value must reach
    the target) or ``"lower"`` (value must not exceed it).  ``value`` is ``None`` when
    nothing was measured."""

    key: str
    label: str
    value: float | None
    target: float
    unit: str  # "fraction" | "count"
    better: str
    rule: str
    basis: str = ""  # e.g. "42 of 45"

    @property
    def met(self) -> bool | None:
        """Whether the value is on target (``None`` when there is no value)."""
        if self.value is None:
            return None
        if self.better == "higher":
            return self.value >= self.target - 1e-12
        return self.value <= self.target + 1e-12


@attrs.frozen
class Section:
    """One part of the report: a generic one or a workflow's own."""

    key: str
    title: str
    tables: tuple[Table, ...] = ()
    kpis: tuple[Kpi, ...] = ()
    notes: tuple[str, ...] = ()


@attrs.frozen
class Report:
    """The monthly report (K2) of one property for a period ``[start, end)``."""

    title: str
    property: str
    policy: str
    lang: str
    start: pendulum.DateTime
    end: pendulum.DateTime
    previous_start: pendulum.DateTime
    generated_at: pendulum.DateTime
    total: int
    previous_total: int
    sections: tuple[Section, ...]
    analysis: tuple[str, ...]
    property_name: str = ""  # display names in the report's language ("" = the id)
    policy_name: str = ""

    @builtins.property
    def kpis(self) -> tuple[Kpi, ...]:
        """Every KPI of every section."""
        return tuple(k for s in self.sections for k in s.kpis)

    def table(self, key: str) -> Table | None:
        """The table called ``key`` (in any section)."""
        for s in self.sections:
            for t in s.tables:
                if t.key == key:
                    return t
        return None

    def section(self, key: str) -> Section | None:
        """The section called ``key``."""
        for s in self.sections:
            if s.key == key:
                return s
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible data (what the JSON format writes)."""
        return {
            "title": self.title,
            "property": self.property,
            "property_name": self.property_name or self.property,
            "policy": self.policy,
            "policy_name": self.policy_name or self.policy,
            "lang": self.lang,
            "period": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "previous_period": {
                "start": self.previous_start.isoformat(),
                "end": self.start.isoformat(),
            },
            "generated_at": self.generated_at.isoformat(),
            "total": self.total,
            "previous_total": self.previous_total,
            "kpis": [_kpi_dict(k) for k in self.kpis],
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "notes": list(s.notes),
                    "kpis": [_kpi_dict(k) for k in s.kpis],
                    "tables": [
                        {
                            "key": t.key,
                            "title": t.title,
                            "columns": list(t.columns),
                            # named cells: each row maps its column names to values,
                            # with the row's raw key (``None`` where the row has none)
                            "rows": [_row_dict(t, i, r) for i, r in enumerate(t.rows)],
                        }
                        for t in s.tables
                    ],
                }
                for s in self.sections
            ],
            "analysis": list(self.analysis),
        }


def _row_dict(t: Table, i: int, row: Sequence[Cell]) -> dict[str, Any]:
    cells = dict(zip(t.columns, row, strict=False))
    return {"key": t.keys[i] if i < len(t.keys) else None, "cells": cells}


def _kpi_dict(k: Kpi) -> dict[str, Any]:
    return {
        "key": k.key,
        "label": k.label,
        "value": k.value,
        "target": k.target,
        "unit": k.unit,
        "better": k.better,
        "rule": k.rule,
        "met": k.met,
        "basis": k.basis,
    }


def fmt_value(value: float | None, unit: str) -> str:
    """A KPI value for people: ``93.3%`` or ``2``; ``–`` when unmeasured."""
    if value is None:
        return "–"
    if unit == "fraction":
        return f"{value * 100:.1f}%"
    return f"{value:g}"


def fmt_cell(value: Cell) -> str:
    """A table cell for people."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def text(lang: str, zh: str, en: str) -> str:
    """Pick the label of ``lang``."""
    return zh if lang == "zh" else en


def rows_of(items: Sequence[tuple[str, Sequence[Cell]]]) -> tuple[tuple[Cell, ...], ...]:
    """Rows from ``(label, cells)`` pairs."""
    return tuple((label, *cells) for label, cells in items)
