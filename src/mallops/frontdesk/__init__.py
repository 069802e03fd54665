"""The front desk beyond complaints and repairs (issue 18; docs/front-desk.md).

Plug-in workflows written on the public plug-in API only (:mod:`mallops.plugins`,
:mod:`mallops.report`, :mod:`mallops.errors`, :mod:`mallops.domain`, the built-in
services of :mod:`mallops.workflows`), exactly as a user would write one.  ``Mall``
registers :data:`FRONT_DESK_WORKFLOWS` by default (``Mall(..., standard=False)`` leaves them
out).
"""

from __future__ import annotations

from mallops.plugins import Workflow

from .deposit import DEPOSITS
from .letters import LETTERS
from .outages import OUTAGES
from .parcel import INCOMING_PARCELS, OUTGOING_PARCELS
from .reception import RECEPTION_WORKFLOW

__all__ = ["FRONT_DESK_WORKFLOWS"]

FRONT_DESK_WORKFLOWS: tuple[Workflow, ...] = (
    RECEPTION_WORKFLOW,  # G12, G13: the reception log and difficult cases
    DEPOSITS,  # temporary storage 寄存 (O1)
    OUTGOING_PARCELS,  # parcels sent 寄件 (O2)
    INCOMING_PARCELS,  # parcels received 收件 (O2)
    LETTERS,  # notices and letters 发文 (O3)
    OUTAGES,  # outage notices 停电/停水通知 (O4)
)
"""The front-desk workflows, in registration order."""
