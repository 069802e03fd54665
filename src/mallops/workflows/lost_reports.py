"""Lost reports 失物报告 and their matching with found items (beyond the documents).

A customer reports a lost item; :func:`rank` scores the open found items of the time
window by category, place, closeness in time and words in common; a match links the
report and the item (both ways, one commit) and raises a ``lost_report_matched``
domain event so the reporter can be notified.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from typing import Any

import attrs

from ..clock import aware
from ..domain.records import Actor, HistoryEntry, Record
from ..engine.context import Context
from ..engine.engine import Engine
from ..engine.spec import EventSpec, Param, StateSpec, WorkflowSpec
from ..errors import InvalidTransition, RecordNotFound, ValidationError
from ..policy import LostFoundPolicy
from ..stores.protocol import Query
from .base import Batch, WorkflowService
from .lost_found_rules import tokens
from .lost_found_spec import ANYONE, OPEN_ITEM_STATES, item_categories
from .runtime import Runtime

__all__ = ["LOST_REPORT", "ItemMatch", "LostReportService"]


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
            Param("category", "choice", choices=item_categories),
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
            who="handler",  # G5: the desk that took the report
        ),
        EventSpec(
            "unmatch",
            ("matched",),
            "open",
            ANYONE,
            "取消匹配",
            "undo the match",
            effect=_on_unmatch,
            who="handler",  # G5: the desk that took the report
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
            who="handler",
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


@attrs.frozen
class _Indexed:
    """What matching needs of one item version, computed once (parsing and tokenising
    dominate the cost of a suggestion otherwise)."""

    version: int
    found_ts: float
    found_at: str
    place: str
    place_words: frozenset[str]
    words: frozenset[str]

    @classmethod
    def of(cls, item: Record) -> _Indexed:
        f = item.fields
        place = (item.location or "").strip().lower()
        return cls(
            item.version,
            aware(f["found_at"]).timestamp(),
            f["found_at"],
            place,
            tokens(place),
            tokens(f"{f.get('description', '')} {f.get('features', '')}"),
        )


def rank(
    report: Record,
    items: Iterable[Record],
    policy: LostFoundPolicy,
    index: dict[str, _Indexed],
) -> list[ItemMatch]:
    """Score ``items`` for ``report`` by category, place, closeness in time and words in
    common (weights from the policy); best first, then the earliest found.  ``index``
    caches each item's parsed form by version."""
    m = policy.match
    f = report.fields
    lost_from = aware(f["lost_from"]).timestamp()
    lost_to = aware(f["lost_to"]).timestamp() if f.get("lost_to") else lost_from
    window = m.window.seconds()
    want_words = tokens(f.get("description"))
    place = (f.get("place") or "").strip().lower()
    place_words = tokens(place)
    category = report.category

    def score(item: Record, x: _Indexed, reasons: list[str] | None) -> int:
        total = 0
        if category is not None and item.category == category:
            total += m.category_weight
            if reasons is not None:
                reasons.append("category")
        if place and x.place == place:
            total += m.place_weight
            if reasons is not None:
                reasons.append("place")
        elif place_words:
            shared = len(place_words & x.place_words)
            if shared:
                total += m.place_weight * shared // len(place_words)
                if reasons is not None:
                    reasons.append("place words")
        late = max(0.0, x.found_ts - lost_to)
        if late <= window:
            total += int(m.time_weight * (1 - late / window))
            if reasons is not None:
                reasons.append("time")
        common = len(want_words & x.words)
        if common:
            total += m.word_weight * common
            if reasons is not None:
                reasons.append(f"{common} words")
        return total

    scored: list[tuple[int, str, str]] = []
    by_id: dict[str, tuple[Record, _Indexed]] = {}
    for item in items:
        x = index.get(item.id)
        if x is None or x.version != item.version:
            x = index[item.id] = _Indexed.of(item)
        if x.found_ts < lost_from:
            continue  # found before it was lost
        points = score(item, x, None)
        if points >= m.min_score:
            scored.append((-points, x.found_at, item.id))
            by_id[item.id] = (item, x)
    out = []
    for neg, _, item_id in heapq.nsmallest(m.limit, scored):
        item, x = by_id[item_id]
        reasons: list[str] = []
        score(item, x, reasons)
        out.append(ItemMatch(item_id, item.fields.get("number"), -neg, tuple(reasons)))
    return out


class LostReportService(WorkflowService):
    """``mall.lost_found.reports``: lost reports and their matches."""

    def __init__(self, runtime: Runtime, engine: Engine) -> None:
        super().__init__(runtime, engine)
        self._index: dict[str, _Indexed] = {}

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
        tz = self.runtime.calendar.tz
        f = report.fields
        lost_from = aware(f["lost_from"], tz=tz)
        lost_to = aware(f["lost_to"], tz=tz) if f.get("lost_to") else lost_from
        until = self.runtime.calendar.add(lost_to, self.runtime.policy.lost_found.match.window)
        return self.runtime.store.query(
            Query(
                kind="lost_item",
                property=self.runtime.property,
                state=OPEN_ITEM_STATES,
                created_from=lost_from,
                created_to=until,
            )
        )

    def suggest_matches(self, report_id: str) -> list[ItemMatch]:
        """Found items that may be the reported one, best first (at most ``match.limit``)."""
        report = self.get(report_id)
        return rank(report, self.candidates(report), self.runtime.policy.lost_found, self._index)

    def match(self, report_id: str, item_id: str, *, actor: Actor) -> Record:
        """Link the report and the found item (both ways) and notify the reporter."""
        item = self.runtime.get(item_id)
        number = item.fields.get("number") if item.kind == "lost_item" else None
        return self.fire(report_id, "match", actor=actor, item_id=item_id, item_number=number)

    def check_match(self, batch: Batch, after: Record, entry: HistoryEntry) -> None:
        """A report matched with an item (a reaction, docs/architecture.md): the item
        must be a kept found item matched with no other report; it is linked back."""
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
        for rid in item.linked("lost_report"):
            other = batch.current(rid)
            if (
                rid != after.id
                and other.state == "matched"
                and other.fields.get("matched_item") == item_id
            ):
                raise InvalidTransition(
                    f"{item_id} is already matched with the lost report {rid}; only one "
                    "owner can get it back: unmatch that report first",
                    record_id=after.id,
                    state="open",
                    event="match",
                )
        items = self.peers["lost_item"]
        items.fire_system_in(batch, item_id, "link_report", {"report": after.id}, entry.at)
