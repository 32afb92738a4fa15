"""Communities (社区): the registry inspections are made against."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from inspector.core import records
from inspector.core.errors import InspectorError, NotFoundError
from inspector.core.i18n import t
from inspector.core.store import Store

PROPERTY_MANAGEMENT = ("专业物业", "准物业", "自治", "无")
PROPERTY_MANAGEMENT_EN = {
    "professional": "专业物业",
    "quasi": "准物业",
    "self": "自治",
    "self-managed": "自治",
    "none": "无",
}
EDITABLE = ("district", "street", "name", "address", "households", "property_management", "tags",
            "latitude", "longitude")


@dataclass(frozen=True)
class CommunityData:
    district: str
    street: str
    name: str
    address: str = ""
    households: int | None = None
    property_management: str | None = None
    tags: tuple[str, ...] = ()
    latitude: float | None = None  # WGS-84, where the community is (for the 2 km photo hint)
    longitude: float | None = None

    def key(self) -> tuple[str, str, str]:
        return (self.district, self.street, self.name)

    def columns(self) -> dict[str, Any]:
        return {
            "district": self.district,
            "street": self.street,
            "name": self.name,
            "address": self.address or None,
            "households": self.households,
            "property_management": self.property_management,
            "tags": json.dumps(list(self.tags), ensure_ascii=False) if self.tags else None,
            "latitude": self.latitude,
            "longitude": self.longitude,
        }


def normalise_property_management(value: str) -> str | None:
    """Accept the Chinese terms or their English names; None if it is neither."""
    text = value.strip()
    if text in PROPERTY_MANAGEMENT:
        return text
    return PROPERTY_MANAGEMENT_EN.get(text.lower())


MAX_HOUSEHOLDS = 1_000_000  # the largest 社区 has tens of thousands; more is a typing slip


def _validate(data: CommunityData) -> None:
    for field, value in (("district", data.district), ("street", data.street),
                         ("name", data.name)):
        if not value.strip():
            raise InspectorError(t("社区的 {f} 不能为空", "A community's {f} must not be empty",
                                   f=field))
    if data.households is not None and not 0 <= data.households <= MAX_HOUSEHOLDS:
        raise InspectorError(t("户数应在 0–{m:,} 之间", "Households must be between 0 and {m:,}",
                               m=MAX_HOUSEHOLDS))
    if data.property_management is not None and data.property_management not in PROPERTY_MANAGEMENT:
        raise InspectorError(t("物业管理应为 {all}", "Property management must be one of {all}",
                               all="/".join(PROPERTY_MANAGEMENT)))
    if data.latitude is not None or data.longitude is not None:
        from inspector.domain import geo

        geo.check(data.latitude, data.longitude)


# Communities are named by where they are: the same registry imported on two laptops before
# their first sync makes the same rows, not two of each.
COMMUNITY_NAMESPACE = uuid.UUID("6f1c2a0e-5b7d-4c1e-9a57-3f0e2d1c4b88")


def community_id_for(district: str, street: str, name: str) -> str:
    key = "|".join(part.strip() for part in (district, street, name))
    return uuid.uuid5(COMMUNITY_NAMESPACE, key).hex


def create(store: Store, data: CommunityData) -> str:
    _validate(data)
    community_id = community_id_for(data.district, data.street, data.name)
    with store.write():
        records.put(store, "communities", community_id,
                    {**data.columns(), "created_at": store.wall.iso()})
    return community_id


def edit(store: Store, community_id: str, **changes: Any) -> dict[str, Any]:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InspectorError(t("不能修改的字段：{f}", "Fields that cannot be edited: {f}",
                               f=", ".join(sorted(unknown))))
    with store.write():
        current = get(store, community_id)
        tags = changes.get("tags", tuple(json.loads(current["tags"] or "[]")))
        data = CommunityData(
            district=changes.get("district", current["district"]),
            street=changes.get("street", current["street"]),
            name=changes.get("name", current["name"]),
            address=changes.get("address", current["address"] or ""),
            households=changes.get("households", current["households"]),
            property_management=changes.get("property_management",
                                             current["property_management"]),
            tags=tuple(tags),
            latitude=changes.get("latitude", current.get("latitude")),
            longitude=changes.get("longitude", current.get("longitude")),
        )
        _validate(data)
        return records.put(store, "communities", community_id, data.columns())


def get(store: Store, community_id: str) -> dict[str, Any]:
    row = store.query_one("SELECT * FROM communities WHERE id = ?", (community_id,))
    if row is None:
        raise NotFoundError(t("没有社区 {id}", "No community {id}", id=community_id))
    return row


def find_by_key(store: Store, district: str, street: str, name: str) -> dict[str, Any] | None:
    return store.query_one(
        "SELECT * FROM communities WHERE district = ? AND street = ? AND name = ?",
        (district, street, name),
    )


def resolve(store: Store, id_or_name: str) -> dict[str, Any]:
    """Find a community by id, id prefix or name; refuse an ambiguous name."""
    text = id_or_name.strip()
    row = store.query_one("SELECT * FROM communities WHERE id = ?", (text,))
    if row:
        return row
    matches = store.query("SELECT * FROM communities WHERE name = ? ORDER BY district, street",
                          (text,))
    if not matches and len(text) >= 6:
        matches = store.query("SELECT * FROM communities WHERE id LIKE ? || '%'", (text,))
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFoundError(t("找不到社区“{c}”", "No community named or numbered {c!r}", c=text))
    raise NotFoundError(t(
        "有 {n} 个社区叫“{c}”，请用编号：{ids}",
        "{n} communities are called {c!r}; use an id: {ids}",
        n=len(matches), c=text,
        ids="; ".join(f"{m['id'][:8]} ({m['district']} {m['street']})" for m in matches)))


def list_all(store: Store, district: str | None = None, limit: int | None = None,
             offset: int = 0) -> list[dict[str, Any]]:
    sql = "SELECT * FROM communities"
    params: list[Any] = []
    if district:
        sql += " WHERE district = ?"
        params.append(district)
    sql += " ORDER BY district, street, name"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return store.query(sql, params)
