"""State diagrams are generated from the WorkflowSpec the engine runs."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mallops import Mall, ValidationError
from mallops.diagrams import diagram, dot, edges, mermaid
from mallops.plugins import BUILTIN_WORKFLOWS

ROOT = Path(__file__).resolve().parent.parent
SPECS = [s.engine.spec for s in Mall().services.values()]


@pytest.mark.parametrize("spec", SPECS, ids=[s.kind for s in SPECS])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_mermaid_has_every_state_and_transition(spec, lang: str) -> None:
    """Every state with its label, the initial arrow, every final state and every
    state-changing event appear."""
    text = mermaid(spec, lang)
    assert text.startswith("stateDiagram-v2\n")
    for s in spec.states:
        assert f'state "{s.zh if lang == "zh" else s.en}" as {s.name}' in text
        if s.final:
            assert f"    {s.name} --> [*]" in text
    assert f"[*] --> {spec.initial}:" in text
    for ev in spec.events:
        if ev.dest is not None:
            for src in ev.sources:
                if src != ev.dest:
                    label = ev.zh if lang == "zh" else ev.en
                    assert re.search(rf"^    {src} --> {ev.dest}: .*{re.escape(label)}", text, re.M)


@pytest.mark.parametrize("spec", SPECS, ids=[s.kind for s in SPECS])
def test_dot_marks_final_states_and_system_events(spec) -> None:
    """DOT: final states are double circles, edges only of system events are dashed."""
    text = dot(spec, "en")
    assert text.startswith(f"digraph {spec.kind} {{")
    for s in spec.states:
        line = next(x for x in text.splitlines() if x.strip().startswith(f"{s.name} [label="))
        assert ("doublecircle" in line) == s.final
    for src, dst, _label, system in edges(spec, "en"):
        line = next(x for x in text.splitlines() if x.strip().startswith(f"{src} -> {dst} "))
        assert ("dashed" in line) == system


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_dot_is_valid_graphviz() -> None:
    """Graphviz accepts the generated DOT."""
    for spec in SPECS:
        out = subprocess.run(
            ["dot", "-Tsvg"], input=dot(spec, "zh"), capture_output=True, text=True, check=False
        )
        assert out.returncode == 0, out.stderr


def test_unknown_format_or_language() -> None:
    """A format or language that does not exist is a ValidationError."""
    with pytest.raises(ValidationError):
        diagram(SPECS[0], "svg")
    with pytest.raises(ValidationError):
        diagram(SPECS[0], "mermaid", "fr")


def test_docs_embed_the_generated_diagrams() -> None:
    """docs/cli.md shows each built-in workflow's current Mermaid diagram (no hand drawing, no
    drift): regenerate with `mallops diagram KIND --lang en`."""
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for spec in (wf.spec for wf in BUILTIN_WORKFLOWS):  # shipped plug-ins: their own pages
        assert f"```mermaid\n{mermaid(spec, 'en')}```" in page, spec.kind


WORKFLOW_PAGES = {
    "complaint": "complaints.md",
    "repair": "repairs.md",
    "return_visit": "return-visits.md",
    "lost_item": "lost-and-found.md",
    "lost_report": "lost-and-found.md",
    "tenant": "visits.md",
    "visit": "visits.md",
    "suggestion": "visits.md",
    "incident": "operations.md",
    "drill": "operations.md",
    "survey": "operations.md",
    "reception": "front-desk.md",
    "deposit": "front-desk.md",
    "outgoing_parcel": "front-desk.md",
    "incoming_parcel": "front-desk.md",
    "inspection_plan": "operations.md",
    "inspection_round": "operations.md",
    "patrol": "operations.md",
    "hazard": "operations.md",
    "recording": "operations.md",  # issue 19, G7
    "letter": "front-desk.md",
    "outage": "front-desk.md",
}


def test_every_workflow_has_its_page() -> None:
    """Every workflow has a page that embeds its generated diagram."""
    assert set(WORKFLOW_PAGES) == {s.kind for s in SPECS}


@pytest.mark.parametrize(("kind", "page"), sorted(WORKFLOW_PAGES.items()))
def test_workflow_pages_embed_their_generated_diagram(kind: str, page: str) -> None:
    """Each workflow's own page shows the diagram generated from its definition."""
    spec = next(s for s in SPECS if s.kind == kind)
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    assert f"```mermaid\n{mermaid(spec, 'en')}```" in text
