"""The declared schemas (pydantic): checklist templates and bundle manifests refuse what the
hand checks let through — non-finite numbers, overlong ids, codes equal but for case,
control characters — and say where, naming the file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from inspector.core.errors import TemplateError
from inspector.core.store import Store
from inspector.domain import templates
from sync.bundle_format import ManifestSpec, _check_manifest
from sync.zipguard import BundleError, Limits

V2 = templates.BUILTIN_DIR / "ningbo-green-community-v2.json"


def _raw() -> dict[str, Any]:
    return dict(json.loads(V2.read_text(encoding="utf-8")))


def _refused(data: Any) -> str:
    with pytest.raises(TemplateError) as info:
        templates.parse_template(data, "district-y.json")
    message = str(info.value)
    assert "district-y.json" in message
    return message


def test_the_builtin_templates_fit_the_schema() -> None:
    from inspector.domain import template_schema

    for path in templates.builtin_files():
        assert template_schema.problems(json.loads(path.read_text(encoding="utf-8"))) == []


def test_item_codes_equal_but_for_case_are_refused() -> None:
    data = _raw()
    first = data["sections"][0]["items"][0]["code"]
    data["sections"][1]["items"][0]["code"] = first.lower()
    assert f"检查项编号 {first.lower()} 重复（不区分大小写）" in _refused(data)


def test_department_codes_must_be_unique() -> None:
    data = _raw()
    data["departments"].append(copy.deepcopy(data["departments"][0]))
    assert "字段 departments：部门编号" in _refused(data)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_numbers_must_be_finite(value: float) -> None:
    data = _raw()
    data["sections"][0]["items"][0]["weight"] = value
    assert "字段 weight：应为有限的数字" in _refused(data)


def test_an_id_longer_than_64_characters_is_refused() -> None:
    data = _raw()
    data["id"] = "x" * 65
    assert "模板，字段 id：太长" in _refused(data)
    data["id"] = "x" * 64
    assert templates.parse_template(data, "ok.json").code == "x" * 64


@pytest.mark.parametrize("text", ["A\x00B", "清扫\x1b[2J", "a\u202eb"])
def test_control_characters_in_text_are_refused(text: str) -> None:
    data = _raw()
    data["sections"][0]["items"][0]["text"] = text
    code = data["sections"][0]["items"][0]["code"]
    assert f"检查项 {code}，字段 text：含有控制字符" in _refused(data)


def test_min_above_max_is_refused() -> None:
    data = _raw()
    item = data["sections"][0]["items"][0]
    item.update(min=5, max=1)
    assert "最小值 5 大于最大值 1" in _refused(data)


def test_counts_are_capped() -> None:
    data = _raw()
    section = data["sections"][0]
    section["items"] = [dict(section["items"][0], code=f"Z{n}") for n in range(501)]
    assert "部分 A，字段 items：太多（最多 500" in _refused(data)


def test_english_schema_messages() -> None:
    from inspector.core import i18n

    i18n.set_language("en")
    data = _raw()
    data["sections"][0]["items"][0]["weight"] = float("nan")
    code = data["sections"][0]["items"][0]["code"]
    assert f"item {code}, field weight: must be a finite number" in _refused(data)


def test_a_refused_template_installs_nothing(store: Store, tmp_path: Path) -> None:
    data = _raw()
    data["id"] = "district-z"
    data["departments"][1]["code"] = data["departments"][0]["code"]
    path = tmp_path / "z.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(TemplateError, match="z.json"):
        templates.install(store, templates.load_file(path))
    assert templates.list_installed(store) == []


# -- the bundle manifest ------------------------------------------------------------------------


def _manifest(**changes: Any) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "format": 2, "app": "green-inspector", "device": "ab" * 8, "device_name": "测试",
        "public_key": "cd" * 32, "first_seq": 1, "last_seq": 2,
        "clock_min": "100000000000000-00000", "clock_max": "100000000000001-00000",
        "depends": {}, "counts": {"changes": 2, "photos": 0},
        "entries": {"changes.jsonl": {"sha256": "ef" * 32, "size": 10}},
        "created_at": "2026-11-29T10:00:00+08:00", "missing_photos": []}
    manifest.update(changes)
    return manifest


def _fail(code: str, reason: str) -> BundleError:
    return BundleError(Path("b.zip"), code, reason)


def _manifest_refused(manifest: dict[str, Any]) -> BundleError:
    with pytest.raises(BundleError) as info:
        _check_manifest(manifest, _fail, Limits())
    assert info.value.code == "manifest_schema"
    assert "b.zip" in str(info.value)
    return info.value


def test_a_good_manifest_fits_the_spec() -> None:
    _check_manifest(_manifest(), _fail, Limits())
    assert ManifestSpec.model_validate(_manifest()).counts.changes == 2


@pytest.mark.parametrize(("change", "words"), [
    ({"first_seq": True}, "first_seq"),
    ({"counts": {"changes": 2, "photos": 0, "more": 1}}, "counts.more"),
    ({"entries": {"changes.jsonl": {"sha256": "ef" * 32, "size": -1}}}, "size"),
    ({"depends": {"ab" * 8: 5}}, "depends"),
    ({"created_at": "2026-11-29T10:00:00"}, "created_at"),
    ({"device_name": "x" * 201}, "device_name"),
])
def test_a_manifest_outside_the_spec_is_named(change: dict[str, Any], words: str) -> None:
    assert words in str(_manifest_refused(_manifest(**change)))


def test_a_missing_or_unknown_manifest_field_is_named() -> None:
    manifest = _manifest()
    del manifest["clock_max"]
    assert "缺少字段 clock_max" in str(_manifest_refused(manifest))
    assert "未知字段 extra" in str(_manifest_refused(_manifest(extra=1)))


def test_a_checklist_installed_before_the_limits_is_still_read(store: Store) -> None:
    """Inspections refer to installed checklists, which never change: one the schema would
    now refuse (codes equal but for case) is still read; a new file like it is refused."""
    from inspector.core import records

    data = _raw()
    data["id"] = "older-district"
    first = data["sections"][0]["items"][0]["code"]
    linked = {code for category in data["hazard_categories"] for code in category["items"]}
    free = next(i for s in data["sections"][1:] for i in s["items"] if i["code"] not in linked)
    free["code"] = first.lower()
    body = templates.canonical_json(data)
    sha = __import__("hashlib").sha256(body.encode("utf-8")).hexdigest()
    with store.write():
        records.put(store, "templates", sha, {
            "code": "older-district", "version": 2, "title": data["title"], "body": body,
            "sha256": sha, "installed_at": "2026-01-01T00:00:00+08:00"})
    assert templates.get(store, "older-district@v2").item(first.lower()).code == first.lower()
    _refused(data)
