"""Entity recognisers: each finds :class:`~kg.model.Mention` candidates in a sentence.

Recognisers are plain functions ``(view) -> list[Mention]`` registered in
:data:`RECOGNISERS`; :func:`find_mentions` runs them all over a document and
keeps the longest of overlapping candidates. They follow the language of the
genre, not any one article: heads and legal forms (``names.tsv``), zone
heads (``zones.tsv``), quotes and 《》 (``quote_heads.tsv``), enumerations
(``enumeration_heads.tsv``), honor lists (``honors.tsv``), official titles
(``titles.txt``) and the administrative divisions of the ``cpca`` dataset.

>>> [m.name for m in find_in_text("安远经济技术开发区引进华星电子、远达新材等企业项目。")]
['安远经济技术开发区', '华星电子', '远达新材']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from .. import lexicon
from ..model import Document, Mention
from .text import (
    LEGAL_HEADS,
    NUMERAL,
    STOP_CHARS,
    SentenceView,
    clean_name,
    company_core,
    counted,
    extend_left,
    extend_right,
    is_generic,
    is_short_name,
)

__all__ = ["RECOGNISERS", "find_mentions", "find_in_text", "ANAPHORA", "PRIORITY"]

Recogniser = Callable[[SentenceView], list[Mention]]

#: ``rule`` of mentions that only point back at a zone (该区, 园区).
ANAPHORA = "anaphora"

#: When two candidates overlap and are as long as each other, the higher priority wins.
PRIORITY = {
    "head": 10,
    "body": 10,
    "zone": 10,
    "person": 10,
    "honor-cue": 11,
    "honor-list": 11,
    "enumeration": 8,
    "industry": 8,
    "quoted": 7,
    "policy": 7,
    "project": 6,
    "place": 2,
    ANAPHORA: 1,
}


def _mention(view: SentenceView, start: int, end: int, cls: str, rule: str, name: str | None = None) -> Mention:
    text = view.text[start:end]
    return Mention(
        start=view.offset + start,
        end=view.offset + end,
        text=text,
        name=clean_name(name if name is not None else text),
        cls=cls,
        sentence=view.sentence.index,
        rule=rule,
    )


def _find_all(text: str, word: str):
    i = text.find(word)
    while i >= 0:
        yield i
        i = text.find(word, i + 1)


def _leftmost_longest(text: str, words) -> list[tuple[int, str]]:
    """Non-overlapping occurrences of ``words``, scanning left to right, the longest word first at each place.

    What a regex alternation of the words (longest first) finds, without compiling one per document.

    >>> _leftmost_longest("新材公司与新材料公司", ["新材", "新材料公司"])
    [(0, '新材'), (5, '新材料公司')]
    """
    hits = sorted((i, -len(w), w) for w in words for i in _find_all(text, w))
    out: list[tuple[int, str]] = []
    end = 0
    for i, _, w in hits:
        if i >= end:
            out.append((i, w))
            end = i + len(w)
    return out


@lru_cache(maxsize=16)
def _any_of(words: frozenset[str]) -> Callable[[str], re.Match[str] | None]:
    """A test whether a text contains any of ``words`` (one scan, not one per word)."""
    return re.compile("|".join(map(re.escape, sorted(words)))).search


@lru_cache(maxsize=16)
def _head_pattern(heads: tuple[str, ...]) -> re.Pattern[str]:
    """Every head starting at every position (a lookahead lets matches overlap), longest first."""
    return re.compile("(?=(" + "|".join(map(re.escape, sorted(heads, key=len, reverse=True))) + "))")


def _head_matches(text: str, heads: list[str]) -> list[tuple[int, str]]:
    """Occurrences of heads, the longest head for each end position."""
    best: dict[int, tuple[int, str]] = {}
    for m in _head_pattern(tuple(heads)).finditer(text):
        head = m.group(1)
        end = m.start() + len(head)
        if end not in best or len(head) > len(best[end][1]):
            best[end] = (m.start(), head)
    return sorted(best.values())


# --- zones -------------------------------------------------------------------

def _zone_head_words() -> list[str]:
    heads = lexicon.zone_heads()
    return list(heads) + [short for short in heads.values() if short]


def _is_place_name(name: str) -> bool:
    places = lexicon.places()
    return name in places or any(name + suffix in places for suffix in ("区", "县", "市"))


_LEVEL_IN_ZONE = re.compile(rf"(?:全国|全省|全市|国家级|省级|市级|年度|\d+家|[{NUMERAL}]+[个家])")


def find_zones(view: SentenceView) -> list[Mention]:
    """Zones by their head: 安远经济技术开发区, 信丰高新区; bare heads are anaphora.

    >>> [(m.name, m.rule) for m in find_zones(SentenceView.of_text("该经开区与上海闵行经济技术开发区同列。"))]
    [('该经开区', 'anaphora'), ('上海闵行经济技术开发区', 'zone')]
    """
    out = []
    anaphora = lexicon.anaphora_words()
    for pos, head in _head_matches(view.text, _zone_head_words()):
        end = pos + len(head)
        if end < len(view.text) and view.text[end] in "内":
            pass
        start = extend_left(view, pos, max_chars=16)
        level = _LEVEL_IN_ZONE.search(view.text, start, pos)
        if level:
            start = level.end()
        core = view.text[start:pos]
        if head == "园区" and not _is_place_name(core):
            core = ""
        if not core or is_generic(core):
            if pos > 0 and view.text[pos - 1] == "该":
                out.append(_mention(view, pos - 1, end, "DevelopmentZone", ANAPHORA))
            elif not core and head in anaphora and not counted(view, pos, end):
                out.append(_mention(view, pos, end, "DevelopmentZone", ANAPHORA))
            continue
        if counted(view, start, end, after=False):  # 全国52家国家级高新区; but 信丰高新区8家企业 is the zone
            continue
        out.append(_mention(view, start, end, "DevelopmentZone", "zone"))
    for m in _AREA_ANAPHORA.finditer(view.text):
        out.append(_mention(view, m.start(), m.end(), "DevelopmentZone", ANAPHORA))
    return out


_AREA_ANAPHORA = re.compile("该区|全区|区内|本区|园区")


# --- names by head -----------------------------------------------------------

def find_headed_names(view: SentenceView) -> list[Mention]:
    """Names that end in a head of ``names.tsv``: companies, hospitals, platforms, bodies.

    >>> [m.name for m in find_headed_names(SentenceView.of_text("已开工的企业为赣州谷丰科技有限公司。"))]
    ['赣州谷丰科技有限公司']
    """
    heads = lexicon.name_heads()
    out = []
    for pos, head in _head_matches(view.text, list(heads)):
        spec = heads[head]
        if spec.kind == "project":
            continue
        end = pos + len(head)
        if view.in_quote(pos):
            continue
        kind = "legal" if spec.kind == "legal" else "name"
        start = extend_left(view, pos, max_chars=spec.max_chars - len(head), kind=kind)
        core = view.text[start:pos]
        if counted(view, start, end):
            continue
        if spec.kind == "specific" and core:
            pass
        elif len(clean_name(core)) < 2 or is_generic(core):
            if spec.cls == "GovernmentBody" and not core and head in ("管委会", "海关总署"):
                out.append(_mention(view, pos, end, spec.cls, "body"))
            continue
        out.append(_mention(view, start, end, spec.cls, "body" if spec.cls == "GovernmentBody" else "head"))
    return out


@lru_cache(maxsize=8)
def _heads_of_kind(kind: str) -> list[str]:
    """The heads of ``names.tsv`` of one kind (``legal``, ``project`` …)."""
    return [h for h, spec in lexicon.name_heads().items() if spec.kind == kind]


def find_projects(view: SentenceView) -> list[Mention]:
    """Projects (…项目, …工程); a company named at the start is an enterprise too.

    >>> view = SentenceView.of_text("开工项目包括：赣州福兴实业有限公司年产5000吨饲料项目。")
    >>> [(m.name, m.cls) for m in find_projects(view)]
    [('赣州福兴实业有限公司年产5000吨饲料项目', 'Project'), ('赣州福兴实业有限公司', 'Enterprise')]
    """
    heads = lexicon.name_heads()
    legal = _heads_of_kind("legal")
    out = []
    for pos, head in _head_matches(view.text, _heads_of_kind("project")):
        end = pos + len(head)
        if view.in_quote(pos):
            continue
        start = extend_left(view, pos, max_chars=heads[head].max_chars, kind="project", place_cut=False)
        lead = re.match(rf"(?:\d[\d.]*|[{NUMERAL}]+)(?:余|多)?[个项批家]", view.text[start:pos])
        if lead:
            start += lead.end()
        core = view.text[start:pos]
        if len(clean_name(core)) < 2 or is_generic(core) or counted(view, start, end):
            continue
        clause_start = max(view.text.rfind(c, 0, start) for c in "，；：。") + 1
        if not _looks_like_project(core, view.text[max(clause_start, start - 24) : start]):
            continue
        out.append(_mention(view, start, end, "Project", "project"))
        for lpos, lhead in _head_matches(core, legal):
            company_end = start + lpos + len(lhead)
            if company_end - start >= 4:
                out.append(_mention(view, start, company_end, "Enterprise", "project-owner"))
            break
    return out


_PROJECT_CUES = ("实施", "启动", "推进", "开工", "建设", "签约", "引进")


_CAPACITY = re.compile(r"\d+(?:\.\d+)?(?:万|亿)?(?:吨|台|套|件|只|辆|平方米|立方米|千瓦|兆瓦|亩|条)")


def _looks_like_project(core: str, before: str) -> bool:
    """A project name names its owner, product or capacity, not just a kind of project.

    ``before`` is the text before the name in its clause: a project may also be
    one that a named company invests in (…有限公司投资15亿元的储能电池项目).
    """
    if any(h in core for h in LEGAL_HEADS):
        return True
    if "“" in core or "年产" in core or _CAPACITY.search(core):
        return True
    if len(core) >= 4 and ("投资" in before or any(h in before for h in LEGAL_HEADS)):
        return True
    return len(core) >= 4 and before.endswith(_PROJECT_CUES)


# --- quoted names --------------------------------------------------------------

def _quote_class(inner: str, after: str) -> tuple[str, str] | None:
    """Class of a quoted name and the head words that follow the closing mark."""
    for head, cls, where in lexicon.quote_heads():
        if where in ("inside", "both") and inner.endswith(head) and len(inner) >= max(len(head), 2):
            return cls, ""
    for head, cls, where in lexicon.quote_heads():
        if where in ("after", "both"):
            i = after.find(head)
            if 0 <= i <= 6 and not any(ch in STOP_CHARS for ch in after[: i + len(head)]):
                piece = after[:i]
                if not any(w in piece for w in ("的", "和", "与", "及", "等")):
                    return cls, after[: i + len(head)]
    return None


def find_quoted(view: SentenceView) -> list[Mention]:
    """Names in “” and 《》, classed by their head: “三色评价” → Policy, 《…方案》 → Policy.

    >>> [(m.name, m.cls) for m in find_quoted(SentenceView.of_text("该区依托“数智综保”系统，推出“同企跨片”模式。"))]
    [('数智综保系统', 'Platform'), ('同企跨片模式', 'Policy')]
    """
    out = []
    text = view.text
    for open_, close, mark in view.quotes:
        inner = text[open_ + 1 : close - 1]
        if not inner or len(inner) > 60 or "、" in inner or "，" in inner:
            continue
        if _is_alias_definition(text, open_):
            continue
        if mark == "《":
            out.append(_mention(view, open_, close, "Policy", "quoted"))
            continue
        honor = _honor_name(inner)
        if honor:
            out.append(_mention(view, open_, close, "Honor", "quoted"))
            continue
        found = _quote_class(inner, text[close : close + 10])
        if found is None:
            if _policy_cue_before(text, open_) and 2 <= len(inner) <= 10:
                out.append(_mention(view, open_, close, "Policy", "quoted"))
            continue
        cls, tail = found
        start = open_
        if cls == "Project":
            start = extend_left(view, open_, max_chars=10)
            if start == open_:
                continue
        out.append(_mention(view, start, close + len(tail), cls, "quoted"))
    return out


def _is_alias_definition(text: str, pos: int) -> bool:
    return bool(re.search(r"(?:以下简称|下称|简称|又称|俗称|称作|称为|誉为)$", text[max(0, pos - 6) : pos]))


def _policy_cue_before(text: str, pos: int) -> bool:
    return bool(re.search(r"(?:落实|实施|推行|推广|推出|出台|制定|以)$", text[max(0, pos - 4) : pos]))


_POLICY_CUES = ("制定", "出台", "印发", "推出", "发布", "实施", "制订")
_POLICY_HEADS = ("政策措施", "奖励政策", "扶持政策", "政策", "措施", "办法", "实施方案", "工作方案", "行动方案", "方案",
                 "意见", "规定", "细则", "条例")


def find_policies(view: SentenceView) -> list[Mention]:
    """Unquoted policies named after a cue: 出台支持数字经济发展的若干政策措施.

    >>> [m.name for m in find_policies(SentenceView.of_text("该区制定促进工业经济发展十二条奖励政策，效果明显。"))]
    ['促进工业经济发展十二条奖励政策']
    """
    out = []
    text = view.text
    for cue in _POLICY_CUES:
        for i in _find_all(text, cue):
            start = i + len(cue)
            end = start
            while end < len(text) and text[end] not in "，。；：！？、“”《》（）" and end - start <= 30:
                end += 1
            phrase = text[start:end]
            head = next((h for h in _POLICY_HEADS if phrase.endswith(h)), None)
            if head is None or len(phrase) - len(head) < 4 or phrase.startswith(("以", "对", "了", "的")):
                continue
            out.append(_mention(view, start, end, "Policy", "policy"))
    return out


# --- honors -------------------------------------------------------------------

def _honor_name(name: str) -> bool:
    parts = lexicon.honor_parts()
    name = clean_name(name)
    levels = parts["level"]
    starts = name.startswith(levels) or _starts_with_province(name)
    return starts and name.endswith(parts["head"]) and len(name) >= 5


def _starts_with_province(name: str) -> bool:
    places = lexicon.places()
    return any(name[:n] in places and places[name[:n]].endswith("省") for n in (2, 3, 4))


def find_honors(view: SentenceView) -> list[Mention]:
    """Honors in lists (国家绿色园区、省智能制造基地……) and after cues (获评, 入选 …).

    >>> [m.name for m in find_honors(SentenceView.of_text("国家绿色园区、全市唯一的省智能制造基地……当下"))]
    ['国家绿色园区', '省智能制造基地']
    """
    out = []
    text = view.text
    parts = lexicon.honor_parts()
    # list items: pieces between 、 (or ……) and clause marks; 全市唯一的 is cut at 的
    for m in re.finditer(r"[^、，。；：！？…]+", text):
        seg_start, seg_end = m.span()
        in_list = (seg_end < len(text) and text[seg_end] in "、…") or (seg_start > 0 and text[seg_start - 1] == "、")
        if not in_list:
            continue
        start = seg_start
        for stop in ("的", "为", "是"):
            k = text.rfind(stop, seg_start, seg_end)
            if k >= 0:
                start = max(start, k + 1)
        end = seg_end
        tail = re.search(r"(?:等)?(?:荣誉)?(?:称号|荣誉)$|等$", text[start:end])
        if tail:
            end = start + tail.start()
        name = text[start:end]
        if _honor_name(name) and not counted(view, start, end):
            out.append(_mention(view, start, end, "Honor", "honor-list"))
    for cue in parts["cue"]:
        for i in _find_all(text, cue):
            obj = i + len(cue)
            if text[obj : obj + 1] in "“\"":
                continue
            end = _honor_end(view, obj)
            if end <= obj:
                continue
            name = text[obj:end]
            if name.endswith("称号"):
                name = name[:-2]
                end -= 2
            if _honor_name(name) or (cue not in ("获得", "创建") and name.endswith(parts["head"]) and len(name) >= 5
                                      and not is_generic(name)):
                out.append(_mention(view, obj, end, "Honor", "honor-cue"))
    return out


def _honor_end(view: SentenceView, pos: int) -> int:
    text = view.text
    end = pos
    while end < len(text) and text[end] not in STOP_CHARS and end - pos < 24:
        if text.startswith(("的", "已", "并", "等", "之", "和"), end):
            break
        end += 1
    return end


# --- enumerations ---------------------------------------------------------------

_ENUM_SPLIT = re.compile(r"、|(?<=”)(?=“)")


def _enumeration_head(text: str) -> str | None:
    for head, cls in lexicon.enumeration_heads():
        if head in text:
            return cls
    return None


def find_enumerations(view: SentenceView) -> list[Mention]:
    """Items of lists such as 华星食品、明辉科技、远达化工等11家本土企业, classed by the head.

    >>> [(m.name, m.cls) for m in find_enumerations(SentenceView.of_text("以比亚迪、北汽重卡等整车企业为龙头。"))]
    [('比亚迪', 'Enterprise'), ('北汽重卡', 'Enterprise')]
    """
    out = []
    text = view.text
    for clause in re.finditer(r"[^，。；：！？]+", text):
        c_start, c_end = clause.span()
        body = text[c_start:c_end]
        if "、" not in body and "”“" not in body:
            continue
        # the list ends at 等 (…等N家企业) or at the end of the clause
        deng = body.rfind("等")
        head_cls = None
        list_end = c_end
        if deng > 0:
            head_text = body[deng + 1 :]
            head_cls = _enumeration_head(head_text[:14])
            list_end = c_start + deng
        items = _split_items(view, c_start, list_end, open_end=deng <= 0)
        if len(items) < 2:
            continue
        for s, e in items:
            inner_q = view.in_quote(s + 1)
            if e - s < 2 or e - s > 25:
                continue
            if inner_q is None and any(ch.isdigit() for ch in text[s:e]):
                continue
            if counted(view, s, e):
                continue
            cls = head_cls
            if cls is None:
                continue
            out.append(_mention(view, s, e, cls, "enumeration"))
    return out


def _split_items(view: SentenceView, start: int, end: int, *, open_end: bool = True) -> list[tuple[int, int]]:
    text = view.text
    cuts = [start] + [m.end() for m in _ENUM_SPLIT.finditer(text, start, end)]
    spans = []
    for k, s in enumerate(cuts):
        e = cuts[k + 1] - (1 if text[cuts[k + 1] - 1] == "、" else 0) if k + 1 < len(cuts) else end
        spans.append([s, e])
    if not spans:
        return []
    # a quoted item is the quote (开展“A”“B”等活动)
    for k, span in enumerate(spans):
        q = text.rfind("“", span[0], span[1])
        if span[1] > span[0] and text[span[1] - 1] == "”" and q >= 0 and (k == 0 or q == span[0]):
            span[0] = q
    # the first item begins after the last boundary word before it
    first_end = spans[0][1]
    if text[first_end - 1 : first_end] != "”":
        spans[0][0] = extend_left(view, first_end, max_chars=20, place_cut=False) if first_end > start else start
    # the last item: split a final 和/及 item, cut at a boundary word
    last_s, last_e = spans[-1]
    if open_end and last_e > last_s:
        last_e = extend_right(view, last_s, max_chars=25)
    spans[-1][1] = min(last_e, end)
    tail = text[spans[-1][0] : spans[-1][1]]
    for conj in ("和", "及", "与"):
        k = tail.find(conj)
        if k > 1:
            spans[-1][1] = spans[-1][0] + k
            spans.append([spans[-1][0] + k + 1, spans[-1][0] + len(tail)])
            break
    return [(s, e) for s, e in spans if e > s]


_INDUSTRY_HEAD = re.compile(r"(?:等)?(?:[一二两三四五六七八九十]大|“[^”]{1,12}”)?(?:主导|支柱|特色|优势|首位)产业")


def find_industries(view: SentenceView) -> list[Mention]:
    """Industries listed as the zone's leading ones: 把A、B和C“3+1”主导产业列为…

    >>> [m.name for m in find_industries(SentenceView.of_text("该区把电子信息、生物医药和新材料三大主导产业列为重点。"))]
    ['电子信息', '生物医药', '新材料']
    """
    out = []
    text = view.text
    for head in _INDUSTRY_HEAD.finditer(text):
        end = head.start()
        clause_start = max(text.rfind(c, 0, end) for c in "，。；：") + 1
        body = text[clause_start:end]
        if "、" not in body and not re.search("[和及与]", body):
            continue
        items = _split_items(view, clause_start, end, open_end=False)
        for s, e in items:
            name = text[s:e]
            if 2 <= len(name) <= 14 and not any(ch.isdigit() for ch in name) and not is_generic(name):
                out.append(_mention(view, s, e, "Industry", "industry"))
    return out


# --- places and persons ---------------------------------------------------------

_PLACE_TAILS = re.compile(r"(?:镇|乡|街道)")


def find_places(view: SentenceView) -> list[Mention]:
    """Administrative divisions (cpca), towns after a place, and roads in a list.

    >>> [m.name for m in find_places(SentenceView.of_text("地处汉滨区五里镇的园区，位于江苏省常州市。"))]
    ['汉滨区', '五里镇', '江苏省', '常州市']
    """
    places = lexicon.places()
    openings = lexicon.place_openings()
    text = view.text
    out = []
    tokens = view.tokens
    for i, tok in enumerate(tokens):
        if text[tok.start : tok.start + 2] not in openings:
            continue
        best = None
        # a place ends at a word boundary: try the ends of this and the next two words, longest first
        for k in range(min(i + 3, len(tokens)) - 1, i - 1, -1):
            end = tokens[k].end
            if 2 <= end - tok.start <= 8 and text[tok.start : end] in places:
                best = end
                break
        if best is None:
            continue
        end = best
        out.append(_mention(view, tok.start, end, "Place", "place"))
        m = re.match(r"([\u4e00-\u9fff]{2})(镇|乡|街道)", text[end:])
        if m and not is_generic(m.group(1)):
            out.append(_mention(view, end, end + m.end(), "Place", "place"))
    # bays, rivers and lakes named after a city or county: 胶州湾
    for m in re.finditer(r"([\u4e00-\u9fff]{2})([湾河江湖])", text):
        name = m.group(1)
        if (name + "市" in places or name + "县" in places) and m.start() in view.token_starts:
            out.append(_mention(view, m.start(), m.end(), "Place", "place"))
    for m in re.finditer(r"路|大道|大街", text):
        e = m.end()
        after = text[e : e + 1]
        if after not in ("、", "，", "和", "。", "上", "与", "及"):
            continue
        for n in (2, 3):
            s = m.start() - n
            if s >= 0 and text[s - 1 : s] in ("的", "、", "在", "") and re.fullmatch(r"[\u4e00-\u9fff]+", text[s:m.start()]):
                out.append(_mention(view, s, e, "Place", "place"))
                break
    return out


_PERSON_FOLLOW = ("出席", "致辞", "介绍", "表示", "指出", "强调", "说", "主持", "参加", "调研", "讲话",
                  "宣布", "在", "，", "。", "、", "带队", "一行", "会见", "见证")


def find_persons(view: SentenceView) -> list[Mention]:
    """Persons named right after an official title: 汉滨区区长王孝成致辞.

    >>> [m.name for m in find_persons(SentenceView.of_text("汉滨区区长王孝成致辞。"))]
    ['王孝成']
    """
    out: list[Mention] = []
    text = view.text
    if not _any_of(lexicon.person_titles())(text):
        return out
    for title in sorted(lexicon.person_titles(), key=len, reverse=True):
        for i in _find_all(text, title):
            pos = i + len(title)
            for n in (3, 2):
                name = text[pos : pos + n]
                if len(name) == n and re.fullmatch(r"[\u4e00-\u9fff]+", name) and text.startswith(_PERSON_FOLLOW, pos + n):
                    out.append(_mention(view, pos, pos + n, "Person", "person"))
                    break
    return out


def find_bodies(view: SentenceView) -> list[Mention]:
    """Government organs from ``bodies.txt`` (国务院, 科技部 …), as whole words."""
    out: list[Mention] = []
    if not _any_of(lexicon.national_bodies())(view.text):
        return out
    for word in lexicon.national_bodies():
        for i in _find_all(view.text, word):
            end = i + len(word)
            if i in view.token_starts and end in view.token_ends:
                out.append(_mention(view, i, end, "GovernmentBody", "body"))
    return out


#: The recognisers, in the order they run; each adds candidates.
RECOGNISERS: list[tuple[str, Recogniser]] = [
    ("zones", find_zones),
    ("headed-names", find_headed_names),
    ("projects", find_projects),
    ("quoted", find_quoted),
    ("policies", find_policies),
    ("honors", find_honors),
    ("enumerations", find_enumerations),
    ("industries", find_industries),
    ("places", find_places),
    ("persons", find_persons),
    ("bodies", find_bodies),
]


def _select(candidates: list[Mention]) -> list[Mention]:
    """Keep the longest of overlapping candidates (then the higher priority).

    A company at the start of a project name is kept inside it.
    """
    ranked = sorted(candidates, key=lambda m: (-(m.end - m.start), -PRIORITY.get(m.rule, 0), m.start))
    kept: list[Mention] = []
    taken = _Spans()  # the characters of the kept mentions (project owners aside)
    for m in ranked:
        if m.rule == "project-owner":
            if any(k.rule == "project" and k.start <= m.start and m.end <= k.end for k in kept):
                kept.append(m)
            continue
        if taken.overlaps(m.start, m.end):
            continue
        kept.append(m)
        taken.add(m.start, m.end)
    return sorted(kept)


class _Spans:
    """Character positions taken by spans: an overlap test that does not look at every span.

    >>> spans = _Spans(); spans.add(2, 5)
    >>> spans.overlaps(0, 2), spans.overlaps(4, 9)
    (False, True)
    """

    def __init__(self) -> None:
        self._taken = bytearray()

    def add(self, start: int, end: int) -> None:
        if end > len(self._taken):
            self._taken.extend(bytes(end - len(self._taken)))
        self._taken[start:end] = b"\x01" * (end - start)

    def overlaps(self, start: int, end: int) -> bool:
        return self._taken.find(1, start, end) >= 0


def find_mentions(doc: Document) -> list[Mention]:
    """All entity mentions of a segmented document, overlaps resolved."""
    candidates: list[Mention] = []
    views = [SentenceView.of(doc, sentence) for sentence in doc.sentences]
    for view in views:
        for _, recognise in RECOGNISERS:
            candidates.extend(recognise(view))
    mentions = _select(candidates)
    return _add_repeats(doc, mentions, views)


def _add_repeats(doc: Document, mentions: list[Mention], views: list[SentenceView]) -> list[Mention]:
    """Second pass over the document with what the first pass learnt.

    * further occurrences of recognised names (比亚迪 after 比亚迪、北汽重卡等);
    * a company's brand with 公司 or 集团 (芯联公司 for 芯联（成都）集成电路有限公司);
    * list items beside a known company are companies too (好福泰、皓翔塑钢、汉科印务入驻…).
    """
    names: dict[str, Mention] = {}
    for m in mentions:
        if m.rule not in (ANAPHORA, "place", "project-owner") and len(m.name) >= 2:
            names.setdefault(m.name, m)
    fulls = sorted({m.name for m in mentions if m.cls == "Enterprise" and m.name.endswith(LEGAL_HEADS)})
    text = doc.match_text
    for full in fulls:
        core = company_core(full)
        brand = core[:2]
        if len(brand) == 2 and brand not in lexicon.generic_words():
            for suffix in ("公司", "集团"):
                names.setdefault(brand + suffix, Mention(0, 0, brand + suffix, brand + suffix, "Enterprise", 0, "brand"))
            # the brand and what follows it of the core, without region or legal form: 志浩电子 for 江西志浩电子科技有限公司
            for i in _find_all(text, brand):
                k = 2
                while k < len(core) and i + k < len(text) and text[i + k] == core[k]:
                    k += 1
                if k >= 3 and text[i : i + k] != full:
                    names.setdefault(text[i : i + k], Mention(0, 0, text[i : i + k], text[i : i + k], "Enterprise", 0, "brand"))
    taken = _Spans()
    for m in mentions:
        taken.add(m.start, m.end)
    extra: list[Mention] = []

    def add(start: int, end: int, name: str, cls: str, rule: str) -> None:
        if taken.overlaps(start, end):
            return
        sentence = doc.sentence_at(start)
        if end > sentence.end:
            return
        extra.append(Mention(start, end, doc.text[start:end], name, cls, sentence.index, rule))
        taken.add(start, end)

    for start, name in _leftmost_longest(text, names):
        add(start, start + len(name), name, names[name].cls, "repeat")
    known = set(names) | set(fulls)
    if not known:
        return sorted(mentions + extra)
    cues = known | {company_core(f)[:2] for f in fulls}
    for sentence, view in zip(doc.sentences, views):
        if "、" not in view.text or not any(cue in view.text for cue in cues):
            continue  # no list, or nothing known in it
        for clause in re.finditer(r"[^，。；：！？]+", view.text):
            if "、" not in clause.group() or not any(cue in clause.group() for cue in cues):
                continue
            items = _split_items(view, clause.start(), clause.end())
            texts = [view.text[s:e] for s, e in items]
            if len(items) < 2 or any(len(t) > 8 or len(t) < 2 or re.search(r"[\d“”]", t) for t in texts):
                continue
            if not any(t in known or any(is_short_name(t, f) for f in fulls) for t in texts):
                continue
            for (s, e), t in zip(items, texts):
                if not is_generic(t):
                    add(sentence.start + s, sentence.start + e, t, "Enterprise", "sibling")
    return sorted(mentions + extra)


def find_in_text(text: str) -> list[Mention]:
    """Mentions of a bare string (for examples and tests), anaphora left out."""
    from ..model import RawDocument
    from ..normalise import normalise
    from ..segment import segment

    doc = segment(normalise(RawDocument("<text>", text, "utf-8", "0" * 64)))
    return [m for m in find_mentions(doc) if m.rule != ANAPHORA]
