"""Pinyin initials for search (柳西社区 → lxsq), without a dictionary.

The 3,755 common characters of GB2312 (level 1) are ordered by pinyin, so a character's
initial follows from where its GB2312 code falls among the first characters of each letter.
A pinyin library would do the same with a dictionary whose import alone takes a quarter of a
second, long enough to freeze the browser while it loads; rare characters (GB2312 level 2
and beyond) simply get no initial.
"""

from __future__ import annotations

# First GB2312 code of each initial (letters i, u, v start no syllable).
_BOUNDARIES = (
    (0xB0A1, "a"), (0xB0C5, "b"), (0xB2C1, "c"), (0xB4EE, "d"), (0xB6EA, "e"),
    (0xB7A2, "f"), (0xB8C1, "g"), (0xB9FE, "h"), (0xBBF7, "j"), (0xBFA6, "k"),
    (0xC0AC, "l"), (0xC2E8, "m"), (0xC4C3, "n"), (0xC5B6, "o"), (0xC5BE, "p"),
    (0xC6DA, "q"), (0xC8BB, "r"), (0xC8F6, "s"), (0xCBFA, "t"), (0xCDDA, "w"),
    (0xCEF4, "x"), (0xD1B9, "y"), (0xD4D1, "z"),
)
_LEVEL_ONE_END = 0xD7F9


def initial(character: str) -> str:
    """The pinyin initial of one character; letters and digits stand for themselves."""
    if character.isascii():
        return character.lower() if character.isalnum() else ""
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


def initials(text: str) -> str:
    return "".join(initial(character) for character in text)
