"""Photo annotations: the JSON format, its validation, and drawing them on derived copies."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat

from inspector.core import i18n
from inspector.domain import annotations as anno
from inspector.domain.annotations import AnnotationError
from tests.photo_helpers import real

ROOT = Path(__file__).resolve().parents[1]
GREY = (128, 128, 128)

ALL_KINDS: dict[str, Any] = {"version": 1, "items": [
    {"type": "arrow", "x1": 0.1, "y1": 0.2, "x2": 0.4, "y2": 0.5, "color": "#D32F2F",
     "width": 0.006},
    {"type": "ellipse", "x": 0.5, "y": 0.5, "w": 0.2, "h": 0.1, "color": "#fbc02d",
     "width": 0.01},
    {"type": "rect", "x": 0.1, "y": 0.1, "w": 0.3, "h": 0.2},
    {"type": "text", "x": 0.1, "y": 0.8, "text": "西侧垃圾堆放\nrubbish", "color": "#ffffff",
     "size": 0.05},
    {"type": "blur", "x": 0.6, "y": 0.3, "w": 0.1, "h": 0.05},
]}


def document(*items: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "items": list(items)}


def noisy(width: int, height: int, seed: int = 7) -> Image.Image:
    generator = random.Random(seed)
    return Image.frombytes("RGB", (width, height), generator.randbytes(width * height * 3))


# -- format ------------------------------------------------------------------------------------

def test_parse_and_dumps_round_trip() -> None:
    items = anno.parse(ALL_KINDS)
    assert [item["type"] for item in items] == ["arrow", "ellipse", "rect", "text", "blur"]
    assert items[0]["color"] == "#d32f2f"  # colours are stored in lower case
    assert items[2]["color"] == anno.DEFAULT_COLOR  # defaults filled in
    assert items[2]["width"] == anno.DEFAULT_WIDTH

    text = anno.dumps(items)
    assert anno.parse(text) == items
    assert anno.dumps(anno.parse(text)) == text  # canonical: a fixed point
    assert "西侧垃圾堆放" in text  # ensure_ascii=False
    assert ": " not in text and ", " not in text  # compact
    decoded = json.loads(text)
    assert list(decoded) == ["items", "version"] and decoded["version"] == 1
    assert list(decoded["items"][0]) == sorted(decoded["items"][0])  # sorted keys
    assert anno.parse(json.dumps(ALL_KINDS).encode("utf-8")) == items


@pytest.mark.parametrize("empty", [None, "", "  \n", {"version": 1, "items": []}])
def test_no_annotations(empty: Any) -> None:
    assert anno.parse(empty) == []
    assert anno.dumps([]) == '{"items":[],"version":1}'


def test_values_a_hair_outside_the_photo_are_clamped() -> None:
    [item] = anno.parse(document(
        {"type": "rect", "x": -0.004, "y": 0.5, "w": 0.3, "h": 0.503}))
    assert item["x"] == 0.0
    assert item["y"] + item["h"] == pytest.approx(1.0)
    [arrow] = anno.parse(document(
        {"type": "arrow", "x1": 1.005, "y1": 0, "x2": 0.5, "y2": 0.123456789}))
    assert arrow["x1"] == 1.0 and arrow["y2"] == 0.12346


BAD = [
    ("unknown type", document({"type": "star", "x": 0.1}), 0, "type", "star"),
    ("coordinate out of range",
     document({"type": "rect", "x": 0, "y": 0, "w": 0.1, "h": 0.1},
              {"type": "arrow", "x1": 0.1, "y1": 1.5, "x2": 0.2, "y2": 0.2}), 1, "y1", "1.5"),
    ("box beyond the photo", document({"type": "blur", "x": 0.8, "y": 0, "w": 0.5, "h": 0.1}),
     0, "w", "1.3"),
    ("bad colour", document({"type": "ellipse", "x": 0, "y": 0, "w": 0.1, "h": 0.1,
                             "color": "red"}), 0, "color", "#rrggbb"),
    ("short colour", document({"type": "rect", "x": 0, "y": 0, "w": 0.1, "h": 0.1,
                               "color": "#fff"}), 0, "color", "#fff"),
    ("text too long", document({"type": "text", "x": 0, "y": 0, "text": "长" * 201}),
     0, "text", "201"),
    ("empty text", document({"type": "text", "x": 0, "y": 0, "text": "  "}), 0, "text", ""),
    ("missing field", document({"type": "arrow", "x1": 0.1, "y1": 0.1, "x2": 0.2}),
     0, "y2", ""),
    ("not a number", document({"type": "arrow", "x1": "0.1", "y1": 0.1, "x2": 0.2, "y2": 0.2}),
     0, "x1", '"0.1"'),
    ("a boolean is not a number",
     document({"type": "arrow", "x1": True, "y1": 0.1, "x2": 0.2, "y2": 0.2}), 0, "x1", "true"),
    ("zero width box", document({"type": "rect", "x": 0.1, "y": 0.1, "w": 0, "h": 0.1}),
     0, "w", ""),
    ("line too wide", document({"type": "rect", "x": 0.1, "y": 0.1, "w": 0.1, "h": 0.1,
                                "width": 0.5}), 0, "width", "0.5"),
    ("unknown field", document({"type": "blur", "x": 0.1, "y": 0.1, "w": 0.1, "h": 0.1,
                                "color": "#ffffff"}), 0, "color", ""),
    ("item not an object", document({"type": "rect", "x": 0, "y": 0, "w": 1, "h": 1}, [1, 2]),
     1, None, ""),
]


@pytest.mark.parametrize(("case", "data", "index", "field", "shows"), BAD,
                         ids=[case[0] for case in BAD])
def test_bad_items_are_refused_naming_the_item_and_field(
        case: str, data: Any, index: int, field: str | None, shows: str) -> None:
    for text in (data, json.dumps(data, ensure_ascii=False)):
        with pytest.raises(AnnotationError) as caught:
            anno.parse(text)
        error = caught.value
        assert (error.index, error.field) == (index, field)
        message = str(error)
        assert f"items[{index}]" in message and f"第 {index + 1} 项" in message
        if field is not None:
            assert f"“{field}”" in message
        assert shows in message


def test_the_message_is_in_english_when_asked() -> None:
    i18n.set_language("en")
    try:
        with pytest.raises(AnnotationError) as caught:
            anno.parse(document({"type": "rect", "x": 0, "y": 0, "w": 0.1, "h": 0.1},
                                       {"type": "arrow", "x1": 0, "y1": 0, "x2": 2, "y2": 0}))
    finally:
        i18n.set_language("zh")
    assert str(caught.value).startswith('Annotation 2 (items[1]), field "x2": 2 is out of range')


@pytest.mark.parametrize(("text", "words"), [
    ("{not json", "JSON"),
    ("[1, 2]", "version"),
    ('{"version": 2, "items": []}', "2"),
    ('{"version": 1}', "items"),
    ('{"version": 1, "items": [], "extra": 1}', "extra"),
    (json.dumps(document(*[{"type": "blur", "x": 0, "y": 0, "w": 0.1, "h": 0.1}] * 201)),
     "200"),
])
def test_bad_documents_are_refused(text: str, words: str) -> None:
    with pytest.raises(AnnotationError) as caught:
        anno.parse(text)
    assert caught.value.index is None
    assert words in str(caught.value)


def test_digest_is_short_stable_and_empty_for_nothing() -> None:
    items = anno.parse(ALL_KINDS)
    value = anno.digest(items)
    assert len(value) == 12 and int(value, 16) >= 0
    assert anno.digest(anno.parse(anno.dumps(items))) == value
    assert anno.digest(ALL_KINDS["items"]) == value  # raw items are normalized first
    nudged = [dict(items[0], x1=0.1 + 1e-9), *items[1:]]
    assert anno.digest(nudged) == value  # below the stored precision
    moved = [dict(items[0], x1=0.2), *items[1:]]
    assert anno.digest(moved) != value
    assert anno.digest([]) == ""


def test_importing_the_module_does_not_load_pillow() -> None:
    code = ("import sys, inspector.core.errors, inspector.core.i18n; "
            "before = 'PIL' in sys.modules; import inspector.domain.annotations; "
            "print(before, 'PIL' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    before, after = result.stdout.split()
    assert (before, after) == ("False", "False")


# -- rendering -------------------------------------------------------------------------------

def test_render_draws_an_arrow_along_its_line_and_nowhere_else() -> None:
    image = Image.new("RGB", (400, 300), GREY)
    arrow = {"type": "arrow", "x1": 0.1, "y1": 0.5, "x2": 0.9, "y2": 0.5, "color": "#d32f2f"}
    result = anno.render(image, [arrow])
    assert result.size == image.size and result.mode == "RGB"
    red = (0xD3, 0x2F, 0x2F)
    for x in (60, 200, 300):  # on the shaft
        assert result.getpixel((x, 150)) == red
    assert result.getpixel((355, 150)) == red  # inside the head
    assert result.getpixel((352, 153)) == red  # the head is wider than the shaft
    assert result.getpixel((200, 153)) == GREY
    for far in ((200, 30), (20, 280), (395, 5), (200, 200)):
        assert result.getpixel(far) == GREY
    changed = ImageChops.difference(result, image).getbbox()
    assert changed is not None
    left, top, right, bottom = changed
    assert 35 <= left <= 41 and right <= 361 and 135 <= top and bottom <= 165


def test_render_outlines_ellipses_and_rectangles() -> None:
    image = Image.new("RGB", (500, 500), GREY)
    result = anno.render(image, [
        {"type": "rect", "x": 0.1, "y": 0.1, "w": 0.3, "h": 0.3, "color": "#1976d2",
         "width": 0.01},
        {"type": "ellipse", "x": 0.5, "y": 0.5, "w": 0.4, "h": 0.2, "color": "#fbc02d"},
    ])
    assert result.getpixel((52, 150)) == (0x19, 0x76, 0xD2)  # the rectangle's left side
    assert result.getpixel((125, 125)) == GREY  # outlines only: the inside is untouched
    assert result.getpixel((251, 300)) == (0xFB, 0xC0, 0x2D)  # the ellipse's left end
    assert result.getpixel((350, 300)) == GREY
    assert result.getpixel((300, 260)) == GREY  # outside the ellipse's box


def test_blur_makes_a_region_unreadable_and_leaves_the_rest() -> None:
    image = noisy(300, 200)
    region = (60, 40, 180, 120)  # x 0.2..0.6, y 0.2..0.6
    result = anno.render(image, [{"type": "blur", "x": 0.2, "y": 0.2, "w": 0.4,
                                         "h": 0.4}])
    before = ImageStat.Stat(image.crop(region)).var
    after = ImageStat.Stat(result.crop(region)).var
    for band_before, band_after in zip(before, after, strict=True):
        assert band_after < band_before / 50
    assert ImageChops.difference(result, image).getbbox() == region
    # Pixelated to about 12 blocks across: neighbours within a block are nearly alike.
    inner = result.crop((70, 50, 170, 110))
    assert ImageStat.Stat(ImageChops.difference(inner, inner.transform(
        inner.size, Image.Transform.AFFINE, (1, 0, 1, 0, 1, 0)))).mean[0] < 3


def test_annotations_are_drawn_over_blurred_regions() -> None:
    image = noisy(200, 200)
    result = anno.render(image, [
        {"type": "rect", "x": 0.1, "y": 0.1, "w": 0.8, "h": 0.8, "color": "#1976d2",
         "width": 0.02},
        {"type": "blur", "x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0},
    ])
    assert result.getpixel((22, 100)) == (0x19, 0x76, 0xD2)


def test_text_renders_chinese_characters() -> None:
    # .ci/run installs the CJK fonts: without one this must fail, not be skipped
    assert anno.find_font() is not None
    image = Image.new("RGB", (400, 200), GREY)

    def drawn(text: str) -> Image.Image:
        return anno.render(image, [{"type": "text", "x": 0.1, "y": 0.2, "text": text,
                                           "color": "#d32f2f", "size": 0.1}])

    first = drawn("消防通道堵塞")
    box = ImageChops.difference(first, image).getbbox()
    assert box is not None
    left, top, right, bottom = box
    assert 36 <= left <= 48 and 36 <= top <= 50  # from the top-left corner given
    assert 30 <= bottom - top <= 60  # about 40 px (0.1 of the long side) high
    assert right - left > 150  # six characters wide, not one missing-glyph box
    colours = {colour for _count, colour in first.crop(box).getcolors(100_000) or []}
    assert (0xD3, 0x2F, 0x2F) in colours and (255, 255, 255) in colours  # ink and its halo
    # Different characters draw differently (a font without them draws identical boxes).
    assert ImageChops.difference(first, drawn("绿色社区巡查站")).getbbox() is not None


def test_light_text_gets_a_dark_halo() -> None:
    assert anno.halo_color("#ffffff") == (32, 32, 32)
    assert anno.halo_color("#fbc02d") == (32, 32, 32)
    assert anno.halo_color("#d32f2f") == (255, 255, 255)
    assert anno.halo_color("#1976d2") == (255, 255, 255)


def test_a_font_that_does_not_load_is_skipped(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    monkeypatch.setenv("INSPECTOR_FONT", str(broken))
    assert anno.font_candidates()[0] == str(broken)
    assert anno.find_font() != str(broken)
    font = anno.load_font(20)
    image = anno.render(Image.new("RGB", (200, 100), GREY), [
        {"type": "text", "x": 0.1, "y": 0.1, "text": "OK 好", "size": 0.2}])
    assert font is not None and image.getbbox() is not None


def test_render_leaves_the_original_alone() -> None:
    image = noisy(120, 90)
    before = image.tobytes()
    result = anno.render(image, anno.parse(ALL_KINDS))
    assert result is not image
    assert image.tobytes() == before
    assert ImageChops.difference(result, image).getbbox() is not None
    assert anno.render(image, []).tobytes() == before  # no items: an equal copy


@pytest.mark.parametrize("mode", ["RGBA", "L", "P"])
def test_render_gives_rgb_for_any_mode(mode: str) -> None:
    image = Image.new("RGB", (80, 60), (200, 10, 10)).convert(mode)
    if mode == "RGBA":
        image.putalpha(0)  # fully transparent: laid on white, not on black
    result = anno.render(image, [{"type": "rect", "x": 0.1, "y": 0.1, "w": 0.5,
                                         "h": 0.5}])
    assert result.mode == "RGB" and result.size == (80, 60)
    if mode == "RGBA":
        assert result.getpixel((70, 55)) == (255, 255, 255)


def test_coordinates_are_relative_to_the_upright_photo(tmp_path: Path) -> None:
    """A photo still carrying EXIF orientation 6 (turn 90° clockwise) is drawn upright."""
    stored = Image.new("RGB", (300, 400), GREY)  # as the camera stored it: portrait
    stored.paste((0, 0, 255), (0, 0, 300, 40))  # a blue band along the stored top edge
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    stored.save(path, exif=exif, quality=95)
    with Image.open(path) as photo:
        result = anno.render(photo, [{"type": "rect", "x": 0.0, "y": 0.0, "w": 0.5,
                                             "h": 0.5, "color": "#d32f2f", "width": 0.02}])
    assert result.size == (400, 300)  # upright: landscape
    red, green, blue = result.getpixel((390, 150))  # the band is now on the right
    assert blue > 200 and red < 60
    red, green, blue = result.getpixel((3, 100))  # the rectangle's left side, top-left
    assert red > 180 and green < 90


def test_render_a_real_photo(tmp_path: Path) -> None:
    source = real("gps_DSCN0010.jpg")
    with Image.open(source) as photo:
        before = photo.tobytes()
        result = anno.render(photo, anno.parse(ALL_KINDS))
        assert photo.tobytes() == before
    assert result.size == (640, 480)
    result.save(tmp_path / "annotated.jpg")
    assert source.stat().st_size > 0
