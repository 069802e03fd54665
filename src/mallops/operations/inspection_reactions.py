"""The inspection workflows' rows of the reaction table (R8, R9).

- a plan whose round falls due opens the round (or patrol) in the same batch;
- a failed checklist item opens a repair order through the built-in repair service, or
  a hazard report to security, and links both ways (R8);
- a hazard reported on a patrol opens a hazard report, linked both ways (R9).
"""

from __future__ import annotations

from typing import Any

from mallops.plugins import Reacting, Reaction, Record, WorkflowService
from mallops.workflows import RepairService

__all__ = ["INSPECTION_REACTIONS"]


def _new_entries(r: Reacting) -> list[Any]:
    seen = len(r.before.history) if r.before is not None else 0
    return list(r.after.history[seen:])


def _open_rounds(r: Reacting) -> None:
    """Rule R9: a plan's round falls due: open it (a patrol for a patrol area)."""
    plan = r.after
    for entry in _new_entries(r):
        if entry.event != "round_due":
            continue
        f = plan.fields
        kind = "patrol" if f.get("patrol") else "inspection_round"
        service = r.services.of(kind, WorkflowService)
        params = {
            "plan": plan.id,
            "area": f["area"],
            "title": f["title"],
            "location": f["location"],
            "items": list(f["checklist"]),
            "frequency": f["frequency"],
            "calendar": f["calendar"],
            "department": plan.department,
            "number": int(entry.data.get("k", 0)) + 1,
        }
        service.create_as_system(r.batch, params, entry.at)


def _finding_repair(r: Reacting, round_: Record, result: dict[str, Any]) -> str:
    repairs = r.services.of("repair", RepairService)
    params: dict[str, Any] = {
        "source": "inspection",
        "fault_type": result["fault_type"],
        "location": round_.fields.get("location") or round_.fields.get("title", ""),
        "description": f"{round_.fields.get('title', '')} · {result['item']}: {result['note']}",
        "inspection": round_.id,
        "found_in": round_.id,
    }
    if result.get("urgency"):
        params["urgency"] = result["urgency"]
    return repairs.create_in(r.batch, r.entry.actor, params).id


def _hazard(r: Reacting, source: Record, description: str, **where: str) -> str:
    hazards = r.services.of("hazard", WorkflowService)
    params: dict[str, Any] = {
        "description": description,
        "location": source.fields.get("location") or source.fields.get("title", ""),
        "found_in": source.id,
        **where,
    }
    return hazards.create_in(r.batch, r.entry.actor, params).id


def _failed_item(r: Reacting) -> None:
    """Rule R8: a failed item becomes a repair order or a hazard report, linked both ways."""
    round_ = r.after
    results = round_.fields.get("results") or []
    if not results:
        return
    result = results[-1]
    if result["passed"] or result["follow_up"] == "none":
        return
    if result["follow_up"] == "repair":
        target, relation = _finding_repair(r, round_, result), "repair"
    else:
        text = f"{round_.fields.get('title', '')} · {result['item']}: {result['note']}"
        target, relation = _hazard(r, round_, text, item=str(result["item"])), "hazard"
    data = {"item": result["item"], "relation": relation, "record": target}
    rounds = r.services.of(round_.kind, WorkflowService)
    rounds.fire_system_in(r.batch, round_.id, "link_finding", data, r.entry.at)


def _patrol_hazard(r: Reacting) -> None:
    """Rule R9: a hazard found on a patrol goes to security as a hazard report."""
    patrol = r.after
    hazards = patrol.fields.get("hazards") or []
    if not hazards:
        return
    index = len(hazards) - 1
    found = hazards[index]
    checkpoint = str(found["checkpoint"])
    text = f"{patrol.fields.get('title', '')} · {checkpoint}: {found['description']}"
    target = _hazard(r, patrol, text, checkpoint=checkpoint)
    patrols = r.services.of("patrol", WorkflowService)
    data = {"index": index, "record": target}
    patrols.fire_system_in(r.batch, patrol.id, "link_hazard", data, r.entry.at)


INSPECTION_REACTIONS: tuple[Reaction, ...] = (
    Reaction(
        "inspection_plan",
        "*",
        _open_rounds,
        targets=("inspection_round", "patrol"),
        rule="R9",
    ),
    Reaction(
        "inspection_round",
        "check",
        _failed_item,
        targets=("repair", "hazard"),
        rule="R8",
    ),
    Reaction("patrol", "hazard", _patrol_hazard, targets=("hazard",), rule="R9"),
)
"""The rows, in dispatch order (registered with the plan, round and patrol workflows)."""
