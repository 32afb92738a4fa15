"""Signatures stored by hash before the row refers to them; the browser's overview figures."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import inspections, overview
from tests.conftest import given_for


def _png(colour: int = 0) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (40, 20), colour).save(buffer, "PNG")
    return buffer.getvalue()


def _answer_all(store: Store, inspection_id: str) -> None:
    for item in inspections.view(store, inspection_id).template.items:
        inspections.answer(store, inspection_id, item.code, given_for(item))


def test_signatures_are_files_named_by_hash(ready_store: Store) -> None:
    inspection_id = inspections.start(ready_store, "柳西社区", ["王建国"])
    _answer_all(ready_store, inspection_id)
    ink = _png(0)
    inspections.submit(ready_store, inspection_id, ["王建国"], representative="刘芳",
                       inspector_signature=ink, representative_signature=_png(200))
    row = inspections.get(ready_store, inspection_id)
    assert row["inspector_signature"] == hashlib.sha256(ink).hexdigest()
    stored = ready_store.data_dir / "signatures" / f"{row['inspector_signature']}.png"
    assert stored.read_bytes() == ink
    assert row["representative"] == "刘芳"


def test_a_refused_submission_stores_no_signature(ready_store: Store) -> None:
    inspection_id = inspections.start(ready_store, "柳西社区", ["王建国"])
    with pytest.raises(InspectorError, match="未填写"):
        inspections.submit(ready_store, inspection_id, ["王建国"], inspector_signature=_png())
    assert not (ready_store.data_dir / "signatures").exists()


def test_a_broken_signature_image_is_refused(ready_store: Store) -> None:
    inspection_id = inspections.start(ready_store, "柳西社区", ["王建国"])
    _answer_all(ready_store, inspection_id)
    with pytest.raises(InspectorError, match="签名"):
        inspections.submit(ready_store, inspection_id, ["王建国"],
                           inspector_signature=_png()[:30])
    assert inspections.get(ready_store, inspection_id)["status"] == "draft"


def test_overview_badges(ready_store: Store) -> None:
    store = ready_store
    statuses = {s.name: s for s in overview.community_statuses(store)}
    assert statuses["柳西社区"].state == overview.NEVER
    draft = inspections.start(store, "柳西社区", ["王建国"])
    assert overview.community_statuses(store)[0].state == overview.IN_PROGRESS
    _answer_all(store, draft)
    inspections.submit(store, draft, ["王建国"])
    met = overview.community_statuses(store)[0]
    assert (met.state, met.score, met.inspections) == (overview.MET, 100.0, 1)
    later = inspections.start(store, "柳西社区", ["王建国"])
    _answer_all(store, later)
    inspections.answer(store, later, "C01", "fail")
    inspections.submit(store, later, ["王建国"])
    latest = overview.community_statuses(store)[0]
    assert latest.state == overview.NOT_MET and latest.inspections == 2
