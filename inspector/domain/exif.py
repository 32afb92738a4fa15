"""What a photo says about itself: time taken, place, orientation, camera, size.

Malformed EXIF never stops an import: every field is read on its own, and what could not be
read is recorded in ``problems``.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

log = logging.getLogger(__name__)

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
TAG_ORIENTATION, TAG_MAKE, TAG_MODEL, TAG_DATETIME = 274, 271, 272, 306
TAG_DATETIME_ORIGINAL, TAG_OFFSET_TIME_ORIGINAL = 36867, 36881
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4


@dataclass
class PhotoMeta:
    width: int = 0
    height: int = 0
    taken_at: str | None = None  # ISO-8601, with offset only if the camera recorded one
    latitude: float | None = None
    longitude: float | None = None
    orientation: int | None = None
    camera: str | None = None
    problems: list[str] = field(default_factory=list)


def _exif_time(text: Any, offset: Any) -> str | None:
    if not isinstance(text, str):
        return None
    value = datetime.strptime(text.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")
    if isinstance(offset, str) and re.fullmatch(r"[+-]\d\d:\d\d", offset.strip()):
        sign = 1 if offset.strip()[0] == "+" else -1
        hours, minutes = offset.strip()[1:].split(":")
        zone = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
        value = value.replace(tzinfo=zone)
    return value.isoformat()


def clean_text(value: Any) -> str:
    """An EXIF text as a person reads it: up to the first NUL (C strings padded with NULs or
    junk after them), without other control characters, spaces collapsed."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value or "").split("\x00", 1)[0]
    text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split())


def _degrees(value: Any, ref: Any) -> float:
    degrees, minutes, seconds = (float(part) for part in value)
    result = degrees + minutes / 60 + seconds / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if str(ref).strip().upper() in ("S", "W"):
        result = -result
    if not -180 <= result <= 180:
        raise ValueError(f"coordinate out of range: {result}")
    return round(result, 7)


def read(image: Any) -> PhotoMeta:
    """Read metadata from an opened PIL image, field by field; warnings become problems."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        meta = _read(image)
    meta.problems += [f"EXIF: {w.message}" for w in caught
                      if not issubclass(w.category, DeprecationWarning)]
    return meta


def _read(image: Any) -> PhotoMeta:
    meta = PhotoMeta(width=int(image.width), height=int(image.height))
    try:
        exif = image.getexif()
    except Exception as exc:  # noqa: BLE001 - any EXIF damage: keep the photo, note it
        meta.problems.append(f"EXIF: {exc}")
        return meta
    raw = image.info.get("exif")
    if isinstance(raw, bytes) and len(raw) > 8 and len(exif) == 0:
        meta.problems.append(f"EXIF: {len(raw)} bytes present but unreadable")

    def attempt(name: str, action: Any) -> None:
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - one bad field must not lose the others
            meta.problems.append(f"{name}: {exc}")

    def orientation() -> None:
        value = exif.get(TAG_ORIENTATION)
        if value is not None:
            number = int(value)
            if not 1 <= number <= 8:
                raise ValueError(f"orientation {number}")
            meta.orientation = number

    def camera() -> None:
        make, model = clean_text(exif.get(TAG_MAKE)), clean_text(exif.get(TAG_MODEL))
        if model and make and not model.lower().startswith(make.split()[0].lower()):
            model = f"{make} {model}"
        meta.camera = model or make or None

    def taken() -> None:
        details = exif.get_ifd(EXIF_IFD)
        meta.taken_at = _exif_time(details.get(TAG_DATETIME_ORIGINAL),
                                   details.get(TAG_OFFSET_TIME_ORIGINAL)) or _exif_time(
            exif.get(TAG_DATETIME), None)

    def place() -> None:
        gps = exif.get_ifd(GPS_IFD)
        if GPS_LAT in gps and GPS_LON in gps:
            meta.latitude = _degrees(gps[GPS_LAT], gps.get(GPS_LAT_REF))
            meta.longitude = _degrees(gps[GPS_LON], gps.get(GPS_LON_REF))
            if not -90 <= meta.latitude <= 90:
                meta.latitude = meta.longitude = None
                raise ValueError("latitude out of range")

    attempt("orientation", orientation)
    attempt("camera", camera)
    attempt("DateTimeOriginal", taken)
    attempt("GPS", place)
    if meta.problems:
        log.info("EXIF problems: %s", meta.problems)
    return meta
