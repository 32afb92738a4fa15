"""Estates (小区) of a community, each with its property company (物业服务企业).

A community (社区) usually spans several estates; the estate's property company is who fixes
a hazard in its common areas, so it is a finding's responsible party by default.
"""

from __future__ import annotations

import uuid
from typing import Any

from inspector.core import records
from inspector.core.errors import InspectorError, NotFoundError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import communities

PROPERTY_TYPES = communities.PROPERTY_MANAGEMENT  # 专业物业 / 准物业 / 自治 / 无
NAMESPACE = uuid.UUID("7d2e9c41-58a3-4b6f-8e0d-2f4a6c8e0b13")
MAX_TEXT = 100


def estate_id(community_id: str, name: str) -> str:
    # Named by community and name: two laptops adding the same estate make one row.
    return uuid.uuid5(NAMESPACE, f"{community_id}|{name.strip()}").hex


def _text(value: str | None, what: str) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_TEXT or any(ord(c) < 32 for c in text):
        raise InspectorError(t("{w} 应为一行不超过 {n} 个字符的文字",
                               "{w} must be one line of at most {n} characters",
                               w=what, n=MAX_TEXT))
    return text or None


def put(store: Store, community: str, name: str, *, property_company: str | None = None,
        property_type: str | None = None, contact: str | None = None,
        phone: str | None = None) -> str:
    """Add an estate to a community, or update its property company; returns its id."""
    clean = _text(name, t("小区名", "The estate name"))
    if not clean:
        raise InspectorError(t("小区名不能为空", "An estate needs a name"))
    kind = None
    if property_type:
        kind = communities.normalise_property_management(property_type)
        if kind is None:
            raise InspectorError(t("物业类型“{v}”应为 {all}",
                                   "The property type {v!r} must be one of {all}",
                                   v=property_type, all="/".join(PROPERTY_TYPES)))
    company = _text(property_company, t("物业企业", "The property company"))
    if company and kind == "无":
        raise InspectorError(t("物业类型为“无”的小区不能有物业企业",
                               "An estate without property management has no company"))
    with store.write():
        row = communities.resolve(store, community)
        new_id = estate_id(row["id"], clean)
        current = store.query_one("SELECT * FROM estates WHERE id = ?", (new_id,))
        values: dict[str, Any] = {
            "community_id": row["id"], "name": clean,
            "property_company": company, "property_type": kind or (
                "专业物业" if company else None),
            "contact": _text(contact, t("联系人", "The contact")),
            "phone": _text(phone, t("电话", "The phone")), "deleted": None,
        }
        if current is None:
            values |= {"created_at": store.wall.iso(), "created_by": store.actor}
        records.put(store, "estates", new_id, values, current=current)
    return new_id


def list_estates(store: Store, community_id: str | None = None) -> list[dict[str, Any]]:
    sql = ("SELECT e.*, c.name AS community, c.district, c.street FROM estates e"
           " LEFT JOIN communities c ON c.id = e.community_id WHERE e.deleted IS NULL")
    params: list[Any] = []
    if community_id:
        sql += " AND e.community_id = ?"
        params.append(community_id)
    return store.query(sql + " ORDER BY c.district, c.street, c.name, e.name", params)


def get(store: Store, estate: str) -> dict[str, Any]:
    row = store.query_one("SELECT * FROM estates WHERE id = ?", (estate,))
    if row is None:
        raise NotFoundError(t("没有小区 {id}", "No estate {id}", id=estate))
    return row


def resolve(store: Store, community_id: str, name: str) -> dict[str, Any]:
    """An estate of the community by name (or id)."""
    text = name.strip()
    row = store.query_one("SELECT * FROM estates WHERE community_id = ? AND (name = ? OR id = ?)"
                          " AND deleted IS NULL", (community_id, text, text))
    if row is None:
        known = [r["name"] for r in list_estates(store, community_id)]
        community = communities.get(store, community_id)["name"]
        raise NotFoundError(t("{c} 没有小区“{e}”；已登记：{all}",
                              "{c} has no estate {e!r}; registered: {all}", c=community, e=text,
                              all="、".join(known) or t("无（用 inspector estates add 添加）",
                                                       "none (add with inspector estates add)")))
    return row
