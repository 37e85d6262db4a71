"""The HTML view: an interactive graph page made with pyvis, working offline.

The page inlines vis-network (shipped inside pyvis) and uses no CDN. Nodes are
coloured by class with a legend; clicking one shows its aliases, figures,
relations and evidence sentences in a side panel. Every string from a
document is inserted as text (``textContent``), never as HTML, and the data is
embedded with Jinja's ``tojson`` so ``</script>`` in an article cannot end the
script.

>>> import kg
>>> from kg.graph import to_networkx
>>> html = render_html(to_networkx([kg.extract("萍乡经济技术开发区引进京东集团。")]))
>>> import re
>>> re.search(r"(?:src|href)=.?(?:https?:)?//", html) is None
True
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

import networkx as nx

from .model import RELATION_PREDICATES

__all__ = ["render_html", "CLASS_STYLE", "RELATION_LABELS"]

#: Colour, shape and Chinese label of each class.
CLASS_STYLE: dict[str, tuple[str, str, str]] = {
    "DevelopmentZone": ("#d62728", "star", "开发区"),
    "Enterprise": ("#1f77b4", "dot", "企业"),
    "GovernmentBody": ("#8c564b", "square", "政府机构"),
    "Platform": ("#2ca02c", "diamond", "平台载体"),
    "Policy": ("#9467bd", "triangle", "政策"),
    "Honor": ("#ff7f0e", "star", "荣誉"),
    "Project": ("#17becf", "square", "项目"),
    "Institution": ("#bcbd22", "dot", "事业单位"),
    "Hospital": ("#bcbd22", "dot", "医院"),
    "School": ("#bcbd22", "dot", "学校"),
    "Place": ("#7f7f7f", "dot", "地点"),
    "Event": ("#e377c2", "triangle", "活动"),
    "Industry": ("#aec7e8", "dot", "产业"),
    "Person": ("#98df8a", "dot", "人物"),
}

#: Chinese labels of the relations, as in the ontology.
RELATION_LABELS: dict[str, str] = {
    "locatedIn": "位于",
    "hasEnterprise": "拥有企业",
    "introduced": "引进",
    "implementsPolicy": "实施政策",
    "supports": "扶持",
    "hasHonor": "拥有荣誉",
    "hasPlatform": "拥有平台",
    "builds": "建设",
    "organizes": "举办",
    "inIndustry": "所属产业",
}

_QUALIFIER = {"more-than": "超过", "less-than": "近", "approx": "约"}


def _display_value(data: dict) -> str:
    value = data.get("value")
    text = data.get("raw_text") or f"{value}{data.get('unit', '')}"
    qual = _QUALIFIER.get(data.get("qualifier") or "", "")
    return f"{text}（{qual}{value} {data.get('unit', '')}）" if value is not None else text


def _page_data(G: nx.MultiDiGraph, *, indicators_as_nodes: bool = False) -> tuple[list, list]:
    entity_ids = {n: i for i, n in enumerate(sorted(n for n, d in G.nodes(data=True) if d.get("kind") == "entity"))}
    docs = {n: d for n, d in G.nodes(data=True) if d.get("kind") == "document"}
    labels = {n: G.nodes[n]["label"] for n in entity_ids}
    degree = {n: 0 for n in entity_ids}
    edges = []
    relations: dict[str, list[str]] = {n: [] for n in entity_ids}
    for s, o, key in sorted(G.edges(keys=True)):
        if key in RELATION_PREDICATES and s in entity_ids and o in entity_ids:
            label = RELATION_LABELS.get(key, key)
            edges.append({"from": entity_ids[s], "to": entity_ids[o], "label": label, "arrows": "to",
                          "title": None})
            degree[s] += 1
            degree[o] += 1
            relations[s].append(f"{label} → {labels[o]}")
            relations[o].append(f"{labels[s]} {label} →")
    for e in edges:
        del e["title"]
    nodes = []
    for n, i in entity_ids.items():
        d = G.nodes[n]
        cls = d["cls"]
        color, shape, cls_label = CLASS_STYLE.get(cls, ("#999", "dot", cls))
        figures, evidence = [], []
        for _, t, key in G.out_edges(n, keys=True):
            td = G.nodes[t]
            if key == "hasIndicator":
                figures.append({"measure": td.get("measure", ""), "display": _display_value(td),
                                "period": td.get("period")})
            elif key == "evidence":
                source = ""
                for _, doc, k in G.out_edges(t, keys=True):
                    if k == "wasDerivedFrom" and doc in docs:
                        source = docs[doc].get("title") or docs[doc].get("source") or ""
                evidence.append({"text": td.get("text", ""), "source": source, "start": td.get("start", 0)})
        evidence.sort(key=lambda e: (e["source"], e["start"]))
        figures.sort(key=lambda f: f["measure"])
        nodes.append({
            "id": i, "label": d["label"], "group": cls, "shape": shape, "color": color,
            "value": 1 + degree[n] + len(figures),
            "info": {"classLabel": f"{cls_label} {cls}", "aliases": list(d.get("aliases", [])),
                     "figures": figures, "relations": sorted(relations[n]), "evidence": evidence[:20]},
        })
    return nodes, edges


def render_html(G: nx.MultiDiGraph, *, heading: str = "ZoneKG 知识图谱") -> str:
    """Render the entities and relations of a graph as one self-contained HTML page."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader
    from pyvis.network import Network

    nodes, edges = _page_data(G)
    classes = {}
    for n in nodes:
        color, _, label = CLASS_STYLE.get(n["group"], ("#999", "dot", n["group"]))
        classes[n["group"]] = {"color": color, "label": label}
    classes = dict(sorted(classes.items()))
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line")
    net.nodes, net.edges = nodes, edges  # filled directly: add_node/add_edge are O(n) each
    options = {
        "nodes": {"font": {"size": 14}, "scaling": {"min": 8, "max": 36}},
        "edges": {"font": {"size": 11, "align": "middle"}, "smooth": False, "color": {"color": "#aaa"}},
        "physics": {"solver": "forceAtlas2Based", "stabilization": {"iterations": 200},
                    "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 120}},
        "layout": {"improvedLayout": len(nodes) < 300},
        "interaction": {"hover": True, "navigationButtons": False},
    }
    pyvis_templates = Path(files("pyvis") / "templates")
    with as_file(files("kg") / "resources" / "view") as own:
        env = Environment(loader=ChoiceLoader([FileSystemLoader(str(own)), FileSystemLoader(str(pyvis_templates))]),
                          autoescape=True)
        # tojson escapes < > & ' so text from documents cannot close the script; keep Chinese readable
        env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}
        template = env.get_template("graph.html")
        return template.render(heading=heading, nodes=net.nodes, edges=net.edges, options=options, classes=classes)
