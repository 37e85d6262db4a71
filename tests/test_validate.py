"""SHACL validation: the seed graph conforms, and each way of breaking a graph is reported by its own shape."""

import importlib

import pytest
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import PROV, SKOS

import kg
from kg.validate import ValidationReport, shapes_graph, validate
from kg.vocab import ZKG, ZKGR
from tests.data import SEED, kg_cli

ZONE = ZKGR["zone/萍乡经济技术开发区"]
ENTERPRISE = ZKGR["enterprise/京东集团"]
PLACE = ZKGR["place/萍乡市"]


def _copy(g: Graph) -> Graph:
    out = Graph()
    for prefix, ns in g.namespaces():
        out.bind(prefix, ns, replace=True)
    out += g
    return out


def _first(g: Graph, cls) -> URIRef:
    return sorted(g.subjects(RDF.type, cls))[0]


def _set(g: Graph, s, p, o) -> None:
    g.remove((s, p, None))
    if o is not None:
        g.add((s, p, o))


# Each breaker changes a copy of the seed graph in one way; the test expects exactly these shapes to report it.
def no_label(g):
    _set(g, ENTERPRISE, RDFS.label, None)


def two_labels(g):
    g.add((ENTERPRISE, RDFS.label, Literal("京东", lang="zh")))


def english_label(g):
    _set(g, ENTERPRISE, RDFS.label, Literal("JD.com", lang="en"))


def no_evidence(g):
    _set(g, ENTERPRISE, ZKG.evidence, None)


def value_not_decimal(g):
    _set(g, _first(g, ZKG.Indicator), ZKG.value, Literal("143", datatype=XSD.string))


def no_unit(g):
    _set(g, _first(g, ZKG.Indicator), ZKG.unit, None)


def bad_qualifier(g):
    _set(g, _first(g, ZKG.Indicator), ZKG.qualifier, Literal("about"))


def indicator_of_nobody(g):
    g.remove((None, ZKG.hasIndicator, _first(g, ZKG.Indicator)))


def enterprise_that_is_a_place(g):
    g.add((ZONE, ZKG.hasEnterprise, PLACE))


def honor_held_by_a_place(g):
    g.add((PLACE, ZKG.hasHonor, ZKGR["honor/国家绿色园区"]))


def start_not_before_end(g):
    ev = _first(g, ZKG.Evidence)
    _set(g, ev, ZKG.start, g.value(ev, ZKG.end))
    _set(g, ev, ZKG.text, Literal("", lang="zh"))


def offset_not_integer(g):
    ev = _first(g, ZKG.Evidence)
    _set(g, ev, ZKG.start, Literal(str(g.value(ev, ZKG.start))))


def end_beyond_document(g):
    doc = _first(g, ZKG.Document)
    last = max(int(e) for e in g.objects(None, ZKG.end))
    _set(g, doc, ZKG.characters, Literal(last - 1, datatype=XSD.integer))


def text_not_matching_offsets(g):
    ev = _first(g, ZKG.Evidence)
    _set(g, ev, ZKG.text, Literal(str(g.value(ev, ZKG.text)) + "多", lang="zh"))


def evidence_without_document(g):
    g.remove((_first(g, ZKG.Evidence), PROV.wasDerivedFrom, None))


def statement_not_asserted(g):
    st = _first(g, RDF.Statement)
    g.remove((g.value(st, RDF.subject), g.value(st, RDF.predicate), g.value(st, RDF.object)))


def statement_of_unknown_predicate(g):
    st = _first(g, RDF.Statement)
    s, o = g.value(st, RDF.subject), g.value(st, RDF.object)
    _set(g, st, RDF.predicate, SKOS.related)
    g.add((s, SKOS.related, o))


def hospital_not_institution(g):
    g.remove((_first(g, ZKG.Hospital), RDF.type, ZKG.Institution))


def bad_sha256(g):
    _set(g, _first(g, ZKG.Document), ZKG.sha256, Literal("not-a-hash"))


def date_not_typed(g):
    _set(g, _first(g, ZKG.Document), DCTERMS_DATE, Literal("去年秋天"))


DCTERMS_DATE = URIRef("http://purl.org/dc/terms/date")

# fmt: off
BREAKAGES = [
    (no_label, {"zkgsh:EntityLabel"}),
    (two_labels, {"zkgsh:EntityLabel"}),
    (english_label, {"zkgsh:EntityLabel"}),
    (no_evidence, {"zkgsh:HasEvidence"}),
    (value_not_decimal, {"zkgsh:IndicatorValue"}),
    (no_unit, {"zkgsh:IndicatorUnit"}),
    (bad_qualifier, {"zkgsh:IndicatorQualifier"}),
    (indicator_of_nobody, {"zkgsh:IndicatorSubject"}),
    (enterprise_that_is_a_place, {"zkgsh:HasEnterpriseRange"}),
    (honor_held_by_a_place, {"zkgsh:HasHonorDomain"}),
    (start_not_before_end, {"zkgsh:EvidenceOrder"}),
    (offset_not_integer, {"zkgsh:EvidenceStart", "zkgsh:EvidenceOrder"}),  # a string is not less than an integer
    (end_beyond_document, {"zkgsh:EvidenceWithinDocument"}),
    (text_not_matching_offsets, {"zkgsh:EvidenceTextLength"}),
    (evidence_without_document, {"zkgsh:EvidenceDocument"}),
    (statement_not_asserted, {"zkgsh:StatementAsserted"}),
    (statement_of_unknown_predicate, {"zkgsh:StatementPredicate"}),
    (hospital_not_institution, {"zkgsh:HospitalShape", "zkgsh:BuildsRange"}),  # builds points to an Institution
    (bad_sha256, {"zkgsh:DocumentSha256"}),
    (date_not_typed, {"zkgsh:DocumentDate"}),
]
# fmt: on


def test_the_seed_graph_conforms(seed_result):
    assert seed_result.report["validation"]["conforms"] is True
    report = validate(seed_result.graph)
    assert report.conforms and report.violations == []
    assert report.seconds < 5  # about 0.2 s on the seed (~830 triples)


@pytest.mark.parametrize("breaker, shapes", BREAKAGES, ids=[b.__name__ for b, _ in BREAKAGES])
def test_each_breakage_is_reported_by_its_shape(seed_result, breaker, shapes):
    g = _copy(seed_result.graph)
    breaker(g)
    report = validate(g)
    assert not report.conforms
    assert set(report.by_shape()) == shapes, report.format()
    assert all(v.message for v in report.violations)


def test_five_breakages_at_once_are_grouped_by_shape(seed_result):
    g = _copy(seed_result.graph)
    for breaker in (no_label, value_not_decimal, enterprise_that_is_a_place, end_beyond_document, statement_not_asserted):
        breaker(g)
    report = validate(g)
    groups = report.by_shape()
    assert set(groups) == {"zkgsh:EntityLabel", "zkgsh:IndicatorValue", "zkgsh:HasEnterpriseRange",
                           "zkgsh:EvidenceWithinDocument", "zkgsh:StatementAsserted"}
    text = report.format("broken.ttl")
    assert text.startswith("broken.ttl does not conform")
    for shape in groups:
        assert f"\n{shape} — " in text
    assert "enterprise:京东集团  rdfs:label" in text
    summary = report.summary()
    assert summary["violations"] == len(report.violations) and summary["by_shape"] == {s: len(v) for s, v in groups.items()}


def test_every_shape_has_a_message():
    from rdflib import Namespace

    SH = Namespace("http://www.w3.org/ns/shacl#")
    sg = shapes_graph()
    shapes = set(sg.subjects(RDF.type, SH.NodeShape)) | set(sg.subjects(RDF.type, SH.PropertyShape))
    assert len(shapes) > 60
    for shape in shapes:
        if str(shape).endswith(("Shape", "AnyEntity")) and sg.value(shape, SH.message) is None:
            continue  # class shapes only gather property shapes; AnyEntity is used through sh:node
        has_message = sg.value(shape, SH.message) is not None or any(
            sg.value(c, SH.message) is not None for c in sg.objects(shape, SH.sparql))
        assert has_message, shape


def test_every_entity_class_has_a_shape():
    from rdflib import Namespace

    from kg.model import ENTITY_CLASSES

    SH = Namespace("http://www.w3.org/ns/shacl#")
    targets = set(shapes_graph().objects(None, SH.targetClass))
    assert {ZKG[c] for c in ENTITY_CLASSES} | {ZKG.Indicator, ZKG.Evidence, ZKG.Document, RDF.Statement} <= targets


def test_format_of_a_conforming_graph():
    assert ValidationReport(True, [], triples=3).format("g.ttl") == "g.ttl conforms to the ZoneKG shapes (3 triples)"


def test_kg_validate_exit_codes(seed_result, tmp_path):
    good = tmp_path / "good.ttl"
    good.write_text(seed_result.graph.serialize(format="turtle"), encoding="utf-8")
    run = kg_cli("validate", good)
    assert run.returncode == 0, run.stderr
    assert "conforms" in run.stdout

    g = _copy(seed_result.graph)
    no_unit(g)
    enterprise_that_is_a_place(g)
    bad = tmp_path / "bad.nt"
    bad.write_text(g.serialize(format="nt"), encoding="utf-8")
    run = kg_cli("validate", bad)
    assert run.returncode == 1
    assert "zkgsh:IndicatorUnit — 1 violation" in run.stdout and "zkgsh:HasEnterpriseRange — 1 violation" in run.stdout

    garbage = tmp_path / "garbage.ttl"
    garbage.write_text("this is not turtle <<<", encoding="utf-8")
    for path in (garbage, tmp_path / "missing.ttl"):
        run = kg_cli("validate", path)
        assert run.returncode == 2 and run.stderr.startswith("kg: error:"), run.stderr


def test_a_large_graph_is_left_to_kg_validate_unless_asked(monkeypatch):
    monkeypatch.setattr(importlib.import_module("kg.builder"), "VALIDATE_MAX_TRIPLES", 500)
    skipped = kg.build([SEED]).report["validation"]
    assert skipped == {"skipped": f"{kg.build([SEED], validate=False).report['triples']:,} triples, more than 500"}
    assert kg.build([SEED], validate=True).report["validation"]["conforms"] is True
    assert kg.build([SEED], validate=False).report["validation"] == {"skipped": "not asked for"}


def test_kg_build_no_validate(tmp_path):
    run = kg_cli("build", SEED, "-o", tmp_path, "--no-validate")
    assert run.returncode == 0, run.stderr
    assert f"not checked against the shapes (not asked for): run kg validate {tmp_path / 'graph.ttl'}" in run.stdout
    assert "conforms" not in run.stdout
