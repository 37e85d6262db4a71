"""One entity per real-world thing across articles, the merge report, alias files and conflicting figures."""

import csv
import io

import kg
from kg.builder import merges_csv, read_aliases
from kg.graph import entity_iri

ARTICLES = {
    "a.txt": "安远经济技术开发区（以下简称安远经开区）引进赣州恒丰包装印务有限公司。2023年，该区规模以上工业企业143家。",
    "b.txt": "安远经开区助力恒丰包装、明辉科技等2家本土企业扩产能。2023年，安远经开区规模以上工业企业145家。",
    "c.md": "# 安远经济技术开发区\n\n恒丰包装、华星电子等企业相继投产。2022年，安远经开区规模以上工业企业130家。",
}


def _corpus(tmp_path):
    for name, text in ARTICLES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_one_node_per_company_and_zone_with_evidence_from_every_file(tmp_path):
    result = kg.build([_corpus(tmp_path)], validate=False)
    G = result.nx_graph
    company = entity_iri("Enterprise", "赣州恒丰包装印务有限公司")
    zone = entity_iri("DevelopmentZone", "安远经济技术开发区")
    assert "恒丰包装" in G.nodes[company]["aliases"]
    assert "安远经开区" in G.nodes[zone]["aliases"]
    for iri, n_docs in ((company, 3), (zone, 3)):
        docs = {d for _, ev, k in G.out_edges(iri, keys=True) if k == "evidence"
                for _, d, k2 in G.out_edges(ev, keys=True) if k2 == "wasDerivedFrom"}
        assert len(docs) == n_docs
    labels = [d["label"] for _, d in G.nodes(data=True) if d.get("kind") == "entity" and d["cls"] == "Enterprise"]
    assert sorted(labels) == ["华星电子", "明辉科技", "赣州恒丰包装印务有限公司"]


def test_merge_report_explains_every_merge(tmp_path):
    result = kg.build([_corpus(tmp_path)], validate=False)
    rows = list(csv.DictReader(io.StringIO(merges_csv(result.merges))))
    merged = {(r["surface"], r["entity"]) for r in rows if r["surface"] != r["entity"]}
    assert ("恒丰包装", "赣州恒丰包装印务有限公司") in merged
    assert ("安远经开区", "安远经济技术开发区") in merged
    assert all(r["reason"] for r in rows)
    reasons = {r["surface"]: r["reason"] for r in rows}
    assert "short name" in reasons["恒丰包装"] and "abbreviation" in reasons["安远经开区"]


def test_alias_file_overrides_the_canonical_name(tmp_path):
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("恒丰包装,恒丰包装集团\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    result = kg.build([_corpus(corpus)], validate=False, aliases=read_aliases(aliases))
    labels = {d["label"] for _, d in result.nx_graph.nodes(data=True) if d.get("cls") == "Enterprise"}
    assert "恒丰包装集团" in labels and "赣州恒丰包装印务有限公司" not in labels
    assert any(r["reason"].startswith("listed in the alias file") for r in result.merges)


def test_conflicting_figures_are_kept_and_reported_but_a_time_series_is_not(tmp_path):
    result = kg.build([_corpus(tmp_path)], validate=False)
    (conflict,) = result.report["conflicts"]
    assert conflict["measure"] == "规模以上工业企业" and conflict["values"] == ["143", "145"]
    assert conflict["period"] == "2023"
    assert sorted(s["document"] for s in conflict["sources"]) == ["a.txt", "b.txt"]
    values = sorted(str(d["value"]) for _, d in result.nx_graph.nodes(data=True)
                    if d.get("kind") == "indicator" and d["measure"] == "规模以上工业企业")
    assert values == ["130", "143", "145"]
