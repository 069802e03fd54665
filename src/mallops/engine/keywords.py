"""Explicit-signature operations refuse bad keywords with mallops' own error (issue 15).

A service method such as ``mall.lost_found.intake(*, actor, found_at, ...)`` or
``mall.tenants.register(...)`` names its parameters in its signature.  Python answers an
unknown keyword (a typo, a field of another workflow) or a missing required one with a
``TypeError``; :func:`checked_keywords` wraps such a method so that it raises
:class:`~mallops.errors.ValidationError` instead, naming the offending parameter
(``field``) and listing the allowed ones (required ones marked ``*``), before the
method runs (so nothing is changed).  :class:`~mallops.workflows.base.WorkflowService`
applies it to every public method of every service, built-in or plug-in.

>>> def intake(self, *, actor, place, note=None): return place
>>> checked = checked_keywords(intake)
>>> checked(None, actor="a", place="B1")
'B1'
>>> checked(None, actor="a", place="B1", bogus=1)
Traceback (most recent call last):
...
mallops.errors.ValidationError: intake: unknown parameter 'bogus'; parameters: actor*, place*, note
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import ValidationError

__all__ = ["checked_keywords"]

F = TypeVar("F", bound=Callable[..., Any])

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def checked_keywords(fn: F) -> F:
    """``fn`` raising ``ValidationError`` (not ``TypeError``) for an unknown or missing
    keyword or too many positional arguments.  ``fn`` is returned unchanged when it takes
    ``**kwargs`` or ``*args`` (it checks its own), has no keyword-only parameter, or
    is already checked."""
    if getattr(fn, "__mallops_checked__", False):
        return fn
    params = list(inspect.signature(fn).parameters.values())
    kinds = {p.kind for p in params}
    if inspect.Parameter.VAR_KEYWORD in kinds or inspect.Parameter.VAR_POSITIONAL in kinds:
        return fn
    if inspect.Parameter.KEYWORD_ONLY not in kinds:
        return fn
    named = [p for p in params if p.kind in _NAMED and p.name != "self"]
    allowed = frozenset(p.name for p in named)
    required = frozenset(
        p.name for p in named if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is p.empty
    )
    positional = sum(1 for p in params if p.kind in _POSITIONAL)
    listed = ", ".join(f"{p.name}{'*' if p.name in required else ''}" for p in named)
    what = fn.__qualname__

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if len(args) > positional:
            raise ValidationError(
                f"{what}: takes at most {positional - 1} positional argument(s), got "
                f"{len(args) - 1}; pass the others by name: {listed}"
            )
        if not allowed.issuperset(kwargs):
            unknown = sorted(set(kwargs) - allowed)[0]
            raise ValidationError(
                f"{what}: unknown parameter {unknown!r}; parameters: {listed}", field=unknown
            )
        if not required.issubset(kwargs):
            missing = sorted(required - set(kwargs))[0]
            raise ValidationError(
                f"{what}: missing required parameter {missing!r}; parameters: {listed}",
                field=missing,
            )
        return fn(*args, **kwargs)

    wrapper.__mallops_checked__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
