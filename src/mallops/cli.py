"""The ``mallops`` command (also ``python -m mallops``).  See docs/cli.md.

Exit codes: 0 success, 1 a mallops error (bad value, wrong state, permission, store),
2 a usage error (unknown option, malformed argument), 130 interrupted.  Errors are one
line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import pendulum

from .clock import Clock, ManualClock, aware
from .domain.events import DomainEvent
from .domain.records import Actor, Record
from .engine.spec import Param
from .errors import MallopsError, ValidationError
from .mall import Mall
from .masking import mask_value, personal_fields
from .policy import Policy
from .stores import open_store
from .stores.codec import encode
from .stores.protocol import Store

__all__ = ["main"]

DEFAULT_STORE = "mallops-store.json"
PROG = "mallops"


class UsageError(Exception):
    """A malformed argument noticed after parsing (exit code 2)."""


# -- argument types ------------------------------------------------------------------------


def parse_actor(text: str) -> Actor:
    """``id:role[:department]`` -> :class:`Actor`."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not id:role[:department] (e.g. desk-1:front_desk:customer_service)"
        )
    return Actor(parts[0], parts[1], parts[2] if len(parts) == 3 else None)


def parse_now(text: str) -> pendulum.DateTime:
    """An ISO 8601 time with offset."""
    try:
        return aware(text, field="now")
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_field(text: str) -> tuple[str, str]:
    """``key=value``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not key=value")
    return key.strip(), value


def convert(value: str, param: Param | None) -> Any:
    """A command-line string as the parameter's kind expects it."""
    if param is None:
        return value  # unknown: the engine says which parameters exist
    name = param.name
    if param.kind == "int":
        try:
            return int(value)
        except ValueError:
            raise ValidationError(f"{name}: {value!r} is not a whole number", field=name) from None
    if param.kind == "bool":
        low = value.strip().lower()
        if low in ("true", "yes", "1", "y"):
            return True
        if low in ("false", "no", "0", "n"):
            return False
        raise ValidationError(f"{name}: {value!r} is not true or false", field=name)
    if param.kind == "strlist":
        return [v.strip() for v in value.split(",") if v.strip()]
    if param.kind == "json":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValidationError(f"{name}: {value!r} is not JSON", field=name) from None
    return value


# -- the parser ----------------------------------------------------------------------------


def _common(suppress: bool) -> argparse.ArgumentParser:
    """Options every command accepts, before or after the command name."""
    d: Callable[[Any], Any] = (lambda _v: argparse.SUPPRESS) if suppress else (lambda v: v)
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("common options")
    g.add_argument(
        "--store",
        metavar="LOCATION",
        default=d(DEFAULT_STORE),
        help=f"the store to work on (default: {DEFAULT_STORE} in the working directory; "
        "':memory:' for a throw-away store)",
    )
    g.add_argument("--policy", metavar="FILE", default=d(None), help="policy TOML overrides")
    g.add_argument("--property", default=d("default"), help="property name (G11)")
    g.add_argument(
        "--now",
        type=parse_now,
        default=d(None),
        metavar="ISO",
        help="the current time, e.g. 2026-10-01T09:00:00+08:00 (default: the real time)",
    )
    g.add_argument("--json", action="store_true", default=d(False), help="output JSON")
    g.add_argument(
        "--lang", choices=("zh", "en"), default=d("zh"), help="label language (default zh)"
    )
    return p


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line interface."""
    common = _common(suppress=True)
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Mall operations as durable state machines: complaints and more, with "
        "SLA timers, escalation, monthly reports.",
        parents=[_common(suppress=False)],
        epilog="Run 'mallops COMMAND --help' for a command's options. See docs/cli.md.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def cmd(name: str, help: str, fn: Callable[[argparse.Namespace], int]) -> Any:
        p = sub.add_parser(name, help=help, description=help, parents=[common])
        p.set_defaults(func=fn)
        return p

    actor_help = "who acts: id:role[:department], e.g. desk-1:front_desk:customer_service"

    p = cmd("demo", "simulate a month of a mid-size mall and print its report", cmd_demo)
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.add_argument("--days", type=int, default=30, help="days to simulate (default 30)")
    p.add_argument("--tenants", type=int, default=200, help="tenants (default 200)")
    p.add_argument("--start", metavar="YYYY-MM-DD", help="first day (default 2026-09-01)")
    p.add_argument("--rate", type=float, default=11.0, help="complaints a day (default 11)")
    p.add_argument("--html", metavar="FILE", help="HTML report path (default in the cwd)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = cmd("open", "open a record of any workflow", cmd_open)
    p.add_argument("kind", help="record kind, e.g. complaint")
    p.add_argument("--actor", type=parse_actor, required=True, help=actor_help)
    p.add_argument(
        "--field",
        "-f",
        type=parse_field,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter of the creating event (repeat)",
    )

    p = cmd("fire", "fire an event on a record", cmd_fire)
    p.add_argument("record_id")
    p.add_argument("event")
    p.add_argument("--actor", type=parse_actor, required=True, help=actor_help)
    p.add_argument(
        "--field",
        "-f",
        type=parse_field,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an event parameter (repeat)",
    )
    p.add_argument("--reason", help="why (required by some events)")

    p = cmd("show", "show a record with its history and timers", cmd_show)
    p.add_argument("record_id")
    p.add_argument("--reveal", action="store_true", help="show personal data unmasked (G7)")

    p = cmd("list", "list records", cmd_list)
    p.add_argument("--kind")
    p.add_argument("--state", action="append", help="state (repeat for several)")
    p.add_argument("--owner")
    p.add_argument("--tenant")
    p.add_argument("--overdue", action="store_true", help="only records with a breached timer")
    p.add_argument("--open", dest="is_open", action="store_const", const=True, default=None)
    p.add_argument("--closed", dest="is_open", action="store_const", const=False)
    p.add_argument("--limit", type=int, default=None)

    cmd("tick", "fire every timer that fell due", cmd_tick)

    p = cmd("report", "the monthly report (K1-K5)", cmd_report)
    p.add_argument("--month", metavar="YYYY-MM", help="default: the previous month")
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="inclusive")
    p.add_argument(
        "--format",
        choices=("text", "markdown", "json", "csv", "html"),
        default=None,
        help="default text (json with --json)",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")

    p = cmd("diagram", "a workflow's state diagram", cmd_diagram)
    p.add_argument("kind", nargs="?", help="record kind (default: every workflow)")
    p.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")

    p = cmd("policy", "show the policy or check a policy file", cmd_policy)
    p.add_argument("action", choices=("show", "check"))
    p.add_argument("file", nargs="?", help="the TOML file (check; show merges it onto the seed)")
    return parser


# -- shared helpers -----------------------------------------------------------------------


def _policy(args: argparse.Namespace, file: str | None = None) -> Policy:
    path = file or args.policy
    return Policy.from_toml(path) if path else Policy.seed()


def _clock(args: argparse.Namespace, policy: Policy) -> Clock | None:
    return ManualClock(args.now) if args.now is not None else None


@contextlib.contextmanager
def _mall(args: argparse.Namespace) -> Iterator[Mall]:
    policy = _policy(args)
    store: Store = open_store(args.store)
    try:
        yield Mall(store=store, clock=_clock(args, policy), policy=policy, property=args.property)
    finally:
        store.close()


def _out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _json(data: Any) -> None:
    _out(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _params(mall: Mall, kind: str, event: str, fields: Sequence[tuple[str, str]]) -> dict[str, Any]:
    specs = {p.name: p for p in mall.service(kind).engine.param_specs(event)}
    params: dict[str, Any] = {}
    for key, value in fields:
        if key in params:
            raise UsageError(f"--field {key} given twice")
        params[key] = convert(value, specs.get(key))
    return params


def record_data(mall: Mall, record: Record, *, reveal: bool = False) -> dict[str, Any]:
    """A record as JSON data, personal data masked unless ``reveal`` (G7)."""
    data = encode(record)
    if reveal:
        return data
    personal = personal_fields(s.engine.spec for s in mall.services.values())
    data["fields"] = _masked(data["fields"], personal)
    for h in data["history"]:
        h["data"] = _masked(h["data"], personal)
        if "f" in h.get("out", {}):  # the fields an event set (its outcome, G6)
            h["out"]["f"] = _masked(h["out"]["f"], personal)
    return data


def _masked(value: Any, personal: Collection[str]) -> Any:
    """``value`` with every personal key masked, also inside nested lists and mappings
    (a lost item's claims and release hold the claimants' names, G7)."""
    if isinstance(value, dict):
        return {
            k: mask_value(v) if k in personal else _masked(v, personal) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked(v, personal) for v in value]
    return value


def _state_label(mall: Mall, record: Record, lang: str) -> str:
    spec = mall.service(record.kind).engine.spec
    try:
        s = spec.state(record.state)
    except KeyError:
        return record.state
    return s.zh if lang == "zh" else s.en


def _overdue(record: Record, now: pendulum.DateTime) -> list[str]:
    out = []
    for t in record.timers:
        if t.active and (t.breached or (t.due_at is not None and t.due_at < now)):
            out.append(t.name)
    return out


def _t(dt: pendulum.DateTime | None) -> str:
    return "-" if dt is None else dt.format("YYYY-MM-DD HH:mm")


def _event_line(e: DomainEvent) -> str:
    extra = " ".join(f"{k}={v}" for k, v in e.data.items() if k != "timer") or ""
    timer = e.data.get("timer")
    what = f"{e.type}" + (f"[{timer}]" if timer else "")
    return f"{_t(e.at)}  {e.record_id}  {what}  {extra}".rstrip()


# -- commands -------------------------------------------------------------------------------


def cmd_open(args: argparse.Namespace) -> int:
    """``mallops open KIND --actor ... --field k=v ...``"""
    from .workflows.base import WorkflowService

    with _mall(args) as mall:
        service = mall.service(args.kind)
        params = _params(mall, args.kind, service.engine.spec.create.name, args.field)
        record = WorkflowService.open(service, actor=args.actor, **params)
        if args.json:
            _json(record_data(mall, record))
        else:
            _out(
                f"opened {record.id} ({record.kind}), state {record.state} "
                f"({_state_label(mall, record, args.lang)})"
            )
    return 0


def cmd_fire(args: argparse.Namespace) -> int:
    """``mallops fire ID EVENT --actor ... [--field k=v] [--reason ...]``"""
    with _mall(args) as mall:
        kind = mall.get(args.record_id).kind
        params = _params(mall, kind, args.event, args.field)
        if kind == "lost_item" and args.event == "claim" and params.get("id_number"):
            from .workflows.lost_found_rules import mask_id

            # rule L5, G7: the document number is masked before anything is stored
            params["id_number"] = mask_id(
                str(params["id_number"]), mall.policy.lost_found.id_visible
            )
        record = mall.fire(
            args.record_id, args.event, actor=args.actor, reason=args.reason, **params
        )
        if args.json:
            _json(record_data(mall, record))
        else:
            _out(
                f"{record.id}: {args.event} -> state {record.state} "
                f"({_state_label(mall, record, args.lang)})"
            )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """``mallops show ID``: the record, its timers and history (personal data masked)."""
    with _mall(args) as mall:
        record = mall.get(args.record_id)
        data = record_data(mall, record, reveal=args.reveal)
        if args.json:
            _json(data)
            return 0
        spec = mall.service(record.kind).engine.spec
        lines = [
            f"{record.id}  {spec.zh if args.lang == 'zh' else spec.en}  "
            f"state {record.state} ({_state_label(mall, record, args.lang)})"
            f"{'' if record.is_open else '  [closed]'}",
            f"  created {_t(record.created_at)}  updated {_t(record.updated_at)}  "
            f"v{record.version}",
            f"  owner {record.owner or '-'}  department {record.department or '-'}  "
            f"tenant {record.tenant or '-'}",
            f"  location {record.location or '-'}  category {record.category or '-'}  "
            f"severity {record.severity or '-'}",
        ]
        if record.escalations:
            lines.append(
                "  escalated: "
                + ", ".join(
                    f"L{e.level} {e.role} ({e.cause}, {_t(e.at)})" for e in record.escalations
                )
            )
        if record.links:
            lines.append(
                "  links: " + ", ".join(f"{k.relation} {k.record_id}" for k in record.links)
            )
        lines.append("fields:")
        lines += [f"  {k}: {v}" for k, v in data["fields"].items()]
        lines.append("timers:")
        for t in record.timers:
            due = t.due_at
            lines.append(
                f"  {t.name:<14} {t.status:<9} started {_t(t.started_at)}  due {_t(due)}  "
                f"breached {_t(t.breached_at)}  stopped {_t(t.stopped_at)}"
            )
        lines.append("history:")
        for h in data["history"]:
            who = h["actor"][0] + ":" + h["actor"][1]
            detail = " ".join(f"{k}={v}" for k, v in h["data"].items())
            reason = f"  reason: {h['reason']}" if h["reason"] else ""
            lines.append(
                f"  {h['seq']:>3} {h['at'][:16].replace('T', ' ')}  {who:<28} {h['event']:<14} "
                f"{h['from'] or '-'} -> {h['to']}  {detail}{reason}".rstrip()
            )
        _out("\n".join(lines))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """``mallops list [filters]``."""
    filters: dict[str, Any] = {}
    for name in ("kind", "owner", "tenant", "is_open"):
        if getattr(args, name) is not None:
            filters[name] = getattr(args, name)
    if args.state:
        filters["state"] = tuple(args.state)
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1")
    with _mall(args) as mall:
        now = mall.now()
        records = mall.query(**filters)
        if args.overdue:
            records = [r for r in records if _overdue(r, now)]
        if args.limit is not None:
            records = records[: args.limit]
        if args.json:
            _json(
                [
                    {
                        "id": r.id,
                        "kind": r.kind,
                        "state": r.state,
                        "created_at": r.created_at.isoformat(),
                        "owner": r.owner,
                        "department": r.department,
                        "tenant": r.tenant,
                        "category": r.category,
                        "severity": r.severity,
                        "overdue": _overdue(r, now),
                    }
                    for r in records
                ]
            )
            return 0
        for r in records:
            late = _overdue(r, now)
            _out(
                f"{r.id:<10} {r.kind:<10} {r.state:<16} {_t(r.created_at)}  "
                f"{r.owner or '-':<10} {r.department or '-':<16} {r.category or '-':<12}"
                + (f" OVERDUE: {', '.join(late)}" if late else "")
            )
        _out(f"{len(records)} record(s)")
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    """``mallops tick``: fire every timer mark that fell due."""
    with _mall(args) as mall:
        events = mall.tick()
        if args.json:
            _json(
                [
                    {
                        "type": e.type,
                        "record_id": e.record_id,
                        "at": e.at.isoformat(),
                        "data": dict(e.data),
                    }
                    for e in events
                ]
            )
        else:
            for e in events:
                _out(_event_line(e))
            _out(f"{len(events)} event(s)")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """``mallops report [--month M | --from D --to D] [--format F] [-o FILE]``."""
    from .report import build_report, parse_period, render

    fmt = args.format or ("json" if args.json else "text")
    with _mall(args) as mall:
        start, end = parse_period(mall, args.month, args.start, args.end)
        text = render(build_report(mall, start, end, lang=args.lang), fmt)
    if args.output:
        _write(Path(args.output), text)
        _out(f"wrote {args.output}")
    else:
        _out(text)
    return 0


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"cannot write {path}: {exc.strerror}", field="output") from None


def cmd_diagram(args: argparse.Namespace) -> int:
    """``mallops diagram [KIND] [--format mermaid|dot] [--lang zh|en]``."""
    from .diagrams import diagram
    from .stores.memory import MemoryStore

    mall = Mall(store=MemoryStore(), policy=_policy(args))
    kinds = [args.kind] if args.kind else list(mall.services)
    parts = [diagram(mall.service(k).engine.spec, args.format, args.lang) for k in kinds]
    _out("\n".join(parts))
    return 0


def _flatten(prefix: str, value: Any, out: list[tuple[str, Any]]) -> None:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            key = str(k) if str(k).replace("_", "").replace("-", "").isalnum() else json.dumps(k)
            _flatten(f"{prefix}.{key}" if prefix else key, v, out)
    else:
        out.append((prefix, value))


def _toml_value(value: Any) -> str:
    if value is None:
        return '"none"'
    if isinstance(value, dict):
        return "{}"
    return json.dumps(value, ensure_ascii=False)


def cmd_policy(args: argparse.Namespace) -> int:
    """``mallops policy show [FILE]`` and ``mallops policy check FILE``."""
    if args.action == "check":
        if not args.file:
            raise UsageError("policy check needs a FILE")
        policy = Policy.from_toml(args.file)
        if args.json:
            _json({"file": args.file, "ok": True, "name": policy.name})
        else:
            _out(f"{args.file}: ok (policy {policy.name!r})")
        return 0
    data = _policy(args, args.file).to_dict()
    if args.json:
        _json(data)
        return 0
    rows: list[tuple[str, Any]] = []
    _flatten("", data, rows)
    _out("\n".join(f"{k} = {_toml_value(v)}" for k, v in rows))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``mallops demo``: see :mod:`mallops.demo`."""
    from .demo import DemoConfig, run_demo
    from .report import build_report, render

    config = DemoConfig(
        seed=args.seed,
        days=args.days,
        tenants=args.tenants,
        start=args.start,
        complaints_per_day=args.rate,
    )
    policy = _policy(args)
    if args.html and not Path(args.html).resolve().parent.is_dir():
        raise ValidationError(f"cannot write {args.html}: no such directory", field="html")
    store = open_store(args.store)
    try:
        bar = None if args.quiet else _progress
        result = run_demo(store, config, policy=policy, progress=bar)
        report = build_report(result.mall, result.start, result.end, lang=args.lang)
        html_path = Path(args.html or f"mallops-report-{result.start.format('YYYY-MM')}.html")
        _write(html_path, render(report, "html"))
        records = len(result.mall.query())
        if args.json:
            _json(
                {
                    "store": str(args.store),
                    "continued": result.continued,
                    "period": [result.start.isoformat(), result.end.isoformat()],
                    "days_run": result.days_run,
                    "records": records,
                    "html": str(html_path.resolve()),
                    "report": report.to_dict(),
                }
            )
        else:
            _out(render(report, "text"))
            verb = "continued" if result.continued else "simulated"
            _out(f"{verb} {result.days_run} day(s) on {args.store}: {records} record(s) in store")
            _out(f"HTML report: {html_path.resolve()}")
    finally:
        store.close()
    return 0


def _progress(done: int, total: int) -> None:
    if not sys.stderr.isatty():  # a log, not a terminal: one line per quarter
        if done == total or done * 4 // total != (done - 1) * 4 // total:
            sys.stderr.write(f"simulated {done}/{total} days\n")
        return
    width = 30
    filled = width * done // max(total, 1)
    line = f"\rsimulating [{'#' * filled}{'.' * (width - filled)}] {done}/{total} days"
    sys.stderr.write(line + ("\n" if done >= total else ""))
    sys.stderr.flush()


# -- entry point ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0) if isinstance(exc.code, int | None) else 2
    try:
        return int(args.func(args))
    except UsageError as exc:
        sys.stderr.write(f"{PROG} {args.command}: error: {exc}\n")
        return 2
    except MallopsError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{PROG}: interrupted; the store holds every completed step\n")
        return 130
    except BrokenPipeError:  # `mallops report | head`: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
