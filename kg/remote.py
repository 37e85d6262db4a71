"""Remote stores over HTTP: SPARQL 1.1 Protocol queries and Graph Store Protocol pushes.

:class:`EndpointSource` sends queries to any SPARQL endpoint (Virtuoso, Fuseki, GraphDB, ``kg serve`` …).
:func:`push` loads a graph into a store with the Graph Store HTTP Protocol: one ``PUT`` per document,
into the named graph of that document, so pushing the same graph again replaces it (idempotent), and
one ``POST`` (a merge) of what documents share into a shared graph.
Basic and digest authentication (Virtuoso's ``/sparql-graph-crud-auth``) are both understood.

>>> source = EndpointSource("http://127.0.0.1:9/sparql", timeout=2)
>>> source.query("ASK { ?s ?p ?o }")
Traceback (most recent call last):
...
kg.errors.EndpointError: cannot reach SPARQL endpoint http://127.0.0.1:9/sparql: Connection refused
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef

from .errors import EndpointError, InputError, QueryError
from .query import Bindings, Source, Table, inject_values, is_absolute_iri, make_literal, prefix_line, refuse_update, shift_position

__all__ = ["EndpointSource", "push", "prune", "Pushed", "graph_store_url"]

_USER_AGENT = "zonekg-kg"


def _opener(url: str, user: str | None, password: str | None) -> urllib.request.OpenerDirector:
    handlers: list = [urllib.request.ProxyHandler({})]  # endpoints are reached directly, never via a proxy
    if user is not None:
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, url, user, password or "")
        handlers += [urllib.request.HTTPDigestAuthHandler(manager), urllib.request.HTTPBasicAuthHandler(manager)]
    return urllib.request.build_opener(*handlers)


def _reason(err: BaseException) -> str:
    reason = getattr(err, "reason", err)
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def _body_line(err: urllib.error.HTTPError) -> str:
    try:
        body = err.read(4000).decode("utf-8", "replace")
    except OSError:
        body = ""
    lines = [line.strip() for line in body.splitlines() if line.strip() and not line.lstrip().startswith("<")]
    return lines[0][:300] if lines else err.reason or ""


def _open(opener, request: urllib.request.Request, what: str, timeout: float, *, query: bool = True):
    """Send ``request``; every failure becomes one :class:`EndpointError` or :class:`QueryError` line."""
    try:
        return opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        line = _body_line(err)
        if err.code in (401, 403):
            raise EndpointError(f"{what} refused the credentials (HTTP {err.code}): {line}") from None
        if err.code == 400 and query:
            raise QueryError(f"{what} rejected the query (HTTP 400): {line}") from None
        raise EndpointError(f"{what} answered HTTP {err.code}: {line}") from None
    except TimeoutError:
        raise EndpointError(_silent(what, timeout, query)) from None
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError):
            raise EndpointError(_silent(what, timeout, query)) from None
        raise EndpointError(f"cannot reach {what}: {_reason(err)}") from None
    except (OSError, ValueError) as err:  # connection reset, bad URL
        raise EndpointError(f"cannot reach {what}: {_reason(err)}") from None


def _silent(what: str, timeout: float, query: bool) -> str:
    # a query endpoint given a graph store's PUT may say nothing at all
    hint = "" if query else " (is it a Graph Store endpoint? Virtuoso's is /sparql-graph-crud-auth)"
    return f"{what} did not answer within {timeout:g} s{hint}"


def _check_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EndpointError(f"not an http(s) URL: {url!r}")
    return url


def _term(cell: dict):
    kind = cell.get("type")
    value = cell.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        return make_literal(value, lang=cell.get("xml:lang"), datatype=cell.get("datatype"))
    return Literal(value)


class EndpointSource(Source):
    """A remote SPARQL 1.1 endpoint, queried with ``POST`` and SPARQL results JSON."""

    def __init__(self, url: str, *, user: str | None = None, password: str | None = None, timeout: float = 60) -> None:
        self.url = _check_url(url)
        self.name = url
        self.timeout = timeout
        self._opener = _opener(url, user, password)

    def query(self, sparql: str, *, limit: int | None = None, bindings: Bindings | None = None) -> Table:
        refuse_update(sparql)  # before it is sent: an endpoint that takes updates on /sparql would run it
        written = inject_values(sparql, bindings) if bindings else sparql
        sent = prefix_line(written) + written
        try:
            return self._ask(sent, limit)
        except QueryError as err:  # the columns the endpoint names count kg's additions on their line
            raise shift_position(shift_position(err, written, sent), sparql, written) from None

    def _ask(self, sparql: str, limit: int | None) -> Table:
        body = urllib.parse.urlencode({"query": sparql}).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Accept": "application/sparql-results+json", "User-Agent": _USER_AGENT})
        what = f"SPARQL endpoint {self.url}"
        with _open(self._opener, request, what, self.timeout) as response:
            kind = response.headers.get_content_type()
            cut = response.headers.get("X-Result-Truncated")  # kg serve's: it stopped at its row limit
            try:
                data = response.read()
            except (TimeoutError, OSError) as err:
                raise EndpointError(f"{what} broke off its answer: {_reason(err)}") from None
        if "json" not in kind:
            raise QueryError(f"{what} answered {kind}, not SPARQL results JSON (only SELECT and ASK are supported here)")
        try:
            doc = json.loads(data.decode("utf-8"))
        except ValueError:
            raise EndpointError(f"{what} answered with JSON that cannot be read") from None
        table = _results(doc)
        if table is None:
            raise EndpointError(f"{what} answered JSON that is not SPARQL results (no head and results, or boolean)")
        if limit is not None and len(table.rows) > limit:
            table.rows, table.truncated = table.rows[:limit], True
        if cut is not None:
            table.truncated = True
            table.notes.append(f"the endpoint cut its answer at {cut} rows (X-Result-Truncated)")
        return table


def _results(doc) -> Table | None:
    """A :class:`Table` from SPARQL 1.1 Query Results JSON, or None if ``doc`` is not that."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("boolean"), bool):
        return Table(["ask"], [(Literal(doc["boolean"]),)], boolean=doc["boolean"])
    head, results = doc.get("head"), doc.get("results")
    if not isinstance(head, dict) or not isinstance(results, dict):
        return None
    variables, bindings = head.get("vars", []), results.get("bindings")
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables) or not isinstance(bindings, list):
        return None
    if not all(isinstance(b, dict) and all(isinstance(c, dict) for c in b.values()) for b in bindings):
        return None
    return Table(list(variables), [tuple(_term(b[v]) if v in b else None for v in variables) for b in bindings])


@dataclass
class Pushed:
    """One named graph written by :func:`push`."""

    graph: str
    triples: int
    status: int


def graph_store_url(endpoint: str, graph: str) -> str:
    """The Graph Store Protocol URL of a named graph: ``ENDPOINT?graph=IRI`` (indirect identification).

    >>> graph_store_url("http://127.0.0.1:8890/sparql-graph-crud-auth", "https://w3id.org/zonekg/id/document/00b7")
    'http://127.0.0.1:8890/sparql-graph-crud-auth?graph=https%3A%2F%2Fw3id.org%2Fzonekg%2Fid%2Fdocument%2F00b7'
    >>> graph_store_url("http://127.0.0.1:8890/sparql-graph-crud-auth?x=1", "urn:萍乡")
    'http://127.0.0.1:8890/sparql-graph-crud-auth?x=1&graph=urn%3A%E8%90%8D%E4%B9%A1'
    """
    return endpoint + ("&" if "?" in endpoint else "?") + urllib.parse.urlencode({"graph": graph})


#: Most bytes of N-Triples in one request: a graph larger than this goes as one ``PUT`` and then ``POST``
#: merges. Virtuoso answers a digest-authenticated request with 401 before reading it and closes the
#: connection, so a body of a few MB was cut ("connection reset by peer") before urllib could send it again.
CHUNK_BYTES = 512 << 10

# control characters other than tab, LF and CR: N-Triples allows them raw in a literal, but Virtuoso keeps
# only what follows one when the literal also holds an escape; \uXXXX is read right everywhere
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _ntriples_chunks(triples: list) -> list[bytes]:
    """The N-Triples of ``triples``, one line a triple in a stable order, in pieces of at most
    :data:`CHUNK_BYTES` (a single longer line is a piece of its own)."""
    part = Graph()
    for t in triples:
        part.add(t)
    text = _RAW_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04X}", part.serialize(format="nt"))
    chunks, size, current = [], 0, []
    for line in sorted(text.splitlines(keepends=True)):
        data = line.encode("utf-8")
        if current and size + len(data) > CHUNK_BYTES:
            chunks.append(b"".join(current))
            current, size = [], 0
        current.append(data)
        size += len(data)
    return [*chunks, b"".join(current)] if current else chunks or [b""]


def push(g: Graph, endpoint: str, *, graph: str | None = None, user: str | None = None, password: str | None = None,
         timeout: float = 300, progress=None, replace_shared: bool = False) -> list[Pushed]:
    """Load ``g`` into the Graph Store at ``endpoint``.

    What is shared between documents (entity types, labels, aliases) is added first, with ``POST`` to
    :data:`kg.store.SHARED_GRAPH` (see :func:`kg.store.split_by_document`), or put in place of what is there
    with ``PUT`` when ``replace_shared`` (the push holds every document: see :func:`prune`); then each document's own
    triples go with ``PUT`` into the named graph of the document (its IRI), replacing it. With ``graph``,
    everything goes with ``PUT`` into that graph. A graph larger than :data:`CHUNK_BYTES` is sent as a
    ``PUT`` of its first piece and ``POST`` merges of the rest. Pushing the same graph again changes nothing.
    ``progress(pushed)`` is called after each graph. When a request fails, the error says how many graphs
    were written before it: pushing again completes the push.
    """
    from .store import SHARED_GRAPH, split_by_document

    _check_url(endpoint)
    if graph is not None:
        if not is_absolute_iri(graph):
            raise InputError(f"--graph wants an absolute IRI (https://…, urn:…), not {graph[:100]!r}")
        parts = [(graph, list(g), "PUT")]
    else:
        split = split_by_document(g)
        parts = [(SHARED_GRAPH, split[None], "PUT" if replace_shared else "POST")] if split.get(None) else []
        parts += [(doc, triples, "PUT") for doc, triples in sorted(split.items(), key=lambda kv: kv[0] or "") if doc]
    opener = _opener(endpoint, user, password)
    done: list[Pushed] = []
    for name, triples, method in parts:
        status = 0
        for i, data in enumerate(_ntriples_chunks(triples)):
            request = urllib.request.Request(graph_store_url(endpoint, name), data=data,
                                             method=method if i == 0 else "POST", headers={
                "Content-Type": "text/turtle; charset=utf-8", "User-Agent": _USER_AGENT})
            try:
                with _open(opener, request, f"graph store {endpoint}", timeout, query=False) as response:
                    response.read()
                    status = response.status
            except EndpointError as err:
                if done or i:
                    raise EndpointError(f"{err} — after {len(done)} of {len(parts)} graphs were written; pushing "
                                        "again completes the push") from None
                raise
        done.append(Pushed(name, len(triples), status))
        if progress is not None:
            progress(done[-1])
    return done


def prune(pushed: list[Pushed], endpoint: str, sparql: str, *, user: str | None = None, password: str | None = None,
          timeout: float = 300) -> list[str]:
    """Delete from the Graph Store at ``endpoint`` every document graph that ``pushed`` did not write: the
    documents no longer among the inputs, and the old versions of edited articles (a document is named by
    its text's hash). The document graphs there are found by asking the query endpoint ``sparql`` for the
    graphs that hold a ``zkg:Document``. Returns the graphs deleted.
    """
    from .vocab import ZKG

    _check_url(endpoint)
    written = {p.graph for p in pushed}
    table = EndpointSource(sparql, user=user, password=password, timeout=timeout).query(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g a <{ZKG.Document}> }} }}")
    stale = sorted(str(row[0]) for row in table.rows if row[0] is not None and str(row[0]) not in written)
    opener = _opener(endpoint, user, password)
    for i, name in enumerate(stale):
        request = urllib.request.Request(graph_store_url(endpoint, name), method="DELETE",
                                         headers={"User-Agent": _USER_AGENT})
        try:
            with _open(opener, request, f"graph store {endpoint}", timeout, query=False) as response:
                response.read()
        except EndpointError as err:
            raise EndpointError(f"{err} — after {i} of {len(stale)} old document graphs were deleted") from None
    return stale
