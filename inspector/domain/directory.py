"""The directory of units (单位名录): who supervises a finding or receives its 交办单.

One row per district and code (消防, 综合执法, 住建 …) with the unit's full name, contact
person and phone. A street office keeps it as a spreadsheet; ``import_csv`` reads it all or
nothing. The shipped sample (resources/sample/directory-sample.csv) is marked 示例 until
replaced by the street's real list.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector.core import records
from inspector.core.errors import ImportFileError, InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain.community_import import decode

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_CELL = 200
SAMPLE_FILE = Path(__file__).resolve().parents[2] / "resources" / "sample" / \
    "directory-sample.csv"

# Unit codes a finding may name as its supervising department, with the generic name used
# when the directory has no entry for the district.
CODES: dict[str, tuple[str, str]] = {
    "消防": ("消防救援机构", "Fire and Rescue"),
    "综合执法": ("综合行政执法部门", "Comprehensive Law Enforcement"),
    "住建": ("住房和城乡建设部门", "Housing and Construction"),
    "城管/分类办": ("生活垃圾分类工作办公室", "Waste Sorting Office"),
    "生态环境": ("生态环境部门", "Ecology and Environment"),
    "市场监管": ("市场监督管理部门", "Market Supervision"),
    "民政": ("民政部门", "Civil Affairs"),
    "供电": ("供电公司", "Power Supply Company"),
    "燃气": ("燃气公司", "Gas Company"),
    "通信": ("通信运营企业", "Telecom Operators"),
    "排水": ("排水公司", "Drainage Company"),
    "派出所": ("公安派出所", "Police Station"),
    "街道": ("街道办事处", "Subdistrict Office"),
    "社区": ("社区居民委员会", "Community Residents' Committee"),
}
# The checklist's department codes → directory codes (the checklist names departments by
# function; the directory by the unit that receives the referral).
FROM_TEMPLATE = {"执法": "综合执法", "公安": "派出所", "生态": "生态环境", "市监": "市场监管"}

HEADERS: dict[str, tuple[str, ...]] = {
    "district": ("区县(市)", "区县", "district"),
    "code": ("代码", "部门代码", "code"),
    "name": ("单位名称", "单位", "名称", "name"),
    "contact": ("联系人", "contact"),
    "phone": ("电话", "联系电话", "phone"),
    "sample": ("示例", "sample"),
}
REQUIRED = ("district", "code", "name")
NAMESPACE = uuid.UUID("0b5e3f7a-2d41-4c8e-9f6a-1c2d3e4f5a6b")
PHONE = re.compile(r"^[0-9+()\- 转#,，、/]{3,40}$")


@dataclass(frozen=True)
class Unit:
    district: str
    code: str
    name: str
    contact: str = ""
    phone: str = ""
    sample: bool = False

    @property
    def id(self) -> str:
        return unit_id(self.district, self.code)


def unit_id(district: str, code: str) -> str:
    # Named by district and code: the same list imported on two laptops makes the same rows.
    return uuid.uuid5(NAMESPACE, f"{district.strip()}|{code.strip()}").hex


def directory_code(code: str) -> str:
    """A finding's department code as a directory code (执法 → 综合执法 …)."""
    return FROM_TEMPLATE.get(code, code)


def generic_name(code: str) -> str:
    known = CODES.get(directory_code(code))
    return t(known[0], known[1]) if known else code


def _check(unit: Unit) -> list[tuple[str, str]]:
    """(column, problem) for each bad field of a unit."""
    problems: list[tuple[str, str]] = []
    for column in REQUIRED:
        if not getattr(unit, column).strip():
            problems.append((column, t("不能为空", "must not be empty")))
    if unit.code and unit.code not in CODES:
        problems.append(("code", t("未知代码“{c}”，可用：{all}", "unknown code {c!r}; known: {all}",
                                   c=unit.code, all="、".join(CODES))))
    for column in ("district", "name", "contact", "phone"):
        value = getattr(unit, column)
        if len(value) > MAX_CELL or any(ord(c) < 32 for c in value):
            problems.append((column, t("应为一行不超过 {n} 个字符的文字",
                                       "must be one line of at most {n} characters", n=MAX_CELL)))
    if unit.phone and not PHONE.match(unit.phone):
        problems.append(("phone", t("“{p}”不像电话号码", "{p!r} is not a phone number",
                                    p=unit.phone)))
    return problems


def _columns(unit: Unit) -> dict[str, Any]:
    return {"district": unit.district, "code": unit.code, "name": unit.name,
            "contact": unit.contact or None, "phone": unit.phone or None,
            "sample": 1 if unit.sample else None, "deleted": None}


def put(store: Store, unit: Unit) -> bool:
    """Add or update one unit; returns whether anything changed."""
    problems = _check(unit)
    if problems:
        raise InspectorError("; ".join(f"{c}: {p}" for c, p in problems))
    with store.write():
        return bool(records.put(store, "directory", unit.id, _columns(unit)))


def _normalise(text: str) -> str:
    text = text.strip().lstrip("\ufeff").replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", text).lower()


_LOOKUP = {_normalise(h): column for column, names in HEADERS.items() for h in names}
_TRUE = {"1", "是", "示例", "yes", "y", "true", "x", "√"}


def parse(text: str, source: Path) -> list[Unit]:
    """Every unit of a CSV text; any bad line refuses the file, listing every bad line."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(t("{f} 是空文件", "{f} is empty", f=source)) from None
    columns = [_LOOKUP.get(_normalise(h)) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFileError(t("{f} 第 1 行缺少列：{c}", "{f} line 1 lacks the columns: {c}",
                                f=source, c="、".join(HEADERS[c][0] for c in missing)))
    problems: list[str] = []
    units: list[Unit] = []
    seen: dict[tuple[str, str], int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        values = {column: cells[i].strip() for i, column in enumerate(columns)
                  if column and i < len(cells)}
        unit = Unit(values.get("district", ""), values.get("code", ""),
                    values.get("name", ""), values.get("contact", ""),
                    values.get("phone", ""), values.get("sample", "").lower() in _TRUE)
        bad = _check(unit)
        key = (unit.district, unit.code)
        if not bad and key in seen:
            bad.append(("code", t("与第 {n} 行重复", "repeats line {n}", n=seen[key])))
        for column, problem in bad:
            problems.append(t("第 {n} 行，{c}：{p}", "line {n}, {c}: {p}", n=line,
                              c=HEADERS[column][0], p=problem))
        if not bad:
            seen[key] = line
            units.append(unit)
    if problems:
        raise ImportFileError(t("{f} 有 {n} 处错误，未导入任何单位：",
                                "{f} has {n} problems; no unit was imported:",
                                f=source, n=len(problems)), problems)
    return units


def import_csv(store: Store, path: Path) -> tuple[int, int]:
    """Import a directory CSV (UTF-8 or GBK), all or nothing; returns (changed, unchanged)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFileError(t("{f} 太大（{n} 字节）", "{f} is too large ({n} bytes)",
                                    f=path, n=size))
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(t("无法读取 {f}：{e}", "Cannot read {f}: {e}", f=path,
                                e=exc.strerror or exc)) from exc
    units = parse(decode(raw, path), path)
    changed = 0
    with store.write():
        for unit in units:
            if records.put(store, "directory", unit.id, _columns(unit)):
                changed += 1
    return changed, len(units) - changed


def ensure_sample(store: Store) -> None:
    """Load the shipped sample (marked 示例) into an empty directory."""
    if store.query_one("SELECT id FROM directory LIMIT 1") is None:
        import_csv(store, SAMPLE_FILE)


def list_units(store: Store, district: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM directory WHERE deleted IS NULL"
    params: list[Any] = []
    if district:
        sql += " AND district = ?"
        params.append(district)
    return store.query(sql + " ORDER BY district, code", params)


def unit_for(store: Store, district: str | None, code: str) -> dict[str, Any]:
    """The unit receiving a department's 交办单 in a district; the generic name when the
    directory has none (``found`` tells which)."""
    wanted = directory_code(code)
    row = store.query_one("SELECT * FROM directory WHERE district = ? AND code = ?"
                          " AND deleted IS NULL", (district or "", wanted))
    if row is not None:
        return {**row, "found": True}
    return {"district": district, "code": wanted, "name": generic_name(wanted), "contact": None,
            "phone": None, "sample": None, "found": False}
