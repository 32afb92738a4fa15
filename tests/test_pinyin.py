"""Pinyin for search: every sample name gets its initials and its full reading."""

from __future__ import annotations

from pathlib import Path

from inspector.domain import community_import, pinyin
from inspector.domain.overview import search_text

SAMPLE = Path(__file__).resolve().parents[1] / "resources" / "sample" / "communities-sample.csv"


def test_every_sample_name_gets_all_its_initials() -> None:
    rows = community_import.read_file(SAMPLE)
    words = {part for _, data in rows for part in (data.name, data.street, data.district)}
    assert len(words) > 100
    short = {word: pinyin.initials(word) for word in words
             if len(pinyin.initials(word)) != len(word)}
    assert short == {}  # no character without a reading (鄞, 郯 … included)
    assert pinyin.initials("鄞州区") == "yzq"


def test_search_text_holds_names_initials_and_full_pinyin() -> None:
    text = search_text("柳西社区", "南门街道", "海曙区")
    for key in ("柳西社区", "lxsq", "liuxishequ", "nmjd", "hsq", "haishuqu"):
        assert key in text
    assert "liuxi" in text  # a full-pinyin search finds it
    assert pinyin.initials("A区3号") == "aq3h"
    assert pinyin.initial("😀") == ""
    # a polyphonic place name: the dictionary's reading and GB2312's order both find it
    keys = pinyin.search_keys("长丰社区")
    assert "cfsq" in keys and "zfsq" in keys


def test_the_dictionaries_read_in_pieces_equal_pypinyin_s_own() -> None:
    """pypinyin's dictionaries are read a piece at a time (no 100 ms GIL hold that would
    stop the GUI): the same entries as one json.loads."""
    import importlib.util
    import json
    from pathlib import Path

    from inspector.domain import pinyin as module

    spec = importlib.util.find_spec("pypinyin")
    assert spec is not None and spec.origin is not None
    folder = Path(spec.origin).parent
    for name, boundary in (("phrases_dict.json", '],\n"'), ("pinyin_dict.json", '",\n"')):
        whole = json.loads((folder / name).read_text(encoding="utf-8"))
        assert module._in_pieces(folder / name, boundary) == whole  # noqa: SLF001
