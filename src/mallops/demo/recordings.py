"""Call recordings (G7): the hotline's recordings attached to the complaints they
started, the enquiries that became no case, and on the demo's first day the previous
month's recordings handed over by the hotline system (so the month shows purges)."""

from __future__ import annotations

import functools
import hashlib
import random
from typing import Any

import pendulum

from ..domain.records import Record
from ..operations.recording_service import RecordingService
from .data import SERVICE_HOURS, Action
from .simulation import Generator, Simulation, phone_number, weighted

_CHANNELS = (("hotline", 6), ("phone", 3), ("radio", 1))
_BACKLOG = 45  # recordings of the previous 29 days handed over on the first day


class RecordingGenerator(Generator):
    """Recordings of calls (G7): about seven a day during the mall's hours, most of them
    attached to the phone complaint they started; kept 30 days, longer while the
    complaint is open, then purged by the ticker."""

    kind = "recording"

    def arrivals(self, sim: Simulation, day: pendulum.DateTime, rng: random.Random) -> None:
        if not sim.mall.query(kind="recording", limit=1):  # the first day: the backlog
            when = day.add(hours=SERVICE_HOURS[0])
            for i in range(_BACKLOG):
                recorded = day.subtract(days=29).add(seconds=rng.randrange(28 * 86400))
                params = self._params(rng, recorded, f"backlog-{i}")
                sim.at(when, functools.partial(self._attach, sim, params, None))
        count = max(0, round(rng.gauss(7.0, 2.0)))
        span = (SERVICE_HOURS[1] - SERVICE_HOURS[0]) * 3600
        times = sorted(
            day.add(hours=SERVICE_HOURS[0], seconds=rng.randrange(span)) for _ in range(count)
        )
        for i, when in enumerate(times):
            params = self._params(rng, when.subtract(minutes=rng.randrange(2, 20)), str(i))
            link = rng.random() < 0.7  # the rest were enquiries: no case
            sim.at(when, functools.partial(self._attach, sim, params, link))

    @staticmethod
    def _params(rng: random.Random, recorded: pendulum.DateTime, key: str) -> dict[str, Any]:
        name = f"{recorded.format('YYYY/MM/DD/HHmmss')}-{key}"
        return {
            "reference": f"pbx://hotline/{name}.wav",
            "checksum": hashlib.sha256(name.encode()).hexdigest(),
            "duration": rng.randrange(40, 900),
            "channel": weighted(rng, _CHANNELS),
            "recorded_at": recorded,
            "caller": phone_number(rng),
        }

    def _attach(self, sim: Simulation, params: dict[str, Any], link: bool | None) -> None:
        if sim.clock.now() <= sim.resume_after:
            return
        now = sim.clock.now()
        if link:
            recent = sim.mall.query(kind="complaint", created_from=now.subtract(hours=2))
            phoned = [c for c in recent if c.fields.get("channel") == "phone"]
            if phoned:
                params = {**params, "case": phoned[-1].id}
        actor = sim.staff.desk[0]
        sim.mall.registry.of("recording", RecordingService).attach(actor=actor, **params)

    def next_step(
        self, sim: Simulation, record: Record, now: pendulum.DateTime, rng: random.Random
    ) -> tuple[pendulum.DateTime, Action] | None:
        return None  # nobody acts on a recording: the ticker keeps or purges it (G7)
