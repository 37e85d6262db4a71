"""Corpus build speed: documents/s and MB/s for 1 and 2 worker processes and for Dask, against bare jieba.

Usage: python benchmarks/corpus_speed.py [--articles 10000] [--keep DIR] [--configs jieba,1,2,dask,jieba]

Generates a corpus of varied articles (about 2 KB each, so 10,000 make about 20 MB: signing news, yearly
figures, honor lists, project starts, policies, in simplified and traditional characters, as .txt, .md with
front matter and .html), then, each in a fresh process so that peak memory is its own:

* ``jieba``: bare ``jieba.lcut`` of the same texts, one process;
* ``1``, ``2``: what ``kg build folder --workers N`` does: ``kg.build(folder, engine=…)``, then
  ``write_outputs`` (graph.ttl, graph.html, report.json, merges.csv);
* ``dask``: the same on a Dask ``LocalCluster`` of 2 worker processes.

For each it prints the extraction time (reading, extraction, results back), the build (extraction,
merging across documents, graph, RDF), the build with its files written, documents/s and MB/s, the peak
memory of the main process and of the largest worker, and the ratio to bare jieba. As in ``kg build``,
graphs of more than 100,000 triples are not checked against the SHACL shapes (``kg validate`` does that
apart; pySHACL would take far longer than the build).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLACES = ["吉安", "宜春", "九江", "鹰潭", "抚州", "上饶", "景德镇", "新余", "赣州", "南昌", "株洲", "湘潭", "岳阳", "常德",
          "芜湖", "蚌埠", "滁州", "宣城", "淮南", "黄石", "襄阳", "荆门", "孝感", "宜昌", "漯河", "许昌", "南阳", "信阳",
          "泉州", "漳州", "三明", "龙岩", "柳州", "桂林", "梧州", "玉林", "遵义", "安顺", "曲靖", "玉溪"]
ZONE_HEADS = [("经济技术开发区", "经开区"), ("高新技术产业开发区", "高新区"), ("综合保税区", "综保区"), ("工业园区", None)]
BRAND_CHARS = "华晟瑞丰云锦长帆铜源绿洲恒泰嘉禾明远德信科睿博联天宇正邦鼎盛金诺凯达腾越星辰远景宏图汇通安捷"
INDUSTRIES = [("光电科技", "光电"), ("新能源", "新能源"), ("锂电材料", "锂电"), ("精密制造", "精密"), ("生物医药", "生物"),
              ("电子信息", "电子"), ("新材料", "新材料"), ("智能装备", "智能"), ("食品科技", "食品"), ("汽车零部件", "汽配")]
LEGAL = ["有限公司", "股份有限公司", "科技有限公司", "集团有限公司"]
HONORS = ["国家级绿色工厂", "省级专精特新中小企业", "国家级专精特新“小巨人”企业", "省级智能制造示范企业", "国家知识产权示范企业"]
MEASURES = [("规模以上工业企业", "家", 50, 400), ("营业收入", "亿元", 50, 900), ("工业增加值", "亿元", 20, 300),
            ("固定资产投资", "亿元", 10, 200), ("进出口总额", "亿元", 5, 150), ("国家高新技术企业", "家", 10, 200)]
T2S = str.maketrans("经开区发业电产进项鲁铜锂绿长华丰资规现实营总额达图联汇金远宁云锦",
                    "經開區發業電產進項魯銅鋰綠長華豐資規現實營總額達圖聯匯金遠寧雲錦")


def _company(rng: random.Random) -> tuple[str, str]:
    brand = "".join(rng.sample(BRAND_CHARS, 2))
    industry, short = rng.choice(INDUSTRIES)
    return f"{rng.choice(PLACES)}{brand}{industry}{rng.choice(LEGAL)}", f"{brand}{short}"


def article(i: int) -> tuple[str, str]:
    """Article ``i`` of the corpus: (file name, text); the same every time."""
    rng = random.Random(i)
    place = rng.choice(PLACES)
    full_head, short_head = rng.choice(ZONE_HEADS)
    zone, zone_short = f"{place}{full_head}", f"{place}{short_head}" if short_head else f"{place}{full_head}"
    companies = [_company(rng) for _ in range(rng.randint(3, 6))]
    year = rng.choice([2021, 2022, 2023, 2024])
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    paragraphs = [f"{zone_short}{rng.choice(['多措并举推动高质量发展', '招商引资再创佳绩', '重大项目建设提速', '产业集群加快壮大'])}",
                  f"发布日期：{year}-{month:02d}-{day:02d}"]
    paragraphs.append(f"{zone}（以下简称{zone_short}）坚持项目为王、企业至上，持续优化营商环境，"
                      f"{rng.choice(['电子信息', '新能源', '新材料', '生物医药', '装备制造'])}产业集群不断壮大。")
    for _ in range(rng.randint(9, 13)):
        kind = rng.randrange(6)
        full, short = rng.choice(companies)
        other = rng.choice(companies)[1]
        if kind == 0:
            paragraphs.append(f"{month}月{day}日，{zone_short}举行重大项目集中签约仪式，{full}拟投资{rng.randint(2, 60)}亿元建设"
                              f"{rng.choice(['生产基地', '研发中心', '智能工厂', '总部基地'])}，"
                              f"项目达产后预计年产值{rng.randint(5, 90)}亿元。")
        elif kind == 1:
            measure, unit, lo, hi = rng.choice(MEASURES)
            paragraphs.append(f"{year - 1}年，{zone_short}{measure}{rng.randint(lo, hi)}{unit}，同比增长{rng.randint(2, 30)}%。"
                              f"该区支持{short}、{other}等企业加大技术改造投入。")
        elif kind == 2:
            paragraphs.append(f"近日，{rng.choice(HONORS)}名单公布，{full}成功入选。{zone_short}引进{short}、{other}等企业，"
                              "产业链上下游配套能力持续提升。")
        elif kind == 3:
            paragraphs.append(f"{full}{rng.choice(['二期', '三期', '扩建', '技改'])}项目在{zone_short}开工建设，项目总投资"
                              f"{rng.randint(1, 40)}亿元，建成后将新增就业岗位{rng.randint(100, 2000)}个。")
        elif kind == 4:
            paragraphs.append(f"{zone_short}出台《关于支持{rng.choice(['制造业高质量发展', '数字经济发展', '科技创新'])}的若干措施》，"
                              f"对新认定的国家级专精特新“小巨人”企业给予{rng.randint(20, 100)}万元奖励。")
        else:
            paragraphs.append(f"{zone_short}管委会负责人表示，下一步将围绕主导产业精准招商，推动{short}、{other}等企业做大做强，"
                              f"力争全年完成固定资产投资{rng.randint(50, 300)}亿元。")
    text = "\n\n".join(paragraphs) + "\n"
    if i % 10 == 7:  # one article in ten in traditional characters
        text = text.translate(T2S)
    kind = i % 20
    if kind == 3:
        return f"a{i:05d}.md", f"---\ntitle: {paragraphs[0]}\ndate: {year}-{month:02d}-{day:02d}\n---\n\n{text}"
    if kind == 11:
        body = "\n".join(f"<p>{p}</p>" for p in text.split("\n\n"))
        return f"a{i:05d}.html", (f"<html><head><meta charset='utf-8'><title>{paragraphs[0]}</title></head><body>"
                                  f"<div class='nav'>首页 | 园区动态</div><article>{body}</article></body></html>\n")
    return f"a{i:05d}.txt", text


def make_corpus(folder: Path, n: int) -> int:
    """Write ``n`` articles into ``folder`` (100 a sub-folder); return their size in bytes."""
    size = 0
    for i in range(n):
        name, text = article(i)
        path = folder / f"{i // 100:03d}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        size += len(data)
    return size


def _peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def run_config(config: str, folder: Path, out: Path, write: bool) -> dict:
    """One configuration, in this process."""
    if config == "jieba":
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        started = time.perf_counter()
        words = 0
        for p in files:
            words += len(jieba.lcut(p.read_text(encoding="utf-8")))
        return {"seconds": time.perf_counter() - started, "words": words, "peak_mb": _peak_mb()}
    from kg.builder import build, write_outputs
    from kg.parallel import DaskEngine, LocalEngine

    started = time.perf_counter()
    engine = DaskEngine("local", 2) if config == "dask" else LocalEngine(int(config))
    with engine:
        engine.warm()
        warm = time.perf_counter() - started
        started = time.perf_counter()
        result = build([folder], engine=engine)
    built = time.perf_counter() - started
    written = None
    if write:
        write_outputs(result, out)
        written = time.perf_counter() - started
    x = result.report["extraction"]
    return {"warm_seconds": warm, "extraction_seconds": x["seconds"], "build_seconds": built, "total_seconds": written,
            "documents": len(result.documents), "triples": result.report["triples"], "entities": result.report["entities"],
            "validation": result.report["validation"],
            "peak_mb": _peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--keep", metavar="DIR", help="write the corpus here and keep it (default: a temporary folder)")
    parser.add_argument("--configs", default="jieba,1,2,dask,jieba",
                        help="what to run, in order; bare jieba's time varies, so it runs twice and ratios use the median")
    parser.add_argument("--write", default="1,2,dask", metavar="CONFIGS",
                        help="configurations that also write the files (default: all)")
    parser.add_argument("--run", nargs=4, metavar=("CONFIG", "FOLDER", "OUT", "WRITE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_config(args.run[0], Path(args.run[1]), Path(args.run[2]), args.run[3] == "1")))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp) / "corpus"
        started = time.perf_counter()
        size = make_corpus(folder, args.articles)
        mb = size / 2**20
        print(f"corpus: {args.articles} articles, {mb:.1f} MB (generated in {time.perf_counter() - started:.1f} s)", flush=True)
        results = {}
        jieba_runs: list[float] = []
        for config in args.configs.split(","):
            write = "1" if config in args.write.split(",") else "0"
            run = subprocess.run([sys.executable, __file__, "--run", config, str(folder), str(Path(tmp) / f"out-{config}"),
                                  write], capture_output=True, text=True)
            if run.returncode != 0:
                print(f"{config}: failed\n{run.stderr[-3000:]}", flush=True)
                continue
            r = json.loads(run.stdout.strip().splitlines()[-1])
            own, child = r["peak_mb"]
            if config == "jieba":
                jieba_runs.append(r["seconds"])
                r["seconds"] = statistics.median(jieba_runs)  # what the ratios divide by
                print(f"bare jieba: {jieba_runs[-1]:.1f} s, {args.articles / jieba_runs[-1]:.0f} documents/s, "
                      f"{mb / jieba_runs[-1]:.2f} MB/s, peak {own:.0f} MB"
                      + (f" (median of {len(jieba_runs)} runs: {r['seconds']:.1f} s)" if len(jieba_runs) > 1 else ""),
                      flush=True)
            results[config] = r
            if config == "jieba":
                continue
            label = "dask (LocalCluster, 2 worker processes)" if config == "dask" else f"{config} worker(s)"
            build_s = r["build_seconds"]
            ex = r["extraction_seconds"]
            line = (f"{label}: extraction {ex:.1f} s ({r['documents'] / ex:.1f} documents/s, {mb / ex:.2f} MB/s), "
                    f"build {build_s:.1f} s ({r['documents'] / build_s:.1f} documents/s, {mb / build_s:.2f} MB/s)"
                    + (f", with files {r['total_seconds']:.1f} s" if r["total_seconds"] else "")
                    + f"; {r['documents']} documents, {r['entities']} entities, {r['triples']} triples; peak memory "
                    f"{own:.0f} MB main, {child:.0f} MB largest worker (warm-up {r['warm_seconds']:.1f} s, not counted)")
            if "jieba" in results:
                j = results["jieba"]["seconds"]
                line += (f"; x bare jieba: extraction {ex / j:.2f}, build {build_s / j:.2f}"
                         + (f", with files {r['total_seconds'] / j:.2f}" if r["total_seconds"] else ""))
            print(line, flush=True)
        if len(jieba_runs) > 1:
            j = statistics.median(jieba_runs)
            for config, r in results.items():
                if config != "jieba":
                    print(f"x bare jieba (median {j:.1f} s of {len(jieba_runs)} runs), {config}: extraction "
                          f"{r['extraction_seconds'] / j:.2f}, build {r['build_seconds'] / j:.2f}"
                          + (f", with files {r['total_seconds'] / j:.2f}" if r["total_seconds"] else ""))
        if "1" in results and "2" in results:
            one, two = results["1"], results["2"]
            print(f"speed-up with 2 workers: extraction {one['extraction_seconds'] / two['extraction_seconds']:.2f}x, "
                  f"build {one['build_seconds'] / two['build_seconds']:.2f}x"
                  + (f", with files {one['total_seconds'] / two['total_seconds']:.2f}x"
                     if one["total_seconds"] and two["total_seconds"] else ""))


if __name__ == "__main__":
    main()
