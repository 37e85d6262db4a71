"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint, with a small HTML page to try queries.

``GET /sparql?query=…`` and ``POST /sparql`` (form-encoded ``query=…`` or an ``application/sparql-query``
body) answer SELECT and ASK in SPARQL results JSON, XML, CSV or TSV, chosen by the ``Accept`` header
(or ``format=json|xml|csv|tsv``), and CONSTRUCT / DESCRIBE in N-Triples. Updates are refused (403).
``GET /`` is an HTML page with a form; every value on it is escaped.

Safety: binds 127.0.0.1 unless told otherwise, and then answers only requests addressed to a loopback
name (no DNS rebinding); requests larger than ``max_request_bytes`` are refused (413/414); a connection
that stalls for ``socket_timeout`` seconds (a request not finished, an answer not read) is closed; a query gets
``timeout`` seconds (503 after that) and at most ``max_rows`` rows or triples (then the header
``X-Result-Truncated`` says so). Queries run in ``workers`` processes (:mod:`kg.query_pool`): one past
its time or over its memory is stopped by ending its process (503), and a crash of the engine ends only
that process (500); a new one takes its place.

>>> import pathlib, tempfile, urllib.request, urllib.parse
>>> from kg.store import StoreSource
>>> ttl = pathlib.Path(tempfile.mkdtemp()) / "g.ttl"
>>> _ = ttl.write_text('<https://w3id.org/zonekg/id/zone/萍乡经济技术开发区> '
...                    '<http://www.w3.org/2000/01/rdf-schema#label> "萍乡经济技术开发区"@zh .', encoding="utf-8")
>>> server = make_server(StoreSource.from_files([ttl]), port=0)
>>> thread = start_in_thread(server)
>>> url = server.url + "sparql?" + urllib.parse.urlencode({"query": "SELECT ?l WHERE { ?z rdfs:label ?l }"})
>>> print(urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "text/csv"})).read().decode())
l\r
萍乡经济技术开发区\r
<BLANKLINE>
>>> server.shutdown(); server.server_close()
"""

from __future__ import annotations

import html
import ipaddress
import logging
import os
import shutil
import socket
import sys
import tempfile
import threading
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import KgError, OutputError, QueryError, QueryStopped
from .query import RESULT_FORMATS, Table, is_absolute_iri, saved_queries
from .query_pool import QueryPool, default_memory_limit

__all__ = ["make_server", "start_in_thread", "scratch_folder", "SparqlServer", "RESULT_TYPES"]

log = logging.getLogger("kg.serve")

#: Media types of SELECT / ASK results, by short format name.
RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
#: Other names clients use for the result types; they count only when an Accept header names them exactly.
_ALIASES = {"application/json": RESULT_TYPES["json"], "application/xml": RESULT_TYPES["xml"], "text/xml": RESULT_TYPES["xml"]}
_GRAPH_TYPES = ["application/n-triples", "text/turtle", "text/plain"]
#: Seconds a connection may stall (a request not finished, an answer not read) before it is closed.
SOCKET_TIMEOUT = 30.0
#: Answers are written in pieces this large, so that the socket timeout bounds a stall, not a slow transfer.
_PIECE = 1 << 16

_PAGE = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>ZoneKG SPARQL</title>
<style>
body {{ font: 14px/1.5 system-ui, sans-serif; margin: 1.5em; }}
textarea {{ width: 100%; height: 12em; font: 13px monospace; }}
table {{ border-collapse: collapse; margin-top: 1em; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }}
.error {{ color: #b00; white-space: pre-wrap; }} .note {{ color: #555; }}
</style></head><body>
<h1>ZoneKG SPARQL</h1>
<p class="note">Endpoint: <code>{endpoint}</code> (SPARQL 1.1 Protocol, read-only). Saved questions: {saved}</p>
<form method="get" action="/">
<textarea name="query" spellcheck="false">{query}</textarea><br>
<button type="submit">Run</button>
</form>
{result}
</body></html>
"""

_EXAMPLE = "SELECT ?class ?name WHERE {\n  ?e a ?class ; rdfs:label ?name .\n} LIMIT 20\n"


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server; its settings are attributes that the request handler reads."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # connections waiting to be accepted (socketserver's 5 drops bursts)

    def __init__(self, address, source, *, timeout: float, max_rows: int, max_request_bytes: int, workers: int,
                 socket_timeout: float = SOCKET_TIMEOUT, max_memory: int | None = None) -> None:
        host = address[0]
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.source = source
        self.query_timeout = timeout
        self.max_rows = max_rows
        self.max_request_bytes = max_request_bytes
        self.socket_timeout = socket_timeout
        self.pool: QueryPool | None = None
        self._copy: tempfile.TemporaryDirectory | None = None
        super().__init__(address, _Handler)  # binds; on failure it calls server_close
        try:
            # the query processes open a copy: a snapshot of a store on disk (so that every one of them
            # answers from the same store, even while kg build writes into the original), or a store in
            # memory put on disk
            self._copy = scratch_folder(near=source.path)
            path = source.copy_to(Path(self._copy.name) / "store").path
            self.pool = QueryPool(path, workers=workers, max_memory=max_memory)
        except OSError as err:
            self.server_close()
            raise OutputError(f"cannot make a temporary store for the query processes: {err.strerror or err}") from None
        except BaseException:
            self.server_close()
            raise
        try:
            self.loopback_only = ipaddress.ip_address(host).is_loopback
        except ValueError:
            self.loopback_only = host == "localhost"

    @property
    def url(self) -> str:
        """The base URL, ending in ``/``."""
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    def server_close(self) -> None:
        super().server_close()
        if self.pool is not None:
            self.pool.close()
        if self._copy is not None:
            self._copy.cleanup()
            self._copy = None

    def handle_error(self, request, client_address) -> None:
        """A client that went away is one log line, not a traceback."""
        err = sys.exc_info()[1]
        if isinstance(err, ConnectionError):
            log.info("%s closed the connection (%s)", client_address[0], type(err).__name__)
        else:
            super().handle_error(request, client_address)


_SCRATCH_PREFIX = "kg-serve-"


def scratch_folder(near: Path | None = None) -> tempfile.TemporaryDirectory:
    """A temporary folder for a served store, marked with this process's id; folders left by a server that
    was killed (its process gone) are removed first. It is in the system's temporary folder, or beside
    ``near`` (a store) when that is on another file system: a snapshot there would be a copy, not links."""
    where = Path(tempfile.gettempdir())
    if near is not None and os.stat(near).st_dev != os.stat(where).st_dev:
        where = Path(near).resolve().parent
    for old in where.glob(_SCRATCH_PREFIX + "*"):
        try:
            owner = int((old / "owner").read_text(encoding="ascii"))
            os.kill(owner, 0)
        except ProcessLookupError:
            shutil.rmtree(old, ignore_errors=True)
        except (OSError, ValueError):  # not ours to judge: no owner file, another user's
            continue
    folder = tempfile.TemporaryDirectory(prefix=_SCRATCH_PREFIX, dir=where)
    (Path(folder.name) / "owner").write_text(str(os.getpid()), encoding="ascii")
    return folder


def make_server(source, host: str = "127.0.0.1", port: int = 7878, *, timeout: float = 30.0, max_rows: int = 10000,
                max_request_bytes: int = 1 << 20, workers: int = 4, socket_timeout: float = SOCKET_TIMEOUT,
                max_memory: int | None = None) -> SparqlServer:
    """A server for ``source`` (a :class:`kg.store.StoreSource`) on ``host:port`` (port 0: any free one).

    Queries run in ``workers`` processes (:class:`kg.query_pool.QueryPool`), each with at most ``max_memory``
    bytes (default: :func:`kg.query_pool.default_memory_limit`), from a copy of the store in a temporary
    folder (:func:`scratch_folder`) that ``server_close`` removes. Raises :class:`kg.errors.OutputError` when it cannot
    listen there.
    """
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if not 0 <= port <= 65535:
        raise OutputError(f"cannot listen on {where}: a port is 0 to 65535")
    try:
        return SparqlServer((host, port), source, timeout=timeout, max_rows=max_rows,
                            max_request_bytes=max_request_bytes, workers=workers, socket_timeout=socket_timeout,
                            max_memory=max_memory if max_memory is not None else default_memory_limit(workers))
    except OSError as err:
        raise OutputError(f"cannot listen on {where}: {err.strerror or err}") from None


def start_in_thread(server: SparqlServer) -> threading.Thread:
    """Serve in a background thread (for tests and notebooks); stop with ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, name="kg-serve", daemon=True)
    thread.start()
    return thread


def _accepted(header: str | None) -> list[tuple[str, float]]:
    """Media ranges of an Accept header with their q, in the header's order (q=0 ones too: they refuse)."""
    if not header:
        return [("*/*", 1.0)]
    out = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = min(max(float(f[2:]), 0.0), 1.0)  # RFC 7231: 0 to 1
                except ValueError:
                    q = 0.0
        if fields[0]:
            out.append((fields[0].lower(), q))
    return out


def negotiate(header: str | None, offered: list[str], aliases: dict[str, str] | None = None) -> str | None:
    """The offered media type the Accept header likes best, or None (RFC 7231, section 5.3.2).

    A type takes the q of the most specific range that matches it (``text/csv`` over ``text/*`` over ``*/*``),
    and q=0 refuses it. Ties go to a type named exactly, then to the range named first, then to the order of
    ``offered``. ``aliases`` maps other names to offered types; an alias counts only when named exactly.

    >>> negotiate("text/csv;q=0.5, application/sparql-results+json", list(RESULT_TYPES.values()))
    'application/sparql-results+json'
    >>> negotiate("text/*;q=0.9, text/csv;q=0.1", list(RESULT_TYPES.values()))
    'text/tab-separated-values'
    >>> negotiate("text/html", ["text/csv"]) is None
    True
    """
    ranges = _accepted(header)
    best, best_key = None, None
    for i, kind in enumerate(offered):
        names = {a for a, k in (aliases or {}).items() if k == kind}
        match = None  # (specificity, -rank, q) of the most specific range, the first one among equals
        for rank, (media, q) in enumerate(ranges):
            if media == kind:
                specificity = 3
            elif media in names:
                specificity = 2
            elif media == kind.split("/")[0] + "/*":
                specificity = 1
            elif media == "*/*":
                specificity = 0
            else:
                continue
            if match is None or specificity > match[0]:
                match = (specificity, -rank, q)
        if match is None or not match[2] > 0:
            continue
        key = (match[2], match[0] >= 2, match[1], -i)
        if best_key is None or key > best_key:
            best, best_key = kind, key
    return best


def _params(text: str) -> dict[str, list[str]]:
    """The parameters of a query string or form; UnicodeDecodeError when a percent-encoded one is not UTF-8."""
    return urllib.parse.parse_qs(text, keep_blank_values=True, errors="strict")


def _bad_graph(params: dict[str, list[str]]) -> str | None:
    """Why a ``default-graph-uri`` or ``named-graph-uri`` cannot name a graph, or None when all can."""
    for name in ("default-graph-uri", "named-graph-uri"):
        for iri in params.get(name, []):
            if not is_absolute_iri(iri):
                shown = iri if len(iri) <= 80 else iri[:80] + "…"
                return f"{name} is not an absolute IRI: {shown!r}"
    return None


class _Handler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = "kg-serve"
    sys_version = ""
    # http.server's own errors (a bad request line, an unknown method) as one line of text, like ours
    error_message_format = "%(message)s: %(explain)s\n"
    error_content_type = "text/plain; charset=utf-8"

    def setup(self) -> None:
        self.timeout = self.server.socket_timeout  # read by StreamRequestHandler.setup
        super().setup()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the name BaseHTTPRequestHandler uses
        log.info("%s %s", self.address_string(), format % args)

    # --- plumbing ---

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            view = memoryview(body)
            for start in range(0, len(body), _PIECE):
                self.wfile.write(view[start:start + _PIECE])

    def _error(self, status: int, message: str, headers: dict | None = None) -> None:
        self._send(status, (message.strip() + "\n").encode("utf-8"), "text/plain; charset=utf-8", headers)

    def _host_ok(self) -> bool:
        if not self.server.loopback_only:
            return True
        host = self.headers.get("Host")
        if host is None:
            return True
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        name = name.strip("[]").lower()
        if name == "localhost":
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False

    def _check(self) -> bool:
        if not self._host_ok():
            self._error(HTTPStatus.FORBIDDEN, "this endpoint answers only requests to a loopback address")
            return False
        if len(self.path) > self.server.max_request_bytes:
            self._error(HTTPStatus.REQUEST_URI_TOO_LONG, "request too large")
            return False
        return True

    # --- methods ---

    def _target(self) -> tuple[str, dict[str, list[str]]] | None:
        """The path and the parameters of the request target, or None (and a 400 sent) when it is not UTF-8:
        http.server reads raw bytes in it as Latin-1, and percent-encoded ones must be UTF-8 too."""
        try:
            parts = urllib.parse.urlsplit(self.path.encode("latin-1").decode("utf-8"))
            return parts.path, _params(parts.query)
        except UnicodeError:
            self.close_connection = True  # a POST's body is left unread
            self._error(HTTPStatus.BAD_REQUEST, "the query string is not UTF-8 (percent-encoded bytes must be UTF-8)")
            return None

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if not self._check():
            return
        target = self._target()
        if target is None:
            return
        path, params = target
        if path in ("/", "/index.html"):
            self._page(params)
        elif path == "/sparql":
            if "update" in params:
                self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
            elif "query" not in params:
                if negotiate(self.headers.get("Accept"), ["text/html"]) and "html" in (self.headers.get("Accept") or ""):
                    self._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": "/"})
                else:
                    self._error(HTTPStatus.BAD_REQUEST, "give a query: /sparql?query=…")
            else:
                self._protocol(params)
        else:
            self._error(HTTPStatus.NOT_FOUND, "not found: the endpoint is /sparql, the page is /")

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        if not self._check():
            return
        target = self._target()
        if target is None:
            return
        path, params = target
        if path not in ("/sparql", "/"):
            self._error(HTTPStatus.NOT_FOUND, "not found: the endpoint is /sparql")
            return
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self._error(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length, not a chunked body")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._error(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length")
            return
        if length < 0 or length > self.server.max_request_bytes:
            self.close_connection = True
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                        f"request body too large ({length} bytes; at most {self.server.max_request_bytes})")
            return
        body = self.rfile.read(length)  # TimeoutError past socket_timeout: handle_one_request closes the connection
        if len(body) < length:
            self.close_connection = True
            self._error(HTTPStatus.BAD_REQUEST, f"the body ended after {len(body)} of its {length} bytes")
            return
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
            return
        if ctype == "application/x-www-form-urlencoded":
            try:
                form = _params(body.decode("utf-8"))
            except UnicodeDecodeError:
                self._error(HTTPStatus.BAD_REQUEST, "the form is not UTF-8")
                return
            if "update" in form:
                self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
                return
            for k, v in form.items():
                params.setdefault(k, []).extend(v)
        elif ctype == "application/sparql-query":
            try:
                params["query"] = [body.decode("utf-8")]
            except UnicodeDecodeError:
                self._error(HTTPStatus.BAD_REQUEST, "the query is not UTF-8")
                return
        else:
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                        "POST application/x-www-form-urlencoded (query=…) or application/sparql-query")
            return
        if "query" not in params:
            self._error(HTTPStatus.BAD_REQUEST, "give a query")
            return
        self._protocol(params)

    def _read_only(self) -> None:
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, "this endpoint is read-only", {"Allow": "GET, HEAD, POST"})

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _read_only  # noqa: N815

    # --- answering ---

    def _run(self, sparql: str, params: dict[str, list[str]], limit: int):
        """Run the query in a query process, within the time and memory limits."""
        return self.server.pool.run(sparql, timeout=self.server.query_timeout, limit=limit,
                                    default_graphs=params.get("default-graph-uri") or None,
                                    named_graphs=params.get("named-graph-uri") or None)

    def _protocol(self, params: dict[str, list[str]]) -> None:
        queries = params.get("query", [])
        if len(queries) != 1:
            self._error(HTTPStatus.BAD_REQUEST, "give exactly one query")
            return
        sparql = queries[0]
        fmt = (params.get("format") or [""])[0].lower()
        bad = _bad_graph(params)
        if bad:
            self._error(HTTPStatus.BAD_REQUEST, bad)
            return
        try:
            result = self._run(sparql, params, self.server.max_rows)
        except QueryError as err:
            status = HTTPStatus.SERVICE_UNAVAILABLE if isinstance(err, QueryStopped) else HTTPStatus.BAD_REQUEST
            self._error(status, str(err))
            return
        except KgError as err:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, str(err))
            return
        if isinstance(result, bytes):
            kind = negotiate(self.headers.get("Accept"), _GRAPH_TYPES)
            if kind is None:
                self._error(HTTPStatus.NOT_ACCEPTABLE, "graph results come as " + ", ".join(_GRAPH_TYPES))
                return
            headers = {"X-Result-Truncated": str(self.server.max_rows)} if getattr(result, "truncated", False) else {}
            self._send(HTTPStatus.OK, result, kind + "; charset=utf-8", headers)
            return
        if fmt in RESULT_TYPES:
            kind = RESULT_TYPES[fmt]
        else:
            kind = negotiate(self.headers.get("Accept"), list(RESULT_TYPES.values()), _ALIASES)
            if kind is None:
                self._error(HTTPStatus.NOT_ACCEPTABLE, "results come as " + ", ".join(RESULT_TYPES.values()))
                return
        name = next(k for k, v in RESULT_TYPES.items() if v == kind)
        body = RESULT_FORMATS[name](result)
        headers = {"X-Result-Truncated": str(self.server.max_rows)} if result.truncated else {}
        self._send(HTTPStatus.OK, body.encode("utf-8"), f"{RESULT_TYPES[name]}; charset=utf-8", headers)

    def _page(self, params: dict[str, list[str]]) -> None:
        saved = saved_queries()
        query = (params.get("query") or [""])[0]
        name = (params.get("saved") or [""])[0]
        if not query and name in saved:
            query = saved[name].text
        result = ""
        if query.strip() and not name:
            try:
                outcome = self._run(query, {}, self.server.max_rows)
                if isinstance(outcome, bytes):
                    result = f"<pre>{html.escape(outcome.decode('utf-8'))}</pre>"
                else:
                    result = _html_table(outcome, self.server.max_rows)
            except KgError as err:
                result = f'<p class="error">{html.escape(str(err))}</p>'
        links = ", ".join(f'<a href="/?saved={urllib.parse.quote(n)}" title="{html.escape(q.title, quote=True)}">'
                          f"{html.escape(n)}</a>" for n, q in saved.items())
        page = _PAGE.format(endpoint=html.escape(self.server.url + "sparql"), saved=links,
                            query=html.escape(query or _EXAMPLE), result=result)
        self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8", {
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                       "frame-ancestors 'none'",
            "Referrer-Policy": "no-referrer"})


def _html_table(table: Table, max_rows: int) -> str:
    if table.boolean is not None:
        return f"<p>ASK: <b>{'true' if table.boolean else 'false'}</b></p>"
    head = "".join(f"<th>{html.escape(v)}</th>" for v in table.variables)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape('' if t is None else str(t))}</td>" for t in row) + "</tr>"
                   for row in table.rows)
    n = len(table.rows)
    note = f"{n} row{'s' if n != 1 else ''}" + (f" (cut at the limit of {max_rows})" if table.truncated else "")
    return f'<p class="note">{note}</p><table><tr>{head}</tr>{rows}</table>'
