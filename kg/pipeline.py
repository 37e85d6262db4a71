"""The pipeline: named stages from a file to a resolved document, and from documents to graphs.

Like a spaCy pipeline, :data:`STAGES` is an explicit list of ``(name, function)``
pairs, each a function from one :class:`~kg.model.Document` to the next.

>>> doc = process_text("萍乡经济技术开发区拥有规模以上工业企业143家。")
>>> [(i.measure, str(i.value), i.unit) for i in doc.indicators]
[('规模以上工业企业', '143', '家')]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .extract import extract_facts, extract_mentions
from .extract.periods import document_date
from .ingest import read_document
from .model import Document, RawDocument
from .normalise import normalise
from .resolve import resolve_aliases
from .segment import segment

__all__ = ["STAGES", "process", "process_text", "process_file", "resolve"]


def resolve(doc: Document) -> Document:
    """Stage: group mentions into entities (see :func:`kg.resolve.resolve_aliases`)."""
    entities, links = resolve_aliases(doc, doc.mentions)
    return replace(doc, entities=entities, links=links)


STAGES: list[tuple[str, Callable[[Document], Document]]] = [
    ("segment", segment),
    ("extract-mentions", extract_mentions),
    ("resolve", resolve),
    ("extract-facts", extract_facts),
]


def process(raw: RawDocument, *, date: str | None = None) -> Document:
    """Normalise a raw document and run every stage over it."""
    doc = normalise(raw)
    date = date or doc.date or document_date(doc.text)
    if date:
        doc = replace(doc, date=date)
    for _, stage in STAGES:
        doc = stage(doc)
    return doc


def process_text(text: str, *, source: str = "<text>", date: str | None = None) -> Document:
    """Process a string as one article."""
    import hashlib

    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    raw = RawDocument(source, text, "utf-8", digest)
    return process(raw, date=date)


def process_file(path: str | Path, *, date: str | None = None) -> Document:
    """Read and process one article file."""
    return process(read_document(path), date=date)
