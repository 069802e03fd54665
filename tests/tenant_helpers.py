"""Registered tenants for tests: a record that names a tenant names a registered one (G11)."""

from __future__ import annotations

from mallops import Actor, Mall

_DESK = Actor("desk-1", "front_desk", "customer_service", "Desk One")


def registered_tenant(mall: Mall, unit: str = "L2-201") -> str:
    """The id of the tenant registered at ``unit``, registering one (a retail shop,
    lease from 2020) the first time."""
    for t in mall.tenants.query():
        if t.location == unit:
            return t.id
    return mall.tenants.register(
        actor=_DESK,
        unit=unit,
        name=f"Shop {unit}",
        trade="retail",
        contact="张三丰",
        phone="13812345678",
        lease_start="2020-01-01",
    ).id
