"""Follow-ups (复查): a return visit to a finding, with its result and after-photos."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from inspector.core import records
from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import findings

RESULTS = ("rectified", "not_rectified")


def add(store: Store, finding_id: str, inspector: str, result: str, *, note: str = "",
        visited_on: date | None = None) -> str:
    """Record a visit; a rectified result marks the finding verified, else it stays open."""
    if result not in RESULTS:
        raise InspectorError(t("复查结果应为 rectified 或 not_rectified",
                               "A follow-up result is rectified or not_rectified"))
    if not inspector.strip():
        raise InspectorError(t("复查需要检查人员姓名", "A follow-up needs the inspector's name"))
    followup_id = uuid.uuid4().hex
    with store.write():
        finding = findings.get(store, finding_id)
        records.put(store, "followups", followup_id, {
            "finding_id": finding["id"],
            "visited_on": (visited_on or store.wall.today()).isoformat(),
            "inspector": inspector.strip(),
            "result": result,
            "note": note.strip() or None,
            "created_at": store.wall.iso(),
        }, current=None)
        wanted = findings.VERIFIED if result == "rectified" else findings.OPEN
        if finding["status"] != wanted:
            findings.set_status(store, finding["id"], wanted)
    return followup_id


def of_finding(store: Store, finding_id: str) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM followups WHERE finding_id = ?"
                       " ORDER BY visited_on, created_at", (finding_id,))
