"""References between records are checked for existence, kind and property (G4, G11).

A parameter declared with ``Param(..., refers=(kinds...))`` names another record: a
visit's ``link``, a suggestion's ``visit``, the ``tenant`` of a complaint or repair.
Every path that creates or changes a record (``open``, ``fire``, and the same inside
another operation's batch) passes its parameters here before anything is written: the
record named must exist in *this* property and be of an allowed kind.  A record of
another property is reported exactly like a missing one: an object working for one
property learns nothing about another's records (G11).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..engine.spec import Param
from ..errors import RecordNotFound, ValidationError
from ..stores.protocol import check_id

if TYPE_CHECKING:
    from .runtime import Batch

__all__ = ["check_references"]


def check_references(batch: Batch, params: Sequence[Param], data: Mapping[str, Any]) -> None:
    """Raise ``RecordNotFound`` for a reference among ``data`` that names no record of
    this property, ``ValidationError`` for one of the wrong kind (both name the
    parameter); a reference that need not exist is only checked when it names one."""
    for p in params:
        value = data.get(p.name)
        if p.refers is None or value is None:
            continue
        kinds = " or ".join(p.refers) or "record"
        try:
            record_id = check_id(value)
        except ValidationError:
            if not p.must_exist:
                continue  # cannot name a record at all: free text (an unregistered tenant)
            raise ValidationError(f"{p.name}: {value!r} is not a record id", field=p.name) from None
        found = batch.records.get(record_id)
        if found is None:
            found = batch.runtime.store.get_many([record_id]).get(record_id)
        if found is not None and found.property != batch.runtime.property:
            found = None  # another property's record: not visible here (G11)
            if not p.must_exist:
                raise ValidationError(
                    f"{p.name}: {record_id!r} is no {kinds} of property "
                    f"{batch.runtime.property!r} (G11)",
                    field=p.name,
                )
        if found is None:
            if not p.must_exist:
                continue
            raise RecordNotFound(
                f"{p.name}: there is no {kinds} {record_id!r} in property "
                f"{batch.runtime.property!r} (G11)",
                record_id=record_id,
            )
        if p.refers and found.kind not in p.refers:
            raise ValidationError(
                f"{p.name}: {record_id!r} is a {found.kind}, not a {kinds}", field=p.name
            )
