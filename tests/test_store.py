"""The embedded store: how a graph is split into named graphs, rebuilds that replace, the same rows as
from the file, and ``kg build --store`` / ``kg query --store`` on the command line."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg.errors import GraphFileError, QueryError
from kg.query import GraphSource, inject_values, run_saved
from kg.store import SHARED_GRAPH, StoreSource, split_by_document, write_store
from kg.vocab import ZKG
from tests.data import SEED, kg_cli
from tests.test_query import EXPECTED, FIXTURE_TTL, TRICKY, texts

D1 = "https://w3id.org/zonekg/id/document/d1"
D2 = "https://w3id.org/zonekg/id/document/d2"
XH = URIRef("https://w3id.org/zonekg/id/enterprise/星河科技有限公司")


@pytest.fixture(scope="module")
def fixture_graph() -> Graph:
    return Graph().parse(data=FIXTURE_TTL, format="turtle")


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory, fixture_graph):
    folder = tmp_path_factory.mktemp("store")
    write_store(fixture_graph, folder)
    return folder


def test_split_keeps_every_triple_and_shares_entity_descriptions(fixture_graph):
    parts = split_by_document(fixture_graph)
    assert set(parts) == {None, D1, D2}
    union = set().union(*map(set, parts.values()))
    assert union == set(fixture_graph)
    shared = set(parts[None])
    assert (XH, RDF.type, ZKG.Enterprise) in shared and (XH, RDFS.label, Literal("星河科技有限公司", lang="zh")) in shared
    # the document's own nodes and the relations it states stay with it
    zone_a = URIRef("https://w3id.org/zonekg/id/zone/甲经济开发区")
    assert (zone_a, ZKG.introduced, XH) in parts[D1] and (zone_a, ZKG.introduced, XH) not in parts[D2]
    assert all(str(s).startswith("https://w3id.org/zonekg/id/") for s, _, _ in parts[D2])
    # no triple in two graphs (no relation here is stated by both documents)
    assert sum(map(len, parts.values())) == len(fixture_graph)


def test_store_holds_one_graph_per_document(store_dir):
    store = ox.Store.read_only(str(store_dir))
    graphs = sorted(g.value for g in store.named_graphs())
    assert graphs == sorted([D1, D2, SHARED_GRAPH])


@pytest.mark.parametrize(("name", "params"), list(EXPECTED), ids=[f"{n}-{'-'.join(k for k, _ in p)}" for n, p in EXPECTED])
def test_store_gives_the_same_rows_as_the_file(store_dir, name, params):
    source = StoreSource.open(store_dir)
    try:
        assert texts(run_saved(source, name, dict(params))) == EXPECTED[(name, params)]
    finally:
        source.close()


def test_rebuilding_a_document_replaces_its_graph(tmp_path, fixture_graph):
    write_store(fixture_graph, tmp_path)
    changed = Graph()
    zone_a = URIRef("https://w3id.org/zonekg/id/zone/甲经济开发区")
    project = URIRef("https://w3id.org/zonekg/id/project/年产5万吨新材料项目")
    s2 = URIRef("https://w3id.org/zonekg/id/statement/s2")
    d1_nodes = {s for s, _, _ in split_by_document(fixture_graph)[D1]}
    for s, p, o in fixture_graph:
        if (s in d1_nodes or (p == ZKG.evidence and "d1-" in str(o))) and s != s2 and (s, p, o) != (zone_a, ZKG.introduced, project):
            changed.add((s, p, o))
    for t in fixture_graph.triples((None, None, None)):
        if t[0] in (zone_a, project) and t[1] in (RDF.type, RDFS.label):
            changed.add(t)
    write_store(changed, tmp_path)  # only d1 again, without "甲 introduced the project"
    source = StoreSource.open(tmp_path)
    rows = texts(run_saved(source, "introductions"))
    source.close()
    assert [r[:2] for r in rows] == [("乙高新区", "星河科技有限公司"), ("甲经济开发区", "星河科技有限公司")]


def test_writing_the_same_graph_twice_changes_nothing(tmp_path, fixture_graph):
    write_store(fixture_graph, tmp_path)
    first = sorted(str(q) for q in ox.Store.read_only(str(tmp_path)))
    write_store(fixture_graph, tmp_path)
    assert sorted(str(q) for q in ox.Store.read_only(str(tmp_path))) == first


def test_graph_files_in_memory_give_the_same_rows(tmp_path, fixture_graph):
    path = tmp_path / "g.nt"
    path.write_text(fixture_graph.serialize(format="nt"), encoding="utf-8")
    source = StoreSource.from_files([path])
    for (name, params), rows in EXPECTED.items():
        assert texts(run_saved(source, name, dict(params))) == rows, name


def test_store_errors(tmp_path, store_dir):
    with pytest.raises(GraphFileError, match="no store there"):
        StoreSource.open(tmp_path / "missing")
    source = StoreSource.open(store_dir)
    with pytest.raises(QueryError, match=r"syntax error at line 2, column \d+"):
        source.query("SELECT ?x WHERE {\n ?x ?y }")
    with pytest.raises(QueryError, match="only SELECT and ASK"):
        source.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert source.execute("CONSTRUCT WHERE { ?s a zkg:Project }").startswith(b"<https://w3id.org/zonekg/id/project/")
    assert source.query("ASK { ?s a zkg:Project }").boolean is True
    table = source.query("SELECT ?s WHERE { ?s a zkg:Evidence }", limit=2)
    assert len(table.rows) == 2 and table.truncated


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.text(min_size=0, max_size=40), st.sampled_from(TRICKY)))
def test_any_text_binds_as_exactly_one_literal_in_oxigraph(text):
    source = StoreSource(ox.Store())
    table = source.query(inject_values("SELECT ?x WHERE { }", {"x": [Literal(text)]}))
    assert texts(table) == [(text,)]


# --- the command line ---


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed-out")
    store = tmp_path_factory.mktemp("seed-store")
    run = kg_cli("build", SEED, "-o", out, "--store", store)
    assert run.returncode == 0, run.stderr
    assert "named graph(s)" in run.stdout
    return out, store


def test_build_store_then_query_it(seed_store):
    out, store = seed_store
    run = kg_cli("query", "--saved", "introductions", "--param", "zone=萍乡经开区", "--store", store, "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert any(line.startswith("萍乡经济技术开发区,京东集团,Enterprise,") for line in run.stdout.splitlines())
    from_file = kg_cli("query", "--saved", "introductions", "--param", "zone=萍乡经开区", "--data", out / "graph.ttl",
                       "--format", "csv")
    assert from_file.stdout == run.stdout


def test_building_again_into_the_store_is_idempotent(seed_store, tmp_path):
    _, store = seed_store
    before = sorted(str(q) for q in ox.Store.read_only(str(store)))
    run = kg_cli("build", SEED, "-o", tmp_path, "--store", store)
    assert run.returncode == 0, run.stderr
    assert sorted(str(q) for q in ox.Store.read_only(str(store))) == before


def test_cli_store_errors(tmp_path, seed_store):
    run = kg_cli("query", "SELECT * { ?s ?p ?o }", "--store", tmp_path / "nothing")
    assert run.returncode == 2 and "no store there" in run.stderr and run.stderr.count("\n") == 1
    run = kg_cli("query", "SELECT ?x WHERE {\n ?x ?y }", "--store", seed_store[1])
    assert run.returncode == 4 and "line 2, column" in run.stderr


def test_seed_rows_match_between_file_and_store(seed_result, tmp_path):
    write_store(seed_result.graph, tmp_path)
    store = StoreSource.open(tmp_path)
    graph = GraphSource(seed_result.graph)
    params = {"enterprises-of-zone": {"zone": "萍乡经济技术开发区"}, "honors": {}, "figures": {}, "policies": {},
              "introductions": {}, "platforms-by-type": {}, "evidence": {"subject": "萍乡经济技术开发区"},
              "class-counts": {}, "multi-document-entities": {"min": "1"}}
    for name, p in params.items():
        assert texts(run_saved(store, name, p)) == texts(run_saved(graph, name, p)), name
