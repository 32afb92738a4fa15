"""PDF files as documents: the facts attached to them and a digest of what each page shows.

- ``attachment`` reads the facts a document carries (embedded when it was written, see
  ``inspector.reports.layout.embed_facts``);
- ``page_digests`` is a SHA-256 per page over everything that decides how the page looks:
  its content streams (decoded), resources (fonts, images: their decoded data), annotations
  and boxes, walked as a tree without object numbers, compression or the file's layout. A
  re-saved copy (another program wrote the same pages again) keeps every page digest; a
  changed character, a swapped picture or an added annotation changes the page's.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector.core.i18n import t

log = logging.getLogger(__name__)
# pypdf logs what it repairs in a damaged file ("EOF marker not found"); the checks here say
# what is wrong with a file in their own words.
logging.getLogger("pypdf").setLevel(logging.ERROR)

HEAD_BYTES = 1024  # "%PDF-" must appear within the first KiB (as readers accept it)
TAIL_BYTES = 2048  # "%%EOF" near the end, or the file was cut short
SAMPLE = 64 * 1024  # of a large image stream, its first and last bytes are digested
# Keys that link back up the tree or describe how a stream is stored, not what it shows.
_SKIPPED = frozenset({"/Parent", "/P", "/Length", "/Filter", "/DecodeParms", "/StructParents",
                      "/StructParent"})


class PdfProblem(Exception):
    """The file is not a PDF that can be read; ``reason`` is a short code, str() the text."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class OpenedPdf:
    reader: Any  # pypdf.PdfReader
    data: bytes
    truncated: bool


def open_pdf(path: Path, data: bytes) -> OpenedPdf:
    """Parse ``data`` (the bytes of ``path``); raise PdfProblem for something that is not a
    PDF, or a PDF too damaged to read."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data:
        raise PdfProblem("empty", t("{f} 是空文件（0 字节）", "{f} is empty (0 bytes)",
                                    f=path.name))
    if b"%PDF-" not in data[:HEAD_BYTES]:
        raise PdfProblem("not-pdf", t("{f} 不是 PDF 文件", "{f} is not a PDF file",
                                      f=path.name))
    truncated = b"%%EOF" not in data[-TAIL_BYTES:]
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        len(reader.pages)  # reads the page tree: a broken file fails here
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError) as exc:
        if truncated:
            raise PdfProblem("truncated", t(
                "{f} 不完整（文件被截断），无法读取", "{f} is incomplete (cut short) and "
                "cannot be read", f=path.name)) from exc
        raise PdfProblem("damaged", t("{f} 已损坏，无法读取：{e}", "{f} is damaged and cannot "
                                      "be read: {e}", f=path.name, e=exc)) from exc
    return OpenedPdf(reader, data, truncated)


def attachment(reader: Any, name: str) -> bytes | None:
    """The first embedded file called ``name``, or None."""
    try:
        found = reader.attachments.get(name)
    except Exception as exc:  # noqa: BLE001 - a damaged name tree means: nothing attached
        log.info("cannot read the attachments: %s", exc)
        return None
    if not found:
        return None
    data = found[0]
    return data if isinstance(data, bytes) else str(data).encode("utf-8")


def keywords(reader: Any) -> str:
    try:
        info = reader.metadata
        return str(info.get("/Keywords") or "") if info else ""
    except Exception as exc:  # noqa: BLE001 - unreadable metadata: no keywords
        log.info("cannot read the document information: %s", exc)
        return ""


def page_digests(reader: Any) -> list[str]:
    """One SHA-256 (hex) per page over what the page shows (see the module's docstring)."""
    memo: dict[int, bytes] = {}
    result = []
    for page in reader.pages:
        digest = hashlib.sha256()
        digest.update(_node(page, memo, set()))
        for box in (page.mediabox, page.cropbox):
            digest.update(repr([round(float(v), 3) for v in box]).encode("ascii"))
        digest.update(str(page.rotation).encode("ascii"))
        result.append(digest.hexdigest())
    return result


def _node(value: Any, memo: dict[int, bytes], stack: set[int]) -> bytes:
    """A digest of a PDF object and everything under it; indirect objects once each."""
    from pypdf.generic import IndirectObject

    if isinstance(value, IndirectObject):
        number = value.idnum
        if number in memo:
            return memo[number]
        if number in stack:  # a loop that does not go through /Parent
            return b"loop"
        stack.add(number)
        try:
            made = _node(value.get_object(), memo, stack)
        finally:
            stack.discard(number)
        memo[number] = made
        return made
    return hashlib.sha256(_direct(value, memo, stack)).digest()


def _direct(value: Any, memo: dict[int, bytes], stack: set[int]) -> bytes:
    from pypdf.generic import (
        ArrayObject,
        BooleanObject,
        ByteStringObject,
        DictionaryObject,
        FloatObject,
        IndirectObject,
        NameObject,
        NullObject,
        NumberObject,
        StreamObject,
        TextStringObject,
    )

    if isinstance(value, IndirectObject):
        return _node(value, memo, stack)
    if isinstance(value, StreamObject):
        raw = value._data
        if value.get("/Subtype") == "/Image" and len(raw) > 2 * SAMPLE:
            # A photo: its length, head and tail. Page digests only tell a re-saved copy from
            # an edited one; what makes a file genuine is the SHA-256 of all its bytes.
            data = len(raw).to_bytes(8, "big") + raw[:SAMPLE] + raw[-SAMPLE:]
        else:
            try:
                data = value.get_data()
            except Exception:  # noqa: BLE001 - an unknown filter: its stored bytes then
                data = raw
        parts = [b"stream", hashlib.sha256(data).digest()]
        parts += [k.encode("utf-8") + _node(v, memo, stack)
                  for k, v in sorted(value.items()) if k not in _SKIPPED]
        return b"".join(parts)
    if isinstance(value, DictionaryObject):
        return b"dict" + b"".join(k.encode("utf-8") + _node(v, memo, stack)
                                  for k, v in sorted(value.items()) if k not in _SKIPPED)
    if isinstance(value, ArrayObject):
        return b"array" + b"".join(_node(v, memo, stack) for v in value)
    if isinstance(value, NameObject):
        return b"name" + value.encode("utf-8")
    if isinstance(value, (NumberObject, FloatObject)):
        return b"num" + repr(round(float(value), 4)).encode("ascii")
    if isinstance(value, BooleanObject):
        return b"bool" + (b"1" if value else b"0")
    if isinstance(value, TextStringObject):
        return b"str" + value.original_bytes
    if isinstance(value, ByteStringObject):
        return b"str" + bytes(value)
    if isinstance(value, NullObject) or value is None:
        return b"null"
    return b"other" + repr(value).encode("utf-8", "replace")
