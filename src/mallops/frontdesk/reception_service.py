"""``mall.receptions``: the reception log's operations (rule G12).

Log every call and visit; answer an enquiry on the spot; convert it into a complaint,
repair order or suggestion through the built-in services (one commit, linked both
ways); propose the open matters a person may be calling about again
(:meth:`ReceptionService.candidates`) and link the contact to the one the clerk
confirms (:meth:`ReceptionService.link_repeat`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs
import pendulum

from mallops.errors import ValidationError
from mallops.plugins import Actor, Batch, Record, WorkflowService

from .reception_policy import reception_policy

__all__ = ["ReceptionService", "RepeatCandidate", "same_contact"]

_DIGITS = re.compile(r"\d")


def _contact_key(value: Any) -> str | None:
    """A contact in comparable form: its digits for a phone number, else folded text."""
    if not isinstance(value, str) or not value.strip():
        return None
    digits = "".join(_DIGITS.findall(value))
    if len(digits) >= 7:
        return digits[-11:]  # +86 138 0000 0000 and 13800000000 are one number
    return " ".join(value.split()).casefold()


def same_contact(a: Any, b: Any) -> bool:
    """Whether two contacts name the same phone number or address (G12 matching)."""
    ka = _contact_key(a)
    return ka is not None and ka == _contact_key(b)


@attrs.frozen
class RepeatCandidate:
    """An open matter a new contact may be about, proposed to the clerk (G12).

    ``matched_on`` says why: ``contact`` (the same phone or address), ``tenant``,
    ``location``; the more reasons, the earlier it is proposed.  No personal data.
    """

    record_id: str
    kind: str
    state: str
    matched_on: tuple[str, ...]
    created_at: pendulum.DateTime


class ReceptionService(WorkflowService):
    """``mall.receptions``: the reception log 接待记录 (G12)."""

    def log(
        self,
        *,
        actor: Actor,
        channel: str,
        person: str,
        contact: str,
        topic: str,
        matter: str,
        location: str | None = None,
        tenant: str | None = None,
        received_at: Any = None,
    ) -> Record:
        """Log a call or visit (G12): channel, person and contact (personal data, G7),
        topic and matter; the location or tenant it concerns, if any.  The clerk who
        took it owns it (G3)."""
        params = {
            "channel": channel,
            "person": person,
            "contact": contact,
            "topic": topic,
            "matter": matter,
            "location": location,
            "tenant": tenant,
            "received_at": received_at,
        }
        return self.open(actor=actor, **{k: v for k, v in params.items() if v is not None})

    def answer(self, reception_id: str, *, actor: Actor, answer: str) -> Record:
        """Close an enquiry with the answer given (G12)."""
        return self.fire(reception_id, "answer", actor=actor, answer=answer)

    # -- conversion -----------------------------------------------------------------------

    def _convert(
        self, reception_id: str, actor: Actor, into: str, params: Mapping[str, Any]
    ) -> Record:
        now = self.runtime.now()
        clean = {k: v for k, v in params.items() if v is not None}

        def operation(batch: Batch) -> Record:
            target = self.peers[into].create_in(batch, actor, clean)
            data = {"into": into, "target": target.id}
            self.fire_in(batch, reception_id, "convert", actor, data, None, now)
            return batch.current(target.id)  # with the link back (reception_links)

        return self._run(operation)

    def to_complaint(
        self,
        reception_id: str,
        *,
        actor: Actor,
        location: str | None = None,
        description: str | None = None,
        demand: str | None = None,
        category: str | None = None,
        severity: str | None = None,
    ) -> Record:
        """Convert the enquiry into a complaint in one commit (G12): the person, contact,
        channel and tenant carry over; the matter is the description unless given.
        Returns the complaint, linked to the reception and the reception to it."""
        r = self.get(reception_id)
        matter = r.fields.get("matter")
        params = {
            "channel": r.fields.get("channel"),
            "complainant": r.fields.get("person"),
            "contact": r.fields.get("contact"),
            "location": location or r.location,
            "description": description or matter,
            "demand": demand or matter,
            "category": category,
            "severity": severity,
            "tenant": r.tenant,
        }
        return self._convert(r.id, actor, "complaint", params)

    def to_repair(
        self,
        reception_id: str,
        *,
        actor: Actor,
        fault_type: str,
        location: str | None = None,
        description: str | None = None,
        urgency: str | None = None,
    ) -> Record:
        """Convert the enquiry into a repair order in one commit (G12): reported by the
        tenant (or a customer when no tenant is named), so it gets its return visit (R6).
        Returns the order, linked both ways."""
        r = self.get(reception_id)
        params = {
            "source": "tenant" if r.tenant else "customer",
            "fault_type": fault_type,
            "location": location or r.location,
            "description": description or r.fields.get("matter"),
            "urgency": urgency,
            "tenant": r.tenant,
            "reporter": r.fields.get("person"),
            "contact": r.fields.get("contact"),
            "channel": r.fields.get("channel"),
        }
        return self._convert(r.id, actor, "repair", params)

    def to_suggestion(
        self,
        reception_id: str,
        *,
        actor: Actor,
        topic: str,
        text: str | None = None,
        tenant: str | None = None,
        department: str | None = None,
    ) -> Record:
        """Convert the enquiry into a tenant suggestion in one commit (G12, V5): a
        suggestion concerns a tenant (the reception's, or ``tenant``).  Returns it."""
        r = self.get(reception_id)
        who = tenant or r.tenant
        if not who:
            raise ValidationError(
                "tenant: a suggestion concerns a tenant; give tenant=... (the reception "
                "names none)",
                field="tenant",
            )
        params = {
            "reception": r.id,
            "tenant": who,
            "unit": r.location,
            "topic": topic,
            "text": text or r.fields.get("matter"),
            "department": department,
        }
        return self._convert(r.id, actor, "suggestion", params)

    # -- repeat contacts ----------------------------------------------------------------------

    def candidates(self, reception_id: str) -> list[RepeatCandidate]:
        """The open matters the person of ``reception_id`` may be contacting the desk
        about again (G12), best first: matched by contact, tenant and location among
        the open records of ``reception.repeat_kinds``; the clerk confirms one with
        :meth:`link_repeat`.  At most ``reception.max_candidates``."""
        r = self.get(reception_id)
        p = reception_policy(self.runtime.policy)
        found: dict[str, tuple[Record, set[str]]] = {}

        def note(record: Record, reason: str) -> None:
            if record.id != r.id and record.is_open:
                found.setdefault(record.id, (record, set()))[1].add(reason)

        contact = r.fields.get("contact")
        for kind in p.repeat_kinds:
            if kind not in self.peers:
                continue
            service = self.peers[kind]
            for key in ("tenant", "location"):
                value = getattr(r, key)
                if value:
                    for record in service.query(is_open=True, **{key: value}):
                        note(record, key)
            if contact:
                for record in service.query(is_open=True):
                    if same_contact(contact, record.fields.get("contact")):
                        note(record, "contact")
        order = ("contact", "tenant", "location")
        ranked = sorted(
            found.values(),
            key=lambda item: (-len(item[1]), -item[0].created_at.timestamp(), item[0].id),
        )
        return [
            RepeatCandidate(
                rec.id,
                rec.kind,
                rec.state,
                tuple(k for k in order if k in reasons),
                rec.created_at,
            )
            for rec, reasons in ranked[: p.max_candidates]
        ]

    def link_repeat(self, reception_id: str, *, actor: Actor, matter: str) -> Record:
        """The clerk confirms that ``reception_id`` is a repeat contact about the open
        ``matter`` (G12): the reception is closed as linked to it, and the matter's
        history records the contact, in one commit.  Returns the reception."""
        return self.fire(reception_id, "link_repeat", actor=actor, matter=matter)
