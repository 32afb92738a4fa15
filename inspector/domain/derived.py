"""Derived copies of photos: thumbnails for lists, report-size JPEGs for PDFs.

They live in ``cache/`` (safe to delete: rebuilt on demand), are rotated by the EXIF
orientation, carry the photo's annotations, and are made with JPEG draft mode (DCT scaling)
so that a 12-megapixel photo is never fully decoded just to make a thumbnail. Making them is
plain file work on the data directory, so it runs on any thread.

A copy is made only from an original whose bytes still hash to the photo's SHA-256 (else
``AlteredOriginal``), and records that SHA-256 in its JPEG comment (``ORIGIN_TAG``): a copy
carrying the tag of the photo it stands for was made from that photo's intact original
(``inspector.domain.provenance`` relies on this).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from inspector.core.durable import atomic_file
from inspector.core.filehash import file_sha256

THUMBNAIL = "thumbs"
REPORT = "report"
SIZES = {THUMBNAIL: 320, REPORT: 1600}
QUALITY = {THUMBNAIL: 82, REPORT: 88}
ORIGIN_TAG = "green-inspector copy of "
_COPY_NAME = re.compile(r"^([0-9a-f]{64})(?:-[0-9a-f]+)?\.jpg$")


class AlteredOriginal(ValueError):
    """The original's bytes no longer hash to the photo's SHA-256: no copy is made of it."""


def check_original(original: Path, sha256: str) -> None:
    actual = file_sha256(original)
    if actual != sha256:
        raise AlteredOriginal(f"{original}: its SHA-256 is {actual}, not {sha256}")


def copy_key(copy: Path) -> str:
    """What a derived copy records: ``<kind>/<SHA-256 of the original>[-<annotations>]``."""
    return f"{copy.parent.parent.name}/{copy.name.removesuffix('.jpg')}"


def origin_of(copy: Path) -> str | None:
    """What a derived copy records as its origin (``copy_key``), if anything (reads only the
    file's header)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(copy) as image:
            comment = image.info.get("comment", b"")
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    text = comment.decode("ascii", "replace") if isinstance(comment, bytes) else str(comment)
    return text[len(ORIGIN_TAG):] if text.startswith(ORIGIN_TAG) else None


def derived_path(data_dir: Path, sha256: str, kind: str, annotations_json: str | None) -> Path:
    from inspector.domain import annotations

    digest = annotations.digest(annotations.parse(annotations_json))
    name = f"{sha256}-{digest}.jpg" if digest else f"{sha256}.jpg"
    return data_dir / "cache" / kind / sha256[:2] / name


def ensure(data_dir: Path, sha256: str, ext: str, kind: str,
           annotations_json: str | None = None) -> Path:
    """The derived copy's path, building it first if it is missing."""
    target = derived_path(data_dir, sha256, kind, annotations_json)
    if target.exists():
        return target
    from inspector.domain.photos import original_path

    original = original_path(data_dir, sha256, ext)
    check_original(original, sha256)
    build(original, target, SIZES[kind], QUALITY[kind], annotations_json)
    return target


def ensure_all(data_dir: Path, sha256: str, ext: str,
               annotations_json: str | None = None) -> dict[str, Path]:
    """Both derived copies, from one decode: the thumbnail is made from the report copy."""
    targets = {kind: derived_path(data_dir, sha256, kind, annotations_json) for kind in SIZES}
    if all(path.exists() for path in targets.values()):
        return targets
    from inspector.domain.photos import original_path

    original = original_path(data_dir, sha256, ext)
    check_original(original, sha256)
    report = _render(original, SIZES[REPORT], annotations_json)
    _save(report, targets[REPORT], QUALITY[REPORT])
    thumbnail = report.copy()
    thumbnail.thumbnail((SIZES[THUMBNAIL], SIZES[THUMBNAIL]), _resample())
    _save(thumbnail, targets[THUMBNAIL], QUALITY[THUMBNAIL])
    return targets


def from_decoded(data_dir: Path, sha256: str, image: Any) -> dict[str, Path]:
    """Both derived copies (without annotations) from a picture already decoded whole, e.g.
    by the import of a HEIC, which cannot be decoded at a smaller scale."""
    targets = {kind: derived_path(data_dir, sha256, kind, None) for kind in SIZES}
    if all(path.exists() for path in targets.values()):
        return targets
    report = _fit(image, SIZES[REPORT], None)
    _save(report, targets[REPORT], QUALITY[REPORT])
    thumbnail = report.copy()
    thumbnail.thumbnail((SIZES[THUMBNAIL], SIZES[THUMBNAIL]), _resample())
    _save(thumbnail, targets[THUMBNAIL], QUALITY[THUMBNAIL])
    return targets


EMBEDDED_MIN, EMBEDDED_MAX = 160, 1024  # a camera's EXIF thumbnail, long side in pixels
EMBEDDED_LIKENESS = 16  # mean grey-level difference (of 255) at 16 x 12 that still matches
_TRANSPOSE = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE",
              6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}


def import_thumbnail(data_dir: Path, sha256: str, image: Any, orientation: int | None,
                     staged: Path, full_size: tuple[int, int], *, embedded: bool = True
                     ) -> str:
    """The thumbnail, made by the import from the bytes it has just hashed (``staged``) and
    what it has just decoded of them: the camera's EXIF thumbnail when it is plausibly this
    photo, else ``image`` — the import's 1/8-scale draft decode of a JPEG, or a PNG decoded
    whole; a photo too small for that to fill the thumbnail is decoded again at the scale it
    needs. Returns where it came from: ``exif``, ``draft`` or ``cached`` (already there)."""
    target = derived_path(data_dir, sha256, THUMBNAIL, None)
    if target.exists():
        return "cached"
    picture = embedded_thumbnail(image, orientation) if embedded else None
    source = "exif"
    if picture is None:
        source = "draft"
        wanted = SIZES[THUMBNAIL]
        if max(image.size) < wanted and max(full_size) > max(image.size):
            picture = _render(staged, wanted, None)  # a small photo: 1/8 is too small
        else:
            picture = _fit(image, wanted, None)
    _save(picture, target, QUALITY[THUMBNAIL])
    return source


def embedded_thumbnail(image: Any, orientation: int | None) -> Any | None:
    """The thumbnail a camera embedded in a JPEG's EXIF (IFD1), upright and at most the
    thumbnail size, when it is plausibly this photo: a JPEG 160 to 1024 pixels long, of the
    picture's proportions (cameras letterbox 3:2 photos into 4:3 thumbnails), that looks like
    ``image`` (the picture as decoded, compared in grey at 16 x 12: a photo edited after it
    was taken may keep the camera's thumbnail of what it was before). Else None."""
    from PIL import ExifTags, Image, ImageChops, ImageStat

    raw = image.info.get("exif")
    if not isinstance(raw, bytes) or not raw.startswith(b"Exif\x00\x00"):
        return None
    try:
        ifd1 = image.getexif().get_ifd(ExifTags.IFD.IFD1)
        offset, length = int(ifd1[0x0201]), int(ifd1[0x0202])
        data = raw[6 + offset:6 + offset + length]
        if offset <= 0 or length <= 0 or len(data) != length or not data.startswith(b"\xff\xd8"):
            return None
        with Image.open(io.BytesIO(data)) as embedded:
            width, height = embedded.size
            if embedded.format != "JPEG" or not EMBEDDED_MIN <= max(width, height) \
                    <= EMBEDDED_MAX or min(width, height) < 1:
                return None
            if abs(width / height - image.width / image.height) > 0.02 * image.width \
                    / image.height:
                return None
            embedded.load()
            thumbnail = embedded.convert("RGB")
    except Exception:  # noqa: BLE001 - a damaged or odd EXIF thumbnail: decode instead
        return None
    difference = ImageChops.difference(
        thumbnail.convert("L").resize((16, 12), Image.Resampling.BOX),
        image.convert("L").resize((16, 12), Image.Resampling.BOX))
    if ImageStat.Stat(difference).mean[0] > EMBEDDED_LIKENESS:
        return None
    if orientation in _TRANSPOSE:
        thumbnail = thumbnail.transpose(getattr(Image.Transpose, _TRANSPOSE[orientation]))
    if max(thumbnail.size) > SIZES[THUMBNAIL]:
        thumbnail.thumbnail((SIZES[THUMBNAIL], SIZES[THUMBNAIL]), Image.Resampling.LANCZOS)
    return thumbnail


def _resample() -> object:
    from PIL import Image

    return Image.Resampling.LANCZOS


def _save(image: object, target: Path, quality: int) -> None:
    if not target.parent.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
    # A copy in the cache is named by its original's SHA-256 (and annotations): it records
    # its kind and name (see the top), so that no other copy passes for it.
    named = _COPY_NAME.match(target.name) if target.parent.parent.parent.name == "cache" \
        else None
    extra = {"comment": (ORIGIN_TAG + copy_key(target)).encode("ascii")} if named else {}
    # A cache file, made again if lost: not flushed (a photo import makes one per photo).
    with atomic_file(target, flush=False, map_errors=False) as temporary:
        image.save(temporary, "JPEG", quality=quality, **extra)  # type: ignore[attr-defined]


def open_upright(original: Path, size: int) -> Any:
    """An image file decoded (draft-scaled when possible), upright, shrunk into ``size``."""
    return _render(original, size, None)


def save_jpeg(image: Any, target: Path, quality: int) -> None:
    """Write a JPEG under a temporary name and rename it into place."""
    _save(image, target, quality)


def build(original: Path, target: Path, size: int, quality: int,
          annotations_json: str | None = None) -> None:
    _save(_render(original, size, annotations_json), target, quality)


def _render(original: Path, size: int, annotations_json: str | None) -> Any:
    """Decode (draft-scaled when possible), rotate upright, shrink, draw annotations."""
    from PIL import Image


    if original.suffix.lower() in (".heic", ".heif"):
        from inspector.domain.photos import _register_heif

        _register_heif()
    with Image.open(original) as image:
        if image.format == "JPEG":
            # Decode at 1/2, 1/4 or 1/8 scale when that still covers the wanted size.
            scale = size / max(image.width, image.height)
            image.draft("RGB", (max(1, int(image.width * scale)),
                                max(1, int(image.height * scale))))
        return _fit(image, size, annotations_json)


def _fit(image: Any, size: int, annotations_json: str | None) -> Any:
    """Rotate upright, shrink into ``size``, draw the annotations."""
    from PIL import Image, ImageOps

    from inspector.domain import annotations

    oriented = ImageOps.exif_transpose(image).convert("RGB")
    # After a draft decode a copy shrinks by less than half (the report copy from the 1/2
    # decode, a thumbnail from the 1/8 one): bicubic is as sharp there and faster; what
    # shrinks more (a PNG, a small photo decoded whole) gets Lanczos.
    oriented.thumbnail((size, size), Image.Resampling.BICUBIC
                       if max(oriented.size) < 2 * size else Image.Resampling.LANCZOS)
    items = annotations.parse(annotations_json)
    if items:
        oriented = annotations.render(oriented, items)
    return oriented
