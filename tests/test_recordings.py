"""Call recordings (G7, issue 19): attached to any record by reference and checksum,
kept at least 30 days and while a linked case is open, then purged by ``tick()`` with
the purge recorded; the retention register and the report line."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from mallops import (
    Mall,
    ManualClock,
    MemoryStore,
    PermissionDenied,
    Policy,
    PolicyError,
    RecordNotFound,
    SqlStore,
    ValidationError,
)
from mallops.operations.recording_service import RecordingService
from mallops.operations.recording_spec import RecordingPolicy
from mallops.report import build_report, month_period

from .conftest import CS_HEAD, DESK, GM, PROPERTY_MANAGER, STAFF, at

SHA = "ab" * 32


def _mall(clock: ManualClock, store: Any = None, policy: Policy | None = None) -> Mall:
    return Mall(store if store is not None else MemoryStore(), clock, policy or Policy.seed())


def _recordings(mall: Mall) -> RecordingService:
    return mall.registry.of("recording", RecordingService)


def _complaint(mall: Mall) -> str:
    c = mall.complaints.open(
        actor=DESK,
        channel="phone",
        complainant="李雷",
        contact="13800000000",
        location="B1",
        description="洗手间地面湿滑",
        demand="尽快处理",
        severity="general",
    )
    return c.id


def _attach(mall: Mall, **kw: Any) -> Any:
    params: dict[str, Any] = {
        "reference": "pbx://hotline/2026/09/01/0001.wav",
        "checksum": SHA,
        "duration": 185,
        "channel": "hotline",
    }
    params.update(kw)
    return _recordings(mall).attach(actor=DESK, **params)


def _close_complaint(mall: Mall, cid: str) -> None:
    mall.complaints.fire(cid, "dismiss", actor=CS_HEAD, explanation="不属于物业范围")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(at(2026, 9, 1, 10))


def test_G7_a_recording_keeps_reference_checksum_duration_and_channel(clock: ManualClock) -> None:
    """A recording is a reference to the audio, never the audio: reference, checksum
    (normalised to algorithm:hex), duration, channel and the call's time; the caller's
    number is personal data."""
    mall = _mall(clock)
    cid = _complaint(mall)
    r = _attach(mall, case=cid, caller="13800000000", checksum=SHA.upper())
    assert r.id.startswith("AU-")
    assert r.state == "retained"
    assert r.fields["reference"] == "pbx://hotline/2026/09/01/0001.wav"
    assert r.fields["checksum"] == f"sha256:{SHA}"
    assert r.fields["duration"] == 185
    assert r.fields["source_channel"] == "hotline"
    assert r.fields["retain_until"] == at(2026, 10, 1, 10).isoformat()
    assert [(link.relation, link.record_id) for link in r.links] == [("case", cid)]
    assert [x.id for x in _recordings(mall).of_case(cid)] == [r.id]
    spec = mall.service("recording").engine.spec
    assert [p.name for p in spec.create.params if p.personal] == ["caller"]


@pytest.mark.parametrize(
    ("kw", "field", "error"),
    [
        ({"checksum": "abc"}, "checksum", ValidationError),
        ({"checksum": "md4:" + "a" * 32}, "checksum", ValidationError),
        ({"channel": "carrier_pigeon"}, "channel", ValidationError),
        ({"duration": 0}, "duration", ValidationError),
        ({"duration": 5 * 3600}, "duration", ValidationError),
        ({"recorded_at": at(2026, 9, 2, 10)}, "recorded_at", ValidationError),
        ({"reference": "  "}, "reference", ValidationError),
    ],
)
def test_G7_bad_input_names_the_field_and_changes_nothing(
    clock: ManualClock, kw: dict[str, Any], field: str, error: type[Exception]
) -> None:
    """Bad values raise mallops errors naming the field; nothing is written."""
    mall = _mall(clock)
    with pytest.raises(error) as info:
        _attach(mall, **kw)
    assert getattr(info.value, "field", None) == field
    assert mall.query(kind="recording") == []
    assert mall.store.counter("id:recording") == 0


def test_G7_a_case_that_does_not_exist_is_refused(clock: ManualClock) -> None:
    """The case must be a record of this property (G11)."""
    mall = _mall(clock)
    with pytest.raises(RecordNotFound):
        _attach(mall, case="C-999999")
    assert mall.query(kind="recording") == []


def test_G7_roles_per_event(clock: ManualClock) -> None:
    """Desk, staff and managers attach and link recordings; the general manager does
    not handle them; nobody fires the retention events (the ticker does)."""
    mall = _mall(clock)
    svc = _recordings(mall)
    for actor in (DESK, STAFF, CS_HEAD, PROPERTY_MANAGER):
        svc.attach(actor=actor, reference="pbx://x", checksum=SHA, duration=5, channel="radio")
    with pytest.raises(PermissionDenied):
        svc.attach(actor=GM, reference="pbx://x", checksum=SHA, duration=5, channel="radio")
    rid = mall.query(kind="recording")[0].id
    cid = _complaint(mall)
    assert "link" in mall.allowed_events(rid, STAFF)
    assert mall.allowed_events(rid, GM) == ()
    for event in ("check_retention", "hold", "purge"):
        with pytest.raises((PermissionDenied, ValueError)):
            mall.fire(rid, event, actor=PROPERTY_MANAGER)
    svc.link(rid, actor=STAFF, case=cid)
    assert mall.get(rid).links[0].record_id == cid


def test_G7_kept_30_days_then_purged_by_tick_with_the_purge_recorded(clock: ManualClock) -> None:
    """Not purged a moment before the 30 days are over; after them ``tick()`` purges:
    the reference is erased from the record, the history says who, when and why, and a
    ``recording_purged`` event on the feed tells the recording system which file to delete."""
    mall = _mall(clock)
    r = _attach(mall)
    clock.set(at(2026, 10, 1, 9, 59))
    mall.tick()
    assert mall.get(r.id).state == "retained"
    clock.set(at(2026, 10, 1, 11))
    events = mall.tick()
    purged = mall.get(r.id)
    assert purged.state == "purged"
    assert not purged.is_open
    assert "reference" not in purged.fields
    assert purged.fields["checksum"] == f"sha256:{SHA}"
    entry = purged.history[-1]
    assert (entry.event, entry.actor.id, entry.at) == ("purge", "system", at(2026, 10, 1, 10))
    assert entry.data == {"because": "retention_ended"}
    [gone] = [e for e in events if e.type == "recording_purged"]
    assert gone.data["reference"] == "pbx://hotline/2026/09/01/0001.wav"
    assert [f.event.type for f in mall.feed.events_since(0) if f.event.record_id == r.id][-1] == (
        "recording_purged"
    )
    assert mall.replay(r.id) == purged  # G6
    assert not any(t.breached for t in purged.timers)  # a retention end is no SLA breach
    assert [e for e in mall.tick() if e.record_id == r.id] == []


def test_G7_an_open_linked_case_holds_it_and_rearms_the_check(clock: ManualClock) -> None:
    """Past 30 days a recording linked to an open case is held (and checked again every
    ``recheck_every``); once every linked case is closed it is purged at the next check."""
    mall = _mall(clock)
    cid = _complaint(mall)
    other = _complaint(mall)
    r = _attach(mall, case=cid)
    _recordings(mall).link(r.id, actor=DESK, case=other)
    _close_complaint(mall, other)
    clock.set(at(2026, 10, 1, 11))
    mall.tick()
    held = mall.get(r.id)
    assert held.state == "held"
    assert held.fields["held_by"] == [cid]
    assert held.fields["reference"]
    assert held.wake_at == at(2026, 10, 2, 10)  # re-armed: one day later
    assert [x.id for x in _recordings(mall).held()] == [r.id]
    clock.set(at(2026, 10, 2, 11))
    mall.tick()
    assert mall.get(r.id).state == "held"  # still open
    assert len([h for h in mall.get(r.id).history if h.event == "hold"]) == 2
    _close_complaint(mall, cid)
    clock.set(at(2026, 10, 3, 11))
    mall.tick()
    done = mall.get(r.id)
    assert done.state == "purged"
    assert done.history[-1].data == {"because": "cases_closed"}
    assert mall.replay(r.id) == done


def test_G7_policy_sets_retention_and_whether_open_cases_hold(clock: ManualClock) -> None:
    """``recordings.min_retention`` and ``recordings.hold_while_open`` are policy data."""
    sections = {"recordings": RecordingPolicy}
    longer = Policy.from_dict({"recordings": {"min_retention": "60 days"}}, sections=sections)
    mall = _mall(clock, policy=longer)
    r = _attach(mall)
    clock.set(at(2026, 10, 5, 10))
    mall.tick()
    assert mall.get(r.id).state == "retained"
    clock.set(at(2026, 11, 1, 10))
    mall.tick()
    assert mall.get(r.id).state == "purged"

    clock2 = ManualClock(at(2026, 9, 1, 10))
    loose = Policy.from_dict({"recordings": {"hold_while_open": False}}, sections=sections)
    mall2 = _mall(clock2, policy=loose)
    r2 = _attach(mall2, case=_complaint(mall2))
    clock2.set(at(2026, 10, 1, 11))
    mall2.tick()
    assert mall2.get(r2.id).state == "purged"
    assert mall2.get(r2.id).history[-1].data == {"because": "not_held"}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"min_retention": "0 days"}, "recordings.min_retention"),
        ({"recheck_every": "1 month"}, "recordings.recheck_every"),
        ({"channels": "phone"}, "recordings.channels"),
        ({"max_seconds": 0}, "recordings.max_seconds"),
        ({"hold_while_open": "yes"}, "recordings.hold_while_open"),
    ],
)
def test_G7_policy_mistakes_name_the_key(data: dict[str, Any], key: str) -> None:
    """A wrong ``[recordings]`` value is a PolicyError naming the dotted key."""
    with pytest.raises(PolicyError) as info:
        Policy.from_dict({"recordings": data}, sections={"recordings": RecordingPolicy})
    assert info.value.key == key


def test_G7_an_old_call_is_checked_at_the_next_tick(clock: ManualClock) -> None:
    """A recording registered after its 30 days is checked (and purged) at once."""
    mall = _mall(clock)
    r = _attach(mall, recorded_at=at(2026, 7, 1, 10))
    clock.advance(minutes=1)
    mall.tick()
    assert mall.get(r.id).state == "purged"


def test_G7_several_tickers_purge_once(clock: ManualClock, tmp_path: Path) -> None:
    """Two processes ticking the same SQLite store at once purge each recording once."""
    url = f"sqlite:///{tmp_path / 'rec.db'}"
    first = _mall(clock, SqlStore(url))
    ids = [_attach(first, reference=f"pbx://r/{i}").id for i in range(6)]
    clock.set(at(2026, 10, 2, 10))
    malls = [first, _mall(clock, SqlStore(url))]
    errors: list[BaseException] = []

    def run(m: Mall) -> None:
        try:
            m.tick()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(m,)) for m in malls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for rid in ids:
        record = malls[1].get(rid)
        assert [h.event for h in record.history].count("purge") == 1
    purges = [f.event for f in first.feed.events_since(0) if f.event.type == "recording_purged"]
    assert sorted(e.record_id for e in purges) == ids
    for m in malls:
        m.store.close()


def test_G7_register_in_zh_and_en_masks_the_caller(clock: ManualClock) -> None:
    """The retention register lists every recording with its state, retention end,
    linked and holding cases and purge; the caller's number is masked unless revealed."""
    mall = _mall(clock)
    cid = _complaint(mall)
    _attach(mall, case=cid, caller="13800000000")
    _attach(mall, reference="pbx://2", channel="wechat_voice")
    clock.set(at(2026, 10, 1, 11))
    mall.tick()
    heads, rows = _recordings(mall).register(lang="zh")
    assert heads[:3] == ("编号", "状态", "来源")
    assert rows[0][1] == "因未结案件留存"
    assert rows[0][7] == "138******00"
    assert rows[1][1] == "已销毁"
    assert rows[1][6] == ""
    assert rows[1][12] == "system"
    assert rows[1][13] == "已满最短保存期，未关联案件"
    heads_en, rows_en = _recordings(mall).register(lang="en", reveal=True)
    assert heads_en[0] == "id"
    assert rows_en[0][7] == "13800000000"
    assert rows_en[1][2] == "WeChat voice message"
    with pytest.raises(ValidationError):
        _recordings(mall).register(lang="fr")


def test_G7_report_line_retained_purged_and_held(clock: ManualClock) -> None:
    """The report shows recordings kept at the period's end, purged in it and held by
    open cases, in zh and en; a mall without recordings has no such section."""
    mall = _mall(clock)
    assert build_report(mall, *month_period("2026-09", mall)).section("recordings") is None
    cid = _complaint(mall)
    _attach(mall, case=cid)
    _attach(mall, recorded_at=at(2026, 8, 20, 9))
    _attach(mall)
    clock.set(at(2026, 10, 15, 10))
    mall.tick()
    sep = build_report(mall, *month_period("2026-09", mall), lang="en").section("recordings")
    assert sep is not None
    table = sep.tables[0]
    assert dict(zip(table.keys, (row[1] for row in table.rows), strict=True)) == {
        "attached": 3,
        "retained": 2,
        "held": 0,
        "purged": 1,
    }
    octo = build_report(mall, *month_period("2026-10", mall), lang="zh").section("recordings")
    assert octo is not None
    assert octo.notes == ("通话录音：期末保存 1 条（其中 1 条因未结案件留存），本期销毁 1 条。",)


def test_G7_the_retention_period_is_no_sla_timer_in_the_report(clock: ManualClock) -> None:
    """A recording's retention ends with a check, not a missed deadline: the SLA table
    leaves it out (it used to show as 100 % met), while the complaint's timers stay."""
    mall = _mall(clock)
    _attach(mall, case=_complaint(mall))
    _attach(mall, recorded_at=at(2026, 8, 20, 9))
    clock.set(at(2026, 10, 15, 10))
    mall.tick()
    sla = build_report(mall, *month_period("2026-09", mall), lang="en").section("sla")
    assert sla is not None
    shown = {str(row[0]) for row in sla.tables[0].rows}
    assert not any("recording" in label for label in shown), shown
    assert any("complaint" in label for label in shown), shown


def test_G7_plugins_mask_with_the_public_domain_helpers() -> None:
    """``mallops.domain`` exports the G7 masking a plug-in's own outputs use."""
    from mallops.domain import mask_text, mask_value

    assert mask_value("13800000000") == "138******00"
    assert mask_text("请回电 13800000000") == "请回电 138******00"


def test_G7_change_policy_to_a_policy_without_the_section_keeps_its_defaults(
    clock: ManualClock,
) -> None:
    """A policy change to a policy that lacks ``[recordings]`` gives the section its
    defaults, as a new ``Mall`` with that policy does: both agree (no drift)."""
    store = MemoryStore()
    mall = _mall(clock, store)
    _attach(mall)
    plain = Policy.from_dict({"complaints": {"first_contact": {"duration": "2 hours"}}})
    mall.change_policy(plain, actor=PROPERTY_MANAGER, reason="新规")
    again = _mall(clock, store, policy=plain)
    assert _attach(again).state == "retained"
    section = again.policy.section("recordings", RecordingPolicy)
    assert section == RecordingPolicy()


def test_G7_a_late_ticker_decides_as_one_on_time_would(clock: ManualClock) -> None:
    """Found by the stateful test: when nobody ticked for weeks and the case was closed
    meanwhile, the catch-up holds the recording at each check the case was still open
    and purges it at the first check after the closure, never purging it (in the
    history) at a time its case was open."""
    mall = _mall(clock)
    cid = _complaint(mall)
    r = _attach(mall, case=cid, recorded_at=at(2026, 8, 7, 10))  # retention ends 09-06
    clock.set(at(2026, 9, 18, 15))  # nobody ticked since
    _close_complaint(mall, cid)
    mall.tick()
    assert mall.get(r.id).state == "held"  # the check of 09-18 10:00 saw it open
    clock.set(at(2026, 9, 19, 11))
    mall.tick()
    done = mall.get(r.id)
    assert done.state == "purged"
    purge = done.history[-1]
    assert purge.at == at(2026, 9, 19, 10)  # the first check after the closure
    holds = [h.at for h in done.history if h.event == "hold"]
    assert holds[0] == at(2026, 9, 6, 10)
    assert holds[-1] == at(2026, 9, 18, 10)  # 13 daily checks while it was open
    assert len(holds) == 13
    assert mall.replay(r.id) == done
