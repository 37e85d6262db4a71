"""Time of SHACL validation and of every serialisation, on the graph of the seed article (or of ARTICLES).

Usage: python benchmarks/rdf_speed.py [ARTICLE_OR_FOLDER ...] [--repeat 5]

Builds the graph once (without validation), then prints the median seconds of
``kg.validate.validate`` and of ``kg.serialise.serialise`` for each format,
with the size of what each writes. ``kg build`` pays for validation on every
run, so it should stay a small part of the build (the seed: ~830 triples).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", default=[str(ROOT / "data" / "articles" / "pingxiang-2024.txt")])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import kg
    from kg.serialise import FORMATS, serialise
    from kg.validate import shapes_graph, validate

    started = time.perf_counter()
    result = kg.build(args.inputs, validate=False)
    build_s = time.perf_counter() - started
    g = result.graph
    shapes_graph()
    validate(g)  # warm up: imports pySHACL
    print(f"graph: {len(result.documents)} document(s), {len(g)} triples, built in {build_s:.2f} s")
    report = validate(g)
    print(f"validate     {_median(lambda: validate(g), args.repeat):7.3f} s   conforms={report.conforms}")
    for name in FORMATS:
        files = serialise(g, name)
        size = sum(len(b) for b in files.values())
        print(f"{name:<12} {_median(lambda n=name: serialise(g, n), args.repeat):7.3f} s   {size / 1024:8.1f} KiB  "
              f"{', '.join(files)}")


if __name__ == "__main__":
    main()
