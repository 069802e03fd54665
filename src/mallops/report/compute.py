"""The figures of the monthly report (K1-K5), generic over ``mall.services``: the context
a section function receives, the section and label registries, and the statistics helpers
the sections share.

Every figure is computed from the records registered in the period ``[start, end)``,
as they stand when the report is made: volumes from record attributes, SLA attainment
from each record's :class:`~mallops.domain.records.Timer` data, escalations from its
:class:`~mallops.domain.records.Escalation` list.  Workflow-specific figures come from
section functions registered per record kind (:func:`register_section`); a kind with no
records in the period contributes no section.  The sections every report gets are in
:mod:`.generic` (volumes, status, hot spots) and :mod:`.sla` (SLA timers, escalations).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import pendulum

from ..domain.records import Record
from .model import Cell, Section, text
from .tally import Tally, walk

if TYPE_CHECKING:
    from ..mall import Mall
    from ..policy import Policy

__all__ = [
    "LABELS",
    "SECTIONS",
    "ReportContext",
    "percentile",
    "register_labels",
    "register_section",
]


@attrs.frozen
class ReportContext:
    """What a section function sees: the mall, the period, its records, the language."""

    mall: Mall
    lang: str
    start: pendulum.DateTime
    end: pendulum.DateTime
    now: pendulum.DateTime
    records: tuple[Record, ...]
    memo: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)
    """Figures several sections share, computed once per report (issue 16)."""

    @property
    def policy(self) -> Policy:
        """The mall's policy."""
        return self.mall.policy

    @property
    def tally(self) -> Tally:
        """The period's records walked once, for every section (:mod:`.tally`)."""
        found: Tally | None = self.memo.get("tally")
        if found is None:
            found = self.memo["tally"] = walk(self.records, self.now)
        return found

    def of_kind(self, kind: str) -> list[Record]:
        """The period's records of one kind."""
        return list(self.tally.by_kind.get(kind, ()))

    def t(self, zh: str, en: str) -> str:
        """The label in the report's language."""
        return text(self.lang, zh, en)

    def label(self, dim: str, key: str | None, kind: str = "*") -> str:
        """The label of ``key`` on dimension ``dim`` (category, channel ...), looked up
        once per report (a section may ask once per record: issue 16)."""
        labels: dict[tuple[str, str | None, str], str] | None = self.memo.get("labels")
        if labels is None:
            labels = self.memo["labels"] = {}
        found = labels.get((dim, key, kind))
        if found is None:
            found = labels[(dim, key, kind)] = label(self.mall, self.lang, dim, key, kind)
        return found


SectionFn = Callable[[ReportContext], Section | None]
SECTIONS: dict[str, list[SectionFn]] = {}
"""Section functions by record kind, in registration order."""

LabelSource = Callable[["Policy"], Mapping[str, Any]]
LABELS: dict[tuple[str, str], LabelSource] = {}
"""Label sources by ``(kind, dimension)``; ``kind="*"`` applies to every kind.  Each
returns a mapping of key -> object with ``zh`` and ``en`` attributes."""


def register_section(kind: str) -> Callable[[SectionFn], SectionFn]:
    """Decorator: add a section function for records of ``kind``; ``"*"`` runs it for
    every period (for figures about records planned, not registered, in it)."""

    def deco(fn: SectionFn) -> SectionFn:
        SECTIONS.setdefault(kind, []).append(fn)
        return fn

    return deco


def register_labels(kind: str, dim: str, source: LabelSource) -> None:
    """Declare where the labels of ``dim`` for ``kind`` come from."""
    LABELS[(kind, dim)] = source


register_labels("*", "channel", lambda p: p.channels)
register_labels("*", "department", lambda p: p.departments)
register_labels("*", "role", lambda p: p.roles)
register_labels("complaint", "category", lambda p: p.complaints.categories)
register_labels("complaint", "severity", lambda p: p.complaints.severities)

_NONE = {"zh": "（未填）", "en": "(none)"}


def label(mall: Mall, lang: str, dim: str, key: str | None, kind: str = "*") -> str:
    """See :meth:`ReportContext.label`.  Unknown keys show as themselves."""
    if key is None or key == "":
        return _NONE[lang]
    if dim == "kind":
        service = mall.services.get(key)
        return text(lang, service.engine.spec.zh, service.engine.spec.en) if service else key
    if dim == "state" and kind in mall.services:
        try:
            s = mall.services[kind].engine.spec.state(key)
        except KeyError:
            return key
        return text(lang, s.zh, s.en)
    sources = [LABELS.get((kind, dim)), LABELS.get(("*", dim))]
    sources += [src for (_k, d), src in LABELS.items() if d == dim]
    for source in sources:
        if source is None:
            continue
        item = source(mall.policy).get(key)
        if item is not None:
            return str(getattr(item, lang, key)) or key
    return key


# -- statistics --------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0 < q <= 100) by the nearest-rank method; ``None`` for no
    values.  The median is ``percentile(values, 50)``."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def share(part: int, whole: int) -> float | None:
    """``part / whole``, ``None`` when ``whole`` is 0."""
    return part / whole if whole else None


def pct(value: float | None) -> Cell:
    """A fraction as a percentage cell (one decimal)."""
    return None if value is None else round(value * 100, 1)


def count_row(label: str, part: int, whole: int) -> tuple[Cell, ...]:
    """An overview row: label, count and its share of ``whole`` in percent."""
    return (label, part, pct(share(part, whole)))


def records_in(mall: Mall, start: pendulum.DateTime, end: pendulum.DateTime) -> tuple[Record, ...]:
    """The property's records registered in ``[start, end)``."""
    return tuple(mall.query(created_from=start, created_to=end))


def flatten(values: Iterable[Iterable[Cell]]) -> list[Cell]:
    """All cells of some rows."""
    return [c for row in values for c in row]
