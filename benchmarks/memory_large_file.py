"""Peak memory (RSS) of reading and building one very large article file (default 100 MB).

Usage: python benchmarks/memory_large_file.py [--mb 100] [--stages ingest,whole,build] [--keep DIR]

The file is generated: ordinary Chinese prose (policy phrases, no names), with a copy of the sample
article (numbers varied) every megabyte, so that it holds facts without being a hundred thousand articles
(the graph, and its memory, grows with the facts, not with the bytes). Each stage runs in a fresh process
and reports its peak resident set size (``ru_maxrss``) beside that of a process that only imports ``kg``:

* ``ingest`` — :func:`kg.ingest.open_article` and every part of :meth:`~kg.ingest.Article.documents`,
  read and decoded block by block, then normalised (what the pipeline does before extraction);
* ``whole``  — for comparison, the file read whole (:func:`kg.ingest.read_document`) and normalised as one
  document, as the pipeline did before parts;
* ``build``  — ``kg build FILE`` end to end: parts, extraction, graph, validation, outputs (slow: about
  50,000 characters a second, so ten minutes or more for 100 MB).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHRASES = ["坚持以人民为中心的发展思想", "推动高质量发展", "持续优化营商环境", "深化改革创新", "加强基层治理",
           "提升公共服务水平", "统筹发展和安全", "巩固拓展脱贫攻坚成果", "加快建设现代化产业体系", "推进城乡融合发展",
           "守牢安全生产底线", "强化科技创新引领", "提高群众获得感", "扎实推进共同富裕", "完善社会保障体系",
           "加强生态环境保护", "推动绿色低碳转型", "激发市场主体活力", "扩大高水平对外开放", "深入实施人才强市战略"]
OPENINGS = ["近年来，", "今年以来，", "下一步，", "与此同时，", "总的来看，", "一方面，", "另一方面，", ""]


def prose(rng: random.Random, chars: int) -> str:
    """Paragraphs of policy prose without names or figures."""
    out, size = [], 0
    while size < chars:
        sentences = []
        for _ in range(rng.randint(3, 8)):
            parts = rng.sample(PHRASES, rng.randint(2, 4))
            sentences.append(rng.choice(OPENINGS) + "，".join(parts) + "。")
        paragraph = "".join(sentences)
        out.append(paragraph)
        size += len(paragraph) + 1
    return "\n".join(out)


def generate(path: Path, megabytes: int) -> None:
    seed = (ROOT / "data" / "articles" / "pingxiang-2024.txt").read_text(encoding="utf-8")
    rng = random.Random(7)
    target = megabytes * 2**20
    with open(path, "w", encoding="utf-8") as fh:
        written, copy = 0, 0
        while written < target:
            block = prose(rng, 300_000) + "\n\n"
            block += re.sub(r"\d+", lambda m, c=copy: str(int(m.group()) + c), seed) + "\n\n"
            fh.write(block)
            written += len(block.encode("utf-8"))
            copy += 1


STAGES = {
    "baseline": "import kg.ingest, kg.normalise",
    "ingest": ("import sys\nfrom kg.ingest import open_article\nfrom kg.normalise import normalise\n"
               "a = open_article(sys.argv[1])\nn = 0\nfor raw in a.documents():\n    n += len(normalise(raw).text)\n"
               "print(f'{a.parts} parts, {n} characters')"),
    "whole": ("import sys\nfrom kg.ingest import read_document\nfrom kg.normalise import normalise\n"
              "raw = read_document(sys.argv[1])\nprint(f'{len(normalise(raw).text)} characters in one document')"),
}


def measure(argv: list[str]) -> tuple[float, float, str]:
    """Run a child process; its peak RSS in MiB, seconds, and last line of output."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out, err = proc.stdout.read(), proc.stderr.read()
    if status != 0:
        sys.exit(f"{' '.join(argv[:4])} failed:\n{err[-2000:]}")
    lines = (out.strip() or err.strip()).splitlines()
    return usage.ru_maxrss / 1024, seconds, lines[-1] if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the generated file in MiB (default: 100)")
    parser.add_argument("--stages", default="ingest,whole", help="comma-separated: ingest, whole, build")
    parser.add_argument("--keep", metavar="DIR", help="write the file (and the build's outputs) here and keep them")
    args = parser.parse_args()
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kg-memory-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"large-{args.mb}mb.txt"
    if not path.exists() or path.stat().st_size < args.mb * 2**20:
        generate(path, args.mb)
    size = path.stat().st_size / 2**20
    print(f"file: {path} ({size:.1f} MiB)")
    python = sys.executable
    base, _, _ = measure([python, "-c", STAGES["baseline"]])
    print(f"{'baseline (import kg)':24} peak RSS {base:8.0f} MiB")
    for stage in stages:
        if stage == "build":
            argv = [python, "-m", "kg", "build", str(path), "-o", str(folder / "out")]
        else:
            argv = [python, "-c", STAGES[stage], str(path)]
        rss, seconds, last = measure(argv)
        print(f"{stage:24} peak RSS {rss:8.0f} MiB  (+{rss - base:.0f} MiB over the baseline)  {seconds:7.1f} s  {last}")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
