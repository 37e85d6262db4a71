"""Every serialisation of the seed graph reads back with three independent parsers, and builds are byte-identical."""

import csv
import io
import os
import shutil
import subprocess
import sys

import networkx as nx
import pytest
from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef

from kg.graph import entity_iri
from kg.rdf import new_graph
from kg.serialise import EDGE_COLUMNS, FORMATS, NODE_COLUMNS, get_format, property_graph, serialise, write_formats
from kg.vocab import ZKG
from tests.data import SEED

pyoxigraph = pytest.importorskip("pyoxigraph")

RDF_FORMATS = [name for name, fmt in FORMATS.items() if fmt.rdf]
QUAD_FORMATS = {"nq", "trig"}
OXIGRAPH = {"ttl": "TURTLE", "nt": "N_TRIPLES", "nq": "N_QUADS", "trig": "TRIG", "jsonld": "JSON_LD", "xml": "RDF_XML"}
# rapper (raptor2) reads every RDF syntax we write except JSON-LD, which raptor has no parser for
RAPPER = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "trig": "trig", "xml": "rdfxml"}


@pytest.fixture(scope="module")
def seed_files(seed_result, tmp_path_factory):
    out = tmp_path_factory.mktemp("formats")
    write_formats(seed_result.graph, out, FORMATS)
    return out


def _rdflib_triples(data: bytes, name: str) -> tuple[set, int]:
    """The triples rdflib reads, and how many statements (quads for nq/trig) it saw."""
    fmt = get_format(name).rdflib_name
    if name in QUAD_FORMATS:
        ds = Dataset()
        ds.parse(data=data, format=fmt)
        quads = list(ds.quads((None, None, None, None)))
        return {q[:3] for q in quads}, len(quads)
    g = Graph().parse(data=data, format=fmt)
    return set(g), len(g)


def _rapper_count(path, name: str) -> int:
    run = subprocess.run(["rapper", "-i", RAPPER[name], "-c", str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "warning" not in run.stderr.lower() and "error" not in run.stderr.lower(), run.stderr
    for line in (run.stderr + run.stdout).splitlines():
        if "returned" in line:
            return int(line.split("returned")[1].split()[0])
    raise AssertionError(f"no count in rapper's output: {run.stderr!r}")


@pytest.mark.parametrize("name", RDF_FORMATS)
def test_rdf_serialisations_parse_to_the_same_triples_with_rdflib_oxigraph_and_rapper(seed_result, seed_files, name):
    path = seed_files / get_format(name).files[0]
    data = path.read_bytes()
    triples, statements = _rdflib_triples(data, name)
    assert triples == set(seed_result.graph)
    n = len(seed_result.graph)
    assert statements == n > 500
    ox = list(pyoxigraph.parse(data, format=getattr(pyoxigraph.RdfFormat, OXIGRAPH[name])))
    assert len(ox) == n
    if name in RAPPER:
        if not shutil.which("rapper"):
            pytest.skip("rapper is not installed (scripts/install-system-packages installs raptor2-utils)")
        assert _rapper_count(path, name) == n


@pytest.mark.parametrize("name", sorted(QUAD_FORMATS))
def test_quads_go_into_one_named_graph_per_document(seed_result, seed_files, name):
    data = (seed_files / get_format(name).files[0]).read_bytes()
    quads = list(pyoxigraph.parse(data, format=getattr(pyoxigraph.RdfFormat, OXIGRAPH[name])))
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, pyoxigraph.NamedNode)}
    documents = {str(d) for d in seed_result.graph.subjects(RDF.type, ZKG.Document)}
    assert graphs == documents and len(documents) == 1
    assert all(isinstance(q.graph_name, pyoxigraph.NamedNode) for q in quads)  # nothing left in the default graph


def test_turtle_uses_readable_prefixed_names(seed_files):
    text = (seed_files / "graph.ttl").read_text(encoding="utf-8")
    assert "zone:萍乡经济技术开发区 a zkg:DevelopmentZone" in text
    assert "@prefix zone: <https://w3id.org/zonekg/id/zone/> ." in text
    assert "platform:5\\%2B2就业之家" in text  # the IRI's % escaped (PN_LOCAL_ESC): still a prefixed name
    assert "<https://w3id.org/zonekg/id/" not in text.split("\n\n", 1)[1]  # every instance IRI is a prefixed name


def test_jsonld_has_a_compact_context(seed_files):
    import json

    doc = json.loads((seed_files / "graph.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"]["@base"] == "https://w3id.org/zonekg/id/"
    zone = next(n for n in doc["@graph"] if n["@id"] == "zone/萍乡经济技术开发区")
    assert zone["@type"] == "DevelopmentZone" and zone["label"] == "萍乡经济技术开发区"
    assert "enterprise/京东集团" in zone["introduced"]


# Labels whose IRIs are valid but whose local names are not Turtle PN_LOCAL (or need escapes): the
# serialisers must fall back to full IRIs, and every parser must read the same graph back.
# fmt: off
AWKWARD_LABELS = ["“科贷通”", "园区\u3000服务中心", "A.B.", "a~b", "50%股权", "c(d)", "·点", "x/y", "a b", "e:f", "-g", "_h"]
# fmt: on


def test_awkward_iris_are_valid_in_every_format(tmp_path):
    g = new_graph()
    for label in AWKWARD_LABELS:
        node = URIRef(entity_iri("Enterprise", label))
        pyoxigraph.NamedNode(str(node))  # a valid IRI
        g.add((node, RDF.type, ZKG.Enterprise))
        g.add((node, RDFS.label, Literal(label, lang="zh")))
    write_formats(g, tmp_path, RDF_FORMATS)
    for name in RDF_FORMATS:
        path = tmp_path / get_format(name).files[0]
        data = path.read_bytes()
        triples, _ = _rdflib_triples(data, name)
        assert triples == set(g), name
        assert len(list(pyoxigraph.parse(data, format=getattr(pyoxigraph.RdfFormat, OXIGRAPH[name])))) == len(g), name
        if name in RAPPER and shutil.which("rapper"):
            assert _rapper_count(path, name) == len(g), name


def test_graphml_loads_in_networkx_with_scalar_attributes(seed_result, seed_files):
    G = nx.read_graphml(seed_files / "graph.graphml", force_multigraph=True)
    P = property_graph(seed_result.graph)
    assert G.number_of_nodes() == P.number_of_nodes() > 100
    assert G.number_of_edges() == P.number_of_edges()
    zone = G.nodes["https://w3id.org/zonekg/id/zone/萍乡经济技术开发区"]
    assert zone["label"] == "萍乡经济技术开发区" and zone["class"] == "DevelopmentZone"
    values = [d["value"] for _, d in G.nodes(data=True) if d["kind"] == "indicator"]
    assert values and all(isinstance(v, float) for v in values)
    for _, d in G.nodes(data=True):
        assert all(isinstance(v, str | int | float | bool) for v in d.values())


def test_csv_tables_are_ready_for_neo4j_and_gephi(seed_files):
    nodes = list(csv.DictReader(io.StringIO((seed_files / "nodes.csv").read_text(encoding="utf-8"))))
    edges = list(csv.DictReader(io.StringIO((seed_files / "edges.csv").read_text(encoding="utf-8"))))
    assert tuple(nodes[0]) == NODE_COLUMNS and tuple(edges[0]) == EDGE_COLUMNS
    ids = [n[":ID"] for n in nodes]
    assert len(ids) == len(set(ids)) and all(n["Id"] == n[":ID"] for n in nodes)
    assert all(e[":START_ID"] in set(ids) and e[":END_ID"] in set(ids) for e in edges)
    assert all(e["Source"] == e[":START_ID"] and e["Target"] == e[":END_ID"] and e["Label"] == e[":TYPE"] for e in edges)
    introduced = [e for e in edges if e[":TYPE"] == "introduced"]
    assert introduced and all(e["evidence"] for e in introduced)
    enterprise = next(n for n in nodes if n["Label"] == "京东集团")
    assert enterprise[":LABEL"] == "Entity;Enterprise"


def test_an_unknown_format_is_an_error():
    from kg.errors import FormatError

    with pytest.raises(FormatError):
        serialise(Graph(), "owl")


def _build(out, seed: str) -> None:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    run = subprocess.run([sys.executable, "-m", "kg", "build", str(SEED), "-o", str(out), "--formats", ",".join(FORMATS)],
                         capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr


def test_two_builds_give_identical_bytes_in_every_format(tmp_path):
    """Separate processes with different hash seeds, so set and dict order cannot leak into the files."""
    _build(tmp_path / "a", "1")
    _build(tmp_path / "b", "2")
    names = [f for fmt in FORMATS.values() for f in fmt.files]
    assert len(names) == 9
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_nquads_split_a_corpus_as_the_rdflib_dataset_does(tmp_path):
    """graph.nq is written from the N-Triples lines, graph.trig through rdflib (kg.rdf.to_dataset): two
    implementations of one rule, compared on a corpus where companies appear in several documents."""
    from kg.builder import build
    from tests.data import TEST_DATA_DIR

    result = build(sorted((TEST_DATA_DIR / "corpus").glob("t0*.txt")))
    files = {}
    for name in ("nq", "trig"):
        data = serialise(result.ntriples, name)[get_format(name).files[0]]
        quads = pyoxigraph.parse(data, format=getattr(pyoxigraph.RdfFormat, OXIGRAPH[name]))
        files[name] = {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name)) for q in quads}
    assert files["nq"] == files["trig"]
    graphs_of: dict[tuple, set] = {}
    for s, p, o, g in files["nq"]:
        graphs_of.setdefault((s, p, o), set()).add(g)
    # an entity's label stands in the graph of every document that mentions it
    shared = [g for (s, p, o), g in graphs_of.items() if p.endswith("#label>") and len(g) > 1]
    assert shared, "no entity named by two documents"
    lines = serialise(result.ntriples, "nq")["graph.nq"].decode().splitlines()
    assert lines == sorted(lines) and len(lines) == len(files["nq"])
