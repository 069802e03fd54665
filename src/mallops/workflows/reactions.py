"""The reaction table of the built-in workflows: cross-workflow behaviour as data.

Each row says: when a record of ``source`` kind changes by event ``on`` (``"*"``: any
change; ``entered``: only when it enters that state), run the handler inside the same
batch.  The engine applies an entry and returns its events; the runtime then looks the
change up here (:meth:`~mallops.workflows.runtime.Runtime.react`).  Rows run in table
order.  A handler reaches its targets through the typed service registry, never
through another service's private members.  docs/architecture.md renders this table.
"""

from __future__ import annotations

from .complaints import ComplaintService
from .lost_reports import LostReportService
from .return_visits import ACCOUNT, ReturnVisitService
from .runtime import Reacting, Reaction
from .suggestions import SuggestionService
from .tenants import Tenant
from .visits import VisitService

__all__ = ["BUILTIN_REACTIONS"]


def _recurrence(r: Reacting) -> None:
    """The Nth complaint of one category for a tenant or place escalates at once."""
    complaints = r.services.of("complaint", ComplaintService)
    complaints.check_recurrence(r.batch, r.after, r.entry)


def _source_changed(r: Reacting) -> None:
    """Resolved: open the 事后 return visit; deferred: open a 事中 one; closed: end them."""
    visits = r.services.of("return_visit", ReturnVisitService)
    visits.on_source_change(r.batch, r.before, r.after, r.entry)


def _visit_made(r: Reacting) -> None:
    """A return visit made: satisfied closes its source, unsatisfied reopens it; a
    periodic account visit made opens the next one."""
    if r.after.is_open:
        return
    if r.after.fields.get("stage") == ACCOUNT:
        visits = r.services.of("return_visit", ReturnVisitService)
        visits.open_next_account_visit(r.batch, r.after, r.entry.at)
        return
    source = r.services[str(r.after.fields["source_kind"])]
    event = "close_satisfied" if r.after.state == "satisfied" else "reopen"
    data = {"return_visit": r.after.id}
    source.fire_system_in(r.batch, str(r.after.fields["source"]), event, data, r.entry.at)


def _tenant_left(r: Reacting) -> None:
    """A leaving tenant: its visits after the last day are dropped, its periodic
    account visits ended."""
    because = f"tenant left on {r.after.fields['left_on']}: {r.entry.reason}"
    r.services.of("visit", VisitService).drop_open_in(r.batch, r.after.id, because)
    accounts = r.services.of("return_visit", ReturnVisitService)
    open_accounts = accounts.account_visits(r.after.id, open_only=True)
    accounts.end_visits(r.batch, open_accounts, because, r.entry.at)


def _tenant_updated(r: Reacting) -> None:
    """A tenant's new unit, trade or tier reaches its open visits; a lease ending
    earlier withdraws the visits after it."""
    visits = r.services.of("visit", VisitService)
    visits.sync_open_in(r.batch, Tenant.of(r.after))
    if r.entry.data.get("lease_end") is not None:
        because = f"the lease now ends on {r.after.fields['lease_end']}"
        visits.drop_open_in(r.batch, r.after.id, because)


def _suggestions_raised(r: Reacting) -> None:
    """Each suggestion noted on a completed visit becomes a suggestion record."""
    items = r.entry.data.get("suggestions")
    if not items:
        return
    suggestions = r.services.of("suggestion", SuggestionService)
    for item in items:
        suggestions.raise_in(r.batch, r.after, r.entry.actor, item)


def _item_released(r: Reacting) -> None:
    """A released item closes the lost report matched with it as returned."""
    reports = r.services["lost_report"]
    for rid in r.after.linked("lost_report"):
        report = r.batch.current(rid)
        if report.state == "matched" and report.fields.get("matched_item") == r.after.id:
            reports.fire_system_in(r.batch, rid, "item_returned", {}, r.entry.at)


def _report_matched(r: Reacting) -> None:
    """The matched item must be kept and matched with no other report; it is linked."""
    reports = r.services.of("lost_report", LostReportService)
    reports.check_match(r.batch, r.after, r.entry)


BUILTIN_REACTIONS: tuple[Reaction, ...] = (
    Reaction("complaint", "open", _recurrence, ("complaint",), rule="C9"),
    Reaction("complaint", "classify", _recurrence, ("complaint",), rule="C9"),
    Reaction("complaint", "*", _source_changed, ("return_visit",), rule="F1, F2"),
    Reaction("repair", "*", _source_changed, ("return_visit",), rule="F1, F2, R6"),
    Reaction(
        "return_visit", "visit", _visit_made, ("complaint", "repair", "return_visit"), rule="F5, F7"
    ),
    Reaction("tenant", "leave", _tenant_left, ("visit", "return_visit"), rule="V1, F7"),
    Reaction("tenant", "update", _tenant_updated, ("visit",), rule="V1, V2"),
    Reaction("visit", "complete", _suggestions_raised, ("suggestion",), rule="V5"),
    Reaction("lost_item", "*", _item_released, ("lost_report",), entered="released", rule="L5"),
    Reaction("lost_report", "match", _report_matched, ("lost_item",), rule="L5"),
)
