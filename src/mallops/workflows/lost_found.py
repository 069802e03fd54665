"""Lost and found 失物招领 (rules L1-L10, G7): ``mall.lost_found``.

The workflow itself (states, events, timers) is in ``lost_found_spec.py``; lost reports
and matching in ``lost_reports.py``; this module is the service users call, the
close-of-day numbering (L3) and the label; the register 《失物招领记录表》 is built in
``lost_register.py``.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..clock import aware
from ..domain.personal import mask_free_text
from ..domain.records import Actor, Record
from ..errors import ConflictError, ValidationError
from ..policy import LostFoundPolicy
from .base import Batch, WorkflowService
from .lost_found_rules import (
    category_of,
    mask_id,
)
from .lost_found_spec import LOST_ITEM
from .lost_register import RegisterRow, register_markdown, register_row
from .lost_reports import LOST_REPORT, ItemMatch, LostReportService

__all__ = ["LOST_ITEM", "LOST_REPORT", "ItemMatch", "LostFoundService", "RegisterRow"]

_CLOSE_ATTEMPTS = 20


class LostFoundService(WorkflowService):
    """``mall.lost_found``: found items from intake to release or disposal (L1-L10);
    ``reports`` holds lost reports and matching."""

    @property
    def reports(self) -> LostReportService:
        """The lost reports and matching (the ``lost_report`` workflow)."""
        return self.peers.of("lost_report", LostReportService)

    @property
    def policy(self) -> LostFoundPolicy:
        """The lost-and-found part of the mall's policy."""
        return self.runtime.policy.lost_found

    # -- intake and owner contact (L1, L2) ------------------------------------------------

    def intake(
        self,
        *,
        actor: Actor,
        found_at: Any,
        place_found: str,
        description: str,
        features: str,
        finder_type: str,
        category: str | None = None,
        finder_name: str | None = None,
        finder_department: str | None = None,
        finder_contact: str | None = None,
        owner_clue: str | None = None,
        owner_contact: str | None = None,
        desk: str | None = None,
    ) -> Record:
        """Register an item handed in at a service desk (L1).

        ``finder_type`` is ``customer`` or ``employee`` (an employee names a
        ``finder_department``).  The retention clock starts from ``found_at`` (L6).
        """
        return self.open(
            actor=actor,
            found_at=found_at,
            place_found=place_found,
            description=description,
            features=features,
            finder_type=finder_type,
            category=category,
            finder_name=finder_name,
            finder_department=finder_department,
            finder_contact=finder_contact,
            owner_clue=owner_clue,
            owner_contact=owner_contact,
            desk=desk,
        )

    def contact_owner(
        self,
        item_id: str,
        *,
        actor: Actor,
        method: str,
        reached: bool,
        contact: str | None = None,
        note: str | None = None,
    ) -> Record:
        """Record an attempt to reach the owner (L2); a known contact lengthens the
        retention to its class (L6)."""
        return self.fire(
            item_id,
            "contact_owner",
            actor=actor,
            method=method,
            reached=reached,
            contact=contact,
            note=note,
        )

    # -- claims (L5, L10) -------------------------------------------------------------------

    def claim(
        self,
        item_id: str,
        *,
        actor: Actor,
        claimant: str,
        features: str,
        place: str,
        time: str,
        id_type: str,
        id_number: str,
        proxy: bool = False,
        owner_name: str | None = None,
        authorisation: str | None = None,
    ) -> Record:
        """Record a claim: what the claimant states and the identity document seen (L5).

        The document number is masked before anything is stored (G7): only its last
        ``id_visible`` characters are kept.  A proxy claim (L10) names the owner and the
        authorisation, and is refused when the policy does not allow proxies.
        """
        return self.fire(
            item_id,
            "claim",
            actor=actor,
            claimant=claimant,
            features=features,
            place=place,
            time=time,
            id_type=id_type,
            id_number=mask_id(id_number, self.policy.id_visible),
            proxy=proxy,
            owner_name=owner_name,
            authorisation=authorisation,
        )

    def verify_claim(
        self,
        item_id: str,
        *,
        actor: Actor,
        features_match: bool,
        id_checked: bool,
        note: str | None = None,
    ) -> Record:
        """Staff compared the stated features and checked the document (L5)."""
        return self.fire(
            item_id,
            "verify_claim",
            actor=actor,
            features_match=features_match,
            id_checked=id_checked,
            note=note,
        )

    def reject_claim(self, item_id: str, *, actor: Actor, reason: str) -> Record:
        """Reject the open claim with a reason; the item stays (L5)."""
        return self.fire(item_id, "reject_claim", actor=actor, reason=reason)

    def release(
        self, item_id: str, *, actor: Actor, taken_by: str | None = None, note: str | None = None
    ) -> Record:
        """Hand the item to the verified claimant (L5): who took it, when, by whom."""
        return self.fire(item_id, "release", actor=actor, taken_by=taken_by, note=note)

    # -- disposal (L7, L8) ------------------------------------------------------------------

    def dispose(
        self,
        item_id: str,
        *,
        actor: Actor,
        received_by: str | None = None,
        decision: str | None = None,
        receipt: str | None = None,
    ) -> Record:
        """Carry out the disposal the policy routed the item to (L7, L8)."""
        return self.fire(
            item_id,
            "dispose",
            actor=actor,
            received_by=received_by,
            decision=decision,
            receipt=receipt,
        )

    # -- close of day (L3) -------------------------------------------------------------------

    def counter_name(self, year: int, month: int) -> str:
        """The store counter of one property's numbers in one month (G11, L3)."""
        return f"lost:{self.runtime.property}:{year:04d}/{month:02d}"

    def close_day(self, *, actor: Actor, desk: str | None = None) -> list[Record]:
        """Move every item still at a service desk (of ``desk``, or all) to the
        service-centre office and number it ``YYYY/MM/NNN`` (L3), in one commit.

        Numbers run per property and month from 001, in intake order, and are never
        reused: the month's counter advances in the same commit as the items, so two
        processes closing at once get different numbers (a race is retried).
        """
        self.engine.check_actor(actor)
        now = self.runtime.now()
        counter = self.counter_name(now.year, now.month)

        def operation(batch: Batch) -> list[Record]:
            done: list[Record] = []
            for item in self.query(state="registered"):
                if desk is not None and item.fields.get("desk") != desk:
                    continue
                current = self.catch_up(batch, batch.current(item.id), now)
                if current.state != "registered":
                    continue
                seq = batch.next_number(counter)
                data = {
                    "number": self.policy.format_number(now.year, now.month, seq),
                    "seq": seq,
                    "period": f"{now.year:04d}/{now.month:02d}",
                    "by": actor.id,
                }
                entry = self.engine.entry_for_system(current, "number_item", now, data)
                done.append(self.apply_entry(batch, current, entry))
            return done

        for attempt in range(_CLOSE_ATTEMPTS):
            try:
                return self._run(operation)
            except ConflictError:
                if attempt == _CLOSE_ATTEMPTS - 1:
                    raise
                self.runtime.store.refresh()  # another desk numbered some items: look again
        raise AssertionError("unreachable")  # pragma: no cover

    def by_number(self, number: str) -> Record:
        """The item with the number ``number`` (``ValidationError`` if none has it)."""
        for item in self.query():
            if item.fields.get("number") == number:
                return item
        raise ValidationError(f"number: no item is numbered {number!r}", field="number")

    def label(self, item_id: str) -> str:
        """The text of the bag label (L3): number, date and place found, category,
        features and the retention end.  No personal data."""
        item = self.get(item_id)
        f = item.fields
        if not f.get("number"):
            raise ValidationError(
                f"{item_id} has no number yet: items are numbered at close of day (L3)",
                field="number",
            )
        cat = category_of(self.policy, item.category)
        found = aware(f["found_at"], tz=self.runtime.calendar.tz)
        until = aware(f["retention_until"], tz=self.runtime.calendar.tz)
        lines = [
            "失物招领 LOST AND FOUND",
            f"编号 No.: {f['number']}",
            f"拾获时间 Found: {found.format('YYYY-MM-DD HH:mm')}",
            f"拾获地点 Place: {item.location}",
            f"类别 Category: {cat.zh} {cat.en}",
            f"特征 Features: {f['features']}",
            f"保管期限 Keep until: {until.format('YYYY-MM-DD')}",
        ]
        return "\n".join(lines)

    # -- lost reports -------------------------------------------------------------------------

    def report_lost(self, **params: Any) -> Record:
        """Register a customer's lost report (see ``reports.report``)."""
        return self.reports.report(**params)

    def suggest_matches(self, report_id: str) -> list[ItemMatch]:
        """Found items that may be the reported one, best first."""
        return self.reports.suggest_matches(report_id)

    def match(self, report_id: str, item_id: str, *, actor: Actor) -> Record:
        """Link a lost report with a found item and notify the reporter."""
        return self.reports.match(report_id, item_id, actor=actor)

    # -- the register -------------------------------------------------------------------------

    def register(
        self,
        start: Any,
        end: Any,
        *,
        lang: str = "zh",
        reveal: bool = False,
    ) -> list[RegisterRow]:
        """The register 《失物招领记录表》 of items registered in ``[start, end)``.

        Names are masked unless ``reveal`` is true (G7); identity numbers are stored
        masked and cannot be revealed.  ``lang`` is ``zh``, ``en`` or ``both``.
        """
        if lang not in ("zh", "en", "both"):
            raise ValidationError(f"lang: {lang!r}; choose zh, en or both", field="lang")
        tz = self.runtime.calendar.tz
        lo, hi = aware(start, field="start", tz=tz), aware(end, field="end", tz=tz)
        if hi <= lo:
            raise ValidationError("end: must be after start", field="end")
        items = self.query(created_from=lo, created_to=hi)
        items.sort(key=lambda r: (r.fields.get("period") or "~", r.fields.get("seq") or 0, r.id))
        policy, spec = self.runtime.policy, self.engine.spec
        rows = [
            register_row(item, policy, spec, lang, reveal) for item in items
        ]  # G7: masked free text too
        return rows if reveal else [RegisterRow(*mask_free_text(attrs.astuple(r))) for r in rows]

    def register_text(self, start: Any, end: Any, *, lang: str = "zh", reveal: bool = False) -> str:
        """The register as a Markdown table (see :meth:`register`)."""
        return register_markdown(self.register(start, end, lang=lang, reveal=reveal), lang)
