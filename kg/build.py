"""Building a graph from article files: the main job behind ``kg build``.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.txt").write_text("萍乡经济技术开发区引进京东集团。", encoding="utf-8")
>>> result = build([folder])
>>> result.report["entities"], result.report["validation"]["conforms"]
(2, True)
>>> paths = write_outputs(result, folder / "out", formats=["ttl", "nq", "csv"])
>>> sorted(paths)
['edges.csv', 'graph.html', 'graph.nq', 'graph.ttl', 'merges.csv', 'nodes.csv', 'report.json']
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from rdflib import Graph

from .files import write_atomic
from .graph import to_networkx
from .ingest import find_articles, read_document
from .model import Document
from .pipeline import process
from .rdf import graph_to_rdf
from .resolve import figure_conflicts, resolve_corpus
from .serialise import DEFAULT_FORMATS, write_formats

__all__ = ["Result", "build", "write_outputs", "make_report", "merges_csv", "read_aliases"]


@dataclass
class Result:
    """What a build produced: documents, the networkx graph, the RDF graph and the report."""

    documents: list[Document]
    nx_graph: nx.MultiDiGraph
    graph: Graph
    report: dict = field(default_factory=dict)
    #: the merge report: one row per surface form and document (see :func:`kg.resolve.resolve_corpus`)
    merges: list[dict] = field(default_factory=list)


def build(
    paths: Iterable[str | Path],
    *,
    date: str | None = None,
    progress: Callable[[int, int, Path], None] | None = None,
    validate: bool = True,
    aliases: dict[str, str] | None = None,
) -> Result:
    """Read, extract and merge every article under ``paths`` into one graph.

    Documents with the same content (by SHA-256) are built once.
    ``progress(done, total, path)`` is called after each document. With
    ``validate`` (the default) the graph is checked against the SHACL shapes
    and ``report["validation"]`` says what was found (see :mod:`kg.validate`).
    Entities are merged across documents (:func:`kg.resolve.resolve_corpus`);
    ``aliases`` maps surface forms to the canonical names a user wants.
    """
    started = time.perf_counter()
    files = find_articles(paths)
    documents: list[Document] = []
    seen: set[str] = set()
    skipped_duplicates = []
    for i, path in enumerate(files, 1):
        raw = read_document(path)
        if raw.sha256 in seen:
            skipped_duplicates.append(str(path))
        else:
            seen.add(raw.sha256)
            documents.append(process(raw, date=date))
        if progress:
            progress(i, len(files), path)
    documents, merges = resolve_corpus(documents, aliases=aliases)
    G = to_networkx(documents)
    g = graph_to_rdf(G)
    report = make_report(documents, G, seconds=time.perf_counter() - started)
    report["duplicates_skipped"] = skipped_duplicates
    report["merged_surface_forms"] = sum(1 for row in merges if row["surface"] != row["entity"])
    report["conflicts"] = figure_conflicts(documents)
    report["triples"] = len(g)
    if validate:
        from .validate import validate as shacl_validate

        report["validation"] = shacl_validate(g).summary()
    return Result(documents, G, g, report, merges)


def make_report(documents: list[Document], G: nx.MultiDiGraph, *, seconds: float) -> dict:
    """Counts of what was built: documents, entities by class, relations, indicators, time."""
    by_class = Counter(d["cls"] for _, d in G.nodes(data=True) if d.get("kind") == "entity")
    relations = Counter(k for _, _, k in G.edges(keys=True) if k not in ("evidence", "wasDerivedFrom", "hasIndicator"))
    return {
        "documents": [{"source": d.source, "id": d.id, "sha256": d.sha256, "title": d.title,
                       "encoding": d.encoding, "characters": len(d.text), "sentences": len(d.sentences),
                       "entities": len(d.entities), "relations": len(d.relations), "indicators": len(d.indicators)}
                      for d in documents],
        "entities": sum(by_class.values()),
        "entities_by_class": dict(sorted(by_class.items())),
        "relations": sum(relations.values()),
        "relations_by_property": dict(sorted(relations.items())),
        "indicators": sum(1 for _, d in G.nodes(data=True) if d.get("kind") == "indicator"),
        "triples": None,
        "seconds": round(seconds, 3),
    }


def write_outputs(result: Result, out_dir: str | Path, *, formats: Iterable[str] = DEFAULT_FORMATS) -> dict[str, Path]:
    """Write the graph in each of ``formats`` (see :mod:`kg.serialise`), ``graph.html`` and ``report.json``
    into ``out_dir``, each file atomically; file name → path."""
    from .view import render_html

    out = Path(out_dir)
    result.report["triples"] = len(result.graph)
    paths = write_formats(result.graph, out, formats)
    paths["graph.html"] = out / "graph.html"
    paths["report.json"] = out / "report.json"
    paths["merges.csv"] = out / "merges.csv"
    write_atomic(paths["graph.html"], render_html(result.nx_graph))
    write_atomic(paths["merges.csv"], merges_csv(result.merges))
    result.report["files"] = sorted(paths)
    report = dict(result.report)
    report.pop("seconds", None)
    report["seconds"] = result.report["seconds"]
    write_atomic(paths["report.json"], json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return paths


def merges_csv(rows: list[dict]) -> str:
    """The merge report as CSV: surface form, entity, class, document, reason."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["surface", "entity", "class", "document", "reason"])
    for row in rows:
        writer.writerow([row["surface"], row["entity"], row["class"], row["document"], row["reason"]])
    return buf.getvalue()


def read_aliases(path: str | Path) -> dict[str, str]:
    r"""An alias file: one ``surface,canonical`` pair per line (CSV or TSV; ``#`` starts a comment).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "aliases.csv"
    >>> _ = p.write_text("# surface,canonical\n华星,华星电子股份有限公司\n", encoding="utf-8")
    >>> read_aliases(p)
    {'华星': '华星电子股份有限公司'}
    """
    import csv

    from .errors import InputError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise InputError(f"{path}: cannot read the alias file ({err.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: the alias file is not UTF-8") from None
    out: dict[str, str] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        row = next(csv.reader([line], delimiter="\t" if "\t" in line else ","))
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise InputError(f"{path}, line {lineno}: expected 'surface,canonical', found {line!r}")
        out[row[0].strip()] = row[1].strip()
    return out
