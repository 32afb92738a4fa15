"""Making photos for tests: real camera files from tests/data/photos, and generated ones."""

from __future__ import annotations

import io
import random
from datetime import datetime
from pathlib import Path

from PIL import Image

REAL_PHOTOS = Path(__file__).resolve().parent / "data" / "photos"


def real(name: str) -> Path:
    """A real camera or phone file kept in the checkout (see tests/data/photos/README.md)."""
    path = REAL_PHOTOS / name
    assert path.is_file(), f"test photo missing from the checkout: {path}"
    return path


def jpeg(path: Path, *, size: tuple[int, int] = (160, 120), taken: datetime | None = None,
         seed: int = 1, exif_bytes: bytes | None = None) -> Path:
    """A small photo-like JPEG (noise over a gradient), optionally with DateTimeOriginal."""
    rng = random.Random(seed)
    image = Image.new("RGB", size)
    image.putdata([(x * 255 // size[0], y * 255 // size[1], rng.randrange(256))
                   for y in range(size[1]) for x in range(size[0])])
    buffer = io.BytesIO()
    if exif_bytes is not None:
        image.save(buffer, "JPEG", quality=85, exif=exif_bytes)
    else:
        exif = Image.Exif()
        if taken is not None:
            exif.get_ifd(0x8769)[36867] = taken.strftime("%Y:%m:%d %H:%M:%S")
        image.save(buffer, "JPEG", quality=85, exif=exif)
    path.write_bytes(buffer.getvalue())
    return path


def big_jpeg(path: Path, width: int = 4000, height: int = 3000, seed: int = 3) -> Path:
    """A 12-megapixel photo-like JPEG (smooth shapes plus grain, not a flat colour)."""
    rng = random.Random(seed)
    small = Image.new("RGB", (width // 16, height // 16))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256))
                   for _ in range((width // 16) * (height // 16))])
    image = small.resize((width, height), Image.Resampling.BICUBIC)
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    Image.blend(image, noise, 0.15).save(path, "JPEG", quality=90)
    return path


def with_exif_thumbnail(data: bytes, thumbnail: bytes, orientation: int | None = None) -> bytes:
    """A JPEG's bytes with its EXIF replaced by a camera-style one: IFD0 with the orientation
    (if given) and IFD1 holding ``thumbnail`` (JPEG bytes), as most cameras embed it."""
    import struct

    assert data.startswith(b"\xff\xd8") and thumbnail.startswith(b"\xff\xd8")
    ifd0 = [(0x0112, 3, 1, orientation)] if orientation is not None else []
    ifd1_at = 8 + 2 + 12 * len(ifd0) + 4
    thumb_at = ifd1_at + 2 + 12 * 3 + 4
    ifd1 = [(0x0103, 3, 1, 6), (0x0201, 4, 1, thumb_at), (0x0202, 4, 1, len(thumbnail))]

    def ifd(entries: list[tuple[int, int, int, int]], following: int) -> bytes:
        out = struct.pack("<H", len(entries))
        for tag, kind, count, value in entries:
            packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
            out += struct.pack("<HHI", tag, kind, count) + packed
        return out + struct.pack("<I", following)

    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd(ifd0, ifd1_at) + ifd(ifd1, 0) + thumbnail
    app1 = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
    # keep every segment but an existing EXIF one, up to the image data
    kept, at = b"", 2
    while data[at] == 0xFF and data[at + 1] not in (0xDA, 0xD9):
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        if not (data[at + 1] == 0xE1 and data[at + 4:at + 10] == b"Exif\x00\x00"):
            kept += data[at:at + 2 + length]
        at += 2 + length
    return b"\xff\xd8" + segment + kept + data[at:]
