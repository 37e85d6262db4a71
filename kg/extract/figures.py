"""Figures: numbers with units become :class:`~kg.model.Indicator` values.

A figure is a number (Arabic or Chinese numerals, 百分之…), an optional
magnitude (万, 亿, 千), an optional qualifier (超, 近, 余, 多, 以上 …) and a unit
from ``units.tsv``. Its measure is the noun phrase before it (奖励资金1968.4万元)
or, when nothing stands there, after it (15个老旧小区); a growth rate takes the
measure of the figure before it (出口1604亿元，增长15.2% → 出口增长).

>>> [(f.measure, str(f.value), f.unit, f.qualifier) for f in parse_figures("累计贷款3.4亿元，招聘1.6万人次，入驻企业近四十家。")]
[('累计贷款', '340000000', '元', None), ('招聘', '16000', '人次', None), ('入驻企业', '40', '家', 'less-than')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .. import lexicon
from .text import NUMERAL, SentenceView

__all__ = ["Figure", "parse_number", "find_figures", "parse_figures"]

_MAGNITUDE = {"万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "万": Decimal(10) ** 4, "千": Decimal(1000)}
_GROWTH = ("增长", "下降", "提高", "增加", "减少", "上升")
_PERIOD = re.compile(
    r"((?:今年|去年|上年)(?:以来|上半年|下半年|前三季度|一季度|[一二三四]季度|\d{1,2}(?:-|至|—)\d{1,2}月份?)|今年|去年同期|去年|上年|近三年来|近年来|截至目前|截至\d{4}年\d{1,2}月(?:底|末)?|截至\d{1,2}月(?:底|末)?"
    r"|\d{4}年(?:全年|上半年|前三季度|\d{1,2}(?:-|至|—)\d{1,2}月份?|\d{1,2}月(?:份)?)?|\d{1,2}(?:-|至|—)\d{1,2}月份?)"
)
_MEASURE_STOP = ("其中", "共", "合计", "已", "已有", "有", "拥有", "达", "达到", "实现", "完成", "新增",
                 "总计", "约", "近", "超", "超过", "逾", "突破", "为", "是", "的", "等", "和", "及", "与", "全年",
                 "即", "仅", "共有", "还有", "现有", "则", "分别", "分别为", "占", "预计", "将", "力争", "并",
                 "兑现", "发放", "提供", "建立", "建成", "举办", "开展", "以", "在", "为", "向", "对", "把",
                 "其", "该", "这", "此", "形式", "包括", "获得", "收获", "撬动", "拿出", "吸引", "推动", "带动",
                 "可达", "可获", "获", "仅获得", "起步时",
                 "这", "这批", "该批", "上述", "后", "建成后", "全部")


@dataclass(frozen=True)
class Figure:
    """A number found in a sentence, before it is given a subject."""

    start: int
    end: int
    raw_text: str
    value: Decimal
    unit: str
    measure: str
    qualifier: str | None
    period: str | None
    after_de: int | None = None  # offset just after 的 when the figure modifies a noun (占地3900平方米的…)


def parse_number(text: str) -> Decimal:
    """Arabic or Chinese numerals to a Decimal.

    >>> parse_number("一百五十四"), parse_number("1968.4"), parse_number("千"), parse_number("三点五")
    (Decimal('154'), Decimal('1968.4'), Decimal('1000'), Decimal('3.5'))
    """
    text = text.replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        pass
    import cn2an

    if text[0] in "十百千万亿":
        text = "一" + text
    return Decimal(str(cn2an.cn2an(text, "smart")))


@lru_cache(maxsize=1)
def figure_pattern() -> re.Pattern[str]:
    units = sorted(lexicon.units(), key=len, reverse=True)
    before = [w for w, pos, _ in lexicon.qualifiers() if pos == "before"]
    after = [w for w, pos, _ in lexicon.qualifiers() if pos == "after" and w not in ("余", "多")]
    num = rf"(?:\d+(?:,\d{{3}})*(?:\.\d+)?|[{NUMERAL}]+(?:点[{NUMERAL}]+)?)"
    return re.compile(
        rf"(?P<qb>{'|'.join(map(re.escape, before))})?"
        rf"(?:百分之(?P<pct>{num})|(?P<num>{num})(?P<mag>万亿|亿|万|千)?"
        rf"(?P<qa>余|多)?(?P<unit>{'|'.join(map(re.escape, units))}))"
        rf"(?P<qa2>{'|'.join(map(re.escape, after))})?"
    )


def _qualifier(word: str | None) -> str | None:
    if not word:
        return None
    for w, _, q in lexicon.qualifiers():
        if w == word:
            return q
    return None


_LEADING_UNIT = re.compile(r"^(?:万亿|亿|万|千)?(?:美元|元|平方米|平方公里|亩|吨|个|家|项)(?:以上|左右)?的")

#: Words between a measure and its number (进出口值达到5021亿元): skipped, not part of the measure.
_LINK = frozenset({"达到", "达", "为", "是", "约为", "共计", "合计", "累计达", "已达", "已达到", "达到了", "已有", "有",
                   "即达", "共有"})
_SHARE_PASS = frozenset({"达到", "达", "为", "占", "约", "的", "已", "已达"})
_NOUN_TAIL = "量率额数值比"


def _measure_before(view: SentenceView, pos: int, *, share: bool, excluded=()) -> str:
    """The noun phrase that ends at ``pos``: back to punctuation, a stop word or a name."""
    text = view.text
    start = pos
    pieces = list(view.pieces_before(pos))
    while pieces and (pieces[0][1] in _LINK or pieces[0][1] in ("即", "已", "将", "可", "共", "仅", "预计", "有望")):
        pos = pieces.pop(0)[0]
        start = pos
    for piece_start, piece in pieces:
        if any(ch in "，。；：！？、,;:!?" for ch in piece):
            break
        if any(a < piece_start + len(piece) and piece_start < b for a, b in excluded):
            break
        if piece.isdigit() and text[piece_start + len(piece) : piece_start + len(piece) + 1] == "强":
            start = piece_start  # 世界500强企业
            continue
        if piece.isdigit() or (piece and piece[-1] in "年月日" and piece[0].isdigit()):
            break
        end = piece_start + len(piece)
        if piece in _MEASURE_STOP and piece != "的" and not (end < pos and text[end] in _NOUN_TAIL):
            if share and piece in _SHARE_PASS:
                start = piece_start
                continue
            break
        start = piece_start
        if pos - start >= 24:
            break
    measure = _trim_period(text[start:pos].strip("“”\"")).strip("“”\"")
    measure = re.sub(r"^[（(][^）)]*[）)]", "", measure)
    measure = _LEADING_UNIT.sub("", measure)
    if measure.count("（") != measure.count("）"):
        measure = measure[measure.rfind("（") + 1 :] if measure.count("（") > measure.count("）") else measure
    measure = measure.lstrip("的")
    if share and measure.startswith("在"):
        measure = measure[1:]
    while share and measure.endswith(tuple(_SHARE_PASS - {"的", "占"})):
        measure = measure[:-2] if measure.endswith(("达到", "已达")) else measure[:-1]
    return measure


def _trim_period(measure: str) -> str:
    m = _PERIOD.match(measure)
    if m and m.end() < len(measure):
        measure = measure[m.end() :]
    measure = re.sub(r"^(?:年度|年|月份|月底|月末|月)(?=.)", "", measure)
    return measure.lstrip("，、 ")


def _measure_after(view: SentenceView, pos: int) -> str:
    """The noun phrase after a count (15个老旧小区): to punctuation, 的 or a stop word."""
    text = view.text
    end = pos
    while end < len(text) and end - pos < 16:
        if text[end] in "，。；：！？、,;:!?“" or text.startswith(("的", "在", "是", "已", "均", "等", "旧貌"), end):
            break
        end += 1
    return text[pos:end].strip("“”\"")


def find_figures(view: SentenceView, excluded: list[tuple[int, int]] = (),
                 names: list[tuple[int, int]] = ()) -> list[Figure]:
    """Figures of one sentence.

    Numbers inside ``excluded`` or ``names`` spans (names of things: 十二条奖励政策)
    are not figures; a measure may hold a name (天使投资引导基金支持) but stops at an
    ``excluded`` span (the zone: 五里工业园区在建项目 → 在建项目).
    """
    text = view.text
    out: list[Figure] = []
    # a period applies to the figures of its clause, or to the whole sentence when it opens a clause of its own
    periods = [(p.start(), p.group(0)) for p in _PERIOD.finditer(text)]
    openers = [(s0, w) for s0, w in periods if s0 == 0 or text[s0 - 1] in "，；" or text[:s0] in ("截至", "在")]
    for m in figure_pattern().finditer(text):
        s, e = m.span()
        if any(a <= s < b or a < e <= b for a, b in (*excluded, *names)) or view.in_quote(s):
            continue
        num_start = m.start("pct") if m.group("pct") else m.start("num")
        prev = text[num_start - 1 : num_start]
        if prev in ("第", "每", "前") or (prev.isascii() and prev.isalpha()):
            continue
        nxt = text[e : e + 1]
        if m.group("num") and text[e - len(m.group("unit") or "") : e] and nxt and (
            nxt in "年月日号届级期" or (m.group("unit") in ("条", "项") and nxt in "措政意办举")
        ):
            continue
        raw_num = m.group("pct") or m.group("num")
        if raw_num in ("万", "亿", "千万", "百万"):
            continue
        if raw_num in ("一",) and not _parallel_count(text, s, e):
            continue
        try:
            value = parse_number(raw_num)
        except Exception:  # cn2an rejects malformed numerals: not a figure
            continue
        if m.group("pct"):
            unit, mag = "%", None
        else:
            unit, mag = m.group("unit"), m.group("mag")
        if mag:
            value *= _MAGNITUDE[mag]
        if unit == "万平方米":
            unit, value = "平方米", value * 10000
        qualifier = _qualifier(m.group("qb")) or _qualifier(m.group("qa")) or _qualifier(m.group("qa2"))
        share = unit == "%"
        measure = _measure_before(view, s, share=share, excluded=excluded)
        if share and (not measure or measure.endswith(_GROWTH) or measure in ("比上年", "同比")):
            measure = _growth_measure(view, s, out, measure)
        after = "" if share else _measure_after(view, e)
        if measure.endswith(("了", "过", "着")):
            measure = ""  # 举行了四个项目的开工仪式: the count belongs to what follows
        if after and not measure.endswith(after):
            measure = measure + after
        measure = _with_topic(text, s, measure)
        if not measure:
            continue
        after_de = e + 1 if nxt == "的" else None
        if after_de is not None and not any(a == after_de for a, _ in names):
            continue  # 总投资超1亿美元的重大项目: a threshold inside a description, not a figure
        clause_start = max(text.rfind(c, 0, s) for c in "，；：") + 1
        period = next((w for s0, w in reversed(periods) if clause_start <= s0 < s), None) or next(
            (w for s0, w in reversed(openers) if s0 < s), None)
        value = Decimal(int(value)) if value == value.to_integral_value() else value.normalize()
        out.append(Figure(view.offset + s, view.offset + e, text[s:e], value, unit, measure, qualifier, period,
                          view.offset + after_de if after_de is not None else None))
    return out


_TOPIC = re.compile(r"^(?:[^，。]{0,12}[，,])?([^，。、]{2,10})方面[，,]")


def _with_topic(text: str, pos: int, measure: str) -> str:
    """Prefix the topic of 发明专利方面，全年新申请1614件 to the measure: 发明专利新申请."""
    m = _TOPIC.match(text)
    if m and m.end() <= pos and m.group(1) not in measure:
        return m.group(1) + measure
    return measure


def _parallel_count(text: str, s: int, e: int) -> bool:
    """一 + unit is a figure only beside another count (一条生产线和六座厂房)."""
    clause_start = max(text.rfind(c, 0, s) for c in "，。；") + 1
    clause_end = min([i for i in (text.find(c, e) for c in "，。；") if i >= 0] or [len(text)])
    rest = text[clause_start:s] + text[e:clause_end]
    return bool(re.search(rf"(?:\d|[{NUMERAL}])+[{''.join(u for u in lexicon.units() if len(u) == 1)}]", rest))


def _growth_measure(view: SentenceView, pos: int, earlier: list[Figure], measure: str) -> str:
    text = view.text
    window = text[max(0, pos - 12) : pos]
    growth = next((g for g in _GROWTH if g in window), None)
    if growth is None:
        return measure
    base = None
    k = window.rfind(growth)
    before_growth = _measure_before(view, pos - len(window) + k, share=False)
    if before_growth and before_growth not in ("比上年", "同比", "较上年同期", "比", "较"):
        base = before_growth
    elif earlier:
        base = earlier[-1].measure
    if base is None:
        return measure or growth
    for junk in ("比上年", "较上年同期", "同比"):
        base = base.replace(junk, "")
    return base + growth


def parse_figures(text: str) -> list[Figure]:
    """Figures of a bare string (for examples and tests)."""
    return find_figures(SentenceView.of_text(text))
