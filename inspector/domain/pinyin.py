"""Pinyin for search: 柳西社区 is found by "lxsq", "liuxi" or "liuxishequ".

The readings come from pypinyin's dictionary, which covers every character of the registry
(鄞州区 → yzq; an order-of-GB2312 shortcut knows only the 3,755 common characters and loses
rarer place-name characters such as 鄞, 郯, 甬). Its import takes a sixth of a second, so this
runs where the community browser reads its data: off the GUI thread. Where the dictionary's
reading of a polyphonic character differs from GB2312's order (长丰 is Changfeng, the
dictionary says "zhang"), both initials are kept, so either finds it.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import sys
import threading
import types
from functools import lru_cache
from pathlib import Path
from typing import Any

# First GB2312 code of each initial (letters i, u, v start no syllable): level-1 characters
# are ordered by their common reading.
_BOUNDARIES = (
    (0xB0A1, "a"), (0xB0C5, "b"), (0xB2C1, "c"), (0xB4EE, "d"), (0xB6EA, "e"),
    (0xB7A2, "f"), (0xB8C1, "g"), (0xB9FE, "h"), (0xBBF7, "j"), (0xBFA6, "k"),
    (0xC0AC, "l"), (0xC2E8, "m"), (0xC4C3, "n"), (0xC5B6, "o"), (0xC5BE, "p"),
    (0xC6DA, "q"), (0xC8BB, "r"), (0xC8F6, "s"), (0xCBFA, "t"), (0xCDDA, "w"),
    (0xCEF4, "x"), (0xD1B9, "y"), (0xD4D1, "z"),
)
_LEVEL_ONE_END = 0xD7F9


def _gb2312_initial(character: str) -> str:
    try:
        encoded = character.encode("gb2312")
    except UnicodeEncodeError:
        return ""
    if len(encoded) != 2:
        return ""
    code = encoded[0] << 8 | encoded[1]
    if not 0xB0A1 <= code <= _LEVEL_ONE_END:
        return ""
    letter = ""
    for start, candidate in _BOUNDARIES:
        if code < start:
            break
        letter = candidate
    return letter


def _one_by_one(characters: str) -> Any:
    """pypinyin's handler for text it has no reading for: each character on its own (so
    "A3" gives the initials a, 3 rather than one "a")."""
    return list(characters)


# pypinyin reads its dictionaries with one ``json.loads`` each (2.5 MB of phrases): one C
# call that holds the GIL ~100 ms, so the GUI thread stood still while the browser's worker
# imported it. Read here in pieces of ~64 KB instead (the GIL changes hands between them) and
# handed to pypinyin as its modules; a layout it does not have leaves pypinyin to itself.
_PIECE = 64 * 1024
_preloaded = threading.Lock()


def _in_pieces(path: Path, boundary: str) -> dict[str, Any]:
    """A JSON object written one entry after another, parsed a piece at a time; ``boundary``
    is what stands between two entries at the top level (and nowhere else)."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index("{") + 1, text.rindex("}")
    result: dict[str, Any] = {}
    while start < end:
        cut = text.find(boundary, min(start + _PIECE, end))
        stop = end if cut < 0 or cut >= end else cut + boundary.index("\n")
        piece = text[start:stop].strip().rstrip(",")
        if piece:
            result.update(json.loads("{" + piece + "}"))
        start = stop
    return result


def _load_pypinyin() -> None:
    """Import pypinyin, its dictionaries read in pieces. The cyclic collector is held off
    meanwhile and the ~250,000 objects of the dictionaries (kept to the end) are frozen out
    of its reach after: else every full collection walks them, 50+ ms holding the GIL on
    whichever thread it happens — the GUI's too."""
    with _preloaded:
        if "pypinyin" in sys.modules:
            return
        collecting = gc.isenabled()
        gc.disable()
        try:
            _preload_dictionaries()
            import pypinyin  # noqa: F401 - imported here, with the dictionaries above
        finally:
            if collecting:
                gc.enable()
        gc.freeze()


def _preload_dictionaries() -> None:
    if "pypinyin.phrases_dict" in sys.modules or "pypinyin.pinyin_dict" in sys.modules:
        return
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or spec.origin is None:
        return
    folder = Path(spec.origin).parent
    phrases_file, pinyin_file = folder / "phrases_dict.json", folder / "pinyin_dict.json"
    if not (phrases_file.is_file() and pinyin_file.is_file()):
        return
    try:
        phrases = _in_pieces(phrases_file, '],\n"')
        readings = {int(k): v for k, v in _in_pieces(pinyin_file, '",\n"').items()}
    except (OSError, ValueError):
        return  # pypinyin reads them itself
    for name, attribute, value in (("phrases_dict", "phrases_dict", phrases),
                                   ("pinyin_dict", "pinyin_dict", readings)):
        module = types.ModuleType(f"pypinyin.{name}")
        setattr(module, attribute, value)
        sys.modules[f"pypinyin.{name}"] = module


def _syllables(text: str) -> list[str]:
    if "pypinyin" not in sys.modules:
        _load_pypinyin()
    from pypinyin import lazy_pinyin

    result: list[str] = []
    for syllable in lazy_pinyin(text, errors=_one_by_one):
        result.append(syllable.lower() if syllable.isascii() and syllable.isalnum() else
                      ("" if syllable.isascii() else syllable))
    return result


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    """The first letter of each character's reading; letters and digits stand for
    themselves, anything else is left out."""
    return "".join(s[0] for s in _syllables(text) if s and s.isascii())


@lru_cache(maxsize=4096)
def full(text: str) -> str:
    """The whole reading without tones or spaces: 柳西社区 → liuxishequ."""
    return "".join(s for s in _syllables(text) if s.isascii())


def initial(character: str) -> str:
    """The pinyin initial of one character."""
    return initials(character)


def search_keys(text: str) -> list[str]:
    """Everything a search box should match this text by (besides the text itself)."""
    keys = [initials(text), full(text)]
    ordered = "".join(_gb2312_initial(c) or (c.lower() if c.isascii() and c.isalnum() else "")
                      for c in text)
    if ordered and ordered not in keys and len(ordered) == len(keys[0]):
        keys.append(ordered)  # a polyphonic place name read as GB2312 orders it
    return [key for key in keys if key]
