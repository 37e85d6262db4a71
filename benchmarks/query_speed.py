"""Speed of the saved questions: rdflib in memory against the embedded Oxigraph store.

Builds a synthetic graph shaped like ``kg build`` output (documents, evidence sentences, entities with
labels and aliases, relations stated twice — plain and as an ``rdf:Statement`` — indicators, and what a
build derives for the corpus-wide questions: ``zkg:mentions`` from each document to the entities it
mentions, each platform's ``zkg:platformType``), of about ``--triples`` distinct triples, then, for each
engine in a fresh process:

- rdflib: parse the N-Triples into an in-memory ``Graph``;
- store: bulk-load N-Quads (one named graph per document, as ``kg build --store`` writes) into an
  on-disk Oxigraph store and query the union of the graphs, as ``kg query --store`` does;
- memory: the N-Triples in an in-memory Oxigraph store (as ``kg serve --data`` held graph files until it
  moved queries into processes of their own);

and prints load time, peak memory (resident set size) and the median latency of every saved question
(with typical parameters, the parameter lookup included) side by side.

    .venv/bin/python benchmarks/query_speed.py                  # 1,000,000 triples (a few minutes)
    .venv/bin/python benchmarks/query_speed.py --triples 100000 # quicker
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ZKG = "https://w3id.org/zonekg/ontology#"
ID = "https://w3id.org/zonekg/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"

# Entity pools: (class, IRI segment, pool size, name pattern). Names are synthetic: no real names.
POOLS = {
    "DevelopmentZone": ("zone", 200, "第{}经济技术开发区"),
    "Enterprise": ("enterprise", 20000, "测试{}科技有限公司"),
    "Honor": ("honor", 400, "省级示范{}园区"),
    "Platform": ("platform", 4000, "第{}号{}"),
    "Policy": ("policy", 3000, "第{}项扶持政策"),
    "Project": ("project", 3000, "年产{}万件项目"),
    "Place": ("place", 300, "测试{}市"),
    "Event": ("event", 1000, "第{}届招商活动"),
    "Industry": ("industry", 60, "产业{}"),
    "Hospital": ("hospital", 500, "第{}卫生院"),
}
PLATFORM_HEADS = ["孵化器", "工作站", "服务中心", "众创空间", "研究院", "平台", "之家", "实验室"]
MEASURES = ["规模以上工业企业", "奖励资金", "新增床位", "招聘", "高新技术企业", "研发机构", "贷款", "学位"]
UNITS = ["家", "元", "张", "人次", "个", "项", "件"]
# (predicate, subject class, object class, per document)
RELATIONS = [("hasEnterprise", "DevelopmentZone", "Enterprise", 9), ("introduced", "DevelopmentZone", "Enterprise", 4),
             ("introduced", "DevelopmentZone", "Project", 1), ("supports", "DevelopmentZone", "Enterprise", 3),
             ("supports", "Policy", "Enterprise", 2), ("hasHonor", "DevelopmentZone", "Honor", 5),
             ("hasHonor", "Enterprise", "Honor", 2), ("hasPlatform", "DevelopmentZone", "Platform", 4),
             ("implementsPolicy", "DevelopmentZone", "Policy", 6), ("builds", "DevelopmentZone", "Hospital", 2),
             ("organizes", "DevelopmentZone", "Event", 3), ("locatedIn", "DevelopmentZone", "Place", 1),
             ("inIndustry", "Enterprise", "Industry", 3), ("locatedIn", "Enterprise", "DevelopmentZone", 2)]


def _name(cls: str, i: int) -> str:
    seg, _, pattern = POOLS[cls]
    if cls == "Platform":
        return pattern.format(i, PLATFORM_HEADS[i % len(PLATFORM_HEADS)])
    return pattern.format(i)


def _iri(cls: str, i: int) -> str:
    return f"<{ID}{POOLS[cls][0]}/{_name(cls, i)}>"


def _lit(text: str, lang: str | None = "zh") -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"@{lang}' if lang else f'"{text}"'


def _typed(value, dt: str) -> str:
    return f'"{value}"^^<{XSD}{dt}>'


def _pick(rng: random.Random, cls: str) -> int:
    """Skewed choice: some entities are mentioned in many documents, most in few."""
    n = POOLS[cls][1]
    return min(int(rng.paretovariate(1.2)) - 1, n - 1) if rng.random() < 0.3 else rng.randrange(n)


def document(d: int, rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    """The N-Triples lines of one synthetic document: its own, those describing entities (shared), and
    the IRIs of the entities it mentions."""
    from kg.lexicon import platform_type

    doc_hash = f"{d:016x}"
    doc = f"<{ID}document/{doc_hash}>"
    out = [f"{doc} <{RDF}type> <{ZKG}Document> .", f"{doc} <{RDF}type> <{PROV}Entity> .",
           f"{doc} <{DCT}title> {_lit(f'第{d}篇报道')} .", f"{doc} <{DCT}source> {_lit(f'article-{d}.txt', None)} .",
           f"{doc} <{ZKG}sha256> {_lit(doc_hash * 4, None)} ."]
    sentences = []
    for k in range(30):
        start, end = k * 60, k * 60 + 58
        ev = f"<{ID}evidence/{doc_hash}-{start}-{end}>"
        sentences.append(ev)
        out += [f"{ev} <{RDF}type> <{ZKG}Evidence> .", f"{ev} <{RDF}type> <{PROV}Entity> .",
                f"{ev} <{ZKG}text> {_lit(f'该区第{d}篇第{k}句话，说明园区引进企业、获评荣誉、建设平台等情况。')} .",
                f"{ev} <{ZKG}start> {_typed(start, 'integer')} .", f"{ev} <{ZKG}end> {_typed(end, 'integer')} .",
                f"{ev} <{PROV}wasDerivedFrom> {doc} ."]
    zone = _pick(rng, "DevelopmentZone")
    mentioned: dict[str, str] = {}
    shared: list[str] = []

    def mention(cls: str, i: int) -> str:
        iri = _iri(cls, i)
        if iri not in mentioned:
            ev = rng.choice(sentences)
            mentioned[iri] = ev
            shared.append(f"{iri} <{RDF}type> <{ZKG}{cls}> .")
            if cls == "Hospital":
                shared.append(f"{iri} <{RDF}type> <{ZKG}Institution> .")
            shared.append(f"{iri} <{RDFS}label> {_lit(_name(cls, i))} .")
            if cls == "Platform":  # as kg build states it for every platform
                shared.append(f"{iri} <{ZKG}platformType> {_lit(platform_type(_name(cls, i)), None)} .")
            if cls in ("Enterprise", "DevelopmentZone") and i % 3 == 0:
                shared.append(f"{iri} <{SKOS}altLabel> {_lit(_name(cls, i)[:-4] or _name(cls, i))} .")
            out.append(f"{iri} <{ZKG}evidence> {ev} .")
        return iri

    for pred, scls, ocls, per_doc in RELATIONS:
        for _ in range(per_doc):
            s = mention(scls, zone if scls == "DevelopmentZone" else _pick(rng, scls))
            o = mention(ocls, _pick(rng, ocls))
            ev = rng.choice(sentences)
            st = f"<{ID}statement/{hashlib.blake2b(f'{s}{pred}{o}{ev}'.encode(), digest_size=10).hexdigest()}>"
            out += [f"{s} <{ZKG}{pred}> {o} .", f"{st} <{RDF}type> <{RDF}Statement> .", f"{st} <{RDF}subject> {s} .",
                    f"{st} <{RDF}predicate> <{ZKG}{pred}> .", f"{st} <{RDF}object> {o} .", f"{st} <{ZKG}evidence> {ev} ."]
    zone_iri = mention("DevelopmentZone", zone)
    for k in range(30):
        ev = rng.choice(sentences)
        ind = f"<{ID}indicator/{doc_hash}-{k * 60 + 5}-{k * 60 + 9}>"
        value = rng.randrange(1, 100000)
        measure, unit = rng.choice(MEASURES), rng.choice(UNITS)
        out += [f"{zone_iri} <{ZKG}hasIndicator> {ind} .", f"{ind} <{RDF}type> <{ZKG}Indicator> .",
                f"{ind} <{ZKG}measure> {_lit(measure)} .", f"{ind} <{ZKG}value> {_typed(f'{value}.0', 'decimal')} .",
                f"{ind} <{ZKG}unit> {_lit(unit)} .", f"{ind} <{ZKG}rawText> {_lit(f'{value}{unit}')} .",
                f"{ind} <{ZKG}evidence> {ev} ."]
        if k % 3 == 0:
            out.append(f"{ind} <{ZKG}period> {_lit('今年以来')} .")
        if k % 5 == 0:
            out.append(f"{ind} <{ZKG}qualifier> {_lit('more-than', None)} .")
    out += [f"{doc} <{ZKG}mentions> {iri} ." for iri in mentioned]  # as kg build derives it from the evidence
    return out, shared, list(mentioned)


def generate(folder: Path, triples: int, seed: int = 7) -> dict:
    """Write ``graph.nt`` (distinct triples) and ``graph.nq`` (as ``kg build --store`` stores them: each
    document's own triples in its named graph, what describes entities once in the shared graph)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    mentions: dict[str, int] = {}
    docs = 0
    with open(folder / "graph.nt", "w", encoding="utf-8") as nt, open(folder / "graph.nq", "w", encoding="utf-8") as nq:
        while len(seen) < triples:
            own, shared, iris = document(docs, rng)
            for iri in iris:
                mentions[iri] = mentions.get(iri, 0) + 1
            graph = f" <{ID}document/{docs:016x}> ."
            for line in dict.fromkeys(own):
                nq.write(line[:-2] + graph + "\n")
                if line not in seen:
                    seen.add(line)
                    nt.write(line + "\n")
            for line in shared:
                if line not in seen:
                    seen.add(line)
                    nt.write(line + "\n")
                    nq.write(line[:-2] + f" <{ID}graph/shared> .\n")
            docs += 1
    (folder / "mentions.json").write_text(json.dumps(mentions, ensure_ascii=False), encoding="utf-8")
    return {"triples": len(seen), "documents": docs}


def parameters(folder: Path) -> dict[str, dict[str, dict[str, str] | None]]:
    """Two sets of parameters: ``typical`` names the median zone and policy (by the number of documents
    that mention them), ``largest`` the most mentioned ones; None would leave a question untimed."""
    mentions = json.loads((folder / "mentions.json").read_text(encoding="utf-8"))

    def pick(segment: str, which: str) -> str:
        ranked = sorted((n, iri) for iri, n in mentions.items() if f"/{segment}/" in iri)
        n, iri = ranked[len(ranked) // 2] if which == "typical" else ranked[-1]
        return iri[1:-1].rsplit("/", 1)[1]

    out = {}
    for which in ("typical", "largest"):
        zone, policy = pick("zone", which), pick("policy", which)
        out[which] = {
            "enterprises-of-zone": {"zone": zone},
            "honors": {"entity": zone},
            "figures": {"entity": zone},
            "policies": {"policy": policy},
            "introductions": {"zone": zone},
            "platforms-by-type": {"type": "孵化器"},
            "evidence": {"subject": zone, "predicate": "introduced"},
            "class-counts": {},
            "multi-document-entities": {},
            "conflicts": {"entity": zone},
        }
    return out


def documents_of(folder: Path, which: str) -> int:
    """How many documents mention the zone of a parameter set."""
    mentions = json.loads((folder / "mentions.json").read_text(encoding="utf-8"))
    zone = parameters(folder)[which]["honors"]["entity"]
    return next(n for iri, n in mentions.items() if iri.endswith(f"/zone/{zone}>"))


#: The saved questions of the issue, and conflicts.
QUESTIONS = ["enterprises-of-zone", "honors", "figures", "policies", "introductions", "platforms-by-type", "evidence",
             "class-counts", "multi-document-entities", "conflicts"]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(engine: str, folder: Path, runs: int) -> dict:
    """Load and query in this (fresh) process; the figures as a dict."""
    from kg.query import GraphSource, run_saved

    started = time.perf_counter()
    if engine == "rdflib":
        from rdflib import Graph

        g = Graph()
        g.parse(folder / "graph.nt", format="nt")
        source = GraphSource(g)
    else:
        import shutil

        import pyoxigraph as ox

        from kg.store import StoreSource, bulk_load_quads

        if engine == "store":
            shutil.rmtree(folder / "store", ignore_errors=True)
            store = ox.Store(str(folder / "store"))
            with open(folder / "graph.nq", "rb") as quads:
                bulk_load_quads(store, quads)  # as kg build --store loads many triples
            del store
            source = StoreSource.open(folder / "store")  # as kg query --store opens it: read-only
        else:
            source = StoreSource.from_files([folder / "graph.nt"])  # in memory, as kg serve --data once held them
    load = time.perf_counter() - started
    out = {"engine": engine, "load_s": load, "rss_after_load_mb": _rss_mb(), "queries": {}}
    for which, params in parameters(folder).items():
        out["queries"][which] = {}
        for name in QUESTIONS:
            if params[name] is None:
                continue
            times = []
            rows = 0
            for i in range(runs + 1):
                t0 = time.perf_counter()
                rows = len(run_saved(source, name, params[name]).rows)
                dt = time.perf_counter() - t0
                if i or engine == "rdflib":  # the store's first run warms caches; rdflib has none to warm
                    times.append(dt)
                if dt > 5:  # slow enough: one timed run says it
                    if not times:
                        times.append(dt)
                    break
            out["queries"][which][name] = {"ms": statistics.median(times) * 1000, "rows": rows, "runs": len(times)}
    out["peak_rss_mb"] = _rss_mb()
    return out


def goals(results: dict) -> str:
    """The issue's goals, with typical parameters: every question under 100 ms on the store, and the store
    10x faster than rdflib."""
    store = results["store"]["queries"]["typical"]
    slow = [f"{name} ({q['ms']:.0f} ms)" for name, q in store.items() if q["ms"] >= 100]
    lines = ["goal, typical parameters: every question under 100 ms on the store: "
             + ("met" if not slow else "missed by " + ", ".join(slow))]
    if "rdflib" in results:
        rdflib = results["rdflib"]["queries"]["typical"]
        below = [f"{name} ({rdflib[name]['ms'] / q['ms']:.1f}x)" for name, q in store.items()
                 if q["ms"] and rdflib[name]["ms"] / q["ms"] < 10]
        lines.append("goal, typical parameters: the store at least 10x faster than rdflib: "
                     + ("met on every question" if not below else "met on all but " + ", ".join(below)))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per question (rdflib: at most 3)")
    parser.add_argument("--engines", default="rdflib,store,memory")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, folder = args.child
        print(json.dumps(child(engine, Path(folder), args.runs)))
        return
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kg-query-speed-"))
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    shape = generate(folder, args.triples)
    print(f"synthetic graph: {shape['triples']:,} triples from {shape['documents']:,} documents "
          f"({(folder / 'graph.nt').stat().st_size / 2**20:.0f} MB N-Triples) in {time.perf_counter() - t0:.1f} s",
          flush=True)
    results = {}
    for engine in args.engines.split(","):
        runs = min(args.runs, 3) if engine == "rdflib" else args.runs
        run = subprocess.run([sys.executable, __file__, "--child", engine, str(folder), "--runs", str(runs)],
                             capture_output=True, text=True)
        if run.returncode:
            sys.exit(f"{engine} failed:\n{run.stderr}")
        results[engine] = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"{engine}: loaded in {results[engine]['load_s']:.1f} s", flush=True)
    engines = list(results)
    print()
    print(f"{'':28}" + "".join(f"{e:>16}" for e in engines) + ("  rdflib/store" if "rdflib" in engines and "store" in engines else ""))
    print(f"{'load time (s)':28}" + "".join(f"{results[e]['load_s']:>16.1f}" for e in engines))
    print(f"{'peak memory (MB)':28}" + "".join(f"{results[e]['peak_rss_mb']:>16.0f}" for e in engines))
    for which in ("typical", "largest"):
        zone = parameters(folder)[which]["honors"]["entity"]
        print(f"latency (ms, median) and rows; {which} parameters: zone {zone} ({documents_of(folder, which)} documents)")
        for name in QUESTIONS:
            if any(name not in results[e]["queries"][which] for e in engines):
                continue
            cells = "".join(f"{results[e]['queries'][which][name]['ms']:>10.1f} {results[e]['queries'][which][name]['rows']:>5}"
                            for e in engines)
            ratio = ""
            if "rdflib" in results and "store" in results:
                a, b = results["rdflib"]["queries"][which][name]["ms"], results["store"]["queries"][which][name]["ms"]
                ratio = f"{a / b:>14.0f}x" if b else ""
            print(f"  {name:26}{cells}{ratio}")
    if "store" in results:
        print()
        print(goals(results))
    if args.json:
        Path(args.json).write_text(json.dumps({"shape": shape, "results": results}, indent=1), encoding="utf-8")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
