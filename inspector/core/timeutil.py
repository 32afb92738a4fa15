"""Times are stored as ISO-8601 with their offset and shown in local time."""

from __future__ import annotations

from datetime import datetime, tzinfo


def stamp_to_local(hlc: str, tz: tzinfo | None = None) -> str:
    """The wall-clock part of a clock stamp in ``tz`` (the system's zone if none), for the
    audit log."""
    millis = int(hlc.split("-", 1)[0])
    return datetime.fromtimestamp(millis / 1000, tz).astimezone(tz).isoformat(timespec="seconds")
