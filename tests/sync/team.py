"""Several devices in one test: stores in their own data directories that trust each other."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from inspector.core import conflicts
from inspector.core.clock import WallClock
from inspector.core.store import Store
from inspector.domain import communities, findings, inspections, templates
from inspector.domain.communities import CommunityData
from sync import exchange, roster


def make_team(folder: Path, count: int, clocks: list[WallClock | None] | None = None
              ) -> list[Store]:
    """``count`` laptops that trust each other (each with its own clock, if given)."""
    clocks = clocks or [None] * count
    stores = [Store.open(folder / f"device{n}", actor=f"检查员{n}", wall=clocks[n])
              for n in range(count)]
    for store in stores:
        roster.ensure_self(store)
    keys = {s.device_id: roster.device_key(s).public_hex() for s in stores}
    for store in stores:
        with store.write():
            for device, key in keys.items():
                if device != store.device_id:
                    roster.trust_key(store, device, key)
    return stores


def open_conflicts(store: Store) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    """(id, kind, table, register, versions) of every open conflict, for comparing laptops."""
    return [(c.id, c.kind, c.table, c.register, tuple(v.id for v in c.versions))
            for c in conflicts.list_open(store)]


def seed_inspection(store: Store, findings_count: int = 2) -> tuple[str, list[str]]:
    templates.ensure_builtin(store)
    community = communities.create(store, CommunityData("海曙区", "南门街道", "柳西社区"))
    inspection = inspections.start(store, community, ["王建国"], departments=["消防"])
    made = [findings.add(store, inspection, category="corridor_clutter",
                         description=f"楼道堆物{n}") for n in range(findings_count)]
    return inspection, made


def send(source: Store, target: Store, folder: Path, *, since: int | None = None,
         until: int | None = None) -> exchange.ImportReport | None:
    """Carry ``source``'s own changes to ``target`` (a USB stick); by default the ones the
    target does not have yet."""
    if since is None:
        since = exchange.have(target, source.device_id)
    last = exchange.have(source, source.device_id) if until is None else until
    if last <= since:
        return None
    stick = folder / f"{source.device_id[:8]}-{since + 1}-{last}"
    if not stick.exists():
        stick.mkdir()
        exchange.export_bundles(source, stick, since=since, until=last)
    report = None
    for path in sorted(stick.iterdir()):
        report = exchange.import_bundle(target, path)
    exchange.retry_inbox(target)
    return report


def full_exchange(stores: list[Store], folder: Path) -> None:
    for _ in range(2):
        for source in stores:
            for target in stores:
                if source is not target:
                    send(source, target, folder)


def small_jpeg(seed: int) -> bytes:
    image = Image.new("RGB", (24, 16), ((seed * 37) % 256, (seed * 91) % 256, seed % 256))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


def data_hash(store: Store) -> str:
    """All user data but the roster (whose rows depend on who has synced with whom)."""
    import hashlib
    import json

    digest = hashlib.sha256()
    for table in ("communities", "inspections", "responses", "findings", "photos",
                  "photo_links", "templates", "followups"):
        for row in store.conn.execute(f"SELECT * FROM {table} ORDER BY id"):
            digest.update(json.dumps([table, *row], default=str).encode("utf-8"))
    return digest.hexdigest()
