"""Running the building (issue 19; docs/operations.md).

Plug-in workflows written on the public plug-in API only (:mod:`mallops.plugins`,
:mod:`mallops.report`, :mod:`mallops.errors`, :mod:`mallops.domain`, the built-in
services of :mod:`mallops.workflows`), exactly as a user would write one.  ``Mall``
registers :data:`OPERATIONS_WORKFLOWS` by default (``Mall(..., standard=False)`` leaves them
out).
"""

from __future__ import annotations

from mallops.plugins import Workflow

__all__ = ["OPERATIONS_WORKFLOWS"]

OPERATIONS_WORKFLOWS: tuple[Workflow, ...] = ()
"""The building-operations workflows, in registration order."""
