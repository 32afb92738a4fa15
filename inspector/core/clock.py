"""Time as the domain reads it, and the hybrid logical clock that orders changes.

``WallClock`` is the one seam for "what time is it": the store carries one, and every domain
function asks it (``store.wall.now()``, ``store.wall.today()``), so a test or a training
session can run on any day and in any time zone without patching ``datetime``.

A hybrid-clock stamp is ``"<milliseconds since epoch, 15 digits>-<counter, 5 digits>"`` so that
stamps sort as strings. When the wall clock is behind the last stamp (set back, or a stamp
received from a peer), the counter advances instead of the time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

COUNTER_LIMIT = 99_999


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class WallClock:
    """The system clock in the laptop's own time zone."""

    def now(self) -> datetime:
        """The current time, aware, in the clock's time zone."""
        return datetime.now().astimezone()

    def millis(self) -> int:
        return int(self.now().timestamp() * 1000)

    def today(self) -> date:
        """Today's date where the inspector is (not in UTC)."""
        return self.now().date()

    def iso(self) -> str:
        """Now as stored: ISO-8601 to the second, with its offset."""
        return self.now().isoformat(timespec="seconds")

    @property
    def tz(self) -> tzinfo:
        zone = self.now().tzinfo
        assert zone is not None
        return zone


class SetClock(WallClock):
    """A clock set to a chosen moment (tests, training): it moves by ``step`` at each reading
    and by ``advance``, never by itself."""

    def __init__(self, moment: datetime, step: timedelta = timedelta(0)) -> None:
        if moment.tzinfo is None:
            raise ValueError("a set clock needs an aware time (with its UTC offset)")
        self.moment = moment
        self.step = step

    def now(self) -> datetime:
        moment = self.moment
        self.moment += self.step
        return moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


@dataclass(frozen=True, order=True)
class Stamp:
    millis: int
    counter: int

    def __str__(self) -> str:
        return f"{self.millis:015d}-{self.counter:05d}"

    def successor(self) -> Stamp:
        if self.counter < COUNTER_LIMIT:
            return Stamp(self.millis, self.counter + 1)
        return Stamp(self.millis + 1, 0)

    @classmethod
    def parse(cls, text: str) -> Stamp:
        millis, _, counter = text.partition("-")
        if not (millis.isdigit() and counter.isdigit()):
            raise ValueError(f"not a clock stamp: {text!r}")
        return cls(int(millis), int(counter))


ZERO = Stamp(0, 0)


# A stamp further ahead of this laptop's wall clock is not followed (a laptop set a day or a
# year ahead must not drag the others' stamps with it); it is still stored and ordered.
MAX_DRIFT_MS = 10 * 60 * 1000


class HybridClock:
    def __init__(self, last: Stamp = ZERO, wall: Callable[[], int] = wall_clock_ms) -> None:
        self._wall = wall
        self.last = ZERO
        self.observe(last)

    def now(self) -> Stamp:
        physical = self._wall()
        if physical > self.last.millis:
            stamp = Stamp(physical, 0)
        elif self.last.counter < COUNTER_LIMIT:
            stamp = Stamp(self.last.millis, self.last.counter + 1)
        else:
            stamp = Stamp(self.last.millis + 1, 0)
        self.last = stamp
        return stamp

    def observe(self, stamp: Stamp) -> bool:
        """Take a stamp seen elsewhere into account, so later stamps sort after it — unless
        it is more than MAX_DRIFT_MS ahead of the wall clock (returns False: flag it)."""
        if stamp.millis > self._wall() + MAX_DRIFT_MS:
            return False
        if stamp > self.last:
            self.last = stamp
        return True
