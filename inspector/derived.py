"""Derived copies of photos: thumbnails for lists, report-size JPEGs for PDFs.

They live in ``cache/`` (safe to delete: rebuilt on demand), are rotated by the EXIF
orientation, carry the photo's annotations, and are made with JPEG draft mode (DCT scaling)
so that a 12-megapixel photo is never fully decoded just to make a thumbnail. Making them is
plain file work on the data directory, so it runs on any thread.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

THUMBNAIL = "thumbs"
REPORT = "report"
SIZES = {THUMBNAIL: 320, REPORT: 1600}
QUALITY = {THUMBNAIL: 82, REPORT: 88}


def derived_path(data_dir: Path, sha256: str, kind: str, annotations_json: str | None) -> Path:
    from inspector import annotations

    digest = annotations.digest(annotations.parse(annotations_json))
    name = f"{sha256}-{digest}.jpg" if digest else f"{sha256}.jpg"
    return data_dir / "cache" / kind / sha256[:2] / name


def ensure(data_dir: Path, sha256: str, ext: str, kind: str,
           annotations_json: str | None = None) -> Path:
    """The derived copy's path, building it first if it is missing."""
    target = derived_path(data_dir, sha256, kind, annotations_json)
    if target.exists():
        return target
    from inspector.photos import original_path

    build(original_path(data_dir, sha256, ext), target, SIZES[kind], QUALITY[kind],
          annotations_json)
    return target


def build(original: Path, target: Path, size: int, quality: int,
          annotations_json: str | None = None) -> None:
    from PIL import Image, ImageOps

    from inspector import annotations

    if original.suffix.lower() in (".heic", ".heif"):
        from inspector.photos import _register_heif

        _register_heif()
    with Image.open(original) as image:
        if image.format == "JPEG":
            # Decode at 1/2, 1/4 or 1/8 scale when that still covers the wanted size.
            scale = size / max(image.width, image.height)
            image.draft("RGB", (max(1, int(image.width * scale)),
                                max(1, int(image.height * scale))))
        oriented = ImageOps.exif_transpose(image)
        oriented = oriented.convert("RGB")
        oriented.thumbnail((size, size), Image.Resampling.LANCZOS)
        items = annotations.parse(annotations_json)
        if items:
            oriented = annotations.render(oriented, items)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        try:
            oriented.save(temporary, "JPEG", quality=quality, optimize=True)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
