"""Saved questions: the right rows on a small hand-made graph and on the seed article; safe parameters;
the errors a user meets."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from kg.errors import QueryError
from kg.lexicon import platform_type, platform_type_heads
from kg.query import (
    GraphSource,
    Table,
    format_csv,
    format_json,
    format_tsv,
    format_xml,
    inject_values,
    parse_saved,
    run_query,
    run_saved,
    saved_queries,
    sparql_term,
)
from kg.vocab import ZKG
from tests.data import kg_cli

# Two documents in the contract vocabulary, written by hand so that every expected row below is known.
FIXTURE_TTL = """
@base <https://w3id.org/zonekg/id/> .
@prefix zkg: <https://w3id.org/zonekg/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<document/d1> a zkg:Document, prov:Entity ; dcterms:title "甲文"@zh ; dcterms:source "a.txt" .
<document/d2> a zkg:Document, prov:Entity ; dcterms:title "乙文"@zh ; dcterms:source "b.txt" .

<evidence/d1-0-20> a zkg:Evidence ; zkg:text "甲区引进星河科技和年产5万吨新材料项目。"@zh ; zkg:start 0 ; zkg:end 20 ;
    prov:wasDerivedFrom <document/d1> .
<evidence/d1-20-45> a zkg:Evidence ; zkg:text "甲区获评省级绿色园区，拥有规模以上工业企业120家。"@zh ; zkg:start 20 ; zkg:end 45 ;
    prov:wasDerivedFrom <document/d1> .
<evidence/d1-45-100> a zkg:Evidence ;
    zkg:text "甲区出台惠企十条，扶持云帆食品，兑现奖励资金超1968.4万元，建设甲区孵化器和人才之家。"@zh ;
    zkg:start 45 ; zkg:end 100 ; prov:wasDerivedFrom <document/d1> .
<evidence/d2-0-30> a zkg:Evidence ; zkg:text "乙高新区引进星河科技，星河科技获评专精特新企业，营业收入超3.5亿元。"@zh ;
    zkg:start 0 ; zkg:end 30 ; prov:wasDerivedFrom <document/d2> .
<evidence/d2-30-60> a zkg:Evidence ; zkg:text "乙高新区推出人才新政，建设乙区博士后科研工作站、政务服务中心和创新港。"@zh ;
    zkg:start 30 ; zkg:end 60 ; prov:wasDerivedFrom <document/d2> .

<zone/甲经济开发区> a zkg:DevelopmentZone ; rdfs:label "甲经济开发区"@zh ; skos:altLabel "甲区"@zh ;
    zkg:evidence <evidence/d1-0-20>, <evidence/d1-20-45>, <evidence/d1-45-100> ;
    zkg:introduced <enterprise/星河科技有限公司>, <project/年产5万吨新材料项目> ;
    zkg:hasEnterprise <enterprise/云帆食品> ; zkg:hasHonor <honor/省级绿色园区> ; zkg:implementsPolicy <policy/惠企十条> ;
    zkg:hasPlatform <platform/甲区孵化器>, <platform/人才之家> ;
    zkg:hasIndicator <indicator/d1-38-42>, <indicator/d1-70-79> .
<zone/乙高新区> a zkg:DevelopmentZone ; rdfs:label "乙高新区"@zh ; zkg:evidence <evidence/d2-0-30>, <evidence/d2-30-60> ;
    zkg:introduced <enterprise/星河科技有限公司> ;
    zkg:hasPlatform <platform/乙区博士后科研工作站>, <platform/政务服务中心> .
<enterprise/星河科技有限公司> a zkg:Enterprise ; rdfs:label "星河科技有限公司"@zh ; skos:altLabel "星河科技"@zh ;
    zkg:evidence <evidence/d1-0-20>, <evidence/d2-0-30> ; zkg:hasHonor <honor/专精特新企业> ;
    zkg:hasIndicator <indicator/d2-22-29> .
<enterprise/云帆食品> a zkg:Enterprise ; rdfs:label "云帆食品"@zh ; zkg:evidence <evidence/d1-45-100> ;
    zkg:locatedIn <zone/甲经济开发区> .
<project/年产5万吨新材料项目> a zkg:Project ; rdfs:label "年产5万吨新材料项目"@zh ; zkg:evidence <evidence/d1-0-20> .
<honor/省级绿色园区> a zkg:Honor ; rdfs:label "省级绿色园区"@zh ; zkg:evidence <evidence/d1-20-45> .
<honor/专精特新企业> a zkg:Honor ; rdfs:label "专精特新企业"@zh ; zkg:evidence <evidence/d2-0-30> .
<policy/惠企十条> a zkg:Policy ; rdfs:label "惠企十条"@zh ; zkg:evidence <evidence/d1-45-100> ;
    zkg:supports <enterprise/云帆食品> .
<policy/人才新政> a zkg:Policy ; rdfs:label "人才新政"@zh ; zkg:evidence <evidence/d2-30-60> .
<platform/甲区孵化器> a zkg:Platform ; rdfs:label "甲区孵化器"@zh ; zkg:evidence <evidence/d1-45-100> .
<platform/人才之家> a zkg:Platform ; rdfs:label "人才之家"@zh ; zkg:evidence <evidence/d1-45-100> .
<platform/乙区博士后科研工作站> a zkg:Platform ; rdfs:label "乙区博士后科研工作站"@zh ; zkg:evidence <evidence/d2-30-60> .
<platform/政务服务中心> a zkg:Platform ; rdfs:label "政务服务中心"@zh ; zkg:evidence <evidence/d2-30-60> .
<platform/创新港> a zkg:Platform ; rdfs:label "创新港"@zh ; zkg:evidence <evidence/d2-30-60> .

# What kg build derives: each document mentions the entities its sentences are evidence of; each
# platform's type is the head of its name (kg/resources/platform_types.txt).
<document/d1> zkg:mentions <zone/甲经济开发区>, <enterprise/星河科技有限公司>, <project/年产5万吨新材料项目>,
    <honor/省级绿色园区>, <enterprise/云帆食品>, <policy/惠企十条>, <platform/甲区孵化器>, <platform/人才之家> .
<document/d2> zkg:mentions <zone/乙高新区>, <enterprise/星河科技有限公司>, <honor/专精特新企业>, <policy/人才新政>,
    <platform/乙区博士后科研工作站>, <platform/政务服务中心>, <platform/创新港> .
<platform/甲区孵化器> zkg:platformType "孵化器" .
<platform/人才之家> zkg:platformType "之家" .
<platform/乙区博士后科研工作站> zkg:platformType "工作站" .
<platform/政务服务中心> zkg:platformType "服务中心" .
<platform/创新港> zkg:platformType "其他" .

<indicator/d1-38-42> a zkg:Indicator ; zkg:measure "规模以上工业企业"@zh ; zkg:value 120.0 ; zkg:unit "家"@zh ;
    zkg:rawText "120家"@zh ; zkg:evidence <evidence/d1-20-45> .
<indicator/d1-70-79> a zkg:Indicator ; zkg:measure "奖励资金"@zh ; zkg:value 19684000.0 ; zkg:unit "元"@zh ;
    zkg:rawText "1968.4万元"@zh ; zkg:qualifier "more-than" ; zkg:period "2024"^^xsd:gYear ; zkg:evidence <evidence/d1-45-100> .
<indicator/d2-22-29> a zkg:Indicator ; zkg:measure "营业收入"@zh ; zkg:value 350000000.0 ; zkg:unit "元"@zh ;
    zkg:rawText "3.5亿元"@zh ; zkg:qualifier "more-than" ; zkg:evidence <evidence/d2-0-30> .

<statement/s1> a rdf:Statement ; rdf:subject <zone/甲经济开发区> ; rdf:predicate zkg:introduced ;
    rdf:object <enterprise/星河科技有限公司> ; zkg:evidence <evidence/d1-0-20> .
<statement/s2> a rdf:Statement ; rdf:subject <zone/甲经济开发区> ; rdf:predicate zkg:introduced ;
    rdf:object <project/年产5万吨新材料项目> ; zkg:evidence <evidence/d1-0-20> .
<statement/s3> a rdf:Statement ; rdf:subject <zone/甲经济开发区> ; rdf:predicate zkg:hasEnterprise ;
    rdf:object <enterprise/云帆食品> ; zkg:evidence <evidence/d1-45-100> .
<statement/s4> a rdf:Statement ; rdf:subject <zone/甲经济开发区> ; rdf:predicate zkg:hasHonor ;
    rdf:object <honor/省级绿色园区> ; zkg:evidence <evidence/d1-20-45> .
<statement/s5> a rdf:Statement ; rdf:subject <zone/甲经济开发区> ; rdf:predicate zkg:implementsPolicy ;
    rdf:object <policy/惠企十条> ; zkg:evidence <evidence/d1-45-100> .
<statement/s6> a rdf:Statement ; rdf:subject <policy/惠企十条> ; rdf:predicate zkg:supports ;
    rdf:object <enterprise/云帆食品> ; zkg:evidence <evidence/d1-45-100> .
<statement/s7> a rdf:Statement ; rdf:subject <zone/甲经济开发区> ; rdf:predicate zkg:hasPlatform ;
    rdf:object <platform/甲区孵化器> ; zkg:evidence <evidence/d1-45-100> .
<statement/s8> a rdf:Statement ; rdf:subject <zone/甲经济开发区> ; rdf:predicate zkg:hasPlatform ;
    rdf:object <platform/人才之家> ; zkg:evidence <evidence/d1-45-100> .
<statement/s9> a rdf:Statement ; rdf:subject <zone/乙高新区> ; rdf:predicate zkg:introduced ;
    rdf:object <enterprise/星河科技有限公司> ; zkg:evidence <evidence/d2-0-30> .
<statement/s10> a rdf:Statement ; rdf:subject <enterprise/星河科技有限公司> ; rdf:predicate zkg:hasHonor ;
    rdf:object <honor/专精特新企业> ; zkg:evidence <evidence/d2-0-30> .
<statement/s11> a rdf:Statement ; rdf:subject <zone/乙高新区> ; rdf:predicate zkg:hasPlatform ;
    rdf:object <platform/乙区博士后科研工作站> ; zkg:evidence <evidence/d2-30-60> .
<statement/s12> a rdf:Statement ; rdf:subject <zone/乙高新区> ; rdf:predicate zkg:hasPlatform ;
    rdf:object <platform/政务服务中心> ; zkg:evidence <evidence/d2-30-60> .
<statement/s13> a rdf:Statement ; rdf:subject <enterprise/云帆食品> ; rdf:predicate zkg:locatedIn ;
    rdf:object <zone/甲经济开发区> ; zkg:evidence <evidence/d1-45-100> .
"""

S_D1_1 = "甲区引进星河科技和年产5万吨新材料项目。"
S_D1_2 = "甲区获评省级绿色园区，拥有规模以上工业企业120家。"
S_D1_3 = "甲区出台惠企十条，扶持云帆食品，兑现奖励资金超1968.4万元，建设甲区孵化器和人才之家。"
S_D2_1 = "乙高新区引进星河科技，星河科技获评专精特新企业，营业收入超3.5亿元。"
A, B = "甲经济开发区", "乙高新区"
XH, YF = "星河科技有限公司", "云帆食品"

#: (saved query, parameters) → the rows it must give on the fixture, in order; None stands for unbound.
EXPECTED = {
    ("enterprises-of-zone", ()): [(B, XH, "introduced"), (A, YF, "hasEnterprise"), (A, YF, "locatedIn"),
                                  (A, XH, "introduced")],
    ("enterprises-of-zone", (("zone", "甲区"),)): [(A, YF, "hasEnterprise"), (A, YF, "locatedIn"), (A, XH, "introduced")],
    ("honors", ()): [(XH, "专精特新企业", S_D2_1), (A, "省级绿色园区", S_D1_2)],
    ("honors", (("entity", "星河科技"),)): [(XH, "专精特新企业", S_D2_1)],
    ("figures", (("entity", A),)): [(A, "奖励资金", "19684000", "元", "more-than", "2024", S_D1_3),
                                    (A, "规模以上工业企业", "120", "家", None, None, S_D1_2)],
    ("figures", (("entity", XH),)): [(XH, "营业收入", "350000000", "元", "more-than", None, S_D2_1)],
    ("policies", ()): [("人才新政", None, None), ("惠企十条", "supports", YF), ("惠企十条", "implementedBy", A)],
    ("policies", (("policy", "惠企十条"),)): [("惠企十条", "supports", YF), ("惠企十条", "implementedBy", A)],
    ("introductions", ()): [(B, XH, "Enterprise", S_D2_1), (A, "年产5万吨新材料项目", "Project", S_D1_1),
                            (A, XH, "Enterprise", S_D1_1)],
    ("introductions", (("target", "星河科技"),)): [(B, XH, "Enterprise", S_D2_1), (A, XH, "Enterprise", S_D1_1)],
    ("introductions", (("zone", "甲区"), ("target", "年产5万吨新材料项目"))): [
        (A, "年产5万吨新材料项目", "Project", S_D1_1)],
    ("platforms-by-type", ()): [("之家", "人才之家", A), ("其他", "创新港", None), ("孵化器", "甲区孵化器", A),
                                ("工作站", "乙区博士后科研工作站", B), ("服务中心", "政务服务中心", B)],
    ("platforms-by-type", (("type", "孵化器"),)): [("孵化器", "甲区孵化器", A)],
    ("evidence", (("subject", "甲区"), ("object", "星河科技"))): [(A, "introduced", XH, S_D1_1, "0", "20", "a.txt")],
    ("evidence", (("subject", "星河科技"),)): [
        (XH, "hasHonor", "专精特新企业", S_D2_1, "0", "30", "b.txt"),
        (XH, "hasIndicator", "营业收入 3.5亿元", S_D2_1, "0", "30", "b.txt"),
        (XH, "type", "Enterprise", S_D2_1, "0", "30", "b.txt"),
        (XH, "type", "Enterprise", S_D1_1, "0", "20", "a.txt")],
    ("evidence", (("subject", "星河科技"), ("predicate", "hasHonor"))): [
        (XH, "hasHonor", "专精特新企业", S_D2_1, "0", "30", "b.txt")],
    ("class-counts", ()): [("Evidence", "5"), ("Platform", "5"), ("Indicator", "3"), ("DevelopmentZone", "2"),
                           ("Document", "2"), ("Enterprise", "2"), ("Honor", "2"), ("Policy", "2"), ("Project", "1")],
    ("multi-document-entities", ()): [(XH, "Enterprise", "2")],
    ("multi-document-entities", (("min", "3"),)): [],
}


@pytest.fixture(scope="module")
def fixture_graph() -> Graph:
    return Graph().parse(data=FIXTURE_TTL, format="turtle")


def texts(table: Table) -> list[tuple]:
    return [tuple(None if t is None else str(t) for t in row) for row in table.rows]


ISSUE_QUESTIONS = {"enterprises-of-zone", "honors", "figures", "policies", "introductions", "platforms-by-type", "evidence",
                   "class-counts", "multi-document-entities"}


def test_every_saved_query_is_covered_and_documented():
    assert {name for name, _ in EXPECTED} == ISSUE_QUESTIONS
    assert ISSUE_QUESTIONS <= set(saved_queries())
    for q in saved_queries().values():
        assert q.title and q.description, q.name
        assert "# Columns:" in q.text, q.name
        for p in q.params:
            assert p.description, (q.name, p.name)


def test_parameters_are_never_assigned_inside_the_query():
    """A parameter variable set by BIND or VALUES would clash with its binding (rdflib's initBindings);
    ``VALUES ?name { UNDEF }`` binds nothing: it only marks where kg puts the values in a sub-SELECT."""
    import re

    for q in saved_queries().values():
        body = "\n".join(line for line in q.text.splitlines() if not line.lstrip().startswith("#"))
        for p in q.params:
            assert not re.search(rf"AS\s+\?{p.name}\b", body), (q.name, p.name)
            placeholders = re.sub(rf"VALUES\s+\?{p.name}\s*\{{\s*UNDEF\s*\}}", "", body)
            assert not re.search(rf"VALUES\s+\?{p.name}\b", placeholders), (q.name, p.name)


def test_a_placeholder_takes_the_values_only_outside_strings_and_comments():
    sparql = ('SELECT ?n WHERE {\n  { SELECT ?s (COUNT(*) AS ?n) WHERE {\n    VALUES ?s { UNDEF }  # VALUES ?s { UNDEF }\n'
              '    ?s rdfs:label "VALUES ?s { UNDEF }" } GROUP BY ?s } }')
    filled = inject_values(sparql, {"s": [URIRef("urn:a")]})
    assert filled.splitlines()[2] == "    VALUES ?s { <urn:a> }  # VALUES ?s { UNDEF }"
    assert filled.splitlines()[3] == '    ?s rdfs:label "VALUES ?s { UNDEF }" } GROUP BY ?s } }'
    assert inject_values(sparql, {"t": [URIRef("urn:a")]}).count("VALUES ?s { UNDEF }") == 3
    # bound to nothing: no rows, from the block at the top
    assert run_query(Graph(), inject_values(sparql, {"s": []})).rows == []


def test_the_placeholder_restricts_a_grouped_sub_select_to_the_same_rows(fixture_graph):
    """Filled or left empty (rdflib binds the parameter everywhere by initBindings), the same rows."""
    sparql = ("SELECT ?s ?n WHERE { { SELECT ?s (COUNT(?i) AS ?n) WHERE { VALUES ?s { UNDEF } ?s zkg:hasIndicator ?i } "
              "GROUP BY ?s } }")
    source = GraphSource(fixture_graph)
    one = [URIRef("https://w3id.org/zonekg/id/zone/甲经济开发区")]
    both = [*one, URIRef("https://w3id.org/zonekg/id/enterprise/星河科技有限公司")]
    assert texts(source.query(sparql, bindings={"s": one})) == [(str(one[0]), "2")]
    assert texts(run_query(fixture_graph, inject_values(sparql, {"s": one}))) == [(str(one[0]), "2")]
    assert sorted(texts(source.query(sparql, bindings={"s": both}))) == [(str(both[1]), "1"), (str(one[0]), "2")]


@pytest.mark.parametrize(("name", "params"), list(EXPECTED), ids=[f"{n}-{'-'.join(k for k, _ in p)}" for n, p in EXPECTED])
def test_saved_query_rows_on_the_fixture(fixture_graph, name, params):
    table = run_saved(GraphSource(fixture_graph), name, dict(params))
    assert texts(table) == EXPECTED[(name, params)]


def test_the_fixture_states_what_a_build_derives(fixture_graph):
    """zkg:mentions and zkg:platformType in the fixture are what kg build would state (see kg.rdf._summaries)."""
    derived = {(doc, entity) for entity, ev in fixture_graph.subject_objects(ZKG.evidence)
               if (entity, RDF.type, ZKG.Indicator) not in fixture_graph and (entity, RDF.type, RDF.Statement) not in fixture_graph
               for doc in fixture_graph.objects(ev, PROV.wasDerivedFrom)}
    assert set(fixture_graph.subject_objects(ZKG.mentions)) == derived
    platforms = set(fixture_graph.subjects(RDF.type, ZKG.Platform))
    assert {(p, str(fixture_graph.value(p, ZKG.platformType))) for p in platforms} == {
        (p, platform_type(str(fixture_graph.value(p, RDFS.label)))) for p in platforms}


def test_class_counts_names_every_class_of_the_ontology():
    """class-counts lists the classes it counts: exactly those of the ontology, none left out."""
    import re

    from rdflib.namespace import OWL

    from kg.validate import ontology_graph

    text = saved_queries()["class-counts"].text
    listed = set(re.findall(r"zkg:(\w+)", re.search(r"VALUES \?type \{([^}]*)\}", text).group(1)))
    defined = {str(c)[len(ZKG._NS):] for c in ontology_graph().subjects(RDF.type, OWL.Class)
               if isinstance(c, URIRef) and str(c).startswith(ZKG._NS)}
    assert listed == defined


def test_class_counts_counts_a_thing_once_however_many_graphs_state_its_type():
    """The union of a store's graphs keeps a triple stated in two of them twice; the count does not."""
    import pyoxigraph as ox

    from kg.store import StoreSource

    store = ox.Store()
    zone = ox.NamedNode("https://w3id.org/zonekg/id/zone/甲")
    for name in ("urn:g:1", "urn:g:2"):
        store.add(ox.Quad(zone, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(ZKG.DevelopmentZone)), ox.NamedNode(name)))
    source = StoreSource(store)
    assert len(source.query("SELECT ?t WHERE { ?s a ?t }").rows) == 2
    assert texts(run_saved(source, "class-counts")) == [("DevelopmentZone", "1")]


def test_parameter_by_iri_and_by_prefixed_name(fixture_graph):
    source = GraphSource(fixture_graph)
    by_name = texts(run_saved(source, "honors", {"entity": A}))
    assert texts(run_saved(source, "honors", {"entity": f"<https://w3id.org/zonekg/id/zone/{A}>"})) == by_name
    assert texts(run_saved(source, "honors", {"entity": f"zkgr:zone/{A}"})) == by_name
    assert texts(run_saved(source, "evidence", {"subject": XH, "predicate": "zkg:hasHonor"}))[0][1] == "hasHonor"


def test_an_unknown_name_gives_no_rows_and_a_note(fixture_graph):
    table = run_saved(GraphSource(fixture_graph), "honors", {"entity": "无此园区"})
    assert table.rows == []
    assert table.notes == ["no entity is named '无此园区' (parameter entity)"]


def test_unknown_saved_query_lists_the_available_ones():
    with pytest.raises(QueryError) as err:
        run_saved(GraphSource(Graph()), "honours")
    message = str(err.value)
    assert "no saved query named 'honours'" in message
    for name in saved_queries():
        assert name in message


@pytest.mark.parametrize(("params", "message"), [
    ({"zone": "甲区"}, "has no parameter 'zone' (it takes: entity)"),
    ({"entity": "<https://x/a b>"}, "not a valid IRI"),
])
def test_bad_parameters(fixture_graph, params, message):
    with pytest.raises(QueryError) as err:
        run_saved(GraphSource(fixture_graph), "honors", params)
    assert message in str(err.value)


def test_integer_and_property_parameters_are_checked(fixture_graph):
    with pytest.raises(QueryError, match="wants an integer"):
        run_saved(GraphSource(fixture_graph), "multi-document-entities", {"min": "2; DROP ALL"})
    with pytest.raises(QueryError, match="wants a property name"):
        run_saved(GraphSource(fixture_graph), "evidence", {"predicate": "introduced> ?x ?y . <"})


# --- the seed article: facts that stay true while extraction improves ---

ZONE = "萍乡经济技术开发区"


@pytest.fixture(scope="module")
def seed_source(seed_result):
    return GraphSource(seed_result.graph)


def test_seed_introductions(seed_source):
    rows = texts(run_saved(seed_source, "introductions", {"zone": ZONE}))
    assert (ZONE, "京东集团", "Enterprise") in [r[:3] for r in rows]
    assert all("京东集团" in r[3] for r in rows if r[1] == "京东集团")


def test_seed_enterprises_of_zone_by_alias(seed_source):
    rows = texts(run_saved(seed_source, "enterprises-of-zone", {"zone": "萍乡经开区"}))
    assert (ZONE, "京东集团", "introduced") in rows
    assert {r[0] for r in rows} == {ZONE}


def test_seed_honors(seed_source):
    rows = texts(run_saved(seed_source, "honors", {"entity": ZONE}))
    assert (ZONE, "国家绿色园区") in [r[:2] for r in rows]
    assert all(r[1] in r[2].replace("“", "").replace("”", "") for r in rows if r[2])


def test_seed_figures(seed_source):
    rows = texts(run_saved(seed_source, "figures", {"entity": ZONE}))
    assert (ZONE, "规模以上工业企业", "143", "家") in [r[:4] for r in rows]
    sentence = next(r[6] for r in rows if r[1] == "规模以上工业企业")
    assert "143家" in sentence


def test_seed_evidence_of_a_relation(seed_source):
    rows = texts(run_saved(seed_source, "evidence", {"subject": ZONE, "predicate": "introduced", "object": "京东集团"}))
    assert rows and all(r[:3] == (ZONE, "introduced", "京东集团") and "京东集团" in r[3] for r in rows)
    assert all(r[6] == "pingxiang-2024.txt" and int(r[4]) < int(r[5]) for r in rows)


def test_seed_class_counts(seed_source):
    counts = {c: int(n) for c, n in texts(run_saved(seed_source, "class-counts"))}
    assert counts["DevelopmentZone"] >= 1 and counts["Enterprise"] >= 8 and counts["Document"] == 1
    assert counts["Indicator"] >= 30


def test_seed_policies_and_platforms(seed_source):
    policies = texts(run_saved(seed_source, "policies"))
    assert any(link == "implementedBy" and who == ZONE for _, link, who in policies)
    platforms = texts(run_saved(seed_source, "platforms-by-type"))
    assert platforms and all(t for t, _, _ in platforms)
    assert all(t == platform_type(name) for t, name, _ in platforms)
    for kind in {t for t, _, _ in platforms}:
        assert texts(run_saved(seed_source, "platforms-by-type", {"type": kind})) == [r for r in platforms if r[0] == kind]


def test_platform_types_come_from_platform_types_txt(tmp_path):
    import kg

    articles = ["萍乡经济技术开发区建设萍乡众创空间和新材料研究院。", "萍乡经济技术开发区新建青年创业众创空间。"]
    paths = []
    for i, text in enumerate(articles):
        paths.append(tmp_path / f"a{i}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    source = GraphSource(kg.build(paths).graph)
    assert {"众创空间", "研究院"} <= set(platform_type_heads())
    rows = texts(run_saved(source, "platforms-by-type"))
    assert {("众创空间", "萍乡众创空间", ZONE), ("众创空间", "青年创业众创空间", ZONE), ("研究院", "新材料研究院", ZONE)} <= set(rows)
    assert all(t == platform_type(name) for t, name, _ in rows)
    assert texts(run_saved(source, "platforms-by-type", {"type": "众创空间"})) == [r for r in rows if r[0] == "众创空间"]
    assert texts(run_saved(source, "platforms-by-type", {"type": "孵化器"})) == []


def test_seed_entities_in_several_documents(tmp_path):
    import kg
    from tests.data import SEED

    second = tmp_path / "second.txt"
    second.write_text("萍乡经济技术开发区引进京东集团。", encoding="utf-8")
    source = GraphSource(kg.build([SEED, second]).graph)
    rows = texts(run_saved(source, "multi-document-entities"))
    names = {r[0]: r for r in rows}
    assert names[ZONE][1:] == ("DevelopmentZone", "2") and names["京东集团"][1:] == ("Enterprise", "2")
    assert all(r[2] == "2" for r in rows)
    assert texts(run_saved(source, "multi-document-entities", {"min": "3"})) == []


def _mentioned_graph(entities: int, documents: int) -> Graph:
    """``entities`` enterprises, the i-th mentioned in ``1 + i % documents`` of ``documents`` documents."""
    g = Graph()
    docs = [URIRef(f"https://w3id.org/zonekg/id/document/d{k}") for k in range(documents)]
    for i in range(entities):
        e = URIRef(f"https://w3id.org/zonekg/id/enterprise/e{i:03d}")
        g.add((e, RDF.type, ZKG.Enterprise))
        g.add((e, RDFS.label, Literal(f"企业{(entities - i) % entities:03d}", lang="zh")))  # names not in IRI order
        for doc in docs[:1 + i % documents]:
            g.add((doc, ZKG.mentions, e))
    for doc in docs:
        g.add((doc, RDF.type, ZKG.Document))
    return g


@pytest.mark.parametrize("engine", ["rdflib", "store"])
def test_multi_document_entities_keeps_the_most_mentioned_and_breaks_ties_by_name(engine, tmp_path):
    """At most `limit` rows (100 unless told): the most widely mentioned first, then by name, cut there even
    in the middle of entities mentioned equally often."""
    from kg.store import StoreSource, write_store

    g = _mentioned_graph(250, 4)
    if engine == "rdflib":
        source = GraphSource(g)
    else:
        write_store(g, tmp_path / "store")
        source = StoreSource.open(tmp_path / "store")
    every = sorted(((f"企业{(250 - i) % 250:03d}", "Enterprise", str(1 + i % 4)) for i in range(250)),
                   key=lambda r: (-int(r[2]), r[0]))
    assert texts(run_saved(source, "multi-document-entities", {"min": "1", "limit": "1000"})) == every
    assert texts(run_saved(source, "multi-document-entities", {"min": "1"})) == every[:100]  # 62 in 4, 38 of 62 in 3
    assert texts(run_saved(source, "multi-document-entities", {"min": "2", "limit": "7"})) == every[:7]
    assert texts(run_saved(source, "multi-document-entities", {"min": "4", "limit": "100"})) == every[:62]
    for bad in ("0", "-1", "ten", "1.5", "100; DROP ALL"):
        with pytest.raises(QueryError, match="wants a number of rows"):
            run_saved(source, "multi-document-entities", {"limit": bad})


def test_a_limit_parameter_sets_every_limit_clause_and_nothing_else():
    from kg.query import saved_text

    saved = parse_saved("demo", '# Demo\n#\n# What.\n# @param top limit default=10  at most\n'
                                'SELECT * WHERE { { SELECT ?s WHERE { ?s ?p "LIMIT 10" } LIMIT 10 } } # LIMIT 10\nlimit 10')
    assert saved_text(saved, {"top": "3"}).splitlines()[-2:] == [
        'SELECT * WHERE { { SELECT ?s WHERE { ?s ?p "LIMIT 10" } LIMIT 3 } } # LIMIT 10', "limit 3"]


#: Names that begin other names, share 5, 15 and 16 characters, differ in ASCII case.
TRICKY_NAMES = ["甲", "甲乙丙丁戊", "甲乙丙丁戊己", "甲乙丙丁戊乙", "甲乙丙丁戊己庚辛壬癸子丑寅卯辰",
                "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳", "甲乙丙丁戊己庚辛壬癸子丑寅卯辰午", "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午",
                "Ab", "AB", "aB", "乙"]


@pytest.mark.parametrize("engine", ["rdflib", "store"])
def test_names_joined_into_one_sort_key_sort_as_the_names(engine, tmp_path):
    """The saved questions sort by one key, the names joined by U+0001 (which the store compares in
    memory); the rows come in the order of the names one after the other, also where one name begins
    another and the text after it (measure 营业收入, owner 甲区) sorts above the longer name's next character."""
    from kg.store import StoreSource, write_store

    g = Graph()
    zone = URIRef("https://w3id.org/zonekg/id/zone/甲区")
    g.add((zone, RDF.type, ZKG.DevelopmentZone))
    g.add((zone, RDFS.label, Literal("甲区", lang="zh")))
    for i, name in enumerate(TRICKY_NAMES):
        e = URIRef(f"https://w3id.org/zonekg/id/enterprise/e{i}")
        g.add((e, RDF.type, ZKG.Enterprise))
        g.add((e, RDFS.label, Literal(name, lang="zh")))
        g.add((zone, ZKG.hasEnterprise, e))
        ind = URIRef(f"https://w3id.org/zonekg/id/indicator/i{i}")
        g.add((e, ZKG.hasIndicator, ind))
        for p, o in ((ZKG.measure, Literal("营业收入", lang="zh")), (ZKG.value, Literal("1", datatype=XSD.decimal)),
                     (ZKG.unit, Literal("元", lang="zh"))):
            g.add((ind, p, o))
        platform = URIRef(f"https://w3id.org/zonekg/id/platform/p{i}")
        g.add((platform, RDFS.label, Literal(name, lang="zh")))
        g.add((platform, ZKG.platformType, Literal("其他")))
        g.add((zone, ZKG.hasPlatform, platform))
    if engine == "rdflib":
        source = GraphSource(g)
    else:
        write_store(g, tmp_path / "store")
        source = StoreSource.open(tmp_path / "store")
    ordered = sorted(TRICKY_NAMES)
    assert [r[0] for r in texts(run_saved(source, "figures"))] == ordered
    assert [r[1] for r in texts(run_saved(source, "enterprises-of-zone", {"zone": "甲区"}))] == ordered
    assert [r[1] for r in texts(run_saved(source, "platforms-by-type", {"type": "其他"}))] == ordered


# --- safe binding ---


#: Texts that break naive quoting: closing the literal, \u escapes after a backslash, control characters.
TRICKY = ['"} . ?s ?p ?o } #', r"\u0041", r"\U00000041", r"a\\u0041", "\\", "\n\r\t\x00\x7f", "'''", '"""', "<x>", "#x"]


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.text(min_size=0, max_size=40), st.sampled_from(TRICKY)))
def test_any_text_binds_as_exactly_one_literal(text):
    """Quotes, braces, backslashes, \\u, newlines, '#': whatever the user types stays one literal."""
    table = GraphSource(Graph()).query("SELECT ?x WHERE { }", bindings={"x": [Literal(text, lang="zh")]})
    assert texts(table) == [(text,)]
    assert table.rows[0][0].language == "zh"


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_any_text_as_an_entity_parameter_is_harmless(text):
    graph = Graph().parse(data=FIXTURE_TTL, format="turtle")
    before = len(graph)
    table = run_saved(GraphSource(graph), "honors", {"entity": text})
    assert len(graph) == before
    if text not in ("甲经济开发区", "甲区", "星河科技有限公司", "星河科技"):
        assert table.rows == []


def test_sparql_term_refuses_what_cannot_be_an_iri():
    for bad in ("a>b", "a b", "a\"b", "a{b}", "a\\b", "a\nb"):
        with pytest.raises(QueryError):
            sparql_term(URIRef(bad))


def test_injected_values_keep_line_numbers_of_errors():
    sparql = "SELECT ?e WHERE {\n  ?e rdfs:label ?name .\n  ?e ?p }"
    with pytest.raises(QueryError, match="line 3"):
        run_query(Graph(), inject_values(sparql, {"name": [Literal("甲\n乙")]}))


def test_header_format_is_checked():
    from kg.errors import ResourceError

    with pytest.raises(ResourceError):
        parse_saved("bad", "SELECT * {}")
    with pytest.raises(ResourceError):
        parse_saved("bad", "# Title\n# @param zone place optional  what\nSELECT * {}")


# --- formats ---


def test_result_formats(fixture_graph):
    table = run_saved(GraphSource(fixture_graph), "figures", {"entity": XH})
    assert format_csv(table).splitlines()[1] == f"{XH},营业收入,350000000,元,more-than,,{S_D2_1}"
    tsv = format_tsv(table).splitlines()
    assert tsv[0].startswith("?entityName\t?measure")
    assert tsv[1].split("\t")[:3] == [f'"{XH}"@zh', '"营业收入"@zh', '"350000000"^^<http://www.w3.org/2001/XMLSchema#decimal>']
    import json
    import xml.etree.ElementTree as ET

    doc = json.loads(format_json(table))
    assert doc["results"]["bindings"][0]["value"] == {
        "type": "literal", "datatype": "http://www.w3.org/2001/XMLSchema#decimal", "value": "350000000"}
    root = ET.fromstring(format_xml(table))
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    assert [v.get("name") for v in root.findall("s:head/s:variable", ns)][:2] == ["entityName", "measure"]
    assert root.find("s:results/s:result/s:binding[@name='entityName']/s:literal", ns).text == XH


# --- the command line ---


@pytest.fixture(scope="module")
def fixture_file(tmp_path_factory, fixture_graph):
    path = tmp_path_factory.mktemp("fixture") / "graph.ttl"
    path.write_text(fixture_graph.serialize(format="turtle"), encoding="utf-8")
    return path


def test_cli_list():
    run = kg_cli("query", "--list")
    assert run.returncode == 0, run.stderr
    for name, q in saved_queries().items():
        assert name in run.stdout and q.title in run.stdout
    assert "zone=…" in run.stdout and "min=2" in run.stdout


def test_cli_saved_with_param(fixture_file):
    run = kg_cli("query", "--saved", "enterprises-of-zone", "--param", "zone=甲区", "--data", fixture_file, "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["zoneName,enterpriseName,relation", f"{A},{YF},hasEnterprise", f"{A},{YF},locatedIn",
                                       f"{A},{XH},introduced"]


def test_cli_param_binds_a_query_of_ones_own(fixture_file):
    run = kg_cli("query", "SELECT ?name WHERE { ?e rdfs:label ?name . FILTER(STR(?name) = ?want) }", "--param",
                 f"want={XH}", "--data", fixture_file, "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["name", XH]


def test_cli_errors(fixture_file):
    run = kg_cli("query", "--saved", "nope", "--data", fixture_file)
    assert run.returncode == 4
    assert run.stderr.count("\n") == 1 and "available: class-counts, " in run.stderr and "enterprises-of-zone" in run.stderr
    run = kg_cli("query", "SELECT ?x WHERE {\n ?x ?y }", "--data", fixture_file)
    assert run.returncode == 4 and "line 2" in run.stderr and "column" in run.stderr
    run = kg_cli("query", "--saved", "honors", "--param", "entity=无此", "--data", fixture_file)
    assert run.returncode == 0 and "no entity is named '无此'" in run.stderr
    run = kg_cli("query", "--saved", "honors", "--param", "entity", "--data", fixture_file)
    assert run.returncode == 4 and "NAME=VALUE" in run.stderr
    run = kg_cli("query", "SELECT * { ?s ?p ?o }")
    assert run.returncode == 4 and "--data" in run.stderr


def test_kg_query_does_not_load_the_extraction_pipeline(tmp_path):
    """``import kg`` and ``kg query`` (``--store``, ``--data``) leave the builder and networkx unloaded (``kg
    query --store`` starts in 0.18 s instead of 0.3), and ``kg.build`` and ``kg.extract`` stay the API's
    functions once their modules load."""
    from kg.store import write_store

    write_store(Graph().parse(data=FIXTURE_TTL, format="turtle"), tmp_path / "store")
    (tmp_path / "graph.ttl").write_text(FIXTURE_TTL, encoding="utf-8")
    code = ("import sys, kg\n"
            "assert 'networkx' not in sys.modules and 'kg.builder' not in sys.modules\n"
            "from kg.cli import main\n"
            "main(['query', '--saved', 'honors', '--param', 'entity=甲区', '--store', sys.argv[1]])\n"
            "main(['query', '--saved', 'honors', '--param', 'entity=甲区', '--data', sys.argv[2]])\n"
            "assert 'networkx' not in sys.modules and 'kg.builder' not in sys.modules\n"
            "import kg.builder, kg.pipeline\n"
            "assert kg.build is kg.builder.build and kg.extract.__module__ == 'kg'\n"
            "print(kg.extract('安远经济技术开发区引进明辉科技。').entities[0].label)\n")
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path / "store"), str(tmp_path / "graph.ttl")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "省级绿色园区" in run.stdout and run.stdout.strip().endswith("安远经济技术开发区")
