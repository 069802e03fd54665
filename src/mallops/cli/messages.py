"""The command line's message catalogue: every string the ``mallops`` command prints, in
zh-CN and English.

One table, :data:`MESSAGES`, maps a key to its ``(zh, en)`` pair; :func:`t` formats the
entry in the current language.  The language comes from ``--lang``, else ``MALLOPS_LANG``,
else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else zh-CN (:func:`choose_language`).
tests/test_cli_messages.py fails when an entry lacks a translation or a placeholder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["LANGUAGES", "MESSAGES", "choose_language", "language", "set_language", "t"]

LANGUAGES = ("zh", "en")
"""The languages of the catalogue; the first is the default."""

_ALIASES = {"zh": "zh", "zh-cn": "zh", "zh_cn": "zh", "cn": "zh", "en": "en", "english": "en"}

_state = {"lang": "zh"}

MESSAGES: dict[str, tuple[str, str]] = {
    # -- the parser ------------------------------------------------------------------------
    "prog.description": (
        "以持久状态机运行商场日常运营：投诉、报修、回访、失物招领、商户走访，含 SLA 计时、"
        "升级与月报。",
        "Mall operations as durable state machines: complaints, repairs, return visits, "
        "lost and found, tenant visits, with SLA timers, escalation and monthly reports.",
    ),
    "prog.epilog": (
        "运行 'mallops 命令 --help' 查看该命令的选项。参见 docs/cli.md。",
        "Run 'mallops COMMAND --help' for a command's options. See docs/cli.md.",
    ),
    "usage": ("用法：", "usage: "),
    "error": ("错误", "error"),
    "hint.drift": (
        "若流程定义已变更（升级或 --workflow 插件），运行 mallops change-workflows 查看差异，"
        "加 --confirm --actor 编号:角色 --reason 原因 记录；政策不同则请使用原 --policy",
        "if a workflow definition changed (an upgrade or a --workflow plug-in), run mallops "
        "change-workflows to see the difference and add --confirm --actor ID:ROLE --reason "
        "TEXT to record it; if the policy differs, use the store's --policy",
    ),
    "group.common": ("通用选项", "common options"),
    "group.commands": ("命令", "commands"),
    "group.arguments": ("参数", "arguments"),
    "group.options": ("选项", "options"),
    "opt.help": ("显示本帮助并退出", "show this help and exit"),
    "opt.version": ("显示 mallops 的版本并退出", "show mallops' version and exit"),
    "opt.store": (
        "要操作的存储（默认：工作目录下的 {default}；':memory:' 为临时存储）",
        "the store to work on (default: {default} in the working directory; "
        "':memory:' for a throw-away store)",
    ),
    "opt.policy": ("政策 TOML 覆盖文件", "policy TOML overrides"),
    "opt.workflow": (
        "加载插件流程（模块或 .py 文件:名称，可重复；见 docs/workflows.md）",
        "load a plug-in workflow (module or .py file:NAME, repeatable; docs/workflows.md)",
    ),
    "opt.property": ("物业名称（G11，默认 default）", "property name (G11, default: default)"),
    "opt.now": (
        "当前时间，如 2026-10-01T09:00:00+08:00（默认：真实时间）",
        "the current time, e.g. 2026-10-01T09:00:00+08:00 (default: the real time)",
    ),
    "opt.json": (
        "输出 JSON（字段带名称，见 docs/cli.md）",
        "output JSON (named fields, see docs/cli.md)",
    ),
    "opt.lang": (
        "界面语言 zh 或 en（默认：MALLOPS_LANG、系统区域设置，否则 zh）",
        "interface language zh or en (default: MALLOPS_LANG, the locale, else zh)",
    ),
    "opt.actor": (
        "操作人：编号:角色[:部门]，如 desk-1:front_desk:customer_service",
        "who acts: id:role[:department], e.g. desk-1:front_desk:customer_service",
    ),
    "opt.field": ("事件参数 键=值（可重复）", "an event parameter KEY=VALUE (repeat)"),
    "opt.reason": ("原因（部分事件必填）", "why (required by some events)"),
    # -- commands --------------------------------------------------------------------------
    "cmd.demo": (
        "模拟中型商场的一个月并输出月报",
        "simulate a month of a mid-size mall and print its report",
    ),
    "cmd.init": ("新建一个空存储", "create an empty store"),
    "cmd.open": ("新建任一流程的记录", "open a record of any workflow"),
    "cmd.fire": ("对记录触发事件", "fire an event on a record"),
    "cmd.show": ("显示记录及其历史与计时器", "show a record with its history and timers"),
    "cmd.list": ("列出记录", "list records"),
    "cmd.tick": ("触发所有到期的计时器", "fire every timer that fell due"),
    "cmd.report": ("月度报告（K1-K5）", "the monthly report (K1-K5)"),
    "cmd.export": ("导出记录为 CSV 或 XLSX", "export records as CSV or XLSX"),
    "cmd.diagram": ("流程状态图", "a workflow's state diagram"),
    "cmd.serve": (
        "HTTP 接口与网页前台（docs/http.md）",
        "the HTTP API and web front desk (docs/http.md)",
    ),
    "cmd.policy": ("显示政策或检查政策文件", "show the policy or check a policy file"),
    "demo.seed": ("随机种子（默认 2026）", "random seed (default 2026)"),
    "demo.days": ("模拟天数（默认 30）", "days to simulate (default 30)"),
    "demo.tenants": ("商户数（默认 200）", "tenants (default 200)"),
    "demo.start": ("第一天（默认 2026-09-01）", "first day (default 2026-09-01)"),
    "demo.rate": ("每天投诉数（默认 11）", "complaints a day (default 11)"),
    "demo.html": (
        "HTML 报告路径（默认在工作目录）",
        "HTML report path (default: in the working directory)",
    ),
    "demo.quiet": ("不显示进度条", "no progress bar"),
    "open.kind": ("记录类型，如 complaint（见下）", "record kind, e.g. complaint (see below)"),
    "open.kinds": ("记录类型及其字段（* 为必填）：", "kinds and their fields (* required):"),
    "fire.id": ("记录编号，如 C-000001", "record id, e.g. C-000001"),
    "fire.event": ("事件名，如 assign", "event name, e.g. assign"),
    "show.reveal": ("不遮蔽个人信息（G7）", "show personal data unmasked (G7)"),
    "list.kind": ("只列此类型", "only records of this kind"),
    "list.state": ("只列此状态（可重复）", "only records in this state (repeat for several)"),
    "list.owner": ("只列此负责人的记录", "only records of this owner"),
    "list.department": ("只列此部门的记录", "only records of this department"),
    "list.tenant": ("只列此商户的记录", "only records of this tenant"),
    "list.overdue": ("只列有计时器逾期的记录", "only records with a breached timer"),
    "list.open": ("只列未结记录", "only open records"),
    "list.closed": ("只列已结记录", "only closed records"),
    "list.limit": ("最多列出条数", "at most this many records"),
    "report.month": ("月份 YYYY-MM（默认：上个月）", "month YYYY-MM (default: the previous month)"),
    "report.from": ("起始日 YYYY-MM-DD", "first day YYYY-MM-DD"),
    "report.to": ("截止日 YYYY-MM-DD（含）", "last day YYYY-MM-DD (inclusive)"),
    "report.format": (
        "输出格式（默认 text；配合 --json 为 json）",
        "output format (default text; json with --json)",
    ),
    "report.output": ("写入文件而非标准输出", "write to FILE instead of stdout"),
    "export.format": (
        "文件格式（默认看文件后缀，否则 csv）",
        "file format (default: from the file suffix, else csv)",
    ),
    "export.columns": (
        "要导出的列，逗号分隔（默认：{default}）；可用：{allowed}",
        "columns to export, comma-separated (default: {default}); available: {allowed}",
    ),
    "export.reveal": ("导出未遮蔽的个人信息（G7）", "export personal data unmasked (G7)"),
    "export.output": ("输出文件（CSV 可省略，写到标准输出）", "output file (CSV may go to stdout)"),
    "diagram.kind": ("记录类型（默认：全部流程）", "record kind (default: every workflow)"),
    "diagram.format": ("图的格式", "diagram format"),
    "policy.action": ("show（显示）或 check（检查）", "show or check"),
    "policy.file": (
        "TOML 文件（check 检查它；show 把它合并到默认政策上）",
        "the TOML file (check; show merges it onto the seed)",
    ),
    # -- output ----------------------------------------------------------------------------
    "out.opened": (
        "已新建 {id}（{kind_label}），状态：{state_label}（{state}）",
        "opened {id} ({kind}), state {state} ({state_label})",
    ),
    "out.fired": (
        "{id}：{event_label} → 状态：{state_label}（{state}）",
        "{id}: {event} -> state {state} ({state_label})",
    ),
    "out.closed": ("已结", "closed"),
    "out.created": ("创建", "created"),
    "out.updated": ("更新", "updated"),
    "out.version": ("版本", "version"),
    "out.state": ("状态", "state"),
    "out.owner": ("负责人", "owner"),
    "out.department": ("部门", "department"),
    "out.tenant": ("商户", "tenant"),
    "out.location": ("位置", "location"),
    "out.category": ("类别", "category"),
    "out.severity": ("级别", "severity"),
    "out.escalated": ("已升级", "escalated"),
    "out.links": ("关联", "links"),
    "out.fields": ("字段", "fields"),
    "out.timers": ("计时器", "timers"),
    "out.history": ("历史", "history"),
    "out.started": ("开始", "started"),
    "out.due": ("到期", "due"),
    "out.breached": ("逾期", "breached"),
    "out.stopped": ("停止", "stopped"),
    "out.reason": ("原因", "reason"),
    "out.yes": ("是", "yes"),
    "out.no": ("否", "no"),
    "out.id": ("编号", "id"),
    "out.kind": ("类型", "kind"),
    "out.overdue": ("逾期", "overdue"),
    "out.records": ("共 {n} 条记录", "{n} record(s)"),
    "out.events": ("共 {n} 个事件", "{n} event(s)"),
    "out.wrote": ("已写入 {path}", "wrote {path}"),
    "out.exported": ("已导出 {n} 条记录到 {path}", "exported {n} record(s) to {path}"),
    "out.init": ("已新建存储 {path}", "created store {path}"),
    "out.policy_ok": ("{file}：通过（政策 {name}）", "{file}: ok (policy {name})"),
    "out.policy_errors": ("{file}：{n} 处错误", "{file}: {n} error(s)"),
    "out.demo_simulated": (
        "已在 {store} 上模拟 {days} 天：存储中共 {records} 条记录",
        "simulated {days} day(s) on {store}: {records} record(s) in store",
    ),
    "out.demo_continued": (
        "已在 {store} 上继续模拟 {days} 天：存储中共 {records} 条记录",
        "continued {days} day(s) on {store}: {records} record(s) in store",
    ),
    "out.demo_html": ("HTML 报告：{path}", "HTML report: {path}"),
    "out.progress": ("已模拟 {done}/{total} 天", "simulated {done}/{total} days"),
    "out.simulating": ("模拟中", "simulating"),
    "out.interrupted": (
        "已中断；存储保存了每个已完成的步骤",
        "interrupted; the store holds every completed step",
    ),
    "event.created": ("新建", "created"),
    "event.transitioned": ("状态变更", "transitioned"),
    "event.timer_warning": ("计时预警", "timer warning"),
    "event.timer_breached": ("计时逾期", "timer breached"),
    "event.escalated": ("升级", "escalated"),
    "event.notify": ("通知", "notify"),
    "event.tick_failed": ("计时处理失败", "tick failed"),
    "timer.running": ("计时中", "running"),
    "timer.paused": ("暂停", "paused"),
    "timer.stopped": ("已停止", "stopped"),
    "timer.breached": ("已逾期", "breached"),
    # -- errors ----------------------------------------------------------------------------
    "err.no_store": (
        "存储 {path} 不存在；用 'mallops init --store {path}' 新建，或用 --store 指向已有存储",
        "store {path} does not exist; create it with 'mallops init --store {path}' or "
        "point --store at an existing store",
    ),
    "err.store_exists": (
        "存储 {path} 已存在，未作改动",
        "store {path} already exists; left unchanged",
    ),
    "err.actor": (
        "{text} 不是 编号:角色[:部门]（如 desk-1:front_desk:customer_service）",
        "{text} is not id:role[:department] (e.g. desk-1:front_desk:customer_service)",
    ),
    "err.key_value": ("{text} 不是 键=值", "{text} is not key=value"),
    "err.field_twice": ("--field {key} 给了两次", "--field {key} given twice"),
    "err.int": ("{name}：{value} 不是整数", "{name}: {value} is not a whole number"),
    "err.bool": (
        "{name}：{value} 不是 是/否（true/false）",
        "{name}: {value} is not true or false",
    ),
    "err.json": ("{name}：{value} 不是 JSON", "{name}: {value} is not JSON"),
    "err.naive": (
        "{name}：{value} 缺少时区；请写成带偏移的时间，如 {example}",
        "{name}: {value} has no UTC offset; write it with one, e.g. {example}",
    ),
    "err.datetime": (
        "{name}：{value} 不是 ISO 8601 时间（如 2026-09-30T10:00:00+08:00）",
        "{name}: {value} is not an ISO 8601 time (e.g. 2026-09-30T10:00:00+08:00)",
    ),
    "err.choice": (
        "{name}：{value} 不是可选值{hint}；可选：{allowed}",
        "{name}: {value} is not allowed{hint}; choose one of: {allowed}",
    ),
    "err.kind": (
        "未知的记录类型 {value}{hint}；类型：{allowed}",
        "unknown record kind {value}{hint}; kinds: {allowed}",
    ),
    "err.event": (
        "{kind} 没有事件 {value}{hint}；事件：{allowed}",
        "a {kind} has no event {value}{hint}; events: {allowed}",
    ),
    "err.column": (
        "未知的列 {value}{hint}；可用：{allowed}",
        "unknown column {value}{hint}; available: {allowed}",
    ),
    "err.did_you_mean": ("（是否想输入 {guess}？）", " (did you mean {guess}?)"),
    "err.limit": ("--limit 至少为 1", "--limit must be at least 1"),
    "err.check_needs_file": ("policy check 需要一个文件", "policy check needs a FILE"),
    "err.write": ("无法写入 {path}：{reason}", "cannot write {path}: {reason}"),
    "err.no_dir": ("无法写入 {path}：目录不存在", "cannot write {path}: no such directory"),
    "err.xlsx": (
        "XLSX 导出需要 openpyxl：pip install 'mallops[xlsx]'",
        "XLSX export needs openpyxl: pip install 'mallops[xlsx]'",
    ),
    "err.xlsx_stdout": ("XLSX 需要 --output 文件", "XLSX needs an --output file"),
    # -- argparse's own messages (translated by pattern, see _parser.py) -------------------
    "ap.required": ("缺少必需的参数：{args}", "the following arguments are required: {args}"),
    "ap.unrecognized": ("无法识别的参数：{args}", "unrecognized arguments: {args}"),
    "ap.invalid_choice": (
        "无效的选择：{value}{hint}（可选：{allowed}）",
        "invalid choice: {value}{hint} (choose from {allowed})",
    ),
    "ap.argument": ("参数 {name}：{message}", "argument {name}: {message}"),
    "ap.expected_one": ("需要一个值", "expected one argument"),
    "ap.invalid_value": ("无效的 {type} 值：{value}", "invalid {type} value: {value}"),
    "ap.ambiguous": (
        "选项 {option} 有歧义，可能是：{matches}",
        "ambiguous option: {option} could match {matches}",
    ),
    "ap.ignored": ("忽略了多余的值 {value}", "ignored explicit argument {value}"),
    # -- store copy (mallops.cli.store) ----------------------------------------------------
    "cmd.store": (
        "存储维护：copy 把全部记录和计数器复制到另一个存储（任意后端）",
        "store maintenance: copy every record and counter to another store (any backend)",
    ),
    "store.action": ("要做的事：copy", "what to do: copy"),
    "store.src": ("源存储（须已存在）", "the source store (must exist)"),
    "store.dst": (
        "目标存储（不存在则新建；中断后再次运行会续传）",
        "the destination store (created if missing; running again resumes an interrupted copy)",
    ),
    "store.batch": ("每次提交的记录数（默认 1000）", "records per commit (default 1000)"),
    "store.quiet": ("不显示进度条", "no progress bar"),
    "out.copying": ("复制中", "copying"),
    "out.copy_progress": ("已复制 {done}/{total} 条记录", "copied {done}/{total} records"),
    "out.copied": (
        "已校验：{dst} 含全部 {records} 条记录（本次写入 {copied} 条）和 {counters} 个计数器",
        "verified: {dst} holds all {records} records ({copied} written by this run) and "
        "{counters} counters",
    ),
    "err.copy_same": (
        "源和目标是同一个存储 {path}；请给出另一个目标",
        "the source and the destination are the same store {path}; give another destination",
    ),
    "err.copy_batch": (
        "--batch 须为正整数，收到 {value}",
        "--batch must be a positive integer, got {value}",
    ),
}


def set_language(lang: str) -> str:
    """Make ``lang`` (``zh`` or ``en``, or an alias such as ``zh-CN``) the current language;
    returns the normalised code."""
    code = _normalise(lang) or LANGUAGES[0]
    _state["lang"] = code
    return code


def language() -> str:
    """The current language code."""
    return _state["lang"]


def t(key: str, /, **values: Any) -> str:
    """The message ``key`` in the current language, formatted with ``values``."""
    zh, en = MESSAGES[key]
    text = zh if _state["lang"] == "zh" else en
    return text.format(**values) if values else text


def choose_language(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> str:
    """``--lang`` from ``argv`` if given, else ``MALLOPS_LANG``, else the locale, else zh."""
    env = os.environ if environ is None else environ
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg.startswith("--lang="):
            code = _normalise(arg.partition("=")[2])
            if code:
                return code
        elif arg == "--lang" and i + 1 < len(argv):
            code = _normalise(argv[i + 1])
            if code:
                return code
    code = _normalise(env.get("MALLOPS_LANG", ""))
    if code:
        return code
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            # the first locale variable set decides; C/POSIX say nothing about language
            return _normalise(value.split(".")[0].split("_")[0]) or LANGUAGES[0]
    return LANGUAGES[0]


def _normalise(value: str) -> str | None:
    return _ALIASES.get(value.strip().lower())
