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

import functools
import gc
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
from rdflib import Graph

from .errors import NothingBuiltError
from .files import write_files
from .graph import to_networkx
from .ingest import PART_CHARS, Skipped, find_articles
from .model import Document
from .parallel import Engine, aside
from .rdf import NTriples, graph_to_rdf, to_ntriples
from .resolve import figure_conflicts, resolve_corpus
from .serialise import DEFAULT_FORMATS, get_format, serialise

if TYPE_CHECKING:
    from .corpus import StorePlan

__all__ = ["Result", "Skipped", "build", "write_outputs", "write_store_update", "make_report", "report_json", "merges_csv",
           "read_aliases"]


#: up to this many files, a build by one process keeps each document whole (sentences, words, mentions)
KEEP_ALL_FILES = 50

#: ``build(validate=None)`` checks graphs of up to this many triples against the shapes: pySHACL reads
#: about 9,000 triples a second, five times slower than the build makes them, so a corpus is left to
#: ``kg validate`` (or ``kg build --validate``)
VALIDATE_MAX_TRIPLES = 100_000

#: N-Triples larger than this are turned into Turtle (and N-Triples files) in a forked copy of the
#: process while it draws the view (see :func:`kg.parallel.aside`)
ASIDE_BYTES = 16 * 2**20


@dataclass
class Result:
    """What a build produced: documents, the networkx graph, the RDF graph and the report.

    The RDF graph is made when first asked for: as an rdflib ``Graph`` (:attr:`graph`), or as sorted
    N-Triples (:attr:`ntriples`), which is much cheaper and all that Turtle and N-Triples files need.
    """

    documents: list[Document]
    nx_graph: nx.MultiDiGraph
    report: dict = field(default_factory=dict)
    #: the merge report: one row per surface form and document (see :func:`kg.resolve.resolve_corpus`)
    merges: list[dict] = field(default_factory=list)
    #: inputs left out, each with the reason (also under ``skipped`` in the report)
    skipped: list[Skipped] = field(default_factory=list)
    #: with ``build(store=…)``: how the store changes (see :func:`write_store_update`)
    store_plan: StorePlan | None = None

    @functools.cached_property
    def graph(self) -> Graph:
        """The RDF graph, in rdflib (made on first use)."""
        return graph_to_rdf(self.nx_graph)

    @functools.cached_property
    def ntriples(self) -> NTriples:
        """The RDF graph as sorted N-Triples (made on first use, without rdflib)."""
        return to_ntriples(self.nx_graph)


def build(
    paths: Iterable[str | Path],
    *,
    date: str | None = None,
    progress: Callable[[int, int, Path], None] | None = None,
    validate: bool | None = None,
    aliases: dict[str, str] | None = None,
    part_chars: int = PART_CHARS,
    workers: int = 1,
    engine: Engine | None = None,
    store: str | Path | None = None,
    prune: bool = False,
    stage: Callable[[str], None] | None = None,
) -> Result:
    """Read, extract and merge every article under ``paths`` into one graph.

    Documents with the same content (by SHA-256) are built once.
    ``progress(done, total, path)`` is called after each file. With
    ``validate`` the graph is checked against the SHACL shapes and
    ``report["validation"]`` says what was found (see :mod:`kg.validate`);
    by default graphs of up to :data:`VALIDATE_MAX_TRIPLES` triples are, and
    for a larger one ``report["validation"]["skipped"]`` says why not.
    Entities are merged across documents (:func:`kg.resolve.resolve_corpus`);
    ``aliases`` maps surface forms to the canonical names a user wants.
    Inputs that cannot be read are skipped (``Result.skipped``); texts longer
    than ``part_chars`` characters are read in parts.

    Files are extracted by ``engine`` (:mod:`kg.parallel`), or by ``workers``
    local processes. With ``store`` (a folder, see :mod:`kg.corpus`) files
    extracted by an earlier build are reused from its cache, and
    ``Result.store_plan`` says how the store changes (written by
    :func:`write_store_update`); ``prune`` drops the documents of files that
    are not among the inputs. ``stage(text)`` is told when the work after extraction begins (merging,
    checking), which takes a while for a corpus.
    """
    from .parallel import FileResult, LocalEngine, extract_file

    started = time.perf_counter()
    skipped: list[Skipped] = []
    files = find_articles(paths, on_skip=skipped.append)
    own_engine = engine is None
    engine = engine or LocalEngine(workers)
    cache = manifest = None
    existing: list[str] = []
    if store is not None:
        from .corpus import ExtractionCache, Manifest, store_graphs

        existing = store_graphs(store)  # creates a new store, refuses a locked, damaged or foreign one
        cache, manifest = ExtractionCache(store, date=date, part_chars=part_chars), Manifest.load(store)
    # documents keep their sentences, words and mentions for callers that look at one or a few articles;
    # a corpus keeps only what the graph needs, so that memory follows the graph, not the text
    keep_all = store is None and engine.workers == 1 and len(files) <= KEEP_ALL_FILES
    results: dict[int, FileResult] = {}
    keys: dict[int, str] = {}
    counts = {"extracted": 0, "reused": 0, "extracted_bytes": 0, "extraction_seconds": 0.0}

    def done(result: FileResult) -> None:
        results[result.index] = result
        if progress:
            progress(len(results), len(files), files[result.index])

    # local workers look their files up in the cache and store what they extract themselves; on a cluster
    # the store may not be the workers', so there this process does both
    cache_in_workers = cache if engine.name == "local" else None
    cache_here = cache if cache_in_workers is None else None

    def jobs():
        for i, path in enumerate(files):
            if cache_here is not None:
                key = cache_here.key(path)
                hit = cache_here.get(key, i, str(path))
                if hit is not None:
                    keys[i] = key or ""
                    counts["reused"] += len(hit.documents)
                    done(hit)
                    continue
            yield (i, str(path))

    extract = functools.partial(extract_file, date=date, part_chars=part_chars, keep_all=keep_all, cache=cache_in_workers)
    extraction_started = time.perf_counter()
    try:
        # looked up here, the jobs are listed first (a pool would read them on a thread of its own)
        for result in engine.map(extract, list(jobs()) if cache_here is not None else jobs()):
            if result.reused:
                counts["reused"] += len(result.documents)
            elif result.error is None:
                counts["extracted"] += len(result.documents)
                counts["extracted_bytes"] += result.size
            if cache is not None and result.error is None:
                keys[result.index] = (cache_here.put(result) if cache_here is not None else result.cache_key) or ""
            done(result)
            if len(results) % 64 == 0:
                gc.freeze()  # what has been extracted stays: spare the collector walking it again and again
    except BaseException:
        if own_engine:
            engine.abort()  # an error or Ctrl-C: the files still queued are not waited for
        raise
    finally:
        gc.unfreeze()
    if own_engine:
        engine.close()
    counts["extraction_seconds"] = round(time.perf_counter() - extraction_started, 3)
    if stage:
        stage(f"merging the entities of {len(results):,} files and making the graph")
    with _without_cycle_collection():
        result = _merge(results, files, skipped, counts, started, engine, aliases=aliases, store=store, prune=prune,
                        cache=cache, manifest=manifest, existing=existing, keys=keys)
    triples = result.report["triples"]
    if validate or (validate is None and triples <= VALIDATE_MAX_TRIPLES):
        from .validate import validate as shacl_validate

        if stage:
            stage(f"checking {triples:,} triples against the shapes")
        result.report["validation"] = shacl_validate(result.graph).summary()
    else:
        result.report["validation"] = {"skipped": "not asked for" if validate is False else
                                       f"{triples:,} triples, more than {VALIDATE_MAX_TRIPLES:,}"}
    return result


@contextmanager
def _without_cycle_collection():
    """Merging makes millions of small objects that live to the end of the build; Python's cyclic
    collector would walk all of them again and again (a third of the time at 10,000 articles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _merge(results, files, skipped, counts, started, engine, *, aliases, store, prune, cache, manifest, existing,
           keys) -> Result:
    """Everything after extraction: resolve across documents, make the graphs and the report."""
    documents: list[Document] = []
    sentences: dict[str, int] = {}
    seen: dict[str, int] = {}
    skipped_duplicates = []
    for i in sorted(results):
        result = results[i]
        if result.error is not None:
            skipped.append(result.skipped)
        elif result.sha256 in seen:
            skipped_duplicates.append(result.path)
        else:
            seen[result.sha256] = i
            documents.extend(result.documents)
            sentences.update(result.sentences)
    if not documents and not skipped_duplicates:
        if len(skipped) == 1 and skipped[0].error is not None:
            raise skipped[0].error
        raise NothingBuiltError(f"nothing built: {len(skipped)} input(s) skipped" if skipped else "nothing built: no inputs",
                                skipped=skipped, detail="\n".join(map(str, skipped)) or None)
    inputs_docs = documents
    documents, merges = resolve_corpus(documents, aliases=aliases)
    G = to_networkx(documents)
    result = Result(documents, G, merges=merges)
    report = result.report = make_report(documents, G, seconds=time.perf_counter() - started, sentences=sentences)
    report["skipped"] = [s.as_dict() for s in skipped]
    report["duplicates_skipped"] = skipped_duplicates
    report["merged_surface_forms"] = sum(1 for row in merges if row["surface"] != row["entity"])
    report["conflicts"] = figure_conflicts(documents)
    report["triples"] = len(result.ntriples)
    seconds = counts["extraction_seconds"] or 1e-9
    report["extraction"] = {
        "engine": engine.name, "workers": engine.workers, "files": len(files),
        "extracted": counts["extracted"], "reused": counts["reused"], "removed": 0,
        "seconds": counts["extraction_seconds"],
        "documents_per_second": round(counts["extracted"] / seconds, 2),
        "megabytes_per_second": round(counts["extracted_bytes"] / 2**20 / seconds, 3),
    }
    if store is not None:
        plan = result.store_plan = _plan_store(store, cache, manifest, existing, files, results, keys, seen, inputs_docs,
                                               result, aliases=aliases, prune=prune)
        report["extraction"]["removed"] = plan.removed
        report["store"] = plan.summary()
    result.skipped = skipped
    return result


def _plan_store(store, cache, manifest, existing, files, results, keys, seen, inputs_docs, built, *, aliases, prune):
    """How the store changes: the graph of every document it will hold, compared with what it holds."""
    from .corpus import plan_store

    inputs = {str(Path(files[i]).resolve()): keys[i] for i in seen.values() if keys.get(i)}
    kept_docs: list[Document] = []
    removed = kept = 0
    shas = set(seen)
    for path, key in sorted(manifest.inputs.items()):
        if path in inputs:
            continue
        old = cache.load(key)
        if prune or old is None or old.sha256 in shas:
            removed += len(old.documents) if old is not None and old.sha256 not in shas else 0
            continue
        inputs[path] = key
        shas.add(old.sha256)
        kept_docs.extend(old.documents)
        kept += len(old.documents)
    if kept_docs:  # the store also keeps documents of files this build did not read
        merged, _ = resolve_corpus(inputs_docs + kept_docs, aliases=aliases)
        nt = to_ntriples(to_networkx(merged))
    else:
        nt = built.ntriples
    return plan_store(store, nt, manifest, inputs, documents=len(inputs_docs) + kept, removed=removed, kept=kept,
                      prune=prune, existing_graphs=existing)


def write_store_update(result: Result) -> dict[str, int]:
    """Write what a build with ``store`` changes into the store (one transaction; see :mod:`kg.corpus`),
    then drop cache entries of files the store no longer holds. Returns the triples written per graph."""
    from .corpus import ExtractionCache, update_store

    if result.store_plan is None:
        raise ValueError("this build had no store")
    written = update_store(result.store_plan)
    ExtractionCache(result.store_plan.path, date=None, part_chars=0).collect_garbage(result.store_plan.manifest.inputs.values())
    return written


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
    with _without_cycle_collection():
        return _write_outputs(result, Path(out_dir), formats)


def _write_outputs(result: Result, out: Path, formats: Iterable[str]) -> dict[str, Path]:
    from .view import render_html

    result.report["triples"] = len(result.ntriples)
    formats = list(dict.fromkeys(formats))
    streamed = [name for name in formats if get_format(name).streams]
    made: dict[str, dict[str, str | bytes]] = {}
    names = [file for name in formats for file in get_format(name).files] + ["graph.html", "report.json", "merges.csv"]
    result.report["files"] = sorted(names)
    report = dict(result.report)
    report.pop("seconds", None)
    report["seconds"] = result.report["seconds"]
    # Turtle and N-Triples are written by Oxigraph from the N-Triples; for a corpus, in a copy of this
    # process while this one makes the other files
    with aside(_serialise_all, result.ntriples, streamed, fork=result.ntriples.size > ASIDE_BYTES) as streams:
        for name in formats:
            if name not in streamed:
                made[name] = serialise(result.graph, name)
        made["graph.html"] = {"graph.html": render_html(result.nx_graph)}
        made["merges.csv"] = {"merges.csv": merges_csv(result.merges)}
        made["report.json"] = {"report.json": report_json(report)}
        made.update(streams())
    files: dict[str, str | bytes] = {}
    for name in [*formats, "graph.html", "report.json", "merges.csv"]:
        files.update(made[name])
    if sorted(files) != result.report["files"]:
        raise RuntimeError(f"files made {sorted(files)} are not those announced {result.report['files']}")
    paths = {name: out / name for name in files}
    write_files({paths[name]: data for name, data in files.items()})
    return paths


def report_json(value: object, level: int = 0) -> str:
    """``report.json``: indented by two spaces, but a list of records — documents, skipped inputs,
    conflicts — one record a line, so that a corpus's report is a line per document (and is written
    by json's C encoder: ``indent`` would make it use the slow Python one).

    >>> print(report_json({"documents": [{"source": "a.txt", "entities": 37}], "entities": 37}), end="")
    {
      "documents": [
        {"source": "a.txt", "entities": 37}
      ],
      "entities": 37
    }
    """
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(key, ensure_ascii=False)}: {report_json(v, level + 1).rstrip()}"
                 for key, v in value.items()]
        text = "{\n" + ",\n".join(items) + f"\n{pad}}}"
    elif isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
        text = "[\n" + ",\n".join(inner + json.dumps(x, ensure_ascii=False, separators=(", ", ": ")) for x in value) + f"\n{pad}]"
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text + "\n" if level == 0 else text


def _serialise_all(nt: NTriples, formats: list[str]) -> dict[str, dict[str, str | bytes]]:
    return {name: serialise(nt, name) for name in formats}


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
