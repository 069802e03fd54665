"""MkDocs hook: links from a page to files outside docs/ (``../examples/x.py``,
``../CHANGELOG.md``) point at the repository, where those files live; on GitHub and in
an editor the relative link keeps working as written."""

from __future__ import annotations

import re
from typing import Any

_OUTSIDE = re.compile(r"\]\(((?:\.\./)+)([^)\s#]+)(#[^)\s]*)?\)")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Rewrite ``](../path)`` links that leave docs/ into repository links."""
    base = f"{config['repo_url'].rstrip('/')}/blob/main/"

    def repo_link(match: re.Match[str]) -> str:
        return f"]({base}{match[2]}{match[3] or ''})"

    return _OUTSIDE.sub(repo_link, markdown)
