"""Serialisation: a graph in the ZoneKG vocabulary as files, one registered writer per format.

``FORMATS`` maps a format name (what ``kg build --formats`` takes) to a
:class:`Format`: the files it writes and a ``write(g) -> {file name: bytes}``
function. Turtle and N-Triples are written by Oxigraph from sorted N-Triples
(:class:`kg.rdf.NTriples`, which a build makes without an rdflib graph, so a
corpus of millions of triples is written in seconds), and N-Quads from the same
lines (:func:`nquads`); the other RDF syntaxes by rdflib. Every writer makes its
output deterministic (sorted subjects, lines, graphs, keys and values), so two
builds of the same input give the same bytes.

==========  ==========================  ==================================================
name        files                       what
==========  ==========================  ==================================================
``ttl``     graph.ttl                   Turtle, prefixed names (``zone:萍乡经济技术开发区``)
``nt``      graph.nt                    N-Triples, one sorted line per triple
``nq``      graph.nq                    N-Quads, one named graph per document
``trig``    graph.trig                  TriG, one named graph per document
``jsonld``  graph.jsonld                JSON-LD 1.1 with a compact ``@context``
``xml``     graph.rdf                   RDF/XML
``graphml`` graph.graphml               GraphML property graph (networkx, Gephi, yEd)
``csv``     nodes.csv, edges.csv        property graph tables (Neo4j ``neo4j-admin import``, Gephi)
==========  ==========================  ==================================================

>>> import kg
>>> from kg.graph import to_networkx
>>> from kg.rdf import graph_to_rdf
>>> g = graph_to_rdf(to_networkx([kg.extract("萍乡经济技术开发区引进京东集团。")]))
>>> files = serialise(g, "ttl")
>>> "zone:萍乡经济技术开发区 a zkg:DevelopmentZone" in files["graph.ttl"].decode()
True
>>> sorted(serialise(g, "csv"))
['edges.csv', 'nodes.csv']
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.serializers.jsonld import from_rdf
from rdflib.plugins.serializers.trig import TrigSerializer

from .errors import FormatError
from .files import write_atomic
from .model import RELATION_PREDICATES
from .rdf import PREFIXES, NTriples, document_graphs, graph_from_rdf, to_dataset
from .vocab import ZKGR_IRI

__all__ = ["Format", "FORMATS", "DEFAULT_FORMATS", "get_format", "serialise", "write_formats", "property_graph",
           "JSONLD_CONTEXT"]

# Turtle's PN_LOCAL (https://www.w3.org/TR/turtle/#grammar-production-PN_LOCAL): rdflib writes a
# prefixed name for any IRI under a bound namespace, so names outside this grammar are written in full.
_PN_CHARS_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
                  "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_PN_CHARS = _PN_CHARS_BASE + "_\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_LOCAL = re.compile(f"(?:[{_PN_CHARS_BASE}_:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?")


class _StrictNames:
    """Mixin for rdflib's Turtle-family serialisers: prefixed names only when the grammar allows them."""

    def get_pname(self, uri, gen_prefix: bool = True) -> str | None:
        pname = super().get_pname(uri, gen_prefix)  # type: ignore[misc]
        if pname is None:
            return None
        local = pname.partition(":")[2]
        return pname if not local or _PN_LOCAL.fullmatch(local) else None


class _TriG(_StrictNames, TrigSerializer):
    def __init__(self, store: Dataset):
        super().__init__(store)
        # rdflib keeps the store's order of graphs; sort them so the output is stable
        self.contexts.sort(key=lambda c: (c.identifier == store.default_graph.identifier, str(c.identifier)))


@dataclass(frozen=True)
class Format:
    """An output format: its name, the files it writes and its writer."""

    name: str
    files: tuple[str, ...]
    media_type: str
    write: Callable[[Graph], dict[str, bytes]]
    #: the writer also takes sorted N-Triples (:class:`kg.rdf.NTriples`), so no rdflib graph need be built
    streams: bool = False
    #: an RDF syntax (read back by rdflib, Oxigraph and rapper) rather than a property graph
    rdf: bool = True
    #: the rdflib / pyoxigraph / rapper names of the syntax, for readers of the files
    rdflib_name: str | None = None


def _graph_copy(g: Graph) -> Graph:
    """``g`` with its triples inserted in sorted order, so rdflib iterates them in a stable order."""
    out = Graph(bind_namespaces="core")
    for prefix, ns in _namespaces(g):
        out.bind(prefix, ns, replace=True)
    for triple in sorted(g):
        out.add(triple)
    return out


def _namespaces(g: Graph) -> list[tuple[str, URIRef]]:
    """The graph's own prefixes, then ours (which win: ``zone:`` always means ``…/id/zone/``)."""
    ours = {URIRef(ns) for ns in PREFIXES.values()}
    bound = {p: ns for p, ns in g.namespaces() if p not in PREFIXES and ns not in ours}
    bound.update((p, URIRef(ns)) for p, ns in PREFIXES.items())
    return sorted(bound.items())


def _dataset_copy(g: Graph) -> Dataset:
    ds = to_dataset(g)
    out = Dataset()
    for prefix, ns in _namespaces(g):
        out.bind(prefix, ns, replace=True)
    for s, p, o, c in sorted(ds.quads((None, None, None, None)), key=lambda q: (str(q[3]), q[0], q[1], q[2])):
        target = out.default_graph if c is None or c == ds.default_graph.identifier else out.graph(c)
        target.add((s, p, o))
    return out


def turtle(nt: NTriples, prefixes: Iterable[tuple[str, str]] = ()) -> bytes:
    """Turtle of sorted N-Triples, written by Oxigraph as it streams them (subjects grouped with ``;`` and ``,``).

    ``prefixes`` that the triples use add to the project's own (:data:`kg.rdf.PREFIXES`), which win. The prefix lines are
    written in sorted order, so the same triples always give the same bytes.

    >>> print(turtle(NTriples(b'<https://w3id.org/zonekg/id/zone/A> <http://www.w3.org/2000/01/rdf-schema#label> "A"@zh .\\n'),
    ...              [("ex", "http://example.org/")]).decode().splitlines()[-1])
    zone:A rdfs:label "A"@zh .
    """
    import pyoxigraph

    names = {p: str(ns) for p, ns in prefixes
             if p not in PREFIXES and str(ns) not in PREFIXES.values() and f"<{ns}".encode() in nt}
    names.update(PREFIXES)
    body = pyoxigraph.serialize(pyoxigraph.parse(input=nt.reader(), format=pyoxigraph.RdfFormat.N_TRIPLES),
                                format=pyoxigraph.RdfFormat.TURTLE, prefixes=names) if nt.size else b""
    # Oxigraph writes every prefix first, in an order of its own: put ours, sorted, in their place
    lines = body.split(b"\n", len(names)) if body else []
    if lines and not all(line.startswith(b"@prefix ") for line in lines[:-1]):
        raise RuntimeError("unexpected Turtle header from Oxigraph")
    header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(names.items())).encode("utf-8")
    body = lines[-1] if lines else b""
    if b"\\." in body:
        body = _full_iris_for_final_dots(body, names)
    return header + b"\n" + body


# A prefixed name whose local part ends in an escaped dot (enterprise:A.B\.): valid Turtle that rdflib's
# parser refuses. In a literal a backslash is always doubled, so a lone ``\.`` is always in a name.
_FINAL_DOT = re.compile(rb"(?<![^\s(])([A-Za-z][\w-]*):((?:[^\s\\]|\\.)*?(?<!\\)\\\.)(?=\s)")
_ESCAPE = re.compile(r"\\(.)")


def _full_iris_for_final_dots(body: bytes, names: dict[str, str]) -> bytes:
    def full(m: re.Match[bytes]) -> bytes:
        local = _ESCAPE.sub(r"\1", m[2].decode("utf-8"))
        return f"<{names[m[1].decode()]}{local}>".encode()

    return _FINAL_DOT.sub(full, body)


def _write_turtle(g: Graph | NTriples) -> dict[str, bytes]:
    if isinstance(g, NTriples):
        return {"graph.ttl": turtle(g)}
    return {"graph.ttl": turtle(NTriples.from_graph(g), _namespaces(g))}


def _write_nt(g: Graph | NTriples) -> dict[str, bytes]:
    return {"graph.nt": (g if isinstance(g, NTriples) else NTriples.from_graph(g)).data}


def _write_nq(g: Graph | NTriples) -> dict[str, bytes]:
    return {"graph.nq": nquads(g if isinstance(g, NTriples) else NTriples.from_graph(g))}


def nquads(nt: NTriples) -> bytes:
    """Sorted N-Quads of a graph: each triple in the named graph of every document it comes from, as
    :func:`kg.rdf.to_dataset` splits a graph (an entity's description in the graph of every document that
    mentions it), read from its N-Triples lines without an rdflib graph.

    >>> nt = NTriples(b'<urn:d> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/zonekg/ontology#Document> .\\n'
    ...               b'<urn:x> <urn:p> "y" .\\n')
    >>> print(nquads(nt).decode(), end="")
    <urn:d> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/zonekg/ontology#Document> <urn:d> .
    <urn:x> <urn:p> "y" .
    """
    graphs_of = document_graphs((s, p, o) for s, p, o, _ in nt.lines())
    # The lines are sorted, and a quad is its line with the graph's name before the final dot: taken in the
    # order of the lines, each line's quads in order, the quads come out sorted.
    chunks: list[bytes] = []
    out: list[str] = []
    for s, p, o, line in nt.lines():
        head = line[:-1]
        names = graphs_of(s, p, o)
        if not names:
            out.append(head + ".\n")
        else:
            out.extend(sorted(f"{head}<{name}> .\n" for name in names))
        if len(out) > 100_000:
            chunks.append("".join(out).encode("utf-8"))
            out = []
    chunks.append("".join(out).encode("utf-8"))
    return b"".join(chunks)


def _write_trig(g: Graph) -> dict[str, bytes]:
    stream = io.BytesIO()
    _TriG(_dataset_copy(g)).serialize(stream, encoding="utf-8")
    return {"graph.trig": stream.getvalue()}


class _SortedGraph(Graph):
    """A graph whose subjects and predicate-object pairs come out sorted (rdflib's RDF/XML writer
    walks them in the memory store's set order, which changes from run to run)."""

    def subjects(self, predicate=None, object=None, unique: bool = False) -> Iterator:
        yield from sorted(set(super().subjects(predicate, object)))

    def predicate_objects(self, subject=None, unique: bool = False) -> Iterator:
        yield from sorted(set(super().predicate_objects(subject)))


def _write_xml(g: Graph) -> dict[str, bytes]:
    out = _SortedGraph(bind_namespaces="core")
    for prefix, ns in _namespaces(g):
        out.bind(prefix, ns, replace=True)
    out += g
    return {"graph.rdf": out.serialize(format="xml", encoding="utf-8")}


def _jsonld_context() -> dict[str, Any]:
    ctx: dict[str, Any] = {"@version": 1.1, "@base": ZKGR_IRI}
    ctx.update({p: ns for p, ns in PREFIXES.items() if p in ("rdf", "rdfs", "xsd", "skos", "prov", "dcterms", "zkg")})
    zh = {"@language": "zh"}
    ctx.update({
        "label": {"@id": "rdfs:label", **zh},
        "altLabel": {"@id": "skos:altLabel", **zh},
        "title": {"@id": "dcterms:title", **zh},
        "source": "dcterms:source",
        "date": "dcterms:date",
        "wasDerivedFrom": {"@id": "prov:wasDerivedFrom", "@type": "@id"},
        "subject": {"@id": "rdf:subject", "@type": "@id"},
        "predicate": {"@id": "rdf:predicate", "@type": "@vocab"},
        "object": {"@id": "rdf:object", "@type": "@id"},
        "Statement": "rdf:Statement",
    })
    for cls in ("DevelopmentZone", "Enterprise", "GovernmentBody", "Platform", "Policy", "Honor", "Project",
                "Institution", "Hospital", "School", "Place", "Event", "Industry", "Person", "Indicator", "Evidence",
                "Document"):
        ctx[cls] = f"zkg:{cls}"
    for prop in (*RELATION_PREDICATES, "hasIndicator", "evidence"):
        ctx[prop] = {"@id": f"zkg:{prop}", "@type": "@id"}
    for prop in ("measure", "unit", "rawText", "text"):
        ctx[prop] = {"@id": f"zkg:{prop}", **zh}
    ctx["value"] = {"@id": "zkg:value", "@type": "xsd:decimal"}
    for prop in ("qualifier", "period", "start", "end", "sha256", "characters"):
        ctx[prop] = f"zkg:{prop}"
    return ctx


#: The ``@context`` of graph.jsonld: short terms for the vocabulary, instance IRIs relative to ``zkgr:``.
JSONLD_CONTEXT: dict[str, Any] = _jsonld_context()
_ID_TERMS = {term for term, d in JSONLD_CONTEXT.items() if isinstance(d, dict) and d.get("@type") == "@id"}


def _relative(iri: str) -> str:
    """``https://w3id.org/zonekg/id/zone/萍乡…`` → ``zone/萍乡…`` (resolved against ``@base``)."""
    if iri.startswith(ZKGR_IRI):
        rest = iri[len(ZKGR_IRI):]
        first = rest.split("/", 1)[0]
        if "/" in rest and first and ":" not in first:
            return rest
    return iri


def _compact_ids(node: Any, key: str | None = None) -> Any:
    if isinstance(node, dict):
        return {k: _compact_ids(v, k) for k, v in node.items()}
    if isinstance(node, list):
        items = [_compact_ids(v, key) for v in node]
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    if isinstance(node, str) and (key == "@id" or key in _ID_TERMS):
        return _relative(node)
    return node


def _write_jsonld(g: Graph) -> dict[str, bytes]:
    # rdflib would make IRIs relative to the authority ("/zonekg/id/…"); _compact_ids does it against @base
    obj = from_rdf(_graph_copy(g), context_data={k: v for k, v in JSONLD_CONTEXT.items() if k != "@base"})
    nodes = obj.get("@graph", [obj] if "@id" in obj else [])
    nodes = [_compact_ids({k: v for k, v in n.items() if k != "@context"}) for n in nodes]
    nodes.sort(key=lambda n: n.get("@id", ""))
    doc = {"@context": JSONLD_CONTEXT, "@graph": nodes}
    return {"graph.jsonld": (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")}


def property_graph(g: Graph) -> nx.MultiDiGraph:
    """The graph as a property graph with scalar attributes only (for GraphML and CSV).

    Nodes are entities, indicators, evidence sentences and documents, keyed by
    IRI and added in sorted order; lists (aliases, extra classes, evidence
    IRIs) are joined with ``;``; ``None`` is left out. Edges are keyed by the
    property's local name (``introduced``, ``hasIndicator``, ``evidence``,
    ``wasDerivedFrom``); relation edges carry their evidence IRIs.
    Reified statements are not nodes: their evidence is on the edge.

    >>> import kg
    >>> from kg.graph import to_networkx
    >>> from kg.rdf import graph_to_rdf
    >>> P = property_graph(graph_to_rdf(to_networkx([kg.extract("萍乡经济技术开发区引进京东集团。")])))
    >>> [(d["label"], d["class"]) for _, d in P.nodes(data=True) if d["kind"] == "entity"]
    [('京东集团', 'Enterprise'), ('萍乡经济技术开发区', 'DevelopmentZone')]
    """
    G = graph_from_rdf(g)
    P = nx.MultiDiGraph()
    for iri in sorted(G.nodes):
        d = G.nodes[iri]
        kind = d.get("kind")
        if kind == "entity":
            attrs = {"kind": kind, "label": d["label"], "class": d["cls"],
                     "classes": ";".join(sorted({d["cls"], *d.get("extra_classes", ())})),
                     "aliases": ";".join(sorted(d.get("aliases", ()))) or None}
        elif kind == "indicator":
            value = d.get("value")
            attrs = {"kind": kind, "label": f"{d['measure']} {d['raw_text']}".strip(), "class": "Indicator",
                     "classes": "Indicator", "measure": d["measure"],
                     "value": float(value) if value is not None else None, "value_text": None if value is None else str(value),
                     "unit": d["unit"], "qualifier": d.get("qualifier"), "period": d.get("period"),
                     "raw_text": d["raw_text"]}
        elif kind == "evidence":
            attrs = {"kind": kind, "label": d["text"], "class": "Evidence", "classes": "Evidence", "text": d["text"],
                     "start_offset": d["start"], "end_offset": d["end"]}
        elif kind == "document":
            attrs = {"kind": kind, "label": d["title"] or d["source"], "class": "Document", "classes": "Document",
                     "title": d["title"], "source": d["source"], "date": d.get("date"), "sha256": d.get("sha256"),
                     "characters": d.get("characters")}
        else:
            continue
        P.add_node(iri, **{k: v for k, v in attrs.items() if v is not None and v != ""})
    for s, o, key, d in sorted(G.edges(keys=True, data=True), key=lambda e: (e[0], e[2], e[1])):
        if s in P and o in P:
            attrs = {"label": key}
            if d.get("evidence"):
                attrs["evidence"] = ";".join(sorted(d["evidence"]))
            P.add_edge(s, o, key=key, **attrs)
    return P


def _write_graphml(g: Graph) -> dict[str, bytes]:
    stream = io.BytesIO()
    nx.write_graphml(property_graph(g), stream, encoding="utf-8", prettyprint=True)
    return {"graph.graphml": stream.getvalue()}


#: Columns of nodes.csv and edges.csv. ``Id``/``Label``/``Source``/``Target`` are what Gephi's spreadsheet
#: import looks for; ``:ID``/``:LABEL``/``:START_ID``/``:END_ID``/``:TYPE`` what ``neo4j-admin database import``
#: needs (the same values twice, so each tool finds its own names). Lists are joined with ``;``, Neo4j's array
#: delimiter.
NODE_COLUMNS = ("Id", "Label", ":ID", ":LABEL", "kind", "class", "aliases", "measure", "value", "unit", "qualifier",
                "period", "raw_text", "text", "start_offset", "end_offset", "title", "source", "date", "sha256",
                "characters")
EDGE_COLUMNS = ("Source", "Target", "Label", ":START_ID", ":END_ID", ":TYPE", "evidence")


def _csv(rows: Iterable[Iterable[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _write_csv(g: Graph) -> dict[str, bytes]:
    P = property_graph(g)
    nodes = [NODE_COLUMNS]
    for iri, d in P.nodes(data=True):
        labels = d["classes"] if d["kind"] != "entity" else "Entity;" + d["classes"]
        row = {"Id": iri, "Label": d["label"], ":ID": iri, ":LABEL": labels, **d}
        row["value"] = d.get("value_text", "")
        nodes.append(tuple("" if row.get(c) is None else row.get(c) for c in NODE_COLUMNS))
    edges = [EDGE_COLUMNS]
    for s, o, key, d in P.edges(keys=True, data=True):
        edges.append((s, o, key, s, o, key, d.get("evidence", "")))
    return {"nodes.csv": _csv(nodes), "edges.csv": _csv(edges)}


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("ttl", ("graph.ttl",), "text/turtle", _write_turtle, streams=True, rdflib_name="turtle"),
    Format("nt", ("graph.nt",), "application/n-triples", _write_nt, streams=True, rdflib_name="nt"),
    Format("nq", ("graph.nq",), "application/n-quads", _write_nq, streams=True, rdflib_name="nquads"),
    Format("trig", ("graph.trig",), "application/trig", _write_trig, rdflib_name="trig"),
    Format("jsonld", ("graph.jsonld",), "application/ld+json", _write_jsonld, rdflib_name="json-ld"),
    Format("xml", ("graph.rdf",), "application/rdf+xml", _write_xml, rdflib_name="xml"),
    Format("graphml", ("graph.graphml",), "application/graphml+xml", _write_graphml, rdf=False),
    Format("csv", ("nodes.csv", "edges.csv"), "text/csv", _write_csv, rdf=False),
)}

DEFAULT_FORMATS: tuple[str, ...] = ("ttl",)


def get_format(name: str) -> Format:
    """The registered format called ``name`` (``ttl``, ``nq``, ``csv`` …).

    >>> get_format("trig").files
    ('graph.trig',)
    >>> get_format("owl")
    Traceback (most recent call last):
    ...
    kg.errors.FormatError: unknown output format 'owl' (known: ttl, nt, nq, trig, jsonld, xml, graphml, csv)
    """
    try:
        return FORMATS[name.strip().lower()]
    except KeyError:
        raise FormatError(f"unknown output format {name!r} (known: {', '.join(FORMATS)})") from None


def serialise(g: Graph | NTriples, name: str) -> dict[str, bytes]:
    """The files of format ``name`` for graph ``g`` (rdflib, or sorted N-Triples): file name → bytes."""
    fmt = get_format(name)
    if isinstance(g, NTriples) and not fmt.streams:
        g = g.to_graph()
    return fmt.write(g)


def write_formats(g: Graph, out_dir: str | Path, formats: Iterable[str] = DEFAULT_FORMATS) -> dict[str, Path]:
    """Write ``g`` in each format into ``out_dir`` (each file atomically); file name → path."""
    chosen = [get_format(name) for name in dict.fromkeys(formats)]
    written: dict[str, Path] = {}
    for fmt in chosen:
        for file_name, data in fmt.write(g).items():
            path = Path(out_dir) / file_name
            write_atomic(path, data)
            written[file_name] = path
    return written
