"""Coordinates: WGS-84 as GPS and GeoJSON give them, GCJ-02 for Chinese map apps, distances.

Everything is stored in WGS-84. Chinese web maps (高德, 腾讯, 百度 before its own shift) show
GCJ-02, the officially obfuscated datum, so a WGS-84 point typed into them lands a few hundred
metres off; the conversion is made only at that edge (shown beside the WGS-84 value). Outside
China the two are the same. The GCJ-02 formula is the one published with the eviltransform and
coordtransform projects; the inverse is found by fixed-point iteration (to well under a
centimetre).
"""

from __future__ import annotations

import math
import re

from inspector.core.errors import InspectorError
from inspector.core.i18n import t

_A = 6378245.0  # the Krasovsky 1940 semi-major axis GCJ-02 is defined with
_EE = 0.00669342162296594323  # its first eccentricity squared
EARTH_RADIUS_M = 6371008.8  # mean radius (IUGG), for distances


def in_china(latitude: float, longitude: float) -> bool:
    """Inside the rough box where GCJ-02 applies (outside it, GCJ-02 equals WGS-84)."""
    return 73.66 < longitude < 135.05 and 3.86 < latitude < 53.55


def _shift(latitude: float, longitude: float) -> tuple[float, float]:
    x, y = longitude - 105.0, latitude - 35.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
             + 0.2 * math.sqrt(abs(x)))
    d_lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    d_lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) \
        * 2 / 3
    rad = latitude / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return d_lat, d_lon


def wgs84_to_gcj02(latitude: float, longitude: float) -> tuple[float, float]:
    if not in_china(latitude, longitude):
        return latitude, longitude
    d_lat, d_lon = _shift(latitude, longitude)
    return latitude + d_lat, longitude + d_lon


def gcj02_to_wgs84(latitude: float, longitude: float) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 image is the given point."""
    if not in_china(latitude, longitude):
        return latitude, longitude
    guess_lat, guess_lon = latitude, longitude
    for _ in range(30):
        shifted_lat, shifted_lon = wgs84_to_gcj02(guess_lat, guess_lon)
        error_lat, error_lon = shifted_lat - latitude, shifted_lon - longitude
        guess_lat, guess_lon = guess_lat - error_lat, guess_lon - error_lon
        if abs(error_lat) < 1e-10 and abs(error_lon) < 1e-10:
            break
    return guess_lat, guess_lon


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def check(latitude: float | None, longitude: float | None) -> tuple[float, float]:
    """Both given and in range, else a message naming the problem."""
    if latitude is None or longitude is None:
        raise InspectorError(t("经纬度需要同时给出", "Give both latitude and longitude"))
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise InspectorError(t("经纬度不是有效数字", "Latitude/longitude are not numbers"))
    if not -90 <= latitude <= 90:
        raise InspectorError(t("纬度 {v} 超出范围（-90 到 90）",
                               "Latitude {v} is out of range (-90 to 90)", v=latitude))
    if not -180 <= longitude <= 180:
        raise InspectorError(t("经度 {v} 超出范围（-180 到 180）",
                               "Longitude {v} is out of range (-180 to 180)", v=longitude))
    return round(latitude, 7), round(longitude, 7)


def parse(text: str) -> tuple[float, float]:
    """"29.8683, 121.5440" (latitude first, as Chinese map apps copy them); a GCJ-02 point
    must be converted by the caller."""
    parts = [p for p in re.split(r"[\s,，;；/]+", text.strip()) if p]
    if len(parts) != 2:
        raise InspectorError(t("坐标“{v}”应为“纬度, 经度”，如 29.8683, 121.5440",
                               "The coordinates {v!r} should be \"latitude, longitude\", e.g. "
                               "29.8683, 121.5440", v=text))
    try:
        latitude, longitude = float(parts[0]), float(parts[1])
    except ValueError:
        raise InspectorError(t("坐标“{v}”不是数字", "The coordinates {v!r} are not numbers",
                               v=text)) from None
    return check(latitude, longitude)


def text(latitude: float | None, longitude: float | None) -> str:
    """WGS-84 to six places (about 0.1 m)."""
    if latitude is None or longitude is None:
        return ""
    return f"{latitude:.6f}, {longitude:.6f}"


def with_gcj02(latitude: float | None, longitude: float | None) -> str:
    """The WGS-84 value and, in China, the GCJ-02 one for map apps."""
    if latitude is None or longitude is None:
        return ""
    shown = f"{text(latitude, longitude)} (WGS-84)"
    if in_china(latitude, longitude):
        gcj_lat, gcj_lon = wgs84_to_gcj02(latitude, longitude)
        shown += t("；高德/腾讯地图 {g} (GCJ-02)", "; {g} (GCJ-02, Chinese map apps)",
                   g=text(gcj_lat, gcj_lon))
    return shown
