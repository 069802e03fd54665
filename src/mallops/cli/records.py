"""``open``, ``fire``, ``show``, ``list`` and ``tick``: working on records."""

from __future__ import annotations

import argparse
from typing import Any

from ..domain.events import DomainEvent
from ..domain.records import Record
from ..mall import Mall
from ..read_models import overdue_timers
from ._args import check_event, check_kind, event_params, parse_actor, parse_field
from ._common import (
    cell,
    emit_json,
    kind_label,
    label,
    open_mall,
    out,
    record_data,
    stamp,
    state_label,
    timer_label,
    value_label,
)
from ._parser import Command, UsageError
from .messages import t

__all__ = [
    "COMMANDS",
    "LIST_FIELDS",
    "add_record_filters",
    "event_data",
    "list_row",
    "open_epilog",
    "selected_records",
]


def _actor_and_fields(p: argparse.ArgumentParser) -> None:
    p.add_argument("--actor", type=parse_actor, required=True, help=t("opt.actor"))
    p.add_argument(
        "--field",
        "-f",
        type=parse_field,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=t("opt.field"),
    )


def open_epilog(mall: Mall) -> str:
    """The kinds and the fields of their creating events (``open --help``)."""
    lines = [t("open.kinds")]
    for kind, service in mall.services.items():
        spec = service.engine.spec
        fields = ", ".join(
            p.name + ("*" if p.required else "")
            for p in service.engine.param_specs(spec.create.name)
        )
        lines.append(f"  {kind} ({label(spec.zh, spec.en)}): {fields}")
    return "\n".join(lines)


def _setup_open(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", help=t("open.kind"))
    _actor_and_fields(p)


def _run_open(args: argparse.Namespace) -> int:
    from ..workflows.base import WorkflowService

    with open_mall(args) as mall:
        kind = check_kind(mall, args.kind)
        service = mall.service(kind)
        params = event_params(mall, kind, service.engine.spec.create.name, args.field)
        record = WorkflowService.open(service, actor=args.actor, **params)
        if args.json:
            emit_json(record_data(mall, record))
        else:
            out(
                t(
                    "out.opened",
                    id=record.id,
                    kind=record.kind,
                    kind_label=kind_label(mall, record.kind),
                    state=record.state,
                    state_label=state_label(mall, record),
                )
            )
    return 0


def _setup_fire(p: argparse.ArgumentParser) -> None:
    p.add_argument("record_id", help=t("fire.id"))
    p.add_argument("event", help=t("fire.event"))
    _actor_and_fields(p)
    p.add_argument("--reason", help=t("opt.reason"))


def _event_label(mall: Mall, kind: str, event: str) -> str:
    for e in mall.service(kind).engine.spec.events:
        if e.name == event:
            return label(e.zh, e.en)
    return event


def _run_fire(args: argparse.Namespace) -> int:
    with open_mall(args) as mall:
        kind = mall.get(args.record_id).kind
        event = check_event(mall, kind, args.event)
        params = event_params(mall, kind, event, args.field)
        if kind == "lost_item" and event == "claim" and params.get("id_number"):
            from ..workflows.lost_found_rules import mask_id

            # rule L5, G7: the document number is masked before anything is stored
            params["id_number"] = mask_id(
                str(params["id_number"]), mall.policy.lost_found.id_visible
            )
        record = mall.fire(args.record_id, event, actor=args.actor, reason=args.reason, **params)
        if args.json:
            emit_json(record_data(mall, record))
        else:
            out(
                t(
                    "out.fired",
                    id=record.id,
                    event=event,
                    event_label=_event_label(mall, kind, event),
                    state=record.state,
                    state_label=state_label(mall, record),
                )
            )
    return 0


def _setup_show(p: argparse.ArgumentParser) -> None:
    p.add_argument("record_id", help=t("fire.id"))
    p.add_argument("--reveal", action="store_true", help=t("show.reveal"))


def _value(value: Any) -> str:
    if value is True:
        return t("out.yes")
    if value is False:
        return t("out.no")
    return "-" if value is None else str(value)


def _show_lines(mall: Mall, record: Record, data: dict[str, Any]) -> list[str]:
    closed = "" if record.is_open else f"  [{t('out.closed')}]"
    lines = [
        f"{record.id}  {kind_label(mall, record.kind)}  {t('out.state')} "
        f"{state_label(mall, record)} ({record.state}){closed}",
        f"  {t('out.created')} {stamp(record.created_at)}  {t('out.updated')} "
        f"{stamp(record.updated_at)}  {t('out.version')} {record.version}",
    ]
    kind = record.kind
    pairs = [
        ("out.owner", record.owner),
        ("out.department", value_label(mall, kind, "department", record.department)),
        ("out.tenant", record.tenant),
        ("out.location", record.location),
        ("out.category", value_label(mall, kind, "category", record.category)),
        ("out.severity", value_label(mall, kind, "severity", record.severity)),
    ]
    lines.append("  " + "  ".join(f"{t(k)} {_value(v)}" for k, v in pairs[:3]))
    lines.append("  " + "  ".join(f"{t(k)} {_value(v)}" for k, v in pairs[3:]))
    if record.escalations:
        steps = ", ".join(
            f"L{e.level} {e.role} ({e.cause}, {stamp(e.at)})" for e in record.escalations
        )
        lines.append(f"  {t('out.escalated')}: {steps}")
    if record.links:
        lines.append(
            f"  {t('out.links')}: " + ", ".join(f"{k.relation} {k.record_id}" for k in record.links)
        )
    lines.append(f"{t('out.fields')}:")
    lines += [f"  {k}: {_value(v)}" for k, v in data["fields"].items()]
    lines.append(f"{t('out.timers')}:")
    for tm in record.timers:
        status = t(f"timer.{tm.status}") if f"timer.{tm.status}" in _TIMER_KEYS else tm.status
        times = (
            f"{t('out.started')} {stamp(tm.started_at)}  {t('out.due')} {stamp(tm.due_at)}  "
            f"{t('out.breached')} {stamp(tm.breached_at)}  "
            f"{t('out.stopped')} {stamp(tm.stopped_at)}"
        )
        name = timer_label(mall, kind, tm.name)
        lines.append(f"  {cell(tm.name, 14)} {cell(name, 12)} {cell(status, 9)} {times}")
    lines.append(f"{t('out.history')}:")
    for h in data["history"]:
        who = h["actor"][0] + ":" + h["actor"][1]
        detail = " ".join(f"{k}={v}" for k, v in h["data"].items())
        reason = f"  {t('out.reason')}: {h['reason']}" if h["reason"] else ""
        lines.append(
            f"  {h['seq']:>3} {h['at'][:16].replace('T', ' ')}  {who:<28} {h['event']:<14} "
            f"{h['from'] or '-'} -> {h['to']}  {detail}{reason}".rstrip()
        )
    return lines


_TIMER_KEYS = frozenset({"timer.running", "timer.paused", "timer.stopped", "timer.breached"})


def _run_show(args: argparse.Namespace) -> int:
    with open_mall(args) as mall:
        record = mall.get(args.record_id)
        data = record_data(mall, record, reveal=args.reveal)
        if args.json:
            emit_json(data)
        else:
            out("\n".join(_show_lines(mall, record, data)))
    return 0


def add_record_filters(p: argparse.ArgumentParser) -> None:
    """The record filters of ``list`` and ``export``."""
    p.add_argument("--kind", help=t("list.kind"))
    p.add_argument("--state", action="append", help=t("list.state"))
    p.add_argument("--owner", help=t("list.owner"))
    p.add_argument("--department", help=t("list.department"))
    p.add_argument("--tenant", help=t("list.tenant"))
    p.add_argument("--overdue", action="store_true", help=t("list.overdue"))
    p.add_argument(
        "--open",
        dest="is_open",
        action="store_const",
        const=True,
        default=None,
        help=t("list.open"),
    )
    p.add_argument(
        "--closed", dest="is_open", action="store_const", const=False, help=t("list.closed")
    )
    p.add_argument("--limit", type=int, default=None, metavar="N", help=t("list.limit"))


LIST_FIELDS = ("id", "kind", "state", "created_at", "owner", "department", "category", "overdue")
"""The columns of ``mallops list`` (and the named fields of its ``--json`` objects)."""

_LIST_HEAD = ("out.id", "out.kind", "out.state", "out.created", "out.owner", "out.department",
              "out.category", "out.overdue")  # fmt: skip
_LIST_WIDTHS = (10, 12, 16, 17, 10, 16, 12)


def list_row(mall: Mall, r: Record, late: list[str]) -> dict[str, Any]:
    """One ``list --json`` object: the record's summary with named fields."""
    return {
        "id": r.id,
        "kind": r.kind,
        "state": r.state,
        "created_at": r.created_at.isoformat(),
        "owner": r.owner,
        "department": r.department,
        "tenant": r.tenant,
        "category": r.category,
        "severity": r.severity,
        "overdue": late,
    }


def selected_records(args: argparse.Namespace, mall: Mall) -> list[tuple[Record, list[str]]]:
    """The records the filters of :func:`add_record_filters` select, each with the names
    of its overdue timers."""
    filters: dict[str, Any] = {}
    for name in ("owner", "department", "tenant", "is_open"):
        if getattr(args, name) is not None:
            filters[name] = getattr(args, name)
    if args.state:
        filters["state"] = tuple(args.state)
    if args.limit is not None and args.limit < 1:
        raise UsageError(t("err.limit"))
    if args.kind is not None:
        filters["kind"] = check_kind(mall, args.kind)
    now = mall.now()
    rows = [(r, overdue_timers(r, now)) for r in mall.query(**filters)]
    if args.overdue:
        rows = [(r, late) for r, late in rows if late]
    return rows if args.limit is None else rows[: args.limit]


def _run_list(args: argparse.Namespace) -> int:
    with open_mall(args) as mall:
        rows = selected_records(args, mall)
        if args.json:
            emit_json([list_row(mall, r, late) for r, late in rows])
            return 0
        head = [t(k) for k in _LIST_HEAD]
        padded = [cell(h, w) for h, w in zip(head, _LIST_WIDTHS, strict=False)]
        lines = [" ".join([*padded, head[-1]])]
        for r, late in rows:
            values = (r.id, kind_label(mall, r.kind), state_label(mall, r), stamp(r.created_at),
                      r.owner or "-", value_label(mall, r.kind, "department", r.department),
                      value_label(mall, r.kind, "category", r.category))  # fmt: skip
            cells = [cell(v, w) for v, w in zip(values, _LIST_WIDTHS, strict=True)]
            timers = ", ".join(timer_label(mall, r.kind, n) for n in late)
            lines.append(" ".join([*cells, timers]).rstrip())
        lines.append(t("out.records", n=len(rows)))
        out("\n".join(lines))
    return 0


def event_data(e: DomainEvent) -> dict[str, Any]:
    """One domain event as named JSON fields (``tick --json``)."""
    return {
        "type": e.type,
        "record_id": e.record_id,
        "kind": e.kind,
        "at": e.at.isoformat(),
        "data": dict(e.data),
    }


def _event_line(e: DomainEvent) -> str:
    extra = " ".join(f"{k}={v}" for k, v in e.data.items() if k != "timer")
    timer = e.data.get("timer")
    what = e.type + (f"[{timer}]" if timer else "")
    name = t(f"event.{e.type}") if f"event.{e.type}" in _EVENT_KEYS else e.type
    return f"{stamp(e.at)}  {e.record_id}  {name}  {what}  {extra}".rstrip()


_EVENT_NAMES = ("created", "transitioned", "timer_warning", "timer_breached", "escalated")
_EVENT_KEYS = frozenset(f"event.{k}" for k in (*_EVENT_NAMES, "notify", "tick_failed"))


def _run_tick(args: argparse.Namespace) -> int:
    with open_mall(args) as mall:
        events = mall.tick()
        if args.json:
            emit_json([event_data(e) for e in events])
        else:
            lines = [_event_line(e) for e in events]
            lines.append(t("out.events", n=len(events)))
            out("\n".join(lines))
    return 0


COMMANDS = (
    Command("open", "cmd.open", _setup_open, _run_open),
    Command("fire", "cmd.fire", _setup_fire, _run_fire),
    Command("show", "cmd.show", _setup_show, _run_show),
    Command("list", "cmd.list", add_record_filters, _run_list),
    Command("tick", "cmd.tick", lambda _p: None, _run_tick),
)
