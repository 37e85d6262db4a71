"""Stage 7, RDF: the networkx graph in the contract vocabulary, and back.

Relations are stated twice: as the plain triple, and as an ``rdf:Statement``
(standard RDF reification) that carries ``zkg:evidence``, so SPARQL can find
the sentence behind any relation. :func:`to_dataset` splits a graph into one
named graph per document for N-Quads and TriG.

>>> import kg
>>> from kg.graph import to_networkx
>>> g = graph_to_rdf(to_networkx([kg.extract("萍乡经济技术开发区引进京东集团。")]))
>>> from kg.vocab import ZKG
>>> sorted(str(o) for o in g.objects(None, RDFS.label))
['京东集团', '萍乡经济技术开发区']
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from rdflib import RDF, RDFS, XSD, BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, SKOS

from .errors import GraphFileError
from .graph import INSTANCE_NAMESPACES, statement_iri
from .vocab import ZKG, ZKGR

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["graph_to_rdf", "statements", "to_ntriples", "NTriples", "Lit", "nt_term",
           "graph_from_rdf", "load_rdf", "new_graph", "to_dataset", "document_graphs", "decimal_literal", "date_literal",
           "RDF_FORMATS", "PREFIXES"]

#: File endings rdflib understands, by format name.
RDF_FORMATS = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".xml": "xml",
    ".owl": "xml",
    ".n3": "n3",
}


#: Every prefix a ZoneKG graph binds: the W3C / DCMI vocabularies, ``zkg:``, ``zkgr:`` and one
#: prefix per kind of instance (``zone:``, ``enterprise:`` … ``evidence:``, ``statement:``).
PREFIXES: dict[str, str] = {
    "rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD), "owl": str(OWL), "skos": str(SKOS), "prov": str(PROV),
    "dcterms": str(DCTERMS), "zkg": str(ZKG._NS), "zkgr": str(ZKGR), **INSTANCE_NAMESPACES,
}


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound (see :data:`PREFIXES`)."""
    g = Graph(bind_namespaces="core")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, replace=True)
    return g


class Lit(NamedTuple):
    """A literal, as the statements of :func:`statements` carry it (cheaper than an rdflib ``Literal``)."""

    lexical: str
    lang: str | None = None
    datatype: str | None = None

    def rdflib(self) -> Literal:
        return Literal(self.lexical, lang=self.lang, datatype=URIRef(self.datatype) if self.datatype else None)


#: A statement: subject IRI, predicate IRI, object IRI (a ``str``) or :class:`Lit`.
Statement = tuple[str, str, "str | Lit"]

_TYPE, _LABEL, _ALT = str(RDF.type), str(RDFS.label), str(SKOS.altLabel)
_INTEGER = str(XSD.integer)


class _Terms(dict):
    """IRIs of the ontology's terms by local name, each made once: ``_Z["evidence"]``."""

    def __missing__(self, name: str) -> str:
        iri = self[name] = str(ZKG._NS) + name
        return iri


_Z = _Terms()


def statements(G: nx.MultiDiGraph) -> Iterator[Statement]:
    """Every triple of the RDF graph of ``G`` (made by :func:`kg.graph.to_networkx`), as plain values,
    grouped by subject, the subjects in the order of their N-Triples lines.

    The one place that says which triples a ZoneKG graph holds: :func:`graph_to_rdf`
    makes an rdflib graph of them, :func:`to_ntriples` N-Triples text. Besides the
    model's facts it states, for corpus-wide questions, which documents mention each
    entity (``zkg:mentions``, through its evidence) and each platform's type
    (``zkg:platformType``); both stay true in any union of graphs, as a count would not.

    >>> import kg
    >>> from kg.graph import to_networkx
    >>> sorted(o.lexical for s, p, o in statements(to_networkx([kg.extract("萍乡经济技术开发区引进京东集团。")]))
    ...        if p.endswith("#label"))
    ['京东集团', '萍乡经济技术开发区']
    """
    from .lexicon import platform_type

    doc_cls, prov_entity, ev_cls, ind_cls = _Z["Document"], str(PROV.Entity), _Z["Evidence"], _Z["Indicator"]
    fixed = {"wasDerivedFrom": str(PROV.wasDerivedFrom), "evidence": _Z["evidence"], "hasIndicator": _Z["hasIndicator"]}
    mentions_p, platform_p = _Z["mentions"], _Z["platformType"]
    statement_cls, subject_p, predicate_p, object_p = str(RDF.Statement), str(RDF.subject), str(RDF.predicate), str(RDF.object)
    # networkx's own dicts (attributes; successor → key → edge data): its views cost more than the look-ups
    nodes: dict[str, dict] = dict(G.nodes(data=True))
    succ: dict[str, dict[str, dict[str, dict]]] = dict(G.adjacency())
    # which documents mention each entity (through its evidence), and the reified statements of relations
    doc_of = {ev: doc for ev, nbrs in succ.items() for doc, keys in nbrs.items() if "wasDerivedFrom" in keys}
    mentioned: dict[str, set[str]] = {}
    reified: dict[str, tuple[str, str, str, str]] = {}
    for s, nbrs in succ.items():
        is_entity = nodes[s].get("kind") == "entity"
        for o, keys in nbrs.items():
            for key, data in keys.items():
                if key == "evidence":
                    if is_entity and o in doc_of:
                        mentioned.setdefault(doc_of[o], set()).add(s)
                elif key not in fixed:
                    for ev in data.get("evidence", ()):
                        reified[statement_iri(s, key, o, ev)] = (s, _Z[key], o, ev)
    # subjects in the order of "<iri>": an IRI that is a prefix of another sorts by the ">" after it
    for _, iri in sorted([(f"{n}>", n) for n in nodes] + [(f"{st}>", st) for st in reified]):
        if iri in reified:
            s, pred, o, ev = reified[iri]
            yield iri, _TYPE, statement_cls
            yield iri, subject_p, s
            yield iri, predicate_p, pred
            yield iri, object_p, o
            yield iri, fixed["evidence"], ev
            continue
        data = nodes[iri]
        kind = data.get("kind")
        if kind == "document":
            yield iri, _TYPE, doc_cls
            yield iri, _TYPE, prov_entity
            yield iri, str(DCTERMS.title), Lit(data["title"], "zh")
            yield iri, str(DCTERMS.source), Lit(data["source"])
            if data.get("date"):
                yield iri, str(DCTERMS.date), _date_lit(data["date"])
            yield iri, _Z["sha256"], Lit(data["sha256"])
            if data.get("characters") is not None:
                yield iri, _Z["characters"], Lit(str(int(data["characters"])), None, _INTEGER)
            for entity in sorted(mentioned.get(iri, ())):
                yield iri, mentions_p, entity
        elif kind == "evidence":
            yield iri, _TYPE, ev_cls
            yield iri, _TYPE, prov_entity
            yield iri, _Z["text"], Lit(data["text"], "zh")
            yield iri, _Z["start"], Lit(str(int(data["start"])), None, _INTEGER)
            yield iri, _Z["end"], Lit(str(int(data["end"])), None, _INTEGER)
        elif kind == "entity":
            yield iri, _TYPE, _Z[data["cls"]]
            for extra in data.get("extra_classes", ()):
                yield iri, _TYPE, _Z[extra]
            yield iri, _LABEL, Lit(data["label"], "zh")
            for alias in data.get("aliases", ()):
                yield iri, _ALT, Lit(alias, "zh")
            if data["cls"] == "Platform" or "Platform" in data.get("extra_classes", ()):
                yield iri, platform_p, Lit(platform_type(data["label"]))
        elif kind == "indicator":
            yield iri, _TYPE, ind_cls
            yield iri, _Z["measure"], Lit(data["measure"], "zh")
            yield iri, _Z["value"], Lit(_decimal_lexical(data["value"]), None, str(XSD.decimal))
            yield iri, _Z["unit"], Lit(data["unit"], "zh")
            yield iri, _Z["rawText"], Lit(data["raw_text"], "zh")
            if data.get("qualifier"):
                yield iri, _Z["qualifier"], Lit(data["qualifier"])
            if data.get("period"):
                yield iri, _Z["period"], _period_lit(data["period"])
        for o, keys in succ[iri].items():
            for key in keys:
                yield iri, fixed.get(key) or _Z[key], o


def graph_to_rdf(G: nx.MultiDiGraph) -> Graph:
    """Translate a graph made by :func:`kg.graph.to_networkx` into an rdflib graph (see :func:`statements`)."""
    g = new_graph()
    iris: dict[str, URIRef] = {}

    def term(x: str | Lit):
        if isinstance(x, Lit):
            return x.rdflib()
        node = iris.get(x)
        if node is None:
            node = iris[x] = URIRef(x)
        return node

    g.addN((term(s), term(p), term(o), g) for s, p, o in statements(G))
    return g


# N-Triples escapes, as Oxigraph writes them: the canonical form, so both writers give the same bytes
_NT_ESCAPES = {i: f"\\u{i:04X}" for i in [*range(0x20), 0x7F]}
_NT_ESCAPES.update({ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t",
                    ord("\b"): "\\b", ord("\f"): "\\f"})


_STRING = str(XSD.string)


def nt_term(x: str | Lit) -> str:
    r"""A term in N-Triples: ``<iri>`` or a quoted literal.

    >>> nt_term("https://w3id.org/zonekg/id/zone/萍乡经开区"), nt_term(Lit('说"好"', "zh"))
    ('<https://w3id.org/zonekg/id/zone/萍乡经开区>', '"说\\"好\\""@zh')
    """
    if not isinstance(x, Lit):
        return f"<{x}>"
    lexical = x.lexical
    if _NEEDS_ESCAPE(lexical):
        lexical = lexical.translate(_NT_ESCAPES)
    if x.lang:
        return f'"{lexical}"@{x.lang}'
    return f'"{lexical}"^^<{x.datatype}>' if x.datatype and x.datatype != _STRING else f'"{lexical}"'


# a search in C is much cheaper than str.translate, and nearly no literal needs escaping
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\x7f\\"]').search


def to_ntriples(G: nx.MultiDiGraph) -> NTriples:
    """The RDF graph of ``G`` as sorted, distinct N-Triples lines, without building an rdflib graph.

    >>> import kg
    >>> from kg.graph import to_networkx
    >>> G = to_networkx([kg.extract("萍乡经济技术开发区引进京东集团。")])
    >>> len(to_ntriples(G)) == len(graph_to_rdf(G))
    True
    """
    chunks: list[bytes] = []
    text: list[str] = []  # the lines of finished subjects, encoded a few thousand subjects at a time
    current, head, rests = None, "", []
    for s, p, o in statements(G):  # grouped by subject, in order: sort each subject's lines only
        if s != current:
            if rests:  # the lines of one subject differ after "<subject> ": sort and join what follows
                text.append(head + head.join(sorted(set(rests))))
            if len(text) > 5_000:
                chunks.append("".join(text).encode("utf-8"))
                text = []
            current, head, rests = s, f"<{s}> ", []
        rests.append(f"<{p}> <{o}> .\n" if type(o) is str else f"<{p}> {nt_term(o)} .\n")
    if rests:
        text.append(head + head.join(sorted(set(rests))))
    chunks.append("".join(text).encode("utf-8"))
    return NTriples(chunks)


class NTriples:
    r"""A graph as sorted, distinct N-Triples lines (UTF-8): what the fast writers read (see :mod:`kg.serialise`).

    Kept as the chunks it was made in (whole lines each): joining the N-Triples of a corpus into one
    ``bytes`` costs a second and as much memory again, and Turtle is written from a reader over them.

    >>> nt = NTriples([b'<urn:a> <urn:p> "x" .\n', b'<urn:b> <urn:p> "y" .\n'])
    >>> len(nt), nt.size, b"<urn:b>" in nt, nt.reader().read() == nt.data
    (2, 44, True, True)
    """

    def __init__(self, data: bytes | list[bytes]):
        self.chunks = [data] if isinstance(data, bytes) else [chunk for chunk in data if chunk]

    @functools.cached_property
    def data(self) -> bytes:
        """All the lines as one ``bytes``."""
        return b"".join(self.chunks)

    def __len__(self) -> int:
        return sum(chunk.count(b"\n") for chunk in self.chunks)

    def __contains__(self, text: bytes) -> bool:
        return any(text in chunk for chunk in self.chunks)  # a line is never cut between chunks

    @property
    def size(self) -> int:
        """Bytes in all."""
        return sum(map(len, self.chunks))

    def reader(self) -> io.BufferedReader:
        """A binary file reading the lines, without joining them."""
        return chunk_reader(self.chunks)

    @classmethod
    def from_graph(cls, g: Graph) -> NTriples:
        """The N-Triples of an rdflib graph, in Oxigraph's canonical form and sorted."""
        import pyoxigraph

        raw = g.serialize(format="nt", encoding="utf-8")
        canonical = pyoxigraph.serialize(pyoxigraph.parse(input=raw, format=pyoxigraph.RdfFormat.N_TRIPLES),
                                         format=pyoxigraph.RdfFormat.N_TRIPLES)
        lines = sorted(set(canonical.decode("utf-8").splitlines(keepends=True)))
        return cls("".join(lines).encode("utf-8"))

    def lines(self) -> Iterator[tuple[str, str, str, str]]:
        """Every line as ``(subject, predicate, object, line)``, in order: IRIs without their ``<>``, a
        literal or blank node as the line writes it (it never looks like an IRI), and the line without its
        newline. A run of lines about one subject shares one string for it, and so does each predicate.

        >>> next(NTriples([b'<urn:a> <urn:p> "x y" .\\n']).lines())
        ('urn:a', 'urn:p', '"x y"', '<urn:a> <urn:p> "x y" .')
        """
        last, subject = "", ""
        predicates: dict[str, str] = {}
        for chunk in self.chunks:
            text = chunk.decode("utf-8")
            for line in text.split("\n")[:-1]:  # not splitlines(): a literal may hold U+2028 unescaped
                s, p, o = line[:-2].split(" ", 2)  # "<s> <p> o .": an IRI holds no space
                if s != last:
                    last, subject = s, _plain(s)
                predicate = predicates.get(p)
                if predicate is None:
                    predicate = predicates[p] = _plain(p)
                yield subject, predicate, _plain(o), line

    def to_graph(self) -> Graph:
        """An rdflib graph of these triples, with the project's prefixes."""
        g = new_graph()
        if self.data:
            g.parse(data=self.data, format="nt")
        return g


def _plain(term: str) -> str:
    return term[1:-1] if term[0] == "<" else term


def chunk_reader(chunks: Iterable[bytes]) -> io.BufferedReader:
    """A binary file reading ``chunks`` one after the other; chunks from a generator are made as they are
    read, so they are never all in memory at once.

    >>> chunk_reader(b"%d," % i for i in range(3)).read()
    b'0,1,2,'
    """
    return io.BufferedReader(_ChunkReader(chunks), buffer_size=1 << 20)


class _ChunkReader(io.RawIOBase):
    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks, self._chunk, self._pos = iter(chunks), b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._pos >= len(self._chunk):
            self._chunk, self._pos = next(self._chunks, None), 0
            if self._chunk is None:
                self._chunk = b""
                return 0
        n = min(len(buffer), len(self._chunk) - self._pos)
        buffer[:n] = memoryview(self._chunk)[self._pos:self._pos + n]
        self._pos += n
        return n


def decimal_literal(value: Decimal | int | float | str) -> Literal:
    """An ``xsd:decimal`` in its canonical form, which every syntax writes and reads back unchanged.

    >>> decimal_literal("1.9684E+7")
    rdflib.term.Literal('19684000.0', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal'))
    >>> str(decimal_literal("0.50")), str(decimal_literal(-3))
    ('0.5', '-3.0')
    """
    return Literal(_decimal_lexical(value), datatype=XSD.decimal)


def _decimal_lexical(value: Decimal | int | float | str) -> str:
    text = format(Decimal(str(value)).normalize(), "f")
    return text if "." in text else text + ".0"


_CN_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?")


def date_literal(value: str) -> Literal:
    """A date as written, typed when it has a standard form (``xsd:date``, ``gYearMonth``, ``gYear``, ``dateTime``).

    >>> [str(date_literal(v).datatype).split("#")[1] for v in ("2024-09-30", "2024年9月30日", "2024-09", "2024")]
    ['date', 'date', 'gYearMonth', 'gYear']
    >>> date_literal("2024年9月30日")
    rdflib.term.Literal('2024-09-30', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#date'))
    """
    return _date_lit(value).rdflib()


def _date_lit(value: str) -> Lit:
    value = value.strip()
    if re.fullmatch(r"\d{4}", value):
        return Lit(value, None, str(XSD.gYear))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?", value):
        return Lit(value, None, str(XSD.dateTime))
    m = _CN_DATE.fullmatch(value)
    if m and 1 <= int(m[2]) <= 12 and (m[3] is None or 1 <= int(m[3]) <= 31):
        if m[3] is None:
            return Lit(f"{m[1]}-{int(m[2]):02d}", None, str(XSD.gYearMonth))
        return Lit(f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", None, str(XSD.date))
    return Lit(value)


def _period_lit(value: str) -> Lit:
    if value[:4].isdigit() and (len(value) == 4 or (len(value) == 10 and value[4] == "-")):
        return _date_lit(value)
    return Lit(value, "zh")


def load_rdf(paths: list[str | Path]) -> Graph:
    """Parse graph files (format from the file ending) into one rdflib Graph.

    The named graphs of N-Quads and TriG files are merged into it. Nothing a file names is fetched: a
    JSON-LD file with a remote ``@context`` is refused. Files that hold no triple at all are refused.
    """
    g = new_graph()
    paths = [Path(p) for p in paths]
    for path in paths:
        if path.is_dir():
            raise GraphFileError(f"{path}: is a folder, not a graph file")
        if not path.is_file():
            raise GraphFileError(f"{path}: broken link" if path.is_symlink() else f"{path}: no such graph file")
        fmt = RDF_FORMATS.get(path.suffix.lower(), "turtle")
        if fmt == "json-ld":
            _refuse_remote_context(path)
        elif fmt == "xml":
            _require_rdf_namespace(path)
        try:
            if fmt in ("nquads", "trig"):
                ds = Dataset()
                ds.parse(path, format=fmt)
                for s, p, o, _ in ds.quads((None, None, None, None)):
                    g.add((s, p, o))
                continue
            g.parse(path, format=fmt)
        except Exception as err:  # rdflib raises many kinds; all mean "not RDF"
            raise GraphFileError(f"{path}: not a readable {fmt} graph ({_parse_error(err)})", detail=str(err)) from None
    if not len(g):
        raise GraphFileError(f"{', '.join(map(str, paths))}: no RDF triples in {'this file' if len(paths) == 1 else 'these files'}")
    return g


def _parse_error(err: Exception) -> str:
    """The first line of a parser's message (rdflib's Turtle errors: line and reason)."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    text = lines[0]
    if text.startswith("at line") and len(lines) > 1:
        why = re.sub(r"\s*at \^ in:$", "", lines[1])
        text = f"{text.rstrip(':').replace(' of <>', '')}: {why}"
    return text[:200]


def _require_rdf_namespace(path: Path) -> None:
    """rdflib reads any XML element as a node, so an XML file that never names the RDF namespace is no RDF/XML."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
    except OSError as err:
        raise GraphFileError(f"{path}: cannot read ({err.strerror})", detail=str(err)) from None
    if str(RDF).encode() not in head:
        raise GraphFileError(f"{path}: not RDF/XML (XML that never names the RDF namespace {RDF})")


def _refuse_remote_context(path: Path) -> None:
    """A JSON-LD file whose ``@context`` (or ``@import``) names a document elsewhere: rdflib would fetch it."""
    import json

    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as err:
        raise GraphFileError(f"{path}: not a readable json-ld graph ({_parse_error(err)})", detail=str(err)) from None
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            ctx = node.get("@context")
            remote = [c for c in (ctx if isinstance(ctx, list) else [ctx]) if isinstance(c, str)]
            if remote or isinstance(node.get("@import"), str):
                raise GraphFileError(f"{path}: its @context refers to {(remote or [node.get('@import')])[0][:100]}; kg "
                                     "fetches nothing: put the context into the file")
            stack.extend(node.values())


def graph_from_rdf(g: Graph) -> nx.MultiDiGraph:
    """Read a graph in the contract vocabulary back into the networkx shape.

    The inverse of :func:`graph_to_rdf` for entities, relations, indicators and
    evidence; anything outside the vocabulary is ignored.
    """
    import networkx as nx

    G = nx.MultiDiGraph()
    classes = {ZKG[c] for c in ("DevelopmentZone", "Enterprise", "GovernmentBody", "Platform",
                                 "Policy", "Honor", "Project", "Institution", "Hospital", "School",
                                 "Place", "Event", "Industry", "Person")}
    for s, o in g.subject_objects(RDF.type):
        if o in classes and not isinstance(s, BNode):
            iri = str(s)
            cls = str(o).split("#")[-1]
            if iri in G:
                G.nodes[iri]["extra_classes"].append(cls)
                continue
            label = g.value(s, RDFS.label) or g.value(s, SKOS.prefLabel) or iri.rsplit("/", 1)[-1]
            G.add_node(iri, kind="entity", cls=cls, label=str(label),
                       aliases=sorted(str(a) for a in g.objects(s, SKOS.altLabel)), extra_classes=[])
    for _, data in G.nodes(data=True):
        data["extra_classes"].sort()
        # the more specific class (Hospital over Institution) is the main one
        if data["cls"] == "Institution" and data["extra_classes"]:
            data["cls"], data["extra_classes"] = data["extra_classes"][0], ["Institution"]
    for ev in g.subjects(RDF.type, ZKG.Evidence):
        G.add_node(str(ev), kind="evidence", text=str(g.value(ev, ZKG.text) or ""),
                   start=int(g.value(ev, ZKG.start) or 0), end=int(g.value(ev, ZKG.end) or 0))
        doc = g.value(ev, PROV.wasDerivedFrom)
        if doc is not None:
            characters = g.value(doc, ZKG.characters)
            G.add_node(str(doc), kind="document", title=str(g.value(doc, DCTERMS.title) or ""),
                       source=str(g.value(doc, DCTERMS.source) or ""), date=_opt(g.value(doc, DCTERMS.date)),
                       sha256=_opt(g.value(doc, ZKG.sha256)),
                       characters=int(characters) if characters is not None else None)
            G.add_edge(str(ev), str(doc), key="wasDerivedFrom")
    for s, i in g.subject_objects(ZKG.hasIndicator):
        if str(s) not in G:
            continue
        value = g.value(i, ZKG.value)
        G.add_node(str(i), kind="indicator", measure=str(g.value(i, ZKG.measure) or ""),
                   value=Decimal(str(value)) if value is not None else None,
                   unit=str(g.value(i, ZKG.unit) or ""), qualifier=_opt(g.value(i, ZKG.qualifier)),
                   period=_opt(g.value(i, ZKG.period)), raw_text=str(g.value(i, ZKG.rawText) or ""))
        G.add_edge(str(s), str(i), key="hasIndicator")
    evidence_of: dict[tuple[str, str, str], list[str]] = {}
    for st in g.subjects(RDF.type, RDF.Statement):
        key = (str(g.value(st, RDF.subject)), str(g.value(st, RDF.predicate)).split("#")[-1],
               str(g.value(st, RDF.object)))
        evidence_of.setdefault(key, []).extend(str(e) for e in g.objects(st, ZKG.evidence))
    from .model import RELATION_PREDICATES

    for pred in RELATION_PREDICATES:
        for s, o in g.subject_objects(ZKG[pred]):
            if str(s) in G and str(o) in G:
                G.add_edge(str(s), str(o), key=pred,
                           evidence=sorted(evidence_of.get((str(s), pred, str(o)), [])))
    for s, ev in g.subject_objects(ZKG.evidence):
        if str(s) in G and str(ev) in G:
            G.add_edge(str(s), str(ev), key="evidence")
    return G


def _opt(value) -> str | None:
    return None if value is None else str(value)


def to_dataset(g: Graph) -> Dataset:
    """Split a graph into one named graph per document, named by the document's IRI.

    A triple goes into the graph of every document its evidence comes from:
    a document's own description, its evidence sentences, the indicators and
    reified statements read from it, each ``zkg:evidence`` link, each plain
    relation triple (by the evidence of its statements) and the description
    (class, label, aliases) of every entity the document mentions, so an entity
    named in two articles is described in both graphs. Triples that no evidence
    ties to a document stay in the default graph. The union of the named graphs
    and the default graph is ``g``.

    >>> import kg
    >>> from kg.graph import to_networkx
    >>> g = graph_to_rdf(to_networkx([kg.extract("萍乡经济技术开发区引进京东集团。")]))
    >>> ds = to_dataset(g)
    >>> [len(ds.graph(doc)) == len(g) for doc in g.subjects(RDF.type, ZKG.Document)]
    [True]
    """
    def plain(term):
        return term if isinstance(term, Literal) else str(term)

    graphs_of = document_graphs((plain(s), plain(p), plain(o)) for s, p, o in g)
    ds = Dataset()
    for prefix, ns in g.namespaces():
        ds.bind(prefix, ns, replace=True)
    graphs: dict = {}
    for triple in g:
        s, p, o = triple
        for name in graphs_of(plain(s), plain(p), plain(o)) or (None,):
            if name not in graphs:
                graphs[name] = ds.default_graph if name is None else ds.graph(URIRef(name))
            graphs[name].add(triple)
    return ds


_TYPE_IRI, _DOCUMENT, _EVIDENCE_CLASS, _STATEMENT = str(RDF.type), str(ZKG.Document), str(ZKG.Evidence), str(RDF.Statement)
_DERIVED, _EVIDENCE, _HAS_INDICATOR = str(PROV.wasDerivedFrom), str(ZKG.evidence), str(ZKG.hasIndicator)
_PARTS = {str(RDF.subject): 0, str(RDF.predicate): 1, str(RDF.object): 2}


def document_graphs(triples: Iterable[tuple]) -> Callable[[str, str, object], set[str]]:
    """How :func:`to_dataset` splits a graph: read its triples once, then tell for any of them the
    documents whose named graphs hold it (none: the default graph). IRIs are plain strings, literals
    anything else; :func:`kg.serialise.nquads` applies the same rule to N-Triples lines.

    >>> graphs_of = document_graphs([("urn:d", str(RDF.type), str(ZKG.Document)), ("urn:x", "urn:p", "urn:y")])
    >>> graphs_of("urn:d", str(RDF.type), str(ZKG.Document)), graphs_of("urn:x", "urn:p", "urn:y")
    ({'urn:d'}, set())
    """
    documents, evidence_nodes, statements = set(), set(), set()
    derived: dict[str, str] = {}
    parts: dict[str, list] = {}
    evidence_of: dict[str, list[str]] = {}
    for s, p, o in triples:
        if p == _TYPE_IRI:
            if o == _DOCUMENT:
                documents.add(s)
            elif o == _EVIDENCE_CLASS:
                evidence_nodes.add(s)
            elif o == _STATEMENT:
                statements.add(s)
        elif p == _DERIVED:
            derived[s] = o
        elif p == _EVIDENCE:
            evidence_of.setdefault(s, []).append(o)
        elif p in _PARTS:
            parts.setdefault(s, [None, None, None])[_PARTS[p]] = o
    doc_of = {doc: doc for doc in documents}
    doc_of.update((ev, doc) for ev, doc in derived.items() if ev in evidence_nodes)

    def docs(node: str) -> set[str]:
        if node in doc_of:
            return {doc_of[node]}
        return {doc_of[ev] for ev in evidence_of.get(node, ()) if ev in doc_of}

    asserted: dict[tuple, set[str]] = {}  # a relation's plain triple: by the evidence of its statements
    for st in statements:
        asserted.setdefault(tuple(parts.get(st, (None, None, None))), set()).update(docs(st))

    def graphs_of(s: str, p: str, o: object) -> set[str]:
        if p == _EVIDENCE:
            return {doc_of[o]} if o in doc_of else docs(s)
        if p == _HAS_INDICATOR:
            return docs(o) or docs(s)
        found = asserted.get((s, p, o))
        return found if found is not None else docs(s)

    return graphs_of
