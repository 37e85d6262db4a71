"""ZoneKG: knowledge graphs from Chinese articles about development zones.

The public API, for notebooks and scripts:

>>> import kg
>>> doc = kg.extract("萍乡经济技术开发区引进京东集团。")
>>> [(e.cls, e.label) for e in doc.entities]
[('DevelopmentZone', '萍乡经济技术开发区'), ('Enterprise', '京东集团')]

``kg.build(paths)`` runs the whole pipeline over files and folders and returns a
:class:`~kg.builder.Result` with the rdflib graph, the networkx graph and the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import extract as _extractors  # noqa: F401 — see below
from .errors import KgError
from .model import Document, Entity, Evidence, Indicator, Mention, Relation

if TYPE_CHECKING:
    from .builder import Result, build

__all__ = ["extract", "build", "Result", "KgError", "Document", "Entity", "Evidence", "Indicator",
           "Mention", "Relation"]
__version__ = "0.1.0"


# The package kg.extract is imported above, before this function takes its name: importing it later (as
# the pipeline does) would make Python bind kg.extract to the package, over the function.
def extract(text: str, *, date: str | None = None) -> Document:
    """Extract entities, relations and figures from one article given as a string."""
    from .pipeline import process_text

    return process_text(text, date=date)


def __getattr__(name: str) -> Any:
    """``build`` and ``Result`` load the builder (and networkx) when first asked for, not on ``import kg``:
    ``kg query --store`` and ``kg serve --store`` never need it (``kg query`` starts in 0.18 s, not 0.3)."""
    if name in ("build", "Result"):
        from . import builder

        globals()[name] = value = getattr(builder, name)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

