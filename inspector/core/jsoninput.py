"""Reading JSON that someone else wrote (a checklist template, a bundle's manifest) strictly.

``json.loads`` accepts more than a person means: a key given twice (the last one silently
wins), ``NaN`` and ``Infinity``, ``1e400`` (which becomes infinity), integers of thousands of
digits, and nesting deep enough to exhaust the interpreter's stack. ``read_file`` also reads
only regular files — a FIFO would block the program, a device would never end — and no more
than ``MAX_BYTES``. Every refusal is an ``InspectorError`` (of the kind the caller asks for)
whose message names the file and the problem.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any, NoReturn

from inspector.core.errors import InspectorError
from inspector.core.i18n import t

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32
MAX_INT = 2**63 - 1  # what SQLite can store
_MAX_INT_DIGITS = len(str(MAX_INT)) + 1  # sign

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class JsonInputError(InspectorError):
    """A JSON file or text that is refused; the message names it."""


class _Refused(ValueError):
    """A value json would take but we do not (raised inside the parser's hooks)."""


def read_file(path: Path | str, *, kind: tuple[str, str] = ("文件", "The file"),
              error: type[InspectorError] = JsonInputError,
              max_bytes: int = MAX_BYTES) -> Any:
    """The JSON value in the regular file ``path``. ``kind`` names what it is in a message
    (("检查表文件", "The checklist file")); refusals raise ``error``."""
    data = _read_regular(Path(path), kind, error, max_bytes)
    return loads(data, str(path), kind=kind, error=error)


def loads(data: bytes | str, source: str, *, kind: tuple[str, str] = ("文件", "The file"),
          error: type[InspectorError] = JsonInputError) -> Any:
    """The JSON value in ``data`` (from ``source``, named in messages), read strictly."""
    zh, en = kind

    def refuse(zh_problem: str, en_problem: str, **params: Any) -> InspectorError:
        return error(t(zh + " {file} " + zh_problem, en + " {file} " + en_problem,
                       file=source, **params))

    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise refuse("不是 UTF-8 编码", "is not UTF-8 text") from None
    else:
        text = data
    depth = _depth(text)
    if depth > MAX_DEPTH:
        raise refuse("嵌套过深（{n} 层，上限 {limit} 层），已拒绝",
                     "is nested too deeply ({n} levels; the limit is {limit}); refused",
                     n=depth, limit=MAX_DEPTH)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                          parse_float=_finite_float, parse_int=_bounded_int)
    except _Refused as exc:
        raise refuse("不是可接受的 JSON：{msg}", "is not acceptable JSON: {msg}",
                     msg=exc) from None
    except json.JSONDecodeError as exc:
        raise refuse("不是有效的 JSON：第 {line} 行第 {col} 列，{msg}",
                     "is not valid JSON: line {line}, column {col}: {msg}",
                     line=exc.lineno, col=exc.colno, msg=exc.msg) from None
    except RecursionError:
        raise refuse("嵌套过深，已拒绝", "is nested too deeply; refused") from None


def _read_regular(path: Path, kind: tuple[str, str], error: type[InspectorError],
                  max_bytes: int) -> bytes:
    zh, en = kind
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then says what it is.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise error(t("无法读取" + zh + " {file}：{e}", "Cannot read " + en.lower() +
                      " {file}: {e}", file=path, e=exc.strerror or exc)) from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = t("文件夹", "a folder") if stat.S_ISDIR(mode) else \
                t("管道", "a pipe (FIFO)") if stat.S_ISFIFO(mode) else \
                t("设备", "a device") if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else \
                t("特殊文件", "a special file")
            raise error(t(zh + " {file} 是{what}，不是普通文件；已拒绝",
                          en + " {file} is {what}, not a regular file; refused",
                          file=path, what=what))
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise error(t("无法读取" + zh + " {file}：{e}", "Cannot read " + en.lower() +
                      " {file}: {e}", file=path, e=exc.strerror or exc)) from exc
    finally:
        os.close(fd)
    if size > max_bytes:
        raise error(t(zh + " {file} 太大（超过 {limit} MB），已拒绝",
                      en + " {file} is too large (over {limit} MB); refused",
                      file=path, limit=f"{max_bytes / (1024 * 1024):g}"))
    return b"".join(chunks)


def _depth(text: str) -> int:
    """How deeply arrays and objects nest (strings skipped); counted without recursion."""
    deepest = level = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        level += 1 if match.group() in "[{" else -1
        deepest = max(deepest, level)
    return deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(t("键 {k} 出现了两次", "the key {k!r} appears twice", k=key))
        result[key] = value
    return result


def _no_constant(name: str) -> NoReturn:
    raise _Refused(t("不允许 {n}", "{n} is not allowed", n=name))


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(t("数字 {n} 超出范围", "the number {n} is out of range", n=text[:40]))
    return value


def _bounded_int(text: str) -> int:
    if len(text) > _MAX_INT_DIGITS or abs(value := int(text)) > MAX_INT:
        raise _Refused(t("整数 {n} 超出范围", "the integer {n} is out of range",
                         n=text[:40] + ("…" if len(text) > 40 else "")))
    return value
