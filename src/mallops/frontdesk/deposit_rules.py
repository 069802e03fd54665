"""Temporary storage 寄存 (O1): the policy section and the rules behind the workflow.

Under PRC Civil Code arts. 888, 891, 897 and 898 a deposit is custody: a receipt is
issued (its number follows ``deposits.receipt_format``, per property, never reused),
declared valuables are inspected or sealed, free or paid custody is recorded.  The
state machine is in ``deposit_spec.py``, the service and the report in ``deposit.py``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from mallops.errors import PolicyError, ValidationError
from mallops.plugins import Duration, Label, policy_field

__all__ = [
    "CUSTODY",
    "VALUABLES_CHECKS",
    "DepositPolicy",
    "amount",
    "format_receipt",
    "receipt_counter",
]

CUSTODY = {"free": ("无偿保管", "free custody"), "paid": ("有偿保管", "paid custody")}
"""Free or paid custody (O1; Civil Code art. 889)."""

VALUABLES_CHECKS = {"inspected": ("当面验视", "inspected"), "sealed": ("封存", "sealed")}
"""How declared valuables were taken in (O1; Civil Code art. 898)."""

_FIELDS = frozenset({"year", "month", "seq", "property"})


def _check_format(fmt: str) -> None:
    names = set()
    for _, name, _, _ in string.Formatter().parse(fmt):
        if name is not None:
            names.add(name)
    unknown = names - _FIELDS
    if unknown:
        raise PolicyError(
            f"unknown placeholder {{{sorted(unknown)[0]}}}; allowed: {{year}}, {{month}}, "
            "{seq}, {property}",
            key="receipt_format",
        )
    if not {"seq", "year"} <= names:
        raise PolicyError(
            "must contain {year} and {seq}: the sequence runs per year and property, so "
            "the year keeps every receipt number unique (O1)",
            key="receipt_format",
        )
    try:
        fmt.format(year=2026, month=1, seq=1, property="default")
    except (ValueError, TypeError) as exc:
        raise PolicyError(f"not a valid format: {exc}", key="receipt_format") from None


@attrs.frozen
class DepositPolicy:
    """Temporary storage at the front desk 寄存 (``[deposits]`` in the policy file)."""

    receipt_format: str = policy_field(
        "JC{year}-{seq:05d}",
        doc="receipt number format ({year}, {month}, {seq}, {property}); the sequence "
        "runs per property and year and is never reused",
        rule="O1",
    )
    custody_period: Duration = policy_field(
        Duration.parse("30 days"),
        doc="an item not collected within this period is handed to lost and found",
        rule="O1",
    )
    default_custody: str = policy_field(
        "free", doc="custody when the clerk does not say: free or paid", rule="O1"
    )
    paid_fee: str = policy_field(
        "5.00", doc="fee of paid custody when none is entered (yuan)", rule="O1", unit="yuan"
    )
    handover_department: str = policy_field(
        "customer_service",
        doc="department recorded as the finder of an item handed to lost and found (L7)",
        rule="O1",
    )
    handover_place: str = policy_field(
        "前台寄存处", doc="where an item handed to lost and found was kept", rule="O1"
    )
    custody_labels: Mapping[str, Label] = policy_field(
        {k: Label(*v) for k, v in CUSTODY.items()},
        doc="labels of free and paid custody (the command line accepts them too)",
        rule="O1",
    )
    valuables_check_labels: Mapping[str, Label] = policy_field(
        {k: Label(*v) for k, v in VALUABLES_CHECKS.items()},
        doc="labels of inspected and sealed valuables",
        rule="O1",
    )

    def __attrs_post_init__(self) -> None:
        _check_format(self.receipt_format)
        if self.default_custody not in CUSTODY:
            raise PolicyError("choose free or paid", key="default_custody")
        try:
            amount(self.paid_fee, "paid_fee")
        except ValidationError as exc:
            raise PolicyError(str(exc), key="paid_fee") from None
        if self.custody_period.amount <= 0:
            raise PolicyError("must be longer than zero", key="custody_period")
        for key, fixed in (
            ("custody_labels", CUSTODY),
            ("valuables_check_labels", VALUABLES_CHECKS),
        ):
            if set(getattr(self, key)) != set(fixed):
                raise PolicyError(f"label exactly {', '.join(fixed)}", key=key)


def receipt_counter(property: str, year: int) -> str:
    """The store counter of one property's receipt numbers in one year (O1, G11)."""
    return f"deposit:receipt:{property}:{year:04d}"


def format_receipt(policy: DepositPolicy, *, property: str, year: int, month: int, seq: int) -> str:
    """The receipt number ``seq`` of ``year`` in ``property`` (O1)."""
    return policy.receipt_format.format(year=year, month=month, seq=seq, property=property)


def amount(value: Any, field: str) -> str:
    """A money amount in yuan as stored: ``"12.50"`` (0 up to 100,000, at most two
    decimals).  Raises ``ValidationError`` naming ``field`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValidationError(f"{field}: expected an amount such as 12.50", field=field)
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(
            f"{field}: {value!r} is not an amount such as 12.50", field=field
        ) from None
    if not d.is_finite() or d < 0 or d > 100_000 or d != d.quantize(Decimal("0.01")):
        raise ValidationError(
            f"{field}: {value!r} must be 0 to 100000 yuan with at most two decimals",
            field=field,
        )
    return f"{d:.2f}"
