"""Explicit-signature service methods refuse bad keywords with ValidationError (issue 15).

``mall.lost_found.intake(..., bogus=1)`` used to raise ``TypeError`` while
``mall.repairs.open(..., bogus=1)`` gave ``ValidationError``; every public method of
every service now names the unknown (or missing) parameter and lists the allowed ones.
"""

from __future__ import annotations

import pytest

from mallops import Mall, ManualClock, MemoryStore, ValidationError
from mallops.engine.keywords import checked_keywords

from .conftest import DESK, at


def _mall() -> Mall:
    return Mall(MemoryStore(), ManualClock(at(2026, 9, 30, 10)))


def _checked_methods(mall: Mall) -> list[tuple[str, str]]:
    out = []
    for kind, service in sorted(mall.services.items()):
        for name in sorted(dir(type(service))):
            if not name.startswith("_") and getattr(
                getattr(type(service), name), "__mallops_checked__", False
            ):
                out.append((kind, name))
    return out


def test_every_explicit_signature_method_names_an_unknown_keyword() -> None:
    """Every public service method with keyword parameters answers an unknown keyword
    with ValidationError(field=<it>) listing the allowed parameters, and writes nothing."""
    mall = _mall()
    methods = _checked_methods(mall)
    assert ("lost_item", "intake") in methods
    assert ("tenant", "register") in methods
    assert len(methods) > 20
    for kind, name in methods:
        with pytest.raises(ValidationError, match="unknown parameter 'bogus'") as info:
            getattr(mall.service(kind), name)(bogus=1)
        assert info.value.field == "bogus", (kind, name)
        assert "parameters:" in str(info.value)
    assert mall.query() == []


def test_a_missing_required_keyword_is_a_validation_error_naming_it() -> None:
    """``lost_found.intake`` without ``place_found`` names the missing parameter."""
    mall = _mall()
    with pytest.raises(ValidationError, match="missing required parameter") as info:
        mall.lost_found.intake(
            actor=DESK,
            found_at=mall.now(),
            description="phone",
            features="red",
            finder_type="customer",
        )
    assert info.value.field == "place_found"
    assert mall.query() == []


def test_a_tenant_register_typo_lists_the_allowed_fields() -> None:
    """A typo (``phon``) names itself and the fields ``register`` takes."""
    mall = _mall()
    with pytest.raises(ValidationError) as info:
        mall.tenants.register(actor=DESK, unit="L1-01", phon="13800000000")
    assert info.value.field == "phon"
    assert "phone*" in str(info.value)
    assert "lease_end" in str(info.value)


def test_methods_taking_any_keyword_are_left_to_check_their_own() -> None:
    """``**kwargs`` methods (``open``, ``fire``) validate through the workflow's params;
    a wrapped method is not wrapped twice."""

    def free(self: object, *, actor: object, **params: object) -> None:
        return None

    def strict(self: object, *, actor: object) -> object:
        return actor

    assert checked_keywords(free) is free
    wrapped = checked_keywords(strict)
    assert wrapped is not strict
    assert checked_keywords(wrapped) is wrapped
    assert wrapped(None, actor="a") == "a"
    with pytest.raises(ValidationError, match="positional"):
        wrapped(None, "a")
