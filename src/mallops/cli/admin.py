"""``init``, ``demo``, ``diagram`` and ``policy``: stores, the simulation, definitions."""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from ..errors import PolicyError, StoreError, ValidationError
from ..mall import Mall
from ..policy import Policy
from ..stores import open_store
from ..stores.memory import MemoryStore
from ._common import emit_json, load_policy, out, sections, store_path, workflows, write_text
from ._parser import Command, UsageError
from .messages import t

__all__ = ["COMMANDS", "policy_errors"]


def _run_init(args: argparse.Namespace) -> int:
    path = store_path(args.store)
    if path is not None and path.exists():
        raise StoreError(t("err.store_exists", path=args.store))
    open_store(args.store).close()
    if args.json:
        emit_json({"store": args.store, "created": True})
    else:
        out(t("out.init", path=args.store))
    return 0


def _setup_demo(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=2026, help=t("demo.seed"))
    p.add_argument("--days", type=int, default=30, help=t("demo.days"))
    p.add_argument("--tenants", type=int, default=200, help=t("demo.tenants"))
    p.add_argument("--start", metavar="YYYY-MM-DD", help=t("demo.start"))
    p.add_argument("--rate", type=float, default=11.0, help=t("demo.rate"))
    p.add_argument("--html", metavar="FILE", help=t("demo.html"))
    p.add_argument("--quiet", action="store_true", help=t("demo.quiet"))


def _run_demo(args: argparse.Namespace) -> int:
    from ..demo import DemoConfig, run_demo
    from ..report import build_report, render
    from .calendar_cmd import horizon_note

    config = DemoConfig(
        seed=args.seed,
        days=args.days,
        tenants=args.tenants,
        start=args.start,
        complaints_per_day=args.rate,
    )
    policy = load_policy(args)
    if args.html and not Path(args.html).resolve().parent.is_dir():
        raise ValidationError(t("err.no_dir", path=args.html), field="html")
    store = open_store(args.store)
    try:
        bar = None if args.quiet else _progress
        result = run_demo(store, config, policy=policy, progress=bar, property=args.property)
        report = build_report(result.mall, result.start, result.end, lang=args.lang)
        html_path = Path(args.html or f"mallops-report-{result.start.format('YYYY-MM')}.html")
        write_text(html_path, render(report, "html", embed_font=True))
        records = len(result.mall.query())
        if args.json:
            emit_json(
                {
                    "store": str(args.store),
                    "continued": result.continued,
                    "period": {"start": result.start.isoformat(), "end": result.end.isoformat()},
                    "days_run": result.days_run,
                    "records": records,
                    "html": str(html_path.resolve()),
                    "report": report.to_dict(),
                }
            )
        else:
            out(render(report, "text"))
            note = horizon_note(result.mall)  # G9: the holiday data runs out soon
            if note:
                out(note)
            key = "out.demo_continued" if result.continued else "out.demo_simulated"
            out(t(key, days=result.days_run, store=args.store, records=records))
            out(t("out.demo_html", path=html_path.resolve()))
    finally:
        store.close()
    return 0


def _progress(done: int, total: int) -> None:
    if not sys.stderr.isatty():  # a log, not a terminal: one line per quarter
        if done == total or done * 4 // total != (done - 1) * 4 // total:
            sys.stderr.write(t("out.progress", done=done, total=total) + "\n")
        return
    width = 30
    filled = width * done // max(total, 1)
    bar = f"\r{t('out.simulating')} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
    sys.stderr.write(bar + ("\n" if done >= total else ""))
    sys.stderr.flush()


def _setup_diagram(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", nargs="?", help=t("diagram.kind"))
    p.add_argument(
        "--format", choices=("mermaid", "dot"), default="mermaid", help=t("diagram.format")
    )


def _run_diagram(args: argparse.Namespace) -> int:
    from ..diagrams import diagram
    from ._args import check_kind

    mall = Mall(store=MemoryStore(), policy=load_policy(args), workflows=workflows(args))
    kinds = [check_kind(mall, args.kind)] if args.kind else list(mall.services)
    parts = [diagram(mall.service(k).engine.spec, args.format, args.lang) for k in kinds]
    out("\n".join(parts))
    return 0


def _flatten(prefix: str, value: Any, rows: list[tuple[str, Any]]) -> None:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            key = str(k) if str(k).replace("_", "").replace("-", "").isalnum() else json.dumps(k)
            _flatten(f"{prefix}.{key}" if prefix else key, v, rows)
    else:
        rows.append((prefix, value))


def _toml_value(value: Any) -> str:
    if value is None:
        return '"none"'
    if isinstance(value, dict):
        return "{}"
    return json.dumps(value, ensure_ascii=False)


def _drop(data: dict[str, Any], key: str | None) -> bool:
    """Remove the deepest part of ``data`` that dotted ``key`` names; False when none."""
    if not key:
        return False
    parts = key.replace("[", ".").replace("]", "").split(".")
    node: Any = data
    trail: list[tuple[dict[str, Any], str]] = []
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            break
        trail.append((node, part))
        node = node[part]
    if not trail:
        return False
    parent, last = trail[-1]
    del parent[last]
    return True


def policy_errors(path: str, sections: dict[str, type[Any]] | None = None) -> list[PolicyError]:
    """Every error of a policy file: the file is checked, the keys of its errors are
    taken out and the rest checked again (errors hidden behind others show), until it
    passes.  ``sections``: the plug-in sections the file may hold (#17)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        return [PolicyError(f"cannot read policy file {path}: {exc.strerror}")]
    except tomllib.TOMLDecodeError as exc:
        return [PolicyError(f"{path}: not valid TOML: {exc}")]
    errors: dict[tuple[str | None, str], PolicyError] = {}
    for _ in range(1000):
        try:
            Policy.from_dict(data, sections=sections)
        except PolicyError as exc:
            found = [e for e in exc.errors if (e.key, e.reason) not in errors]
            errors.update({(e.key, e.reason): e for e in found})
            dropped = [_drop(data, e.key) for e in found]
            if not found or not any(dropped):
                break
        else:
            break
    return list(errors.values())


def _policy_failed(args: argparse.Namespace, errors: list[PolicyError]) -> None:
    """Print every error (stderr, or JSON on stdout) and raise the summary (exit 1)."""
    if args.json:
        found = [{"key": e.key, "message": e.reason} for e in errors]
        emit_json({"file": args.file, "ok": False, "errors": found})
    if len(errors) == 1:
        text = str(errors[0])
        raise PolicyError(text if text.startswith(args.file) else f"{args.file}: {text}")
    if not args.json:
        sys.stderr.write("".join(f"  {e}\n" for e in errors))
    raise PolicyError(t("out.policy_errors", file=args.file, n=len(errors)))


def _run_policy(args: argparse.Namespace) -> int:
    if args.action == "check":
        if not args.file:
            raise UsageError(t("err.check_needs_file"))
        known = sections(args)  # the shipped plug-ins' and --workflow's sections (#17)
        errors = policy_errors(args.file, known)
        if errors:
            _policy_failed(args, errors)
        policy = Policy.from_toml(args.file, sections=known)
        if args.json:
            emit_json({"file": args.file, "ok": True, "name": policy.name, "errors": []})
        else:
            out(t("out.policy_ok", file=args.file, name=repr(policy.name)))
        return 0
    data = load_policy(args, args.file).to_dict()
    if args.json:
        emit_json(data)
        return 0
    rows: list[tuple[str, Any]] = []
    _flatten("", data, rows)
    out("\n".join(f"{k} = {_toml_value(v)}" for k, v in rows))
    return 0


def _setup_policy(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("show", "check"), help=t("policy.action"))
    p.add_argument("file", nargs="?", help=t("policy.file"))


COMMANDS = (
    Command("demo", "cmd.demo", _setup_demo, _run_demo),
    Command("init", "cmd.init", lambda _p: None, _run_init),
    Command("diagram", "cmd.diagram", _setup_diagram, _run_diagram),
    Command("policy", "cmd.policy", _setup_policy, _run_policy),
)
