"""The team roster: which devices' bundles are applied. Roster changes are changes too.

A device publishes its own name, public key and short code (only it may: others' changes to
those are ignored). Trust is given by a teammate and names the key trusted: a device's key is
fixed when it is first trusted, and a bundle signed with any other key for that id is refused
as a security warning. Revoking is a cut: "trusted up to sequence number N" is itself a
synced fact, so every laptop counts exactly the same changes of the revoked device.
"""

from __future__ import annotations

import socket
from typing import Any

from inspector.core import identity, records
from inspector.core.errors import InspectorError, NotFoundError
from inspector.core.i18n import t
from inspector.core.keys import KEY_FILE, fingerprint
from inspector.core.store import Store

__all__ = ["fingerprint"]

KEY_FOLDER = identity.KEY_FOLDER
device_key = identity.device_key


def retire_key(store: Store, old_device: str) -> None:
    """After a fork: the old identity's key is kept under its id, a new one is made."""
    folder = store.data_dir / KEY_FOLDER
    current = folder / KEY_FILE
    if current.exists():
        current.replace(folder / f"retired-{old_device}.pem")


def device_name(store: Store) -> str:
    return store.get_setting("device_name") or socket.gethostname() or store.device_id[:8]


device_code = identity.device_code


def ensure_self(store: Store) -> None:
    """This device is on its own roster with its name, public key and code."""
    key = device_key(store)
    wanted = {"name": device_name(store), "public_key": key.public_hex(),
              "code": device_code(store)}
    with store.write():
        row = store.query_one("SELECT * FROM devices WHERE id = ?", (store.device_id,))
        if row is None or any(row[k] != v for k, v in wanted.items()):
            records.put(store, "devices", store.device_id, wanted)


def list_devices(store: Store) -> list[dict[str, Any]]:
    rows = store.query("SELECT * FROM devices ORDER BY name, id")
    waiting = store.query(
        "SELECT device, device_name, public_key, COUNT(*) AS bundles FROM inbox"
        " WHERE state = 'quarantined' GROUP BY device, public_key")
    claims: dict[str, set[str]] = {}
    for entry in waiting:
        claims.setdefault(entry["device"], set()).add(entry["public_key"])
    known = {row["id"]: row for row in rows}
    for row in rows:
        row["name"] = store.get_setting(f"alias:{row['id']}") or row["name"]
        row["self"] = row["id"] == store.device_id
        row["trusted"] = 1 if row["self"] else (row["trusted"] or 0)
        key = row["trusted_key"] or row["public_key"]
        row["fingerprint"] = fingerprint(key) if key else ""
        row["quarantined"] = 0
        row["warning"] = ""
        if row["trusted_key"] and row["public_key"] and row["trusted_key"] != row["public_key"]:
            row["warning"] = t("公布的密钥与受信任的密钥不同", "its published key is not the "
                               "key that was trusted")
    for entry in waiting:
        device = entry["device"]
        if device in known:
            known[device]["quarantined"] += entry["bundles"]
            trusted = known[device]["trusted_key"]
            if trusted and trusted != entry["public_key"]:
                known[device]["warning"] = t(
                    "另有一个密钥（指纹 {f}）自称是此设备", "another key (fingerprint {f}) "
                    "claims to be this device", f=fingerprint(entry["public_key"]))
            continue
        row = {"id": device, "name": store.get_setting(f"alias:{device}")
               or entry["device_name"], "public_key": entry["public_key"],
               "trusted_key": None, "trusted_upto": None, "code": None, "trusted": 0,
               "fingerprint": fingerprint(entry["public_key"]), "self": False,
               "quarantined": entry["bundles"], "warning": ""}
        if len(claims[device]) > 1:
            row["warning"] = t(
                "有 {n} 个不同的密钥自称是此设备（指纹 {all}）：信任前请当面核对",
                "{n} different keys claim to be this device (fingerprints {all}): check in "
                "person before trusting", n=len(claims[device]),
                all=", ".join(sorted(fingerprint(k) for k in claims[device])))
        rows.append(row)
        known[device] = row
    return rows


def resolve_device(store: Store, text: str) -> dict[str, Any]:
    text = text.strip()
    matches = {d["id"]: d for d in list_devices(store) if d["id"].startswith(text)}
    if len(matches) != 1:
        raise NotFoundError(t("找不到设备 {d}", "No device {d}", d=text) if not matches else
                            t("设备编号 {d} 不唯一", "The device id {d} is ambiguous", d=text))
    return next(iter(matches.values()))


def trust_key(store: Store, device_id: str, public_key: str, alias: str | None = None) -> None:
    """Trust ``public_key`` for a device; ``alias``: a name of one's own for it, kept on this
    laptop only (a device's name is its own to give, and syncs from it)."""
    records.put(store, "devices", device_id,
                {"trusted": 1, "trusted_key": public_key, "trusted_upto": None})
    if alias:
        store.set_setting(f"alias:{device_id}", alias)


def trust(store: Store, device_text: str, name: str | None = None, *,
          fingerprint_seen: str | None = None) -> dict[str, Any]:
    """Put a device on the roster with the key its bundles carry. Its own name is kept unless
    a new one is given. A key is fixed once trusted: trusting another key for the same id is
    refused (it would let whoever holds it sign as that device)."""
    device = resolve_device(store, device_text)
    if device["self"]:
        raise InspectorError(t("本机无需信任", "This device trusts itself"))
    keys = {row["public_key"] for row in store.query(
        "SELECT public_key FROM inbox WHERE device = ?", (device["id"],))}
    keys |= {device["public_key"]} if device["public_key"] else set()
    if device["trusted_key"]:
        keys = {device["trusted_key"]}
    if fingerprint_seen:
        keys = {k for k in keys if fingerprint(k) == fingerprint_seen.strip()}
    if not keys:
        raise InspectorError(t("设备 {d} 的公钥未知：先导入它的一个数据包",
                               "The key of device {d} is unknown: import one of its bundles "
                               "first", d=device["id"][:8]))
    if len(keys) > 1:
        raise InspectorError(t(
            "有 {n} 个不同的密钥自称是设备 {d}（指纹 {all}）：请当面核对，然后用 --fingerprint "
            "指明要信任的那个", "{n} different keys claim to be device {d} (fingerprints "
            "{all}): check in person, then name the one to trust with --fingerprint",
            n=len(keys), d=device["id"][:8], all=", ".join(sorted(fingerprint(k) for k in keys))))
    key = keys.pop()
    with store.write():
        trust_key(store, device["id"], key, name.strip() if name and name.strip() else None)
    return device


def revoke(store: Store, device_text: str, upto: int | None = None) -> dict[str, Any]:
    """Stop counting a device's changes after the last one this laptop has (or ``upto``)."""
    from inspector.core import changelog

    device = resolve_device(store, device_text)
    if device["self"]:
        raise InspectorError(t("不能撤销本机", "This device cannot revoke itself"))
    cut = changelog.have(store, device["id"]) if upto is None else upto
    with store.write():
        records.put(store, "devices", device["id"], {"trusted": 0, "trusted_upto": cut})
        keys = changelog.apply_cut(store, device["id"])
        changelog.refresh(store, keys)
    return device


# The key a device's bundles must carry; the rule lives in core so that issued documents are
# checked against the same keys.
trusted_key = identity.trusted_key
