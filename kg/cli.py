"""The ``kg`` command: the only place that prints, and that maps errors to exit codes.

Exit codes (:data:`kg.errors.EXIT_CODES`): 0 success; 1 a check failed
(``kg validate``) or an unexpected error; 2 bad input (missing, empty, binary or
unreadable files, bad graph, gold or store); 3 a broken package resource; 4 a
bad SPARQL query; 5 an output that cannot be written; 6 a remote endpoint that
cannot be reached or refuses; 7 built, but some inputs were skipped; 130
interrupted (Ctrl-C); 143 stopped by SIGTERM.

Every problem is one line on stderr naming the file and the problem;
``--verbose`` adds the detail, ``--debug`` the traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from pathlib import Path

from . import __version__
from .errors import KgError

__all__ = ["main"]


def _progress(total: int):
    """A tqdm progress bar on stderr for several documents, else nothing."""
    if total < 2 or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="doc", file=sys.stderr, disable=total < 2, dynamic_ncols=True)

    def update(done: int, _total: int, path: Path) -> None:
        bar.set_postfix_str(path.name[:30], refresh=False)
        bar.update(1)
        if done == _total:
            bar.close()

    return update


def _stage(total: int):
    """What the long steps after extraction are doing, a line each on stderr (as the progress bar: for
    several documents, on a terminal), else nothing."""
    if total < 2 or not sys.stderr.isatty():
        return None

    def say(text: str) -> None:
        print(f"kg: {text} …", file=sys.stderr, flush=True)

    return say


def _warn_skipped(args: argparse.Namespace, skipped) -> None:
    """One line per skipped input; the detail with --verbose, the traceback with --debug."""
    print(f"kg: warning: skipped {skipped}", file=sys.stderr)
    if getattr(args, "verbose", False) and skipped.detail:
        for line in skipped.detail.splitlines():
            print(f"  {line}", file=sys.stderr)
    if getattr(args, "debug", False) and skipped.error is not None:
        traceback.print_exception(skipped.error, file=sys.stderr)


def cmd_build(args: argparse.Namespace) -> int:
    from .builder import build, read_aliases, write_outputs
    from .errors import EXIT_SKIPPED
    from .ingest import find_articles

    aliases = read_aliases(args.aliases) if args.aliases else None
    if getattr(args, "store", None) and Path(args.store).exists():
        from .store import open_for_writing

        open_for_writing(args.store)  # before a long build: a locked, damaged or foreign folder fails now
    count = len(find_articles(args.inputs, on_skip=lambda _: None))
    from .parallel import make_engine

    with make_engine(args.engine, workers=args.workers, scheduler=args.scheduler) as engine:
        stage = _stage(count)
        result = build(args.inputs, date=args.date, progress=_progress(count), aliases=aliases, engine=engine,
                       store=getattr(args, "store", None), prune=args.prune, validate=args.validate, stage=stage)
        nquads = _document_nquads(result, Path(args.output) / "nquads", engine) if args.engine == "dask" else None
    for skipped in result.skipped:
        _warn_skipped(args, skipped)
    if stage:
        stage(f"writing {', '.join(args.formats)}, the view and the report into {args.output}")
    paths = write_outputs(result, args.output, formats=args.formats)
    r = result.report
    print(f"built {len(result.documents)} document(s): {r['entities']} entities, {r['relations']} relations, "
          f"{r['indicators']} indicators, {r['triples']} triples in {r['seconds']:.2f} s")
    v = r.get("validation")
    if v and "skipped" in v:
        print(f"not checked against the shapes ({v['skipped']}): run kg validate {paths.get('graph.ttl', args.output)}"
              " or build with --validate")
    elif v and v["conforms"]:
        print(f"valid: the graph conforms to the ZoneKG shapes (checked in {v['seconds']:.2f} s)")
    elif v:
        print(f"kg: warning: {v['violations']} SHACL violation(s) of {len(v['by_shape'])} shape(s); see "
              f"{paths['report.json']} or run kg validate", file=sys.stderr)
    if r.get("duplicates_skipped"):
        print(f"left out {len(r['duplicates_skipped'])} duplicate(s), the same content as another input: "
              + ", ".join(r["duplicates_skipped"]))
    for p in paths.values():
        print(f"  {p}")
    if nquads is not None:
        print(f"  {nquads} (one N-Quads file per document, for kg push)")
    _extraction_summary(result.report)
    if getattr(args, "store", None):
        from .builder import write_store_update

        if stage:
            stage(f"writing the store {args.store}")
        written = write_store_update(result)
        st = r["store"]
        print(f"stored {sum(written.values())} triples in {len(written)} named graph(s) of {args.store} "
              f"({st['graphs_unchanged']} unchanged, {st['graphs_dropped']} dropped; {st['documents']} document(s) "
              f"in the store, {st['kept_from_earlier_builds']} of them from earlier builds"
              + (f", {st['removed']} removed" if st["removed"] else "") + ")")
    if _LEFT_TO_EXIT is not None:
        _LEFT_TO_EXIT.append(result)
    if result.skipped:
        print(f"kg: warning: {len(result.skipped)} input(s) skipped, listed under \"skipped\" in {paths['report.json']}",
              file=sys.stderr)
        return EXIT_SKIPPED
    return 0


def _document_nquads(result, folder: Path, engine) -> Path:
    """Per-document N-Quads of the merged corpus, made by the engine's workers."""
    from .parallel import write_document_nquads

    write_document_nquads(result.documents, folder, engine)
    return folder


def _extraction_summary(report: dict) -> None:
    """One line: documents extracted and reused, the rate, the workers."""
    x = report.get("extraction")
    if not x:
        return
    rate = (f" in {x['seconds']:.1f} s ({x['documents_per_second']:.1f} documents/s, {x['megabytes_per_second']:.2f} MB/s)"
            if x["extracted"] else "")
    print(f"extracted {x['extracted']} document(s){rate}, reused {x['reused']} from the store, removed {x['removed']}; "
          f"{x['workers']} {x['engine']} worker(s)")


def _read_query(args: argparse.Namespace) -> str:
    from .errors import InputError, QueryError

    if args.file:  # a file that cannot be read is bad input (exit 2), as an article or a graph would be
        try:
            return Path(args.file).read_text(encoding="utf-8-sig")  # a byte-order mark (Notepad's) is no query text
        except OSError as err:
            raise InputError(f"{args.file}: cannot read query ({err.strerror})") from None
        except UnicodeDecodeError as err:
            raise InputError(f"{args.file}: not a query: not UTF-8 text (byte {err.object[err.start]:#04x} at offset "
                             f"{err.start})") from None
    if not args.sparql:
        raise QueryError("give a SPARQL query or -f FILE.rq")
    return args.sparql


def _query_source(args: argparse.Namespace):
    """The source ``kg query`` / ``kg serve`` read: graph files, the embedded store or an endpoint."""
    if getattr(args, "endpoint", None):
        from .remote import EndpointSource

        return EndpointSource(args.endpoint, user=args.user, password=_password(args), timeout=args.timeout)
    if args.store:
        from .store import StoreSource

        return StoreSource.open(args.store)
    from .query import GraphSource
    from .rdf import load_rdf

    return GraphSource(load_rdf(args.data), name=", ".join(args.data))


def _password(args: argparse.Namespace) -> str | None:
    """The endpoint's password: ``--password``, else ``$KG_ENDPOINT_PASSWORD`` (which no process list shows)."""
    return args.password if args.password is not None else os.environ.get("KG_ENDPOINT_PASSWORD")


def _params(pairs: list[str]) -> dict[str, str]:
    from .errors import QueryError

    out = {}
    for pair in pairs or []:
        name, eq, value = pair.partition("=")
        if not eq or not name.strip():
            raise QueryError(f"--param wants NAME=VALUE, not {pair!r}")
        if name.strip() in out:
            raise QueryError(f"--param {name.strip()} is given twice")
        out[name.strip()] = value
    return out


def _list_saved() -> int:
    from .query import Table, format_table, saved_queries

    rows = [(q.name, " ".join(f"{p.name}=" + ("…" if p.default is None else p.default) for p in q.params), q.title)
            for q in saved_queries().values()]
    print(format_table(Table(["name", "parameters", "answers"], rows)))
    return 0


def _interruptible(work):
    """``work()``, run in a thread so that Ctrl-C stops the waiting at once: Oxigraph does not come back to
    Python while it loads a file, and Python acts on a signal only when it does (``kg serve --data`` went on
    loading for as long as the load took). Not a forked process (:func:`kg.processes.run_forked`): a store
    is written here, and a fork from a process whose RocksDB threads hold locks can hang."""
    import threading

    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as err:  # noqa: BLE001 - handed to the main thread, which raises it
            outcome["error"] = err

    thread = threading.Thread(target=run, name="kg-load", daemon=True)  # left behind on Ctrl-C
    thread.start()
    while thread.is_alive():
        thread.join(0.1)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _engine_failure(died) -> KgError:
    r"""What to tell of a store query whose process ended without answering (:class:`~kg.errors.WorkerDied`):
    Oxigraph's panic, in one line and what to do about it, or how the process ended.

    >>> from kg.errors import WorkerDied
    >>> print(_engine_failure(WorkerDied("…", signal=6, stderr="thread '<unnamed>' panicked at smallsort.rs:854:5:\n"
    ...       "user-provided comparison function does not correctly implement a total order\nstack backtrace: …")))
    ... # doctest: +ELLIPSIS
    the store's engine (Oxigraph) failed on this query and stopped: "user-provided ... total order"; ... STR(?x), not ?x
    """
    from .errors import QueryError

    if died.signal == signal.SIGKILL:
        return KgError("the query's process was killed (SIGKILL), as the system does when memory runs out")
    if died.signal != signal.SIGABRT:
        from .processes import how_it_ended

        how = f" ({how_it_ended(-died.signal)})" if died.signal else ""
        return KgError(f"the query's process ended without answering{how}", detail=died.stderr.strip() or None)
    lines = died.stderr.splitlines()
    said = next((lines[i + 1].strip() for i, line in enumerate(lines[:-1]) if " panicked at " in line), "")
    message = "the store's engine (Oxigraph) failed on this query and stopped"
    if said:
        message += f': "{said[:200]}"'
    if "total order" in said:
        message += "; it cannot sort values of mixed kinds (numbers and text) together: sort by STR(?x), not ?x"
    return QueryError(message, detail=died.stderr.strip() or None)


#: the format of ``kg query -o FILE`` when ``--format`` does not say
_FORMAT_OF_SUFFIX = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json", ".srj": "json"}


def cmd_query(args: argparse.Namespace) -> int:
    from .errors import QueryError
    from .query import RESULT_FORMATS, run_own, run_saved

    if args.list:
        return _list_saved()
    if not (args.data or args.store or args.endpoint):
        raise QueryError("say where to query: --data GRAPH …, --store DIR or --endpoint URL")
    if args.saved and (args.sparql or args.file):
        raise QueryError("give either --saved NAME or a query, not both")
    sparql = None if args.saved else _read_query(args)
    params = _params(args.param)
    output = None if args.output in (None, "-") else args.output  # "-": standard output, as in most tools
    form = args.format or (_FORMAT_OF_SUFFIX.get(Path(output).suffix.lower(), "table") if output else "table")

    def answer() -> tuple[str, int, list[str]]:
        """The answer as it is printed (text, from a child process, goes back faster than rdflib terms)."""
        source = _query_source(args)
        try:
            table = run_saved(source, args.saved, params) if args.saved else run_own(source, sparql, params)
        finally:
            source.close()
        text = RESULT_FORMATS[form](table)
        return text if text.endswith("\n") else text + "\n", len(table.rows), table.notes

    if args.store:  # in a process of its own: Oxigraph can abort the process it runs in
        from .errors import WorkerDied
        from .processes import run_forked

        try:
            text, rows, notes = run_forked(answer)
        except WorkerDied as died:
            raise _engine_failure(died) from None
    else:
        text, rows, notes = answer()
    counted = f"{rows} row{'s' if rows != 1 else ''}"
    if output:
        from .files import write_atomic

        write_atomic(output, text)
        print(f"wrote {output} ({counted}, {form})")
    else:
        sys.stdout.write(text)
        if form == "table":
            sys.stdout.flush()
            print(f"({counted})", file=sys.stderr)
    for note in notes:
        print(f"kg: note: {note}", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import scratch_folder
    from .store import StoreSource

    if args.store:
        return _serve(StoreSource.open(args.store), args)
    with scratch_folder() as scratch:  # on disk, where every query process can open it
        source = _interruptible(lambda: StoreSource.from_files(args.data, folder=Path(scratch) / "store"))
        return _serve(source, args)


def _serve(source, args: argparse.Namespace) -> int:
    import logging

    from .serve import make_server

    server = make_server(source, args.host, args.port, timeout=args.timeout, max_rows=args.max_rows,
                         max_request_bytes=args.max_request_bytes, workers=args.workers,
                         max_memory=args.max_memory << 20 if args.max_memory else None)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    print(f"serving {source.name} at {server.url}sparql (a page to try queries at {server.url}); Ctrl-C stops",
          flush=True)
    if not server.loopback_only:
        print("kg: warning: listening beyond this machine; anyone who reaches it can query the data", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    from .errors import InputError
    from .rdf import load_rdf
    from .remote import prune, push

    password = _password(args)

    def say(p) -> None:  # as each graph is written, so that a push cut short shows how far it came
        print(f"  {p.graph}: {p.triples} triples (HTTP {p.status})", flush=True)

    if args.prune and (args.graph or not args.sparql):
        raise InputError("--prune needs --sparql URL (the query endpoint that lists the documents there), "
                         "and works on documents' graphs, not with --graph")
    # with --prune the push holds every document, so what they share replaces what earlier pushes left
    pushed = push(load_rdf(args.graphs), args.endpoint, graph=args.graph, user=args.user, password=password,
                  timeout=args.timeout, progress=say, replace_shared=args.prune)
    print(f"pushed {sum(p.triples for p in pushed)} triples into {len(pushed)} named graph(s) at {args.endpoint}")
    if args.prune:
        removed = prune(pushed, args.endpoint, args.sparql, user=args.user, password=password, timeout=args.timeout)
        for graph in removed:
            print(f"  deleted {graph}")
        print(f"deleted {len(removed)} document graph(s) that this push did not write")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .rdf import load_rdf
    from .validate import validate

    report = validate(load_rdf(args.graphs))
    print(report.format(", ".join(args.graphs)))
    return 0 if report.conforms else 1


def _formats(value: str) -> list[str]:
    from .serialise import FORMATS

    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown format {', '.join(unknown) or repr(value)} "
                                         f"(choose from {','.join(FORMATS)})")
    return names


def cmd_view(args: argparse.Namespace) -> int:
    from .files import write_atomic
    from .rdf import graph_from_rdf, load_rdf
    from .view import render_view

    G = graph_from_rdf(load_rdf([args.graph]))
    out = Path(args.output) if args.output else Path(args.graph).with_suffix(".html")
    view = render_view(G, indicators=args.indicators, max_nodes=args.max_nodes, layout=args.layout)
    write_atomic(out, view.html)
    print(f"wrote {out} ({view.nodes} nodes, {view.edges} edges, {view.layout} layout)")
    if view.left_out:
        print(view.left_out_summary())
    if not G.number_of_nodes():
        print(f"kg: warning: {args.graph}: nothing in the ZoneKG vocabulary in this graph, so the page is empty",
              file=sys.stderr)
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 86400:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds and at most a day (86400): {text!r}")
    return value


def cmd_eval(args: argparse.Namespace) -> int:
    import json

    from rdflib import Graph

    from .evaluate import format_scores, load_gold, score
    from .rdf import load_rdf

    golds = [load_gold(p) for p in args.gold]
    if args.graph:
        graphs = [load_rdf([args.graph])] * len(golds)
    else:
        from .builder import build
        from .ingest import find_articles

        files = find_articles(args.inputs)
        if len(files) != len(golds):
            from .errors import InputError

            raise InputError(f"{len(golds)} gold file(s) but {len(files)} article(s): give one gold file per article, "
                             "in the same order")
        graphs = []
        for f in files:
            # round-trip through Turtle so the order of nodes is the one any reader of graph.ttl sees
            g = Graph()
            g.parse(data=build([f]).graph.serialize(format="turtle"), format="turtle")
            graphs.append(g)
    results = [score(g, gold) for g, gold in zip(graphs, golds)]
    if args.json:
        print(json.dumps(results[0] if len(results) == 1 else results, ensure_ascii=False, indent=1))
        return 0
    for path, res in zip(args.gold, results):
        if len(results) > 1:
            print(f"== {path}")
        print(format_scores(res, verbose=args.verbose))
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Build knowledge graphs from Chinese articles about development zones, and query them.",
    )
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    parser.add_argument("--verbose", action="store_true", help="more detail in error messages")
    parser.add_argument("--debug", action="store_true", help="show the traceback of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("build", help="extract a graph from articles",
                       description="Extract entities, relations and figures from articles (.txt, .md, .html, .docx, "
                                   ".pdf; files, folders, globs such as 'news/**/*.html' or @LIST files) and write "
                                   "DIR/graph.ttl (or the --formats asked for), DIR/graph.html, DIR/report.json and "
                                   "DIR/merges.csv; a graph of up to 100,000 triples is checked against the SHACL "
                                   "shapes (see --validate).")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="article files, folders, globs ('news/**/*.html', quoted) or @LIST (a file naming one input a line)")
    p.add_argument("-o", "--output", default="output", metavar="DIR", help="output folder (default: output/)")
    p.add_argument("--date", help="document date (YYYY-MM-DD) to anchor relative periods such as 今年")
    p.add_argument("--aliases", metavar="FILE", help="alias file: 'surface,canonical' per line, to override how names "
                                                     "are merged (see merges.csv)")
    p.add_argument("--formats", type=_formats, default=["ttl"], metavar="LIST",
                   help="graph formats to write, comma-separated: ttl (default), nt, nq, trig, jsonld, xml, graphml, csv")
    p.add_argument("--store", metavar="DIR", help="also write the graph into the embedded store in DIR, one named "
                                                  "graph per document (replacing earlier builds of the same articles); "
                                                  "files unchanged since an earlier build are not extracted again")
    p.add_argument("--prune", action="store_true", help="with --store: drop the documents of files that are not among "
                                                        "the inputs (removed files)")
    p.add_argument("--workers", type=_positive_int, default=None, metavar="N",
                   help="extract with N processes (default: all cores); with --engine dask, the size of a local cluster")
    p.add_argument("--validate", action=argparse.BooleanOptionalAction, default=None,
                   help="check the graph against the SHACL shapes (default: graphs of up to 100,000 triples; pySHACL "
                        "takes about a minute for 500,000)")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local processes (default) or a Dask cluster (pip install 'zonekg[dask]'), which also writes "
                        "DIR/nquads/, one N-Quads file per document")
    p.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: the scheduler (tcp://host:8786); "
                                                          "default: a local cluster of --workers processes")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("query", help="run a SPARQL query or a saved question",
                       description="Run a SPARQL SELECT or ASK query, or a saved question (--saved NAME; --list "
                                   "shows them), over graph files, the embedded store or a SPARQL endpoint, and print "
                                   "the result. The prefixes zkg:, zkgr:, rdf:, rdfs:, skos:, prov:, dcterms:, xsd: "
                                   "are predefined.")
    p.add_argument("sparql", nargs="?", help="the query text")
    p.add_argument("-f", "--file", metavar="FILE.rq", help="read the query from a file")
    p.add_argument("--saved", metavar="NAME", help="run a saved question shipped with kg (see --list)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="a parameter of the saved question (repeatable), e.g. zone=萍乡经济技术开发区; with a query "
                        "of your own it binds ?NAME to the text, to an IRI written <…> or zkgr:…, or to a literal "
                        "written as in SPARQL: '\"京东集团\"@zh', '\"3\"^^xsd:integer'")
    p.add_argument("--list", action="store_true", help="list the saved questions and their parameters")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--data", nargs="+", metavar="GRAPH", help="graph files (.ttl, .nt, .jsonld …)")
    where.add_argument("--store", metavar="DIR", help="the embedded store written by kg build --store DIR")
    where.add_argument("--endpoint", metavar="URL", help="a SPARQL endpoint, e.g. http://127.0.0.1:8890/sparql")
    p.add_argument("--user", help="user name for the endpoint (basic or digest authentication)")
    p.add_argument("--password", help="password for the endpoint (default: $KG_ENDPOINT_PASSWORD)")
    p.add_argument("--timeout", type=_positive_seconds, default=60.0, metavar="SECONDS",
                   help="time to wait for the endpoint's answer (default: 60)")
    p.add_argument("--format", choices=("table", "csv", "tsv", "json"),
                   help="output format: table (the default), or csv, tsv, json (SPARQL 1.1 results formats); "
                        "with -o, the file's extension unless this says")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the answer to FILE (.csv, .tsv, .json or a table; - is standard output); FILE is "
                        "replaced only once the whole answer is there, so a query that fails leaves it as it was")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("serve", help="answer SPARQL over HTTP (read-only endpoint and a query page)",
                       description="Serve graph files or the embedded store as a read-only SPARQL 1.1 Protocol "
                                   "endpoint at /sparql (GET and POST; results as JSON, XML, CSV or TSV by content "
                                   "negotiation) with a page to try queries at /.")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--data", nargs="+", metavar="GRAPH",
                       help="graph files, loaded into a temporary store on disk (removed when the server stops)")
    where.add_argument("--store", metavar="DIR", help="the embedded store written by kg build --store DIR, served "
                                                       "as it is when the server starts (a snapshot)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=7878, help="port (default: 7878; 0 picks a free one)")
    p.add_argument("--timeout", type=_positive_seconds, default=30.0, metavar="SECONDS",
                   help="time limit per query; past it the query's process is ended (default: 30)")
    p.add_argument("--max-rows", type=_positive_int, default=10000, metavar="N", help="most rows per answer (default: 10000)")
    p.add_argument("--max-request-bytes", type=_positive_int, default=1 << 20, metavar="N",
                   help="largest request accepted (default: 1 MiB)")
    p.add_argument("--workers", type=_positive_int, default=4, metavar="N",
                   help="query processes, so this many queries at once (default: 4)")
    p.add_argument("--max-memory", type=_positive_int, metavar="MB",
                   help="memory one query process may use before its query is stopped (default: the machine's "
                        "memory divided by workers + 1)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("push", help="load a graph into a remote triple store",
                       description="Load graph files into a triple store with the SPARQL 1.1 Graph Store HTTP "
                                   "Protocol: one named graph per document (the document's IRI), or one graph "
                                   "with --graph; each push replaces those graphs, so pushing again is harmless.")
    p.add_argument("graphs", nargs="+", metavar="GRAPH", help="graph files (.ttl, .nt, .jsonld …)")
    p.add_argument("--endpoint", required=True, metavar="URL",
                   help="the graph store, e.g. http://127.0.0.1:8890/sparql-graph-crud-auth for Virtuoso")
    p.add_argument("--graph", metavar="IRI", help="put everything into this one named graph")
    p.add_argument("--user", help="user name (basic or digest authentication)")
    p.add_argument("--password", help="password (default: $KG_ENDPOINT_PASSWORD)")
    p.add_argument("--timeout", type=_positive_seconds, default=300.0, metavar="SECONDS",
                   help="time to wait for each request (default: 300)")
    p.add_argument("--prune", action="store_true",
                   help="then delete every document graph there that this push did not write (documents no longer "
                        "among the inputs, old versions of edited articles), and replace the shared graph (names, "
                        "types) instead of adding to it; needs --sparql")
    p.add_argument("--sparql", metavar="URL", help="the store's query endpoint, for --prune "
                                                  "(Virtuoso: http://127.0.0.1:8890/sparql)")
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("validate", help="check graph files against the ZoneKG SHACL shapes",
                       description="Check graph files (.ttl, .nt, .nq, .trig, .jsonld, .rdf) against the ZoneKG SHACL "
                                   "shapes and print the violations grouped by shape. Exit code 0: the graph "
                                   "conforms; 1: it does not; 2: a file cannot be read.")
    p.add_argument("graphs", nargs="+", metavar="GRAPH", help="graph files (read together as one graph)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("view", help="render a graph file as an interactive HTML page",
                       description="Render a graph in the ZoneKG vocabulary as one self-contained HTML page "
                                   "that works offline.")
    p.add_argument("graph", metavar="GRAPH", help="graph file (.ttl, .nt, .jsonld …)")
    p.add_argument("-o", "--output", metavar="FILE.html", help="output page (default: GRAPH with .html)")
    p.add_argument("--indicators", choices=("panel", "nodes"), default="panel",
                   help="show figures in the side panel (default) or draw them as nodes")
    p.add_argument("--max-nodes", type=_positive_int, metavar="N",
                   help="keep the N best-connected nodes and say what was left out")
    p.add_argument("--layout", choices=("auto", "physics", "precomputed"), default="auto",
                   help="physics (settles, then freezes) or positions computed in Python; auto: physics up to 300 nodes")
    p.set_defaults(func=cmd_view)

    p = sub.add_parser("eval", help="score extraction against gold annotations",
                       description="Score articles (built on the fly) or a graph file against gold JSON files: "
                                   "precision, recall and F1 for entities, relations, indicators and overall.")
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="article files, one per gold file, in order")
    p.add_argument("--gold", nargs="+", required=True, metavar="GOLD.json", help="gold annotation files")
    p.add_argument("--graph", metavar="GRAPH", help="score this graph file instead of building the inputs")
    p.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help="list false positives and misses")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(func=cmd_eval)
    for command in sub.choices.values():  # also after the command: kg build … --debug
        if command is not p:
            command.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                                 help="more detail in error messages")
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="show the traceback of errors")
    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that ``finally`` blocks and temporary files are cleaned up."""


def _terminate(signum, frame) -> None:
    raise _Terminated


#: with :func:`run`, what a command made is left here for the end of the process to drop
_LEFT_TO_EXIT: list | None = None


def run() -> None:
    """The ``kg`` command: :func:`main`, then the end of the process without freeing what the command
    made one object at a time (the graph of 10,000 articles is some 30 million objects: 4 s)."""
    global _LEFT_TO_EXIT
    _LEFT_TO_EXIT = []
    if sys.stderr is None:  # started with standard error closed: errors go nowhere, as asked
        sys.stderr = open(os.devnull, "w", encoding="utf-8")
    code = main()
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        pass
    except OSError as err:
        from .errors import OutputError

        print(f"kg: error: cannot write the output ({err.strerror})", file=sys.stderr)
        code = code or OutputError.exit_code
    sys.stderr.flush()
    os._exit(code)


def _output_failed(err: BaseException) -> bool:
    """Whether ``err`` is a write to standard output that failed: a full disk or a device error, with no file
    named (kg's own files are written through :mod:`kg.files`, which names them)."""
    import errno

    return (isinstance(err, OSError) and err.filename is None
            and err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO))


def main(argv: list[str] | None = None) -> int:
    import logging

    # rdflib logs an ill-typed literal ("abc"^^xsd:integer) as a warning with its traceback; kg says what is
    # wrong in one line of its own where it matters
    logging.getLogger("rdflib").setLevel(logging.ERROR)
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if args.command == "eval" and not args.graph and not args.inputs:
        parser.error("eval needs INPUT files or --graph GRAPH")
    from .errors import EXIT_INTERRUPTED, EXIT_TERMINATED, OutputError, QueryError

    if sys.stdout is None:  # started with standard output closed (>&-): Python has none to give
        if args.command != "serve":  # what the other commands print is what they are run for
            print("kg: error: cannot write the output (standard output is closed)", file=sys.stderr)
            return OutputError.exit_code
        sys.stdout = open(os.devnull, "w", encoding="utf-8")

    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread
        previous = None
    try:
        return args.func(args)
    except KgError as err:
        for skipped in getattr(err, "skipped", ()):
            _warn_skipped(args, skipped)
        if args.debug:
            traceback.print_exc()
        message = str(err)
        if isinstance(err, QueryError) and getattr(args, "file", None) and message.startswith("SPARQL"):
            message = f"{args.file}: {message}"
        print(f"kg: error: {message}", file=sys.stderr)
        if args.verbose and err.detail and not getattr(err, "skipped", None):
            for line in err.detail.splitlines():
                print(f"  {line}", file=sys.stderr)
        return err.exit_code
    except _Terminated:
        print("kg: stopped (SIGTERM); earlier outputs are left as they were", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("kg: interrupted; earlier outputs are left as they were", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as err:  # a bug: one line, and the traceback with --debug
        if args.debug:
            traceback.print_exc()
        if _output_failed(err):  # standard output on a full disk: kg's own files say which file
            print(f"kg: error: cannot write the output ({err.strerror})", file=sys.stderr)
            return OutputError.exit_code
        first = str(err).strip().splitlines()[0][:300] if str(err).strip() else ""
        print(f"kg: internal error: {type(err).__name__}: {first} (run with --debug for the traceback)",
              file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    run()
