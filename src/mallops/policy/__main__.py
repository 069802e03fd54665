"""``python -m mallops.policy [--workflow MODULE:NAME ...] [--write [PATH]]``: print (or
write docs/policy.md) the policy reference, with the sections of the shipped plug-ins
(front desk, building operations) and of the plug-in workflows named."""

from __future__ import annotations

import sys
from pathlib import Path

from ..mall import SHIPPED_WORKFLOWS
from ..workflows.bundle import load_workflow, policy_sections
from . import reference_markdown


def main(argv: list[str] | None = None) -> int:
    """Print the reference, or write it to ``docs/policy.md`` with ``--write``."""
    args = list(sys.argv[1:] if argv is None else argv)
    workflows = list(SHIPPED_WORKFLOWS)  # registered by default
    while len(args) >= 2 and args[0] == "--workflow":
        workflows.append(load_workflow(args[1]))
        del args[:2]
    text = reference_markdown(policy_sections(workflows))
    if args and args[0] == "--write":
        target = Path(args[1]) if len(args) > 1 else Path("docs/policy.md")
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
