"""A faithful JSON form of :class:`~kg.model.Document`: what the extraction cache and the workers keep.

Every field round-trips: ``document_from_json(document_to_json(doc)) == doc``, figures keep their
exact decimal text (``Decimal("1.50")`` stays ``1.50``), sets come back as sets and tuples as tuples.
Evidence is written as offsets into the document's text, with the sentence only when it differs from
that slice, so a document's JSON is little larger than its text.

>>> from kg.pipeline import process_text
>>> doc = process_text("萍乡经济技术开发区引进京东集团。2023年，该区规模以上工业企业143家。")
>>> document_from_json(json.loads(json.dumps(document_to_json(doc)))) == doc
True
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from .model import Document, Entity, Evidence, Indicator, Line, Mention, Relation, Sentence, Token

__all__ = ["document_to_json", "document_from_json", "dumps", "loads", "FORMAT"]

#: Version of the JSON form; a cache entry of another version is not read.
FORMAT = 1


def _ev(doc: Document, ev: Evidence) -> list:
    out: list = [ev.start, ev.end]
    if ev.text != doc.text[ev.start:ev.end] or ev.doc_id != doc.id:
        out += [ev.text, ev.doc_id]
    return out


def _ev_back(doc_id: str, text: str, data: list) -> Evidence:
    start, end = data[0], data[1]
    if len(data) > 2:
        return Evidence(data[3], start, end, data[2])
    return Evidence(doc_id, start, end, text[start:end])


def _mention(m: Mention) -> list:
    return [m.start, m.end, m.text, m.name, m.cls, m.sentence, m.rule]


def document_to_json(doc: Document) -> dict[str, Any]:
    """The document as plain JSON values (see the module docstring)."""
    return {
        "format": FORMAT,
        "id": doc.id, "source": doc.source, "sha256": doc.sha256, "title": doc.title, "date": doc.date, "url": doc.url,
        "encoding": doc.encoding, "text": doc.text, "raw_offset": doc.raw_offset,
        "match_text": None if doc.match_text == doc.text else doc.match_text,
        "lines": [[ln.start, ln.end, ln.kind] for ln in doc.lines],
        "sentences": [[s.index, s.start, s.end, s.is_caption, s.is_heading, [[t.word, t.tag, t.start, t.end] for t in s.tokens]]
                      + ([s.text] if s.text != doc.text[s.start:s.end] else []) for s in doc.sentences],
        "mentions": [_mention(m) for m in doc.mentions],
        "entities": [{"key": e.key, "cls": e.cls, "label": e.label, "aliases": sorted(e.aliases),
                      "mentions": [_mention(m) for m in e.mentions], "evidence": [_ev(doc, ev) for ev in e.evidence],
                      "extra_classes": sorted(e.extra_classes)} for e in doc.entities],
        "relations": [[r.subject, r.predicate, r.object, _ev(doc, r.evidence), r.rule] for r in doc.relations],
        "indicators": [{"subject": i.subject, "measure": i.measure, "value": str(i.value), "unit": i.unit,
                        "raw_text": i.raw_text, "start": i.start, "end": i.end, "evidence": _ev(doc, i.evidence),
                        "qualifier": i.qualifier, "period": i.period} for i in doc.indicators],
        "links": [[s, e, key] for (s, e), key in doc.links.items()],
    }


def document_from_json(data: dict[str, Any]) -> Document:
    """The document back from :func:`document_to_json`; ``ValueError`` for another format version."""
    if data.get("format") != FORMAT:
        raise ValueError(f"document JSON of format {data.get('format')!r}, not {FORMAT}")
    text, doc_id = data["text"], data["id"]

    def mention(m: list) -> Mention:
        return Mention(*m)

    def ev(x: list) -> Evidence:
        return _ev_back(doc_id, text, x)

    return Document(
        id=doc_id, source=data["source"], text=text, raw_offset=list(data["raw_offset"]), sha256=data["sha256"],
        title=data["title"], date=data["date"], url=data["url"], encoding=data["encoding"],
        match_text=text if data["match_text"] is None else data["match_text"],
        lines=[Line(*ln) for ln in data["lines"]],
        sentences=[Sentence(s[0], s[1], s[2], s[6] if len(s) > 6 else text[s[1]:s[2]], s[3], s[4],
                            tuple(Token(*t) for t in s[5])) for s in data["sentences"]],
        mentions=[mention(m) for m in data["mentions"]],
        entities=[Entity(key=e["key"], cls=e["cls"], label=e["label"], aliases=set(e["aliases"]),
                         mentions=[mention(m) for m in e["mentions"]], evidence=[ev(x) for x in e["evidence"]],
                         extra_classes=set(e["extra_classes"])) for e in data["entities"]],
        relations=[Relation(r[0], r[1], r[2], ev(r[3]), r[4]) for r in data["relations"]],
        indicators=[Indicator(subject=i["subject"], measure=i["measure"], value=Decimal(i["value"]), unit=i["unit"],
                              raw_text=i["raw_text"], start=i["start"], end=i["end"], evidence=ev(i["evidence"]),
                              qualifier=i["qualifier"], period=i["period"]) for i in data["indicators"]],
        links={(s, e): key for s, e, key in data["links"]},
    )


def dumps(doc: Document) -> str:
    """The document as one line of JSON text (UTF-8 safe, Chinese kept as written)."""
    return json.dumps(document_to_json(doc), ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes) -> Document:
    """The document back from :func:`dumps`."""
    return document_from_json(json.loads(text))
