"""``kg serve``: the SPARQL 1.1 Protocol over HTTP on loopback — same rows as the file, content
negotiation, the HTML page, and what it refuses (updates, oversized requests, slow queries, bad graph IRIs,
stalled or cut requests, non-UTF-8 parameters, a port it cannot listen on)."""

from __future__ import annotations

import json
import logging
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import Graph

from kg.errors import EndpointError, OutputError
from kg.query import run_saved
from kg.remote import EndpointSource
from kg.serve import make_server, start_in_thread
from kg.store import StoreSource
from tests.test_query import EXPECTED, FIXTURE_TTL, texts

COUNT_EVERYTHING = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def fixture_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("serve") / "graph.ttl"
    path.write_text(Graph().parse(data=FIXTURE_TTL, format="turtle").serialize(format="turtle"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server(fixture_file):
    srv = make_server(StoreSource.from_files([fixture_file]), port=0, max_rows=50, max_request_bytes=20000)
    start_in_thread(srv)
    yield srv
    srv.shutdown()
    srv.server_close()


def request(url: str, *, data: bytes | None = None, headers: dict | None = None, method: str | None = None,
            timeout: float = 30):
    """(status, headers, body) of an HTTP request; errors are answers too."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def get(server, query: str, accept: str | None = None, **params):
    url = server.url + "sparql?" + urllib.parse.urlencode({"query": query, **params})
    return request(url, headers={"Accept": accept} if accept else {})


@pytest.mark.parametrize(("name", "params"), list(EXPECTED), ids=[f"{n}-{'-'.join(k for k, _ in p)}" for n, p in EXPECTED])
def test_same_rows_through_the_endpoint(server, name, params):
    source = EndpointSource(server.url + "sparql")
    assert texts(run_saved(source, name, dict(params))) == EXPECTED[(name, params)]


def test_get_and_both_kinds_of_post(server):
    status, headers, body = get(server, COUNT_EVERYTHING, "application/sparql-results+json")
    assert status == 200 and headers.get_content_type() == "application/sparql-results+json"
    n = json.loads(body)["results"]["bindings"][0]["n"]["value"]
    form = urllib.parse.urlencode({"query": COUNT_EVERYTHING}).encode()
    status, _, body = request(server.url + "sparql", data=form,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == n
    status, _, body = request(server.url + "sparql", data=COUNT_EVERYTHING.encode(),
                              headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert status == 200 and body.decode() == f"n\r\n{n}\r\n"


@pytest.mark.parametrize(("accept", "kind"), [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/html;q=0.9, text/csv;q=0.5, */*;q=0.1", "text/csv"),
    ("*/*", "application/sparql-results+json"),
    (None, "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("text/xml", "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0, */*;q=0.1", "application/sparql-results+xml"),  # q=0: not acceptable
    ("text/*;q=0.9, text/csv;q=0.1", "text/tab-separated-values"),  # the more specific range's q counts
    ("application/sparql-results+json, text/csv;q=5", "application/sparql-results+json"),  # q is at most 1
])
def test_content_negotiation(server, accept, kind):
    status, headers, body = get(server, "SELECT ?name WHERE { ?e a zkg:Policy ; rdfs:label ?name } ORDER BY ?name", accept)
    assert status == 200 and headers.get_content_type() == kind
    text = body.decode("utf-8")
    if kind.endswith("json"):
        assert [b["name"]["value"] for b in json.loads(text)["results"]["bindings"]] == ["人才新政", "惠企十条"]
    elif kind.endswith("xml"):
        ns = {"s": "http://www.w3.org/2005/sparql-results#"}
        literals = ET.fromstring(body).findall("s:results/s:result/s:binding/s:literal", ns)
        assert [lit.text for lit in literals] == ["人才新政", "惠企十条"]
        assert literals[0].get("{http://www.w3.org/XML/1998/namespace}lang") == "zh"
    elif kind == "text/csv":
        assert text == "name\r\n人才新政\r\n惠企十条\r\n"
    else:
        assert text == '?name\n"人才新政"@zh\n"惠企十条"@zh\n'


def test_format_parameter_and_not_acceptable(server):
    status, headers, _ = get(server, COUNT_EVERYTHING, "application/json", format="tsv")
    assert status == 200 and headers.get_content_type() == "text/tab-separated-values"
    status, _, body = get(server, COUNT_EVERYTHING, "image/png")
    assert status == 406 and b"application/sparql-results+json" in body
    assert get(server, COUNT_EVERYTHING, "text/csv;q=0, text/*;q=0")[0] == 406
    assert get(server, "CONSTRUCT WHERE { ?s a zkg:Honor }", "application/n-triples;q=0, text/plain")[1].get_content_type() \
        == "text/plain"


def test_ask_and_construct(server):
    status, _, body = get(server, "ASK { ?s a zkg:Honor }", "application/sparql-results+json")
    assert status == 200 and json.loads(body) == {"head": {}, "boolean": True}
    status, headers, body = get(server, "CONSTRUCT WHERE { ?s a zkg:Honor }", "application/n-triples")
    assert status == 200 and headers.get_content_type() == "application/n-triples"
    assert len(body.decode().strip().splitlines()) == 2


def test_syntax_errors_name_line_and_column(server):
    status, headers, body = get(server, "SELECT ?x WHERE {\n ?x ?y }")
    assert status == 400 and headers.get_content_type() == "text/plain"
    assert body.decode().startswith("SPARQL syntax error at line 2, column")


def test_updates_are_refused(server):
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    before = get(server, COUNT_EVERYTHING, "text/csv")[2]
    assert request(server.url + "sparql", data=update.encode(),
                   headers={"Content-Type": "application/sparql-update"})[0] == 403
    assert request(server.url + "sparql", data=urllib.parse.urlencode({"update": update}).encode(),
                   headers={"Content-Type": "application/x-www-form-urlencoded"})[0] == 403
    assert request(server.url + "sparql?" + urllib.parse.urlencode({"update": update}))[0] == 403
    assert get(server, update)[0] == 400  # an update sent as a query is not a query
    assert request(server.url + "sparql", data=b"x", method="PUT")[0] == 405
    assert request(server.url + "sparql", method="DELETE")[0] == 405
    assert get(server, COUNT_EVERYTHING, "text/csv")[2] == before


def test_oversized_requests_are_refused(server):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 30000
    status, _, body = request(server.url + "sparql", data=big.encode(), headers={"Content-Type": "application/sparql-query"})
    assert status == 413 and b"too large" in body
    assert get(server, big)[0] == 414
    assert request(server.url + "sparql", data=b"", headers={"Content-Type": "text/plain"})[0] == 415


def test_row_limit(server):
    status, headers, body = get(server, "SELECT * WHERE { ?s ?p ?o }", "application/sparql-results+json")
    assert status == 200 and headers["X-Result-Truncated"] == "50"
    assert len(json.loads(body)["results"]["bindings"]) == 50


def test_only_loopback_names_are_answered(server):
    status, _, body = request(server.url + "sparql?query=ASK%7B%7D", headers={"Host": "attacker.example"})
    assert status == 403 and b"loopback" in body
    host = f"localhost:{server.server_address[1]}"
    assert request(server.url + "sparql?query=ASK%7B%7D", headers={"Host": host})[0] == 200


def test_html_page_escapes_everything(server):
    status, headers, body = request(server.url, headers={"Accept": "text/html"})
    assert status == 200 and headers.get_content_type() == "text/html"
    assert b"<form" in body and b"enterprises-of-zone" in body
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    evil = 'SELECT ?x WHERE { BIND("<script>alert(1)</script>" AS ?x) }'
    status, _, body = request(server.url + "?" + urllib.parse.urlencode({"query": evil}))
    page = body.decode()
    assert status == 200 and "<script>" not in page
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page
    status, _, body = request(server.url + "?" + urllib.parse.urlencode({"query": "SELECT <b>"}))
    assert status == 200 and "<b>" not in body.decode() and 'class="error"' in body.decode()
    status, _, body = request(server.url + "?saved=honors")
    assert "zkg:hasHonor" in body.decode()


def test_not_found_and_missing_query(server):
    assert request(server.url + "elsewhere")[0] == 404
    assert request(server.url + "sparql")[0] == 400
    assert request(server.url + "sparql", headers={"Accept": "text/html"})[0] == 200  # redirected to the page


def test_slow_queries_time_out(fixture_file):
    srv = make_server(StoreSource.from_files([fixture_file]), port=0, timeout=0.2, max_rows=10**9)
    start_in_thread(srv)
    try:
        started = time.monotonic()
        # rows streamed to the server: cut by the deadline while reading
        status, _, body = get(srv, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        assert status == 503 and (b"longer than 0.2 s" in body or b"ran out of time" in body)
        # one aggregate computed inside the engine: the answer does not wait for it
        status, _, body = get(srv, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        assert status == 503 and b"longer than 0.2 s" in body
        assert time.monotonic() - started < 10
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_store_in_memory_is_served_from_a_copy_that_is_removed(fixture_file):
    srv = make_server(StoreSource.from_files([fixture_file]), port=0, workers=1)
    copy = Path(srv.pool.path)
    assert copy.is_dir() and (copy / "CURRENT").is_file()
    srv.server_close()
    assert not copy.parent.exists()


def exchange(server, data: bytes, *, half_close: bool = False) -> bytes:
    """All the server answers to the raw bytes ``data`` before it closes the connection (b"" for nothing)."""
    with socket.create_connection(server.server_address[:2], timeout=10) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
        return b"".join(chunks)


def test_raw_utf8_in_the_request_target_is_read_as_utf8(server):
    # browsers percent-encode; curl and scripts may send the bytes as they are
    query = 'SELECT ?e WHERE { ?e rdfs:label "甲经济开发区"@zh }'
    answer = exchange(server, b"GET /sparql?query=" + query.replace(" ", "%20").encode("utf-8")
                      + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/csv\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 200") and answer.endswith("e\r\nhttps://w3id.org/zonekg/id/zone/甲经济开发区\r\n".encode())
    answer = exchange(server, b"GET /sparql?query=\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 400") and answer.endswith(b"the query string is not UTF-8 (percent-encoded bytes must be UTF-8)\n")


def test_http_servers_own_errors_are_one_line_of_text(server):
    answer = exchange(server, b"TRACE / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 501") and b"Content-Type: text/plain; charset=utf-8" in head
    assert body.count(b"\n") == 1 and b"<" not in body and b"TRACE" in body


@pytest.mark.parametrize(("name", "iri"), [
    ("default-graph-uri", ""),
    ("default-graph-uri", "not an iri"),
    ("named-graph-uri", "graph/shared"),
])
def test_a_bad_graph_iri_is_400(server, name, iri):
    status, headers, body = get(server, COUNT_EVERYTHING, "text/csv", **{name: iri})
    assert status == 400 and headers.get_content_type() == "text/plain"
    assert body.decode().startswith(f"{name} is not an absolute IRI: {iri!r}") and body.count(b"\n") == 1
    form = urllib.parse.urlencode({"query": COUNT_EVERYTHING, name: iri}).encode()
    assert request(server.url + "sparql", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"})[0] == 400


def test_percent_encoded_bytes_must_be_utf8(server):
    query = "SELECT%20(%22%FF%22%20AS%20%3Fx)%20%7B%7D"
    status, _, body = request(server.url + "sparql?query=" + query)
    assert status == 400 and b"not UTF-8" in body
    status, _, body = request(server.url + "sparql", data=b"query=" + query.encode(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and b"not UTF-8" in body


def test_options_is_refused_like_the_other_methods(server):
    for method in ("OPTIONS", "PUT", "PATCH"):
        status, headers, body = request(server.url + "sparql", method=method)
        assert status == 405 and headers["Allow"] == "GET, HEAD, POST" and headers.get_content_type() == "text/plain"


def test_a_body_shorter_than_its_length_is_never_run(server):
    head = b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\n"
    answer = exchange(server, head + b"ASK {}", half_close=True)
    assert answer.startswith(b"HTTP/1.0 400 ") and answer.endswith(b"the body ended after 6 of its 100 bytes\n")


def test_a_stalled_request_is_closed(fixture_file):
    srv = make_server(StoreSource.from_files([fixture_file]), port=0, socket_timeout=0.5)
    start_in_thread(srv)
    try:
        for stalled in [
            b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100\r\n\r\nASK {}",  # a body that never comes
            b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # headers never ended
        ]:
            started = time.monotonic()
            assert exchange(srv, stalled) == b""
            assert time.monotonic() - started < 5
        assert get(srv, "ASK {}", "text/csv")[0] == 200
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_client_gone_mid_answer_is_one_log_line(tmp_path, caplog, capfd):
    big = tmp_path / "big.nt"
    big.write_text("".join(f'<urn:s{i}> <urn:p> "{"x" * (4 << 20)}" .\n' for i in range(4)), encoding="utf-8")
    srv = make_server(StoreSource.from_files([big]), port=0)
    start_in_thread(srv)
    caplog.set_level(logging.INFO, logger="kg.serve")
    try:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.settimeout(10)
            sock.connect(srv.server_address[:2])
            sock.sendall(b"GET /sparql?query=SELECT%20%3Fo%20%7B%3Fs%20%3Fp%20%3Fo%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Accept: text/csv\r\n\r\n")
            assert sock.recv(12) == b"HTTP/1.0 200"
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        deadline = time.monotonic() + 10
        while not any("closed the connection" in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len([r for r in caplog.records if "closed the connection" in r.getMessage()]) == 1
        assert "Traceback" not in capfd.readouterr().err
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("port", [-1, 65536, 99999])
def test_a_port_out_of_range_is_one_line(port):
    with pytest.raises(OutputError, match=f"^cannot listen on 127.0.0.1:{port}: a port is 0 to 65535$"):
        make_server(StoreSource.from_files([]), port=port)


def test_a_busy_port_is_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(OutputError, match=f"^cannot listen on 127.0.0.1:{port}: Address already in use$"):
            make_server(StoreSource.from_files([]), port=port)


def test_an_unreachable_endpoint_is_one_line():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(EndpointError, match=f"cannot reach SPARQL endpoint http://127.0.0.1:{port}/sparql"):
        EndpointSource(f"http://127.0.0.1:{port}/sparql").query("ASK {}")


# --- the command line ---


def test_kg_serve_and_kg_query_endpoint(fixture_file):
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--data", fixture_file, "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("serving "), line + proc.stderr.read()
        url = line.split(" at ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/sparql")
        args = ["query", "--saved", "enterprises-of-zone", "--param", "zone=甲区", "--format", "csv"]
        remote = subprocess.run([sys.executable, "-m", "kg", *args, "--endpoint", url], capture_output=True, text=True,
                                timeout=120)
        local = subprocess.run([sys.executable, "-m", "kg", *args, "--data", str(fixture_file)], capture_output=True,
                               text=True, timeout=120)
        assert remote.returncode == 0, remote.stderr
        assert remote.stdout == local.stdout and len(remote.stdout.splitlines()) == 4
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0


def test_kg_serve_on_a_busy_port(fixture_file):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "kg", "serve", "--data", fixture_file, "--port", str(port)],
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == OutputError.exit_code == 5
    assert run.stderr == f"kg: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


DAY = "must be more than 0 seconds and at most a day"


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--max-rows", "0", "must be at least 1"), ("--max-rows", "-5", "must be at least 1"),
    ("--timeout", "-1", DAY), ("--timeout", "nan", DAY), ("--timeout", "0", DAY), ("--timeout", "1e10", DAY),
    ("--max-request-bytes", "0", "must be at least 1"), ("--workers", "0", "must be at least 1")])
def test_kg_serve_refuses_limits_that_would_refuse_everything(fixture_file, option, value, says):
    run = subprocess.run([sys.executable, "-m", "kg", "serve", "--data", fixture_file, "--port", "0", option, value],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and f"argument {option}: {says}" in run.stderr


def test_kg_query_unreachable_endpoint():
    run = subprocess.run([sys.executable, "-m", "kg", "query", "ASK {}", "--endpoint", "http://127.0.0.1:9/sparql"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 6
    assert run.stderr == "kg: error: cannot reach SPARQL endpoint http://127.0.0.1:9/sparql: Connection refused\n"
