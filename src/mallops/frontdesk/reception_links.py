"""The reception log's reactions: links both ways, in the same commit (rule G12).

A reception converted into a complaint, repair order or suggestion links to it by its
``convert`` event; the reaction here fires ``link`` on the target (relation
``reception``), so the target's history says where it came from.  A reception linked to
an open matter as a repeat contact (``link_repeat``) is recorded in the matter's history
too (``link``, relation ``repeat_contact``).  Both run inside the batch of the reception's
event: if the target refuses, nothing is written.
"""

from __future__ import annotations

from mallops.errors import ValidationError
from mallops.plugins import Link, Reacting, Reaction

from .reception_policy import CONVERSION_KINDS, REPEAT_KINDS, reception_policy

__all__ = ["RECEPTION_REACTIONS", "REPEAT_CONTACT", "SOURCE_RELATION"]

SOURCE_RELATION = "reception"
"""The relation of a converted record to the reception it came from."""

REPEAT_CONTACT = "repeat_contact"
"""The relation of an open matter to a later contact about it."""


def _link_back(r: Reacting, target_id: str, relation: str) -> None:
    target = r.batch.current(target_id)
    if Link(relation, r.after.id) in target.links:
        return  # created with the link already (a suggestion names its reception)
    data = {"relation": relation, "record": r.after.id}
    r.services[target.kind].fire_in(
        r.batch, target.id, "link", r.entry.actor, data, None, r.entry.at
    )


def _converted(r: Reacting) -> None:
    """A converted reception: the complaint, repair order or suggestion links back (G12)."""
    target_id = str(r.entry.data["target"])
    into = str(r.entry.data["into"])
    target = r.batch.current(target_id)
    if target.kind != into:
        raise ValidationError(
            f"into: {target_id!r} is a {target.kind}, not a {into}; give into={target.kind}",
            field="into",
        )
    _link_back(r, target_id, SOURCE_RELATION)


def _repeated(r: Reacting) -> None:
    """A repeat contact: the open matter records it in its history (G12)."""
    matter_id = str(r.entry.data["matter"])
    matter = r.batch.current(matter_id)
    if matter.id == r.after.id:
        raise ValidationError("matter: a reception cannot repeat itself", field="matter")
    kinds = reception_policy(r.runtime.policy).repeat_kinds
    if matter.kind not in kinds:
        raise ValidationError(
            f"matter: {matter_id!r} is a {matter.kind}; a repeat contact is linked to one of: "
            f"{', '.join(kinds)} (reception.repeat_kinds)",
            field="matter",
        )
    if not matter.is_open:
        raise ValidationError(
            f"matter: {matter_id!r} is closed ({matter.state}); a repeat contact is linked "
            "to an open matter (log a new enquiry instead)",
            field="matter",
        )
    _link_back(r, matter_id, REPEAT_CONTACT)


RECEPTION_REACTIONS = (
    Reaction("reception", "convert", _converted, targets=CONVERSION_KINDS, rule="G12"),
    Reaction("reception", "link_repeat", _repeated, targets=REPEAT_KINDS, rule="G12"),
)
"""The reception log's rows of the reaction table."""
