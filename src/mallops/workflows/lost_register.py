"""The lost-and-found register 《失物招领记录表》 (L3, G7): a read model of found items,
one line per item with personal data masked; ``mall.lost_found.register`` builds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from ..domain.records import Record
from ..engine.spec import WorkflowSpec
from ..policy import Policy
from .lost_found_rules import (
    FINDER_TYPES,
    PLACES,
    RETENTION_CLASSES,
    category_of,
    mask_name,
    route_label,
)

__all__ = ["RegisterRow", "register_markdown", "register_row"]


@attrs.frozen
class RegisterRow:
    """One line of the lost-and-found register 《失物招领记录表》 (personal data masked)."""

    number: str | None
    item_id: str
    found_at: str
    place_found: str
    category: str
    description: str
    features: str
    finder: str
    state: str
    kept_at: str
    retention_until: str
    retention_class: str
    claims: tuple[str, ...]
    disposal: str


def _label(pair: tuple[str, str], lang: str) -> str:
    zh, en = pair
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ")


def register_row(
    item: Record, policy: Policy, spec: WorkflowSpec, lang: str, reveal: bool
) -> RegisterRow:
    """One item's register line in ``lang``; names masked unless ``reveal`` (G7)."""
    f = item.fields
    name = (lambda n: n or "") if reveal else mask_name
    lf = policy.lost_found
    cat = category_of(lf, item.category)
    finder = _label(FINDER_TYPES[f["finder_type"]], lang)
    if f.get("finder_name"):
        finder += f" {name(f['finder_name'])}"
    if f.get("finder_department"):
        dept = policy.departments[f["finder_department"]]
        finder += f" ({_label((dept.zh, dept.en), lang)})"
    ids = {k: (v.zh, v.en) for k, v in lf.id_types.items()}
    claims = tuple(
        f"#{c['n']} {_when(c['at'])} {name(c['claimant'])}"
        f"{' (proxy)' if c['proxy'] else ''} {_label(ids[c['id_type']], lang)} "
        f"{c['id_number']}: {c['status']}" + (f" - {c['reason']}" if c.get("reason") else "")
        for c in f.get("claims", [])
    )
    disposal = ""
    if f.get("release"):
        r = f["release"]
        disposal = f"released {_when(r['at'])} to {name(r['taken_by'])} by {r['by']}"
    elif f.get("disposal"):
        d = f["disposal"]
        disposal = f"{route_label(d['route'], lang)} {_when(d['at'])} by {d['by']}"
        if d.get("received_by"):
            disposal += f", received by {d['received_by']}"
        if d.get("decision"):
            disposal += f", decision: {d['decision']}"
    elif f.get("disposal_route"):
        disposal = f"due: {route_label(f['disposal_route'], lang)}"
    state = item.state
    spec_state = spec.state(state)
    return RegisterRow(
        number=f.get("number"),
        item_id=item.id,
        found_at=_when(f["found_at"]),
        place_found=item.location or "",
        category=_label((cat.zh, cat.en), lang),
        description=f["description"],
        features=f["features"],
        finder=finder,
        state=_label((spec_state.zh, spec_state.en), lang),
        kept_at=_label(PLACES[f["place"]], lang),
        retention_until=str(f["retention_until"])[:10],
        retention_class=_label(RETENTION_CLASSES[f["retention_class"]], lang),
        claims=claims,
        disposal=disposal,
    )


def register_markdown(rows: Iterable[RegisterRow], lang: str) -> str:
    """Register lines as a Markdown table with ``lang``'s column heads."""
    heads = {
        "zh": (
            "编号",
            "拾获时间",
            "拾获地点",
            "类别",
            "特征",
            "拾获人",
            "状态",
            "存放处",
            "保管至",
            "认领",
            "处置",
        ),
        "en": (
            "No.",
            "found",
            "place",
            "category",
            "features",
            "finder",
            "state",
            "kept at",
            "keep until",
            "claims",
            "disposal",
        ),
    }
    head = heads.get(lang, heads["en"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells: Sequence[str] = (
            r.number or "-",
            r.found_at,
            r.place_found,
            r.category,
            r.features,
            r.finder,
            r.state,
            r.kept_at,
            r.retention_until,
            "; ".join(r.claims) or "-",
            r.disposal or "-",
        )
        lines.append(
            "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
        )
    return "\n".join(lines) + "\n"
