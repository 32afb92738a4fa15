"""Per-device Ed25519 keys: bundles (and issued documents) are signed with them, peers verify
with the public half.

The private key lives in ``<folder>/device-key.pem`` (PKCS#8 PEM, unencrypted, mode 0600 on
POSIX). It is created once, written to a temporary name, flushed and then linked into place
without overwriting, so two processes starting at the same moment end up with the same key.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from inspector.core.durable import atomic_file
from inspector.core.errors import InspectorError
from inspector.core.i18n import t

KEY_FILE = "device-key.pem"
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
MAX_KEY_FILE_BYTES = 64 * 1024


class KeyFileError(InspectorError):
    """The device key file cannot be read or written; the message names the file."""


class DeviceKey:
    """This device's signing key."""

    def __init__(self, private_key: Ed25519PrivateKey, path: Path | None = None) -> None:
        self._private = private_key
        self.path = path

    @classmethod
    def generate(cls) -> DeviceKey:
        """A new key kept in memory only (tests, or before a folder exists)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, folder: Path) -> DeviceKey:
        """The key in ``folder/device-key.pem``, made on first use."""
        path = Path(folder) / KEY_FILE
        if path.exists():
            return cls._load(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise KeyFileError(t("无法创建密钥文件夹 {folder}：{e}",
                                 "Cannot create the key folder {folder}: {e}",
                                 folder=path.parent, e=exc)) from exc
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        try:
            # exclusive: never replaces a key another process just made
            with atomic_file(path, exclusive=True, map_errors=False) as temporary:
                _write_private(temporary, pem)
        except FileExistsError:
            return cls._load(path)
        except OSError as exc:
            raise KeyFileError(t("无法写入设备密钥 {file}：{e}",
                                 "Cannot write the device key {file}: {e}",
                                 file=path, e=exc)) from exc
        return cls(private, path)

    @classmethod
    def _load(cls, path: Path) -> DeviceKey:
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_KEY_FILE_BYTES + 1)
        except OSError as exc:
            raise KeyFileError(t("无法读取设备密钥 {file}：{e}",
                                 "Cannot read the device key {file}: {e}",
                                 file=path, e=exc)) from exc
        try:
            if len(data) > MAX_KEY_FILE_BYTES:
                raise ValueError("too large")
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyFileError(t("设备密钥 {file} 已损坏或不是本程序的密钥：{e}",
                                 "The device key {file} is damaged or not ours: {e}",
                                 file=path, e=exc)) from exc
        if not isinstance(private, Ed25519PrivateKey):
            raise KeyFileError(t("设备密钥 {file} 不是 Ed25519 密钥",
                                 "The device key {file} is not an Ed25519 key", file=path))
        return cls(private, path)

    def public_bytes(self) -> bytes:
        return self._private.public_key().public_bytes(serialization.Encoding.Raw,
                                                       serialization.PublicFormat.Raw)

    def public_hex(self) -> str:
        return self.public_bytes().hex()

    def fingerprint(self) -> str:
        return fingerprint(self.public_hex())

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)

    def __repr__(self) -> str:  # never the private half
        return f"DeviceKey({self.fingerprint()})"


def verify(public_hex: str, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is ``data`` signed by the key ``public_hex``; False if malformed."""
    if len(signature) != SIGNATURE_BYTES or len(public_hex) != 2 * PUBLIC_KEY_BYTES:
        return False
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        public.verify(signature, data)
    except (ValueError, InvalidSignature):
        return False
    return True


def fingerprint(public_hex: str) -> str:
    """Short form to compare keys by eye or on the phone: ``"3f2a 9c01 b7e4 05d8"``.

    Raises ValueError for something that is not a 32-byte key in hex.
    """
    raw = bytes.fromhex(public_hex)
    if len(raw) != PUBLIC_KEY_BYTES:
        raise ValueError(f"not an Ed25519 public key: {public_hex!r}")
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return " ".join(digest[i:i + 4] for i in range(0, 16, 4))


def _write_private(path: Path, data: bytes) -> None:
    """A new file only this user can read (``atomic_file`` flushes it)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(descriptor, view)
            view = view[written:]
    finally:
        os.close(descriptor)


