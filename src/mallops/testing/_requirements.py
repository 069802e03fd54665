"""Imported first by :mod:`mallops.testing`: fail early, naming the extra to install.

Without this, a user who installed plain ``mallops`` gets a bare ``No module named
'pytest'`` from deep inside a submodule (issue 21).
"""

from __future__ import annotations

import importlib.util

__all__: list[str] = []

_NEEDED = ("pytest", "hypothesis")

_missing = [name for name in _NEEDED if importlib.util.find_spec(name) is None]
if _missing:
    raise ImportError(
        f"mallops.testing needs {' and '.join(_missing)}: pip install 'mallops[testing]'"
        f" / mallops.testing 需要 {'、'.join(_missing)}：请安装 pip install 'mallops[testing]'",
        name=_missing[0],
    )
