"""The team roster: which devices' bundles are applied. Roster changes are changes too."""

from __future__ import annotations

import socket
from typing import Any

from inspector.core import records
from inspector.core.errors import InspectorError, NotFoundError
from inspector.core.i18n import t
from inspector.core.store import Store
from sync.keys import DeviceKey, fingerprint

KEY_FOLDER = "keys"


def device_key(store: Store) -> DeviceKey:
    return DeviceKey.load_or_create(store.data_dir / KEY_FOLDER)


def device_name(store: Store) -> str:
    return store.get_setting("device_name") or socket.gethostname() or store.device_id[:8]


def ensure_self(store: Store) -> None:
    """This device is on its own roster, trusted, with its public key."""
    key = device_key(store)
    with store.write():
        row = store.query_one("SELECT * FROM devices WHERE id = ?", (store.device_id,))
        wanted = {"name": device_name(store), "public_key": key.public_hex(), "trusted": 1}
        if row is None or any(row[k] != v for k, v in wanted.items()):
            records.put(store, "devices", store.device_id, wanted)


def list_devices(store: Store) -> list[dict[str, Any]]:
    rows = store.query("SELECT * FROM devices ORDER BY name, id")
    waiting = store.query(
        "SELECT device, device_name, public_key, COUNT(*) AS bundles FROM inbox"
        " WHERE state = 'quarantined' GROUP BY device")
    known = {row["id"] for row in rows}
    for row in rows:
        row["fingerprint"] = fingerprint(row["public_key"]) if row["public_key"] else ""
        row["self"] = row["id"] == store.device_id
        row["quarantined"] = 0
    for entry in waiting:
        if entry["device"] in known:
            next(r for r in rows if r["id"] == entry["device"])["quarantined"] = entry["bundles"]
        else:
            rows.append({"id": entry["device"], "name": entry["device_name"],
                         "public_key": entry["public_key"], "trusted": 0,
                         "fingerprint": fingerprint(entry["public_key"]), "self": False,
                         "quarantined": entry["bundles"], "updated_at": None})
    return rows


def resolve_device(store: Store, text: str) -> dict[str, Any]:
    matches = [d for d in list_devices(store) if d["id"].startswith(text.strip())]
    if len(matches) != 1:
        raise NotFoundError(t("找不到设备 {d}", "No device {d}", d=text))
    return matches[0]


def trust(store: Store, device_text: str, name: str | None = None) -> dict[str, Any]:
    """Put a device on the roster. Its own name is kept unless a new one is given (a rename
    syncs like any change, and two different names given at once become a conflict)."""
    device = resolve_device(store, device_text)
    if not device["public_key"]:
        raise InspectorError(t("设备 {d} 的公钥未知：先导入它的一个数据包",
                               "The key of device {d} is unknown: import one of its bundles "
                               "first", d=device["id"][:8]))
    values: dict[str, Any] = {"public_key": device["public_key"], "trusted": 1}
    if name and name.strip():
        values["name"] = name.strip()
    elif device.get("updated_at") is None:  # known only from its quarantined bundle
        values["name"] = device["name"]
    with store.write():
        records.put(store, "devices", device["id"], values)
    return device


def revoke(store: Store, device_text: str) -> dict[str, Any]:
    device = resolve_device(store, device_text)
    if device["id"] == store.device_id:
        raise InspectorError(t("不能撤销本机", "This device cannot revoke itself"))
    with store.write():
        records.put(store, "devices", device["id"], {"trusted": 0})
    return device


def trusted_key(store: Store, device_id: str) -> str | None:
    row = store.query_one("SELECT public_key, trusted FROM devices WHERE id = ?", (device_id,))
    return str(row["public_key"]) if row and row["trusted"] else None
