"""Validation: a graph checked against the ZoneKG SHACL shapes (``ontology/shapes.ttl``) with pySHACL.

The shapes ship in the package (``kg/resources/ontology/shapes.ttl``, a copy of
``ontology/shapes.ttl``) and are parsed once per process. Every violation is
reported with the IRI of the shape that found it, so a report can be grouped
by shape; ``kg validate`` prints :meth:`ValidationReport.format`, and
``kg build`` stores :meth:`ValidationReport.summary` in report.json.

>>> import kg
>>> from kg.graph import to_networkx
>>> from kg.rdf import graph_to_rdf
>>> g = graph_to_rdf(to_networkx([kg.extract("萍乡经济技术开发区引进京东集团。")]))
>>> validate(g).conforms
True
>>> from rdflib import RDFS, URIRef
>>> g.remove((URIRef("https://w3id.org/zonekg/id/enterprise/京东集团"), RDFS.label, None))
<Graph identifier=... (<class 'rdflib.graph.Graph'>)>
>>> report = validate(g)
>>> report.conforms, [(v.shape, v.focus, v.path) for v in report.violations]
(False, [('zkgsh:EntityLabel', 'enterprise:京东集团', 'rdfs:label')])
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef

from .errors import ResourceError
from .rdf import PREFIXES

__all__ = ["Violation", "ValidationReport", "validate", "shapes_graph", "ontology_graph", "ZKGSH", "ZKGSH_IRI"]

ZKGSH_IRI = "https://w3id.org/zonekg/shapes#"
#: Namespace of the shapes (``zkgsh:EntityLabel``, ``zkgsh:IndicatorValue`` …).
ZKGSH = Namespace(ZKGSH_IRI)
SH = Namespace("http://www.w3.org/ns/shacl#")
#: The focus node of the shapes that check the graph as a whole with one SPARQL query each; their
#: results name the offending node as the value, which the report shows as the focus instead.
GRAPH_FOCUS = ZKGSH.graph
_NAMESPACES = sorted({**PREFIXES, "zkgsh": ZKGSH_IRI, "sh": str(SH)}.items(), key=lambda kv: -len(kv[1]))


@dataclass(frozen=True, order=True)
class Violation:
    """One SHACL result, with IRIs shortened to prefixed names (``enterprise:京东集团``)."""

    shape: str
    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str = "Violation"
    component: str = ""


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`: whether the graph conforms, and every violation found."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0

    def by_shape(self) -> dict[str, list[Violation]]:
        """Violations grouped by the shape that found them, shapes in name order."""
        groups: dict[str, list[Violation]] = {}
        for v in sorted(self.violations):
            groups.setdefault(v.shape, []).append(v)
        return groups

    def summary(self, *, limit: int = 50) -> dict:
        """What report.json says: counts by shape and the first ``limit`` violations."""
        return {
            "conforms": self.conforms,
            "violations": len(self.violations),
            "by_shape": {shape: len(vs) for shape, vs in self.by_shape().items()},
            "results": [{"shape": v.shape, "focus": v.focus, "path": v.path, "value": v.value, "message": v.message,
                         "severity": v.severity, "component": v.component} for v in sorted(self.violations)[:limit]],
            "seconds": round(self.seconds, 3),
        }

    def format(self, name: str = "graph") -> str:
        """A report for people, grouped by shape.

        >>> print(ValidationReport(False, [Violation("zkgsh:IndicatorUnit", "indicator:x-1-4", "zkg:unit", None,
        ...       "an indicator has exactly one zkg:unit", component="MinCount")], triples=9).format("a.ttl"))
        a.ttl does not conform to the ZoneKG shapes: 1 violation of 1 shape (9 triples)
        <BLANKLINE>
        zkgsh:IndicatorUnit — 1 violation
          indicator:x-1-4  zkg:unit: an indicator has exactly one zkg:unit [MinCount]
        """
        if self.conforms and not self.violations:
            return f"{name} conforms to the ZoneKG shapes ({self.triples} triples)"
        groups = self.by_shape()
        n = len(self.violations)
        lines = [f"{name} {'does not conform' if not self.conforms else 'conforms, with warnings'} to the ZoneKG "
                 f"shapes: {n} violation{'s' if n != 1 else ''} of {len(groups)} shape{'s' if len(groups) != 1 else ''}"
                 f" ({self.triples} triples)"]
        for shape, vs in groups.items():
            lines += ["", f"{shape} — {len(vs)} violation{'s' if len(vs) != 1 else ''}"]
            for v in vs:
                where = "  ".join(x for x in (v.focus, v.path) if x)
                value = f" {v.value}" if v.value is not None and v.value != v.focus else ""
                severity = "" if v.severity == "Violation" else f" ({v.severity})"
                lines.append(f"  {where}{value}: {v.message}{severity} [{v.component}]")
        return "\n".join(lines)


def _resource(name: str) -> Graph:
    resource = files("kg").joinpath("resources", "ontology", name)
    try:
        return Graph().parse(data=resource.read_text(encoding="utf-8"), format="turtle")
    except Exception as err:  # a broken file in the package: whatever rdflib raised
        raise ResourceError(f"kg/resources/ontology/{name}: cannot be read ({str(err).strip()[:200]})") from None


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """The SHACL shapes shipped in the package (parsed once)."""
    return _resource("shapes.ttl")


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """The OWL ontology shipped in the package (parsed once)."""
    return _resource("zonekg.ttl")


def _short(node, results: Graph) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        iri = str(node)
        for prefix, ns in _NAMESPACES:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return f"<{iri}>"
    if isinstance(node, BNode):
        inverse = results.value(node, SH.inversePath)
        return f"^{_short(inverse, results)}" if inverse is not None else "[…]"
    if isinstance(node, Literal):
        text = str(node)
        text = text if len(text) <= 60 else text[:57] + "…"
        suffix = f"@{node.language}" if node.language else (f"^^{_short(node.datatype, results)}" if node.datatype else "")
        return f'"{text}"{suffix}'
    return str(node)


def validate(g: Graph) -> ValidationReport:
    """Check ``g`` against the ZoneKG shapes (no inference; ``g`` is not changed)."""
    from pyshacl import validate as shacl_validate

    started = time.perf_counter()
    conforms, results, _ = shacl_validate(g, shacl_graph=shapes_graph(), inference="none", inplace=True,
                                          allow_warnings=True, advanced=False)
    violations = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        shape = results.value(r, SH.sourceShape)
        focus, value = results.value(r, SH.focusNode), results.value(r, SH.value)
        if focus == GRAPH_FOCUS and value is not None:
            focus, value = value, None
        messages = sorted(str(m) for m in results.objects(r, SH.resultMessage))
        component = str(results.value(r, SH.sourceConstraintComponent) or "")
        violations.append(Violation(
            shape=_short(shape, results) if isinstance(shape, URIRef) else "(anonymous shape)",
            focus=_short(focus, results) or "",
            path=_short(results.value(r, SH.resultPath), results),
            value=_short(value, results),
            message=messages[0] if messages else "",
            severity=str(results.value(r, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1],
            component=component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent"),
        ))
    return ValidationReport(bool(conforms), sorted(violations), triples=len(g), seconds=time.perf_counter() - started)
