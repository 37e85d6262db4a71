"""``kg serve`` limits beyond tests/test_serve.py: graph answers (CONSTRUCT, DESCRIBE) obey the row limit,
a request that only announces a huge body is refused at once, a served store is never written, and
the default address is loopback."""

from __future__ import annotations

import http.client
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from kg.cli import make_parser
from kg.serve import make_server, start_in_thread
from kg.store import StoreSource
from tests.data import SEED


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serve-robust")
    run = subprocess.run([sys.executable, "-m", "kg", "build", str(SEED), "-o", str(out), "--store", str(out / "store")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return out


@pytest.fixture()
def server(built):
    srv = make_server(StoreSource.from_files([built / "graph.ttl"]), port=0, max_rows=25, max_request_bytes=4096)
    start_in_thread(srv)
    yield srv
    srv.shutdown()
    srv.server_close()


def connect(srv) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=10)


@pytest.mark.parametrize("query", [
    "CONSTRUCT { ?a <urn:near> ?d } WHERE { ?a ?b ?c . ?d ?e ?f }",  # quadratic: thousands of triples
    "DESCRIBE ?e WHERE { ?e a zkg:Evidence }",
])
def test_graph_answers_obey_the_row_limit(server, query):
    conn = connect(server)
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": "application/n-triples"})
    response = conn.getresponse()
    body = response.read()
    assert response.status == 200 and response.getheader("X-Result-Truncated") == "25"
    assert body.count(b"\n") == 25


def test_a_small_graph_answer_is_not_marked(server):
    conn = connect(server)
    query = "CONSTRUCT WHERE { ?z a zkg:DevelopmentZone }"
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": "text/turtle"})
    response = conn.getresponse()
    assert response.status == 200 and response.getheader("X-Result-Truncated") is None and response.read().strip()


def test_an_announced_huge_body_is_refused_without_waiting_for_it(server):
    conn = connect(server)
    conn.putrequest("POST", "/sparql")
    conn.putheader("Content-Type", "application/sparql-query")
    conn.putheader("Content-Length", str(10**12))
    conn.endheaders()  # and no body follows
    started = time.monotonic()
    response = conn.getresponse()
    assert response.status == 413 and b"too large" in response.read()
    assert time.monotonic() - started < 5


def test_too_many_headers_are_refused(server):
    conn = connect(server)
    conn.putrequest("GET", "/sparql?query=ASK%7B%7D")
    for i in range(150):
        conn.putheader(f"X-Filler-{i}", "x")
    conn.endheaders()
    assert conn.getresponse().status == 431


def test_the_default_address_is_loopback():
    args = make_parser().parse_args(["serve", "--data", "graph.ttl"])
    assert args.host == "127.0.0.1"
    srv = make_server(StoreSource.from_files([]), port=0)
    try:
        assert srv.server_address[0] == "127.0.0.1" and srv.loopback_only
    finally:
        srv.server_close()


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` but RocksDB's log, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "LOG"}


def test_a_served_store_is_never_written(built, tmp_path):
    import shutil

    store = tmp_path / "store"
    shutil.copytree(built / "store", store)
    before = files_of(store)
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("serving "), line + proc.stderr.read()
        port = int(line.split(" at ")[1].split("/")[2].split(":")[1])
        update = "DELETE WHERE { ?s ?p ?o }"
        for method, path, body, ctype in [
            ("POST", "/sparql", update, "application/sparql-update"),
            ("POST", "/sparql", urllib.parse.urlencode({"update": update}), "application/x-www-form-urlencoded"),
            ("GET", "/sparql?" + urllib.parse.urlencode({"update": update}), None, None),
            ("PUT", "/sparql", "<urn:a> <urn:b> <urn:c> .", "application/n-triples"),
            ("DELETE", "/sparql", None, None),
        ]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request(method, path, body=body.encode() if body else None, headers={"Content-Type": ctype} if ctype else {})
            assert conn.getresponse().status in (403, 405)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}),
                     headers={"Accept": "text/csv"})
        assert int(conn.getresponse().read().split()[-1]) > 500
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    after = files_of(store)
    assert after == before
