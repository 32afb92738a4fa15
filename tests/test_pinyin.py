"""Pinyin initials from GB2312 order agree with a pinyin dictionary on the sample names."""

from __future__ import annotations

from pathlib import Path

from pypinyin import Style, lazy_pinyin

from inspector.domain import community_import, pinyin
from inspector.domain.overview import search_text

SAMPLE = Path(__file__).resolve().parents[1] / "resources" / "sample" / "communities-sample.csv"


def test_initials_match_a_pinyin_dictionary_on_every_sample_name() -> None:
    # Whole words, so the dictionary reads polyphonic characters in context (长丰 → cf).
    rows = community_import.read_file(SAMPLE)
    words = {part for _, data in rows for part in (data.name, data.street, data.district)}
    compared = [word for word in words if all(pinyin.initial(c) for c in word)]
    assert len(compared) > 80
    wrong = {word: pinyin.initials(word) for word in compared
             if pinyin.initials(word) != "".join(lazy_pinyin(word, style=Style.FIRST_LETTER))}
    # The dictionary reads 长丰 as "zhang feng"; the place is Changfeng, as GB2312 order says.
    assert wrong == {"长丰社区": "cfsq"}


def test_search_text_holds_names_and_initials() -> None:
    text = search_text("柳西社区", "南门街道", "海曙区")
    assert "柳西社区" in text and "lxsq" in text and "nmjd" in text and "hsq" in text
    assert pinyin.initials("A区3号") == "aq3h"
    assert pinyin.initial("😀") == ""
