"""Stage 5, resolve: mentions become entities, with canonical names and aliases.

* Explicit aliases: ``X（以下简称Y）``, ``又被称作“Y”`` make Y a name of X.
* Zones: abbreviations are expanded before comparing
  (萍乡经开区 = 萍乡经济技术开发区; 常州国家高新区 = 常州高新技术产业开发区).
* Companies: a short name is merged with a full name that contains it, or
  whose brand (the first two characters after the region) it starts with
  (华星食品 → 华星食品股份有限公司; 恒丰塑业 → 赣州恒丰包装印务有限公司).
* Places: short and full forms of a division are one place (常州 = 常州市).
* Anaphora (该区, 园区 …) point at the zone of their context.

The canonical label is the longest name; every other surface form is an alias.

>>> import kg
>>> doc = kg.extract("萍乡经济技术开发区（以下简称萍乡经开区）引进京东集团。萍乡经开区新建学校。")
>>> [(e.label, sorted(e.aliases)) for e in doc.entities if e.cls == "DevelopmentZone"]
[('萍乡经济技术开发区', ['萍乡经开区'])]
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from dataclasses import replace

from . import lexicon
from .extract.entities import ANAPHORA, PRIORITY
from .extract.text import LEGAL_HEADS, clean_name, company_core, is_short_name, short_name_brand
from .model import Document, Entity, Mention, Relation

__all__ = ["resolve_aliases", "resolve_corpus", "figure_conflicts", "zone_key", "context_zone", "main_zone", "MERGE_REASONS"]

_ALIAS_DEF = re.compile(
    r"^[（(]?(?:以下简称|下称|简称|又称|俗称|又被称作|被称作|称作|被称为|又称为|誉为)[“《\"]?(?P<alias>[^”》\"）)，。、]{2,20})[”》\"]?[）)]?"
)


def zone_key(name: str) -> str:
    """A comparable form of a zone name.

    >>> zone_key("常州国家高新区") == zone_key("常州国家高新技术产业开发区") == zone_key("常州高新区")
    True
    """
    key = clean_name(name)
    for full, short in lexicon.zone_heads().items():
        if short and key.endswith(short):
            key = key[: -len(short)] + full
            break
    return key.replace("国家", "")


def _explicit_aliases(doc: Document, mentions: list[Mention]) -> dict[int, str]:
    """Mentions followed by an alias definition: index → alias."""
    out = {}
    text = doc.match_text
    for i, m in enumerate(mentions):
        if m.rule == ANAPHORA:
            continue
        found = _ALIAS_DEF.match(text, m.end) or _ALIAS_DEF.match(text[m.end : m.end + 30].lstrip("，"))
        if found:
            out[i] = clean_name(found.group("alias"))
    return out


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


_GROUP_OF = {"Hospital": "Institution", "School": "Institution"}


def _group(cls: str) -> str:
    return _GROUP_OF.get(cls, cls)


def _name_key(m: Mention) -> tuple[str, str]:
    if m.cls == "DevelopmentZone":
        return ("zone", zone_key(m.name))
    if m.cls == "Place":
        return ("place", lexicon.places().get(m.name, m.name))
    return ("name", m.name)


def resolve_aliases(doc: Document, mentions: list[Mention]) -> tuple[list[Entity], dict[tuple[int, int], str]]:
    """Group mentions into entities; return the entities and a map from mention span to entity key."""
    named = [m for m in mentions if m.rule != ANAPHORA]
    uf = _UnionFind(len(named))
    first_by_key: dict[tuple[str, str], int] = {}
    for i, m in enumerate(named):
        key = _name_key(m)
        if key in first_by_key:
            uf.union(first_by_key[key], i)
        else:
            first_by_key[key] = i
    # explicit aliases: 以下简称, 称作
    extra_alias: dict[int, set[str]] = defaultdict(set)
    for i, alias in _explicit_aliases(doc, named).items():
        extra_alias[i].add(alias)
        for j, m in enumerate(named):
            if m.name == alias or (m.cls == "DevelopmentZone" and named[i].cls == "DevelopmentZone"
                                   and zone_key(m.name) == zone_key(alias)):
                uf.union(i, j)
    # company short names
    companies = [i for i, m in enumerate(named) if m.cls == "Enterprise"]
    fulls = [i for i in companies if named[i].name.endswith(LEGAL_HEADS)]
    for i in companies:
        for j in fulls:
            if i != j and is_short_name(named[i].name, named[j].name):
                uf.union(i, j)
                break
    # quoted names with a head after the quote: “X”模式 is also called X
    for i, m in enumerate(named):
        inner = re.search(r"[“\"]([^”\"]{2,20})[”\"]", m.text)
        if m.rule == "quoted" and inner and inner.group(1) != m.name and m.text.startswith(("“", '"')):
            extra_alias[i].add(clean_name(inner.group(1)))
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(named)):
        groups[uf.find(i)].append(i)
    entities: list[Entity] = []
    links: dict[tuple[int, int], str] = {}
    for root in sorted(groups):
        members = [named[i] for i in groups[root]]
        cls = _choose_class(members)
        names = {m.name for m in members} | {a for i in groups[root] for a in extra_alias.get(i, ())}
        if cls == "Place":
            names |= {lexicon.places().get(m.name, m.name) for m in members if m.name in lexicon.places()
                      and lexicon.places()[m.name] in doc.match_text}
        label = max(names, key=lambda n: (len(n), n))
        key = f"{cls}:{label}"
        evidence = sorted({doc.evidence(doc.sentences[m.sentence]) for m in members})
        extra = {m.cls for m in members if m.cls != cls and _group(m.cls) == _group(cls)}
        if cls in _GROUP_OF:
            extra.add(_GROUP_OF[cls])
        entities.append(Entity(key=key, cls=cls, label=label, aliases=names - {label},
                               mentions=sorted(members), evidence=evidence, extra_classes=extra - {cls}))
        for m in members:
            links[(m.start, m.end)] = key
    _link_anaphora(doc, mentions, entities, links)
    return entities, links


def _choose_class(members: list[Mention]) -> str:
    """The class given by the strongest rule; a named institution beats its enumeration."""
    best = max(PRIORITY.get(m.rule, 0) for m in members)
    votes = Counter(m.cls for m in members if PRIORITY.get(m.rule, 0) == best)
    return max(sorted(votes), key=lambda c: votes[c])


def main_zone(entities: list[Entity]) -> Entity | None:
    """The article's zone: the zone mentioned most often (the first on a tie)."""
    zones = [e for e in entities if e.cls == "DevelopmentZone"]
    if not zones:
        return None
    return max(zones, key=lambda e: (len(e.mentions), -min(m.start for m in e.mentions)))


def context_zone(doc: Document, offset: int, entities: list[Entity] | None = None) -> str | None:
    """Key of the zone an anaphor or an unstated subject at ``offset`` refers to.

    The article's zone, unless another zone that the article names more than
    once opens a sentence or clause earlier in the same paragraph: then that
    zone (an article about two zones switches between them). Zones named once,
    in passing, never become the context.
    """
    entities = entities if entities is not None else doc.entities
    zone = main_zone(entities)
    if zone is None:
        return None
    paragraph = next((ln for ln in doc.lines if ln.start <= offset <= ln.end), None)
    best = None
    for ent in entities:
        if ent.cls != "DevelopmentZone" or len(ent.mentions) < 2:
            continue
        for m in ent.mentions:
            if m.start >= offset or (paragraph and m.start < paragraph.start):
                continue
            sentence = doc.sentences[m.sentence]
            if doc.match_text[sentence.start : m.start].strip("，、 ") == "" or _opens_clause(doc, m):
                if best is None or m.start > best[0]:
                    best = (m.start, ent.key)
    return best[1] if best else zone.key


def _opens_clause(doc: Document, m: Mention) -> bool:
    before = doc.match_text[max(0, m.start - 1) : m.start]
    return before in ("，", "。", "；", "")


def _link_anaphora(doc: Document, mentions: list[Mention], entities: list[Entity],
                   links: dict[tuple[int, int], str]) -> None:
    for m in mentions:
        if m.rule == ANAPHORA:
            key = context_zone(doc, m.start, entities)
            if key:
                links[(m.start, m.end)] = key


# --- across documents -----------------------------------------------------------------

#: Why a surface form became a name of an entity, as the merge report says it.
MERGE_REASONS = {
    "label": "canonical label (the longest full form)",
    "alias-file": "listed in the alias file",
    "zone-abbreviation": "abbreviation of a zone name (经开区 = 经济技术开发区, 高新区 = 高新技术产业开发区)",
    "division": "short form of an administrative division (常州 = 常州市)",
    "short-name": "short name of a company (brand without region and legal form)",
    "same-name": "the same name in another article",
    "in-article": "named as the same entity within the article (以下简称, quoted core, list)",
}


def _comparable(cls: str, name: str) -> str:
    if cls == "DevelopmentZone":
        return zone_key(name)
    if cls == "Place":
        return lexicon.places().get(name, name)
    return name


def _reason(cls: str, surface: str, label: str, from_alias_file: bool, in_other_docs: bool) -> str:
    if surface == label:
        return "label"
    if from_alias_file:
        return "alias-file"
    if cls == "DevelopmentZone" and zone_key(surface) == zone_key(label):
        return "zone-abbreviation"
    if cls == "Place" and lexicon.places().get(surface) == lexicon.places().get(label, label):
        return "division"
    if cls == "Enterprise" and is_short_name(surface, label):
        return "short-name"
    return "same-name" if in_other_docs else "in-article"


def resolve_corpus(docs: list[Document], *, aliases: dict[str, str] | None = None) -> tuple[list[Document], list[dict]]:
    """Merge the entities of several documents: one entity per real-world thing.

    Entities of one class are merged when they share a name (abbreviations of
    zones and short forms of places compared as one), when one company name is
    the short name of another (华星食品 → 华星食品股份有限公司), or when the
    ``aliases`` map (surface form → canonical name, from ``kg build --aliases``)
    says so. Each merged entity is labelled with its longest full form, or the
    canonical name of the alias file. Returns the rewritten documents and the
    merge report: one row per surface form and document, with the reason.

    >>> import kg
    >>> a = kg.extract("安远经开区引进恒丰包装。")
    >>> b = kg.extract("赣州恒丰包装印务有限公司落户安远经济技术开发区。")
    >>> docs, rows = resolve_corpus([a, b])
    >>> sorted({e.label for d in docs for e in d.entities if e.cls == "Enterprise"})
    ['赣州恒丰包装印务有限公司']
    """
    aliases = {clean_name(k): clean_name(v) for k, v in (aliases or {}).items()}
    nodes = [(d, e) for d in range(len(docs)) for e in sorted(docs[d].entities, key=lambda e: e.key)]
    uf = _UnionFind(len(nodes))
    by_name: dict[tuple[str, str], int] = {}
    for i, (_, ent) in enumerate(nodes):
        group = _group(ent.cls)
        for name in sorted(ent.names()):
            keys = {(group, _comparable(ent.cls, name))}
            if name in aliases:
                keys.add((group, _comparable(ent.cls, aliases[name])))
            for key in sorted(keys):
                if key in by_name:
                    uf.union(by_name[key], i)
                else:
                    by_name[key] = i
    first: dict[str, int] = {}  # each distinct company name once: nodes with the same name are one already
    for i, (_, ent) in enumerate(nodes):
        if ent.cls == "Enterprise":
            for name in ent.names():
                first.setdefault(name, i)
    _union_short_names(first, uf)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(nodes)):
        groups[uf.find(i)].append(i)
    rename: dict[tuple[int, str], str] = {}
    rows: list[dict] = []
    for root in sorted(groups):
        members = [nodes[i] for i in groups[root]]
        names = set().union(*(e.names() for _, e in members))
        canonical = sorted({aliases[n] for n in names if n in aliases})
        label = canonical[0] if canonical else max(names, key=lambda n: (len(n), n))
        classes = Counter(e.cls for _, e in members)
        cls = max(sorted(classes), key=lambda c: classes[c])
        key = f"{cls}:{label}"
        for d, ent in members:
            rename[(d, ent.key)] = key
        docs_of: dict[str, set[int]] = defaultdict(set)
        for d, ent in members:
            for n in ent.names():
                docs_of[n].add(d)
        several = len({d for d, _ in members}) > 1
        for d, ent in sorted(members, key=lambda m: (docs[m[0]].source, m[1].key)):
            for surface in sorted(ent.names()):
                reason = _reason(cls, surface, label, surface in aliases, several and len(docs_of[surface] | {d}) > 1)
                rows.append({"surface": surface, "entity": label, "class": cls, "iri_key": key,
                             "document": docs[d].source, "reason": MERGE_REASONS[reason]})
    out_docs = []
    for d, doc in enumerate(docs):
        entities: dict[str, Entity] = {}
        for ent in doc.entities:
            new_key = rename[(d, ent.key)]
            cls, label = new_key.split(":", 1)
            if new_key in entities:
                target = entities[new_key]
                target.aliases |= ent.names() - {label}
                target.mentions = sorted(target.mentions + ent.mentions)
                target.evidence = sorted(set(target.evidence) | set(ent.evidence))
                target.extra_classes |= ent.extra_classes
            else:
                entities[new_key] = Entity(key=new_key, cls=cls, label=label, aliases=ent.names() - {label},
                                           mentions=list(ent.mentions), evidence=list(ent.evidence),
                                           extra_classes=set(ent.extra_classes) - {cls})
        remap = {k: rename[(d, k)] for k in (e.key for e in doc.entities)}
        relations = sorted({_renamed(r, remap) for r in doc.relations
                            if remap.get(r.subject, r.subject) != remap.get(r.object, r.object)},
                           key=lambda r: (r.evidence.start, r.subject, r.predicate, r.object))
        indicators = [i if remap.get(i.subject, i.subject) == i.subject else replace(i, subject=remap[i.subject])
                      for i in doc.indicators]
        links = {span: remap.get(k, k) for span, k in doc.links.items()}
        out_docs.append(replace(doc, entities=list(entities.values()), relations=relations, indicators=indicators,
                                links=links))
    return out_docs, rows


def _union_short_names(first: dict[str, int], uf: _UnionFind) -> None:
    """Join each company name with the full names it is a short name of (:func:`is_short_name`).

    A name is a short name of every full name of its brand that is longer than it, so within one brand
    the full names longer than a name are the first ones by length, and joining it to the longest and
    those to each other gives the same groups as comparing every pair, in time linear in the names.
    """
    fulls: dict[str, list[str]] = defaultdict(list)  # brand → full names, longest first
    for name in sorted(first):
        if name.endswith(LEGAL_HEADS) and len(core := company_core(name)) >= 2:
            fulls[core[:2]].append(name)
    lengths = {}
    for brand, names in fulls.items():
        names.sort(key=len, reverse=True)
        lengths[brand] = [-len(n) for n in names]
    joined: dict[str, int] = {}  # brand → how many of its longest full names are joined already
    for name in sorted(first):
        brand = short_name_brand(name)
        if brand not in fulls:
            continue
        longer = bisect.bisect_left(lengths[brand], -len(name))
        if longer:
            names = fulls[brand]
            uf.union(first[name], first[names[0]])
            for j in range(joined.get(brand, 1), longer):
                uf.union(first[names[j - 1]], first[names[j]])
            joined[brand] = max(joined.get(brand, 1), longer)


def _renamed(r: Relation, remap: dict[str, str]) -> Relation:
    subject, obj = remap.get(r.subject, r.subject), remap.get(r.object, r.object)
    return r if (subject, obj) == (r.subject, r.object) else replace(r, subject=subject, object=obj)


def figure_conflicts(docs: list[Document]) -> list[dict]:
    """Figures that disagree: the same subject, measure, unit and period with different values in different articles.

    A figure for another period is a time series, not a conflict. Both figures
    are kept in the graph; this lists them, with their sources.

    >>> from kg.pipeline import process_text
    >>> a = process_text("2023年，安远经开区规模以上工业企业143家。", source="a.txt")
    >>> b = process_text("2023年，安远经开区规模以上工业企业145家。", source="b.txt")
    >>> [(c["measure"], c["values"]) for c in figure_conflicts([a, b])]
    [('规模以上工业企业', ['143', '145'])]
    """
    seen: dict[tuple, list[tuple[str, str, str]]] = defaultdict(list)
    for doc in docs:
        for ind in doc.indicators:
            key = (ind.subject, ind.measure, ind.unit, ind.period or "")
            seen[key].append((str(ind.value), doc.source, ind.raw_text))
    out = []
    for (subject, measure, unit, period), found in sorted(seen.items()):
        values = sorted({v for v, _, _ in found})
        sources = sorted({s for _, s, _ in found})
        if len(values) > 1 and len(sources) > 1:
            out.append({"subject": subject.split(":", 1)[1], "measure": measure, "unit": unit, "period": period or None,
                        "values": values, "sources": [{"document": s, "value": v, "text": t} for v, s, t in sorted(found)]})
    return out
