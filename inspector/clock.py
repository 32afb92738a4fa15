"""Hybrid logical clock: stamps that never go backwards, even when the wall clock does.

A stamp is ``"<milliseconds since epoch, 15 digits>-<counter, 5 digits>"`` so that stamps
sort as strings. When the wall clock is behind the last stamp (set back, or a stamp received
from a peer), the counter advances instead of the time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

COUNTER_LIMIT = 99_999


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


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


class HybridClock:
    def __init__(self, last: Stamp = ZERO, wall: Callable[[], int] = wall_clock_ms) -> None:
        self.last = last
        self._wall = wall

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

    def observe(self, stamp: Stamp) -> None:
        """Take a stamp seen elsewhere into account, so later stamps sort after it."""
        if stamp > self.last:
            self.last = stamp
