"""Corpus builds: the 32-article corpus of tests/data/corpus (every input format) as one merged graph, the
JSON form of documents, incremental builds with the store, parallel and Dask extraction, the saved question
for conflicting figures."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, XSD

from kg.builder import build, merges_csv, write_outputs, write_store_update
from kg.docjson import document_from_json, document_to_json, dumps, loads
from kg.graph import entity_iri
from kg.parallel import slim
from kg.query import GraphSource, run_saved
from tests.corpus_sources import ARTICLES, COMPANIES, CORPUS, NAMES
from tests.data import kg_cli


@pytest.fixture(scope="module")
def corpus_result():
    return build([CORPUS], validate=True)


def turtle(result) -> bytes:
    from kg.serialise import serialise

    return serialise(result.graph, "ttl")["graph.ttl"]


def evidence_sources(G, iri: str) -> set[str]:
    """The SHA-256 of the documents behind an entity's evidence."""
    docs = {d for _, ev, k in G.out_edges(iri, keys=True) if k == "evidence"
            for _, d, k2 in G.out_edges(ev, keys=True) if k2 == "wasDerivedFrom"}
    return {G.nodes[d]["sha256"] for d in docs}


# --- one graph of the corpus --------------------------------------------------------------------


def test_the_corpus_mixes_every_format():
    endings = {p.suffix for p in CORPUS.iterdir() if not p.name.endswith(".meta.json")}
    assert endings == {".txt", ".md", ".html", ".docx", ".pdf"}
    assert len(ARTICLES) >= 30


def test_each_company_is_one_node_with_evidence_from_every_file(corpus_result):
    G = corpus_result.nx_graph
    assert corpus_result.report["validation"]["conforms"] and not corpus_result.skipped
    assert len(corpus_result.documents) == len(ARTICLES)
    enterprises = sorted(d["label"] for _, d in G.nodes(data=True) if d.get("kind") == "entity" and d["cls"] == "Enterprise")
    assert enterprises == sorted(COMPANIES)
    sha_of = {d.source: d.sha256 for d in corpus_result.documents}
    for company, files in COMPANIES.items():
        assert len({Path(f).suffix for f in files}) >= 3, company  # named in at least three kinds of file
        assert evidence_sources(G, entity_iri("Enterprise", company)) == {sha_of[f] for f in files}, company


def test_the_merge_report_explains_every_merge(corpus_result):
    rows = list(csv.DictReader(io.StringIO(merges_csv(corpus_result.merges))))
    assert all(r["reason"] for r in rows)
    for company, files in COMPANIES.items():
        mine = [r for r in rows if r["entity"] == company]
        assert {r["document"] for r in mine} == set(files), company  # a row for every file that names it
        short = NAMES[company][1]
        assert any(r["surface"] == short and r["reason"].startswith("short name of a company") for r in mine), company
        for r in mine:
            if r["surface"] != company:
                assert r["reason"] != "canonical label (the longest full form)"
    zone = [r for r in rows if r["entity"] == "吉安经济技术开发区" and r["surface"] == "吉安经开区"]
    assert zone and all("abbreviation of a zone name" in r["reason"] or "article" in r["reason"] for r in zone)


def test_metadata_of_every_kind_of_file_reaches_the_graph(corpus_result):
    g = corpus_result.graph
    by_source = {d.source: d for d in corpus_result.documents}
    expected = {  # file: (title, date, dcterms:source)
        "m01-jian-conflict.md": ("吉安经开区2023年经济运行情况", "2024-02-20", "https://example.org/news/m01-jian-conflict"),
        "h01-jian-battery.html": ("吉安经开区储能电池项目开工", "2024-03-28", "h01-jian-battery.html"),
        "d01-jian-display.docx": ("吉安经开区新型显示产业", "2024-02-02", "d01-jian-display.docx"),
        "p02-yichun-lithium.pdf": ("宜春高新区锂电材料", "2024-08-08", "p02-yichun-lithium.pdf"),
        "t01-jian-signing.txt": ("吉安经开区集中签约5个重大项目", "2024-01-18", "t01-jian-signing.txt"),
    }
    for name, (title, date, source) in expected.items():
        doc = URIRef(f"https://w3id.org/zonekg/id/document/{by_source[name].sha256[:16]}")
        assert g.value(doc, DCTERMS.title) == Literal(title, lang="zh"), name
        assert g.value(doc, DCTERMS.date) == Literal(date, datatype=XSD.date), name
        assert g.value(doc, DCTERMS.source) == Literal(source), name
    assert {d.encoding for d in corpus_result.documents} == {"utf-8", "gb18030", "html", "docx", "pdf"}
    # the front matter is metadata, not text
    assert not by_source["m01-jian-conflict.md"].text.startswith("---")
    assert "tags" not in by_source["m01-jian-conflict.md"].text


# --- conflicts ----------------------------------------------------------------------------------


def test_saved_question_lists_the_conflicting_figures_as_report_json_does(corpus_result):
    (conflict,) = corpus_result.report["conflicts"]
    assert conflict["values"] == ["212", "215"] and conflict["period"] == "2023"
    table = run_saved(GraphSource(corpus_result.graph), "conflicts", {})
    rows = [{v: str(x) if x is not None else None for v, x in zip(table.variables, row)} for row in table.rows]
    assert [(r["entityName"], r["measure"], r["unit"], r["period"], r["value"], r["rawText"]) for r in rows] == [
        ("吉安经济技术开发区", "规模以上工业企业", "家", "2023", "212", "212家"),
        ("吉安经济技术开发区", "规模以上工业企业", "家", "2023", "215", "215家"),
    ]
    assert [r["source"] for r in rows] == ["t02-jian-2023.txt", "https://example.org/news/m01-jian-conflict"]
    assert rows[1]["sentence"] == "2023年，吉安经开区规模以上工业企业215家。"
    # a time series (鹰潭工业园区: 98 in 2022, 106 in 2023) is no conflict; a parameter narrows the answer
    assert run_saved(GraphSource(corpus_result.graph), "conflicts", {"entity": "鹰潭工业园区"}).rows == []
    assert len(run_saved(GraphSource(corpus_result.graph), "conflicts", {"entity": "吉安经开区"}).rows) == 2


def test_kg_query_lists_the_saved_conflicts_question():
    run = kg_cli("query", "--list")
    assert run.returncode == 0
    assert any(line.startswith("conflicts ") and "Conflicting figures" in line for line in run.stdout.splitlines())


# --- the JSON form of documents ------------------------------------------------------------------


def test_documents_round_trip_through_json(seed_doc, corpus_result):
    for doc in [seed_doc, slim(seed_doc), *corpus_result.documents]:
        again = loads(dumps(doc))
        assert again == doc
        assert [str(i.value) for i in again.indicators] == [str(i.value) for i in doc.indicators]
        assert json.loads(dumps(doc)) == document_to_json(again)
    assert len(seed_doc.sentences) > 10 and seed_doc.sentences[0].tokens  # the full document, tokens included
    odd = document_from_json({**document_to_json(seed_doc)})
    odd.indicators[0].value = Decimal("1.50")
    assert str(loads(dumps(odd)).indicators[0].value) == "1.50"
    with pytest.raises(ValueError, match="format"):
        document_from_json({**document_to_json(seed_doc), "format": 99})


# --- inputs: formats, globs, lists ---------------------------------------------------------------


def _textless_pdf() -> bytes:
    """A one-page PDF that draws a line and holds no text (like a scan without OCR)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << >> >>",
               b"<< /Length 18 >>\nstream\n0 0 m 99 99 l S\nendstream"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_pdf_without_text_and_a_broken_docx_are_skipped_with_one_line_each(tmp_path):
    shutil.copy(CORPUS / "p02-yichun-lithium.pdf", tmp_path / "good.pdf")
    (tmp_path / "scan.pdf").write_bytes(_textless_pdf())
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip archive")
    (tmp_path / "~$lock.docx").write_bytes(b"\x00Word lock file")  # Word's lock files are not articles
    run = kg_cli("build", tmp_path, "-o", tmp_path / "out", "--workers", "1")
    assert run.returncode == 7, run.stderr
    assert run.stderr.splitlines() == [
        f"kg: warning: skipped {tmp_path / 'broken.docx'}: not a readable Word document (.docx)",
        f"kg: warning: skipped {tmp_path / 'scan.pdf'}: PDF without a text layer (scanned pages?): run OCR on it, or "
        "give its text as .txt",
        f"kg: warning: 2 input(s) skipped, listed under \"skipped\" in {tmp_path / 'out' / 'report.json'}",
    ]
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert [d["source"] for d in report["documents"]] == ["good.pdf"]
    assert [Path(s["path"]).name for s in report["skipped"]] == ["broken.docx", "scan.pdf"]


def test_globs_and_list_files_name_the_inputs(tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"# two articles and a pattern\n{CORPUS / 't01-jian-signing.txt'}\n{CORPUS}/h0[12]*.html\n",
                       encoding="utf-8")
    from kg.ingest import find_articles

    assert [p.name for p in find_articles([f"{CORPUS}/**/*.md"])] == sorted(n for n in ARTICLES if n.endswith(".md"))
    assert [p.name for p in find_articles([f"@{listing}"])] == ["t01-jian-signing.txt", "h01-jian-battery.html",
                                                                "h02-yichun-lithium.html"]
    run = kg_cli("build", f"{CORPUS}/*.docx", f"@{listing}", f"{CORPUS}/nothing-*.txt", "-o", tmp_path / "out",
                 "--workers", "1")
    assert run.returncode == 7
    assert run.stderr.splitlines()[0] == f"kg: warning: skipped {CORPUS}/nothing-*.txt: no article files match this pattern"
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert len(report["documents"]) == 7


# --- parallel and distributed extraction --------------------------------------------------------


def test_two_worker_processes_build_the_same_graph(corpus_result):
    calls = []
    result = build([CORPUS], validate=False, workers=2, progress=lambda done, total, path: calls.append((done, total)))
    assert turtle(result) == turtle(corpus_result)
    assert calls == [(i, len(ARTICLES)) for i in range(1, len(ARTICLES) + 1)]
    x = result.report["extraction"]
    assert (x["engine"], x["workers"], x["extracted"], x["reused"]) == ("local", 2, len(ARTICLES), 0)
    assert x["documents_per_second"] > 0


def test_dask_on_a_local_cluster_builds_the_same_graph_and_per_document_nquads(corpus_result, tmp_path):
    distributed = pytest.importorskip("distributed")
    from kg.parallel import DaskEngine, write_document_nquads
    from kg.rdf import load_rdf

    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            DaskEngine(cluster.scheduler_address) as engine:
        engine.warm()
        result = build([CORPUS], validate=False, engine=engine)
        files = write_document_nquads(result.documents, tmp_path / "nquads", engine)
    assert turtle(result) == turtle(corpus_result)
    assert result.report["extraction"]["engine"] == "dask"
    assert len(files) == len(ARTICLES) and all(f.suffix == ".nq" for f in files)
    assert set(load_rdf(files)) == set(corpus_result.graph)  # the files together are the merged graph
    first = ox.Store()
    first.bulk_load(path=str(files[0]), format=ox.RdfFormat.N_QUADS)
    assert len(list(first.named_graphs())) == 1  # one document's named graph per file


def test_kg_build_with_dask_on_a_scheduler(tmp_path):
    distributed = pytest.importorskip("distributed")
    picked = [CORPUS / n for n in ("t01-jian-signing.txt", "m06-jian-honor.md", "d01-jian-display.docx")]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://",
                                  dashboard_address=None) as cluster:
        run = kg_cli("build", *picked, "-o", tmp_path / "out", "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert run.returncode == 0, run.stderr
    assert "extracted 3 document(s)" in run.stdout and "dask worker(s)" in run.stdout
    assert len(list((tmp_path / "out" / "nquads").glob("*.nq"))) == 3
    from kg.errors import EndpointError
    from kg.parallel import DaskEngine

    with pytest.raises(EndpointError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        DaskEngine("tcp://127.0.0.1:9", timeout=1)


# --- incremental builds with the store -----------------------------------------------------------


def store_quads(store: Path) -> set[str]:
    code = "import pyoxigraph, sys\nfor q in pyoxigraph.Store.read_only(sys.argv[1]): print(q)"
    run = subprocess.run([sys.executable, "-c", code, str(store)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return set(run.stdout.splitlines())


def store_build(inputs, out: Path, store: Path, **kwargs):
    result = build(inputs, validate=False, store=store, **kwargs)
    write_outputs(result, out)
    write_store_update(result)
    return result


def test_touching_one_file_reextracts_one_document_and_gives_the_clean_graph(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    store = tmp_path / "store"
    first = store_build([corpus], tmp_path / "out", store, workers=2)
    assert (first.report["extraction"]["extracted"], first.report["extraction"]["reused"]) == (len(ARTICLES), 0)
    again = store_build([corpus], tmp_path / "out", store)
    assert (again.report["extraction"]["extracted"], again.report["extraction"]["reused"]) == (0, len(ARTICLES))
    assert again.report["store"]["graphs_written"] == 0
    # change one article: a new company name that is the full name of a short name used elsewhere
    touched = corpus / "t04-jiujiang-first.txt"
    touched.write_text(touched.read_text(encoding="utf-8").replace("货值120万元", "货值150万元"), encoding="utf-8")
    third = store_build([corpus], tmp_path / "out", store, workers=2)
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert (report["extraction"]["extracted"], report["extraction"]["reused"], report["extraction"]["removed"]) == (
        1, len(ARTICLES) - 1, 0)
    assert third.report["store"]["graphs_dropped"] == 1  # the old version of the document
    clean = build([corpus], validate=False)
    write_outputs(clean, tmp_path / "clean")
    assert (tmp_path / "out" / "graph.ttl").read_bytes() == (tmp_path / "clean" / "graph.ttl").read_bytes()
    clean_store = tmp_path / "clean-store"
    store_build([corpus], tmp_path / "clean-out", clean_store)
    assert store_quads(store) == store_quads(clean_store)
    # the cache holds one entry per file the store holds
    assert len(list((store / "documents").glob("*.json"))) == len(ARTICLES)


def test_removed_files_are_kept_until_pruned(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("t01-jian-signing.txt", "t02-jian-2023.txt", "m01-jian-conflict.md"):
        shutil.copy(CORPUS / name, corpus / name)
    store = tmp_path / "store"
    store_build([corpus], tmp_path / "out", store)
    (corpus / "m01-jian-conflict.md").unlink()
    kept = store_build([corpus], tmp_path / "out", store)
    assert kept.report["store"]["kept_from_earlier_builds"] == 1 and kept.report["extraction"]["removed"] == 0
    assert len(kept.documents) == 2  # the outputs hold the inputs; the store also the earlier document
    assert sum("m01" in q or "215" in q for q in store_quads(store)) > 0
    pruned = store_build([corpus], tmp_path / "out", store, prune=True)
    assert pruned.report["extraction"]["removed"] == 1 and pruned.report["store"]["graphs_dropped"] == 1
    clean_store = tmp_path / "clean-store"
    store_build([corpus], tmp_path / "clean-out", clean_store)
    assert store_quads(store) == store_quads(clean_store)
    assert len(list((store / "documents").glob("*.json"))) == 2


def test_a_store_write_that_fails_leaves_the_store_and_the_next_build_repairs_it(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("t01-jian-signing.txt", "t02-jian-2023.txt"):
        shutil.copy(CORPUS / name, corpus / name)
    store = tmp_path / "store"
    store_build([corpus], tmp_path / "out", store)
    before = store_quads(store)
    shutil.copy(CORPUS / "m01-jian-conflict.md", corpus / "m01-jian-conflict.md")
    result = build([corpus], validate=False, store=store)

    import kg.store

    opened = kg.store.open_for_writing

    class Interrupted:
        def __init__(self, path):
            self.store = opened(path)

        def update(self, text):
            raise KeyboardInterrupt  # Ctrl-C as the transaction starts

        def __getattr__(self, name):
            return getattr(self.store, name)

    monkeypatch.setattr(kg.store, "open_for_writing", Interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_store_update(result)
    monkeypatch.undo()
    assert store_quads(store) == before
    assert json.loads((store / "kg-manifest.json").read_text(encoding="utf-8"))["graphs"] is None  # pending
    repaired = store_build([corpus], tmp_path / "out", store)
    assert repaired.report["extraction"]["reused"] == 3  # the cache survived; only the store is rewritten
    clean_store = tmp_path / "clean-store"
    store_build([corpus], tmp_path / "clean-out", clean_store)
    assert store_quads(store) == store_quads(clean_store)


def test_kg_build_store_says_what_it_extracted_and_reused(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("t01-jian-signing.txt", "h01-jian-battery.html"):
        shutil.copy(CORPUS / name, corpus / name)
    args = ("build", corpus, "-o", tmp_path / "out", "--store", tmp_path / "store", "--workers", "1")
    assert kg_cli(*args).returncode == 0
    (corpus / "t01-jian-signing.txt").write_text("吉安经开区引进江西华晟光电科技有限公司。", encoding="utf-8")
    run = kg_cli(*args)
    assert run.returncode == 0, run.stderr
    assert "extracted 1 document(s)" in run.stdout and "reused 1 from the store, removed 0" in run.stdout
    assert "2 document(s) in the store" in run.stdout


def test_companies_compared_by_brand_merge_as_comparing_every_pair(monkeypatch):
    """resolve_corpus joins short and full company names in time linear in the names (one chain per brand);
    comparing every pair of names with is_short_name instead gives the same merges."""
    import kg.resolve as resolve
    from kg.extract.text import LEGAL_HEADS, is_short_name
    from kg.pipeline import process_text

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from corpus_speed import article

    def every_pair(first, uf):
        for name in first:
            for full in first:
                if full.endswith(LEGAL_HEADS) and is_short_name(name, full):
                    uf.union(first[name], first[full])

    docs = [process_text(article(i)[1], source=f"a{i}.txt") for i in range(40)]
    docs += [process_text(text, source=name) for name, (_, _, text) in ARTICLES.items() if name.endswith(".txt")]
    fast_docs, fast_rows = resolve.resolve_corpus(docs)
    monkeypatch.setattr(resolve, "_union_short_names", every_pair)
    slow_docs, slow_rows = resolve.resolve_corpus(docs)
    assert fast_rows == slow_rows
    assert [[e.key for e in d.entities] for d in fast_docs] == [[e.key for e in d.entities] for d in slow_docs]
    assert sum(r["reason"].startswith("short name of a company") for r in fast_rows) > 20


_BRANDS = ["恒丰", "华星", "瑞丰"]
_NAMES = sorted({f"{region}{brand}{trade}{head}" for region in ("", "赣州", "江西")
                 for brand in _BRANDS for trade in ("", "包装", "包装印务", "新材料科技")
                 for head in ("", "公司", "集团", "有限公司", "股份有限公司")} - {""})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_NAMES), min_size=1, max_size=25, unique=True))
def test_short_names_join_full_names_as_comparing_every_pair_would(names):
    from kg.extract.text import LEGAL_HEADS, is_short_name
    from kg.resolve import _union_short_names, _UnionFind

    first = {name: i for i, name in enumerate(names)}
    fast, slow = _UnionFind(len(names)), _UnionFind(len(names))
    _union_short_names(first, fast)
    for name in names:
        for full in names:
            if full.endswith(LEGAL_HEADS) and is_short_name(name, full):
                slow.union(first[name], first[full])
    assert [fast.find(i) for i in range(len(names))] == [slow.find(i) for i in range(len(names))]


def test_the_store_lines_of_a_build_are_those_of_its_rdflib_graph_split_by_document(corpus_result):
    """kg build --store splits the lines of the build's N-Triples; kg push splits an rdflib graph: the same."""
    from kg.corpus import graph_lines
    from kg.store import SHARED_GRAPH, split_by_document

    def term(x) -> str:
        if isinstance(x, Literal):
            return str(ox.Literal(str(x), language=x.language, datatype=ox.NamedNode(str(x.datatype)) if x.datatype else None))
        return str(ox.NamedNode(str(x)))

    expected = {doc or SHARED_GRAPH: sorted(f"{term(s)} {term(p)} {term(o)} ." for s, p, o in triples)
                for doc, triples in split_by_document(corpus_result.graph).items()}
    lines = graph_lines(corpus_result.ntriples)
    assert lines == expected
    assert len(lines) == len(corpus_result.documents) + 1 and sum(map(len, lines.values())) >= len(corpus_result.graph)


def test_a_large_store_write_is_bulk_loaded_into_the_same_quads(tmp_path, monkeypatch):
    import kg.corpus
    import kg.store

    opened, calls = kg.store.open_for_writing, []

    class Recorded:
        def __init__(self, path):
            self.store = opened(path)

        def __getattr__(self, name):
            calls.append(name)
            return getattr(self.store, name)

    monkeypatch.setattr(kg.store, "open_for_writing", Recorded)
    small = store_build([CORPUS], tmp_path / "out", tmp_path / "transaction")
    assert "bulk_load" not in calls and "update" in calls
    monkeypatch.setattr(kg.corpus, "BULK_LOAD_TRIPLES", 0)
    calls.clear()
    store_build([CORPUS], tmp_path / "out", tmp_path / "bulk")
    assert "bulk_load" in calls
    assert small.report["store"]["graphs_written"] == len(small.documents) + 1
    quads = store_quads(tmp_path / "transaction")
    assert quads == store_quads(tmp_path / "bulk") and len(quads) >= small.report["triples"]
