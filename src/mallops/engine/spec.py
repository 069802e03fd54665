"""Workflows as data: states, events, parameters, guards, roles and timers.

A :class:`WorkflowSpec` is declared once per kind of record and validated when it is
declared (:class:`~mallops.errors.InvalidDefinition`, listing every problem): the
named checks of :mod:`mallops.engine.checks` (unknown or unreachable states, dead ends,
states from which no final state can be reached, events or timers naming unknown
states, inconsistent branches).  Checks that need a policy (roles exist, policy-chosen
pause states exist) run when an engine binds the spec to a policy.
"""

from __future__ import annotations

import datetime as _dt
import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ..clock import aware
from ..errors import ValidationError
from .checks import validate

if TYPE_CHECKING:
    from ..domain.records import Mark, Timer
    from ..policy import Policy
    from .context import Context
    from .timers import TimerPlan

__all__ = ["EventSpec", "Param", "StateSpec", "TimerSpec", "WorkflowSpec"]


@attrs.frozen
class StateSpec:
    """A state with its labels; ``final`` states close the record."""

    name: str
    zh: str
    en: str
    final: bool = False


def _clean(value: str, *, name: str, multiline: bool, max_len: int) -> str:
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise ValidationError(f"{name}: must not be empty", field=name)
    if len(text) > max_len:
        raise ValidationError(f"{name}: {len(text)} characters, at most {max_len}", field=name)
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs", "Co", "Cn") and not (multiline and ch in "\n\t"):
            raise ValidationError(
                f"{name}: contains the control or unassigned character U+{ord(ch):04X}", field=name
            )
    return text


def _is_json(value: Any, depth: int = 0) -> bool:
    if depth > 8:
        return False
    if value is None or isinstance(value, bool | int | str):
        return not isinstance(value, int) or abs(value) < 2**53
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_is_json(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v, depth + 1) for k, v in value.items())
    return False


@attrs.frozen
class Param:
    """One parameter of an event: its kind, whether it is required, its limits.

    Kinds: ``str`` (one line), ``text`` (multi-line), ``choice`` (one of
    ``choices(policy)``), ``int`` (``minimum``..``maximum``), ``bool``, ``datetime``
    (aware; stored as ISO 8601), ``strlist`` (list of one-line strings) and ``json``
    (any JSON value).  ``personal`` marks personal data (G7), masked in outputs.
    ``refers`` makes the value a reference to another record (G11) of one of those
    kinds (``()``: any kind), checked for existence and property when it is used;
    ``must_exist=False`` also accepts an id that names no record (a tenant outside the
    register), never one of another property or kind.
    """

    name: str
    kind: str = "str"
    required: bool = False
    doc: str = ""
    choices: Callable[[Policy], Iterable[str]] | None = None
    minimum: int | None = None
    maximum: int | None = None
    max_len: int = 500
    personal: bool = False
    refers: tuple[str, ...] | None = None
    must_exist: bool = True

    def dump(self, value: Any, policy: Policy, tz: str) -> Any:
        """Validate ``value`` and return its stored (JSON) form."""
        n = self.name
        if self.kind in ("str", "text"):
            if not isinstance(value, str):
                raise ValidationError(f"{n}: expected text, got {type(value).__name__}", field=n)
            limit = self.max_len if self.kind == "str" else max(self.max_len, 5000)
            return _clean(value, name=n, multiline=self.kind == "text", max_len=limit)
        if self.kind == "choice":
            allowed = tuple(self.choices(policy)) if self.choices else ()
            if not isinstance(value, str) or value not in allowed:
                raise ValidationError(
                    f"{n}: {value!r} is not allowed; choose one of: {', '.join(allowed)}", field=n
                )
            return value
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(f"{n}: expected a whole number, got {value!r}", field=n)
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise ValidationError(
                    f"{n}: {value} is outside {self.minimum}..{self.maximum}", field=n
                )
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValidationError(f"{n}: expected true or false, got {value!r}", field=n)
            return value
        if self.kind == "datetime":
            return aware(value, field=n, tz=tz).isoformat()
        if self.kind == "strlist":
            if not isinstance(value, list | tuple) or len(value) > 100:
                raise ValidationError(f"{n}: expected a list of at most 100 strings", field=n)
            items = []
            for v in value:
                if not isinstance(v, str):
                    raise ValidationError(f"{n}: every item must be text", field=n)
                items.append(_clean(v, name=n, multiline=False, max_len=self.max_len))
            return items
        if self.kind == "json":
            if not _is_json(value):
                raise ValidationError(f"{n}: not a JSON-compatible value", field=n)
            return value
        raise AssertionError(self.kind)  # pragma: no cover

    def load(self, stored: Any) -> Any:
        """The working form of a stored value (datetimes become aware datetimes)."""
        if self.kind == "datetime" and isinstance(stored, str):
            return aware(stored, field=self.name)
        return stored


@attrs.frozen
class EventSpec:
    """An event: from which states to which, who may fire it, what it needs and does.

    Several specs may share a name: they are branches tried in order (the first whose
    guard passes is taken), and must share ``roles`` and ``params``.  ``dest=None``
    keeps the state.  ``guard`` returns ``None`` to allow or a sentence saying why not.
    ``permit`` may refuse an actor beyond the role list (F3) with a sentence.
    ``effect`` changes the record through the context.  ``system`` events are fired by
    mallops itself (timers), never by users.  ``who`` names the access rule of
    :mod:`mallops.engine.access` deciding which actors of those roles may act on this
    record (G5, C4: ``"any"``, ``"handler"``, ``"assignee"``); the policy may override it.
    """

    name: str
    sources: tuple[str, ...]
    dest: str | None
    roles: tuple[str, ...]
    zh: str
    en: str
    params: tuple[Param, ...] = ()
    guard: Callable[[Context], str | None] | None = None
    permit: Callable[[Context], str | None] | None = None
    effect: Callable[[Context], None] | None = None
    reason_required: bool = False
    system: bool = False
    who: str = "any"


@attrs.frozen
class TimerSpec:
    """A timer of the workflow.

    It starts when one of ``starts_on`` fires (a second start re-plans it by
    ``on_reopen``), stops on entering a state of ``stops_in`` (and any final state),
    and is paused in the states ``pauses_in`` returns for the policy (R4).  ``plan``
    builds its :class:`~mallops.engine.timers.TimerPlan` from the context;
    ``on_change`` and ``on_reopen`` return the policy's mode (keep, restart, recompute).
    ``on_mark`` runs when a mark fires (after mallops' own handling of it).
    ``replan`` builds the timer's plan again, from now, once the holiday data that its
    provisional plan lacked arrives (G9): for a due time the workflow computes itself
    with :meth:`~mallops.calendar.BusinessCalendar.planned` (a retention end, L6; a
    retry time, F4); it may update the fields that show that time.  Without it the
    timer's own marks are re-placed.
    """

    name: str
    zh: str
    en: str
    starts_on: tuple[str, ...]
    stops_in: tuple[str, ...]
    plan: Callable[[Context], TimerPlan | None]
    pauses_in: Callable[[Policy], Iterable[str]] = lambda _p: ()
    on_change: Callable[[Policy], str] = lambda _p: "keep"
    on_reopen: Callable[[Policy], str] = lambda _p: "restart"
    on_mark: Callable[[Context, Timer, Mark], None] | None = None
    replan: Callable[[Context], TimerPlan | None] | None = None


@attrs.frozen
class WorkflowSpec:
    """A whole workflow.  Construction validates it (InvalidDefinition)."""

    kind: str
    zh: str
    en: str
    prefix: str
    states: tuple[StateSpec, ...]
    initial: str
    create: EventSpec
    events: tuple[EventSpec, ...]
    timers: tuple[TimerSpec, ...] = ()
    ladder: Callable[[Policy], tuple[str, ...]] = lambda _p: ()

    def __attrs_post_init__(self) -> None:
        validate(self)

    @property
    def state_names(self) -> tuple[str, ...]:
        """All state names, in declaration order."""
        return tuple(s.name for s in self.states)

    @property
    def final_states(self) -> frozenset[str]:
        """States that close a record."""
        return frozenset(s.name for s in self.states if s.final)

    def state(self, name: str) -> StateSpec:
        """The state called ``name``."""
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)

    def branches(self, event: str) -> tuple[EventSpec, ...]:
        """Every spec of the event ``event``, in the order they are tried."""
        return tuple(e for e in self.events if e.name == event)

    @property
    def event_names(self) -> tuple[str, ...]:
        """Every event name once, in declaration order."""
        seen: dict[str, None] = {}
        for e in self.events:
            seen.setdefault(e.name, None)
        return tuple(seen)


def describe_params(params: Iterable[Param]) -> str:
    """``name*, other`` (required marked with ``*``) for error messages."""
    return ", ".join(f"{p.name}{'*' if p.required else ''}" for p in params) or "(none)"


_PLAIN = frozenset({str, int, bool, float})


def stored(value: Any) -> Any:
    """Datetimes to ISO strings, recursively: the form kept in ``fields`` and history."""
    if value is None or type(value) in _PLAIN:  # the common case: no abc checks (issue 16)
        return value
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: stored(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [stored(v) for v in value]
    return value
