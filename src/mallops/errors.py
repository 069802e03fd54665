"""The one error tree of mallops.

Every exception mallops raises on purpose derives from :class:`MallopsError` and from
the builtin exception that fits, so callers can catch either.  Each carries the
structured facts that explain it (``record_id``, ``state``, ``event``, ``allowed`` ...)
as attributes, and a message that says what was wrong and what is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CalendarError",
    "ConfigurationDrift",
    "ConflictError",
    "CorruptStoreError",
    "EventsPruned",
    "InvalidDefinition",
    "InvalidTransition",
    "MallopsError",
    "PermissionDenied",
    "PolicyError",
    "RecordNotFound",
    "StoreError",
    "SubscriberError",
    "ValidationError",
]


class MallopsError(Exception):
    """Root of every error mallops raises on purpose."""


class ValidationError(MallopsError, ValueError):
    """A field value or argument is missing, of the wrong type or out of range.

    ``field`` names the offending field (``None`` when the whole input is wrong).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidDefinition(MallopsError, ValueError):
    """A workflow definition is inconsistent (raised when it is declared, not when fired).

    ``problems`` lists every problem found, as ``(check name, message)`` pairs.
    """

    def __init__(self, message: str, *, problems: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class InvalidTransition(MallopsError, ValueError):
    """An event cannot happen to a record in its current state.

    ``allowed`` lists the events that are possible from ``state``.
    """

    def __init__(
        self,
        message: str,
        *,
        record_id: str | None = None,
        state: str | None = None,
        event: str | None = None,
        allowed: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.record_id = record_id
        self.state = state
        self.event = event
        self.allowed = tuple(allowed)


class PermissionDenied(MallopsError, PermissionError):
    """The actor's role may not fire this event (G5)."""

    def __init__(
        self,
        message: str,
        *,
        record_id: str | None = None,
        event: str | None = None,
        role: str | None = None,
        allowed: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.record_id = record_id
        self.event = event
        self.role = role
        self.allowed = tuple(allowed)


class RecordNotFound(MallopsError, LookupError):
    """No record with this id exists (in this property)."""

    def __init__(self, message: str, *, record_id: str | None = None) -> None:
        super().__init__(message)
        self.record_id = record_id


class PolicyError(MallopsError, ValueError):
    """A policy value is wrong; ``key`` is its dotted path (``complaints.timers.handling``).

    A file with several mistakes raises one error listing them all; ``errors`` holds
    each (just this error when there is one).
    """

    def __init__(
        self, message: str, *, key: str | None = None, errors: Sequence[PolicyError] = ()
    ) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key
        self.reason = message
        self.errors: tuple[PolicyError, ...] = tuple(errors) or (self,)


class CalendarError(MallopsError, LookupError):
    """The business calendar has no holiday data for a year a deadline needs (G9)."""

    def __init__(self, message: str, *, year: int | None = None) -> None:
        super().__init__(message)
        self.year = year


class StoreError(MallopsError, OSError):
    """The store failed to read or write; nothing was changed."""


class ConflictError(StoreError):
    """A write was based on a stale version of a record or counter; nothing was written."""

    def __init__(
        self,
        message: str,
        *,
        record_id: str | None = None,
        expected: int | None = None,
        actual: int | None = None,
    ) -> None:
        super().__init__(message)
        self.record_id = record_id
        self.expected = expected
        self.actual = actual


class CorruptStoreError(StoreError):
    """A store file is unreadable, foreign, truncated or from a future version."""


class ConfigurationDrift(MallopsError, RuntimeError):
    """This process's policy, calendar data or workflows differ from those a property's
    records were written under; nothing was written.

    ``property`` names the property, ``differences`` says what differs (one sentence
    each).  Open the store with the same configuration, or record the change through
    ``Mall.change_policy`` (a policy) or ``Mall.change_workflows`` (a workflow's
    definition).
    """

    def __init__(self, message: str, *, property: str, differences: Sequence[str]) -> None:
        super().__init__(message)
        self.property = property
        self.differences = tuple(differences)


class SubscriberError(MallopsError, RuntimeError):
    """A subscriber raised while handling domain events.

    mallops itself no longer raises it: subscribers run from the durable event feed,
    and a failing one is logged and retried (see ``mallops.feed``).  Kept so code
    that catches it still imports; ``errors`` holds what the failing handlers raised,
    ``events`` the events that were being delivered.
    """

    def __init__(
        self, message: str, *, errors: Sequence[BaseException], events: Sequence[object]
    ) -> None:
        super().__init__(message)
        self.errors = tuple(errors)
        self.events = tuple(events)


class EventsPruned(StoreError):
    """A feed read asked for events the retention policy already removed.

    ``position`` is the cursor that was asked for, ``first`` the oldest position the feed
    still holds (``first - 1`` events were removed).  A consumer this far behind must
    resynchronise from the records themselves before it reads the feed again.
    """

    def __init__(self, message: str, *, position: int, first: int) -> None:
        super().__init__(message)
        self.position = position
        self.first = first
