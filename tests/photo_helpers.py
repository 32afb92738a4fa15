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
