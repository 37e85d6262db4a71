"""Periods of figures and dates of documents.

A period is kept as written (今年以来, 1-8月份) unless it names a year that can
be fixed: an explicit year, or a relative one when the document date is known.

>>> normalise_period("去年", "2024-09-30"), normalise_period("2023年全年", None), normalise_period("1-8月份", "2024")
('2023', '2023', '1-8月份')
>>> document_date("发布日期：2024-09-30 来源：安远县融媒体中心\\n近日，……")
'2024-09-30'
"""

from __future__ import annotations

import re

from .figures import parse_number

__all__ = ["normalise_period", "document_date"]

_RELATIVE_YEAR = {"今年": 0, "今年以来": 0, "今年上半年": 0, "本年": 0, "去年": -1, "上年": -1, "去年同期": -1,
                  "前年": -2}
_EXPLICIT_YEAR = re.compile(r"^(\d{4})年(?:全年|度)?$")
_DATE_LABEL = re.compile(r"(?:发布日期|发布时间|发稿时间|日期|时间)\s*[:：]\s*(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_CN_DATE = re.compile(
    r"(\d{4}|[〇零一二三四五六七八九]{4})年(\d{1,2}|[一二三四五六七八九十]{1,3})月(\d{1,2}|[一二三四五六七八九十]{1,3})日"
)


def _year_of(date: str | None) -> int | None:
    if date and re.match(r"^\d{4}", date):
        return int(date[:4])
    return None


def normalise_period(written: str | None, date: str | None) -> str | None:
    """An ``xsd:gYear`` string when the period fixes a year, else the period as written."""
    if not written:
        return None
    m = _EXPLICIT_YEAR.match(written)
    if m:
        return m.group(1)
    year = _year_of(date)
    if year is not None and written in _RELATIVE_YEAR:
        return str(year + _RELATIVE_YEAR[written])
    return written


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 4 and all(ch in "〇零一二三四五六七八九" for ch in text):
        return int("".join(str("〇一二三四五六七八九".index(ch.replace("零", "〇"))) for ch in text))
    return int(parse_number(text))


def document_date(text: str) -> str | None:
    """The date an article states about itself (发布日期：…, or a full date in its first lines)."""
    head = text[:400]
    m = _DATE_LABEL.search(head)
    if m is None:
        m = _CN_DATE.search(head[:120])
    if m is None:
        return None
    try:
        y, mo, d = (_number(g) for g in m.groups())
    except (ValueError, ArithmeticError):
        return None
    if not (1900 < y < 2200 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"
