"""How fast is the HTML view? Page generation time, file size and time to a stable drawing in headless Chromium.

Synthetic graphs are shaped like the ones ``kg build`` makes from zone news: one document per zone, each with
about 37 entities (enterprises, honors, policies, platforms …), 40 relations, 34 figures and 32 evidence
sentences; honors, places, industries and some large enterprises are shared between zones.

    .venv/bin/python benchmarks/view_speed.py              # 500, 2,000 and 10,000 nodes
    .venv/bin/python benchmarks/view_speed.py 5000 --runs 3
    .venv/bin/python benchmarks/view_speed.py 500 2000 --layout physics

Needs Debian's ``chromium`` and the Python package ``playwright`` (``scripts/setup-env test``).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

_ID = "https://w3id.org/zonekg/id/"
_CITIES = "萍乡 南昌 赣州 九江 宜春 吉安 上饶 抚州 景德镇 新余 鹰潭 长沙 株洲 湘潭 衡阳 岳阳 常德 郴州 武汉 黄石 襄阳 宜昌".split()
_WORDS = "华 宏 兴 盛 泰 达 鑫 源 丰 瑞 恒 昌 隆 新 安 康 福 金 银 光 明 辉 远 航 博 达 通 联 创 科 智 能 材 电 机 药".split()
_HEADS = ("有限公司", "股份有限公司", "集团", "科技有限公司")
_HONORS = [f"{p}{h}" for p in ("国家级", "省级", "市级") for h in
           ("绿色园区", "智能制造基地", "专精特新企业", "高新技术企业", "创新型园区", "知识产权示范园区", "外贸转型升级基地",
            "循环化改造园区", "双创示范基地", "营商环境示范区")]
_INDUSTRIES = ["新材料", "生物医药", "电子信息", "食品加工", "装备制造", "新能源", "节能环保", "数字经济"]
_MEASURES = [("规模以上工业企业", "家"), ("营业收入", "元"), ("奖励资金", "元"), ("新增就业", "人"), ("新增床位", "张"),
             ("签约项目", "个"), ("固定资产投资", "元"), ("专利授权", "件")]


def synthetic_graph(n_entities: int, *, seed: int = 0) -> nx.MultiDiGraph:
    """A graph in the shape of :func:`kg.graph.to_networkx` with about ``n_entities`` entity nodes."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    shared_enterprises = [f"{rng.choice(_WORDS)}{rng.choice(_WORDS)}{rng.choice(_WORDS)}集团" for _ in range(40)]
    entities = 0
    doc_no = 0

    def entity(cls: str, label: str, aliases: tuple[str, ...] = ()) -> str:
        nonlocal entities
        iri = f"{_ID}{cls.lower()}/{label}"
        if iri not in G:
            entities += 1
            G.add_node(iri, kind="entity", cls=cls, label=label, aliases=sorted(aliases), extra_classes=[])
        return iri

    current = {"doc": "", "offset": 0}

    def evidence(text: str) -> str:
        start = current["offset"]
        iri = f"{_ID}evidence/{current['doc'].rsplit('/', 1)[1]}-{start}-{start + len(text)}"
        G.add_node(iri, kind="evidence", text=text, start=start, end=start + len(text))
        G.add_edge(iri, current["doc"], key="wasDerivedFrom")
        current["offset"] = start + len(text)
        return iri

    while entities < n_entities:
        doc_no += 1
        city = rng.choice(_CITIES)
        doc = f"{_ID}document/{doc_no:016x}"
        G.add_node(doc, kind="document", title=f"{city}第{doc_no}开发区建设综述", source=f"article-{doc_no}.txt",
                   date=None, sha256=f"{doc_no:064x}", text="")
        current.update(doc=doc, offset=0)

        zone = entity("DevelopmentZone", f"{city}第{doc_no}经济技术开发区", (f"{city}第{doc_no}经开区",))
        place = entity("Place", f"{city}市")
        ev = evidence(f"{city}第{doc_no}经济技术开发区位于{city}市，是国家级经济技术开发区。")
        G.add_edge(zone, ev, key="evidence")
        G.add_edge(zone, place, key="locatedIn", evidence=[ev])
        relations = [("Enterprise", "hasEnterprise", 7), ("Enterprise", "introduced", 2), ("Honor", "hasHonor", 7),
                     ("Policy", "implementsPolicy", 7), ("Platform", "hasPlatform", 4), ("Hospital", "builds", 3),
                     ("Event", "organizes", 3), ("Project", "builds", 1)]
        members = []
        for cls, pred, count in relations:
            for k in range(count):
                if cls == "Enterprise" and rng.random() < 0.15:
                    label = rng.choice(shared_enterprises)
                    short = ()
                elif cls == "Enterprise":
                    name = "".join(rng.choice(_WORDS) for _ in range(2)) + rng.choice(_INDUSTRIES)
                    label = f"{city}{name}{rng.choice(_HEADS)}"
                    short = (name,)
                elif cls == "Honor":
                    label, short = rng.choice(_HONORS), ()
                else:
                    label = f"{city}第{doc_no}区{cls}{k}号" + {"Policy": "实施方案", "Platform": "孵化器", "Hospital": "卫生院",
                                                             "Event": "服务周", "Project": "改造工程"}[cls]
                    short = ()
                node = entity(cls, label, short)
                if node == zone or G.has_edge(zone, node, key=pred):
                    continue
                ev = evidence(f"{zone.rsplit('/', 1)[1]}{'引进' if pred == 'introduced' else '拥有'}{label}，成效显著。")
                G.add_edge(zone, node, key=pred, evidence=[ev])
                G.add_edge(node, ev, key="evidence")
                G.add_edge(zone, ev, key="evidence")
                members.append((cls, node))
        for cls, node in members:
            if cls == "Enterprise" and rng.random() < 0.5:
                industry = entity("Industry", rng.choice(_INDUSTRIES))
                ev = evidence(f"{G.nodes[node]['label']}是{G.nodes[industry]['label']}企业。")
                G.add_edge(node, industry, key="inIndustry", evidence=[ev])
            if cls == "Enterprise" and rng.random() < 0.3:
                honor = entity("Honor", rng.choice(_HONORS))
                ev = evidence(f"{G.nodes[node]['label']}获评{G.nodes[honor]['label']}。")
                G.add_edge(node, honor, key="hasHonor", evidence=[ev])
        for k in range(34):
            subject = zone if k < 20 or not members else rng.choice(members)[1]
            measure, unit = rng.choice(_MEASURES)
            value = rng.randint(1, 5000)
            text = f"今年以来{measure}{value}{unit}。"
            ind = f"{_ID}indicator/{doc_no:016x}-{current['offset']}-{current['offset'] + len(text)}"
            G.add_node(ind, kind="indicator", measure=measure, value=value, unit=unit, qualifier=None, period="今年以来",
                       raw_text=f"{value}{unit}")
            G.add_edge(subject, ind, key="hasIndicator")
            G.add_edge(ind, evidence(text), key="evidence")
    return G


def _time_in_browser(browser, html_path: Path) -> tuple[float, float, int]:
    """Seconds from navigation to a stable, drawn network (as the page reports it), seconds for one redraw
    afterwards (what panning or clicking costs), and the number of nodes drawn."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    blocked: list[str] = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                  else (blocked.append(route.request.url), route.abort()))
    page = context.new_page()
    page.goto(html_path.as_uri(), wait_until="load", timeout=300_000)
    ready = page.evaluate("window.kgView.whenReady")
    redraw = page.evaluate("(() => { const t = performance.now(); kgView.network.redraw(); return performance.now() - t; })()")
    count = page.evaluate("kgView.network.body.nodeIndices.length")
    context.close()
    if blocked:
        raise RuntimeError(f"the page tried to reach the network: {blocked[:3]}")
    return ready / 1000, redraw / 1000, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[500, 2000, 10000], help="entity counts")
    parser.add_argument("--runs", type=int, default=1, help="browser runs per size (the median is printed)")
    parser.add_argument("--keep", metavar="DIR", help="keep the generated pages in DIR")
    parser.add_argument("--layout", choices=("auto", "physics", "precomputed"), default="auto",
                        help="as kg view --layout (auto: physics up to 300 nodes)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from kg.view import render_view

    out_dir = Path(args.keep or tempfile.mkdtemp(prefix="kg-view-speed-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"{'nodes':>7} {'edges':>7} {'layout':>11} {'generate s':>10} {'size MB':>8} {'ready s':>8} {'redraw s':>8}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for size in args.sizes:
            G = synthetic_graph(size)
            t0 = time.perf_counter()
            view = render_view(G, layout=args.layout)
            generate = time.perf_counter() - t0
            path = out_dir / f"view-{size}.html"
            path.write_text(view.html, encoding="utf-8")
            runs = [_time_in_browser(browser, path) for _ in range(args.runs)]
            ready = statistics.median(r[0] for r in runs)
            redraw = statistics.median(r[1] for r in runs)
            print(f"{runs[0][2]:>7,} {view.edges:>7,} {view.layout:>11} {generate:>10.2f} "
                  f"{path.stat().st_size / 1e6:>8.2f} {ready:>8.2f} {redraw:>8.2f}", flush=True)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
