"""A bundle built by hand (not by sync.bundle): one config change, a format-2 manifest signed
with a real key — what the fuzz tests damage to see every refusal is a clean message."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from inspector.core.keys import DeviceKey

DEVICE = "ab" * 16
CHANGE = {"device": DEVICE, "seq": 1, "hlc": "001800000000000-00000", "tbl": "config",
          "row_id": "issuer.phone", "reg": "value", "value": json.dumps({"value": "1"}),
          "replaces": None, "actor": "x"}
BODY = (json.dumps(CHANGE) + "\n").encode("utf-8")
NAME = "000000000001-000000000001.zip"


def manifest_for(key: DeviceKey) -> dict[str, Any]:
    """A valid manifest of ``BODY``, by ``key``'s device."""
    return {
        "format": 2, "app": "green-inspector", "device": DEVICE, "device_name": "x",
        "public_key": key.public_hex(), "first_seq": 1, "last_seq": 1,
        "clock_min": CHANGE["hlc"], "clock_max": CHANGE["hlc"], "depends": {},
        "counts": {"changes": 1, "photos": 0}, "created_at": "2026-12-01T10:00:00+08:00",
        "missing_photos": [],
        "entries": {"changes.jsonl": {"sha256": hashlib.sha256(BODY).hexdigest(),
                                      "size": len(BODY)}}}


def write_bundle(path: Path, manifest_text: bytes, key: DeviceKey) -> Path:
    """The manifest as given (maybe damaged), signed by ``key``, with ``BODY``."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", manifest_text)
        archive.writestr("signature", key.sign(manifest_text))
        archive.writestr("changes.jsonl", BODY)
    return path
