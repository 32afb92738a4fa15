"""The city-year generator makes what it says, through the domain, at any scale."""

from __future__ import annotations

from inspector.core.store import Store
from inspector.domain import photos
from inspector.ops import city


def test_a_small_city_has_the_counts_asked_for(store: Store) -> None:
    made = city.fill(store, city.Scale(communities=12, findings=30, photos=20))
    assert made == {"communities": 12, "inspections": 24, "findings": 30, "photos": 20}
    counts = {row["status"]: row["n"] for row in store.query(
        "SELECT status, COUNT(*) AS n FROM inspections GROUP BY status")}
    assert counts == {"submitted": 24}
    years = store.query("SELECT community_id, COUNT(DISTINCT substr(started_at, 1, 4)) AS y"
                        " FROM inspections GROUP BY community_id")
    assert {row["y"] for row in years} == {2}  # a visit last year and one this year
    districts = store.query_one("SELECT COUNT(DISTINCT district) AS n FROM communities")
    assert districts == {"n": 10}
    assert photos.verify(store).ok
    assert store.query_one("SELECT COUNT(*) AS n FROM photos") == {"n": 20}
