"""Nothing is let in: text from documents stays text in the HTML view, and no command fetches or runs
anything a document, a graph file or a query names.

A local HTTP server records every request; articles, pages, graph files and queries point at it in every
way we know (images, scripts, styles, frames, refresh, base, DTDs, XML entities, JSON-LD contexts, SPARQL
SERVICE), and after each command it must have seen no request at all.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kg.cli import main
from tests.data import SEED

ATTACKS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</script><script>window.__xss=1</script>",
           '"><svg onload=alert(1)>', "javascript:alert(1)"]


class Recorder:
    """An HTTP server on 127.0.0.1 that answers everything and remembers the paths asked for."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                body = b"<http://example.org/a> <http://example.org/b> <http://example.org/c> ."
                self.send_response(200)
                self.send_header("Content-Type", "text/turtle")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.close()


def run(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def hostile_page(url: str) -> str:
    return f"""<!DOCTYPE html SYSTEM "{url}/dtd">
<html><head><meta charset="utf-8"><title>萍乡经开区新闻</title>
<base href="{url}/base/"><link rel="stylesheet" href="{url}/style.css"><script src="{url}/script.js"></script>
<meta http-equiv="refresh" content="0; url={url}/refresh"><link rel="preload" href="{url}/preload">
<style>@import url("{url}/import.css"); body {{ background: url({url}/background.png) }}</style>
</head><body><article><h1>萍乡经济技术开发区引进京东集团</h1>
<p>萍乡经济技术开发区引进京东集团、博大新材等企业项目，详见{url}/text-link 。<img src="{url}/img.png"></p>
<p>该区拥有规模以上工业企业143家。<iframe src="{url}/frame"></iframe><object data="{url}/object"></object></p>
<p>&lt;script&gt;alert(1)&lt;/script&gt;萍乡经开区获评国家绿色园区。<img src=x onerror="fetch('{url}/onerror')">
<svg><image href="{url}/svg.png"/></svg><video src="{url}/video" poster="{url}/poster"></video></p>
<a href="{url}/link">阅读原文</a></article></body></html>
"""


def hostile_article(url: str) -> str:
    return ("萍乡经济技术开发区引进" + "、".join(ATTACKS) + f"等企业。<img src={url}/article-img>该区网址{url}/article-url 。\n"
            f"萍乡经开区拥有规模以上工业企业143家，<script src={url}/article-script></script>位列全市第一。\n")


# ---------------------------------------------------------------- the HTML view escapes every document string


def test_the_page_built_from_a_hostile_article_has_no_markup_from_it(tmp_path, recorder):
    article = tmp_path / "evil.txt"
    article.write_text(hostile_article(recorder.url), encoding="utf-8")
    code, _, stderr = run("build", article, "-o", tmp_path / "out")
    assert code == 0, stderr
    html = (tmp_path / "out" / "graph.html").read_text(encoding="utf-8")
    clean = tmp_path / "clean.txt"
    clean.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    run("build", clean, "-o", tmp_path / "clean")
    reference = (tmp_path / "clean" / "graph.html").read_text(encoding="utf-8")
    # the same tags as a page built from a harmless article: the data block and two inline scripts
    # (vis-network's own code holds the string "<script>" once)
    assert html.count("<script") == reference.count("<script") == 4
    assert html.count("</script>") == reference.count("</script>")
    for raw in ["<script>alert", "<img", "<svg", "</script><script>window", "article-script></script>"]:
        assert raw not in html, raw  # as markup: the text is in the data block with < > & escaped
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html
    ttl = (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" in ttl  # the text is kept, as text
    assert recorder.hits == []


def test_kg_view_of_a_hostile_graph_has_no_markup_from_it(tmp_path, recorder):
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF, RDFS

    from kg.rdf import new_graph
    from kg.vocab import ZKG

    g = new_graph()
    for i, attack in enumerate(ATTACKS):
        node = URIRef(f"https://w3id.org/zonekg/id/enterprise/e{i}")
        g.add((node, RDF.type, ZKG.Enterprise))
        g.add((node, RDFS.label, Literal(attack + f'<img src="{recorder.url}/label">', lang="zh")))
    path = tmp_path / "evil.ttl"
    g.serialize(path, format="turtle")
    code, stdout, stderr = run("view", path, "-o", tmp_path / "evil.html")
    assert code == 0, stderr
    html = (tmp_path / "evil.html").read_text(encoding="utf-8")
    assert html.count("<script") == 4 and "<img" not in html and "<script>alert" not in html
    assert recorder.hits == []


# ---------------------------------------------------------------- nothing is fetched


def test_build_of_a_web_page_fetches_nothing_it_names(tmp_path, recorder):
    page = tmp_path / "news.html"
    page.write_text(hostile_page(recorder.url), encoding="utf-8")
    code, _, stderr = run("build", page, "-o", tmp_path / "out", "--formats", "ttl,jsonld,xml")
    assert code == 0, stderr
    ttl = (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8")
    assert "京东集团" in ttl
    for command in (["view", tmp_path / "out" / "graph.ttl", "-o", tmp_path / "page.html"],
                    ["view", tmp_path / "out" / "graph.jsonld", "-o", tmp_path / "page2.html"],
                    ["validate", tmp_path / "out" / "graph.rdf"],
                    ["query", "SELECT ?t WHERE { ?e zkg:text ?t }", "--data", tmp_path / "out" / "graph.ttl"]):
        code, _, stderr = run(*command)
        assert code == 0, stderr
    assert recorder.hits == []


def test_json_ld_with_a_remote_context_is_refused_unfetched(tmp_path, recorder):
    path = tmp_path / "remote.jsonld"
    path.write_text(f'{{"@context": "{recorder.url}/context.jsonld", "@id": "http://example.org/a", "name": "萍乡"}}',
                    encoding="utf-8")
    nested = tmp_path / "nested.jsonld"
    nested.write_text(f'{{"@graph": [{{"@context": ["{recorder.url}/inner"], "@id": "http://example.org/b"}}]}}',
                      encoding="utf-8")
    for file in (path, nested):
        for command in (["view", file], ["validate", file], ["query", "ASK { ?s ?p ?o }", "--data", file]):
            code, _, stderr = run(*command)
            assert code == 2
            assert re.fullmatch(rf"kg: error: {re.escape(str(file))}: its @context refers to .+; kg fetches nothing: "
                                r"put the context into the file\n", stderr)
    assert recorder.hits == []


def test_rdf_xml_external_entities_and_dtds_are_not_fetched(tmp_path, recorder):
    path = tmp_path / "entity.rdf"
    path.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF SYSTEM "{recorder.url}/dtd" [<!ENTITY ext SYSTEM "{recorder.url}/entity">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="https://w3id.org/zonekg/id/zone/z"><rdfs:label>&ext;</rdfs:label></rdf:Description>
</rdf:RDF>""", encoding="utf-8")
    for command in (["validate", path], ["view", path, "-o", tmp_path / "v.html"]):
        code, _, stderr = run(*command)
        assert code in (0, 1, 2) and "Traceback" not in stderr
    assert recorder.hits == []


def test_sparql_service_is_refused_unfetched(tmp_path, recorder):
    out = tmp_path / "out"
    code, _, stderr = run("build", SEED, "-o", out, "--store", tmp_path / "store")
    assert code == 0, stderr
    queries = [f"SELECT * WHERE {{ SERVICE <{recorder.url}/sparql> {{ ?s ?p ?o }} }}",
               f"select * where {{ ?x a zkg:DevelopmentZone . service silent <{recorder.url}/s2> {{ ?x ?p ?o }} }}",
               f"SELECT * WHERE {{ BIND(<{recorder.url}/s3> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}"]
    for sparql in queries:
        for where in (["--data", out / "graph.ttl"], ["--store", tmp_path / "store"]):
            code, _, stderr = run("query", sparql, *where)
            assert code == 4
            assert stderr == ("kg: error: SERVICE is not allowed: kg answers from local data and fetches nothing "
                              "(use --endpoint URL)\n")
    harmless = 'SELECT ?s WHERE { ?s rdfs:label ?l FILTER(?l != "SERVICE <http://x>") } LIMIT 1 # SERVICE'
    assert run("query", harmless, "--data", out / "graph.ttl")[0] == 0
    assert recorder.hits == []


def test_serve_refuses_service_unfetched(tmp_path, recorder):
    import json
    import urllib.error
    import urllib.parse
    import urllib.request

    from kg.serve import make_server, start_in_thread
    from kg.store import StoreSource

    ttl = tmp_path / "g.ttl"
    ttl.write_text('<https://w3id.org/zonekg/id/zone/z> <http://www.w3.org/2000/01/rdf-schema#label> "萍乡"@zh .',
                   encoding="utf-8")
    server = make_server(StoreSource.from_files([ttl]), port=0)
    start_in_thread(server)
    try:
        query = f"SELECT * WHERE {{ SERVICE <{recorder.url}/sparql> {{ ?s ?p ?o }} }}"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(server.url + "sparql?" + urllib.parse.urlencode({"query": query}), timeout=10)
        assert refused.value.code == 400 and b"SERVICE is not allowed" in refused.value.read()
        page = urllib.request.urlopen(server.url + "?" + urllib.parse.urlencode({"query": query}), timeout=10).read()
        assert b"SERVICE is not allowed" in page
        ok = urllib.request.urlopen(server.url + "sparql?" + urllib.parse.urlencode(
            {"query": "SELECT ?l WHERE { ?z rdfs:label ?l }", "format": "json"}), timeout=10)
        assert json.loads(ok.read())["results"]["bindings"][0]["l"]["value"] == "萍乡"
    finally:
        server.shutdown()
        server.server_close()
    assert recorder.hits == []


def test_a_link_in_a_text_article_is_not_followed(tmp_path, recorder):
    article = tmp_path / "a.txt"
    article.write_text(f"萍乡经济技术开发区引进京东集团。原文链接：{recorder.url}/original\n", encoding="utf-8")
    meta = tmp_path / "a.meta.json"
    meta.write_text(f'{{"url": "{recorder.url}/meta-url", "title": "萍乡"}}', encoding="utf-8")
    code, _, stderr = run("build", article, "-o", tmp_path / "out")
    assert code == 0, stderr
    assert f"{recorder.url}/meta-url" in (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8")
    assert recorder.hits == []


def test_the_recorder_does_record(recorder):
    import urllib.request

    urllib.request.urlopen(recorder.url + "/probe", timeout=10).read()
    assert recorder.hits == ["/probe"]
