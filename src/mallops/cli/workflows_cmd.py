"""``mallops change-workflows``: after an upgrade of mallops or of a ``--workflow``
plug-in changed a workflow's definition, a store refuses writes (#14,
``ConfigurationDrift``).  This command shows what differs (per kind the parts, the
recorded and the new digest), writing nothing; with ``--confirm --actor ID:ROLE
--reason TEXT`` it records the new definitions (``Mall.change_workflows``; only the roles
of ``access.configure_roles``, G5), after which writes go through again.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..policy_change import pending_workflows
from ._args import parse_actor
from ._common import emit_json, kind_label, open_mall, out
from ._parser import Command, UsageError
from .messages import MESSAGES, t

__all__ = ["COMMANDS"]

# This command's catalogue entries, registered here as calendar_cmd does (the catalogue
# module stays small; tests/test_cli_messages.py checks them all the same).
MESSAGES.update(
    {
        "cmd.change_workflows": (
            "显示流程定义与存储记录的差异；加 --confirm 记录新定义（升级或插件变更后）",
            "show how the workflow definitions differ from the store's; --confirm records "
            "the new ones (after an upgrade or a plug-in change)",
        ),
        "cw.confirm": (
            "记录新定义（需 --actor 与 --reason；仅 access.configure_roles 的角色）",
            "record the new definitions (needs --actor and --reason; roles of "
            "access.configure_roles only)",
        ),
        "cw.reason": ("变更原因（--confirm 时必填）", "why (required with --confirm)"),
        "cw.needs": (
            "--confirm 需要 --actor 编号:角色 和 --reason 原因",
            "--confirm needs --actor ID:ROLE and --reason TEXT",
        ),
        "cw.same": (
            "物业 {property}：流程定义与存储记录一致，无需变更",
            "property {property}: the workflow definitions match the store's; nothing to record",
        ),
        "cw.changed": (
            "{kind}（{label}）：{parts} 不同；记录的 {old}，本进程的 {new}",
            "{kind} ({label}): {parts} differ; recorded {old}, this process {new}",
        ),
        "cw.added": (
            "{kind}（{label}）：定义尚未记录，将首次记录",
            "{kind} ({label}): its definition is not recorded yet and will be",
        ),
        "cw.dry_run": (
            "未写入任何内容。确认后运行：mallops change-workflows --confirm --actor 编号:角色 "
            "--reason 原因",
            "nothing was written. To record it: mallops change-workflows --confirm --actor "
            "ID:ROLE --reason TEXT",
        ),
        "cw.recorded": (
            "已记录物业 {property} 的新流程定义（{actor}，原因：{reason}）；写入恢复正常",
            "recorded the new workflow definitions of property {property} ({actor}, reason: "
            "{reason}); writes go through again",
        ),
    }
)


def _setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--confirm", action="store_true", help=t("cw.confirm"))
    p.add_argument("--actor", type=parse_actor, help=t("opt.actor"))
    p.add_argument("--reason", help=t("cw.reason"))


def _run(args: argparse.Namespace) -> int:
    if args.confirm and (args.actor is None or args.reason is None):
        raise UsageError(t("cw.needs"))
    with open_mall(args) as mall:
        data = pending_workflows(mall)  # writes nothing; ConfigurationDrift as the change
        recorded = False
        if data is not None and args.confirm:
            mall.change_workflows(actor=args.actor, reason=args.reason)
            recorded = True
        labels = {k: kind_label(mall, k) for k in mall.services}
    if args.json:
        emit_json(_json(args, data, recorded))
        return 0
    if data is None:
        out(t("cw.same", property=args.property))
        return 0
    lines = [
        t(
            "cw.changed",
            kind=kind,
            label=labels.get(kind, kind),
            parts=", ".join(change["parts"]),
            old=change["old"],
            new=change["new"],
        )
        for kind, change in data["changed"].items()
    ]
    lines += [t("cw.added", kind=k, label=labels.get(k, k)) for k in data["added"]]
    if recorded:
        actor = f"{args.actor.id}:{args.actor.role}"
        lines.append(t("cw.recorded", property=args.property, actor=actor, reason=args.reason))
    else:
        lines.append(t("cw.dry_run"))
    out("\n".join(lines))
    return 0


def _json(args: argparse.Namespace, data: dict[str, Any] | None, recorded: bool) -> Any:
    return {
        "store": args.store,
        "property": args.property,
        "changed": {} if data is None else data["changed"],
        "added": [] if data is None else data["added"],
        "recorded": recorded,
    }


COMMANDS = (Command("change-workflows", "cmd.change_workflows", _setup, _run),)
