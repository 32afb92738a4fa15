"""Team settings that sync: the issuing office, district targets … (not a laptop's own).

A setting is a row of the ``config`` table keyed by its name, written through the change log
like any user data, so every laptop of the team uses the same issuer name and the same
targets. Each known key has a parser that checks and normalises the value; modules that need
settings register their keys with ``key()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inspector.core import records
from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store

MAX_TEXT = 200


@dataclass(frozen=True)
class Key:
    pattern: str  # a name, or a regular expression for a family (targets.<district>.<year>)
    parse: Callable[[str], str]
    help_zh: str
    help_en: str
    check_name: Callable[[Store, str], None] | None = None  # e.g. the district is known

    def matches(self, name: str) -> bool:
        return re.fullmatch(self.pattern, name) is not None


KEYS: list[Key] = []


def text(value: str) -> str:
    """A line of text: no control characters, at most 200 characters."""
    value = value.strip()
    if not value or len(value) > MAX_TEXT or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InspectorError(t("应为 1–{n} 个字符的一行文字", "give one line of 1-{n} characters",
                               n=MAX_TEXT))
    return value


def percent(value: str) -> str:
    try:
        number = float(value.strip().rstrip("%"))
    except ValueError:
        number = float("nan")
    if not 0 <= number <= 100:
        raise InspectorError(t("应为 0–100 之间的百分数", "give a percentage between 0 and 100"))
    return f"{number:g}"


def key(pattern: str, parse: Callable[[str], str], help_zh: str, help_en: str,
        check_name: Callable[[Store, str], None] | None = None) -> Key:
    """Register a setting (or a family of settings by regular expression)."""
    made = Key(pattern, parse, help_zh, help_en, check_name)
    KEYS.append(made)
    return made


def _known(name: str) -> Key:
    found = next((k for k in KEYS if k.matches(name)), None)
    if found is None:
        raise InspectorError(t("未知的设置 {k}；可用：{all}", "Unknown setting {k}; known: {all}",
                               k=name, all=", ".join(k.pattern for k in KEYS)))
    return found


def get(store: Store, name: str, default: str | None = None) -> str | None:
    row = store.query_one("SELECT value FROM config WHERE id = ?", (name,))
    return row["value"] if row and row["value"] is not None else default


def set_value(store: Store, name: str, value: str | None) -> str | None:
    """Set (or, with None, clear) a team setting; returns the stored value."""
    known = _known(name)
    if known.check_name is not None:
        known.check_name(store, name)
    parsed = known.parse(value) if value is not None else None
    with store.write():
        records.put(store, "config", name, {"value": parsed})
    return parsed


def list_all(store: Store) -> list[dict[str, Any]]:
    return store.query("SELECT id AS key, value FROM config WHERE value IS NOT NULL"
                       " ORDER BY id")


key(r"issuer\.name", text, "发文机关（如 宁波市海曙区南门街道办事处）",
    "issuing office (e.g. 宁波市海曙区南门街道办事处)")
key(r"issuer\.prefix", text, "文号前缀（如 南街绿）", "prefix of document numbers (e.g. 南街绿)")
key(r"issuer\.contact", text, "联系人", "contact person")
key(r"issuer\.phone", text, "联系电话", "contact phone")


def _target_district(store: Store, name: str) -> None:
    """``targets.<district>.<year>``: the district is Ningbo's, the registry's, or 全市."""
    from inspector.domain.districts import NINGBO_DISTRICTS

    district = name.split(".")[1]
    known = list(NINGBO_DISTRICTS) + [r["district"] for r in store.query(
        "SELECT DISTINCT district FROM communities") if r["district"] not in NINGBO_DISTRICTS]
    if district not in known and district != "全市":
        raise InspectorError(t("未知的区县“{d}”；可用：全市、{all}",
                               "Unknown district {d!r}; known: 全市 (all), {all}",
                               d=district, all="、".join(known)))


key(r"targets\.[^.]+\.(19|20)[0-9]{2}", percent, "某区县某年的达标比例目标（%）；"
    "targets.全市.<年份> 适用于所有区县", "a district's target share for a year (%); "
    "targets.全市.<year> applies to every district", _target_district)
key(r"report\.unit", text, "汇总表的填报单位（默认为发文机关）",
    "the reporting office on the summary (default: the issuing office)")
key(r"report\.person", text, "汇总表的填报人（默认为当前用户）",
    "who fills in the summary (default: the current user)")
