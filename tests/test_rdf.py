"""The RDF form of a build: provenance to the character, documents, IRIs and named graphs."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import RDF, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS

import kg
from kg.graph import document_iri, entity_iri, to_networkx
from kg.model import RELATION_PREDICATES
from kg.pipeline import process_text
from kg.rdf import PREFIXES, decimal_literal, graph_from_rdf, graph_to_rdf, to_dataset
from kg.vocab import ZKG
from tests.data import ROOT

HEAD = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())

RELATION_EVIDENCE = HEAD + """
SELECT ?s ?p ?o ?sentence ?start ?end ?doc WHERE {
  ?s ?p ?o .
  ?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; zkg:evidence ?ev .
  ?ev zkg:text ?sentence ; zkg:start ?start ; zkg:end ?end ; prov:wasDerivedFrom ?doc .
}"""

INDICATOR_EVIDENCE = HEAD + """
SELECT ?i ?raw ?sentence ?start ?end ?doc WHERE {
  ?subject zkg:hasIndicator ?i .
  ?i a zkg:Indicator ; zkg:rawText ?raw ; zkg:evidence ?ev .
  ?ev zkg:text ?sentence ; zkg:start ?start ; zkg:end ?end ; prov:wasDerivedFrom ?doc .
}"""


@pytest.fixture(scope="module")
def seed(seed_result):
    return seed_result.graph, seed_result.documents[0]


def test_every_relation_has_its_sentence_and_the_offsets_slice_it(seed):
    g, doc = seed
    relations = {(s, p, o) for p in (ZKG[r] for r in RELATION_PREDICATES) for s, o in g.subject_objects(p)}
    assert len(relations) > 20
    rows = list(g.query(RELATION_EVIDENCE))
    found = {(r.s, r.p, r.o) for r in rows}
    assert relations <= found
    for r in rows:
        assert str(r.doc) == document_iri(doc)
        assert doc.text[int(r.start):int(r.end)] == str(r.sentence)


def test_every_indicator_has_its_sentence_and_the_offsets_slice_it(seed):
    g, doc = seed
    indicators = set(g.subjects(RDF.type, ZKG.Indicator))
    assert len(indicators) > 20
    rows = list(g.query(INDICATOR_EVIDENCE))
    assert {r.i for r in rows} == indicators
    for r in rows:
        start, end = int(r.start), int(r.end)
        assert doc.text[start:end] == str(r.sentence)
        # the indicator's IRI carries the offsets of the figure itself, inside its sentence
        fig_start, fig_end = map(int, str(r.i).rsplit("-", 2)[1:])
        assert start <= fig_start < fig_end <= end and doc.text[fig_start:fig_end] == str(r.raw)


def test_every_entity_has_evidence_that_slices_the_text(seed):
    g, doc = seed
    entities = {s for c in kg.model.ENTITY_CLASSES for s in g.subjects(RDF.type, ZKG[c])}
    for ent in entities:
        evidence = list(g.objects(ent, ZKG.evidence))
        assert evidence, ent
        for ev in evidence:
            assert doc.text[int(g.value(ev, ZKG.start)):int(g.value(ev, ZKG.end))] == str(g.value(ev, ZKG.text))


def test_the_readme_provenance_query_finds_the_sentence_behind_a_relation(seed):
    g, doc = seed
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Provenance", 1)[1].split("\n## ", 1)[0]
    query = re.search(r"```sparql\n(.*?)```", section, re.S).group(1)
    rows = list(g.query(HEAD + query))
    assert rows
    for row in rows:
        values = {str(k): v for k, v in row.asdict().items()}
        sentence = values.get("sentence")
        assert sentence is not None and str(sentence) in doc.text


def test_documents_carry_title_source_hash_and_length(seed):
    g, doc = seed
    node = URIRef(document_iri(doc))
    assert (node, RDF.type, ZKG.Document) in g
    assert str(g.value(node, DCTERMS.title)) == doc.title
    assert str(g.value(node, DCTERMS.source)) == "pingxiang-2024.txt"
    assert str(g.value(node, ZKG.sha256)) == doc.sha256
    assert g.value(node, ZKG.characters) == Literal(len(doc.text), datatype=XSD.integer)


def test_a_known_date_becomes_dcterms_date():
    doc = kg.extract("萍乡经济技术开发区引进京东集团。", date="2024-09-30")
    g = graph_to_rdf(to_networkx([doc]))
    assert g.value(URIRef(document_iri(doc)), DCTERMS.date) == Literal("2024-09-30", datatype=XSD.date)


def test_every_iri_of_the_seed_graph_is_valid(seed):
    pyoxigraph = pytest.importorskip("pyoxigraph")
    g, _ = seed
    iris = {t for triple in g for t in triple if isinstance(t, URIRef)}
    for iri in iris:
        pyoxigraph.NamedNode(str(iri))  # raises ValueError on an invalid IRI
        assert not re.search(r"[\s<>\"{}|^`\\]", str(iri)), iri


def test_iris_are_the_same_across_documents_and_runs():
    a = process_text("萍乡经济技术开发区引进京东集团。", source="a.txt")
    b = process_text("京东集团在萍乡经济技术开发区建设物流园。", source="b.txt")
    G = to_networkx([a, b])
    assert entity_iri("Enterprise", "京东集团") in G
    assert sum(1 for _, d in G.nodes(data=True) if d.get("label") == "京东集团") == 1
    assert sorted(to_networkx([a, b]).nodes) == sorted(G.nodes)


def test_one_named_graph_per_document_with_shared_entities_in_each():
    a = process_text("萍乡经济技术开发区引进京东集团。", source="a.txt")
    b = process_text("萍乡经济技术开发区获评国家绿色园区。", source="b.txt")
    g = graph_to_rdf(to_networkx([a, b]))
    ds = to_dataset(g)
    names = {URIRef(document_iri(a)), URIRef(document_iri(b))}
    quads = list(ds.quads((None, None, None, None)))
    assert {q[3] for q in quads} == names  # the default graph is empty
    assert {q[:3] for q in quads} == set(g)  # the union is the graph
    zone = URIRef(entity_iri("DevelopmentZone", "萍乡经济技术开发区"))
    for name in names:
        assert (zone, RDF.type, ZKG.DevelopmentZone) in ds.graph(name)
    jd = URIRef(entity_iri("Enterprise", "京东集团"))
    assert (jd, RDF.type, ZKG.Enterprise) in ds.graph(URIRef(document_iri(a)))
    assert (jd, RDF.type, ZKG.Enterprise) not in ds.graph(URIRef(document_iri(b)))


@pytest.mark.parametrize("value, text", [("19684000", "19684000.0"), ("1.9684E+7", "19684000.0"), ("0.50", "0.5"),
                                         ("-3", "-3.0"), ("340000000.00", "340000000.0")])
def test_decimals_are_canonical(value, text):
    assert str(decimal_literal(value)) == text


def test_graph_from_rdf_reads_documents_back(seed):
    g, doc = seed
    G = graph_from_rdf(g)
    node = G.nodes[document_iri(doc)]
    assert node["sha256"] == doc.sha256 and node["characters"] == len(doc.text)


# --- the two ways to the same triples: rdflib graph and N-Triples written directly ----------------------------


def test_ntriples_written_directly_are_the_rdflib_graph_byte_for_byte():
    from kg.rdf import NTriples, to_ntriples

    result = kg.build([ROOT / "tests" / "data" / "corpus"], validate=False)
    direct = to_ntriples(result.nx_graph)
    assert len(direct) == len(result.graph) > 1000
    assert direct.data == NTriples.from_graph(result.graph).data


def test_turtle_from_a_build_and_from_its_rdflib_graph_are_the_same_bytes(seed_result):
    from kg.serialise import serialise

    assert serialise(seed_result.ntriples, "ttl") == serialise(seed_result.graph, "ttl")


@given(st.text(max_size=30))
@settings(max_examples=300, deadline=None)
def test_literals_are_escaped_as_oxigraph_writes_them(text):
    import pyoxigraph

    from kg.rdf import Lit, nt_term

    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    for lit, ox in ((Lit(text, "zh"), pyoxigraph.Literal(text, language="zh")),
                    (Lit(text), pyoxigraph.Literal(text))):
        expected = pyoxigraph.serialize([pyoxigraph.Triple(pyoxigraph.NamedNode("http://x/s"), pyoxigraph.NamedNode("http://x/p"), ox)],
                                        format=pyoxigraph.RdfFormat.N_TRIPLES).decode("utf-8")
        assert f"<http://x/s> <http://x/p> {nt_term(lit)} .\n" == expected
