"""The version of mallops: the one place it is written.

``pyproject.toml`` reads it for the package metadata (``[tool.setuptools.dynamic]``),
``mallops.__version__`` re-exports it and ``mallops --version`` prints it.  Semantic
versioning: a minor release (0.x -> 0.x+1) may deprecate names, which keep working with
a ``DeprecationWarning`` for one minor release (see CHANGELOG.md, "Migrating from ...").
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.3.0"
