"""The HTML view without a browser: what the page contains, labels, --max-nodes, layout, escaping."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import unescape

import networkx as nx
import pytest

from kg import view as kgview
from kg.model import RELATION_PREDICATES
from kg.view import View, render_html, render_view
from tests.data import ROOT

EVIL = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</script><script>window.__xss=1</script>",
        "<!--", "]]>", "\u2028", "{{ 7*7 }}"]


def page_data(html: str) -> dict:
    """The JSON block the page script reads."""
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', html, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


def inline_scripts(html: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", html, re.S)


@pytest.fixture(scope="module")
def seed_view(seed_result) -> View:
    return render_view(seed_result.nx_graph)


def evil_graph() -> nx.MultiDiGraph:
    """A graph whose every document string is an attack."""
    G = nx.MultiDiGraph()
    z, e = "https://w3id.org/zonekg/id/zone/z", "https://w3id.org/zonekg/id/enterprise/e"
    G.add_node("d", kind="document", title=EVIL[0] + "标题", source=EVIL[1])
    G.add_node("ev", kind="evidence", text="".join(EVIL) + "萍乡经开区", start=0, end=10)
    G.add_edge("ev", "d", key="wasDerivedFrom")
    G.add_node(z, kind="entity", cls="DevelopmentZone", label=EVIL[2] + "开发区", aliases=[EVIL[1], "萍乡经开区"], extra_classes=[])
    G.add_node(e, kind="entity", cls="Enterprise", label=EVIL[0], aliases=[], extra_classes=[])
    G.add_node("i", kind="indicator", measure=EVIL[1], value=1, unit=EVIL[0], qualifier=None, period=EVIL[2], raw_text=EVIL[3])
    G.add_edge(z, "i", key="hasIndicator")
    G.add_edge("i", "ev", key="evidence")
    G.add_edge(z, "ev", key="evidence")
    G.add_edge(z, e, key="introduced", evidence=["ev"])
    return G


# ---------------------------------------------------------------- a self-contained page


def test_page_is_self_contained(seed_view):
    html = seed_view.html
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert not re.search(r"<link[^>]*rel=.?stylesheet", html)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", html)
    assert "vis.Network" in html and "vis-network" in html
    assert html.count("<style>") == 2
    assert '<html lang="zh-CN">' in html and '<meta charset="utf-8">' in html


def test_content_security_policy_allows_only_the_inline_scripts_and_no_network(seed_view):
    html = seed_view.html
    csp = unescape(re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html).group(1))
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'" and directives["connect-src"] == "'none'"
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline_scripts(html)}
    assert len(hashes) == 2 and set(directives["script-src"].split()) == hashes
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in directives["script-src"]


def test_fonts_prefer_chinese_faces_and_fall_back(seed_view):
    css_font = re.search(r"html, body \{[^}]*font-family:([^;]+);", seed_view.html).group(1)
    assert css_font.index("Noto Sans CJK SC") < css_font.index("Microsoft YaHei") < css_font.rindex("sans-serif")
    canvas_font = page_data(seed_view.html)["options"]["nodes"]["font"]["face"]
    assert "Noto Sans CJK SC" in canvas_font and canvas_font.endswith("sans-serif")


# ---------------------------------------------------------------- what is drawn


def test_nodes_are_entities_with_canonical_labels_sized_by_degree(seed_result, seed_view):
    G = seed_result.nx_graph
    data = page_data(seed_view.html)
    entities = {d["label"]: d for _, d in G.nodes(data=True) if d["kind"] == "entity"}
    assert sorted(n["label"] for n in data["nodes"]) == sorted(entities)
    assert seed_view.nodes == len(entities) and seed_view.layout == "physics"
    degree = {n["label"]: n["value"] for n in data["nodes"]}
    zone = next(label for label, d in entities.items() if d["cls"] == "DevelopmentZone")
    assert degree[zone] == max(degree.values())
    short = next(n for n in data["nodes"] if n["label"] == "甘源食品股份有限公司")
    assert short["aliases"] == ["甘源食品"] and short["cls"] == "Enterprise"


def test_classes_have_colour_shape_and_chinese_label(seed_view):
    classes = page_data(seed_view.html)["classes"]
    assert classes["Enterprise"]["label"] == "企业" and classes["DevelopmentZone"]["shape"] == "star"
    assert len({c["color"] for c in classes.values()}) == len(classes)
    assert sum(c["count"] for c in classes.values()) == seed_view.nodes


def test_edges_carry_the_ontologys_chinese_labels(seed_result, seed_view):
    from rdflib import Graph
    from rdflib.namespace import RDFS

    from kg.vocab import ZKG

    data = page_data(seed_view.html)
    onto = Graph().parse(ROOT / "ontology" / "zonekg.ttl")
    for pred in RELATION_PREDICATES:
        zh = [str(o) for o in onto.objects(ZKG[pred], RDFS.label) if o.language == "zh"]
        assert kgview.relation_labels()[pred] == zh[0]
    assert data["relations"]["hasHonor"] == "拥有荣誉" and data["relations"]["introduced"] == "引进"
    relations = sum(1 for _, _, k in seed_result.nx_graph.edges(keys=True) if k in RELATION_PREDICATES)
    assert len(data["edges"]) == seed_view.edges == relations


def test_labels_fall_back_to_the_table_without_an_ontology(monkeypatch, tmp_path):
    monkeypatch.setattr(kgview, "_ontology_paths", lambda: [tmp_path / "missing.ttl"])
    kgview._ontology_labels.cache_clear()
    try:
        assert kgview.relation_labels() == kgview.RELATION_LABELS
        assert kgview.class_labels()["Honor"] == "荣誉"
    finally:
        kgview._ontology_labels.cache_clear()


def test_figures_are_in_the_panel_data_by_default(seed_result, seed_view):
    G = seed_result.nx_graph
    data = page_data(seed_view.html)
    zone = next(n for n in data["nodes"] if n["cls"] == "DevelopmentZone")
    iri = next(v for v, d in G.nodes(data=True) if d.get("label") == zone["label"])
    expected = sorted((G.nodes[i]["measure"], G.nodes[i]["raw_text"]) for _, i, k in G.out_edges(iri, keys=True)
                      if k == "hasIndicator")
    assert sorted((data["figures"][f][0], data["figures"][f][1]) for f in zone["figs"]) == expected
    assert ("规模以上工业企业", "143家") in expected
    assert all(n["cls"] != "Indicator" for n in data["nodes"])


def test_indicators_as_nodes(seed_result):
    G = seed_result.nx_graph
    view = render_view(G, indicators="nodes")
    data = page_data(view.html)
    entities = sum(1 for _, d in G.nodes(data=True) if d["kind"] == "entity")
    indicators = sum(1 for _, d in G.nodes(data=True) if d["kind"] == "indicator")
    assert view.nodes == entities + indicators
    assert data["classes"]["Indicator"]["count"] == indicators and data["relations"]["hasIndicator"] == "拥有指标"
    assert any(n["label"] == "规模以上工业企业 143家" for n in data["nodes"])


def test_evidence_sentences_name_their_document(seed_view):
    data = page_data(seed_view.html)
    node = next(n for n in data["nodes"] if n["label"] == "甘源食品股份有限公司")
    sentences = [data["evidence"][i][0] for i in node["ev"]]
    assert any("甘源食品" in s for s in sentences)
    assert all(data["documents"][data["evidence"][i][1]][1].endswith("pingxiang-2024.txt") for i in node["ev"])


# ---------------------------------------------------------------- max nodes, layout, zones


def test_max_nodes_keeps_the_best_connected_and_reports_the_rest(seed_result):
    G = seed_result.nx_graph
    full = page_data(render_view(G).html)
    view = render_view(G, max_nodes=10)
    data = page_data(view.html)
    assert view.nodes == 10 and len(view.left_out) == len(full["nodes"]) - 10
    kept = {n["label"] for n in data["nodes"]}
    assert "萍乡经济技术开发区" in kept
    assert min(n["value"] for n in full["nodes"] if n["label"] in kept) >= max(x.degree for x in view.left_out) - 1
    assert not kept & {x.label for x in view.left_out}
    assert data["leftOut"] == {"nodes": len(view.left_out), "edges": view.left_out_edges}
    summary = view.left_out_summary()
    assert summary.startswith(f"left out {len(view.left_out)} node(s)") and "企业" in summary
    assert render_view(G, max_nodes=1000).left_out == [] and render_view(G).left_out_summary() == ""


def test_bad_options_are_refused(seed_result):
    with pytest.raises(ValueError):
        render_view(seed_result.nx_graph, max_nodes=0)
    with pytest.raises(ValueError):
        render_view(seed_result.nx_graph, indicators="both")  # type: ignore[arg-type]


def test_large_graphs_get_a_precomputed_zone_grouped_layout():
    from benchmarks.view_speed import synthetic_graph

    G = synthetic_graph(600)
    view = render_view(G)
    data = page_data(view.html)
    assert view.layout == "precomputed" and data["options"]["physics"]["enabled"] is False
    assert view.html == render_view(G).html  # the same page every time
    positions = {(n["x"], n["y"]) for n in data["nodes"]}
    assert len(positions) == len(data["nodes"])
    zones = data["zones"]
    assert len(zones) > 10 and all(data["nodes"][z]["cls"] == "DevelopmentZone" for z in zones)
    # every zone's own entities lie nearer to it than to any other zone
    centre = {z: (data["nodes"][z]["x"], data["nodes"][z]["y"]) for z in zones}
    own = [n for n in data["nodes"] if n["zone"] in centre and n["cls"] in ("Policy", "Event")]
    near = sum(1 for n in own if min(centre, key=lambda z: (n["x"] - centre[z][0]) ** 2 + (n["y"] - centre[z][1]) ** 2) == n["zone"])
    assert near / len(own) > 0.95
    assert render_view(G, layout="physics").layout == "physics"


def test_empty_graph_renders():
    view = render_view(nx.MultiDiGraph())
    assert view.nodes == 0 and page_data(view.html)["nodes"] == []


# ---------------------------------------------------------------- escaping


def test_document_text_cannot_break_out_of_the_page():
    html = render_html(evil_graph(), heading="<b>标题</b>")
    assert len(inline_scripts(html)) == 2 and html.count("</script>") == 3
    for attack in ("<script>alert", "<img src=x", "<!--", "window.__xss=1</script>"):
        assert attack not in html
    assert "<title>&lt;b&gt;标题&lt;/b&gt;</title>" in html
    data = page_data(html)
    labels = {n["label"] for n in data["nodes"]}
    assert EVIL[0] in labels and EVIL[2] + "开发区" in labels  # the text survives, as text
    assert data["documents"][0] == [EVIL[0] + "标题", EVIL[1]]
    assert data["evidence"][0][0] == "".join(EVIL) + "萍乡经开区"  # nothing rendered as a template either


# ---------------------------------------------------------------- the command line


def test_kg_view_command(tmp_path, seed_result, capsys):
    from kg.cli import main
    from kg.rdf import graph_to_rdf

    ttl = tmp_path / "g.ttl"
    graph_to_rdf(seed_result.nx_graph).serialize(ttl, format="turtle")
    out = tmp_path / "page.html"
    assert main(["view", str(ttl), "-o", str(out), "--max-nodes", "12", "--indicators", "nodes"]) == 0
    printed = capsys.readouterr().out
    assert "(12 nodes" in printed and "left out" in printed and "指标" in printed
    assert page_data(out.read_text(encoding="utf-8"))["leftOut"]["nodes"] > 0
    with pytest.raises(SystemExit) as exit_:
        main(["view", str(ttl), "--max-nodes", "0"])
    assert exit_.value.code == 2
