"""Times are stored as ISO-8601 with their offset and shown in local time."""

from __future__ import annotations

from datetime import date, datetime


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def today() -> date:
    return datetime.now().astimezone().date()


def stamp_to_local(hlc: str) -> str:
    """The wall-clock part of a clock stamp as local time, for the audit log."""
    millis = int(hlc.split("-", 1)[0])
    return datetime.fromtimestamp(millis / 1000).astimezone().isoformat(timespec="seconds")
