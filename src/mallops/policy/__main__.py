"""``python -m mallops.policy [--write]``: print (or write docs/policy.md) the policy reference."""

from __future__ import annotations

import sys
from pathlib import Path

from . import reference_markdown


def main(argv: list[str] | None = None) -> int:
    """Print the reference, or write it to ``docs/policy.md`` with ``--write``."""
    args = sys.argv[1:] if argv is None else argv
    text = reference_markdown()
    if args and args[0] == "--write":
        target = Path(args[1]) if len(args) > 1 else Path("docs/policy.md")
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
