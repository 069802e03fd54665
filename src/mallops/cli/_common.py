"""What every command shares: opening the store and the mall, printing, labels."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import unicodedata
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import pendulum

from ..clock import ManualClock
from ..domain.records import Record
from ..errors import StoreError, ValidationError
from ..mall import Mall
from ..masking import mask_free_text, mask_value, personal_fields
from ..policy import Policy
from ..stores import open_store
from ..stores.codec import encode
from ..stores.protocol import Store
from ..workflows.bundle import Workflow, load_workflow, policy_sections
from .messages import language, t

__all__ = [
    "DEFAULT_STORE",
    "PROG",
    "cell",
    "emit_json",
    "existing_store",
    "kind_label",
    "label",
    "load_policy",
    "open_mall",
    "out",
    "overdue",
    "record_data",
    "stamp",
    "state_label",
    "store_path",
    "timer_label",
    "value_label",
    "workflows",
    "write_text",
]

DEFAULT_STORE = "mallops-store.json"
PROG = "mallops"


def load_policy(args: argparse.Namespace, file: str | None = None) -> Policy:
    """The policy of ``--policy`` (or ``file``) merged onto the seed, with the sections of
    the shipped plug-ins and of ``--workflow`` (#17)."""
    path = file or args.policy
    return Policy.from_toml(path, sections=sections(args)) if path else Policy.seed()


def sections(args: argparse.Namespace) -> dict[str, type[Any]]:
    """The plug-in policy sections a policy file may hold: those of the shipped plug-ins
    (front desk, building operations: ``Mall`` registers them by default) and of every
    ``--workflow`` (#17)."""
    from ..mall import SHIPPED_WORKFLOWS

    return policy_sections([*SHIPPED_WORKFLOWS, *workflows(args)])


def workflows(args: argparse.Namespace) -> list[Workflow]:
    """The plug-in workflows of ``--workflow`` (each loaded once per command)."""
    loaded = getattr(args, "loaded_workflows", None)
    if loaded is None:
        loaded = [load_workflow(text) for text in getattr(args, "workflow", None) or ()]
        args.loaded_workflows = loaded
    return list(loaded)


def store_path(location: str) -> Path | None:
    """The file behind a store location (``None`` for ``:memory:`` and servers)."""
    if location == ":memory:" or location.lower().startswith(("postgresql:", "postgres:")):
        return None
    if location.lower().startswith("sqlite:///"):
        rest = location[len("sqlite:///") :]
        return None if rest in ("", ":memory:") else Path(rest)
    return Path(location)


def existing_store(location: str) -> Store:
    """Open the store at ``location``, refusing one that does not exist (only ``demo`` and
    ``init`` create stores): a mistyped path must not silently start an empty store."""
    path = store_path(location)
    if path is not None and not path.exists():
        raise StoreError(t("err.no_store", path=location))
    return open_store(location)


@contextlib.contextmanager
def open_mall(args: argparse.Namespace) -> Iterator[Mall]:
    """The mall on ``--store`` with ``--policy``, ``--property`` and ``--now``."""
    policy = load_policy(args)
    store = existing_store(args.store)
    clock = ManualClock(args.now) if args.now is not None else None
    try:
        yield Mall(
            store=store,
            clock=clock,
            policy=policy,
            property=args.property,
            workflows=workflows(args),
        )
    finally:
        store.close()


def out(text: str) -> None:
    """Print ``text`` with one final newline."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON (UTF-8 text kept readable)."""
    out(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def write_text(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write a file or raise ``ValidationError`` naming it."""
    try:
        path.write_text(text, encoding=encoding, newline="")
    except OSError as exc:
        raise ValidationError(
            t("err.write", path=path, reason=exc.strerror or exc), field="output"
        ) from None


def record_data(mall: Mall, record: Record, *, reveal: bool = False) -> dict[str, Any]:
    """A record as JSON data, personal data masked unless ``reveal`` (G7)."""
    data = encode(record)
    if reveal:
        return data
    personal = personal_fields(s.engine.spec for s in mall.services.values())
    data["fields"] = masked(data["fields"], personal)
    data["location"] = mask_free_text(data.get("location"))
    for h in data["history"]:
        h["data"] = masked(h["data"], personal)
        if "f" in h.get("out", {}):  # the fields an event set (its outcome, G6)
            h["out"]["f"] = masked(h["out"]["f"], personal)
        h["reason"] = mask_free_text(h.get("reason"))
    return data


def masked(value: Any, personal: Collection[str]) -> Any:
    """``value`` with every personal key masked, also inside nested lists and mappings
    (a lost item's claims and release hold the claimants' names, G7)."""
    if isinstance(value, dict):
        return {
            k: mask_value(v) if k in personal else masked(v, personal) for k, v in value.items()
        }
    if isinstance(value, list):
        return [masked(v, personal) for v in value]
    return mask_free_text(value)  # phone or ID numbers typed into free text (G7)


def label(zh: str, en: str) -> str:
    """``zh`` or ``en`` by the current language."""
    return zh if language() == "zh" else en


def kind_label(mall: Mall, kind: str) -> str:
    """The display name of a record kind."""
    spec = mall.service(kind).engine.spec
    return label(spec.zh, spec.en)


def state_label(mall: Mall, record: Record) -> str:
    """The display name of the record's state."""
    spec = mall.service(record.kind).engine.spec
    try:
        s = spec.state(record.state)
    except KeyError:
        return record.state
    return label(s.zh, s.en)


def overdue(record: Record, now: pendulum.DateTime) -> list[str]:
    """Names of the record's active timers that are breached or past due."""
    return [
        tm.name
        for tm in record.timers
        if tm.active and (tm.breached or (tm.due_at is not None and tm.due_at < now))
    ]


def stamp(dt: pendulum.DateTime | None) -> str:
    """``YYYY-MM-DD HH:mm`` or ``-``."""
    return "-" if dt is None else dt.format("YYYY-MM-DD HH:mm")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cell(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (CJK characters take two)."""
    return text + " " * max(0, width - _width(text))


# where a record attribute's value is named in the policy, by kind ("*": any kind)
_VALUE_TABLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("*", "department"): ("departments",),
    ("complaint", "category"): ("complaints", "categories"),
    ("complaint", "severity"): ("complaints", "severities"),
    ("repair", "category"): ("repairs", "fault_types"),
    ("repair", "severity"): ("repairs", "urgencies"),
    ("lost_item", "category"): ("lost_found", "categories"),
    ("lost_report", "category"): ("lost_found", "categories"),
    ("tenant", "category"): ("visits", "trades"),
    ("visit", "category"): ("visits", "trades"),
}


def value_label(mall: Mall, kind: str, attr: str, value: str | None) -> str:
    """The display name of a record attribute's value (a department, a complaint
    category, a repair urgency ...), or the value itself when the policy names none."""
    if not value:
        return "-"
    path = _VALUE_TABLES.get((kind, attr)) or _VALUE_TABLES.get(("*", attr))
    node: Any = mall.policy
    for part in path or ():
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
    entry = node.get(value) if isinstance(node, dict) else None
    zh, en = getattr(entry, "zh", None), getattr(entry, "en", None)
    return label(zh, en) if isinstance(zh, str) and isinstance(en, str) else value


def timer_label(mall: Mall, kind: str, name: str) -> str:
    """The display name of a timer of records of ``kind``."""
    for spec in mall.service(kind).engine.spec.timers:
        if spec.name == name:
            return label(spec.zh, spec.en)
    return name
