"""Drawn stand-ins for inspectors' photos in the demo data (invented, like the registry).

Each is a simple street scene with the hazard drawn in, and EXIF like a phone writes:
camera, time taken and a position in Ningbo, so the demo exercises the photo features.
"""

from __future__ import annotations

import io
import random
from datetime import datetime
from typing import Any

SIZE = (960, 720)
HAZARDS = ("car", "boxes", "bags", "wire", "water", "plain")
# Which hazard a finding's photo shows, by hazard category.
SCENES_BEFORE = {"fire_lane_blocked": "car", "corridor_clutter": "boxes",
                 "garbage_piles": "bags", "bin_overflow_damaged": "bags",
                 "ebike_indoor_charging": "wire", "waterlogging": "water"}


def _exif(taken: datetime, latitude: float, longitude: float) -> Any:
    from PIL import Image

    def dms(value: float) -> tuple[float, float, float]:
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 2))

    exif = Image.Exif()
    exif[271], exif[272] = "Apple", "iPhone 13"
    exif.get_ifd(0x8769)[36867] = taken.strftime("%Y:%m:%d %H:%M:%S")
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", dms(latitude), "E", dms(longitude)
    return exif


def scene(hazard: str, seed: int, taken: datetime, latitude: float = 29.8683,
          longitude: float = 121.5440) -> bytes:
    """A JPEG of a residential street with ``hazard`` drawn in."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    width, height = SIZE
    image = Image.new("RGB", SIZE, (150, 190, 225))
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.62)
    x = -rng.randint(0, 60)
    while x < width:  # apartment blocks
        block_w, block_h = rng.randint(120, 200), rng.randint(180, 330)
        shade = rng.randint(200, 235)
        draw.rectangle([x, horizon - block_h, x + block_w, horizon],
                       fill=(shade, shade - 8, shade - 20))
        for wy in range(horizon - block_h + 16, horizon - 20, 30):
            for wx in range(x + 12, x + block_w - 20, 26):
                draw.rectangle([wx, wy, wx + 14, wy + 16], fill=(110, 130, 150))
        x += block_w + rng.randint(10, 40)
    draw.rectangle([0, horizon, width, height], fill=(105, 105, 100))
    draw.line([0, height - 120, width, height - 150], fill=(200, 40, 40), width=6)
    if hazard == "car":
        cx = rng.randint(200, 500)
        draw.rounded_rectangle([cx, horizon + 60, cx + 300, horizon + 160], 30,
                               fill=(60, 70, 90))
        for wheel in (cx + 50, cx + 230):
            draw.ellipse([wheel, horizon + 130, wheel + 56, horizon + 186], fill=(20, 20, 20))
    elif hazard == "boxes":
        for _ in range(6):
            bx, by = rng.randint(250, 600), rng.randint(horizon + 40, horizon + 160)
            draw.rectangle([bx, by, bx + 80, by + 60], fill=(170, 125, 70), outline=(120, 85, 40))
    elif hazard == "bags":
        for _ in range(5):
            bx, by = rng.randint(300, 650), rng.randint(horizon + 60, horizon + 170)
            draw.ellipse([bx, by, bx + 90, by + 70], fill=(30, 30, 35))
    elif hazard == "wire":
        draw.line([120, horizon - 150, 480, horizon + 120], fill=(15, 15, 15), width=4)
        draw.rectangle([470, horizon + 100, 620, horizon + 190], fill=(40, 90, 160))
    elif hazard == "water":
        draw.ellipse([150, horizon + 50, 750, horizon + 200], fill=(120, 140, 150))
    noise = Image.effect_noise(SIZE, 18).convert("RGB")
    image = Image.blend(image.filter(ImageFilter.SMOOTH), noise, 0.06)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=_exif(taken, latitude, longitude))
    return buffer.getvalue()


def site_plan() -> bytes:
    """A PNG of an invented estate's site plan (总平面图): blocks numbered as a community's
    plan numbers them, the roads with the fire lane marked, north up."""
    from PIL import Image, ImageDraw, ImageFont

    from inspector.reports import fonts

    width, height = 1400, 1000
    image = Image.new("RGB", (width, height), (233, 239, 226))
    draw = ImageDraw.Draw(image)

    def font(size: int) -> Any:
        for path, index in fonts.BODY_CANDIDATES:
            try:
                return ImageFont.truetype(path, size, index=index)
            except OSError:
                continue
        return ImageFont.load_default(size=size)

    road, lane = (200, 200, 196), (214, 64, 52)
    draw.rectangle([40, 60, width - 40, height - 40], outline=(110, 110, 105), width=6)
    # the ring road (fire lane) and the spine
    draw.rectangle([110, 330, width - 110, 390], fill=road)
    draw.rectangle([640, 60, 700, height - 40], fill=road)
    draw.rectangle([110, 330, 170, height - 110], fill=road)
    draw.rectangle([110, height - 170, width - 110, height - 110], fill=road)
    for x in range(120, width - 120, 40):  # the fire lane's red dashes
        draw.line([x, 360, x + 22, 360], fill=lane, width=5)
    label = font(26)
    number = 1
    for row_top in (110, 440, 660):
        for column, left in enumerate((210, 390, 740, 920, 1100)):
            if row_top == 660 and column == 4:
                continue
            draw.rectangle([left, row_top, left + 130, row_top + 150], fill=(246, 243, 236),
                           outline=(90, 90, 86), width=3)
            draw.text((left + 65, row_top + 75), f"{number}#", fill=(40, 40, 40), font=label,
                      anchor="mm")
            number += 1
    draw.ellipse([1130, 690, 1290, 820], fill=(170, 205, 150), outline=(110, 150, 95))
    draw.text((1210, 755), "G", fill=(60, 100, 50), font=label, anchor="mm")
    # north arrow, title
    draw.polygon([(1320, 120), (1300, 170), (1340, 170)], fill=(40, 40, 40))
    draw.text((1320, 100), "N", fill=(40, 40, 40), font=label, anchor="mm")
    draw.text((60, 20), "柳西社区 总平面图（示意）   红色虚线：消防车道", fill=(30, 30, 30),
              font=font(28))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
