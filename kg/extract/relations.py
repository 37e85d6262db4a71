"""Relations and indicators: facts between resolved entities, each with its sentence.

Relations come from cue words (``relations.tsv``: 引进 → introduced, 获评 →
hasHonor …) and from what the genre leaves unsaid: in an article about a
zone, a company named in it is one of the zone's companies, an honor with no
other holder is the zone's, and so on. Enumerations distribute a relation
over every item because every item is a mention after the cue.

>>> import kg
>>> doc = kg.extract("安远经济技术开发区引进华星电子、远达新材等企业项目。")
>>> sorted((r.predicate, r.object.split(":")[1]) for r in doc.relations if r.predicate == "introduced")
[('introduced', '华星电子'), ('introduced', '远达新材')]
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from .. import lexicon
from ..model import Document, Entity, Indicator, Mention, Relation
from ..resolve import context_zone
from .entities import ANAPHORA
from .figures import figure_pattern, find_figures
from .periods import normalise_period
from .text import SentenceView

__all__ = ["find_relations", "find_indicators"]

_SUBJECT_CLASSES = ("DevelopmentZone", "Enterprise", "Platform", "Project", "Event", "Policy", "Institution",
                    "Hospital", "School")
_LOCATION_CUES = re.compile(r"(?:位于|地处|坐落在|坐落于|座落在|同在|地处)")
_PLANNED = ("拟", "将", "计划")


def _class(doc: Document, key: str) -> str:
    return key.split(":", 1)[0]


def _sentence_mentions(doc: Document) -> dict[int, list[tuple[Mention, str]]]:
    out: dict[int, list[tuple[Mention, str]]] = defaultdict(list)
    for m in doc.mentions:
        key = doc.links.get((m.start, m.end))
        if key:
            out[m.sentence].append((m, key))
    return out


def _group(cls: str) -> str:
    return "Institution" if cls in ("Hospital", "School") else cls


def find_relations(doc: Document) -> list[Relation]:
    """Relations of a resolved document (see the module docstring)."""
    relations: dict[tuple[str, str, str], Relation] = {}
    by_sentence = _sentence_mentions(doc)

    def add(subject: str | None, predicate: str, obj: str, sentence_index: int, rule: str) -> None:
        if not subject or not obj or subject == obj:
            return
        key = (subject, predicate, obj)
        if key not in relations:
            ev = doc.evidence(doc.sentences[sentence_index])
            relations[key] = Relation(subject, predicate, obj, ev, rule)

    stated: dict[str, set[str]] = defaultdict(set)  # object key -> predicates given by a cue
    supporters: set[str] = set()  # funds and programmes that support someone are not the zone's platforms
    for sentence in doc.sentences:
        mentions = by_sentence.get(sentence.index, [])
        if not mentions:
            continue
        text = doc.match_text[sentence.start : sentence.end]
        taken: list[tuple[int, int]] = []
        for cue, i in _cue_occurrences(text):
            pos = sentence.start + i
            if any(a <= pos < b for a, b in taken):
                continue
            if any(m.start <= pos < m.end for m, _ in mentions):
                continue  # the cue word is inside a name
            taken.append((pos, pos + len(cue.word)))
            subject = _subject_before(doc, mentions, pos, cue.subject_classes)
            clause_end = _clause_end(doc, sentence, pos)
            lo, hi = pos, clause_end
            if cue.objects_before:  # 好福泰、皓翔塑钢入驻“现代物流园”: the objects are the subject
                lo = max(doc.match_text.rfind(c, sentence.start, pos) for c in "，；：") - 1
                lo, hi = max(lo, sentence.start - 1), pos
                subject = context_zone(doc, pos)
            got = doc.match_text.rfind("获得", max(sentence.start, pos - 24), pos)
            if cue.predicate == "supports" and got >= 0:  # A获得B200万元支持: B supports A
                agents = [key for m, key in mentions if got < m.start < pos]
                patients = [key for m, key in mentions if m.start < got and _class(doc, key) in cue.object_classes]
                if agents and patients:
                    add(agents[0], cue.predicate, patients[0], sentence.index, f"cue:{cue.word}")
                    stated[patients[0]].add(cue.predicate)
                    supporters.add(agents[0])
                continue
            by = doc.match_text.rfind("由", max(sentence.start, pos - 8), pos)
            if by >= 0:  # passive: 大赛已由高新区连续举办 — the object stands before 由
                agent = [key for m, key in mentions if by < m.start < pos and _class(doc, key) in cue.subject_classes]
                subject = agent[0] if agent else context_zone(doc, pos)
                lo, hi = max(doc.match_text.rfind(c, sentence.start, by) for c in "，；") + 1, by
                lo = max(lo, sentence.start) - 1
            object_classes = {_group(c) for c in cue.object_classes}
            for m, key in mentions:
                if lo < m.start < hi and _group(_class(doc, key)) in object_classes:
                    add(subject, cue.predicate, key, sentence.index, f"cue:{cue.word}")
                    stated[key].add(cue.predicate)
    _default_relations(doc, by_sentence, add, stated, supporters)
    return sorted(relations.values(), key=lambda r: (r.evidence.start, r.subject, r.predicate, r.object))


@lru_cache(maxsize=1)
def _cue_pattern() -> tuple[re.Pattern[str], dict]:
    cues = lexicon.relation_cues()
    words = sorted({c.word for c in cues}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))), {c.word: c for c in cues}


def _cue_occurrences(text: str) -> list:
    """``(cue, offset)`` for each cue word in ``text``; where cues overlap, the longest (开工仪式 over 开工)."""
    pattern, by_word = _cue_pattern()
    return [(by_word[m.group()], m.start()) for m in pattern.finditer(text)]


def _find_all(text: str, word: str):
    i = text.find(word)
    while i >= 0:
        yield i
        i = text.find(word, i + 1)


def _clause_end(doc: Document, sentence, pos: int) -> int:
    """Objects of a cue stand in its clause; a list after ： runs to the end of the sentence."""
    text = doc.match_text
    ends = [k for k in (text.find(c, pos, sentence.end) for c in "，；：") if k >= 0]
    if not ends:
        return sentence.end
    first = min(ends)
    return sentence.end if text[first] == "：" else first


def _subject_before(doc: Document, mentions: list[tuple[Mention, str]], pos: int, classes) -> str | None:
    """The subject of a cue at ``pos``: the nearest entity of a subject class in the same clause,
    else the first one in the sentence (its grammatical subject), else the context zone."""
    clause_start = max(doc.match_text.rfind(c, 0, pos) for c in "，；：。") + 1
    in_clause = [key for m, key in mentions if clause_start <= m.start < pos and _class(doc, key) in classes]
    if in_clause:
        return in_clause[-1]
    for m, key in mentions:
        if m.start >= pos:
            break
        if _class(doc, key) in classes:
            return key
    if "DevelopmentZone" in classes:
        return context_zone(doc, pos)
    return None


def _default_relations(doc, by_sentence, add, stated, supporters) -> None:
    zone_of = {}
    first_sentence: dict[str, int] = {}
    only_in_projects: set[str] = set()
    project_spans = [(m.start, m.end) for m in doc.mentions if m.rule == "project"]
    for ent in doc.entities:
        first = min(ent.mentions, key=lambda m: m.start)
        first_sentence[ent.key] = first.sentence
        zone_of[ent.key] = context_zone(doc, first.start)
        if ent.cls == "Enterprise" and all(any(a <= m.start < b for a, b in project_spans) for m in ent.mentions):
            only_in_projects.add(ent.key)
    places = {e.key: e for e in doc.entities if e.cls == "Place"}
    for ent in doc.entities:
        zone = zone_of[ent.key]
        sentence = first_sentence[ent.key]
        if ent.cls == "Enterprise" and ent.key not in only_in_projects:
            holder = _holder(doc, by_sentence, ent, ("DevelopmentZone",))
            add(holder or zone, "hasEnterprise", ent.key, sentence, "default")
        elif ent.cls == "Honor" and "hasHonor" not in stated[ent.key]:
            holder = _holder(doc, by_sentence, ent, ("Enterprise", "DevelopmentZone"))
            add(holder or zone, "hasHonor", ent.key, sentence, "default")
        elif ent.cls == "Policy" and "implementsPolicy" not in stated[ent.key]:
            add(zone, "implementsPolicy", ent.key, sentence, "default")
        elif ent.cls == "Platform" and "hasPlatform" not in stated[ent.key] and ent.key not in supporters:
            add(zone, "hasPlatform", ent.key, sentence, "default")
        elif ent.cls == "Project" and not stated[ent.key]:
            text = doc.match_text[doc.sentences[sentence].start : doc.sentences[sentence].end]
            if "区内" in text or _LOCATION_CUES.search(text) or "落户" in text:
                add(ent.key, "locatedIn", zone, sentence, "default")
        elif ent.cls == "Industry":
            add(zone, "inIndustry", ent.key, sentence, "default")
        elif ent.cls == "DevelopmentZone":
            place = _zone_place(doc, ent, places, by_name=ent.key == zone or len(ent.mentions) > 1)
            if place:
                add(ent.key, "locatedIn", place, sentence, "zone-name")


def _holder(doc, by_sentence, ent: Entity, classes) -> str | None:
    """The first entity of ``classes`` in the sentence of the entity's first mention, before it."""
    first = min(ent.mentions, key=lambda m: m.start)
    for m, key in by_sentence.get(first.sentence, []):
        if m.start >= first.start:
            break
        if key.split(":", 1)[0] in classes and m.rule != ANAPHORA:
            return key
    return None


def _zone_place(doc: Document, zone: Entity, places: dict[str, Entity], *, by_name: bool = True) -> str | None:
    """The most specific place the zone is in: stated (地处X的, 位于X) or at the head of its name."""
    for m in zone.mentions:
        sentence = doc.sentences[m.sentence]
        before = doc.match_text[sentence.start : m.start]
        cue = None
        for c in _LOCATION_CUES.finditer(before):
            cue = c
        if cue:
            stated = [p for p in places.values() for pm in p.mentions if _administrative(p.label)
                      and pm.sentence == m.sentence and cue.end() + sentence.start <= pm.start < m.start]
            if stated:
                return max(stated, key=lambda p: max(pm.start for pm in p.mentions if pm.start < m.start)).key
        after = doc.match_text[m.end : sentence.end]
        cue = _LOCATION_CUES.search(after)
        if cue and cue.start() < 12:
            chain = [(pm.start, p.key) for p in places.values() for pm in p.mentions if _administrative(p.label)
                     and pm.sentence == m.sentence and m.end + cue.end() <= pm.start <= m.end + cue.end() + 12]
            if chain:
                return max(chain)[1]
    if not by_name:
        return None
    best = None
    for p in places.values():
        for name in p.names() | {_short_place(n) for n in p.names()}:
            if any(n.startswith(name) for n in zone.names()) and (best is None or len(name) > best[0]):
                best = (len(name), p.key)
    return best[1] if best else None


def _administrative(name: str) -> bool:
    return name in lexicon.places() or name.endswith(("镇", "乡", "街道", "区", "县", "市", "省"))


def _short_place(name: str) -> str:
    for suffix in ("市", "省", "自治区"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def find_indicators(doc: Document) -> list[Indicator]:
    """Indicators of a resolved document: figures with their subject entity."""
    by_sentence = _sentence_mentions(doc)
    out = []
    has_figure = figure_pattern().search
    for sentence in doc.sentences:
        if not has_figure(doc.match_text, sentence.start, sentence.end):
            continue
        view = SentenceView.of(doc, sentence)
        mentions = by_sentence.get(sentence.index, [])
        excluded = [(m.start - sentence.start, m.end - sentence.start) for m, key in mentions
                    if m.rule == ANAPHORA or _class(doc, key) in ("DevelopmentZone", "Place")]
        inside_names = [(m.start - sentence.start, m.end - sentence.start) for m, key in mentions
                        if m.rule != ANAPHORA and _class(doc, key) not in ("DevelopmentZone", "Place")]
        for fig in find_figures(view, excluded, inside_names):
            subject = _figure_subject(doc, mentions, fig)
            if subject is None:
                continue
            measure = fig.measure
            for m, key in mentions:  # 某公司拟投资20亿元: the subject is not part of the measure
                if key == subject and measure.startswith(m.text) and len(measure) > len(m.text):
                    measure = measure[len(m.text):]
            out.append(Indicator(
                subject=subject, measure=measure, value=fig.value, unit=fig.unit, raw_text=fig.raw_text,
                start=fig.start, end=fig.end, evidence=doc.evidence(sentence),
                qualifier=fig.qualifier, period=normalise_period(fig.period, doc.date),
            ))
    return out


_FIGURE_SUBJECTS = ("Enterprise", "Platform", "Event", "Project", "Institution", "Hospital", "School")
_NOT_SUBJECT_RULES = ("enumeration", "project-owner", "industry")


def _figure_subject(doc: Document, mentions, fig) -> str | None:
    """The entity a figure describes.

    The entity right after 的 (占地3900平方米的新政务服务中心); else, walking back
    from the figure through its sentence, the nearest zone, or the nearest named
    entity that is not the object of a verb (引进A, 助力A、B等11家企业 describe the
    zone); else the zone of the context.
    """
    if fig.after_de is not None:
        for m, key in mentions:
            if m.start == fig.after_de and _class(doc, key) in _FIGURE_SUBJECTS:
                return key
    text = doc.match_text
    clause_start = max(text.rfind(c, 0, fig.start) for c in "，。；：") + 1
    if "其" in text[clause_start : fig.start]:  # 其生产车间的21道工序: 其 is the subject of the sentence
        for m, key in mentions:
            if m.start < fig.start and _class(doc, key) in _FIGURE_SUBJECTS + ("DevelopmentZone",) and m.rule != ANAPHORA:
                return key
    for m, key in reversed(mentions):
        if m.start >= fig.start or _in_parentheses(text, m.start, fig.start):
            continue  # 综保区（含双流园区）进出口值: an aside is not the subject
        cls = _class(doc, key)
        if cls == "DevelopmentZone":
            return key
        listed = text[m.end : m.end + 1] == "、" or text[m.start - 1 : m.start] == "、"
        if cls in _FIGURE_SUBJECTS and m.rule not in _NOT_SUBJECT_RULES and not listed and not _after_verb(text, m.start):
            return key
    return context_zone(doc, fig.start)


def _in_parentheses(text: str, start: int, limit: int) -> bool:
    """True when ``start`` stands in a parenthesis that closes before ``limit``."""
    opened = max(text.rfind("（", 0, start), text.rfind("(", 0, start))
    closed = max(text.rfind("）", 0, start), text.rfind(")", 0, start))
    return opened > closed and any(c in text[start:limit] for c in "）)")


_OBJECT_VERBS = ("引进", "招引", "引入", "助力", "扶持", "支持", "建设", "建立", "打造", "依托", "搭建", "启动", "获得",
                 "对接", "推进", "实施", "包括", "为", "与", "和", "及", "、")


def _after_verb(text: str, start: int) -> bool:
    """True when a verb in the mention's clause makes it an object (打造占地…的新政务服务中心)."""
    clause = text[max(text.rfind(c, 0, start) for c in "，。；：") + 1 : start]
    return clause.endswith(_OBJECT_VERBS) or any(v in clause for v in _OBJECT_VERBS[:-6])

