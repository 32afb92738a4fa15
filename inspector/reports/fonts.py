"""CJK fonts for reports: an embeddable TrueType font found on this machine, or a fallback.

reportlab embeds TrueType (glyf) fonts, including single faces of .ttc collections; CFF-based
OpenType (Noto CJK .otf/.ttc) cannot be embedded by it and is skipped. When no usable font is
found, reports use reportlab's built-in ``STSong-Light`` CID font, which is not embedded (the
viewer substitutes one) — callers say so to the user.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from inspector.core.i18n import t

log = logging.getLogger(__name__)

FALLBACK = "STSong-Light"
# (path, face index in a collection); the first that exists and loads wins.
BODY_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("C:/Windows/Fonts/msyh.ttc", 0),  # Microsoft YaHei
    ("C:/Windows/Fonts/simhei.ttf", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/Library/Fonts/Arial Unicode.ttf", 0),
    ("/System/Library/Fonts/Supplemental/Songti.ttc", 0),
)
# 仿宋, else 宋体/明体, for the body of official notices (GB/T 9704), where the machine has it.
# On Debian, fonts-arphic-uming (AR PL UMing, TrueType outlines in a .ttc whose face 0,
# UMing CN, reportlab embeds) is the free serif; .ci/run installs it.
FANGSONG_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("C:/Windows/Fonts/simfang.ttf", 0),
    ("/usr/share/fonts/truetype/fangsong/simfang.ttf", 0),
    ("/usr/share/fonts/truetype/simfang.ttf", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
    ("/System/Library/Fonts/Supplemental/Songti.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", 0),
)


@dataclass(frozen=True)
class ReportFont:
    name: str  # the reportlab font name to use
    path: Path | None  # None for the built-in CID fallback
    embedded: bool

    def notice(self) -> str | None:
        """What to tell the user when the font is not embedded, else None."""
        if self.embedded:
            return None
        return t(
            "未找到可嵌入的中文 TrueType 字体，报告使用内置的 STSong-Light 字体（不嵌入，"
            "由阅读软件替换显示）。可在设置中指定字体文件，或安装文泉驿微米黑。",
            "No embeddable Chinese TrueType font was found; the report uses the built-in "
            "STSong-Light font (not embedded: the viewer substitutes one). Set a font file in "
            "the settings or install WenQuanYi Micro Hei.")


_registered: dict[tuple[str, int], str] = {}


def _register(path: Path, index: int) -> str | None:
    key = (str(path), index)
    if key in _registered:
        return _registered[key]
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    name = f"CJK-{path.stem}-{index}"
    try:
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=index))
    except (TTFError, OSError, ValueError) as exc:
        log.info("cannot embed %s: %s", path, exc)
        return None
    _registered[key] = name
    return name


def _fallback() -> ReportFont:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return ReportFont(FALLBACK, None, embedded=False)


def find(configured: str | os.PathLike[str] | None = None, *,
         candidates: tuple[tuple[str, int], ...] = BODY_CANDIDATES) -> ReportFont:
    """The font for report text: the configured file, else the first system font that loads."""
    choices: list[tuple[str, int]] = []
    if configured:
        choices.append((str(configured), 0))
    from_env = os.environ.get("INSPECTOR_FONT")
    if from_env:
        choices.append((from_env, 0))
    choices += list(candidates)
    for path_text, index in choices:
        path = Path(path_text)
        if path.is_file():
            name = _register(path, index)
            if name:
                return ReportFont(name, path, embedded=True)
    return _fallback()


def find_fangsong(body: ReportFont,
                  candidates: tuple[tuple[str, int], ...] | None = None) -> ReportFont:
    """仿宋 (else 宋体) for notice bodies if the machine has it, else the body font."""
    for path_text, index in (FANGSONG_CANDIDATES if candidates is None else candidates):
        path = Path(path_text)
        if path.is_file():
            name = _register(path, index)
            if name:
                return ReportFont(name, path, embedded=True)
    return body
