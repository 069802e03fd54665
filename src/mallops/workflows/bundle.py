"""A :class:`Workflow`: everything a mall needs to run one kind of record.

The seven built-in workflows are ``Workflow`` values (``mallops.workflows.builtin``)
handed to :class:`~mallops.Mall` exactly like a plug-in's.  Public through
:mod:`mallops.plugins`; guide: docs/workflows.md.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..engine.engine import Engine
from ..engine.spec import WorkflowSpec
from ..errors import InvalidDefinition, ValidationError
from .base import WorkflowService
from .runtime import Reaction, Runtime

if TYPE_CHECKING:
    from ..report.compute import ReportContext
    from ..report.model import Section

__all__ = [
    "ReportSection",
    "ServiceFactory",
    "Workflow",
    "load_workflow",
    "policy_sections",
    "workflow_list",
]

ServiceFactory = Callable[[Runtime, Engine], WorkflowService]
"""Builds a workflow's service: a ``WorkflowService`` subclass itself is one."""

ReportSection = Callable[["ReportContext"], "Section | None"]
"""One section of the monthly report: ``(ReportContext) -> Section | None`` (``None``, or a
section with no table, figure or note, leaves it out)."""

_RESERVED = frozenset(
    {"store", "clock", "policy", "calendar", "property", "runtime", "services", "service"}
)


def _check_name(value: str, what: str) -> None:
    if not value.isidentifier() or value.startswith("_") or value != value.lower():
        raise InvalidDefinition(f"{what} {value!r}: use lower_case letters, digits and _")


def _section_tuple(value: Iterable[ReportSection]) -> tuple[ReportSection, ...]:
    """``report_sections`` as a tuple (a typed converter: mypy cannot infer ``tuple``'s)."""
    return tuple(value)


@attrs.frozen
class Workflow:
    """One workflow as a plug-in.

    - ``spec``: states, events, parameters, roles and timers (its ``kind`` names the
      records; its ``zh``/``en`` labels name the workflow in reports and diagrams);
    - ``service``: the service class (or factory ``(runtime, engine) -> service``) with
      the workflow's typed operations; plain :class:`WorkflowService` by default;
    - ``attribute``: the ``Mall`` attribute it is reached by (``mall.complaints``);
      ``None`` for none (then ``mall.service(kind)``);
    - ``policy_section`` / ``policy_class``: the section of the policy file holding the
      workflow's numbers and the frozen attrs class validating it (``Policy.from_toml(
      path, sections=...)``; read it with ``policy.section(name, cls)``);
    - ``reactions``: rows of the reaction table this workflow brings (its own kind is
      their source or one of their targets: a plug-in may react to a built-in's change);
    - ``report_sections``: the workflow's sections of the monthly report
      (:data:`ReportSection` functions, run for every report of a mall the workflow is
      registered with, after the generic sections, whether or not the period holds
      records of its kind: a section may report what did *not* happen).
    """

    spec: WorkflowSpec
    service: ServiceFactory = WorkflowService
    attribute: str | None = None
    policy_section: str | None = None
    policy_class: type[Any] | None = None
    reactions: tuple[Reaction, ...] = ()
    report_sections: tuple[ReportSection, ...] = attrs.field(default=(), converter=_section_tuple)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.spec, WorkflowSpec):
            raise InvalidDefinition(
                f"spec: expected a WorkflowSpec, got {type(self.spec).__name__}"
            )
        if not callable(self.service):
            raise InvalidDefinition(f"workflow {self.kind!r}: service must be callable")
        if self.attribute is not None:
            _check_name(self.attribute, "attribute")
            if self.attribute in _RESERVED:
                raise InvalidDefinition(f"attribute {self.attribute!r} is reserved by Mall")
        if (self.policy_section is None) != (self.policy_class is None):
            raise InvalidDefinition(
                f"workflow {self.kind!r}: give both policy_section and policy_class, or neither"
            )
        if self.policy_section is not None:
            _check_name(self.policy_section, "policy_section")
            if not attrs.has(self.policy_class):  # type: ignore[arg-type]
                raise InvalidDefinition(
                    f"workflow {self.kind!r}: policy_class must be an attrs class"
                )
        for fn in self.report_sections:
            if not callable(fn):
                raise InvalidDefinition(
                    f"workflow {self.kind!r}: report_sections must be functions "
                    "(ReportContext) -> Section | None"
                )
        for r in self.reactions:
            if not isinstance(r, Reaction) or self.kind not in (r.source, *r.targets):
                raise InvalidDefinition(
                    f"workflow {self.kind!r}: its reactions must be Reaction rows with "
                    "its own kind as source or target"
                )

    @property
    def kind(self) -> str:
        """The record kind (``spec.kind``)."""
        return self.spec.kind

    @property
    def zh(self) -> str:
        """The workflow's Chinese name."""
        return self.spec.zh

    @property
    def en(self) -> str:
        """The workflow's English name."""
        return self.spec.en

    def sections(self) -> dict[str, type[Any]]:
        """``{policy_section: policy_class}`` (empty without a section)."""
        if self.policy_section is None or self.policy_class is None:
            return {}
        return {self.policy_section: self.policy_class}


def workflow_list(workflows: Any) -> tuple[Workflow, ...]:
    """``workflows`` checked to be a list of :class:`Workflow` (``ValidationError``)."""
    if isinstance(workflows, Workflow | str | bytes) or not isinstance(workflows, Iterable):
        raise ValidationError("workflows: expected a list of Workflow", field="workflows")
    out = tuple(workflows)
    for wf in out:
        if not isinstance(wf, Workflow):
            raise ValidationError(
                f"workflows: expected Workflow values, got {type(wf).__name__}",
                field="workflows",
            )
    return out


def policy_sections(workflows: Iterable[Workflow]) -> dict[str, type[Any]]:
    """The policy sections of ``workflows`` by name (a name used twice is an error)."""
    out: dict[str, type[Any]] = {}
    for wf in workflows:
        for name, cls in wf.sections().items():
            if name in out and out[name] is not cls:
                raise InvalidDefinition(f"policy section {name!r} is declared twice")
            out[name] = cls
    return out


def _module(where: str) -> Any:
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise ValidationError(f"workflow: no file {where!r}", field="workflow")
        name = f"mallops_plugin_{path.stem}"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has one
            raise ValidationError(f"workflow: cannot load {where!r}", field="workflow")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return module
    try:
        return importlib.import_module(where)
    except ImportError as exc:
        raise ValidationError(
            f"workflow: cannot import {where!r}: {exc}", field="workflow"
        ) from None


def load_workflow(text: str) -> Workflow:
    """The :class:`Workflow` named by ``"package.module:NAME"`` or ``"path/file.py:NAME"``
    (the command line's ``--workflow``)."""
    where, sep, name = str(text).rpartition(":")
    if not sep or not where or not name.isidentifier():
        raise ValidationError(
            f"workflow: {text!r} is not MODULE:NAME (e.g. mypkg.notices:NOTICE_WORKFLOW)",
            field="workflow",
        )
    value = getattr(_module(where), name, None)
    if not isinstance(value, Workflow):
        raise ValidationError(
            f"workflow: {where}:{name} is {type(value).__name__}, not a Workflow", field="workflow"
        )
    return value
