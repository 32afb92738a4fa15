"""Where things are: a finding's coordinates and its pin on the site plan; a community's
position and its site plan.

A finding is placed in one of three ways: coordinates typed in (WGS-84), the GPS of one of its
photos (the first GPS-tagged before-photo, or one chosen), or a pin on the community's site
plan — an image the inspectors load per community (the fire-lane plan, a screenshot of the
estate), pins kept in plan coordinates (0..1 from the left and from the top of the upright
image). A finding without coordinates of its own is shown at its first GPS-tagged
before-photo, said so. Placing a finding is part of its facts: locked once the inspection is
submitted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector.core import records
from inspector.core.changes import Changes
from inspector.core.errors import InspectorError, NotFoundError, ReadOnlyError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import communities, findings, geo, inspections, photos

log = logging.getLogger(__name__)

TYPED, PHOTO, LEGACY = "typed", "photo", "legacy"


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    source: str  # typed / photo / legacy (recorded before coordinates had a source)
    photo: str | None = None  # the photo's SHA-256 when taken from its GPS
    stored: bool = True  # False: not recorded, shown at the first GPS-tagged photo

    def describe(self) -> str:
        if self.source == PHOTO:
            how = t("取自照片 GPS", "from a photo's GPS") if self.stored else t(
                "未标定，按照片 GPS 显示", "not set; shown at a photo's GPS")
        elif self.source == TYPED:
            how = t("手工输入", "typed")
        else:
            how = ""
        return geo.with_gcj02(self.latitude, self.longitude) + (
            t("（{h}）", " ({h})", h=how) if how else "")


# -- findings: coordinates ----------------------------------------------------------------


def first_gps_photo(store: Store, finding_id: str) -> dict[str, Any] | None:
    """The first before-photo of the finding (in the order added) that has GPS."""
    target = photos.target_for_finding(store, finding_id)
    return next((row for row in photos.photos_of(store, target)
                 if row.get("kind") != "after" and row["latitude"] is not None
                 and row["longitude"] is not None), None)


def finding_position(store: Store, row: dict[str, Any]) -> Position | None:
    """Where the finding is: its own coordinates, else its first GPS-tagged before-photo."""
    if row.get("coord_latitude") is not None and row.get("coord_longitude") is not None:
        source = str(row.get("coord_source") or TYPED)
        sha = source.split(":", 1)[1] if source.startswith(PHOTO + ":") else None
        return Position(float(row["coord_latitude"]), float(row["coord_longitude"]),
                        PHOTO if sha else TYPED, sha)
    if row.get("latitude") is not None and row.get("longitude") is not None:
        return Position(float(row["latitude"]), float(row["longitude"]), LEGACY)
    photo = first_gps_photo(store, str(row["id"]))
    if photo is None:
        return None
    return Position(float(photo["latitude"]), float(photo["longitude"]), PHOTO,
                    str(photo["id"]), stored=False)


def _placeable(store: Store, finding_id: str) -> dict[str, Any]:
    row = findings.get(store, finding_id)
    if row.get("deleted"):
        raise InspectorError(t("问题 {sid} 已删除", "The finding {sid} was deleted",
                               sid=row["short_id"]))
    inspection = inspections.get(store, row["inspection_id"])
    if inspection["status"] == inspections.SUBMITTED:
        raise ReadOnlyError(t(
            "检查 {sid} 已提交，问题 {f} 的位置已锁定；请先重新打开检查。",
            "The inspection {sid} is submitted: the place of finding {f} is locked; reopen "
            "the inspection first.", sid=inspection["short_id"], f=row["short_id"]))
    return row


def set_coordinates(store: Store, finding_id: str, latitude: float | None,
                    longitude: float | None, *, source: str = TYPED) -> Changes:
    """Record the finding's WGS-84 coordinates (None, None clears them); returns the rows
    written."""
    if latitude is None and longitude is None:
        values: dict[str, Any] = {"coord_latitude": None, "coord_longitude": None,
                                  "coord_source": None}
    else:
        lat, lon = geo.check(latitude, longitude)
        values = {"coord_latitude": lat, "coord_longitude": lon, "coord_source": source}
    with records.changing(store) as done:
        row = _placeable(store, finding_id)
        records.put(store, "findings", finding_id, {
            **values, "coord_at": store.wall.iso(), "coord_by": store.actor}, current=row)
    return done.changes


@dataclass(frozen=True)
class FromPhoto:
    """Coordinates taken from a photo: where, and the rows recording them wrote."""

    position: Position
    changes: Changes


def coordinates_from_photo(store: Store, finding_id: str,
                           photo: str | None = None) -> FromPhoto:
    """Take the coordinates from a photo's GPS: ``photo`` (SHA-256 prefix or file name among
    the finding's photos), else its first GPS-tagged before-photo."""
    with records.changing(store) as done:  # the photo chosen is the one recorded
        target = photos.target_for_finding(store, finding_id)
        short = findings.get(store, finding_id)["short_id"]
        if photo:
            chosen = photos.resolve_on(store, target, photo)
            if chosen["latitude"] is None or chosen["longitude"] is None:
                raise InspectorError(t("照片 {n} 没有 GPS 位置",
                                       "The photo {n} has no GPS position",
                                       n=chosen["original_name"]))
        else:
            found = first_gps_photo(store, finding_id)
            if found is None:
                raise InspectorError(t(
                    "问题 {sid} 没有带 GPS 位置的照片；请输入坐标或在总平面图上标注",
                    "The finding {sid} has no photo with a GPS position; type the "
                    "coordinates or pin it on the site plan", sid=short))
            chosen = found
        sha = str(chosen["id"])
        set_coordinates(store, finding_id, chosen["latitude"], chosen["longitude"],
                        source=f"{PHOTO}:{sha}")
    return FromPhoto(Position(float(chosen["latitude"]), float(chosen["longitude"]), PHOTO,
                              sha), done.changes)


# -- communities: position and site plan ----------------------------------------------------


def community_position(row: dict[str, Any]) -> tuple[float, float] | None:
    if row.get("latitude") is None or row.get("longitude") is None:
        return None
    return float(row["latitude"]), float(row["longitude"])


def set_community_position(store: Store, community_id: str, latitude: float | None,
                           longitude: float | None) -> Changes:
    """Record the community's WGS-84 position (None, None clears it); returns the rows
    written."""
    values: dict[str, Any] = {"latitude": None, "longitude": None}
    if latitude is not None or longitude is not None:
        lat, lon = geo.check(latitude, longitude)
        values = {"latitude": lat, "longitude": lon}
    with records.changing(store) as done:
        communities.get(store, community_id)
        records.put(store, "communities", community_id, values)
    return done.changes


@dataclass(frozen=True)
class SitePlan:
    """A loaded site plan: its SHA-256 and every row loading it wrote."""

    sha256: str
    changes: Changes


def set_site_plan(store: Store, community_id: str, image: Path) -> SitePlan:
    """Load a site plan image for the community (kept by SHA-256 like a photo, so it syncs
    and is verified). Pins placed on an earlier plan stay on it.

    The file is copied, hashed and made durable first; then its photo row and the
    community's site plan are written in one transaction, so a failure leaves neither (an
    unreferenced original in the store is what a failed photo import leaves too)."""
    community = communities.get(store, community_id)
    try:
        kept = photos.keep_original(store.data_dir, Path(image))
    except photos.PhotoError as exc:
        raise InspectorError(t("不能用作 {c} 的总平面图：{e}",
                               "Cannot be the site plan of {c}: {e}", c=community["name"],
                               e=exc)) from exc
    with records.changing(store) as done:
        communities.get(store, community_id)
        photos.record_original(store, kept)
        records.put(store, "communities", community_id, {"site_plan": kept.sha256})
    log.info("site plan of %s: %s", community["name"], kept.sha256[:12])
    return SitePlan(kept.sha256, done.changes)


def site_plan_of(store: Store, community_id: str) -> dict[str, Any] | None:
    """The community's current site plan (its photos row), if one was loaded."""
    row = communities.get(store, community_id)
    if not row.get("site_plan"):
        return None
    return store.query_one("SELECT * FROM photos WHERE id = ?", (row["site_plan"],))


# -- findings: pins on the site plan --------------------------------------------------------


def _plan_coordinate(value: float, name: str) -> float:
    if not (isinstance(value, int | float) and 0.0 <= float(value) <= 1.0):
        raise InspectorError(t("平面图坐标 {n} = {v} 应在 0 到 1 之间（0 为左/上边，1 为右/下边）",
                               "The plan coordinate {n} = {v} must be between 0 and 1 (0 is the "
                               "left/top edge, 1 the right/bottom)", n=name, v=value))
    return round(float(value), 5)


def set_pin(store: Store, finding_id: str, x: float, y: float) -> Changes:
    """Pin the finding on its community's current site plan (x, y in 0..1); returns the rows
    written."""
    px, py = _plan_coordinate(x, "x"), _plan_coordinate(y, "y")
    with records.changing(store) as done:
        row = _placeable(store, finding_id)
        inspection = inspections.get(store, row["inspection_id"])
        plan = site_plan_of(store, inspection["community_id"])
        if plan is None:
            community = communities.get(store, inspection["community_id"])
            raise InspectorError(t(
                "{c} 还没有总平面图；请先载入（inspector communities plan）",
                "{c} has no site plan yet; load one first (inspector communities plan)",
                c=community["name"]))
        records.put(store, "findings", finding_id, {
            "pin_plan": plan["id"], "pin_x": px, "pin_y": py, "pinned_at": store.wall.iso(),
            "pinned_by": store.actor}, current=row)
    return done.changes


def clear_pin(store: Store, finding_id: str) -> Changes:
    """Take the finding's pin off the site plan; returns the rows written."""
    with records.changing(store) as done:
        row = _placeable(store, finding_id)
        records.put(store, "findings", finding_id, {
            "pin_plan": None, "pin_x": None, "pin_y": None, "pinned_at": store.wall.iso(),
            "pinned_by": store.actor}, current=row)
    return done.changes


@dataclass(frozen=True)
class Pin:
    label: str  # what is drawn in the marker ("1", "F03")
    x: float
    y: float
    finding_id: str


def pins_on(rows: list[dict[str, Any]], plan_sha: str,
            label: Callable[[dict[str, Any], int], object] | None = None) -> list[Pin]:
    """The pins of these findings that are on the plan ``plan_sha``, labelled by
    ``label(row, index)`` (default: their number in the list, from 1)."""
    found: list[Pin] = []
    for index, row in enumerate(rows, start=1):
        if row.get("pin_plan") != plan_sha or row.get("pin_x") is None:
            continue
        text = str(label(row, index)) if label is not None else str(index)
        found.append(Pin(text, float(row["pin_x"]), float(row["pin_y"]), str(row["id"])))
    return found


def plan_image(store: Store, plan: dict[str, Any], pins: list[Pin], size: int = 1600) -> Path:
    """The plan, upright and shrunk into ``size``, with numbered pins drawn: a JPEG in the
    cache (made once per plan and set of pins)."""
    key = json.dumps([[p.label, p.x, p.y] for p in pins])
    digest = hashlib.sha256(f"{size}|{key}".encode()).hexdigest()[:16]
    target = store.data_dir / "cache" / "plans" / f"{plan['id']}-{digest}.jpg"
    if target.exists():
        return target
    from inspector.domain import derived

    image = derived.open_upright(photos.path_of(store, plan), size)
    draw_pins(image, pins)
    derived.save_jpeg(image, target, 88)
    return target


def draw_pins(image: Any, pins: list[Pin]) -> None:
    """Numbered markers (red disc, white rim and number) at the pins' plan coordinates."""
    from PIL import ImageDraw, ImageFont

    draw = ImageDraw.Draw(image)
    radius = max(9, round(max(image.size) * 0.02))
    try:
        font: Any = ImageFont.load_default(size=round(radius * 1.25))
    except TypeError:  # Pillow before 10.1: a small bitmap font
        font = ImageFont.load_default()
    for pin in pins:
        cx, cy = pin.x * (image.width - 1), pin.y * (image.height - 1)
        box = [cx - radius, cy - radius, cx + radius, cy + radius]
        draw.ellipse(box, fill=(200, 30, 30), outline=(255, 255, 255),
                     width=max(2, radius // 5))
        draw.text((cx, cy), pin.label, fill=(255, 255, 255), font=font, anchor="mm")


def describe_pin(row: dict[str, Any], plan_sha: str | None) -> str:
    """The pin as text: where on the plan (and whether it is on an older plan)."""
    if row.get("pin_x") is None:
        return ""
    text = t("总平面图上 x={x:.2f}, y={y:.2f}", "on the site plan at x={x:.2f}, y={y:.2f}",
             x=row["pin_x"], y=row["pin_y"])
    if plan_sha and row.get("pin_plan") != plan_sha:
        text += t("（标注在已替换的旧平面图上）", " (on a plan since replaced)")
    return text


def resolve_finding(store: Store, text: str) -> dict[str, Any]:
    row = findings.resolve(store, text)
    if row.get("deleted"):
        raise NotFoundError(t("问题 {sid} 已删除", "The finding {sid} was deleted",
                              sid=row["short_id"]))
    return row
