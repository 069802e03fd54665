"""The report's one walk over the records (issue 16): the exact time comparison it uses."""

from __future__ import annotations

import datetime as dt

import pendulum

from mallops.clock import Before


def test_before_agrees_with_lt_across_dst_and_timezones() -> None:
    # New York's fall-back hour (fold) and spring gap, compared from other timezones
    ny = pendulum.timezone("America/New_York")
    base = pendulum.datetime(2024, 11, 3, 0, tz=ny)
    times = [base.add(minutes=17 * i) for i in range(-400, 400)]
    times += [t.in_timezone("UTC") for t in times[::7]]
    times += [t.in_timezone("Asia/Shanghai") for t in times[::11]]
    times += [
        pendulum.datetime(2024, 3, 10, 1, 59, tz=ny),
        pendulum.datetime(2024, 3, 10, 3, tz=ny),
    ]
    times.append(dt.datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=ny))
    for now in (base, base.add(hours=1, minutes=30), base.in_timezone("UTC").add(days=3)):
        before = Before(now)
        for t in times:
            assert before(t) == (t < now), (t, now)
