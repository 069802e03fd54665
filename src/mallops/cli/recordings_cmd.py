"""``mallops recordings register``: the retention register of call recordings (G7), in
zh-CN or English, as text, CSV (with BOM, for Excel), XLSX or JSON; the caller's number
masked unless ``--reveal``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ValidationError
from ..export import to_csv, write_xlsx
from ..operations.recording_service import REGISTER_COLUMNS, RecordingService
from ._common import emit_json, open_mall, out, write_text
from ._parser import Command
from .messages import MESSAGES, language, t

__all__ = ["COMMANDS"]

# This command's catalogue entries, registered here so the catalogue module stays
# untouched (tests/test_cli_messages.py checks them all the same).
MESSAGES.update(
    {
        "cmd.recordings": (
            "通话录音：保存登记表（G7）",
            "call recordings: the retention register (G7)",
        ),
        "recordings.action": (
            "register：导出录音保存登记表",
            "register: export the recordings' retention register",
        ),
        "recordings.format": (
            "输出格式（默认 text；-o 以 .xlsx 结尾时为 xlsx）",
            "output format (default text; xlsx when -o ends in .xlsx)",
        ),
        "recordings.output": ("写入文件而非标准输出", "write to this file instead of stdout"),
        "recordings.reveal": (
            "显示来电号码（个人信息，G7；默认打码）",
            "show callers' numbers (personal data, G7; masked by default)",
        ),
        "recordings.none": (
            "本物业没有通话录音工作流（kind recording）",
            "this mall runs no call-recording workflow (kind recording)",
        ),
        "out.recordings": (
            "已写入 {n} 条录音记录：{path}",
            "wrote {n} recording(s) to {path}",
        ),
        "err.recordings_xlsx_stdout": (
            "xlsx 需要 -o 文件名",
            "xlsx needs -o FILE",
        ),
    }
)


def _setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("register",), help=t("recordings.action"))
    p.add_argument(
        "--format",
        choices=("text", "csv", "xlsx", "json"),
        default=None,
        help=t("recordings.format"),
    )
    p.add_argument("--output", "-o", metavar="FILE", help=t("recordings.output"))
    p.add_argument("--reveal", action="store_true", help=t("recordings.reveal"))


def _text(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    lines = ["\t".join(header)]
    lines.extend("\t".join("" if v is None else str(v) for v in row) for row in rows)
    return "\n".join(lines) + "\n"


def _run(args: argparse.Namespace) -> int:
    output = args.output or ""
    fmt = args.format or ("json" if args.json else None)
    fmt = fmt or ("xlsx" if output.lower().endswith(".xlsx") else "text")
    if fmt == "xlsx" and not output:
        raise ValidationError(t("err.recordings_xlsx_stdout"), field="output")
    with open_mall(args) as mall:
        if "recording" not in mall.registry:
            raise ValidationError(t("recordings.none"), field="kind")
        service = mall.registry.of("recording", RecordingService)
        header, rows = service.register(lang=language(), reveal=args.reveal)
    if fmt == "json":
        keys = [key for key, _ in REGISTER_COLUMNS]
        emit_json([dict(zip(keys, row, strict=True)) for row in rows])
        return 0
    if fmt == "xlsx":
        write_xlsx(Path(output), header, rows)
    else:
        text = to_csv(header, rows) if fmt == "csv" else _text(header, rows)
        if not output:
            sys.stdout.write(text)
            return 0
        write_text(Path(output), text, encoding="utf-8")
    out(t("out.recordings", n=len(rows), path=output))
    return 0


COMMANDS = (Command("recordings", "cmd.recordings", _setup, _run),)
