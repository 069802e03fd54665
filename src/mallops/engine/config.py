"""Configuration that cannot drift: per property, the store records the fingerprint of
the policy and of the calendar data its records are written under, and the workflow
kinds it holds.

The record is a small system record in the store itself (kind ``property_config``,
property ``_mallops`` so no property's queries ever see it, id
``mallops:config:<property>``), written in the same atomic commit as the records that
need it.  Its history says who configured the property and who changed its policy,
when, and from which fingerprint to which.  :class:`ConfigGuard` checks every commit
of a ``Mall`` against it: a process whose policy, calendar data or workflows differ
raises :class:`~mallops.errors.ConfigurationDrift` naming the property and what
differs, and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from importlib import metadata
from typing import Any

import pendulum

from ..domain.outcome import outcome_of
from ..domain.records import SYSTEM, Actor, HistoryEntry, Record
from ..errors import ConfigurationDrift, RecordNotFound
from ..policy import Policy
from ..stores.protocol import Query, Store, Write

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


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def policy_fingerprint(policy: Policy) -> str:
    """A short hash of every policy number and list except its name and calendar."""
    data = policy.to_dict()
    data.pop("name", None)
    data.pop("calendar", None)
    return _digest(data)


def calendar_fingerprint(policy: Policy) -> str:
    """A short hash of the calendar section except its per-year holiday data: timezone,
    working hours, weekend and, when the built-in holidays are on, the version of the
    package that provides them."""
    data = dict(policy.to_dict().get("calendar", {}))
    data.pop("years", None)
    if data.get("builtin_holidays"):
        try:
            data["builtin_version"] = metadata.version("chinesecalendar")
        except metadata.PackageNotFoundError:  # pragma: no cover - a declared dependency
            data["builtin_version"] = None
    return _digest(data)


def year_fingerprints(policy: Policy) -> dict[str, str]:
    """A short hash of each year's holiday data in the policy, by year (G9).  A process
    with data for a year more than the store is compatible (the data arrived: the next
    write records it, the calendar re-plans provisional timers); a year missing or
    different is drift."""
    years = policy.to_dict().get("calendar", {}).get("years", {})
    return {str(year): _digest(data) for year, data in years.items()}


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
    ``kinds`` the workflow kinds this process knows (the registered services).
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
        self.set_policy(policy)

    def set_policy(self, policy: Policy) -> None:
        """Check against ``policy`` from now on (after a recorded policy change)."""
        self.policy = policy
        self._verified = None
        self.policy_fp = policy_fingerprint(policy)
        self.calendar_fp = calendar_fingerprint(policy)
        self.years = year_fingerprints(policy)

    def stored(self) -> Record | None:
        """The property's configuration record, ``None`` before its first write."""
        try:
            return self._store().get(self.config_id)
        except RecordNotFound:
            return None

    def problems(self, config: Record | None) -> list[str]:
        """What differs between this process and ``config`` (empty: nothing)."""
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
        return out

    def check(self, config: Record | None = None) -> Record | None:
        """Raise ``ConfigurationDrift`` if this process differs from the stored
        configuration; return that configuration record (``None`` if there is none)."""
        config = self.stored() if config is None else config
        if config is not None and config.version == self._verified:
            return config  # checked at this version already (the common case: no rescan)
        problems = self.problems(config)
        if problems:
            raise ConfigurationDrift(
                f"property {self.property!r}: this process's configuration differs from the "
                f"one its records were written under (物业 {self.property!r} 的配置与记录不一致): "
                + "; ".join(problems)
                + ". Open it with the same policy and workflows, or change the policy with "
                "Mall.change_policy (recorded) / 请使用相同配置，或通过 Mall.change_policy 变更",
                property=self.property,
                differences=tuple(problems),
            )
        if config is not None:
            self._verified = config.version
        return config

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
        if kinds <= have and not new_years:
            return None
        fields = {
            **config.fields,
            "kinds": sorted(have | kinds),
            "years": {**stored_years, **self.years},
        }
        data = {
            "property": self.property,
            "added_kinds": sorted(kinds - have),
            "added_years": new_years,
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
        fields = {
            "policy": new_fp,
            "policy_name": new.name,
            "calendar": new_cal,
            "years": year_fingerprints(new),
            "kinds": kinds,
        }
        updated = _entry(
            config_id(self.property), config, "change_policy", actor, now, fields, data, reason
        )
        return Write(updated, config.version if config is not None else 0), data
