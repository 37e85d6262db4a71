"""Stage 6, graph: the document model as a networkx ``MultiDiGraph``.

Nodes are IRIs (strings). Every node has a ``kind`` attribute: ``entity``,
``indicator``, ``evidence`` or ``document``. Edges carry the contract
property as their key (``hasHonor``, ``hasIndicator``, ``evidence`` …) and,
for relations between entities, the evidence IRIs in ``evidence``.

IRIs are minted from content only, so they are the same in every run and in
every document of a corpus (see the table in the README):

>>> entity_iri("Enterprise", "京东集团")
'https://w3id.org/zonekg/id/enterprise/京东集团'
>>> entity_iri("Platform", "5+2就业之家")
'https://w3id.org/zonekg/id/platform/5%2B2就业之家'
>>> entity_iri("Platform", "园区\u3000服务中心")
'https://w3id.org/zonekg/id/platform/园区%E3%80%80服务中心'
>>> INSTANCE_NAMESPACES["zone"]
'https://w3id.org/zonekg/id/zone/'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from .model import ENTITY_CLASSES, Document, Entity, Evidence, Indicator
from .vocab import ZKGR_IRI

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["entity_iri", "evidence_iri", "document_iri", "indicator_iri", "statement_iri", "to_networkx",
           "class_segment", "INSTANCE_NAMESPACES"]

# What an IRI path segment may hold unencoded: RFC 3987 iunreserved (ASCII unreserved and ucschar,
# which leaves out the non-characters U+FFF0-FFFF and U+xFFFE-xFFFF of every plane).
_UCSCHAR = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef" + "".join(
    f"{chr(plane << 16)}-{chr(plane << 16 | 0xFFFD)}" for plane in range(1, 15))
_UNSAFE = re.compile(f"[^A-Za-z0-9\\-._~{_UCSCHAR}]")
_ENTITY_SEGMENT = {
    "DevelopmentZone": "zone",
    "GovernmentBody": "government-body",
}


def _encode(ch: str) -> str:
    return "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))


def _iri_segment(text: str) -> str:
    """Percent-encode what an IRI segment may not hold, and any space, control or format character
    (U+3000, U+00A0, U+200B …): valid in IRIs, but N-Triples readers such as rdflib's split on them."""
    text = _UNSAFE.sub(lambda m: _encode(m.group()), text)
    return "".join(_encode(ch) if ch >= "\u0080" and unicodedata.category(ch)[0] in "ZC" else ch for ch in text)


def class_segment(cls: str) -> str:
    """The path segment of an entity class: ``DevelopmentZone`` → ``zone``, ``Enterprise`` → ``enterprise``."""
    return _ENTITY_SEGMENT.get(cls, cls.lower())


#: Prefix → namespace of every kind of instance IRI (``zone:`` → ``…/id/zone/``); the serialisers
#: bind these so that Turtle reads ``zone:萍乡经济技术开发区`` rather than a full IRI.
INSTANCE_NAMESPACES: dict[str, str] = {
    seg: f"{ZKGR_IRI}{seg}/"
    for seg in [*dict.fromkeys(class_segment(c) for c in ENTITY_CLASSES), "indicator", "evidence", "document", "statement"]
}


@lru_cache(maxsize=1 << 16)
def entity_iri(cls: str, label: str) -> str:
    """IRI of the entity of class ``cls`` whose canonical label is ``label``."""
    return f"{ZKGR_IRI}{class_segment(cls)}/{_iri_segment(label)}"


def document_iri(doc: Document) -> str:
    """IRI of a document, from the hash of its raw bytes."""
    return f"{ZKGR_IRI}document/{doc.sha256[:16]}"


def evidence_iri(doc: Document, ev: Evidence) -> str:
    """IRI of an evidence sentence: document hash and offsets."""
    return f"{ZKGR_IRI}evidence/{doc.sha256[:16]}-{ev.start}-{ev.end}"


def indicator_iri(doc: Document, ind: Indicator) -> str:
    """IRI of a stated figure: document hash and the offsets of the figure itself."""
    return f"{ZKGR_IRI}indicator/{doc.sha256[:16]}-{ind.start}-{ind.end}"


def statement_iri(subject: str, predicate: str, obj: str, evidence: str) -> str:
    """IRI of the reified statement of one relation as stated in one sentence."""
    digest = hashlib.sha256("\x1f".join((subject, predicate, obj, evidence)).encode()).hexdigest()
    return f"{ZKGR_IRI}statement/{digest[:20]}"


def _entity_iri(ent: Entity) -> str:
    return entity_iri(ent.cls, ent.label)


def to_networkx(docs: Iterable[Document]) -> nx.MultiDiGraph:
    """Build one graph of all documents; entities with the same IRI are merged.

    >>> import kg
    >>> G = to_networkx([kg.extract("萍乡经济技术开发区引进京东集团等企业。")])
    >>> sorted(d["label"] for _, d in G.nodes(data=True) if d["kind"] == "entity")
    ['京东集团', '萍乡经济技术开发区']
    """
    import networkx as nx

    G = nx.MultiDiGraph()

    def add_evidence(doc: Document, ev: Evidence) -> str:
        iri = evidence_iri(doc, ev)
        if iri not in G:
            G.add_node(iri, kind="evidence", text=ev.text, start=ev.start, end=ev.end)
            G.add_edge(iri, document_iri(doc), key="wasDerivedFrom")
        return iri

    for doc in docs:
        d_iri = document_iri(doc)
        G.add_node(d_iri, kind="document", title=doc.title or doc.source, source=doc.url or doc.source,
                   date=doc.date, sha256=doc.sha256, text=doc.text, characters=len(doc.text))
        iris = {}
        for ent in doc.entities:
            iri = iris[ent.key] = _entity_iri(ent)
            if iri in G:
                node = G.nodes[iri]
                node["aliases"] = sorted(set(node["aliases"]) | (ent.aliases - {node["label"]}))
                node["extra_classes"] = sorted(set(node["extra_classes"]) | ent.extra_classes)
            else:
                G.add_node(iri, kind="entity", cls=ent.cls, label=ent.label,
                           aliases=sorted(ent.aliases - {ent.label}),
                           extra_classes=sorted(ent.extra_classes))
            for ev in ent.evidence:
                e_iri = add_evidence(doc, ev)
                if not G.has_edge(iri, e_iri, key="evidence"):
                    G.add_edge(iri, e_iri, key="evidence")
        for rel in doc.relations:
            s, o = iris.get(rel.subject), iris.get(rel.object)
            if s is None or o is None or s == o:
                continue
            e_iri = add_evidence(doc, rel.evidence)
            if G.has_edge(s, o, key=rel.predicate):
                G.edges[s, o, rel.predicate]["evidence"] = sorted(
                    set(G.edges[s, o, rel.predicate]["evidence"]) | {e_iri})
            else:
                G.add_edge(s, o, key=rel.predicate, evidence=[e_iri])
        for ind in doc.indicators:
            subject = iris.get(ind.subject)
            if subject is None:
                continue
            i_iri = indicator_iri(doc, ind)
            G.add_node(i_iri, kind="indicator", measure=ind.measure, value=ind.value, unit=ind.unit,
                       qualifier=ind.qualifier, period=ind.period, raw_text=ind.raw_text)
            G.add_edge(subject, i_iri, key="hasIndicator")
            G.add_edge(i_iri, add_evidence(doc, ind.evidence), key="evidence")
    return G
