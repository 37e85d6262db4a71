"""Extraction throughput against bare jieba segmentation of the same text.

Usage: python benchmarks/extract_speed.py [--kb 500] [--repeat 3]

Builds a corpus from the sample article and any development articles found in
../shared/dev (article texts only; their names play no part in the code), with
numbers varied per copy so that nothing is cached, and prints the KB/s of the
full extraction (normalise → segment → extract → resolve) and of
``jieba.lcut`` alone, with their ratio. Goal: extraction costs at most 3× bare
segmentation. Medians of ``--repeat`` runs, the two sides interleaved.
``KG_SEGMENTER=jieba`` measures kg with jieba itself instead of rjieba.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def corpus(kb: int) -> list[str]:
    sources = [ROOT / "data" / "articles" / "pingxiang-2024.txt", *sorted((ROOT.parent / "shared" / "dev").glob("*.txt"))]
    texts = [p.read_text(encoding="utf-8") for p in sources if p.exists()]
    out, size, i = [], 0, 0
    while size < kb * 1024:
        text = re.sub(r"\d+", lambda m, shift=i: str(int(m.group()) + shift), texts[i % len(texts)])
        out.append(text)
        size += len(text.encode("utf-8"))
        i += 1
    return out


def timed(fn, docs, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(docs)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=int, default=500, help="corpus size in KB of UTF-8 text")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import jieba

    from kg.pipeline import process_text
    from kg.segment import backend, tokenizer

    docs = corpus(args.kb)
    kb = sum(len(d.encode("utf-8")) for d in docs) / 1024
    jieba.setLogLevel(60)
    jieba.initialize()
    tokenizer()  # load the package's dictionary before timing
    process_text(docs[0])

    def segment_only(ds):
        for d in ds:
            jieba.lcut(d)

    def extract_all(ds):
        for d in ds:
            process_text(d)

    # interleaved, so that a change in the machine's load touches both sides alike
    jieba_runs, kg_runs = [], []
    for _ in range(args.repeat):
        jieba_runs.append(timed(segment_only, docs, 1))
        kg_runs.append(timed(extract_all, docs, 1))
    t_jieba, t_kg = statistics.median(jieba_runs), statistics.median(kg_runs)
    ratios = sorted(k / j for k, j in zip(kg_runs, jieba_runs))
    print(f"corpus: {len(docs)} articles, {kb:.0f} KB; kg segmenter: {backend()}")
    print(f"jieba.lcut:        {kb / t_jieba:8.1f} KB/s  ({t_jieba:.2f} s)")
    print(f"kg extraction:     {kb / t_kg:8.1f} KB/s  ({t_kg:.2f} s)")
    print(f"ratio kg / jieba:  {t_kg / t_jieba:8.2f}x  (goal: <= 3x; per run {', '.join(f'{r:.2f}' for r in ratios)})")


if __name__ == "__main__":
    main()
