"""The ontology, its package copy and the generated vocabulary module agree."""

import importlib.machinery
import importlib.util
import re

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.namespace import PROV, SKOS

from kg.vocab import ZKG, ZKG_IRI
from tests.data import ROOT

ONTOLOGY = ROOT / "ontology" / "zonekg.ttl"
CONTRACT = (ROOT.parent / "shared" / "spec" / "ontology-contract.md")
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"

# fmt: off
CONTRACT_CLASSES = ["DevelopmentZone", "Enterprise", "GovernmentBody", "Platform", "Policy", "Honor", "Project",
                    "Institution", "Hospital", "School", "Place", "Event", "Industry", "Person", "Indicator",
                    "Evidence", "Document"]
CONTRACT_PROPERTIES = ["locatedIn", "hasEnterprise", "introduced", "implementsPolicy", "supports", "hasHonor",
                       "hasPlatform", "builds", "organizes", "inIndustry", "hasIndicator", "measure", "value",
                       "unit", "qualifier", "period", "rawText", "evidence", "text", "start", "end"]
ALIGNMENTS = [
    ("Enterprise", ORG + "FormalOrganization"), ("Enterprise", SCHEMA + "Corporation"),
    ("GovernmentBody", ORG + "FormalOrganization"), ("GovernmentBody", SCHEMA + "GovernmentOrganization"),
    ("Platform", ORG + "Organization"), ("Place", SCHEMA + "Place"), ("DevelopmentZone", SCHEMA + "Place"),
    ("Indicator", SCHEMA + "Observation"), ("Evidence", str(PROV.Entity)), ("Document", str(PROV.Entity)),
    ("Hospital", ZKG_IRI + "Institution"), ("School", ZKG_IRI + "Institution"), ("Event", SCHEMA + "Event"),
    ("Person", SCHEMA + "Person"), ("Industry", str(SKOS.Concept)),
]
# fmt: on


@pytest.fixture(scope="module")
def ontology():
    return Graph().parse(ONTOLOGY, format="turtle")


def _gen_vocab():
    loader = importlib.machinery.SourceFileLoader("gen_vocab", str(ROOT / "scripts" / "gen-vocab"))
    spec = importlib.util.spec_from_loader("gen_vocab", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_checked_in_vocab_and_package_copies_are_what_gen_vocab_makes():
    gen = _gen_vocab()
    assert gen.stale_files() == [], "run .venv/bin/python scripts/gen-vocab"
    assert (ROOT / "kg" / "vocab.py").read_text(encoding="utf-8") == gen.render_vocab()
    for name in ("zonekg.ttl", "shapes.ttl"):
        assert (ROOT / "kg" / "resources" / "ontology" / name).read_bytes() == (ROOT / "ontology" / name).read_bytes()


def test_the_package_reads_its_own_copy():
    from importlib.resources import files

    assert files("kg").joinpath("resources/ontology/zonekg.ttl").read_bytes() == ONTOLOGY.read_bytes()


@pytest.mark.parametrize("name", CONTRACT_CLASSES + CONTRACT_PROPERTIES)
def test_every_contract_term_is_declared_with_labels_comment_domain_and_range(ontology, name):
    term = URIRef(ZKG_IRI + name)
    assert getattr(ZKG, name) == term
    kinds = set(ontology.objects(term, RDF.type))
    assert kinds & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    labels = {label.language for label in ontology.objects(term, RDFS.label)}
    assert {"zh", "en"} <= labels
    assert ontology.value(term, RDFS.comment) is not None
    if OWL.Class not in kinds:
        assert ontology.value(term, RDFS.domain) is not None and ontology.value(term, RDFS.range) is not None


def test_the_contract_document_names_no_term_the_ontology_lacks(ontology):
    if not CONTRACT.exists():
        pytest.skip("../shared/spec/ontology-contract.md is not here")
    names = set(re.findall(r"`zkg:(\w+)`", CONTRACT.read_text(encoding="utf-8")))
    declared = {str(s)[len(ZKG_IRI):] for s in ontology.subjects() if str(s).startswith(ZKG_IRI)}
    assert names <= declared


@pytest.mark.parametrize("cls, parent", ALIGNMENTS)
def test_alignments(ontology, cls, parent):
    assert (URIRef(ZKG_IRI + cls), RDFS.subClassOf, URIRef(parent)) in ontology


def test_a_misspelt_term_fails():
    with pytest.raises(AttributeError):
        ZKG.hasHonour  # noqa: B018
