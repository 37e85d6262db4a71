"""The embedded store: an Oxigraph database on disk, one named graph per document.

``kg build --store DIR`` writes each document's own triples (evidence, figures, statements, the
relations it states) into the named graph of that document (its IRI), replacing what an earlier build
wrote there, so a store grows article by article and a rebuilt article leaves no stale facts behind.
What describes an entity (type, label, aliases) is shared by all documents and goes once into
:data:`SHARED_GRAPH`, so that joins over the union of graphs do not multiply rows. ``kg query --store DIR``
and ``kg serve --store DIR`` read the store; queries see the union of all graphs as their default graph.

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> g = new_graph_from_turtle('''
...   <zone/萍乡经济技术开发区> a zkg:DevelopmentZone ; rdfs:label "萍乡经济技术开发区"@zh ;
...       zkg:evidence <evidence/d1-0-9> .
...   <evidence/d1-0-9> a zkg:Evidence ; prov:wasDerivedFrom <document/d1> .''')
>>> write_store(g, folder)
{'https://w3id.org/zonekg/id/graph/shared': 2, 'https://w3id.org/zonekg/id/document/d1': 3}
>>> source = StoreSource.open(folder)
>>> source.query("SELECT ?name WHERE { ?z a zkg:DevelopmentZone ; rdfs:label ?name }").rows
[(rdflib.term.Literal('萍乡经济技术开发区', lang='zh'),)]
>>> source.close()
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from .errors import GraphFileError, OutputError, QueryError, QueryStopped
from .query import (
    PREFIXES,
    Bindings,
    Source,
    Table,
    check_local,
    inject_values,
    make_literal,
    names_dataset,
    shift_position,
    syntax_error,
)
from .vocab import ZKG, ZKGR

__all__ = ["StoreSource", "write_store", "open_for_writing", "split_by_document", "split_statements", "load_graph_files",
           "bulk_load_quads", "SHARED_GRAPH", "new_graph_from_turtle"]

#: The named graph for triples that belong to no document (pushed and stored like a document's).
SHARED_GRAPH = str(ZKGR) + "graph/shared"


def new_graph_from_turtle(turtle: str) -> Graph:
    """An rdflib graph from Turtle that may use the predefined prefixes; relative IRIs are instances (``zkgr:``)."""
    head = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
    return Graph().parse(data=head + turtle, format="turtle", publicID=str(ZKGR))


def split_by_document(g: Graph) -> dict[str | None, list[tuple]]:
    """The triples of ``g`` by the document they come from; ``None`` holds the shared ones.

    A document's own nodes — the document, its evidence sentences, indicators and statements — go to
    that document, and so do the links to them (``zkg:evidence``, ``zkg:hasIndicator``) and the plain
    triple of every relation the document states. What describes an entity (its type, label and
    aliases) is shared by every document that mentions it, so it goes to ``None`` once, as does
    anything that comes from no document: stored that way, a triple is never in two graphs unless two
    documents state the same relation.
    """
    triples = list(g)
    plain = [(str(s), str(p), o if isinstance(o, Literal) else str(o)) for s, p, o in triples]
    return {doc: [triples[i] for i in found] for doc, found in split_statements(plain).items()}


_DERIVED, _TYPE, _EVIDENCE, _HAS_INDICATOR = str(PROV.wasDerivedFrom), str(RDF.type), str(ZKG.evidence), str(ZKG.hasIndicator)
_DOCUMENT, _STATEMENT, _INDICATOR = str(ZKG.Document), str(RDF.Statement), str(ZKG.Indicator)
_PARTS = {str(RDF.subject): 0, str(RDF.predicate): 1, str(RDF.object): 2}


def split_statements(triples: Sequence[tuple]) -> dict[str | None, list[int]]:
    """Where each triple goes, as :func:`split_by_document` says: document IRI (``None``: shared) → the
    positions of its triples. IRIs are plain strings, literals anything else (:class:`kg.rdf.Lit`)."""
    doc_of: dict[str, str] = {}
    typed: set[str] = set()  # statements and indicators
    statements: set[str] = set()
    statement_parts: dict[str, list] = {}
    links = []
    for s, p, o in triples:
        if p == _DERIVED:
            doc_of[s] = o
        elif p == _TYPE:
            if o == _DOCUMENT:
                doc_of[s] = s
            elif o == _STATEMENT or o == _INDICATOR:
                typed.add(s)
                if o == _STATEMENT:
                    statements.add(s)
        elif p == _EVIDENCE:
            links.append((s, o))
        elif p in _PARTS:
            statement_parts.setdefault(s, [None, None, None])[_PARTS[p]] = o
    local: dict[str, set[str]] = defaultdict(set)  # the document's own nodes
    for node, ev in links:
        if ev in doc_of and node in typed:
            local[node].add(doc_of[ev])
    for node, doc in doc_of.items():
        local[node].add(doc)
    asserted: dict[tuple, set[str]] = defaultdict(set)
    for st in statements:
        asserted[tuple(statement_parts.get(st, (None, None, None)))] |= local.get(st, set())
    out: dict[str | None, list[int]] = defaultdict(list)
    no_docs: set[str] = set()
    for i, triple in enumerate(triples):
        s, p, o = triple
        if s in local:
            docs = local[s]
        elif p == _EVIDENCE or p == _HAS_INDICATOR:
            docs = local.get(o, no_docs)
        else:
            docs = asserted.get(triple, no_docs)
        if not docs:
            out[None].append(i)
        for doc in docs:
            out[doc].append(i)
    return dict(out)


def _ox_term(term):
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _rdflib_term(term):
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        return make_literal(term.value, lang=term.language, datatype=term.datatype.value if term.datatype else None)
    return Literal(str(term))  # RDF 1.2 triple terms: shown as text


def write_store(g: Graph, path: str | Path) -> dict[str, int]:
    """Write ``g`` into the store at ``path``: one named graph per document, replacing it, and the
    shared triples (see :func:`split_by_document`) added to :data:`SHARED_GRAPH`.

    Returns the number of triples written per graph.
    """
    import pyoxigraph as ox

    store = open_for_writing(path)
    try:
        written = {}
        drops, data = [], []
        for doc, triples in sorted(split_by_document(g).items(), key=lambda kv: kv[0] or ""):
            name = ox.NamedNode(doc or SHARED_GRAPH)
            if doc is not None:
                drops.append(f"DROP SILENT GRAPH {name}")
            data.append(f"GRAPH {name} {{\n" + "".join(f"{_ox_term(s)} {_ox_term(p)} {_ox_term(o)} .\n"
                                                       for s, p, o in triples) + "}")
            written[name.value] = len(triples)
        # one update is one transaction: a failed, interrupted or killed write leaves the store as it was
        store.update(" ;\n".join([*drops, "INSERT DATA {\n" + "\n".join(data) + "\n}"]))
        store.flush()
        return written
    except (OSError, SyntaxError, ValueError, RuntimeError) as err:
        raise OutputError(f"{path}: cannot write the store ({_first_line(err)})", detail=str(err)) from None
    finally:
        del store


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__


def open_for_writing(path: str | Path):
    """The store at ``path`` opened for writing (created if the folder is new or empty).

    Refuses a folder that holds other files, a store another process is writing (RocksDB's lock) and a
    damaged store, each with one line naming the folder (:class:`~kg.errors.OutputError`).
    """
    import pyoxigraph as ox

    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: not a folder, so not a store")
    if folder.is_dir() and not (folder / "CURRENT").is_file() and any(folder.iterdir()):
        raise OutputError(f"{folder}: not a store (the folder holds other files); choose a new or empty folder")
    try:
        return ox.Store(str(folder))
    except OSError as err:
        if "lock" in str(err).lower():
            raise OutputError(f"{folder}: the store is locked: another process is writing it (another kg build "
                              "--store?); try again when it has finished", detail=str(err)) from None
        raise OutputError(f"{folder}: cannot open the store for writing ({_first_line(err)})", detail=str(err)) from None
    except RuntimeError as err:  # RocksDB reports corruption this way
        raise OutputError(f"{folder}: the store is damaged ({_first_line(err)}); remove the folder and build again",
                          detail=str(err)) from None


def bulk_load_quads(store, quads: IO[bytes]) -> None:
    """Load N-Quads from a binary stream into ``store`` with Oxigraph's bulk loader, then compact it.

    The bulk loader is fast but not a transaction, and a load of a million quads or more leaves several
    files per index, each of which every lookup of a query searches: on 1M triples the saved questions
    took 8–80% longer before the compaction, which takes 2.8 s there (and leaves a larger store, 327 MB
    instead of 182). A smaller load leaves one file per index, and the compaction has nothing to do.
    """
    import pyoxigraph as ox

    store.bulk_load(quads, format=ox.RdfFormat.N_QUADS)
    store.optimize()


def load_graph_files(paths: Iterable[str | Path], folder: str | Path | None = None):
    """An Oxigraph store holding graph files (format from the file ending): in memory, or on disk at
    ``folder``."""
    import pyoxigraph as ox

    from .rdf import RDF_FORMATS

    store = ox.Store(str(folder)) if folder is not None else ox.Store()
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise GraphFileError(f"{path}: no such graph file")
        fmt = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nquads": ox.RdfFormat.N_QUADS,
               "trig": ox.RdfFormat.TRIG, "json-ld": ox.RdfFormat.JSON_LD, "xml": ox.RdfFormat.RDF_XML,
               "n3": ox.RdfFormat.N3}[RDF_FORMATS.get(path.suffix.lower(), "turtle")]
        try:
            store.bulk_load(path=str(path), format=fmt)
        except (SyntaxError, ValueError) as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise GraphFileError(f"{path}: not a readable graph ({first[:200]})") from None
        except OSError as err:
            raise GraphFileError(f"{path}: cannot read ({err})") from None
    return store


class GraphAnswer(bytes):
    """The N-Triples of a CONSTRUCT or DESCRIBE answer; ``truncated`` when the triple limit cut it."""

    truncated: bool

    def __new__(cls, data: bytes, *, truncated: bool = False) -> GraphAnswer:
        answer = super().__new__(cls, data)
        answer.truncated = truncated
        return answer


class StoreSource(Source):
    """An Oxigraph store: on disk (:meth:`open`) or in memory (:meth:`from_files`).

    Queries see the union of all named graphs as the default graph, unless ``default_graphs`` are named.
    """

    def __init__(self, store, name: str = "store", path: Path | None = None) -> None:
        self.store = store
        self.name = name
        #: The folder of a store on disk; None in memory.
        self.path = path

    @classmethod
    def open(cls, path: str | Path) -> StoreSource:
        """Open the store a ``kg build --store DIR`` wrote, read-only."""
        import pyoxigraph as ox

        folder = Path(path)
        if not folder.is_dir() or not (folder / "CURRENT").is_file():
            raise GraphFileError(f"{folder}: no store there (write one with: kg build ARTICLES --store {folder})")
        try:
            return cls(ox.Store.read_only(str(folder)), name=str(folder), path=folder)
        except OSError as err:
            raise GraphFileError(f"{folder}: cannot open the store ({_first_line(err)})", detail=str(err)) from None
        except RuntimeError as err:  # RocksDB reports corruption this way
            raise GraphFileError(f"{folder}: the store is damaged ({_first_line(err)}); build it again",
                                 detail=str(err)) from None

    @classmethod
    def from_files(cls, paths: Iterable[str | Path], folder: str | Path | None = None) -> StoreSource:
        """Graph files loaded into an in-memory store; with ``folder`` (new or empty), into a store on disk
        there, then opened read-only."""
        paths = list(paths)
        name = ", ".join(str(p) for p in paths)
        if folder is None:
            return cls(load_graph_files(paths), name=name)
        store = load_graph_files(paths, folder)
        store.optimize()
        del store  # closes it: the store is opened read-only from here on, by this process and others
        source = cls.open(folder)
        source.name = name
        return source

    def copy_to(self, folder: str | Path) -> StoreSource:
        """A copy of this store at ``folder`` as it is now, opened read-only: for a store on disk a
        snapshot (RocksDB checkpoint: hard links to its files, instant on the same file system), which
        a later ``kg build --store`` into the original does not change; for one in memory, its quads
        loaded into a new store on disk."""
        import tempfile

        import pyoxigraph as ox

        if self.path is not None:
            self.store.backup(str(folder))
        else:
            with tempfile.TemporaryFile() as dump:
                self.store.dump(dump, format=ox.RdfFormat.N_QUADS)
                dump.seek(0)
                store = ox.Store(str(folder))
                bulk_load_quads(store, dump)
            del store
        source = StoreSource.open(folder)
        source.name = self.name
        return source

    def query(self, sparql: str, *, limit: int | None = None, bindings: Bindings | None = None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
              deadline: float | None = None) -> Table:
        """Run a SELECT or ASK query; stop early after ``limit`` rows or past ``deadline`` (``time.monotonic``)."""
        written = inject_values(sparql, bindings) if bindings else sparql
        try:
            result = self.execute(written, limit=limit, default_graphs=default_graphs, named_graphs=named_graphs,
                                  deadline=deadline)
        except QueryError as err:
            raise shift_position(err, sparql, written) from None
        if not isinstance(result, Table):
            raise QueryError("only SELECT and ASK queries are supported here")
        return result

    def execute(self, sparql: str, *, limit: int | None = None, default_graphs: list[str] | None = None,
                named_graphs: list[str] | None = None, deadline: float | None = None) -> Table | bytes:
        """Run any query: a :class:`Table` for SELECT and ASK, N-Triples for CONSTRUCT and DESCRIBE.

        ``default_graphs`` and ``named_graphs`` name the dataset (SPARQL protocol ``default-graph-uri`` and
        ``named-graph-uri``); without them the default graph is the union of all graphs.
        """
        import pyoxigraph as ox

        check_local(sparql)
        kwargs: dict = {"prefixes": {p: str(ns) for p, ns in PREFIXES.items()}}
        if default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        elif not names_dataset(sparql):  # FROM <graph> in the query says what the default graph is
            kwargs["use_default_graph_as_union"] = True
        if named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        result = None
        try:
            result = self.store.query(sparql, **kwargs)
            if isinstance(result, ox.QueryBoolean):
                return Table(["ask"], [(Literal(bool(result)),)], boolean=bool(result))
            if isinstance(result, ox.QueryTriples):  # CONSTRUCT, DESCRIBE: the same limits as rows
                triples = []
                for triple in result:
                    if limit is not None and len(triples) >= limit:
                        return GraphAnswer(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), truncated=True)
                    if deadline is not None and time.monotonic() > deadline:
                        raise QueryStopped("the query ran out of time")
                    triples.append(triple)
                return GraphAnswer(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
            variables = [v.value for v in result.variables]
            rows, truncated = [], False
            seen: dict = {}  # answers repeat terms (names, sentences): convert each once
            columns = range(len(variables))
            for solution in result:
                if limit is not None and len(rows) >= limit:
                    truncated = True
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise QueryStopped("the query ran out of time")
                row = []
                for i in columns:
                    term = solution[i]
                    converted = seen.get(term)
                    if converted is None and term is not None:
                        converted = seen[term] = _rdflib_term(term)
                    row.append(converted)
                rows.append(tuple(row))
            return Table(variables, rows, truncated=truncated)
        except SyntaxError as err:
            raise syntax_error(str(err)) from None
        except (OSError, ValueError, TypeError) as err:
            raise QueryError(f"SPARQL query failed: {str(err).splitlines()[0][:300] if str(err) else type(err).__name__}") from None
        finally:
            result = None  # Oxigraph's results must be dropped on the thread that made them

    def close(self) -> None:
        self.store = None
