"""The document model: every value that flows between the pipeline stages.

A :class:`Document` is created by :func:`kg.normalise.normalise`, receives its
:class:`Sentence` list from :func:`kg.segment.segment`, its mentions,
indicators and relation candidates from :func:`kg.extract.extract`, and its
resolved :class:`Entity` list from :func:`kg.resolve.resolve_aliases`.

Offsets are always character offsets into ``Document.text`` (the normalised
text); ``Document.raw_offset`` maps them back to the text as read.

>>> ev = Evidence(doc_id="d1", start=0, end=5, text="园区很好。")
>>> ev.text
'园区很好。'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

__all__ = [
    "ENTITY_CLASSES",
    "RELATION_PREDICATES",
    "RawDocument",
    "Line",
    "Token",
    "Sentence",
    "Document",
    "Evidence",
    "Mention",
    "Entity",
    "Relation",
    "Indicator",
]

#: Entity classes of the ontology contract (``zkg:`` local names).
ENTITY_CLASSES: tuple[str, ...] = (
    "DevelopmentZone",
    "Enterprise",
    "GovernmentBody",
    "Platform",
    "Policy",
    "Honor",
    "Project",
    "Institution",
    "Hospital",
    "School",
    "Place",
    "Event",
    "Industry",
    "Person",
)

#: Relation properties of the ontology contract, except ``hasIndicator``.
RELATION_PREDICATES: tuple[str, ...] = (
    "locatedIn",
    "hasEnterprise",
    "introduced",
    "implementsPolicy",
    "supports",
    "hasHonor",
    "hasPlatform",
    "builds",
    "organizes",
    "inIndustry",
)


@dataclass(frozen=True)
class RawDocument:
    """A file as read: decoded text plus what is known about its origin."""

    source: str
    text: str
    encoding: str
    sha256: str
    title: str | None = None
    date: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Line:
    """A line of the normalised text: ``kind`` is prose, heading or caption."""

    start: int
    end: int
    kind: str = "prose"


class Token(NamedTuple):
    """A word with its part-of-speech tag and offsets in the segmented string.

    A named tuple rather than a dataclass: a document has tens of thousands of words.
    """

    word: str
    tag: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    """A sentence (or a caption or heading line) of the normalised text.

    ``tokens`` are its jieba words, segmented once from the simplified text,
    with offsets relative to the sentence start.
    """

    index: int
    start: int
    end: int
    text: str
    is_caption: bool = False
    is_heading: bool = False
    tokens: tuple[Token, ...] = ()


@dataclass(frozen=True, order=True)
class Evidence:
    """The sentence a fact came from: ``text == document.text[start:end]``."""

    doc_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, order=True)
class Mention:
    """A surface form of an entity found in the text.

    ``name`` is the cleaned name (quotes and 《》 removed, simplified
    characters); ``text`` is the span as it stands in ``Document.match_text``
    (``Document.text[start:end]`` is the same span as written).
    """

    start: int
    end: int
    text: str
    name: str
    cls: str
    sentence: int
    rule: str = ""


@dataclass
class Entity:
    """One real-world thing: a canonical label, its aliases and its evidence."""

    key: str
    cls: str
    label: str
    aliases: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    extra_classes: set[str] = field(default_factory=set)

    def names(self) -> set[str]:
        """The label and every alias."""
        return {self.label, *self.aliases}


@dataclass(frozen=True, order=True)
class Relation:
    """``subject predicate object`` between two entity keys, with its sentence."""

    subject: str
    predicate: str
    object: str
    evidence: Evidence
    rule: str = ""


@dataclass
class Indicator:
    """A stated figure: 奖励资金1968.4万元 → measure 奖励资金, value 19684000, unit 元."""

    subject: str
    measure: str
    value: Decimal
    unit: str
    raw_text: str
    start: int
    end: int
    evidence: Evidence
    qualifier: str | None = None
    period: str | None = None


@dataclass
class Document:
    """A normalised article and everything extracted from it.

    ``text`` is what evidence quotes; ``match_text`` is the same text, of the
    same length, in simplified characters, which the extractors read.
    """

    id: str
    source: str
    text: str
    raw_offset: list[int]
    sha256: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    encoding: str = "utf-8"
    match_text: str = ""
    lines: list[Line] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    #: mention span ``(start, end)`` → key of the entity it names (anaphora included)
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    #: a sentence's (start, end) → its evidence record, made by :meth:`evidence` (a cache, not part of the value)
    evidence_records: dict[tuple[int, int], Evidence] = field(default_factory=dict, repr=False, compare=False)

    def evidence(self, sentence: Sentence) -> Evidence:
        """The evidence record of one of this document's sentences.

        One record per sentence, shared by the facts read from it, so that a document is pickled (sent
        back from a worker, cached) with each sentence once, not once per fact.
        """
        span = (sentence.start, sentence.end)
        record = self.evidence_records.get(span)
        if record is None:
            record = self.evidence_records[span] = Evidence(self.id, sentence.start, sentence.end, sentence.text)
        return record

    def sentence_at(self, offset: int) -> Sentence:
        """The sentence that contains character ``offset``."""
        lo, hi = 0, len(self.sentences) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.sentences[mid].start <= offset:
                lo = mid
            else:
                hi = mid - 1
        return self.sentences[lo]

    def entity(self, key: str) -> Entity | None:
        """The resolved entity with this key, if any."""
        for ent in self.entities:
            if ent.key == key:
                return ent
        return None
