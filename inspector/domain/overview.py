"""What the community browser shows per community: its standing today and open findings.

Built with a few set-based queries and scored in one pass, so a thousand communities and
five thousand inspections load in a fraction of a second (off the GUI thread).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from inspector.core.changes import Changes
from inspector.core.store import Store
from inspector.domain import community_standing, pinyin, standing
from inspector.domain.districts import NINGBO_DISTRICTS

NEVER, MET, NOT_MET, IN_PROGRESS = "never", "met", "not_met", "in_progress"


@dataclass(frozen=True)
class CommunityStatus:
    id: str
    district: str
    street: str
    name: str
    address: str
    inspections: int
    state: str  # never / met / not_met / in_progress
    score: float | None
    last_date: str | None
    open_findings: int


def community_statuses(
    store: Store,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    community_ids: Iterable[str] | None = None,
) -> list[CommunityStatus]:
    """Every community with its badge data, ordered district → street → name; only these
    communities when ``community_ids`` is given (the badges an edit moved: a few ms)."""
    wanted = None if community_ids is None else sorted(set(community_ids))
    only = "" if wanted is None else " WHERE {} IN (SELECT value FROM json_each(?))"
    params: tuple[str, ...] = () if wanted is None else (json.dumps(wanted),)
    communities = store.query(
        "SELECT id, district, street, name, address FROM communities"
        + only.format("id") + " ORDER BY district, street, name", params)
    counts = {r["community_id"]: r["n"] for r in store.query(
        "SELECT community_id, COUNT(*) AS n FROM inspections" + only.format("community_id")
        + " GROUP BY community_id", params)}
    # The badge is the community's standing today (standing.py): its latest submitted
    # inspection or recognition decision, so the browser and the summary agree. Both it and
    # the open findings come from the maintained summary (community_standing), not from
    # scoring every community's answers again.
    standings = standing.standings_today(store, cancelled, wanted)
    open_findings = {community_id: row.open_findings for community_id, row
                     in community_standing.read(store, wanted).items()}
    latest_any = {r["community_id"]: r["started_at"] for r in store.query(
        "SELECT community_id, MAX(started_at) AS started_at FROM inspections"
        + only.format("community_id") + " GROUP BY community_id", params)}

    result: list[CommunityStatus] = []
    total = len(communities)
    for index, community in enumerate(communities):
        if cancelled is not None and cancelled():
            break
        if progress is not None and index % 200 == 0:
            progress(index, total)
        community_id = community["id"]
        found = standings.get(community_id)
        score: float | None = None
        if found is not None:
            state = MET if found.met else NOT_MET
            score = found.score
        elif counts.get(community_id):
            state = IN_PROGRESS
        else:
            state = NEVER
        result.append(CommunityStatus(
            id=community_id, district=community["district"], street=community["street"],
            name=community["name"], address=community["address"] or "",
            inspections=counts.get(community_id, 0), state=state, score=score,
            last_date=(latest_any.get(community_id) or "")[:10] or None,
            open_findings=open_findings.get(community_id, 0)))
    if progress is not None:
        progress(total, total)
    # Districts in the city's official order (海曙, 江北, … 象山), others after them.
    rank = {name: index for index, name in enumerate(NINGBO_DISTRICTS)}
    result.sort(key=lambda s: (rank.get(s.district, len(rank)), s.district, s.street, s.name))
    return result


# The tables whose rows can move a badge (the standing, the open findings, the inspections).
BADGE_TABLES = frozenset({"communities", "inspections", "responses", "findings",
                          "recognitions"})


def affected_communities(store: Store, changes: Changes) -> set[str] | None:
    """The communities whose badges these changes can move (empty: none; None: cannot tell —
    read them all again)."""
    if not changes.tables & BADGE_TABLES:
        return set()
    ids = community_standing.affected(store, changes)
    if ids is None:
        return None
    decided = changes.rows("recognitions")
    if decided:
        of_decisions = community_standing.owners(store, "recognitions", "community_id",
                                                 decided)
        if of_decisions is None:
            return None
        ids |= of_decisions
    return ids


def search_text(*parts: str, with_pinyin: bool = True) -> str:
    """Text a search box matches: the parts, plus the pinyin of each, in initials and in
    full (柳西社区 → lxsq, liuxishequ). Reads pypinyin's dictionary (≈ 0.5 s the first time
    in a process): call it off the GUI thread. ``with_pinyin=False``: the parts alone, at
    once — what a list can be searched by until the pinyin is ready."""
    keys = [key for part in parts if part for key in pinyin.search_keys(part)] \
        if with_pinyin else []
    return " ".join([*parts, *keys]).lower()
