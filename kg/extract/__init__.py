"""Stage 4, extract: entity mentions, then (after :mod:`kg.resolve`) relations and figures.

The extractors are registered in two explicit lists, run in order:
:data:`MENTION_EXTRACTORS` before resolution, :data:`FACT_EXTRACTORS` after.
Each takes a :class:`~kg.model.Document` and returns a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..model import Document
from .entities import find_mentions
from .relations import find_indicators, find_relations

__all__ = ["extract_mentions", "extract_facts", "MENTION_EXTRACTORS", "FACT_EXTRACTORS"]

Stage = Callable[[Document], Document]


def _mentions(doc: Document) -> Document:
    return replace(doc, mentions=find_mentions(doc))


def _relations(doc: Document) -> Document:
    return replace(doc, relations=find_relations(doc))


def _indicators(doc: Document) -> Document:
    return replace(doc, indicators=find_indicators(doc))


MENTION_EXTRACTORS: list[tuple[str, Stage]] = [("mentions", _mentions)]
FACT_EXTRACTORS: list[tuple[str, Stage]] = [("indicators", _indicators), ("relations", _relations)]


def extract_mentions(doc: Document) -> Document:
    """Run the mention extractors over a segmented document."""
    for _, stage in MENTION_EXTRACTORS:
        doc = stage(doc)
    return doc


def extract_facts(doc: Document) -> Document:
    """Run the fact extractors over a resolved document."""
    for _, stage in FACT_EXTRACTORS:
        doc = stage(doc)
    return doc
