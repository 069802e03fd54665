"""``report`` and ``export``: data out of the store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ValidationError
from ..export import COLUMNS, DEFAULT_COLUMNS, export_rows, to_csv, write_xlsx
from ._common import emit_json, open_mall, out, write_text
from ._parser import Command, did_you_mean
from .messages import language, t
from .records import add_record_filters, selected_records

__all__ = ["COMMANDS"]


def _setup_report(p: argparse.ArgumentParser) -> None:
    p.add_argument("--month", metavar="YYYY-MM", help=t("report.month"))
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help=t("report.from"))
    p.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help=t("report.to"))
    p.add_argument(
        "--format",
        choices=("text", "markdown", "json", "csv", "html"),
        default=None,
        help=t("report.format"),
    )
    p.add_argument("--output", "-o", metavar="FILE", help=t("report.output"))


def _run_report(args: argparse.Namespace) -> int:
    from ..report import build_report, parse_period, render
    from .calendar_cmd import horizon_note

    fmt = args.format or ("json" if args.json else "text")
    with open_mall(args) as mall:
        start, end = parse_period(mall, args.month, args.start, args.end)
        text = render(build_report(mall, start, end, lang=args.lang), fmt, embed_font=True)
        note = horizon_note(mall) if fmt == "text" else None  # G9: holiday data runs out
    if note:
        text = f"{text.rstrip()}\n{note}\n"
    if args.output:
        write_text(Path(args.output), text)
        out(t("out.wrote", path=args.output))
    else:
        out(text)
    return 0


def _setup_export(p: argparse.ArgumentParser) -> None:
    add_record_filters(p)
    p.add_argument(
        "--columns",
        metavar="A,B,...",
        help=t("export.columns", default=",".join(DEFAULT_COLUMNS), allowed=", ".join(COLUMNS)),
    )
    p.add_argument("--format", choices=("csv", "xlsx"), default=None, help=t("export.format"))
    p.add_argument("--output", "-o", metavar="FILE", help=t("export.output"))
    p.add_argument("--reveal", action="store_true", help=t("export.reveal"))


def _columns(args: argparse.Namespace, fields: set[str]) -> list[str]:
    if not args.columns:
        return list(DEFAULT_COLUMNS)
    chosen = [c.strip() for c in args.columns.replace("，", ",").split(",") if c.strip()]
    allowed = [*COLUMNS, *sorted(fields)]
    for c in chosen:
        if c not in allowed:
            hint = did_you_mean(c, allowed)
            raise ValidationError(
                t("err.column", value=repr(c), hint=hint, allowed=", ".join(COLUMNS)),
                field="columns",
            )
    return chosen


def _run_export(args: argparse.Namespace) -> int:
    fmt = args.format or ("xlsx" if (args.output or "").lower().endswith(".xlsx") else "csv")
    if fmt == "xlsx" and not args.output:
        raise ValidationError(t("err.xlsx_stdout"), field="output")
    if fmt == "xlsx":
        try:
            import openpyxl  # type: ignore[import-untyped]  # noqa: F401
        except ImportError:
            raise ValidationError(t("err.xlsx"), field="format") from None
    with open_mall(args) as mall:
        fields = {
            p.name
            for s in mall.services.values()
            for e in (s.engine.spec.create, *s.engine.spec.events)
            for p in e.params
        }
        columns = _columns(args, fields)
        records = [r for r, _late in selected_records(args, mall)]
        header, rows = export_rows(mall, records, columns, lang=language(), reveal=args.reveal)
    if fmt == "xlsx":
        write_xlsx(Path(args.output), header, rows)
    elif args.output:
        write_text(Path(args.output), to_csv(header, rows), encoding="utf-8")
    else:
        sys.stdout.write(to_csv(header, rows))
        return 0
    if args.json:
        emit_json({"output": args.output, "format": fmt, "records": len(rows), "columns": columns})
    else:
        out(t("out.exported", n=len(rows), path=args.output))
    return 0


COMMANDS = (
    Command("report", "cmd.report", _setup_report, _run_report),
    Command("export", "cmd.export", _setup_export, _run_export),
)
