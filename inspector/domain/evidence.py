"""Hints about a photo as evidence of an inspection: what a reader should look at twice.

A photo is kept whatever these say (it may be right: an old photo of a long-standing pile); the
hints are shown beside it, in the photo strip and in the report's caption:

- taken more than a day before the inspection (an old photo on the card, a camera clock off);
- taken more than 2 km from the community, when both have a position;
- the JPEG decoder met damaged data (part of the picture is grey).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import communities, geo, inspections

OLD_AFTER = timedelta(days=1)
FAR_METRES = 2000.0


@dataclass(frozen=True)
class Context:
    """What a photo of one inspection is judged against."""

    visit: datetime | None  # when the inspection started, local wall time (naive)
    place: tuple[float, float] | None  # the community's position (WGS-84)
    tz: tzinfo | None = None


def context(store: Store, inspection_id: str) -> Context:
    row = inspections.get(store, inspection_id)
    community = communities.get(store, row["community_id"])
    visit = None
    if row.get("started_at"):
        visit = datetime.fromisoformat(row["started_at"]).astimezone(store.wall.tz).replace(
            tzinfo=None)
    place = None
    if community.get("latitude") is not None and community.get("longitude") is not None:
        place = (float(community["latitude"]), float(community["longitude"]))
    return Context(visit, place, store.wall.tz)


def _taken(row: dict[str, Any], tz: tzinfo | None) -> datetime | None:
    text = row.get("taken_at")
    if not text:
        return None
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(tz).replace(tzinfo=None)
    return value


def hints(row: dict[str, Any], where: Context) -> list[str]:
    """The hints for one photo row (photos table) of the inspection ``where`` describes."""
    found: list[str] = []
    taken = _taken(row, where.tz)
    if taken is not None and where.visit is not None and where.visit - taken > OLD_AFTER:
        days = (where.visit.date() - taken.date()).days
        found.append(t("拍摄于检查前 {n} 天（{d}）", "taken {n} days before the inspection "
                       "({d})", n=days, d=taken.date().isoformat()))
    if where.place is not None and row.get("latitude") is not None \
            and row.get("longitude") is not None:
        metres = geo.distance_m(float(row["latitude"]), float(row["longitude"]), *where.place)
        if metres > FAR_METRES:
            found.append(t("拍摄地点距社区 {km} 公里", "taken {km} km from the community",
                           km=f"{metres / 1000:.1f}" if metres < 100_000
                           else f"{metres / 1000:.0f}"))
    if row.get("decode_problem"):
        found.append(str(row["decode_problem"]))
    return found
