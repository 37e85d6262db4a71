"""Building a graph from article files: the main job behind ``kg build``.

A bad input (missing, unreadable, empty, binary, undecodable, without Chinese
text) is skipped and listed in ``Result.skipped`` and under ``skipped`` in
``report.json``; the rest is built. Only when nothing could be read does
:func:`build` raise (:class:`~kg.errors.NothingBuiltError`, or the one input's
own error). A file longer than :data:`kg.ingest.PART_CHARS` characters is read
in parts (see :mod:`kg.ingest`), and of each part only what the graph needs is
kept, so memory follows the size of the graph rather than of the file.
:func:`write_outputs` writes every output as one batch of atomic renames.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.txt").write_text("萍乡经济技术开发区引进京东集团。", encoding="utf-8")
>>> result = build([folder])
>>> result.report["entities"], result.report["validation"]["conforms"]
(2, True)
>>> paths = write_outputs(result, folder / "out", formats=["ttl", "nq", "csv"])
>>> sorted(paths)
['edges.csv', 'graph.html', 'graph.nq', 'graph.ttl', 'merges.csv', 'nodes.csv', 'report.json']
>>> _ = (folder / "b.txt").write_bytes(bytes(range(32)) * 4)
>>> [str(s) for s in build([folder]).skipped] == [f"{folder / 'b.txt'}: binary file, not an article"]
True
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import networkx as nx
from rdflib import Graph

from .errors import InputError, NothingBuiltError
from .files import write_files
from .graph import to_networkx
from .ingest import PART_CHARS, Skipped, find_articles, open_article
from .model import Document
from .pipeline import process
from .rdf import graph_to_rdf
from .resolve import figure_conflicts, resolve_corpus
from .serialise import DEFAULT_FORMATS, serialise

__all__ = ["Result", "Skipped", "build", "write_outputs", "make_report", "merges_csv", "read_aliases"]


@dataclass
class Result:
    """What a build produced: documents, the networkx graph, the RDF graph and the report."""

    documents: list[Document]
    nx_graph: nx.MultiDiGraph
    graph: Graph
    report: dict = field(default_factory=dict)
    #: the merge report: one row per surface form and document (see :func:`kg.resolve.resolve_corpus`)
    merges: list[dict] = field(default_factory=list)
    #: inputs left out, each with the reason (also under ``skipped`` in the report)
    skipped: list[Skipped] = field(default_factory=list)


def _slim(doc: Document) -> Document:
    """A processed part of a long file without what only extraction needed (offset map, tokens, mentions)."""
    return replace(doc, raw_offset=[], match_text="", lines=[], sentences=[], mentions=[], links={})


def build(
    paths: Iterable[str | Path],
    *,
    date: str | None = None,
    progress: Callable[[int, int, Path], None] | None = None,
    validate: bool = True,
    aliases: dict[str, str] | None = None,
    part_chars: int = PART_CHARS,
) -> Result:
    """Read, extract and merge every article under ``paths`` into one graph.

    Documents with the same content (by SHA-256) are built once.
    ``progress(done, total, path)`` is called after each document. With
    ``validate`` (the default) the graph is checked against the SHACL shapes
    and ``report["validation"]`` says what was found (see :mod:`kg.validate`).
    Entities are merged across documents (:func:`kg.resolve.resolve_corpus`);
    ``aliases`` maps surface forms to the canonical names a user wants.
    Inputs that cannot be read are skipped (``Result.skipped``); texts longer
    than ``part_chars`` characters are read in parts.
    """
    started = time.perf_counter()
    skipped: list[Skipped] = []
    files = find_articles(paths, on_skip=skipped.append)
    documents: list[Document] = []
    sentences: dict[str, int] = {}
    seen: set[str] = set()
    skipped_duplicates = []
    for i, path in enumerate(files, 1):
        try:
            article = open_article(path, part_chars=part_chars)
            if article.sha256 in seen:
                skipped_duplicates.append(str(path))
            else:
                parts = []
                for raw in article.documents():
                    doc = process(raw, date=date)
                    sentences[doc.id] = len(doc.sentences)
                    parts.append(_slim(doc) if article.parts > 1 else doc)
                seen.add(article.sha256)
                documents.extend(parts)
        except InputError as err:
            gone = not os.path.lexists(path)
            skipped.append(Skipped.of(path, InputError(f"{path}: no such file (removed since it was listed?)") if gone else err))
        if progress:
            progress(i, len(files), path)
    if not documents and not skipped_duplicates:
        if len(skipped) == 1 and skipped[0].error is not None:
            raise skipped[0].error
        raise NothingBuiltError(f"nothing built: {len(skipped)} input(s) skipped" if skipped else "nothing built: no inputs",
                                skipped=skipped, detail="\n".join(map(str, skipped)) or None)
    documents, merges = resolve_corpus(documents, aliases=aliases)
    G = to_networkx(documents)
    g = graph_to_rdf(G)
    report = make_report(documents, G, seconds=time.perf_counter() - started, sentences=sentences)
    report["skipped"] = [s.as_dict() for s in skipped]
    report["duplicates_skipped"] = skipped_duplicates
    report["merged_surface_forms"] = sum(1 for row in merges if row["surface"] != row["entity"])
    report["conflicts"] = figure_conflicts(documents)
    report["triples"] = len(g)
    if validate:
        from .validate import validate as shacl_validate

        report["validation"] = shacl_validate(g).summary()
    return Result(documents, G, g, report, merges, skipped)


def make_report(documents: list[Document], G: nx.MultiDiGraph, *, seconds: float,
                sentences: dict[str, int] | None = None) -> dict:
    """Counts of what was built: documents, entities by class, relations, indicators, time.

    ``sentences`` gives the number of sentences of documents whose sentences are no longer kept.
    """
    sentences = sentences or {}
    by_class = Counter(d["cls"] for _, d in G.nodes(data=True) if d.get("kind") == "entity")
    relations = Counter(k for _, _, k in G.edges(keys=True) if k not in ("evidence", "wasDerivedFrom", "hasIndicator"))
    return {
        "documents": [{"source": d.source, "id": d.id, "sha256": d.sha256, "title": d.title,
                       "encoding": d.encoding, "characters": len(d.text), "sentences": sentences.get(d.id, len(d.sentences)),
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
    """Write the graph in each of ``formats`` (see :mod:`kg.serialise`), ``graph.html``, ``report.json`` and
    ``merges.csv`` into ``out_dir``; file name → path.

    Every file is made in memory and staged beside its target first, then all are renamed
    (:func:`kg.files.write_files`): an error or an interruption leaves the earlier outputs as they were.
    """
    from .view import render_html

    out = Path(out_dir)
    result.report["triples"] = len(result.graph)
    files: dict[str, str | bytes] = {}
    for name in dict.fromkeys(formats):
        files.update(serialise(result.graph, name))
    files["graph.html"] = render_html(result.nx_graph)
    files["report.json"] = ""
    files["merges.csv"] = merges_csv(result.merges)
    result.report["files"] = sorted(files)
    report = dict(result.report)
    report.pop("seconds", None)
    report["seconds"] = result.report["seconds"]
    files["report.json"] = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    paths = {name: out / name for name in files}
    write_files({paths[name]: data for name, data in files.items()})
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
