"""Load the scripts in .ci/ (not a package) as modules for their tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

CI = Path(__file__).resolve().parent.parent / ".ci"
_IMPORTS = {"wheel_check": ("changelog",)}  # what each script imports from beside it


def load(name: str) -> ModuleType:
    """``.ci/<name>.py`` as the module ``name`` (cached in ``sys.modules``, since
    wheel_check imports changelog by that name)."""
    if name in sys.modules:
        return sys.modules[name]
    for dependency in _IMPORTS.get(name, ()):
        load(dependency)
    spec = importlib.util.spec_from_file_location(name, CI / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
