"""Stored instants back to aware datetimes (the operations workflows keep ISO strings)."""

from __future__ import annotations

import pendulum

from mallops.errors import ValidationError

__all__ = ["instant"]


def instant(value: object, field: str) -> pendulum.DateTime:
    """The aware datetime a stored ISO 8601 ``value`` names (``ValidationError`` naming
    ``field`` when it names none)."""
    if isinstance(value, pendulum.DateTime):
        return value
    try:
        got = pendulum.parse(str(value))
    except (ValueError, TypeError):
        got = None
    if not isinstance(got, pendulum.DateTime):
        raise ValidationError(f"{field}: {value!r} is not a date and time", field=field)
    return got
