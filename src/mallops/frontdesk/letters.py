"""``mall.letters``: notices and letters 发文 (rule O3; docs/front-desk.md).

The service's typed operations follow 003 篇3 4.8: draft, approve, request the seal,
seal, deliver, the tenant's signature, the re-inspection of a rectification letter
(整改函) and the archive.  The monthly fire-safety inspection notice goes to every
tenant at once (:meth:`LetterService.monthly_notice`); a rectification letter follows
its notice (:meth:`LetterService.rectification_for`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mallops.errors import ValidationError
from mallops.plugins import Actor, Batch, Record, Workflow, WorkflowService

from .letter_policy import LetterPolicy, letters_section
from .letter_report import letter_section
from .letter_rules import SECTION
from .letter_spec import LETTER

__all__ = ["LETTERS", "LetterService"]


class LetterService(WorkflowService):
    """Notices and letters to tenants, from the draft to the archive (O3)."""

    @property
    def policy(self) -> LetterPolicy:
        """The ``[letters]`` policy section in force."""
        return letters_section(self.runtime.policy)

    def draft(
        self,
        *,
        actor: Actor,
        type: str,
        title: str,
        body: str,
        tenant: str,
        department: str | None = None,
        items: Sequence[str] | None = None,
        rectify_days: int | None = None,
        follows: str | None = None,
    ) -> Record:
        """Draft a notice or letter of ``type`` to ``tenant`` (4.8.2, 4.8.3).

        ``items`` and ``rectify_days`` (the rectification deadline in working days after
        the signature; the type's ``rectify_within`` otherwise) belong to letters that
        order a rectification; ``follows`` links the notice this letter follows.
        """
        params = _given(
            type=type,
            title=title,
            body=body,
            tenant=tenant,
            department=department,
            items=None if items is None else list(items),
            rectify_days=rectify_days,
            follows=follows,
        )
        return self.open(actor=actor, **params)

    def monthly_notice(
        self,
        *,
        actor: Actor,
        title: str,
        body: str,
        tenants: Sequence[str] | None = None,
        type: str = "fire_safety_inspection",
        department: str | None = "security",
    ) -> list[Record]:
        """Draft this month's notice of ``type`` (the fire-safety inspection notice,
        4.8.1) to each of ``tenants`` (default: every tenant still trading), one letter
        per tenant, in one atomic commit."""
        self.policy.type_of(type)
        targets = list(tenants) if tenants is not None else self._trading_tenants()
        if not targets:
            raise ValidationError("tenants: no tenant to send the notice to", field="tenants")
        if len(set(targets)) != len(targets):
            raise ValidationError("tenants: a tenant is named twice", field="tenants")
        base = _given(type=type, title=title, body=body, department=department)

        def run(batch: Batch) -> list[Record]:
            return [self.create_in(batch, actor, {**base, "tenant": t}) for t in targets]

        return self._run(run)

    def _trading_tenants(self) -> list[str]:
        if "tenant" not in self.peers:
            return []
        return [t.id for t in self.peers["tenant"].query(is_open=True)]

    def rectification_for(
        self,
        notice: str,
        *,
        actor: Actor,
        title: str,
        body: str,
        items: Sequence[str],
        rectify_days: int | None = None,
        type: str = "rectification",
    ) -> Record:
        """Draft the rectification letter 整改函 after the inspection of ``notice`` (4.8.1):
        to the same tenant, linked to the notice."""
        source = self.get(notice)
        if not self.policy.type_of(type).rectification:
            raise ValidationError(
                f"type: {type!r} orders no rectification (letters.types.{type}.rectification)",
                field="type",
            )
        return self.draft(
            actor=actor,
            type=type,
            title=title,
            body=body,
            tenant=source.tenant or "",
            department=source.department,
            items=items,
            rectify_days=rectify_days,
            follows=source.id,
        )

    def approve(self, letter: str, *, actor: Actor) -> Record:
        """The leader approves the draft (4.8.4: 经领导同意)."""
        return self.fire(letter, "approve", actor=actor)

    def request_seal(self, letter: str, *, actor: Actor) -> Record:
        """Submit the seal request (用章申请, 4.8.4)."""
        return self.fire(letter, "request_seal", actor=actor)

    def seal(self, letter: str, *, actor: Actor) -> Record:
        """The general manager's office seals it (总经办盖章, 4.8.4)."""
        return self.fire(letter, "seal", actor=actor)

    def deliver(self, letter: str, *, actor: Actor, delivered_to: str) -> Record:
        """Hand it to the tenant (4.8.5); the signature deadline of its type starts."""
        return self.fire(letter, "deliver", actor=actor, delivered_to=delivered_to)

    def sign(self, letter: str, *, actor: Actor, signed_by: str) -> Record:
        """Record the tenant's signature (4.8.5); a rectification letter's deadline starts."""
        return self.fire(letter, "sign", actor=actor, signed_by=signed_by)

    def reinspect(
        self,
        letter: str,
        *,
        actor: Actor,
        passed: bool,
        note: str | None = None,
        rectify_days: int | None = None,
    ) -> Record:
        """Re-inspect a rectification: passed closes it; failed sets a further deadline
        (``rectify_days`` working days, or ``letters.rectify_again_within``)."""
        if not isinstance(passed, bool):
            raise ValidationError(f"passed: expected true or false, got {passed!r}", field="passed")
        if passed and rectify_days is not None:
            raise ValidationError(
                "rectify_days: only a failed re-inspection sets a further deadline",
                field="rectify_days",
            )
        params = _given(note=note, rectify_days=rectify_days)
        return self.fire(
            letter, "reinspect", actor=actor, result="passed" if passed else "failed", **params
        )

    def archive(self, letter: str, *, actor: Actor, folder: str | None = None) -> Record:
        """File the letter with its signature record (4.8.6)."""
        return self.fire(letter, "archive", actor=actor, **_given(folder=folder))

    def withdraw(self, letter: str, *, actor: Actor, reason: str) -> Record:
        """Withdraw a letter not yet signed for."""
        return self.fire(letter, "withdraw", actor=actor, reason=reason)

    def unsigned(self) -> list[Record]:
        """Delivered letters waiting for the tenant's signature, the oldest first."""
        return self.query(state="delivered")

    def rectifying(self) -> list[Record]:
        """Rectification letters whose rectification is not yet re-inspected as passed."""
        return self.query(state="rectifying")


def _given(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


LETTERS = Workflow(
    LETTER,
    LetterService,
    attribute="letters",
    policy_section=SECTION,
    policy_class=LetterPolicy,
    report_sections=(letter_section,),
)
"""Notices and letters 发文 (O3) as a plug-in: ``mall.letters``, policy ``[letters]``."""
