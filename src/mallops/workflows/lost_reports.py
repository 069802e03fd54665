"""Lost reports 失物报告 and their matching with found items (beyond the documents).

A customer reports a lost item; :func:`rank` scores the open found items of the time
window by category, place, closeness in time and words in common; a match links the
report and the item (both ways, one commit) and raises a ``lost_report_matched``
domain event so the reporter can be notified.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from ..clock import aware
from ..domain.records import Actor, HistoryEntry, Record
from ..engine.context import Context
from ..engine.spec import EventSpec, Param, StateSpec, WorkflowSpec
from ..errors import InvalidTransition, RecordNotFound, ValidationError
from ..policy import LostFoundPolicy, Policy
from ..stores.protocol import Query
from .base import Batch, WorkflowService
from .lost_found_rules import tokens
from .lost_found_spec import ANYONE, OPEN_ITEM_STATES

if TYPE_CHECKING:
    from ..calendar import BusinessCalendar

__all__ = ["LOST_REPORT", "ItemMatch", "LostReportService"]


def _categories(p: Policy) -> tuple[str, ...]:
    return tuple(p.lost_found.categories)


def _on_report(ctx: Context) -> None:
    lost_from, lost_to = ctx.param("lost_from"), ctx.param("lost_to")
    if lost_to is not None and lost_to < lost_from:
        raise ValidationError("lost_to: must not be before lost_from", field="lost_to")
    if lost_from > ctx.now:
        raise ValidationError("lost_from: is in the future", field="lost_from")
    for name in ("reporter", "contact", "description", "place", "lost_from", "lost_to"):
        if ctx.param(name) is not None:
            ctx.set(name, ctx.param(name))
    ctx.draft.category = ctx.param("category")
    ctx.draft.location = ctx.param("place")
    ctx.draft.owner = ctx.actor.id
    ctx.draft.department = ctx.actor.department or "customer_service"


def _on_match(ctx: Context) -> None:
    ctx.link("found_item", ctx.param("item_id"))
    ctx.set("matched_item", ctx.param("item_id"))
    ctx.emit(
        "lost_report_matched",
        item_id=ctx.param("item_id"),
        number=ctx.param("item_number"),
    )


def _on_unmatch(ctx: Context) -> None:
    ctx.set("matched_item", None)


LOST_REPORT = WorkflowSpec(
    kind="lost_report",
    zh="失物报告",
    en="lost report",
    prefix="LR",
    states=(
        StateSpec("open", "寻找中", "open"),
        StateSpec("matched", "已匹配", "matched"),
        StateSpec("closed", "已归还", "item returned", final=True),
        StateSpec("cancelled", "已撤销", "cancelled", final=True),
    ),
    initial="open",
    create=EventSpec(
        "report",
        (),
        None,
        ANYONE,
        "登记失物报告",
        "report a lost item",
        params=(
            Param("reporter", required=True, personal=True, doc="who lost it"),
            Param("contact", required=True, personal=True, doc="how to reach them"),
            Param("description", "text", required=True, doc="what was lost"),
            Param("category", "choice", choices=_categories),
            Param("place", doc="where it was probably lost"),
            Param("lost_from", "datetime", required=True, doc="last seen"),
            Param("lost_to", "datetime", doc="missed at"),
        ),
        effect=_on_report,
    ),
    events=(
        EventSpec(
            "match",
            ("open",),
            "matched",
            ANYONE,
            "匹配拾获物品",
            "match a found item",
            params=(
                Param("item_id", required=True),
                Param("item_number"),
            ),
            effect=_on_match,
        ),
        EventSpec(
            "unmatch",
            ("matched",),
            "open",
            ANYONE,
            "取消匹配",
            "undo the match",
            effect=_on_unmatch,
            reason_required=True,
        ),
        EventSpec(
            "item_returned",
            ("matched",),
            "closed",
            (),
            "物品已归还",
            "item returned",
            system=True,
        ),
        EventSpec(
            "cancel",
            ("open", "matched"),
            "cancelled",
            ANYONE,
            "撤销",
            "cancel",
            reason_required=True,
        ),
    ),
)


@attrs.frozen
class ItemMatch:
    """A found item suggested for a lost report, with its score and why."""

    item_id: str
    number: str | None
    score: int
    reasons: tuple[str, ...]


def rank(
    report: Record,
    items: Iterable[Record],
    policy: LostFoundPolicy,
    calendar: BusinessCalendar,
    words: dict[str, tuple[int, frozenset[str]]],
) -> list[ItemMatch]:
    """Score ``items`` for ``report``: category, place, time, words (``words`` caches the
    tokens of each item by version); best first, then the earliest found."""
    m = policy.match
    f = report.fields
    lost_from = aware(f["lost_from"], tz=calendar.tz)
    lost_to = aware(f["lost_to"], tz=calendar.tz) if f.get("lost_to") else lost_from
    window = calendar.to_seconds(m.window)
    want_words = tokens(f.get("description"))
    place = (f.get("place") or "").strip().lower()
    place_words = tokens(place)
    scored: list[tuple[int, str, ItemMatch]] = []
    for item in items:
        fields = item.fields
        found_at = aware(fields["found_at"], tz=calendar.tz)
        if found_at < lost_from:
            continue
        score, reasons = 0, []
        if report.category is not None and item.category == report.category:
            score += m.category_weight
            reasons.append("category")
        item_place = (item.location or "").strip().lower()
        if place and item_place == place:
            score += m.place_weight
            reasons.append("place")
        elif place_words:
            shared = place_words & tokens(item_place)
            if shared:
                score += m.place_weight * len(shared) // len(place_words)
                reasons.append("place words")
        late = max(0.0, (found_at - lost_to).total_seconds())
        if late <= window:
            score += int(m.time_weight * (1 - late / window)) if window else m.time_weight
            reasons.append("time")
        cached = words.get(item.id)
        if cached is None or cached[0] != item.version:
            text = f"{fields.get('description', '')} {fields.get('features', '')}"
            cached = (item.version, tokens(text))
            words[item.id] = cached
        common = len(want_words & cached[1])
        if common:
            score += m.word_weight * common
            reasons.append(f"{common} words")
        if score >= m.min_score:
            scored.append(
                (
                    -score,
                    fields["found_at"],
                    ItemMatch(item.id, fields.get("number"), score, tuple(reasons)),
                )
            )
    scored.sort(key=lambda s: (s[0], s[1]))
    return [s[2] for s in scored[: m.limit]]


class LostReportService(WorkflowService):
    """``mall.lost_found.reports``: lost reports and their matches."""

    def __init__(self, mall: Any, engine: Any) -> None:
        super().__init__(mall, engine)
        self._words: dict[str, tuple[int, frozenset[str]]] = {}

    def report(
        self,
        *,
        actor: Actor,
        reporter: str,
        contact: str,
        description: str,
        lost_from: Any,
        category: str | None = None,
        place: str | None = None,
        lost_to: Any = None,
    ) -> Record:
        """Register a customer's report of a lost item."""
        return self.open(
            actor=actor,
            reporter=reporter,
            contact=contact,
            description=description,
            category=category,
            place=place,
            lost_from=lost_from,
            lost_to=lost_to,
        )

    def candidates(self, report: Record) -> list[Record]:
        """Open found items registered in the report's time window (a store query)."""
        tz = self.mall.calendar.tz
        f = report.fields
        lost_from = aware(f["lost_from"], tz=tz)
        lost_to = aware(f["lost_to"], tz=tz) if f.get("lost_to") else lost_from
        until = self.mall.calendar.add(lost_to, self.mall.policy.lost_found.match.window)
        return self.mall.store.query(
            Query(
                kind="lost_item",
                property=self.mall.property,
                state=OPEN_ITEM_STATES,
                created_from=lost_from,
                created_to=until,
            )
        )

    def suggest_matches(self, report_id: str) -> list[ItemMatch]:
        """Found items that may be the reported one, best first (at most ``match.limit``)."""
        report = self.get(report_id)
        return rank(
            report,
            self.candidates(report),
            self.mall.policy.lost_found,
            self.mall.calendar,
            self._words,
        )

    def match(self, report_id: str, item_id: str, *, actor: Actor) -> Record:
        """Link the report and the found item (both ways) and notify the reporter."""
        item = self.mall.get(item_id)
        number = item.fields.get("number") if item.kind == "lost_item" else None
        return self.fire(report_id, "match", actor=actor, item_id=item_id, item_number=number)

    def _after(
        self, batch: Batch, before: Record | None, after: Record, entry: HistoryEntry
    ) -> None:
        if entry.event != "match":
            return
        item_id = str(entry.data["item_id"])
        try:
            item = batch.current(item_id)
        except (RecordNotFound, ValidationError):
            raise ValidationError(f"item_id: no found item {item_id!r}", field="item_id") from None
        if item.kind != "lost_item" or item.property != after.property:
            raise ValidationError(f"item_id: {item_id!r} is not a found item", field="item_id")
        if item.state not in OPEN_ITEM_STATES:
            raise InvalidTransition(
                f"{item_id} is {item.state}: only items still kept can be matched",
                record_id=item_id,
                state=item.state,
                event="match",
            )
        items = self.mall.service("lost_item")
        items.fire_system_in(batch, item_id, "link_report", {"report": after.id}, entry.at)
