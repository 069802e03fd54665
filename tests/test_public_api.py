"""The public API is small, explicit and typed."""

from __future__ import annotations

from pathlib import Path

import mallops


def test_all_lists_exactly_the_public_names() -> None:
    """__all__ names every public attribute of the package and nothing missing."""
    public = {n for n in vars(mallops) if not n.startswith("_")} - {"annotations"}
    modules = {n for n in public if type(getattr(mallops, n)).__name__ == "module"}
    assert set(mallops.__all__) - {"__version__"} == public - modules
    for name in mallops.__all__:
        assert hasattr(mallops, name), name


def test_package_is_typed() -> None:
    """py.typed ships with the package (PEP 561)."""
    assert (Path(mallops.__file__).parent / "py.typed").exists()


def test_every_public_callable_has_a_docstring() -> None:
    """Every exported class and function is documented."""
    for name in mallops.__all__:
        obj = getattr(mallops, name)
        if callable(obj):
            assert obj.__doc__, name
