"""The SPARQL endpoint under load: concurrent queries on loopback, throughput, latency, wrong answers.

Usage: python benchmarks/serve_load.py [--threads 4] [--queries 200] [--copies 10] [--store]

Builds the sample article and ``--copies`` variants of it (numbers changed, so each is a document of its
own), starts ``kg serve`` on 127.0.0.1 in a separate process (``--store``: from the embedded store
instead of the graph file), and sends ``--threads`` × ``--queries`` SPARQL queries over HTTP: a mix of
lookups, joins, aggregates, ASK, CONSTRUCT and a bad query, in JSON, CSV and N-Triples. Every answer is
checked against the answer rdflib gives on the same graph file (an independent engine), so a mixed-up,
cut or corrupted answer under concurrency counts as wrong. Prints throughput, latency percentiles, and
the count of failed and wrong answers (both must be 0; the exit status is 1 otherwise).

The queries ask for distinct rows: the store's default graph is the union of one graph per document,
where a relation stated by two articles is in both graphs (SPARQL counts it twice), the file holds it once.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES: dict[str, tuple[str, str]] = {
    # name: (query, how the answer comes back: json | csv | ntriples | error)
    "count": ("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }", "json"),
    "enterprises": ("SELECT DISTINCT ?name WHERE { ?e a zkg:Enterprise ; rdfs:label ?name } ORDER BY ?name", "json"),
    "zone-figures": ("SELECT DISTINCT ?zone ?measure ?value ?unit WHERE { ?z a zkg:DevelopmentZone ; rdfs:label ?zone ; "
                     "zkg:hasIndicator ?i . ?i zkg:measure ?measure ; zkg:value ?value ; zkg:unit ?unit } "
                     "ORDER BY ?zone ?measure ?value ?unit", "csv"),
    "introduced-with-sentence": ("SELECT DISTINCT ?name ?sentence WHERE { ?zone a zkg:DevelopmentZone ; zkg:introduced ?e . "
                                 "?e rdfs:label ?name . ?st rdf:subject ?zone ; rdf:predicate zkg:introduced ; "
                                 "rdf:object ?e ; zkg:evidence ?ev . ?ev zkg:text ?sentence } ORDER BY ?name ?sentence",
                                 "json"),
    "classes": ("SELECT ?class (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a ?class ; rdfs:label ?l } GROUP BY ?class ORDER BY ?class",
                "csv"),
    "documents": ("SELECT DISTINCT ?doc ?chars WHERE { ?doc a zkg:Document ; zkg:characters ?chars } ORDER BY ?doc", "json"),
    "ask": ('ASK { ?e rdfs:label "京东集团"@zh }', "json"),
    "search": ('SELECT DISTINCT ?name WHERE { ?e rdfs:label ?name FILTER(CONTAINS(STR(?name), "科技")) } ORDER BY ?name',
               "json"),
    "construct": ("CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e a zkg:Honor ; rdfs:label ?l }", "ntriples"),
    "bad": ("SELECT ?x WHERE { ?x ?y }", "error"),
}


def expected_answers(graph_file: Path) -> dict[str, object]:
    """Each query's answer by rdflib, normalised for comparison."""
    from rdflib import Graph

    from kg.query import PREFIXES

    g = Graph().parse(graph_file)
    out: dict[str, object] = {}
    for name, (query, kind) in QUERIES.items():
        if kind == "error":
            out[name] = 400
            continue
        result = g.query(query, initNs=PREFIXES)
        if kind == "ntriples":
            out[name] = sorted(line for line in result.serialize(format="nt").decode().splitlines() if line.strip())
        elif result.type == "ASK":
            out[name] = bool(result.askAnswer)
        else:
            out[name] = sorted(tuple(_value(t) for t in row) for row in result)
    return out


def _value(term) -> str:
    from decimal import Decimal

    from rdflib import Literal

    if term is None:
        return ""
    if isinstance(term, Literal) and isinstance(term.toPython(), (int, float, Decimal)) and not isinstance(
            term.toPython(), bool):
        return str(Decimal(str(term)).normalize())
    return str(term)


def _number_or_text(text: str) -> str:
    from decimal import Decimal, InvalidOperation

    if re.fullmatch(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?", text):
        try:
            return str(Decimal(text).normalize())
        except InvalidOperation:
            return text
    return text


def parse_answer(kind: str, status: int, body: bytes) -> object:
    if kind == "error":
        return status
    if status != 200:
        raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
    if kind == "ntriples":
        from rdflib import Graph

        g = Graph().parse(data=body.decode("utf-8"), format="nt")
        return sorted(line for line in g.serialize(format="nt").splitlines() if line.strip())
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))[1:]
        return sorted(tuple(_number_or_text(v) for v in row) for row in rows)
    data = json.loads(body)
    if "boolean" in data:
        return data["boolean"]
    names = data["head"]["vars"]
    return sorted(tuple(_number_or_text(b[n]["value"]) if n in b else "" for n in names)
                  for b in data["results"]["bindings"])


def normalise_expected(kind: str, value: object) -> object:
    if kind in ("json", "csv") and isinstance(value, list):
        return sorted(tuple(_number_or_text(v) for v in row) for row in value)
    return value


def build_corpus(folder: Path, copies: int, store: bool) -> Path:
    seed = (ROOT / "data" / "articles" / "pingxiang-2024.txt").read_text(encoding="utf-8")
    articles = folder / "articles"
    articles.mkdir()
    (articles / "seed.txt").write_text(seed, encoding="utf-8")
    for i in range(1, copies + 1):
        text = re.sub(r"\d+", lambda m, i=i: str(int(m.group()) + 7 * i), seed)
        (articles / f"copy-{i:03d}.txt").write_text(text, encoding="utf-8")
    argv = [sys.executable, "-m", "kg", "build", str(articles), "-o", str(folder / "out")]
    if store:
        argv += ["--store", str(folder / "store")]
    run = subprocess.run(argv, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"kg build failed:\n{run.stderr}")
    return folder / "out" / "graph.ttl"


def start_server(source: list[str]) -> tuple[subprocess.Popen, str, int]:
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", *source, "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    m = re.search(r"at http://([\d.]+):(\d+)/sparql", line)
    if not m:
        proc.kill()
        sys.exit(f"kg serve did not start: {line!r}")
    return proc, m.group(1), int(m.group(2))


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--queries", type=int, default=200, help="queries per thread")
    parser.add_argument("--copies", type=int, default=10, help="variants of the sample article in the graph")
    parser.add_argument("--store", action="store_true", help="serve the embedded store instead of the graph file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kg-serve-load-") as scratch:
        return run(args, Path(scratch))


def run(args: argparse.Namespace, folder: Path) -> int:
    """Build the graph in ``folder``, serve it, load it, print the figures."""
    graph_file = build_corpus(folder, args.copies, args.store)
    expected = {name: normalise_expected(QUERIES[name][1], value) for name, value in expected_answers(graph_file).items()}
    triples = expected["count"][0][0]
    source = ["--store", str(folder / "store")] if args.store else ["--data", str(graph_file)]
    proc, host, port = start_server(source)
    names = list(QUERIES)
    latencies: list[float] = []
    failed: list[str] = []
    wrong: list[str] = []
    lock = threading.Lock()

    def worker(t: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        for i in range(args.queries):
            name = names[(t * 7 + i) % len(names)]
            query, kind = QUERIES[name]
            accept = {"json": "application/sparql-results+json", "csv": "text/csv", "ntriples": "application/n-triples",
                      "error": "application/sparql-results+json"}[kind]
            body = urllib.parse.urlencode({"query": query}).encode()
            started = time.perf_counter()
            try:
                conn.request("POST", "/sparql", body=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
                response = conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - started
                answer = parse_answer(kind, response.status, data)
                ok = answer == expected[name]
            except Exception as err:  # a failure to count, not to stop on
                elapsed = time.perf_counter() - started
                with lock:
                    failed.append(f"{name}: {type(err).__name__}: {err}")
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
                continue
            with lock:
                latencies.append(elapsed)
                if not ok:
                    wrong.append(name)
        conn.close()

    try:
        threads = [threading.Thread(target=worker, args=(t,)) for t in range(args.threads)]
        started = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        seconds = time.perf_counter() - started
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)

    total = args.threads * args.queries
    ms = [x * 1000 for x in latencies] or [0.0]
    print(f"graph: {args.copies + 1} documents, {triples} triples, served from {'the store' if args.store else 'the file'}")
    print(f"load: {args.threads} threads x {args.queries} queries = {total} queries ({len(QUERIES)} kinds) "
          f"on {host}:{port}")
    print(f"throughput: {total / seconds:.1f} queries/s ({seconds:.2f} s)")
    print(f"latency ms: p50 {percentile(ms, 0.5):.1f}  p90 {percentile(ms, 0.9):.1f}  p99 {percentile(ms, 0.99):.1f}  "
          f"max {max(ms):.1f}  mean {statistics.mean(ms):.1f}")
    print(f"failed: {len(failed)}  wrong: {len(wrong)}")
    for line in (failed + [f"wrong answer: {w}" for w in wrong])[:10]:
        print(f"  {line}")
    return 0 if not failed and not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
