"""Annotations on a photo: arrows, ellipses, rectangles, text and blurred regions.

A photo is evidence, so its file is never changed. Annotations are stored beside it as JSON
and drawn on derived copies (report images, exports) by ``render``.

The JSON format::

    {"version": 1, "items": [
        {"type": "arrow",   "x1": 0.1, "y1": 0.2, "x2": 0.4, "y2": 0.5,
                            "color": "#d32f2f", "width": 0.006},
        {"type": "ellipse", "x": 0.5, "y": 0.5, "w": 0.2, "h": 0.1, "color": "#fbc02d",
                            "width": 0.006},
        {"type": "rect",    "x": 0.1, "y": 0.1, "w": 0.3, "h": 0.2, "color": "#1976d2",
                            "width": 0.006},
        {"type": "text",    "x": 0.1, "y": 0.8, "text": "堆放杂物", "color": "#ffffff",
                            "size": 0.04},
        {"type": "blur",    "x": 0.6, "y": 0.3, "w": 0.1, "h": 0.05}
    ]}

- Coordinates are fractions 0..1 of the photo's width (x, w) and height (y, h) *after* the
  photo is turned upright by its EXIF orientation, so they hold at any image size. ``x, y`` is
  the top-left corner of a box (for text: of the text); ``x + w`` and ``y + h`` stay within 1.
  Values a hair outside 0..1 (up to ``TOLERANCE``) are clamped, further out they are refused.
- ``color`` is ``#rrggbb`` (stored in lower case); it defaults to ``DEFAULT_COLOR``.
- ``width`` is the line width as a fraction of the image's long side (0 < width ≤ 0.1,
  default 0.006); ``size`` is the text height as a fraction of the long side
  (0 < size ≤ 0.5, default 0.04).
- ``text`` is 1..200 characters (it may hold line breaks); at most 200 items.
- ``blur`` hides faces and number plates: the region is pixelated to about 12 blocks across,
  then blurred, so it cannot be recovered from the derived copy.
- Unknown fields and types are refused (a newer format gets a new ``version``).

``parse`` validates and normalizes (defaults filled in, numbers rounded to 5 decimals),
``dumps`` gives the canonical text (sorted keys, compact, UTF-8 characters kept) and
``digest`` a short hash of it that names derived files. An item is a plain ``dict`` in the
JSON's shape.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from inspector.core.errors import InspectorError
from inspector.core.i18n import t

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

VERSION = 1
MAX_ITEMS = 200
MAX_TEXT = 200
TOLERANCE = 0.01
DEFAULT_COLOR = "#d32f2f"
DEFAULT_WIDTH = 0.006
DEFAULT_TEXT_SIZE = 0.04
MAX_WIDTH = 0.1
MAX_TEXT_SIZE = 0.5
BLUR_BLOCKS = 12
DIGITS = 5

TYPES = ("arrow", "ellipse", "rect", "text", "blur")
TYPE_NAMES = {"arrow": ("箭头", "arrow"), "ellipse": ("椭圆", "ellipse"),
              "rect": ("矩形", "rectangle"), "text": ("文字", "text"),
              "blur": ("打码", "blur")}

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/System/Library/Fonts/PingFang.ttc",
)

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_BOX_FIELDS = ("x", "y", "w", "h")
_FIELDS: dict[str, tuple[str, ...]] = {
    "arrow": ("x1", "y1", "x2", "y2", "color", "width"),
    "ellipse": (*_BOX_FIELDS, "color", "width"),
    "rect": (*_BOX_FIELDS, "color", "width"),
    "text": ("x", "y", "text", "color", "size"),
    "blur": _BOX_FIELDS,
}

Item = dict[str, Any]
"""One annotation, a dict in the JSON's shape (see the module docstring)."""


class AnnotationError(InspectorError):
    """Annotations that are not valid JSON or not in the format.

    ``index`` is the 0-based position in ``items`` (None for the document as a whole) and
    ``field`` the offending field (None if it is not about one field).
    """

    def __init__(self, message: str, index: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.field = field


def _item_error(index: int, field: str, zh: str, en: str, **params: Any) -> AnnotationError:
    where = t("标注第 {n} 项（items[{i}]）的“{f}”：", "Annotation {n} (items[{i}]), field "
              "\"{f}\": ", n=index + 1, i=index, f=field)
    return AnnotationError(where + t(zh, en, **params), index=index, field=field)


# -- parsing ---------------------------------------------------------------------------------

def parse(text_or_data: str | bytes | Mapping[str, Any] | None) -> list[Item]:
    """Validate annotations (JSON text or the decoded dict) and return normalized items.

    None, an empty string and ``{"version": 1, "items": []}`` all mean no annotations.
    Raises ``AnnotationError`` naming the item and field at fault.
    """
    if text_or_data is None:
        return []
    data: Any = text_or_data
    if isinstance(data, bytes | str):
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise AnnotationError(t("标注不是 UTF-8 文本。",
                                        "Annotations are not UTF-8 text.")) from exc
        if not data.strip():
            return []
        try:
            data = json.loads(data)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise AnnotationError(t(
                "标注不是有效的 JSON（第 {line} 行第 {col} 列）。",
                "Annotations are not valid JSON (line {line}, column {col}).",
                line=getattr(exc, "lineno", 1), col=getattr(exc, "colno", 1))) from exc
    if not isinstance(data, Mapping):
        raise AnnotationError(t("标注应为含 version 和 items 的 JSON 对象。",
                                "Annotations must be a JSON object with version and items."))
    unknown = sorted(set(data) - {"version", "items"})
    if unknown:
        raise AnnotationError(t("标注含有未知字段“{f}”。", "Annotations have an unknown field "
                                "\"{f}\".", f=unknown[0]), field=str(unknown[0]))
    version = data.get("version")
    if version != VERSION or isinstance(version, bool):
        raise AnnotationError(t(
            "不支持的标注版本 {v}（本程序支持版本 {ok}）。",
            "Unsupported annotation version {v} (this program reads version {ok}).",
            v=json.dumps(version, ensure_ascii=False), ok=VERSION), field="version")
    items = data.get("items")
    if not isinstance(items, list):
        raise AnnotationError(t("标注的 items 应为列表。", "The annotations' items must be a "
                                "list."), field="items")
    if len(items) > MAX_ITEMS:
        raise AnnotationError(t("标注最多 {m} 项，这里有 {n} 项。",
                                "At most {m} annotations are allowed; there are {n}.",
                                m=MAX_ITEMS, n=len(items)), field="items")
    return [_parse_item(index, item) for index, item in enumerate(items)]


def _parse_item(index: int, raw: Any) -> Item:
    if not isinstance(raw, Mapping):
        raise AnnotationError(t("标注第 {n} 项（items[{i}]）不是 JSON 对象。",
                                "Annotation {n} (items[{i}]) is not a JSON object.",
                                n=index + 1, i=index), index=index)
    kind = raw.get("type")
    if kind not in TYPES:
        raise _item_error(index, "type", "未知的类型 {v}（可用：{ok}）。",
                          "unknown type {v} (known: {ok}).",
                          v=json.dumps(kind, ensure_ascii=False), ok=", ".join(TYPES))
    fields = _FIELDS[kind]
    unknown = sorted(str(key) for key in raw if key != "type" and key not in fields)
    if unknown:
        raise _item_error(index, unknown[0], "{k}没有这个字段。", "a {k} has no such field.",
                          k=t(*TYPE_NAMES[kind]))
    item: Item = {"type": kind}
    for name in fields:
        value = raw.get(name)
        if name == "color":
            item[name] = _color(index, value)
        elif name == "text":
            item[name] = _text(index, value)
        elif name == "width":
            item[name] = _number(index, name, value, DEFAULT_WIDTH, MAX_WIDTH, positive=True)
        elif name == "size":
            item[name] = _number(index, name, value, DEFAULT_TEXT_SIZE, MAX_TEXT_SIZE,
                                 positive=True)
        else:
            item[name] = _number(index, name, value, None, 1.0, positive=name in ("w", "h"))
    if "w" in item:
        for start, extent in (("x", "w"), ("y", "h")):
            end = item[start] + item[extent]
            if end > 1.0 + TOLERANCE:
                raise _item_error(index, extent, "{a} + {b} = {v} 超出了图片（应 ≤ 1）。",
                                  "{a} + {b} = {v} reaches beyond the photo (must be ≤ 1).",
                                  a=start, b=extent, v=round(end, 4))
            if end > 1.0:
                item[extent] = round(1.0 - item[start], DIGITS)
    return item


def _number(index: int, name: str, value: Any, default: float | None, maximum: float,
            positive: bool) -> float:
    if value is None and default is not None:
        return default
    if value is None:
        raise _item_error(index, name, "缺少这个字段。", "missing.")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _item_error(index, name, "应为数字，而不是 {v}。", "must be a number, not {v}.",
                          v=json.dumps(value, ensure_ascii=False, default=repr))
    number = float(value)
    tolerance = TOLERANCE if maximum == 1.0 else 0.0
    if number < -tolerance or number > maximum + tolerance or (positive and number <= 0):
        low = "0 <" if positive else "0 ≤"
        raise _item_error(index, name, "{v} 超出范围（应 {low} 值 ≤ {m}）。",
                          "{v} is out of range (must be {low} value ≤ {m}).",
                          v=value, low=low, m=f"{maximum:g}")
    return round(min(max(number, 0.0), maximum), DIGITS)


def _color(index: int, value: Any) -> str:
    if value is None:
        return DEFAULT_COLOR
    if not isinstance(value, str) or not _COLOR.fullmatch(value):
        raise _item_error(index, "color", "颜色应写成 #rrggbb，而不是 {v}。",
                          "a colour must be written #rrggbb, not {v}.",
                          v=json.dumps(value, ensure_ascii=False, default=repr))
    return value.lower()


def _text(index: int, value: Any) -> str:
    if not isinstance(value, str):
        raise _item_error(index, "text", "应为文字。", "must be a string.")
    if not value.strip():
        raise _item_error(index, "text", "文字为空。", "the text is empty.")
    if len(value) > MAX_TEXT:
        raise _item_error(index, "text", "文字有 {n} 个字符，最多 {m} 个。",
                          "the text has {n} characters; at most {m} are allowed.",
                          n=len(value), m=MAX_TEXT)
    return value


# -- canonical form ----------------------------------------------------------------------------

def dumps(items: Iterable[Mapping[str, Any]]) -> str:
    """The canonical JSON of (validated, normalized) items."""
    normalized = parse({"version": VERSION, "items": [dict(item) for item in items]})
    return json.dumps({"version": VERSION, "items": normalized}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)


def digest(items: Iterable[Mapping[str, Any]]) -> str:
    """12 hex characters of the SHA-256 of ``dumps(items)``; "" for no annotations."""
    listed = list(items)
    if not listed:
        return ""
    return hashlib.sha256(dumps(listed).encode("utf-8")).hexdigest()[:12]


# -- rendering --------------------------------------------------------------------------------

def font_candidates() -> list[str]:
    """Font files that exist, in the order they are tried: ``INSPECTOR_FONT``, then the usual
    places of a CJK font on Linux, Windows and macOS."""
    configured = os.environ.get("INSPECTOR_FONT", "").strip()
    return [path for path in dict.fromkeys((configured, *FONT_CANDIDATES))
            if path and os.path.isfile(path)]


def find_font() -> str | None:
    """The first candidate font that loads, or None (then Pillow's own font is used)."""
    for path in font_candidates():
        try:
            _truetype(path, 12)
        except OSError:
            continue
        return path
    return None


@lru_cache(maxsize=32)
def _truetype(path: str, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


def load_font(pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font ``pixels`` high for drawing text; Pillow's own font if no CJK font loads
    (that one has no Chinese characters)."""
    from PIL import ImageFont

    pixels = max(1, pixels)
    path = find_font()
    if path is not None:
        try:
            return _truetype(path, pixels)
        except OSError:
            pass
    return ImageFont.load_default(size=pixels)


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def halo_color(color: str) -> tuple[int, int, int]:
    """The outline behind text: white behind dark text, near-black behind light text."""
    red, green, blue = _rgb(color)
    luminance = (0.299 * red + 0.587 * green + 0.114 * blue) / 255
    return (32, 32, 32) if luminance > 0.6 else (255, 255, 255)


def render(image: Image.Image, items: Iterable[Mapping[str, Any]]) -> Image.Image:
    """Draw the annotations on an RGB copy of ``image`` at its actual size.

    The image is first turned upright if it still carries an EXIF orientation (the
    coordinates are relative to the upright photo); ``image`` itself is not changed. Blurred
    regions are applied first, so the other annotations stay readable on top of them; the
    rest are drawn in their order.
    """
    from PIL import ImageDraw, ImageOps

    checked = parse({"version": VERSION, "items": [dict(item) for item in items]})
    upright = ImageOps.exif_transpose(image)  # a copy, turned if the photo says so
    if upright is image:  # never draw on the caller's object
        upright = image.copy()
    result = _flatten(upright)
    for item in checked:
        if item["type"] == "blur":
            _blur(result, item)
    draw = ImageDraw.Draw(result)
    for item in checked:
        kind = item["type"]
        if kind == "arrow":
            _arrow(draw, result.size, item)
        elif kind in ("ellipse", "rect"):
            _outline(draw, result.size, item)
        elif kind == "text":
            _draw_text(draw, result.size, item)
    return result


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white (not on black)."""
    from PIL import Image

    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _line_width(size: tuple[int, int], item: Mapping[str, Any]) -> int:
    return max(1, round(float(item["width"]) * max(size)))


def _box(size: tuple[int, int], item: Mapping[str, Any]) -> tuple[int, int, int, int]:
    width, height = size
    left = round(item["x"] * width)
    top = round(item["y"] * height)
    right = max(left + 1, round((item["x"] + item["w"]) * width))
    bottom = max(top + 1, round((item["y"] + item["h"]) * height))
    return left, top, min(right, width), min(bottom, height)


def arrow_geometry(x1: float, y1: float, x2: float, y2: float, line_width: float
                   ) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    """Where the shaft ends and the head's triangle, in pixels (shared with the editor).

    The head is 4.5 line widths long (at least 10 px, at most 60% of the arrow) and half as
    wide as it is long on each side.
    """
    length = math.hypot(x2 - x1, y2 - y1)
    if length < 1e-9:
        return (x2, y2), []
    head = min(max(line_width * 4.5, 10.0), length * 0.6)
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    base_x, base_y = x2 - ux * head, y2 - uy * head
    half = head * 0.5
    triangle = [(x2, y2), (base_x - uy * half, base_y + ux * half),
                (base_x + uy * half, base_y - ux * half)]
    # The shaft stops inside the head so its square end does not poke out beside the tip.
    shaft_end = (x2 - ux * head * 0.7, y2 - uy * head * 0.7)
    return shaft_end, triangle


def _arrow(draw: ImageDraw.ImageDraw, size: tuple[int, int], item: Mapping[str, Any]) -> None:
    width, height = size
    x1, y1 = item["x1"] * width, item["y1"] * height
    x2, y2 = item["x2"] * width, item["y2"] * height
    line = _line_width(size, item)
    color = _rgb(item["color"])
    shaft_end, triangle = arrow_geometry(x1, y1, x2, y2, line)
    if not triangle:
        return
    draw.line([(x1, y1), shaft_end], fill=color, width=line)
    radius = line / 2
    if radius >= 1.5:  # a round tail, so thick lines do not end in a hard square
        draw.ellipse((x1 - radius, y1 - radius, x1 + radius, y1 + radius), fill=color)
    draw.polygon(triangle, fill=color)


def _outline(draw: ImageDraw.ImageDraw, size: tuple[int, int], item: Mapping[str, Any]) -> None:
    left, top, right, bottom = _box(size, item)
    line = _line_width(size, item)
    color = _rgb(item["color"])
    box = (left, top, max(left, right - 1), max(top, bottom - 1))
    if item["type"] == "ellipse":
        draw.ellipse(box, outline=color, width=line)
    else:
        draw.rectangle(box, outline=color, width=line)


def _draw_text(draw: ImageDraw.ImageDraw, size: tuple[int, int], item: Mapping[str, Any]
               ) -> None:
    width, height = size
    pixels = max(6, round(float(item["size"]) * max(size)))
    font = load_font(pixels)
    stroke = max(1, round(pixels / 12))
    x, y = item["x"] * width, item["y"] * height
    draw.multiline_text((x, y), item["text"], font=font, fill=_rgb(item["color"]),
                        stroke_width=stroke, stroke_fill=halo_color(item["color"]),
                        spacing=round(pixels * 0.2))


def _blur(image: Image.Image, item: Mapping[str, Any]) -> None:
    from PIL import Image, ImageFilter

    left, top, right, bottom = _box(image.size, item)
    if right <= left or bottom <= top:
        return
    region = image.crop((left, top, right, bottom))
    region_width, region_height = region.size
    across = max(1, min(BLUR_BLOCKS, region_width))
    down = max(1, min(region_height, round(BLUR_BLOCKS * region_height / region_width)))
    blocks = region.resize((across, down), Image.Resampling.BOX)
    pixelated = blocks.resize(region.size, Image.Resampling.NEAREST)
    radius = max(1.0, region_width / across / 2)
    image.paste(pixelated.filter(ImageFilter.GaussianBlur(radius)), (left, top))


def copy_items(items: Iterable[Mapping[str, Any]]) -> list[Item]:
    """Deep copies of items (callers get their own dicts)."""
    return [copy.deepcopy(dict(item)) for item in items]
