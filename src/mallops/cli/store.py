"""``store copy SRC DST``: move every record and counter to another store (any backend).

See :mod:`mallops.stores.copy` for what is copied, how an interrupted copy resumes and
what is verified.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import ValidationError
from ..stores import open_store
from ..stores.copy import copy_store
from ._common import emit_json, existing_store, out
from ._parser import Command
from .messages import t

__all__ = ["COMMANDS"]


def _setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("copy",), help=t("store.action"))
    p.add_argument("src", metavar="SRC", help=t("store.src"))
    p.add_argument("dst", metavar="DST", help=t("store.dst"))
    p.add_argument("--batch", type=int, default=1000, help=t("store.batch"))
    p.add_argument("--quiet", action="store_true", help=t("store.quiet"))


def _bar(done: int, total: int) -> None:
    if not sys.stderr.isatty():  # a log, not a terminal: one line per quarter
        if total and (done == total or done * 4 // total != (done - 1) * 4 // total):
            sys.stderr.write(t("out.copy_progress", done=done, total=total) + "\n")
        return
    width = 30
    filled = width * done // max(total, 1)
    bar = f"\r{t('out.copying')} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
    sys.stderr.write(bar + ("\n" if done >= total else ""))
    sys.stderr.flush()


def _run(args: argparse.Namespace) -> int:
    if args.src == args.dst:
        raise ValidationError(t("err.copy_same", path=args.src), field="dst")
    if args.batch < 1:
        raise ValidationError(t("err.copy_batch", value=args.batch), field="batch")
    src = existing_store(args.src)
    try:
        dst = open_store(args.dst)
        try:
            result = copy_store(src, dst, batch=args.batch, progress=None if args.quiet else _bar)
        finally:
            dst.close()
    finally:
        src.close()
    if args.json:
        emit_json(
            {
                "src": args.src,
                "dst": args.dst,
                "records": result.records,
                "copied": result.copied,
                "counters": result.counters,
                "kinds": dict(result.kinds),
                "verified": True,
            }
        )
    else:
        out(
            t(
                "out.copied",
                records=result.records,
                copied=result.copied,
                counters=result.counters,
                dst=args.dst,
            )
        )
    return 0


COMMANDS = (Command("store", "cmd.store", _setup, _run),)
