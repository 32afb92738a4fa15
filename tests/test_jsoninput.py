"""The strict JSON reader: regular files only, at most 2 MB, no key twice, no NaN/Infinity or
overflowing numbers, no nesting deeper than 32 — each refusal a message naming the file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from inspector.core import jsoninput
from inspector.core.errors import TemplateError
from inspector.core.jsoninput import JsonInputError
from inspector.domain import templates
from sync.bundle_format import _load_manifest
from sync.zipguard import BundleError


def _file(tmp_path: Path, text: str | bytes, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _refused(path: Path) -> str:
    with pytest.raises(JsonInputError) as info:
        jsoninput.read_file(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_plain_json_and_a_bom_are_read(tmp_path: Path) -> None:
    assert jsoninput.read_file(_file(tmp_path, '{"a": [1, 2.5, "x"]}')) == {"a": [1, 2.5, "x"]}
    assert jsoninput.read_file(_file(tmp_path, b'\xef\xbb\xbf{"a": 1}')) == {"a": 1}


@pytest.mark.parametrize(("text", "words"), [
    ('{"a": 1, "a": 2}', "键 a 出现了两次"),
    ('{"a": NaN}', "不允许 NaN"),
    ('{"a": -Infinity}', "不允许 -Infinity"),
    ('{"a": 1e400}', "数字 1e400 超出范围"),
    ('{"a": ' + "9" * 5000 + "}", "整数 9999"),
    ('{"a": 9223372036854775808}', "超出范围"),
    ('{"a": 1,}', "不是有效的 JSON：第 1 行"),
])
def test_ambiguous_or_overflowing_values_are_refused(tmp_path: Path, text: str,
                                                     words: str) -> None:
    assert words in _refused(_file(tmp_path, text))


def test_nesting_is_capped_at_32(tmp_path: Path) -> None:
    assert jsoninput.read_file(_file(tmp_path, "[" * 32 + "]" * 32)) is not None
    assert "嵌套过深（33 层" in _refused(_file(tmp_path, "[" * 33 + "]" * 33))
    # brackets inside strings are text, not nesting; 100 000 levels is no crash either
    assert jsoninput.read_file(_file(tmp_path, json.dumps(["[" * 100]))) == ["[" * 100]
    assert "嵌套过深" in _refused(_file(tmp_path, "[" * 100_000))


def test_size_is_capped_at_2_mb(tmp_path: Path) -> None:
    fits = '"' + "x" * (jsoninput.MAX_BYTES - 2) + '"'
    assert len(jsoninput.read_file(_file(tmp_path, fits))) == jsoninput.MAX_BYTES - 2
    assert "太大（超过 2 MB）" in _refused(_file(tmp_path, fits + " "))


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    assert "不是 UTF-8 编码" in _refused(_file(tmp_path, b'{"a": "\xff"}'))


def test_a_fifo_a_folder_and_a_device_are_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # nobody writes: reading it would block for ever
    assert "管道" in _refused(fifo)
    assert "文件夹" in _refused(tmp_path)
    if Path("/dev/zero").exists():
        with pytest.raises(JsonInputError, match="设备"):
            jsoninput.read_file("/dev/zero")  # would never end


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    assert "无法读取文件" in _refused(tmp_path / "gone.json")


def test_a_template_from_a_fifo_is_a_template_error(tmp_path: Path) -> None:
    fifo = tmp_path / "district.json"
    os.mkfifo(fifo)
    with pytest.raises(TemplateError, match="检查表文件 .*district.json 是管道"):
        templates.load_file(fifo)


def test_a_template_with_a_key_twice_is_refused(tmp_path: Path) -> None:
    text = templates.builtin_files()[0].read_text(encoding="utf-8")
    doubled = text.replace('"version":', '"version": 9, "version":', 1)
    with pytest.raises(TemplateError, match="键 version 出现了两次"):
        templates.load_file(_file(tmp_path, doubled, "twice.json"))


@pytest.mark.parametrize("text", [b'{"app": 1, "app": 2}', b'{"format": Infinity}',
                                  b'{"format": 1e999}', b"[" * 40 + b"]" * 40, b"\xff"])
def test_a_manifest_that_is_not_strict_json_is_refused(text: bytes) -> None:
    def fail(code: str, reason: str) -> BundleError:
        return BundleError(Path("x.zip"), code, reason)

    with pytest.raises(BundleError) as info:
        _load_manifest(text, fail)
    assert info.value.code == "manifest_schema" and "manifest.json" in str(info.value)
