"""Configuration that cannot drift: per property, the store records the fingerprint of
the policy and of the calendar data its records are written under, the workflow kinds
it holds and the fingerprint of each kind's definition (:mod:`.definition`).

The record is a small system record in the store itself (kind ``property_config``,
property ``_mallops`` so no property's queries ever see it, id
``mallops:config:<property>``), written in the same atomic commit as the records that
need it.  Its history says who configured the property and who changed its policy,
when, and from which fingerprint to which.  :class:`ConfigGuard` checks every commit
of a ``Mall`` against it: a process whose policy, calendar data or workflows differ
raises :class:`~mallops.errors.ConfigurationDrift` naming the property and what
differs, and writes nothing.  A changed workflow definition is accepted only through
the recorded ``Mall.change_workflows``; a changed policy only through
``Mall.change_policy``.  A store written before definitions were fingerprinted records
them with its next write (an ``extend`` entry), as it does a kind new to the property.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import pendulum

from ..domain.outcome import outcome_of
from ..domain.records import SYSTEM, Actor, HistoryEntry, Record
from ..errors import ConfigurationDrift, RecordNotFound
from ..policy import Policy
from ..stores.protocol import Query, Store, Write
from .fingerprints import (
    DEFINITION_PARTS,
    calendar_fingerprint,
    definition_fingerprint,
    policy_fingerprint,
    year_fingerprints,
)
from .spec import WorkflowSpec

__all__ = [
    "CONFIG_KIND",
    "CONFIG_PROPERTY",
    "ConfigGuard",
    "calendar_fingerprint",
    "config_id",
    "policy_fingerprint",
    "year_fingerprints",
]

CONFIG_KIND = "property_config"
CONFIG_PROPERTY = "_mallops"
"""The property of configuration records: not an id a ``Mall`` accepts, so no property's
queries, reports or exports include them."""


def config_id(property: str) -> str:
    """The id of ``property``'s configuration record."""
    return f"mallops:config:{property}"


def _entry(
    record_id: str,
    record: Record | None,
    event: str,
    actor: Actor,
    now: pendulum.DateTime,
    fields: dict[str, Any],
    data: dict[str, Any],
    reason: str | None,
) -> Record:
    seq = len(record.history) + 1 if record is not None else 1
    outcome = outcome_of(record, "configured", _VALUES, fields, (), (), ())
    entry = HistoryEntry(
        seq,
        now,
        actor,
        event,
        record.state if record is not None else None,
        "configured",
        data,
        reason,
        outcome,
    )
    history = (*record.history, entry) if record is not None else (entry,)
    return Record(
        id=record_id,
        kind=CONFIG_KIND,
        property=CONFIG_PROPERTY,
        state="configured",
        version=len(history),
        created_at=record.created_at if record is not None else now,
        updated_at=now,
        fields=fields,
        history=history,
        **_VALUES,
    )


_VALUES: dict[str, Any] = {
    "is_open": True,
    "owner": None,
    "department": None,
    "tenant": None,
    "location": None,
    "category": None,
    "severity": None,
    "escalation_level": 0,
}


class ConfigGuard:
    """Checks a ``Mall``'s commits against its property's configuration record.

    ``store`` returns the store the ``Mall`` writes to now (a bulk block buffers it);
    ``kinds`` the workflow kinds this process knows (the registered services).  The
    definitions it fingerprints are given by :meth:`use_specs` (the ``Mall`` does).
    """

    def __init__(
        self,
        store: Callable[[], Store],
        property: str,
        policy: Policy,
        kinds: Callable[[], Collection[str]],
    ) -> None:
        self._store = store
        self.property = property
        self.kinds = kinds
        self.config_id = config_id(property)
        self._verified: int | None = None  # the configuration version checked last
        self._specs: dict[str, WorkflowSpec] = {}
        self._definitions: dict[str, dict[str, str]] | None = None  # computed when needed
        self.set_policy(policy)

    def use_specs(self, specs: Mapping[str, WorkflowSpec]) -> None:
        """Fingerprint these workflow definitions (kind -> spec) from now on."""
        self._specs = dict(specs)
        self._verified = None
        self._definitions = None

    @property
    def definitions(self) -> dict[str, dict[str, str]]:
        """This process's definition fingerprint of each kind (:meth:`use_specs`), under
        its policy (:func:`~mallops.engine.definition.definition_fingerprint`)."""
        if self._definitions is None:
            self._definitions = self._fingerprints(self.policy)
        return self._definitions

    def _fingerprints(self, policy: Policy) -> dict[str, dict[str, str]]:
        return {kind: definition_fingerprint(spec, policy) for kind, spec in self._specs.items()}

    def set_policy(self, policy: Policy) -> None:
        """Check against ``policy`` from now on (after a recorded policy change)."""
        self.policy = policy
        self._verified = None
        self.policy_fp = policy_fingerprint(policy)
        self.calendar_fp = calendar_fingerprint(policy)
        self.years = year_fingerprints(policy)
        self._definitions = None

    def stored(self) -> Record | None:
        """The property's configuration record, ``None`` before its first write."""
        try:
            return self._store().get(self.config_id)
        except RecordNotFound:
            return None

    def problems(self, config: Record | None, *, definitions: bool = True) -> list[str]:
        """What differs between this process and ``config`` (empty: nothing);
        ``definitions=False`` leaves out the workflow definitions."""
        if config is None:
            return []
        out = []
        if config.fields.get("policy") != self.policy_fp:
            out.append(
                f"policy: the records were written under policy {config.fields.get('policy')} "
                f"({config.fields.get('policy_name')}), this process has {self.policy_fp} "
                f"({self.policy.name}) / 策略不同"
            )
        if config.fields.get("calendar") != self.calendar_fp:
            out.append(
                f"calendar: the records were written under calendar data "
                f"{config.fields.get('calendar')}, this process has {self.calendar_fp} "
                "/ 日历数据不同"
            )
        stored_years: dict[str, str] = dict(config.fields.get("years", {}))
        missing = sorted(y for y in stored_years if y not in self.years)
        if missing:
            out.append(
                f"calendar: this process has no holiday data for {', '.join(missing)}, which "
                "the records were planned with / 本进程缺少这些年份的节假日数据"
            )
        changed = sorted(
            y for y in stored_years if y in self.years and stored_years[y] != self.years[y]
        )
        if changed:
            out.append(
                f"calendar: the holiday data for {', '.join(changed)} differs from the data "
                "the records were planned with / 这些年份的节假日数据不同"
            )
        unknown = sorted(set(config.fields.get("kinds", ())) - set(self.kinds()))
        if unknown:
            out.append(
                f"workflows: the store holds {', '.join(unknown)} records this process does "
                "not know / 本进程缺少这些流程"
            )
        if definitions:
            out.extend(self._definition_problems(config))
        return out

    def changed_definitions(self, config: Record) -> dict[str, list[str]]:
        """The kinds ``config`` holds whose stored definition fingerprint differs from
        this process's, each with the parts that differ (:data:`DEFINITION_PARTS`)."""
        stored: dict[str, dict[str, str]] = dict(config.fields.get("definitions", {}))
        out = {}
        for kind, old in sorted(stored.items()):
            mine = self.definitions.get(kind)
            if mine is not None and old.get("digest") != mine["digest"]:
                out[kind] = [p for p in DEFINITION_PARTS if old.get(p) != mine[p]]
        return out

    def _definition_problems(self, config: Record) -> list[str]:
        stored: dict[str, dict[str, str]] = dict(config.fields.get("definitions", {}))
        return [
            f"workflow {kind}: its definition differs from the one the records were written "
            f"under ({', '.join(parts)}; stored {stored[kind].get('digest')}, this process "
            f"{self.definitions[kind]['digest']}) / 流程 {kind} 的定义与记录不一致"
            for kind, parts in self.changed_definitions(config).items()
        ]

    def check(self, config: Record | None = None) -> Record | None:
        """Raise ``ConfigurationDrift`` if this process differs from the stored
        configuration; return that configuration record (``None`` if there is none)."""
        config = self.stored() if config is None else config
        if config is not None and config.version == self._verified:
            return config  # checked at this version already (the common case: no rescan)
        self._refuse(self.problems(config))
        if config is not None:
            self._verified = config.version
        return config

    def _refuse(self, problems: list[str]) -> None:
        if problems:
            raise ConfigurationDrift(
                f"property {self.property!r}: this process's configuration differs from the "
                f"one its records were written under (物业 {self.property!r} 的配置与记录不一致): "
                + "; ".join(problems)
                + ". Open it with the same policy and workflows, or record the change with "
                "Mall.change_policy or Mall.change_workflows / 请使用相同配置，或通过 "
                "Mall.change_policy、Mall.change_workflows 记录变更",
                property=self.property,
                differences=tuple(problems),
            )

    def _held(self) -> set[str]:
        # records written before configurations were recorded count too (read once)
        return {r.kind for r in self._store().query(Query(property=self.property))}

    def write_for(self, records: Mapping[str, Record], now: pendulum.DateTime) -> Write | None:
        """The configuration write a commit of ``records`` (by id) needs: the first
        records of the property, or of a kind new to it; ``None`` if none is needed (or
        the commit writes the configuration itself).  Checks first."""
        if self.config_id in records:
            return None
        kinds = {r.kind for r in records.values() if r.property == self.property}
        if not kinds:
            return None
        config = self.check()
        if config is None:
            return Write(self._first(kinds | self._held(), now), 0)
        have = set(config.fields.get("kinds", ()))
        stored_years = dict(config.fields.get("years", {}))
        new_years = sorted(set(self.years) - set(stored_years))
        stored_defs = dict(config.fields.get("definitions", {}))
        new_defs = sorted(k for k in have | kinds if k in self.definitions and k not in stored_defs)
        if kinds <= have and not new_years and not new_defs:
            return None
        fields = {
            **config.fields,
            "kinds": sorted(have | kinds),
            "years": {**stored_years, **self.years},
            "definitions": {**stored_defs, **{k: self.definitions[k] for k in new_defs}},
        }
        data = {
            "property": self.property,
            "added_kinds": sorted(kinds - have),
            "added_years": new_years,
            "added_definitions": new_defs,
        }
        updated = _entry(config.id, config, "extend", SYSTEM, now, fields, data, None)
        return Write(updated, config.version)

    def _first(self, kinds: set[str], now: pendulum.DateTime) -> Record:
        fields = self._fields(sorted(kinds))
        return _entry(
            config_id(self.property),
            None,
            "configure",
            SYSTEM,
            now,
            fields,
            {"property": self.property},
            None,
        )

    def _fields(self, kinds: list[str]) -> dict[str, Any]:
        return {
            "policy": self.policy_fp,
            "policy_name": self.policy.name,
            "calendar": self.calendar_fp,
            "years": dict(self.years),
            "kinds": kinds,
            "definitions": {k: self.definitions[k] for k in kinds if k in self.definitions},
        }

    def change(
        self, new: Policy, actor: Actor, reason: str, now: pendulum.DateTime
    ) -> tuple[Write, dict[str, Any]]:
        """The configuration write recording a change from this process's policy to
        ``new`` (by ``actor``, for ``reason``), and the change's data (old and new
        fingerprints).  Checks first that this process matches the stored one."""
        config = self.check()
        new_fp, new_cal = policy_fingerprint(new), calendar_fingerprint(new)
        data = {
            "property": self.property,
            "old_policy": self.policy_fp,
            "new_policy": new_fp,
            "old_calendar": self.calendar_fp,
            "new_calendar": new_cal,
            "old_name": self.policy.name,
            "new_name": new.name,
        }
        kinds = sorted(config.fields.get("kinds", ()) if config is not None else self._held())
        new_defs = self._fingerprints(new)  # the ladder and pause states follow the policy
        fields = {
            "policy": new_fp,
            "policy_name": new.name,
            "calendar": new_cal,
            "years": year_fingerprints(new),
            "kinds": kinds,
            "definitions": {k: new_defs[k] for k in kinds if k in new_defs},
        }
        updated = _entry(
            config_id(self.property), config, "change_policy", actor, now, fields, data, reason
        )
        return Write(updated, config.version if config is not None else 0), data

    def change_workflows(
        self, actor: Actor, reason: str, now: pendulum.DateTime
    ) -> tuple[Write, dict[str, Any]] | None:
        """The configuration write recording that this process's workflow definitions
        replace the stored ones (by ``actor``, for ``reason``), and its data: per changed
        kind the parts that differ and the old and new digests, and the kinds whose
        definition was not recorded yet.  ``None`` when nothing differs (or nothing is
        stored yet).  Policy, calendar and kinds must match (else ``ConfigurationDrift``)."""
        config = self.stored()
        self._refuse(self.problems(config, definitions=False))
        if config is None:
            return None
        stored: dict[str, dict[str, str]] = dict(config.fields.get("definitions", {}))
        changed = self.changed_definitions(config)
        held = set(config.fields.get("kinds", ()))
        added = sorted(k for k in held if k in self.definitions and k not in stored)
        if not changed and not added:
            return None
        data = {
            "property": self.property,
            "changed": {
                kind: {
                    "parts": parts,
                    "old": stored[kind].get("digest"),
                    "new": self.definitions[kind]["digest"],
                }
                for kind, parts in changed.items()
            },
            "added": added,
        }
        fields = {
            **config.fields,
            "definitions": {**stored, **{k: self.definitions[k] for k in [*changed, *added]}},
        }
        updated = _entry(config.id, config, "change_workflows", actor, now, fields, data, reason)
        return Write(updated, config.version), data
