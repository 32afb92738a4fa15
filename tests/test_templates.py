"""Checklist templates: the built-in one is complete; wrong ones are refused and named."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from inspector.core.errors import TemplateError
from inspector.core.store import Store
from inspector.domain import inspections, templates

BUILTIN = templates.BUILTIN_DIR / "ningbo-green-community-v1.json"


def _raw() -> dict[str, Any]:
    return dict(json.loads(BUILTIN.read_text(encoding="utf-8")))


def _write(tmp_path: Path, data: Any, name: str = "bad.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_builtin_checklist_has_all_nine_sections_and_every_item() -> None:
    template = templates.load_file(BUILTIN)
    assert [s.code for s in template.sections] == list("ABCDEFGHI")
    counts = {s.code: len(s.items) for s in template.sections}
    assert counts == {"A": 5, "B": 11, "C": 5, "D": 6, "E": 9, "F": 6, "G": 6, "H": 5, "I": 3}
    codes = [i.code for i in template.items]
    assert len(codes) == len(set(codes)) == 56
    for item in template.items:
        assert item.text and item.clause.startswith("三(") and item.departments
    assert template.item("B05").key and template.item("B05").photo_on_fail == "required"
    assert template.item("B06").pass_if == templates.PassRule(">=", 80)
    assert template.item("D01").pass_if is None and not template.item("D01").scored
    assert template.item("C01").departments == ("消防", "公安")
    assert len(template.hazard_categories) == 22
    assert template.category("消防通道堵塞").department == "消防"
    assert template.rule == templates.Rule(True, 80.0)


def _problem(tmp_path: Path, data: Any) -> str:
    path = _write(tmp_path, data)
    with pytest.raises(TemplateError) as info:
        templates.load_file(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_missing_fields_are_named_with_item_and_field(tmp_path: Path) -> None:
    data = _raw()
    del data["sections"][1]["items"][4]["answer_type"]  # B05
    del data["sections"][0]["items"][0]["text"]  # A01
    del data["rule"]
    message = _problem(tmp_path, data)
    assert "检查项 B05，字段 answer_type：缺少" in message
    assert "检查项 A01，字段 text：缺少" in message
    assert "字段 rule：缺少" in message


def test_duplicate_item_codes(tmp_path: Path) -> None:
    data = _raw()
    data["sections"][2]["items"][0]["code"] = "B03"
    message = _problem(tmp_path, data)
    assert "检查项 B03，字段 code：编号重复" in message


def test_unknown_answer_type(tmp_path: Path) -> None:
    data = _raw()
    data["sections"][3]["items"][1]["answer_type"] = "slider"
    message = _problem(tmp_path, data)
    assert "检查项 D02，字段 answer_type：未知的答案类型 slider" in message


def test_bad_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": 1,\n  "id": "x",,\n}', encoding="utf-8")
    with pytest.raises(TemplateError, match=r"broken.json 不是有效的 JSON：第 3 行"):
        templates.load_file(path)


def test_other_wrong_values(tmp_path: Path) -> None:
    data = _raw()
    data["sections"][0]["items"][0]["departments"] = ["城管"]
    data["sections"][0]["items"][1]["weight"] = "heavy"
    data["sections"][1]["items"][5]["pass_if"] = {"op": "≈", "value": 80}
    data["hazard_categories"][0]["items"] = ["Z99"]
    data["format"] = 7
    message = _problem(tmp_path, data)
    assert "检查项 A01，字段 departments：未知部门 城管" in message
    assert "检查项 A02，字段 weight" in message
    assert "检查项 B06，字段 pass_if.op" in message
    assert "隐患类别 fire_lane_blocked，字段 items：未知检查项 Z99" in message
    assert "不支持的格式 7" in message


def test_english_messages(tmp_path: Path) -> None:
    from inspector.core import i18n

    i18n.set_language("en")
    data = _raw()
    del data["sections"][1]["items"][4]["answer_type"]
    message = _problem(tmp_path, data)
    assert "item B05, field answer_type: missing" in message


def test_a_wrong_template_is_not_installed(store: Store, tmp_path: Path) -> None:
    data = _raw()
    data["id"] = "district-variant"
    data["sections"][0]["items"][0]["answer_type"] = "guess"
    with pytest.raises(TemplateError):
        templates.install(store, templates.load_file(_write(tmp_path, data)))
    assert templates.list_installed(store) == []


def test_installed_template_is_never_changed_in_place(store: Store, tmp_path: Path) -> None:
    templates.ensure_builtin(store)
    assert not templates.install(store, templates.load_file(BUILTIN))  # same content: no-op
    changed = copy.deepcopy(_raw())
    changed["rule"]["min_score_percent"] = 70
    with pytest.raises(TemplateError, match="version"):
        templates.install(store, templates.load_file(_write(tmp_path, changed)))
    assert templates.get(store, "ningbo-green-community@v1").rule.min_score_percent == 80
    changed["version"] = 3
    assert templates.install(store, templates.load_file(_write(tmp_path, changed, "v3.json")))
    installed = templates.list_installed(store)
    assert [r["name"] for r in installed] == [
        "ningbo-green-community@v1", "ningbo-green-community@v2", "ningbo-green-community@v3"]
    assert all(r["id"] == r["sha256"] and not r["clash"] for r in installed)
    assert templates.latest(store).uid == "ningbo-green-community@v3"


def test_inspection_keeps_scoring_with_its_own_template_version(
        ready_store: Store, tmp_path: Path) -> None:
    store = ready_store
    inspection_id = inspections.start(store, "柳西社区", ["王建国"],
                                      template_uid="ningbo-green-community@v1")
    changed = _raw()
    changed["version"] = 3
    changed["rule"]["min_score_percent"] = 50
    templates.install(store, templates.load_file(_write(tmp_path, changed)))
    view = inspections.view(store, inspection_id)
    assert view.template.uid == "ningbo-green-community@v1"
    assert view.template.rule.min_score_percent == 80
