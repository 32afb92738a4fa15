"""Drawn signatures: PNG files named by their SHA-256 under ``signatures/``.

The file is written to a temporary name, flushed to disk and renamed before the database
refers to it, so a crash never leaves a reference to a missing or half-written file.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from inspector.core.durable import atomic_file
from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store

MAX_SIGNATURE_BYTES = 2 * 1024 * 1024
FOLDER = "signatures"


def _check_png(data: bytes) -> None:
    from PIL import Image, UnidentifiedImageError  # only when signing: keeps startup quick

    if not data or len(data) > MAX_SIGNATURE_BYTES:
        raise InspectorError(t("签名图片为空或太大", "The signature image is empty or too large"))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise InspectorError(t("签名必须是 PNG 图片", "A signature must be a PNG image"))
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InspectorError(t("签名图片已损坏：{e}", "The signature image is damaged: {e}",
                               e=exc)) from exc


def path_of(store: Store, sha256: str) -> Path:
    return store.data_dir / FOLDER / f"{sha256}.png"


def save(store: Store, data: bytes) -> str:
    """Store a signature PNG durably; return its SHA-256 (the same image is stored once)."""
    _check_png(data)
    digest = hashlib.sha256(data).hexdigest()
    target = path_of(store, digest)
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == digest:
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_file(target, map_errors=False) as temporary:
            temporary.write_bytes(data)
    except OSError as exc:
        raise InspectorError(t("无法保存签名到 {p}：{e}", "Cannot save the signature to {p}: {e}",
                               p=target, e=exc.strerror or exc)) from exc
    return digest


def load(store: Store, sha256: str) -> bytes | None:
    path = path_of(store, sha256)
    try:
        return path.read_bytes()
    except OSError:
        return None


