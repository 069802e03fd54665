"""docs/architecture.md, generated from the code: the layers, the workflows, the
reaction table.  ``python -m mallops.architecture [--write [PATH]]``; a test fails
when the file drifts, and another checks that every import follows the layers.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

from .mall import Mall
from .workflows.runtime import reaction_rows

__all__ = ["LAYERS", "architecture_markdown", "import_graph", "layer_of", "main"]

LAYERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "foundations",
        "errors, durations, clocks",
        ("mallops.errors", "mallops.duration", "mallops.clock"),
    ),
    ("domain", "records, history, timers, events: pure data", ("mallops.domain",)),
    ("calendar", "working time and holidays (G9)", ("mallops.calendar",)),
    ("policy", "every number of the rulebook, validated (docs/policy.md)", ("mallops.policy",)),
    (
        "stores",
        "the storage protocol, its backends and the durable event feed over them",
        ("mallops.stores", "mallops.feed"),
    ),
    (
        "engine",
        "specs, the transitions adapter, timers, applying events; masking personal fields",
        ("mallops.engine", "mallops.masking"),
    ),
    (
        "runtime",
        "what services run on: runtime, batch, registry, reactions, the service base, "
        "the Workflow bundle",
        (
            "mallops.workflows.runtime",
            "mallops.workflows.references",
            "mallops.workflows.base",
            "mallops.workflows.bundle",
        ),
    ),
    ("workflows", "the built-in workflows and their reaction table", ("mallops.workflows",)),
    ("plug-in API", "the public names a workflow is written on", ("mallops.plugins",)),
    ("reports", "the monthly report, computed from a mall's records", ("mallops.report",)),
    (
        "shipped plug-ins",
        "front desk and building operations, written on the plug-in API only",
        ("mallops.frontdesk", "mallops.operations"),
    ),
    (
        "facade",
        "Mall: the one composition root, and its calendar operations",
        ("mallops.mall", "mallops.calendar_ops", "mallops.policy_change", "mallops.ticker"),
    ),
    (
        "read side",
        "diagrams, this page",
        ("mallops.diagrams", "mallops.architecture"),
    ),
    (
        "tools",
        "the package surface, the command line, the demo, test helpers",
        (
            "mallops",
            "mallops._moved",
            "mallops.__main__",
            "mallops.cli",
            "mallops.demo",
            "mallops.testing",
            "mallops.policy.__main__",
        ),
    ),
)
"""(name, what it holds, module prefixes), bottom first: a module imports only modules
of its own layer or the layers below it."""

_ROOT = Path(__file__).resolve().parent


def layer_of(module: str) -> int:
    """The index in :data:`LAYERS` of ``module`` (the longest matching prefix wins)."""
    best, length = -1, -1
    for i, (_, _, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > length:
                best, length = i, len(p)
    if best < 0:
        raise KeyError(f"module {module} is in no layer of mallops.architecture.LAYERS")
    return best


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(_ROOT.rglob("*.py")):
        parts = ["mallops", *path.relative_to(_ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(x) for x in ast.walk(node))
    return skip


def _imports(module: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
            yield from subs
            if len(subs) < len(node.names) and target in known:
                yield target


def import_graph() -> dict[str, set[str]]:
    """Run-time imports between mallops modules (``TYPE_CHECKING`` blocks excluded;
    imports inside functions included)."""
    known = _modules()
    return {m: set(_imports(m, p, known)) - {m} for m, p in known.items()}


def _layer_rows() -> list[str]:
    rows = ["| # | layer | holds | modules |", "|---|---|---|---|"]
    for i, (name, doc, prefixes) in enumerate(LAYERS):
        mods = ", ".join(f"`{p}`" for p in prefixes)
        rows.append(f"| {i} | {name} | {doc} | {mods} |")
    return rows


def architecture_markdown() -> str:
    """The text of docs/architecture.md."""
    mall = Mall()
    lines = [
        "# Architecture",
        "",
        "<!-- Generated by `python -m mallops.architecture --write`; a test fails when this "
        "file drifts. -->",
        "",
        "## Layers",
        "",
        "Bottom first. A module imports only modules of its own layer or a lower one "
        "(tests/test_architecture.py checks every import, and that there is no import "
        "cycle). Services never see the `Mall`: they run on a `Runtime` and reach their "
        "peers through the typed registry (`runtime.services.of(kind, cls)`).",
        "",
        *_layer_rows(),
        "",
        "## Workflows",
        "",
        "Every workflow, built-in or plug-in, is a `mallops.plugins.Workflow` handed to "
        "`Mall` (docs/workflows.md).",
        "",
        "| kind | 中文 | English | id prefix | service | `Mall` attribute |",
        "|---|---|---|---|---|---|",
    ]
    for wf in mall.workflows:
        service = type(mall.service(wf.kind)).__name__
        attribute = f"`mall.{wf.attribute}`" if wf.attribute else "-"
        lines.append(
            f"| `{wf.kind}` | {wf.zh} | {wf.en} | {wf.spec.prefix} | `{service}` | {attribute} |"
        )
    lines += [
        "",
        "## Reactions",
        "",
        "Cross-workflow behaviour as data (`mallops.workflows.reactions`): when a record of "
        "the source kind changes by the event (`*`: any; `→ state`: only when it enters "
        "it), the handler runs inside the same atomic batch, in this order.",
        "",
        "| source | on | acts on | rule | what happens |",
        "|---|---|---|---|---|",
    ]
    for source, on, targets, rule, doc in reaction_rows(mall.reactions):
        lines.append(f"| `{source}` | `{on}` | {targets} | {rule} | {doc} |")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the page, or write it (default docs/architecture.md) with ``--write``."""
    args = sys.argv[1:] if argv is None else argv
    text = architecture_markdown()
    if args and args[0] == "--write":
        target = Path(args[1]) if len(args) > 1 else Path("docs/architecture.md")
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
