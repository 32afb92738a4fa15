"""The bundle format: what a manifest and a change line must be, and bundle file names.

Checks only (no files, no database): the reader and the writer apply the same rules, so a
bundle this program writes is one every peer accepts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal, NoReturn, TypeGuard

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from inspector.core import jsoninput
from inspector.core.i18n import t
from inspector.core.jsoninput import JsonInputError
from sync.zipguard import (
    CHANGES,
    PHOTO_NAME,
    BundleError,
    Fail,
    Limits,
    _show,
)

# 2: changes write registers and name what they replaced; photos may be listed as missing.
FORMAT = 2
APP = "green-inspector"
PHOTO_EXTENSIONS = ("jpg", "png", "heic")
PHOTO_TABLE = "photos"  # a change to this table's "meta" register names a photo's original
PHOTO_REGISTER = "meta"
MAX_SEQ = 10**12 - 1  # bundle file names hold 12 digits

MANIFEST_FIELDS = frozenset({
    "format", "app", "device", "device_name", "public_key", "first_seq", "last_seq",
    "clock_min", "clock_max", "depends", "counts", "entries", "created_at", "missing_photos"})
CHANGE_FIELDS = frozenset({
    "device", "seq", "hlc", "tbl", "row_id", "reg", "value", "replaces", "actor"})

DEVICE_ID = re.compile(r"[0-9a-f]{16,64}")
HEX64 = re.compile(r"[0-9a-f]{64}")
STAMP = re.compile(r"[0-9]{15}-[0-9]{5}")
BASE = re.compile(r"([0-9a-f]{16,64}):([1-9][0-9]{0,11})")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
FILE_NAME = re.compile(r"([0-9]{12})-([0-9]{12})\.zip")
MAX_NAME_CHARS = 200
MAX_ROW_ID_CHARS = 1000


def bundle_file_name(first_seq: int, last_seq: int) -> str:
    """``000000000001-000000000042.zip``: sorts by sequence number as text."""
    if not 1 <= first_seq <= last_seq <= MAX_SEQ:
        raise ValueError(f"bad sequence range {first_seq}-{last_seq}")
    return f"{first_seq:012d}-{last_seq:012d}.zip"


def parse_bundle_file_name(name: str) -> tuple[int, int] | None:
    """(first_seq, last_seq) of a bundle file name; None for anything else (temporary names,
    conflict copies, other files)."""
    match = FILE_NAME.fullmatch(name.lower())  # FAT sticks and Windows may upper-case it
    if not match:
        return None
    first, last = int(match.group(1)), int(match.group(2))
    return (first, last) if 1 <= first <= last else None


# -- manifest and changes --------------------------------------------------------------------


def _load_manifest(data: bytes, fail: Fail) -> dict[str, Any]:
    """Parse manifest.json far enough to check the format and the signature."""
    try:
        manifest = jsoninput.loads(data.decode("utf-8"), "manifest.json", kind=("", ""))
    except UnicodeDecodeError:
        raise fail("manifest_schema", t("manifest.json 不是 UTF-8 编码",
                                        "manifest.json is not UTF-8 text")) from None
    except JsonInputError as exc:  # not JSON, keys twice, NaN, 1e400, nested too deeply
        raise fail("manifest_schema", str(exc).strip()) from None
    if not isinstance(manifest, dict):
        raise fail("manifest_schema", t("manifest.json 不是 JSON 对象",
                                        "manifest.json is not a JSON object"))
    if manifest.get("app") != APP:
        raise fail("manifest_schema", t("不是本程序的数据包（app 字段不符）",
                                        "it is not a bundle of this program (field \"app\")"))
    version = manifest.get("format")
    if not _is_int(version) or version < 1:
        raise fail("manifest_schema", t("格式版本无效", "the format version is not valid"))
    if version < FORMAT:
        raise fail("old_format", t(
            "由升级前的程序生成（格式 {v}）；升级时数据已并入，无需导入",
            "it was made before the upgrade (format {v}); its data was carried over at the "
            "upgrade, nothing to import", v=version))
    if version > FORMAT:
        raise fail("format_version", t(
            "由更新版本的程序生成（格式 {v}，本程序只能读取格式 {ours}）：请升级本程序",
            "it was made by a newer version of the program (format {v}; this one reads format "
            "{ours}): update this program", v=version, ours=FORMAT))
    key = manifest.get("public_key")
    if not isinstance(key, str) or not HEX64.fullmatch(key):
        raise fail("manifest_schema", t("public_key 字段无效",
                                        "the field \"public_key\" is not valid"))
    return manifest


class _Spec(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


Seq = Annotated[int, Field(ge=1, le=MAX_SEQ)]
Stamp = Annotated[str, Field(pattern=f"^{STAMP.pattern}$")]
DeviceId = Annotated[str, Field(pattern=f"^{DEVICE_ID.pattern}$")]
Hex64 = Annotated[str, Field(pattern=f"^{HEX64.pattern}$")]


class CountsSpec(_Spec):
    changes: Annotated[int, Field(ge=0)]
    photos: Annotated[int, Field(ge=0)]


class EntrySpec(_Spec):
    sha256: Hex64
    size: Annotated[int, Field(ge=0)]


def _aware_time(value: str) -> str:
    try:
        aware = datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        aware = False
    if not aware:
        raise PydanticCustomError("iso_time", "is not an ISO time with an offset")
    return value


class ManifestSpec(_Spec):
    """What manifest.json must hold (format 2), declared once for the reader and the tests."""

    format: Literal[2]
    app: Literal["green-inspector"]
    device: DeviceId
    device_name: Annotated[str, Field(max_length=MAX_NAME_CHARS)]
    public_key: Hex64
    first_seq: Seq
    last_seq: Seq
    clock_min: Stamp
    clock_max: Stamp
    depends: dict[DeviceId, Seq]
    counts: CountsSpec
    entries: dict[str, EntrySpec]
    created_at: Annotated[str, AfterValidator(_aware_time)]
    missing_photos: list[Annotated[str, Field(pattern=f"^{PHOTO_NAME.pattern}$")]]

    @model_validator(mode="after")
    def _ordered(self) -> ManifestSpec:
        if self.first_seq > self.last_seq:
            raise PydanticCustomError("manifest_rule", "{f}: {d}", {
                "f": "first_seq", "d": t("大于 last_seq", "is greater than last_seq")})
        if self.clock_min > self.clock_max:
            raise PydanticCustomError("manifest_rule", "{f}: {d}", {
                "f": "clock_min", "d": t("晚于 clock_max", "is later than clock_max")})
        if self.depends.get(self.device, 0) >= self.first_seq:
            raise PydanticCustomError("manifest_rule", "{f}: {d}", {
                "f": "depends", "d": t("依赖本数据包自己的变更",
                                       "depends on this bundle's own changes")})
        return self


_MANIFEST_TYPES = {
    "string_type": ("应为文本", "must be text"),
    "int_type": ("应为整数", "must be an integer"),
    "dict_type": ("应为对象", "must be an object"),
    "model_type": ("应为对象", "must be an object"),
    "list_type": ("应为列表", "must be a list"),
    "string_pattern_mismatch": ("格式不对", "does not have the expected form"),
    "string_too_long": ("太长", "is too long"),
    "literal_error": ("的值不对", "does not have the expected value"),
    "greater_than_equal": ("超出范围", "is out of range"),
    "less_than_equal": ("超出范围", "is out of range"),
    "iso_time": ("不是带时区的 ISO 时间", "is not an ISO time with an offset"),
}


def manifest_problem(error: Mapping[str, Any]) -> str:
    """One pydantic error on manifest.json in words, naming the field (``entries.x.size``)."""
    kind = str(error["type"])
    ctx = error.get("ctx") or {}
    path = ".".join(_show(p) if isinstance(p, str) and not p.isidentifier() else str(p)
                    for p in error["loc"] if not str(p).startswith("function-"))
    if kind == "missing":
        return t("manifest.json 缺少字段 {f}", "manifest.json lacks the field {f}", f=path)
    if kind == "extra_forbidden":
        return t("manifest.json 有未知字段 {f}", "manifest.json has the unknown field {f}",
                 f=path)
    if kind == "manifest_rule":
        path, detail = str(ctx["f"]), str(ctx["d"])
    elif kind in _MANIFEST_TYPES:
        detail = t(*_MANIFEST_TYPES[kind])
    else:
        detail = str(error.get("msg", kind))
    return t("manifest.json 的字段 {f} {d}", "manifest.json: the field \"{f}\" {d}",
             f=path or "-", d=detail)


def _check_manifest(manifest: Mapping[str, Any], fail: Fail, limits: Limits) -> None:
    def bad(field_name: str, zh: str, en: str) -> BundleError:
        return fail("manifest_schema", t("manifest.json 的字段 {f} {d}",
                                         "manifest.json: the field \"{f}\" {d}",
                                         f=field_name, d=t(zh, en)))

    try:
        spec = ManifestSpec.model_validate(manifest)
    except ValidationError as exc:
        raise fail("manifest_schema", manifest_problem(
            exc.errors(include_url=False)[0])) from None
    first, last, counts = spec.first_seq, spec.last_seq, spec.counts
    if counts.changes != last - first + 1:
        raise fail("count_mismatch", t(
            "清单记录 {n} 条变更，但序号 {a}–{b} 应有 {m} 条",
            "the manifest counts {n} changes but sequence numbers {a}-{b} make {m}",
            n=counts.changes, a=first, b=last, m=last - first + 1))
    if counts.changes > limits.max_changes:
        raise fail("too_large", t("变更过多（{n} 条，上限 {limit}）",
                                  "too many changes ({n}; the limit is {limit})",
                                  n=counts.changes, limit=limits.max_changes))
    entries = spec.entries
    for entry_name, listed in entries.items():
        if entry_name != CHANGES and not PHOTO_NAME.fullmatch(entry_name):
            raise bad("entries", f"列出了不允许的条目 {_show(entry_name)}",
                      f"lists an entry that is not allowed: {_show(entry_name)}")
        photo = PHOTO_NAME.fullmatch(entry_name)
        if photo and photo.group(1) != listed.sha256:
            raise bad("entries", f"中 {_show(entry_name)} 的 SHA-256 与名称不符",
                      f"gives {_show(entry_name)} a SHA-256 other than its name")
    if CHANGES not in entries:
        raise bad("entries", "没有列出 changes.jsonl", "does not list changes.jsonl")
    photos = len(entries) - 1
    if counts.photos != photos:
        raise fail("count_mismatch", t(
            "清单记录 {n} 张照片，但列出了 {m} 张", "the manifest counts {n} photos but lists "
            "{m}", n=counts.photos, m=photos))
    if any(name in entries for name in spec.missing_photos):
        raise bad("missing_photos", "不是未附带的照片名称列表",
                  "is not a list of photo names that are not in the bundle")


def _parse_changes(data: bytes, manifest: Mapping[str, Any],
                   fail: Fail) -> list[dict[str, Any]]:
    def bad(line: int, zh: str, en: str, **params: Any) -> BundleError:
        return fail("changes_schema", t("changes.jsonl 第 {line} 行：" + zh,
                                        "changes.jsonl line {line}: " + en, line=line,
                                        **params))

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail("changes_schema", t("changes.jsonl 不是 UTF-8 文本：{e}",
                                       "changes.jsonl is not UTF-8 text: {e}", e=exc)) from exc
    if text and not text.endswith("\n"):
        raise fail("changes_schema", t("changes.jsonl 最后一行不完整",
                                       "the last line of changes.jsonl is incomplete"))
    lines = text.split("\n")[:-1]
    expected_count = manifest["counts"]["changes"]
    if len(lines) != expected_count:
        raise fail("count_mismatch", t(
            "changes.jsonl 有 {n} 行，清单记录 {m} 条变更",
            "changes.jsonl has {n} lines but the manifest counts {m} changes",
            n=len(lines), m=expected_count))
    decoded: list[Any] = []
    for number, line in enumerate(lines, 1):
        try:
            decoded.append(_json_loads(line))
        except ValueError as exc:
            raise bad(number, "不是有效的 JSON：{e}", "not valid JSON: {e}", e=exc) from exc
    return _check_changes(decoded, manifest, fail)


def _check_changes(decoded: Sequence[Any], manifest: Mapping[str, Any],
                   fail: Fail) -> list[dict[str, Any]]:
    """Every change as the reader accepts it (the writer checks the same, without decoding
    the JSON it has just made)."""
    def bad(line: int, zh: str, en: str, **params: Any) -> BundleError:
        return fail("changes_schema", t("changes.jsonl 第 {line} 行：" + zh,
                                        "changes.jsonl line {line}: " + en, line=line,
                                        **params))

    device, first = manifest["device"], manifest["first_seq"]
    low, high = manifest["clock_min"], manifest["clock_max"]
    changes: list[dict[str, Any]] = []
    for number, change in enumerate(decoded, 1):
        if not isinstance(change, dict):
            raise bad(number, "不是 JSON 对象", "not a JSON object")
        if set(change) != CHANGE_FIELDS:
            raise bad(number, "字段应为 {f}", "the fields must be {f}",
                      f=", ".join(sorted(CHANGE_FIELDS)))
        if change["device"] != device:
            raise bad(number, "来自另一台设备 {d}", "a change from another device {d}",
                      d=_show(change["device"]))
        seq, wanted = change["seq"], first + number - 1
        if not _is_int(seq) or seq != wanted:
            raise bad(number, "序号是 {s}，应为 {w}（缺号、重复或次序错乱）",
                      "sequence number {s}, expected {w} (a gap, a repeat or out of order)",
                      s=_show(seq), w=wanted)
        hlc = change["hlc"]
        if not isinstance(hlc, str) or not STAMP.fullmatch(hlc):
            raise bad(number, "hlc 不是时钟戳", "hlc is not a clock stamp")
        if not low <= hlc <= high:
            raise bad(number, "时钟戳 {h} 不在清单的范围 {a}–{b} 内",
                      "clock stamp {h} outside the manifest's range {a}-{b}",
                      h=hlc, a=low, b=high)
        for key in ("tbl", "reg"):
            if not isinstance(change[key], str) or not IDENTIFIER.fullmatch(change[key]):
                raise bad(number, "{k} 不是名称", "{k} is not a name", k=key)
        row_id = change["row_id"]
        if not isinstance(row_id, str) or not 0 < len(row_id) <= MAX_ROW_ID_CHARS:
            raise bad(number, "row_id 不是非空文本", "row_id is not a non-empty text")
        value = change["value"]
        # The shape only (the merge parses it and checks every column before writing).
        if not isinstance(value, str) or not (value.startswith("{") and value.endswith("}")):
            raise bad(number, "value 不是 JSON 对象文本", "value is not the text of a JSON "
                      "object")
        replaces = change["replaces"]
        try:
            if replaces is not None:
                listed = _json_loads(replaces) if isinstance(replaces, str) else None
                if not isinstance(listed, list) or not listed or not all(
                        isinstance(v, str) and BASE.fullmatch(v) for v in listed):
                    raise ValueError(replaces)
        except ValueError:
            raise bad(number, "replaces 不是“设备:序号”列表的 JSON 文本或 null",
                      "replaces is not the JSON text of a list of \"device:seq\", nor null"
                      ) from None
        if change["actor"] is not None and not isinstance(change["actor"], str):
            raise bad(number, "actor 不是文本或 null", "actor is not text or null")
        changes.append(change)
    return changes


def _check_photos_named(changes: Sequence[Mapping[str, Any]], photo_names: set[str],
                        fail: Fail, missing: Sequence[str] = ()) -> None:
    """A photo row introduced by these changes (its "meta" register) comes with its original,
    or is listed as missing (the author no longer had it)."""
    for change in changes:
        if change["tbl"] != PHOTO_TABLE or change["reg"] != PHOTO_REGISTER:
            continue
        ext = json.loads(change["value"]).get("ext")
        name = f"photos/{change['row_id']}.{ext}"
        if not PHOTO_NAME.fullmatch(name):
            raise fail("changes_schema", t(
                "变更 {seq} 的照片编号或扩展名无效", "change {seq} names a photo with an id or "
                "extension that is not valid", seq=change["seq"]))
        if name not in photo_names and name not in missing:
            raise fail("missing_photo", t(
                "变更 {seq} 引入的照片 {name} 不在数据包中",
                "the photo {name} introduced by change {seq} is not in the bundle",
                name=name, seq=change["seq"]))


# -- small helpers ----------------------------------------------------------------------------


def _json_loads(text: str) -> Any:
    """json.loads refusing duplicate keys and NaN/Infinity (ambiguous in a signed file)."""
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not allowed")


def _is_int(value: object) -> TypeGuard[int]:
    return type(value) is int


def _photo_sha(name: str) -> str:
    return name.removeprefix("photos/").partition(".")[0]


