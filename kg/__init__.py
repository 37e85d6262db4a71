"""ZoneKG: knowledge graphs from Chinese articles about development zones.

The public API, for notebooks and scripts:

>>> import kg
>>> doc = kg.extract("萍乡经济技术开发区引进京东集团。")
>>> [(e.cls, e.label) for e in doc.entities]
[('DevelopmentZone', '萍乡经济技术开发区'), ('Enterprise', '京东集团')]

``kg.build(paths)`` runs the whole pipeline over files and folders and returns a
:class:`~kg.build.Result` with the rdflib graph, the networkx graph and the report.
"""

from __future__ import annotations

from .build import Result, build
from .errors import KgError
from .model import Document, Entity, Evidence, Indicator, Mention, Relation

__all__ = ["extract", "build", "Result", "KgError", "Document", "Entity", "Evidence", "Indicator",
           "Mention", "Relation"]
__version__ = "0.1.0"


def extract(text: str, *, date: str | None = None) -> Document:
    """Extract entities, relations and figures from one article given as a string."""
    from .pipeline import process_text

    return process_text(text, date=date)
