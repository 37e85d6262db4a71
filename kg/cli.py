"""The ``kg`` command: the only place that prints, and that maps errors to exit codes.

Exit codes: 0 success; 1 a check failed (``kg validate``) or an unexpected
error; 2 bad input (missing, empty, binary or unreadable files, bad graph or
gold files); 3 a broken package resource; 4 a bad SPARQL query; 5 an output
that cannot be written; 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from . import __version__
from .errors import KgError

__all__ = ["main"]


def _progress(total: int):
    """A tqdm progress bar on stderr for several documents, else nothing."""
    if total < 2 or not sys.stderr.isatty() and total < 2:
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="doc", file=sys.stderr, disable=total < 2, dynamic_ncols=True)

    def update(done: int, _total: int, path: Path) -> None:
        bar.set_postfix_str(path.name[:30], refresh=False)
        bar.update(1)
        if done == _total:
            bar.close()

    return update


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build, write_outputs
    from .ingest import find_articles

    files = find_articles(args.inputs)
    result = build(files, date=args.date, progress=_progress(len(files)))
    paths = write_outputs(result, args.output)
    r = result.report
    print(f"built {len(result.documents)} document(s): {r['entities']} entities, {r['relations']} relations, "
          f"{r['indicators']} indicators, {r['triples']} triples in {r['seconds']:.2f} s")
    for p in paths.values():
        print(f"  {p}")
    return 0


def _read_query(args: argparse.Namespace) -> str:
    from .errors import QueryError

    if args.file:
        try:
            return Path(args.file).read_text(encoding="utf-8")
        except OSError as err:
            raise QueryError(f"{args.file}: cannot read query ({err.strerror})") from None
    if not args.sparql:
        raise QueryError("give a SPARQL query or -f FILE.rq")
    return args.sparql


def cmd_query(args: argparse.Namespace) -> int:
    from .query import format_csv, format_json, format_table, run_query
    from .rdf import load_rdf

    sparql = _read_query(args)
    g = load_rdf(args.data)
    table = run_query(g, sparql)
    if args.format == "csv":
        sys.stdout.write(format_csv(table))
    elif args.format == "tsv":
        sys.stdout.write(format_csv(table, delimiter="\t"))
    elif args.format == "json":
        print(format_json(table))
    else:
        print(format_table(table))
        print(f"({len(table.rows)} row{'s' if len(table.rows) != 1 else ''})", file=sys.stderr)
    return 0


def cmd_view(args: argparse.Namespace) -> int:
    from .files import write_atomic
    from .rdf import graph_from_rdf, load_rdf
    from .view import render_html

    G = graph_from_rdf(load_rdf([args.graph]))
    out = Path(args.output) if args.output else Path(args.graph).with_suffix(".html")
    write_atomic(out, render_html(G))
    entities = sum(1 for _, d in G.nodes(data=True) if d.get("kind") == "entity")
    print(f"wrote {out} ({entities} entities)")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import json

    from rdflib import Graph

    from .evaluate import format_scores, load_gold, score
    from .rdf import load_rdf

    golds = [load_gold(p) for p in args.gold]
    if args.graph:
        graphs = [load_rdf([args.graph])] * len(golds)
    else:
        from .build import build
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
                       description="Extract entities, relations and figures from articles (.txt, .md; files or "
                                   "folders) and write DIR/graph.ttl, DIR/graph.html and DIR/report.json.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="article files or folders")
    p.add_argument("-o", "--output", default="output", metavar="DIR", help="output folder (default: output/)")
    p.add_argument("--date", help="document date (YYYY-MM-DD) to anchor relative periods such as 今年")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("query", help="run a SPARQL query over graph files",
                       description="Run a SPARQL SELECT or ASK query over graph files and print the result. "
                                   "The prefixes zkg:, zkgr:, rdf:, rdfs:, skos:, prov:, dcterms:, xsd: are predefined.")
    p.add_argument("sparql", nargs="?", help="the query text")
    p.add_argument("-f", "--file", metavar="FILE.rq", help="read the query from a file")
    p.add_argument("--data", nargs="+", required=True, metavar="GRAPH", help="graph files (.ttl, .nt, .jsonld …)")
    p.add_argument("--format", choices=("table", "csv", "tsv", "json"), default="table",
                   help="output format (json = SPARQL 1.1 results JSON)")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("view", help="render a graph file as an interactive HTML page",
                       description="Render a graph in the ZoneKG vocabulary as one self-contained HTML page "
                                   "that works offline.")
    p.add_argument("graph", metavar="GRAPH", help="graph file (.ttl, .nt, .jsonld …)")
    p.add_argument("-o", "--output", metavar="FILE.html", help="output page (default: GRAPH with .html)")
    p.set_defaults(func=cmd_view)

    p = sub.add_parser("eval", help="score extraction against gold annotations",
                       description="Score articles (built on the fly) or a graph file against gold JSON files: "
                                   "precision, recall and F1 for entities, relations, indicators and overall.")
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="article files, one per gold file, in order")
    p.add_argument("--gold", nargs="+", required=True, metavar="GOLD.json", help="gold annotation files")
    p.add_argument("--graph", metavar="GRAPH", help="score this graph file instead of building the inputs")
    p.add_argument("--verbose", action="store_true", help="list false positives and misses")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if args.command == "eval" and not args.graph and not args.inputs:
        parser.error("eval needs INPUT files or --graph GRAPH")
    try:
        return args.func(args)
    except KgError as err:
        if args.debug:
            traceback.print_exc()
        print(f"kg: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("kg: interrupted; earlier outputs are left as they were", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # a bug: one line, and the traceback with --debug
        if args.debug:
            traceback.print_exc()
        print(f"kg: internal error: {type(err).__name__}: {err} (run with --debug for the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
