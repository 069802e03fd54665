"""The tenant register 租户档案 (rules G4, G7).

Tenants are records of a small workflow (``active`` → ``left``), so they are stored,
versioned and replayable like everything else.  A tenant record's ``tenant`` is its own
id, and every record concerning the tenant carries that id, so ``mall.history_of(id)``
is the tenant's whole file (G4).  Contacts are personal data (G7): masked in ``repr``
and in :meth:`TenantService.export` unless explicitly revealed.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import attrs

from ..domain.records import Actor, Record
from ..engine.context import Context
from ..engine.spec import EventSpec, Param, StateSpec, WorkflowSpec
from ..errors import ValidationError
from ..policy import Policy
from .base import WorkflowService
from .complaints import ANYONE, MANAGERS

__all__ = ["TENANT", "Tenant", "TenantService", "mask"]


def mask(value: str | None) -> str | None:
    """Personal data as reports and exports show it (G7): a phone keeps its first three
    and last four digits, anything else its first character."""
    if not value:  # rule G7
        return value
    digits = sum(ch.isdigit() for ch in value)
    if digits >= 7 and digits >= len(value) - 2:
        if len(value) < 11:  # a short (local) number: 3 + 4 visible would show it whole
            return "*" * (len(value) - 2) + value[-2:]
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return value[0] + "*" * max(1, len(value) - 1)


def as_date(value: Any, field: str) -> _dt.date:
    """A ``date`` from a date or an ISO ``YYYY-MM-DD`` string (``ValidationError`` otherwise)."""
    if isinstance(value, _dt.datetime):
        raise ValidationError(f"{field}: give a date (YYYY-MM-DD), not a time", field=field)
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field)


def _trades(p: Policy) -> tuple[str, ...]:
    return tuple(p.visits.trades)


def _tiers(p: Policy) -> tuple[str, ...]:
    return tuple(p.visits.tiers)


@attrs.frozen(repr=False)
class Tenant:
    """A tenant as the register knows it (a view of its record)."""

    id: str
    unit: str
    name: str
    trade: str
    tier: str
    contact: str
    phone: str
    lease_start: _dt.date
    lease_end: _dt.date | None
    left_on: _dt.date | None
    active: bool

    @classmethod
    def of(cls, record: Record) -> Tenant:
        """The view of a tenant record."""
        f = record.fields
        return cls(
            id=record.id,
            unit=str(f["unit"]),
            name=str(f["name"]),
            trade=str(f["trade"]),
            tier=str(f["tier"]),
            contact=str(f["contact"]),
            phone=str(f["phone"]),
            lease_start=as_date(f["lease_start"], "lease_start"),
            lease_end=as_date(f["lease_end"], "lease_end") if f.get("lease_end") else None,
            left_on=as_date(f["left_on"], "left_on") if f.get("left_on") else None,
            active=record.state == "active",
        )

    @property
    def last_day(self) -> _dt.date | None:
        """The last day of the lease: the end date, or the day the tenant left if earlier."""
        ends = [d for d in (self.lease_end, self.left_on) if d is not None]
        return min(ends) if ends else None

    def to_dict(self, *, reveal: bool = False) -> dict[str, Any]:
        """Plain data; contacts masked unless ``reveal`` (G7)."""
        data = attrs.asdict(self)
        for key in ("lease_start", "lease_end", "left_on"):
            data[key] = data[key].isoformat() if data[key] is not None else None
        if not reveal:
            data["contact"] = mask(self.contact)
            data["phone"] = mask(self.phone)
        return data

    def __repr__(self) -> str:
        return (
            f"Tenant({self.id} {self.unit} {self.name!r} {self.trade}/{self.tier} "
            f"contact={mask(self.contact)!r} phone={mask(self.phone)!r})"
        )


def _check_lease(start: Any, end: Any) -> None:
    first = as_date(start, "lease_start")
    if end is not None and as_date(end, "lease_end") < first:
        raise ValidationError(
            f"lease_end {end} is before lease_start {start}; a lease ends after it starts",
            field="lease_end",
        )


_DETAILS = ("unit", "name", "trade", "tier", "contact", "phone", "lease_end")


def _on_register(ctx: Context) -> None:
    _check_lease(ctx.param("lease_start"), ctx.param("lease_end"))
    for name in ("unit", "name", "trade", "contact", "phone", "lease_start", "lease_end"):
        ctx.set(name, ctx.param(name))
    ctx.set("tier", ctx.param("tier") or ctx.policy.visits.default_tier)
    ctx.draft.location = ctx.param("unit")
    ctx.draft.department = ctx.policy.visits.department
    ctx.follow("enrol")


def _on_enrol(ctx: Context) -> None:
    assert ctx.record is not None
    ctx.draft.tenant = ctx.record.id  # rule G4: the tenant's file is one query


def _guard_update(ctx: Context) -> str | None:
    if not any(ctx.param(k) is not None for k in _DETAILS):
        return f"nothing to change; give one of {', '.join(_DETAILS)}"
    return None


def _on_update(ctx: Context) -> None:
    _check_lease(ctx.get("lease_start"), ctx.param("lease_end", ctx.get("lease_end")))
    for name in _DETAILS:
        if ctx.param(name) is not None:
            ctx.set(name, ctx.param(name))
    ctx.draft.location = ctx.get("unit")


def _on_leave(ctx: Context) -> None:
    left = as_date(ctx.param("left_on"), "left_on")
    if left < as_date(ctx.get("lease_start"), "lease_start"):
        raise ValidationError("left_on is before the lease started", field="left_on")
    ctx.set("left_on", left.isoformat())


_CONTACT = Param("contact", personal=True, doc="contact person (G7: personal)")
_PHONE = Param("phone", personal=True, doc="contact phone (G7: personal)")
_TRADE = Param("trade", "choice", choices=_trades, doc="trade (G4)")
_TIER = Param("tier", "choice", choices=_tiers, doc="tier: anchor or regular (V1)")

TENANT = WorkflowSpec(
    kind="tenant",
    zh="租户",
    en="tenant",
    prefix="T",
    states=(
        StateSpec("active", "在营", "active"),
        StateSpec("left", "已撤场", "left", final=True),
    ),
    initial="active",
    create=EventSpec(
        "register",
        (),
        None,
        ANYONE,
        "建档",
        "register",
        params=(
            Param("unit", required=True, doc="unit / shop number"),
            Param("name", required=True, doc="shop or company name"),
            attrs.evolve(_TRADE, required=True),
            _TIER,
            attrs.evolve(_CONTACT, required=True),
            attrs.evolve(_PHONE, required=True),
            Param("lease_start", required=True, doc="first day of the lease (YYYY-MM-DD)"),
            Param("lease_end", doc="last day of the lease (YYYY-MM-DD)"),
        ),
        effect=_on_register,
    ),
    events=(
        EventSpec("enrol", ("active",), None, (), "归档", "file", effect=_on_enrol, system=True),
        EventSpec(
            "update",
            ("active",),
            None,
            ANYONE,
            "更新档案",
            "update",
            params=(
                Param("unit"),
                Param("name"),
                _TRADE,
                _TIER,
                _CONTACT,
                _PHONE,
                Param("lease_end", doc="last day of the lease (YYYY-MM-DD)"),
            ),
            guard=_guard_update,
            effect=_on_update,
        ),
        EventSpec(
            "leave",
            ("active",),
            "left",
            MANAGERS,
            "撤场",
            "leave",
            params=(Param("left_on", required=True, doc="last day in the mall (YYYY-MM-DD)"),),
            effect=_on_leave,
            reason_required=True,
            who="handler",  # G5: the managers of the tenant's department (visits.department)
        ),
    ),
)


def _iso(value: Any, field: str) -> str | None:
    return None if value is None else as_date(value, field).isoformat()


class TenantService(WorkflowService):
    """``mall.tenants``: the tenant register (G4, G7)."""

    def register(
        self,
        *,
        actor: Actor,
        unit: str,
        name: str,
        trade: str,
        contact: str,
        phone: str,
        lease_start: _dt.date | str,
        lease_end: _dt.date | str | None = None,
        tier: str | None = None,
    ) -> Record:
        """Register a tenant; ``tier`` defaults to the policy's default tier (V1)."""
        return self.open(
            actor=actor,
            unit=unit,
            name=name,
            trade=trade,
            tier=tier,
            contact=contact,
            phone=phone,
            lease_start=_iso(lease_start, "lease_start"),
            lease_end=_iso(lease_end, "lease_end"),
        )

    def update(self, tenant_id: str, *, actor: Actor, **changes: Any) -> Record:
        """Change the tenant's details (unit, name, trade, tier, contacts, lease end)."""
        if "lease_end" in changes:
            changes["lease_end"] = _iso(changes["lease_end"], "lease_end")
        return self.fire(tenant_id, "update", actor=actor, **changes)

    def leave(
        self, tenant_id: str, *, actor: Actor, left_on: _dt.date | str, reason: str
    ) -> Record:
        """The tenant leaves: its remaining visits are cancelled with ``reason`` (V1)."""
        return self.fire(
            tenant_id, "leave", actor=actor, reason=reason, left_on=_iso(left_on, "left_on")
        )

    def tenant(self, tenant_id: str) -> Tenant:
        """The register's view of one tenant."""
        return Tenant.of(self.get(tenant_id))

    def all(self, *, active: bool | None = None) -> list[Tenant]:
        """Every tenant (``active=True``: only those still in the mall)."""
        state = None if active is None else ("active" if active else "left")
        return [Tenant.of(r) for r in self.query(state=state)]

    def export(self, *, reveal: bool = False) -> list[dict[str, Any]]:
        """The register as plain rows; contacts masked unless ``reveal`` (G7)."""
        return [t.to_dict(reveal=reveal) for t in self.all()]

    def history(self, tenant_id: str) -> list[Record]:
        """Every record concerning the tenant, the tenant itself included (G4)."""
        self.get(tenant_id)
        return self.runtime.query(tenant=tenant_id)
