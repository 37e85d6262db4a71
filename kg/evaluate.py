"""Scoring a graph against a gold annotation, as ``spec/annotation-guide.md`` says.

Names, measures and units are compared after NFKC, traditional → simplified
conversion and removal of spaces and quote marks. An entity matches when one
of its labels equals a gold name or alias and the class agrees (Hospital and
School count as Institution); a relation when subject, property and object
match; an indicator when value (relative tolerance 1e-6) and unit agree, at
least half of the gold measure's characters occur in the predicted measure,
and the subject matches (unless the gold item says ``subject_optional``).
Optional gold items count neither for nor against.

>>> prf(3, 1, 1)["f1"]
0.75
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from rdflib import RDF, RDFS, Graph
from rdflib.namespace import SKOS

from .errors import GoldFileError
from .model import ENTITY_CLASSES, RELATION_PREDICATES
from .normalise import to_simplified
from .vocab import ZKG, ZKG_IRI

__all__ = ["load_gold", "score", "prf", "format_scores", "CATEGORIES"]

CATEGORIES = ("entities", "relations", "indicators", "overall")
_STRIP = set(" \t\r\n\u3000“”‘’\"'《》〈〉「」『』【】()（）")
_PARENT = {"Hospital": "Institution", "School": "Institution"}


def _norm(text) -> str:
    text = to_simplified(unicodedata.normalize("NFKC", str(text)))
    return "".join(c for c in text if c not in _STRIP).lower()


def _closure(types) -> set[str]:
    return set(types) | {_PARENT[t] for t in types if t in _PARENT}


def _local(iri) -> str | None:
    s = str(iri)
    return s[len(ZKG_IRI):] if s.startswith(ZKG_IRI) else None


def prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall and F1 with their counts."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def load_gold(path: str | Path) -> dict:
    """Read and check a gold JSON file."""
    path = Path(path)
    try:
        gold = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GoldFileError(f"{path}: no such gold file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise GoldFileError(f"{path}: cannot read ({err})") from None
    except ValueError as err:
        raise GoldFileError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(gold, dict) or not all(isinstance(gold.get(k, []), list) for k in
                                             ("entities", "relations", "indicators")):
        raise GoldFileError(f"{path}: expected an object with lists 'entities', 'relations', 'indicators'")
    try:
        for e in gold.get("entities", []):
            e["name"], e["type"]
        for r in gold.get("relations", []):
            r["subject"], r["predicate"], r["object"]
        for i in gold.get("indicators", []):
            i["subject"], float(i["value"]), i["unit"], i["measure"]
    except (KeyError, TypeError, ValueError) as err:
        raise GoldFileError(f"{path}: an item lacks a required field ({err})") from None
    return gold


def _predicted(g: Graph):
    classes = set(ENTITY_CLASSES)
    sub = {c: _local(p) for c, p in g.subject_objects(RDFS.subClassOf)
           if _local(p) in classes and _local(c) not in classes}
    ents: dict = {}
    for s, o in g.subject_objects(RDF.type):
        t = _local(o) if _local(o) in classes else sub.get(o)
        if t:
            ents.setdefault(s, {"types": set(), "names": set()})["types"].add(t)
    for s, e in ents.items():
        for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel):
            e["names"].update(_norm(x) for x in g.objects(s, p))
        e["types"] = _closure(e["types"])
    rels = {(s, _local(p), o) for s, p, o in g if _local(p) in RELATION_PREDICATES and s in ents and o in ents}
    inds = []
    for subj, i in g.subject_objects(ZKG.hasIndicator):
        v = g.value(i, ZKG.value)
        try:
            val = float(v)
        except (TypeError, ValueError):
            continue
        inds.append({"subject": subj, "value": val, "unit": _norm(g.value(i, ZKG.unit) or ""),
                     "measure": _norm(g.value(i, ZKG.measure) or "")})
    return ents, rels, inds


def score(g: Graph, gold: dict) -> dict:
    """Score graph ``g`` against a loaded gold annotation (see the module docstring)."""
    ents, rels, inds = _predicted(g)
    gents = []
    for ge in gold["entities"]:
        types = ge["type"] if isinstance(ge["type"], list) else [ge["type"]]
        gents.append({"name": ge["name"], "names": {_norm(ge["name"])} | {_norm(a) for a in ge.get("aliases", [])},
                      "types": _closure(types), "optional": ge.get("optional", False)})
    node_gold = {}
    for node, e in ents.items():
        for i, ge in enumerate(gents):
            if e["names"] & ge["names"]:
                node_gold[node] = i
                break
    tp = fp = 0
    seen: set[int] = set()
    extras, misses = [], []
    for node, e in ents.items():
        i = node_gold.get(node)
        if i is None:
            fp += 1
            extras.append(sorted(e["names"])[0] if e["names"] else str(node))
            continue
        ge = gents[i]
        if ge["optional"]:
            continue
        if e["types"] & ge["types"] and i not in seen:
            tp += 1
            seen.add(i)
        else:
            fp += 1
            extras.append(f"{ge['name']} (type {sorted(e['types'])} or duplicate)")
    fn = 0
    for i, ge in enumerate(gents):
        if not ge["optional"] and i not in seen:
            fn += 1
            misses.append(ge["name"])
    result = {"entities": {**prf(tp, fp, fn), "false_positives": extras, "misses": misses}}

    def gold_index(name):
        n = _norm(name)
        return next((i for i, ge in enumerate(gents) if n in ge["names"]), None)

    grels: dict = {}
    for gr in gold["relations"]:
        key = (gold_index(gr["subject"]), gr["predicate"], gold_index(gr["object"]))
        grels[key] = grels.get(key, False) or not gr.get("optional", False)
    prels = {(node_gold.get(s), p, node_gold.get(o)) for s, p, o in rels}
    tp = fp = 0
    extras = []
    for key in sorted(prels, key=str):
        if key in grels:
            tp += grels[key]
        else:
            fp += 1
            extras.append(key)
    required = {k for k, req in grels.items() if req}

    def show(k):
        name = lambda i: gents[i]["name"] if i is not None else "?"  # noqa: E731
        return f"{name(k[0])} {k[1]} {name(k[2])}"

    result["relations"] = {**prf(tp, fp, len(required - prels)), "false_positives": [show(k) for k in extras],
                           "misses": sorted(show(k) for k in required - prels)}
    used: set[int] = set()
    tp = fn = 0
    misses = []
    for gi in gold["indicators"]:
        gsub = gold_index(gi["subject"])
        gm = set(_norm(gi["measure"]))
        hit = None
        for j, pi in enumerate(inds):
            if j in used or abs(pi["value"] - float(gi["value"])) > 1e-6 * max(1.0, abs(float(gi["value"]))):
                continue
            if pi["unit"] != _norm(gi["unit"]) or len(gm & set(pi["measure"])) < 0.5 * len(gm):
                continue
            if not gi.get("subject_optional") and node_gold.get(pi["subject"]) != gsub:
                continue
            hit = j
            break
        if hit is not None:
            used.add(hit)
            if not gi.get("optional"):
                tp += 1
        elif not gi.get("optional"):
            fn += 1
            misses.append(f"{gi['measure']} {gi.get('text', gi['value'])}")
    result["indicators"] = {**prf(tp, len(inds) - len(used), fn),
                            "false_positives": [f"{p['measure']} {p['value']:g} {p['unit']}"
                                                for j, p in enumerate(inds) if j not in used],
                            "misses": misses}
    totals = {k: sum(result[c][k] for c in ("entities", "relations", "indicators")) for k in ("tp", "fp", "fn")}
    result["overall"] = prf(totals["tp"], totals["fp"], totals["fn"])
    return result


def format_scores(result: dict, *, verbose: bool = False) -> str:
    """One line per category, as ``kg-score`` prints them; ``verbose`` lists errors."""
    lines = []
    for cat in CATEGORIES:
        r = result[cat]
        lines.append(f"{cat:<11} P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f}  "
                     f"(tp={r['tp']} fp={r['fp']} fn={r['fn']})")
        if verbose:
            for x in r.get("false_positives", []):
                lines.append(f"    false positive: {x}")
            for x in r.get("misses", []):
                lines.append(f"    miss: {x}")
    return "\n".join(lines)
