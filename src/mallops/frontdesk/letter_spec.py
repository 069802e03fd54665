"""Notices and letters 发文 (rule O3, 003 篇3 4.8): the workflow definition.

draft 草拟 → approve 领导审批 → request_seal 用章申请 → seal 总经办盖章 → deliver 送达租户
→ sign 租户签收 → archive 归档 (4.8.1-4.8.6); each step is kept with who and when in
``fields["steps"]``.  A delivered notice is signed within its type's ``sign_within``
(policy), else it escalates one level, and again after ``chase_after``.  A letter that
orders a rectification (整改函, 4.8.1) goes from the signature to ``rectifying``: its
deadline runs from the signature and a re-inspection closes it (passed) or sets a
further deadline (failed); an overdue rectification and repeated failures escalate.
"""

from __future__ import annotations

from typing import Any

from mallops.plugins import Context, EventSpec, Param, StateSpec, TimerSpec, WorkflowSpec

from .letter_policy import letters_section
from .letter_rules import (
    APPROVERS,
    DESK,
    DRAFTERS,
    INSPECTORS,
    OPEN_LETTER_STATES,
    SEALERS,
    department_choices,
    guard_failed,
    guard_passed,
    guard_plain,
    guard_rectifies,
    on_archive,
    on_deliver,
    on_draft,
    on_rectification_mark,
    on_reinspect,
    on_revise,
    on_send_back,
    on_sign,
    on_sign_rectify,
    on_signature_mark,
    on_withdraw,
    plan_rectification,
    plan_signature,
    result_choices,
    step,
    type_choices,
)

__all__ = ["LETTER"]

# -- the spec -------------------------------------------------------------------------------


def _ev(
    name: str,
    src: tuple[str, ...],
    dest: str | None,
    roles: tuple[str, ...],
    zh: str,
    en: str,
    **kw: Any,
) -> EventSpec:
    return EventSpec(name, src, dest, roles, zh, en, **kw)


def _step_effect(name: str) -> Any:
    def effect(ctx: Context) -> None:
        step(ctx, name)

    effect.__name__ = f"_on_{name}"
    return effect


_SIGN_PARAMS = (Param("signed_by", required=True, personal=True, doc="who signed for the tenant"),)
_REINSPECT_PARAMS = (
    Param("result", "choice", required=True, choices=result_choices, doc="passed or failed"),
    Param("note", "text"),
    Param("rectify_days", "int", minimum=1, maximum=180, doc="further deadline (failed)"),
)


LETTER = WorkflowSpec(
    kind="letter",
    zh="发文",
    en="notice or letter",
    prefix="FW",
    states=(
        StateSpec("draft", "草拟", "draft"),
        StateSpec("approved", "已审批", "approved"),
        StateSpec("seal_requested", "已申请用章", "seal requested"),
        StateSpec("sealed", "已盖章", "sealed"),
        StateSpec("delivered", "已送达", "delivered"),
        StateSpec("signed", "已签收", "signed"),
        StateSpec("rectifying", "整改中", "rectifying"),
        StateSpec("rectified", "整改合格", "rectified"),
        StateSpec("archived", "已归档", "archived", final=True),
        StateSpec("withdrawn", "已撤回", "withdrawn", final=True),
    ),
    initial="draft",
    create=EventSpec(
        "draft",
        (),
        "draft",
        DRAFTERS,
        "拟稿",
        "draft",
        params=(
            Param("type", "choice", required=True, choices=type_choices, doc="notice type"),
            Param("title", required=True),
            Param("body", "text", required=True),
            Param(
                "tenant", required=True, doc="the tenant (G4)", refers=("tenant",), must_exist=False
            ),
            Param("department", "choice", choices=department_choices, doc="drafting department"),
            Param("items", "strlist", doc="what is to be rectified (整改函)"),
            Param("rectify_days", "int", minimum=1, maximum=180, doc="rectification deadline"),
            Param("follows", refers=("letter",), doc="the notice this letter follows"),
        ),
        effect=on_draft,
    ),
    events=(
        _ev(
            "revise",
            ("draft",),
            None,
            DRAFTERS,
            "修改文稿",
            "revise",
            params=(Param("title"), Param("body", "text")),
            effect=on_revise,
            who="handler",
        ),
        _ev(
            "approve",
            ("draft",),
            "approved",
            APPROVERS,
            "领导审批",
            "approve",
            effect=_step_effect("approved"),
        ),
        _ev(
            "request_seal",
            ("approved",),
            "seal_requested",
            DESK,
            "提交用章申请",
            "request the seal",
            effect=_step_effect("seal_requested"),
        ),
        _ev(
            "seal",
            ("seal_requested",),
            "sealed",
            SEALERS,
            "总经办盖章",
            "seal",
            effect=_step_effect("sealed"),
        ),
        _ev(
            "send_back",
            ("approved", "seal_requested"),
            "draft",
            (*APPROVERS,),
            "退回修改",
            "send back",
            reason_required=True,
            effect=on_send_back,
        ),
        _ev(
            "deliver",
            ("sealed",),
            "delivered",
            DESK,
            "送达租户",
            "deliver",
            params=(Param("delivered_to", required=True, personal=True),),
            effect=on_deliver,
        ),
        _ev(
            "sign",
            ("delivered",),
            "rectifying",
            DESK,
            "租户签收",
            "tenant signs",
            params=_SIGN_PARAMS,
            guard=guard_rectifies,
            effect=on_sign_rectify,
        ),
        _ev(
            "sign",
            ("delivered",),
            "signed",
            DESK,
            "租户签收",
            "tenant signs",
            params=_SIGN_PARAMS,
            guard=guard_plain,
            effect=on_sign,
        ),
        _ev(
            "reinspect",
            ("rectifying",),
            "rectified",
            INSPECTORS,
            "整改复查",
            "re-inspect",
            params=_REINSPECT_PARAMS,
            guard=guard_passed,
            effect=on_reinspect,
            who="handler",
        ),
        _ev(
            "reinspect",
            ("rectifying",),
            None,
            INSPECTORS,
            "整改复查",
            "re-inspect",
            params=_REINSPECT_PARAMS,
            guard=guard_failed,
            effect=on_reinspect,
            who="handler",
        ),
        _ev(
            "archive",
            ("signed", "rectified"),
            "archived",
            DESK,
            "归档",
            "archive",
            params=(Param("folder", doc="指定文件夹 (4.8.6)"),),
            effect=on_archive,
        ),
        _ev(
            "withdraw",
            OPEN_LETTER_STATES,
            "withdrawn",
            APPROVERS,
            "撤回",
            "withdraw",
            reason_required=True,
            effect=on_withdraw,
        ),
    ),
    timers=(
        TimerSpec(
            "signature",
            "签收时限",
            "signature deadline",
            ("deliver",),
            ("signed", "rectifying"),
            plan_signature,
            on_mark=on_signature_mark,
        ),
        TimerSpec(
            "rectification",
            "整改期限",
            "rectification deadline",
            ("sign",),
            ("rectified",),
            plan_rectification,
            on_mark=on_rectification_mark,
        ),
    ),
    ladder=lambda p: letters_section(p).ladder,
)
