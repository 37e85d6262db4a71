"""The HTML view: one self-contained page to explore a graph, working offline.

The page replaces pyvis's template with one of its own: vis-network (as
shipped inside pyvis), the page's script and its styles are inlined (pyvis's
template would link Bootstrap from a CDN), and a Content-Security-Policy
allows only those two scripts (by hash) and no network at all. Nodes are
coloured and shaped by class with a legend of filter checkboxes, sized by
degree and labelled with canonical names; edges carry the Chinese label of the
relation from the ontology. Clicking a node (or finding it with the search box,
by name or alias, partial match) shows its class, aliases, figures, relations
and evidence sentences in a side panel. Every string from a document is
inserted as text, never as HTML, and the data travels as JSON in a
``<script type="application/json">`` block with ``<``, ``>`` and ``&``
escaped, so ``</script>`` in an article cannot end it.

Positions are computed in Python (igraph's Fruchterman–Reingold, which lays
out 10,000 nodes in about a second): small graphs then settle with physics,
which is frozen once stable; large ones are drawn at once with physics off.
Entities are grouped by their nearest development zone, which pulls each
zone's entities together and lets the page show one zone at a time.

>>> import kg
>>> from kg.graph import to_networkx
>>> view = render_view(to_networkx([kg.extract("萍乡经济技术开发区引进京东集团。")]))
>>> (view.nodes, view.layout, view.left_out)
(2, 'physics', [])
>>> import re
>>> re.search(r"(?:src|href)=.?(?:https?:)?//", view.html) is None
True
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
from collections import Counter, deque
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Literal, NamedTuple

import networkx as nx

from .errors import ResourceError
from .model import RELATION_PREDICATES

__all__ = [
    "render_html",
    "render_view",
    "View",
    "LeftOut",
    "CLASS_STYLE",
    "RELATION_LABELS",
    "PHYSICS_MAX_NODES",
    "relation_labels",
    "class_labels",
]

#: Colour, shape and Chinese label of each class (labels are replaced by the ontology's when it has them).
CLASS_STYLE: dict[str, tuple[str, str, str]] = {
    "DevelopmentZone": ("#d62728", "star", "开发区"),
    "Enterprise": ("#1f77b4", "dot", "企业"),
    "GovernmentBody": ("#8c564b", "square", "政府机构"),
    "Platform": ("#2ca02c", "diamond", "平台载体"),
    "Policy": ("#9467bd", "triangle", "政策"),
    "Honor": ("#ff7f0e", "star", "荣誉"),
    "Project": ("#17becf", "square", "项目"),
    "Institution": ("#bcbd22", "hexagon", "事业单位"),
    "Hospital": ("#dbdb8d", "hexagon", "医院"),
    "School": ("#b5a000", "hexagon", "学校"),
    "Place": ("#7f7f7f", "dot", "地点"),
    "Event": ("#e377c2", "triangleDown", "活动"),
    "Industry": ("#aec7e8", "dot", "产业"),
    "Person": ("#98df8a", "dot", "人物"),
    "Indicator": ("#c7c7c7", "box", "指标"),
}
_DEFAULT_STYLE = ("#999999", "dot", "")

#: Chinese labels of the relations, used where the ontology has none.
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
    "hasIndicator": "指标",
}

#: Above this many nodes the page is drawn at once from the precomputed layout, without physics.
PHYSICS_MAX_NODES = 300

_QUALIFIER = {"more-than": "超过", "less-than": "不到", "approx": "约"}
_ONTOLOGY_IRI = "https://w3id.org/zonekg/ontology#"
_VIS_DIR = ("templates", "lib", "vis-9.1.2")


class LeftOut(NamedTuple):
    """A node that ``max_nodes`` kept off the page."""

    iri: str
    label: str
    cls: str
    degree: int


@dataclass
class View:
    """A rendered page and what it shows."""

    html: str
    nodes: int
    edges: int
    layout: str
    left_out: list[LeftOut] = field(default_factory=list)
    left_out_edges: int = 0

    def left_out_summary(self) -> str:
        """One line on what ``max_nodes`` left out, by class; empty when nothing was.

        >>> View("", 1, 0, "physics", [LeftOut("a", "京东集团", "Enterprise", 1)], 1).left_out_summary()
        'left out 1 node(s) and 1 edge(s) with the fewest connections: 1 企业 (京东集团)'
        """
        if not self.left_out:
            return ""
        labels = class_labels()
        by_class = Counter(x.cls for x in self.left_out)
        parts = ", ".join(f"{n} {labels.get(c, c)}" for c, n in by_class.most_common())
        examples = "、".join(x.label for x in self.left_out[-5:][::-1])
        more = " …" if len(self.left_out) > 5 else ""
        return (f"left out {len(self.left_out)} node(s) and {self.left_out_edges} edge(s) with the fewest connections: "
                f"{parts} ({examples}{more})")


# --------------------------------------------------------------------------- labels from the ontology


def _ontology_paths() -> list[Path]:
    here = Path(__file__).resolve().parent
    return [here / "resources" / "ontology" / "zonekg.ttl", here / "resources" / "zonekg.ttl",
            here.parent / "ontology" / "zonekg.ttl"]


@lru_cache(maxsize=1)
def _ontology_labels() -> dict[str, str]:
    """``@zh`` labels of the ontology's terms by local name, from ``ontology/zonekg.ttl`` when it is there."""
    from rdflib import Graph, Literal
    from rdflib.namespace import RDFS, SKOS

    for path in _ontology_paths():
        if not path.is_file():
            continue
        g = Graph()
        try:
            g.parse(path, format="turtle")
        except Exception:  # a broken ontology file is reported by its own checks; the view falls back to its table
            return {}
        labels: dict[str, str] = {}
        for prop in (SKOS.prefLabel, RDFS.label):
            for s, o in g.subject_objects(prop):
                if isinstance(o, Literal) and (o.language or "").lower().startswith("zh") and str(s).startswith(_ONTOLOGY_IRI):
                    labels.setdefault(str(s)[len(_ONTOLOGY_IRI):], str(o))
        return labels
    return {}


def relation_labels() -> dict[str, str]:
    """Chinese label of each relation: the ontology's ``@zh`` label, else :data:`RELATION_LABELS`.

    >>> relation_labels()["hasHonor"]
    '拥有荣誉'
    """
    onto = _ontology_labels()
    return {p: onto.get(p, label) for p, label in RELATION_LABELS.items()}


def class_labels() -> dict[str, str]:
    """Chinese label of each class: the ontology's ``@zh`` label, else the one in :data:`CLASS_STYLE`.

    >>> class_labels()["Enterprise"]
    '企业'
    """
    onto = _ontology_labels()
    return {c: onto.get(c, style[2]) for c, style in CLASS_STYLE.items()}


# --------------------------------------------------------------------------- page data


def _number(value: object) -> str:
    """A normalised value for display: ``19684000`` → ``19,684,000``."""
    if value is None or value == "":
        return ""
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d.normalize():,f}"


class _Page:
    """Collects documents, evidence sentences and figures into shared tables referenced by index."""

    def __init__(self, G: nx.MultiDiGraph) -> None:
        # the raw attribute and adjacency dicts: networkx's views cost more than the look-ups themselves
        self.attrs: dict[str, dict] = dict(G.nodes(data=True))
        self.succ: dict[str, dict[str, dict]] = dict(G.adjacency())
        self.documents: list[list[str]] = []
        self.evidence: list[list] = []
        self.figures: list[list] = []
        self._doc_index: dict[str, int] = {}
        self._ev_index: dict[str, int] = {}
        self._fig_index: dict[str, int] = {}

    def document(self, iri: str) -> int:
        if iri not in self._doc_index:
            d = self.attrs[iri]
            self._doc_index[iri] = len(self.documents)
            self.documents.append([str(d.get("title") or ""), str(d.get("source") or "")])
        return self._doc_index[iri]

    def sentence(self, iri: str) -> int:
        index = self._ev_index.get(iri)
        if index is None:
            d = self.attrs[iri]
            doc = -1
            for target, keys in self.succ[iri].items():
                if "wasDerivedFrom" in keys and self.attrs[target].get("kind") == "document":
                    doc = self.document(target)
            index = self._ev_index[iri] = len(self.evidence)
            self.evidence.append([str(d.get("text") or ""), doc, int(d.get("start") or 0)])
        return index

    def evidence_of(self, iri: str) -> list[int]:
        attrs = self.attrs
        found = {self.sentence(t) for t, keys in self.succ[iri].items()
                 if "evidence" in keys and attrs[t].get("kind") == "evidence"}
        evidence = self.evidence
        return sorted(found, key=lambda i: (evidence[i][1], evidence[i][2], i))

    def figure(self, iri: str) -> int:
        index = self._fig_index.get(iri)
        if index is None:
            d = self.attrs[iri]
            ev = self.evidence_of(iri)
            index = self._fig_index[iri] = len(self.figures)
            self.figures.append([str(d.get("measure") or ""), str(d.get("raw_text") or ""), _number(d.get("value")),
                                 str(d.get("unit") or ""), _QUALIFIER.get(str(d.get("qualifier") or ""), ""),
                                 str(d.get("period") or ""), ev[0] if ev else -1])
        return index


def _zones(n: int, adjacency: list[set[int]], zone_nodes: list[int]) -> list[int]:
    """Each node's nearest zone (breadth first from all zones at once; the better connected zone wins ties).

    >>> _zones(4, [{1}, {0, 2}, {1}, set()], [0])
    [0, 0, 0, -1]
    """
    zone = [-1] * n
    queue = deque()
    for z in zone_nodes:
        zone[z] = z
        queue.append(z)
    while queue:
        v = queue.popleft()
        for w in sorted(adjacency[v]):
            if zone[w] < 0:
                zone[w] = zone[v]
                queue.append(w)
    return zone


def _groups(n: int, pairs: list[tuple[int, int]], zone: list[int]) -> tuple[list[int], list[list[int]]]:
    """Nodes linked to several zones (shared honors, places, industries …), then the other nodes grouped by
    zone (nodes no zone reaches: by connected component), largest group first.

    >>> _groups(5, [(0, 2), (1, 2), (0, 3)], [0, 1, 0, 0, -1])
    ([2], [[0, 3], [1], [4]])
    """
    is_zone = [zone[v] == v for v in range(n)]
    zones_near: list[set[int]] = [{z} if z >= 0 else set() for z in zone]  # zones of the neighbours
    zones_next: list[set[int]] = [set() for _ in range(n)]  # zones linked directly
    for a, b in pairs:
        for x, y in ((a, b), (b, a)):
            if zone[x] >= 0:
                zones_near[y].add(zone[x])
            if is_zone[x]:
                zones_next[y].add(x)
    shared = [v for v in range(n) if not is_zone[v] and len(zones_next[v] or zones_near[v]) > 1]
    is_shared = set(shared)
    parent = list(range(n))

    def root(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for a, b in pairs:
        if zone[a] < 0 and zone[b] < 0:
            parent[root(a)] = root(b)
    by_key: dict[int, list[int]] = {}
    for v in range(n):
        if v not in is_shared:
            by_key.setdefault(zone[v] if zone[v] >= 0 else -1 - root(v), []).append(v)
    return shared, sorted(by_key.values(), key=lambda g: (-len(g), g[0]))


def _sunflower(count: int, spacing: float) -> list[tuple[float, float]]:
    """``count`` points spread evenly over a disc (Vogel's spiral), ``spacing`` apart."""
    golden = math.pi * (3 - math.sqrt(5))
    return [(spacing * math.sqrt(k + 0.5) * math.cos(k * golden), spacing * math.sqrt(k + 0.5) * math.sin(k * golden))
            for k in range(count)]


def _layout_group(members: list[int], pairs: list[tuple[int, int]], edge_px: float) -> list[tuple[float, float]]:
    """Fruchterman–Reingold positions (igraph, seeded) of one group, centred, median edge ``edge_px`` long."""
    if len(members) == 1:
        return [(0.0, 0.0)]
    if not pairs:
        return _sunflower(len(members), edge_px * 0.7)
    import igraph as ig

    local = {v: i for i, v in enumerate(members)}
    g = ig.Graph(n=len(members), edges=[(local[a], local[b]) for a, b in pairs])
    ig.set_random_number_generator(random.Random(len(members)))
    try:
        coords = g.layout_fruchterman_reingold(niter=500).coords
    finally:
        ig.set_random_number_generator(random)
    lengths = sorted(math.dist(coords[local[a]], coords[local[b]]) for a, b in pairs)
    scale = edge_px / (lengths[len(lengths) // 2] or 1.0)
    # crowded spots (the leaves of a star) get room too: most nodes at least half an edge from their nearest neighbour
    step = max(1, len(coords) // 300)
    nearest = sorted(min(math.dist(p, q) for j, q in enumerate(coords) if j != i) for i, p in enumerate(coords) if i % step == 0)
    low = nearest[len(nearest) // 5] * scale
    if 0 < low < edge_px / 2:
        scale *= min(4.0, edge_px / 2 / low)
    cx = sum(x for x, _ in coords) / len(coords)
    cy = sum(y for _, y in coords) / len(coords)
    return [((x - cx) * scale, (y - cy) * scale) for x, y in coords]


def _layout(n: int, pairs: list[tuple[int, int]], zone: list[int]) -> list[tuple[int, int]]:
    """Positions in pixels: nodes shared by several zones in the middle, each zone's group laid out on its
    own and the groups set in rings around them, largest first.

    Laying out groups apart keeps every zone's entities together (a corpus reads as zones around the
    honors, places and industries they share, rather than one disc of nodes) and is fast: 10,000 nodes
    take about two seconds.
    """
    if n == 0:
        return []
    edge_px = 170.0 if n <= PHYSICS_MAX_NODES else 110.0
    shared, groups = _groups(n, pairs, zone)
    if shared:
        groups = [shared] + groups
    group_of = [0] * n
    for gi, members in enumerate(groups):
        for v in members:
            group_of[v] = gi
    inner: list[list[tuple[int, int]]] = [[] for _ in groups]
    for a, b in pairs:
        if group_of[a] == group_of[b]:
            inner[group_of[a]].append((a, b))
    positions: list[tuple[int, int]] = [(0, 0)] * n
    ring = previous_max = 0.0
    angle = 2 * math.pi
    for gi, (members, group_pairs) in enumerate(zip(groups, inner)):
        coords = _layout_group(members, group_pairs, edge_px)
        radius = max(max(math.hypot(x, y) for x, y in coords), edge_px / 2) + edge_px / 2
        if gi == 0:
            cx = cy = 0.0
            ring, previous_max = 0.0, radius
        else:
            arc = 2 * math.asin(min(1.0, radius / ring)) if ring else 2 * math.pi
            if angle + arc > 2 * math.pi:  # a new ring, around the last one
                ring += previous_max + radius
                previous_max, angle = radius, 0.0
                arc = 2 * math.asin(min(1.0, radius / ring))
            cx, cy = ring * math.cos(angle + arc / 2), ring * math.sin(angle + arc / 2)
            angle += arc
            previous_max = max(previous_max, radius)
        for v, (px, py) in zip(members, coords):
            positions[v] = (round(cx + px), round(cy + py))
    return positions


def _select(attrs: dict[str, dict], shown: list[str], degree: Counter, figures: Counter, max_nodes: int | None,
            subject_of: dict[str, str]) -> tuple[list[str], list[LeftOut]]:
    """The ``max_nodes`` best-connected nodes (ties: more figures, zones first), and the rest, most connected first."""
    if max_nodes is None or len(shown) <= max_nodes:
        return shown, []
    ranked = sorted(shown, key=lambda v: (-degree[v], -figures[v], attrs[v].get("kind") != "entity",
                                          attrs[v].get("cls") != "DevelopmentZone", str(attrs[v].get("label", "")), v))
    kept: set[str] = set()
    for v in ranked:
        if len(kept) >= max_nodes:
            break
        if v in subject_of and subject_of[v] not in kept:
            continue
        kept.add(v)
    left = [LeftOut(v, _node_label(attrs[v], v), _node_class(attrs[v]), degree[v]) for v in ranked if v not in kept]
    return [v for v in shown if v in kept], left


def _node_class(d: dict) -> str:
    return "Indicator" if d.get("kind") == "indicator" else str(d.get("cls") or "")


def _node_label(d: dict, v: str) -> str:
    if d.get("kind") == "indicator":
        return f"{d.get('measure') or ''} {d.get('raw_text') or _number(d.get('value'))}".strip()
    return str(d.get("label") or v.rsplit("/", 1)[-1])


def _page_data(G: nx.MultiDiGraph, *, indicators: str, max_nodes: int | None,
               layout: str) -> tuple[dict, list[LeftOut], int, str]:
    page = _Page(G)
    attrs = page.attrs
    entities = sorted(v for v, d in attrs.items() if d.get("kind") == "entity")
    entity_set = set(entities)
    rel_edges: list[tuple[str, str, str]] = []
    subject_of: dict[str, str] = {}
    figure_edges: list[tuple[str, str]] = []
    for s, nbrs in page.succ.items():
        if s not in entity_set:
            continue
        for o, keys in nbrs.items():
            for k in keys:
                if k in RELATION_PREDICATES and o in entity_set:
                    rel_edges.append((s, o, k))
                elif k == "hasIndicator" and attrs[o].get("kind") == "indicator":
                    subject_of.setdefault(o, s)
                    figure_edges.append((s, o))
    rel_edges.sort()
    figure_edges.sort()
    shown = entities + (sorted(subject_of) if indicators == "nodes" else [])
    drawn_edges = rel_edges + ([(s, o, "hasIndicator") for s, o in figure_edges] if indicators == "nodes" else [])
    degree: Counter = Counter()
    for s, o, _ in drawn_edges:
        degree[s] += 1
        degree[o] += 1
    shown, left_out = _select(attrs, shown, degree, Counter(s for s, _ in figure_edges), max_nodes, subject_of)
    index = {v: i for i, v in enumerate(shown)}
    kept_edges = [(s, o, k) for s, o, k in drawn_edges if s in index and o in index]

    rel_label = relation_labels()
    cls_label = class_labels()
    adjacency: list[set[int]] = [set() for _ in shown]
    edges = []
    for s, o, k in kept_edges:
        a, b = index[s], index[o]
        adjacency[a].add(b)
        adjacency[b].add(a)
        ev = [page.sentence(e) for e in page.succ[s][o][k].get("evidence", ()) if e in attrs] if k != "hasIndicator" else []
        edges.append([a, b, k, sorted(set(ev))])
    zone_nodes = sorted((index[v] for v in shown if attrs[v].get("cls") == "DevelopmentZone"),
                        key=lambda i: (-len(adjacency[i]), i))
    zone = _zones(len(shown), adjacency, zone_nodes)
    pairs = sorted({(min(a, b), max(a, b)) for a, b, _, _ in edges if a != b})
    if layout == "auto":
        layout = "physics" if len(shown) <= PHYSICS_MAX_NODES else "precomputed"
    positions = _layout(len(shown), pairs, zone)

    figures_of: dict[str, list[str]] = {}
    for s, o in figure_edges:
        figures_of.setdefault(s, []).append(o)
    nodes = []
    for i, v in enumerate(shown):
        d = attrs[v]
        cls = _node_class(d)
        node: dict = {"id": i, "label": _node_label(d, v), "cls": cls, "value": degree[v], "zone": zone[i],
                      "x": positions[i][0], "y": positions[i][1]}
        if cls == "Indicator":
            node["figs"] = [page.figure(v)]
            node["ev"] = page.evidence_of(v)
        else:
            aliases = [str(a) for a in d.get("aliases", ()) if str(a) != node["label"]]
            if aliases:
                node["aliases"] = aliases
            extra = [str(c) for c in d.get("extra_classes", ()) if c != cls]
            if extra:
                node["extra"] = extra
            figs = [page.figure(f) for f in figures_of.get(v, ())]
            if figs:
                node["figs"] = sorted(figs, key=lambda f: (page.figures[f][0], f))
            node["ev"] = page.evidence_of(v)
        nodes.append(node)

    classes = {}
    for cls, count in sorted(Counter(n["cls"] for n in nodes).items()):
        color, shape, _ = CLASS_STYLE.get(cls, _DEFAULT_STYLE)
        classes[cls] = {"label": cls_label.get(cls, cls), "color": color, "shape": shape, "count": count}
    data = {
        "classes": classes,
        "relations": {k: rel_label.get(k, k) for k in sorted({e[2] for e in edges})},
        "documents": page.documents,
        "evidence": page.evidence,
        "figures": page.figures,
        "nodes": nodes,
        "edges": edges,
        "zones": [z for z in zone_nodes],
        "layout": layout,
        "leftOut": {"nodes": len(left_out), "edges": len(drawn_edges) - len(kept_edges)},
    }
    return data, left_out, len(drawn_edges) - len(kept_edges), layout


# --------------------------------------------------------------------------- the page


def _vis_options(n: int, layout: str) -> dict:
    """vis-network options: physics that stabilises and then freezes, or none for a precomputed layout."""
    font = ('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
            '"Microsoft YaHei", "WenQuanYi Micro Hei", "Droid Sans Fallback", sans-serif')
    large = n > PHYSICS_MAX_NODES
    return {
        "autoResize": True,
        "nodes": {"font": {"size": 14, "face": font, "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "scaling": {"min": 10, "max": 40, "label": {"enabled": True, "min": 13, "max": 26, "drawThreshold": 7}},
                  "borderWidth": 1},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}, "smooth": False,
                  "font": {"size": 11, "face": font, "align": "middle", "color": "#555555", "strokeWidth": 3},
                  "color": {"color": "#b0b0b0", "highlight": "#333333", "hover": "#666666"}, "width": 1,
                  "selectionWidth": 2},
        "physics": {"enabled": layout == "physics", "solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -80, "springLength": 140, "avoidOverlap": 0.4},
                    "stabilization": {"enabled": True, "iterations": 150, "updateInterval": 50, "fit": True},
                    "minVelocity": 1.0},
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "interaction": {"hover": not large, "hideEdgesOnDrag": large, "hideEdgesOnZoom": large, "tooltipDelay": 300,
                        "multiselect": False},
    }


@lru_cache(maxsize=1)
def _assets() -> dict[str, str]:
    """vis-network from pyvis, and the page's own script, style and template."""
    try:
        vis = files("pyvis").joinpath(*_VIS_DIR)
        own = files("kg").joinpath("resources", "view")
        assets = {"vis_js": vis.joinpath("vis-network.min.js").read_text(encoding="utf-8"),
                  "vis_css": vis.joinpath("vis-network.css").read_text(encoding="utf-8"),
                  "app_js": own.joinpath("app.js").read_text(encoding="utf-8"),
                  "app_css": own.joinpath("view.css").read_text(encoding="utf-8"),
                  "template": own.joinpath("graph.html").read_text(encoding="utf-8")}
    except (OSError, ModuleNotFoundError) as err:
        raise ResourceError(f"the HTML view's resources cannot be read: {err}") from None
    for name in ("vis_js", "app_js", "vis_css", "app_css"):
        if "</script" in assets[name].lower() or "</style" in assets[name].lower():
            raise ResourceError(f"the HTML view's {name.replace('_', '.')} contains a closing tag and cannot be inlined")
    return assets


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def _json_for_html(data: object) -> str:
    """JSON that cannot end the ``<script>`` block it sits in.

    >>> _json_for_html({"t": "</script><img src=x onerror=alert(1)>"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003cimg src=x onerror=alert(1)\\\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render_view(G: nx.MultiDiGraph, *, heading: str = "ZoneKG 知识图谱", indicators: Literal["panel", "nodes"] = "panel",
                max_nodes: int | None = None, layout: Literal["auto", "physics", "precomputed"] = "auto") -> View:
    """Render the entities and relations of a graph as one self-contained HTML page.

    ``indicators="nodes"`` draws figures as nodes (by default they are listed in the side panel);
    ``max_nodes`` keeps that many of the best-connected nodes and reports the rest in
    :attr:`View.left_out`; ``layout`` forces physics or the precomputed layout (``auto``: physics up to
    :data:`PHYSICS_MAX_NODES` nodes).

    >>> import kg
    >>> from kg.graph import to_networkx
    >>> G = to_networkx([kg.extract("萍乡经济技术开发区拥有规模以上工业企业143家，引进京东集团。")])
    >>> render_view(G, indicators="nodes").nodes
    3
    >>> [x.label for x in render_view(G, max_nodes=1).left_out]
    ['京东集团']
    """
    from jinja2 import Environment
    from markupsafe import Markup

    if indicators not in ("panel", "nodes"):
        raise ValueError(f"indicators must be 'panel' or 'nodes', not {indicators!r}")
    if layout not in ("auto", "physics", "precomputed"):
        raise ValueError(f"layout must be 'auto', 'physics' or 'precomputed', not {layout!r}")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError("max_nodes must be at least 1")
    data, left_out, left_edges, chosen = _page_data(G, indicators=indicators, max_nodes=max_nodes, layout=layout)
    data["options"] = _vis_options(len(data["nodes"]), chosen)
    assets = _assets()
    csp = ("default-src 'none'; " f"script-src {_csp_hash(assets['vis_js'])} {_csp_hash(assets['app_js'])}; "
           "style-src 'unsafe-inline'; img-src data:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")
    env = Environment(autoescape=True)
    html = env.from_string(assets["template"]).render(
        heading=heading, csp=csp, vis_css=Markup(assets["vis_css"]), app_css=Markup(assets["app_css"]),
        vis_js=Markup(assets["vis_js"]), app_js=Markup(assets["app_js"]), data=Markup(_json_for_html(data)))
    return View(html=html, nodes=len(data["nodes"]), edges=len(data["edges"]), layout=chosen, left_out=left_out,
                left_out_edges=left_edges)


def render_html(G: nx.MultiDiGraph, *, heading: str = "ZoneKG 知识图谱", indicators: Literal["panel", "nodes"] = "panel",
                max_nodes: int | None = None, layout: Literal["auto", "physics", "precomputed"] = "auto") -> str:
    """The page of :func:`render_view` alone.

    >>> import kg
    >>> from kg.graph import to_networkx
    >>> "京东集团" in render_html(to_networkx([kg.extract("萍乡经济技术开发区引进京东集团。")]))
    True
    """
    return render_view(G, heading=heading, indicators=indicators, max_nodes=max_nodes, layout=layout).html
