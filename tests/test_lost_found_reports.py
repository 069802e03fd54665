"""Lost reports: suggested matches, linking, notification and closing (beyond the documents)."""

from __future__ import annotations

import pytest

from mallops import DomainEvent, InvalidTransition, Mall, Record, ValidationError

from .lost_found_helpers import DESK, at, found, make_mall, return_to_owner


def _report(mall: Mall, **overrides: object) -> Record:
    params: dict[str, object] = {
        "actor": DESK,
        "reporter": "王五",
        "contact": "13900000000",
        "description": "黑色手机，红色手机壳 black phone with red case",
        "category": "phone",
        "place": "B1 east restroom",
        "lost_from": at(2026, 11, 20, 9),
        "lost_to": at(2026, 11, 20, 11),
    }
    params.update(overrides)
    return mall.lost_found.report_lost(**params)


def test_suggestions_rank_by_category_place_time_and_words() -> None:
    """The item with the same category, place and words ranks first, then the same
    category elsewhere, then another category at the same place and time; an item found
    before the loss, or unrelated and long after it, is not suggested."""
    mall, clock = make_mall(at(2026, 11, 20, 10))
    best = found(mall)
    other_place = found(mall, place_found="L3 cinema")
    umbrella = found(mall, category="umbrella", description="blue umbrella", features="long")
    too_early = found(mall, found_at=at(2026, 11, 20, 8))
    clock.advance(days=45)
    unrelated = found(mall, category="bag", place_found="car park", description="tote")
    report = _report(mall)
    ranked = mall.lost_found.suggest_matches(report.id)
    ids = [m.item_id for m in ranked]
    assert ids == [best.id, other_place.id, umbrella.id]
    assert too_early.id not in ids
    assert unrelated.id not in ids
    top = ranked[0]
    assert top.score > ranked[1].score
    assert {"category", "place", "time"} <= set(top.reasons)


def test_a_match_links_both_records_and_notifies_the_reporter() -> None:
    """Matching links report and item both ways in one commit and raises an event naming
    the item and its number; releasing the item closes the report."""
    mall, clock = make_mall(at(2026, 11, 20, 10))
    events: list[DomainEvent] = []
    mall.subscribe(events.append)
    item = found(mall)
    mall.lost_found.close_day(actor=DESK)
    clock.advance(hours=1)
    report = _report(mall)
    report = mall.lost_found.match(report.id, item.id, actor=DESK)
    assert report.state == "matched"
    assert report.linked("found_item") == (item.id,)
    assert mall.get(item.id).linked("lost_report") == (report.id,)
    matched = [e for e in events if e.type == "lost_report_matched"]
    assert [(e.record_id, e.data["item_id"], e.data["number"]) for e in matched] == [
        (report.id, item.id, "2026/11/001")
    ]
    return_to_owner(mall, item.id)
    assert mall.get(report.id).state == "closed"
    assert mall.replay(report.id) == mall.get(report.id)


def test_a_match_needs_an_item_still_kept() -> None:
    """Matching a released item, an unknown id or a record of another kind is refused and
    changes nothing."""
    mall, _ = make_mall(at(2026, 11, 20, 10))
    item = found(mall)
    report = _report(mall)
    other = _report(mall)
    with pytest.raises(ValidationError, match="not a found item"):
        mall.fire(report.id, "match", actor=DESK, item_id=other.id)
    with pytest.raises(ValidationError, match="no found item"):
        mall.fire(report.id, "match", actor=DESK, item_id="LF-999999")
    return_to_owner(mall, item.id)
    with pytest.raises(InvalidTransition, match="only items still kept"):
        mall.lost_found.match(report.id, item.id, actor=DESK)
    assert mall.get(report.id).state == "open"


def test_a_report_checks_its_times() -> None:
    """A loss in the future or ending before it starts is refused."""
    mall, _ = make_mall(at(2026, 11, 20, 10))
    with pytest.raises(ValidationError, match="future"):
        _report(mall, lost_from=at(2026, 11, 21), lost_to=None)
    with pytest.raises(ValidationError, match="before lost_from"):
        _report(mall, lost_to=at(2026, 11, 19))


def test_matching_among_many_items_returns_the_policy_limit() -> None:
    """With 2,000 items in store a suggestion returns ``match.limit`` candidates, best
    first.  Its speed is measured, not asserted: benchmarks/lost_found_match.py times
    50,000 items."""
    mall, clock = make_mall(at(2026, 1, 5, 10))
    for n in range(2000):
        found(mall, description=f"item {n} black", category=("phone", "bag", "keys")[n % 3])
        clock.advance(minutes=15)
    report = _report(mall, lost_from=at(2026, 1, 10, 9), lost_to=at(2026, 1, 10, 12))
    ranked = mall.lost_found.suggest_matches(report.id)
    assert len(ranked) == mall.policy.lost_found.match.limit
    scores = [m.score for m in ranked]
    assert scores == sorted(scores, reverse=True)


def test_the_matching_benchmark_runs_on_a_small_store(capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks/lost_found_match.py runs end to end (here with 300 items)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "lost_found_match.py"
    spec = importlib.util.spec_from_file_location("lost_found_match", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["300"])
    assert capsys.readouterr().out.count("candidates") == 4


def test_an_undone_match_is_not_closed_by_the_first_item() -> None:
    """After unmatch and a match with another item, releasing the first item leaves the
    report matched to the second."""
    mall, _ = make_mall(at(2026, 11, 20, 10))
    first = found(mall)
    second = found(mall, features="blue case")
    report = _report(mall)
    mall.lost_found.match(report.id, first.id, actor=DESK)
    mall.fire(report.id, "unmatch", actor=DESK, reason="owner says the case is blue")
    mall.lost_found.match(report.id, second.id, actor=DESK)
    return_to_owner(mall, first.id)
    assert mall.get(report.id).state == "matched"
    return_to_owner(mall, second.id)
    assert mall.get(report.id).state == "closed"


def test_an_item_is_matched_with_one_open_report_at_a_time() -> None:
    """A second report cannot be matched with an item already matched with another one
    (releasing it would close both as returned); after an unmatch it can."""
    mall, _ = make_mall(at(2026, 11, 20, 10))
    item = found(mall)
    first = _report(mall)
    second = _report(mall)
    mall.lost_found.match(first.id, item.id, actor=DESK)
    with pytest.raises(InvalidTransition, match="already matched"):
        mall.lost_found.match(second.id, item.id, actor=DESK)
    assert mall.get(second.id).state == "open"
    assert mall.get(item.id).linked("lost_report") == (first.id,)
    mall.fire(first.id, "unmatch", actor=DESK, reason="owner says the case is blue")
    mall.lost_found.match(second.id, item.id, actor=DESK)
    return_to_owner(mall, item.id)
    assert (mall.get(first.id).state, mall.get(second.id).state) == ("open", "closed")
