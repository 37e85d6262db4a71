"""Incremental corpus builds with the embedded store: an extraction cache and a store rewritten where it changed.

``kg build ARTICLES --store DIR`` keeps, beside the Oxigraph database in ``DIR``:

* ``DIR/documents/<key>.json``: what extraction made of each file (:mod:`kg.docjson`), under a key
  made of the file's SHA-256, its name, its metadata (sidecar), the ``--date`` given and a fingerprint
  of the extraction code and tables, so an unchanged file is never extracted twice and a change to
  any of these extracts it again;
* ``DIR/kg-manifest.json``: which files the store holds (path → key) and a hash of every named graph
  written, so a build rewrites only the graphs whose triples changed.

Every build merges all the documents the store holds (the inputs, and those of earlier builds unless
``--prune`` drops them) with :func:`kg.resolve.resolve_corpus` — cheap, from the cache — and writes the
difference in one transaction. The manifest is marked pending before that transaction and completed
after it; a build that finds it pending (the last one was killed in between) rewrites every graph.

>>> key_for("ab" * 32, "a.txt", {}, "2024-09-30", 100000, "f" * 64) == key_for("ab" * 32, "a.txt", {}, "2024-09-30", 100000, "f" * 64)
True
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .docjson import FORMAT, document_from_json, document_to_json
from .errors import OutputError
from .files import write_atomic
from .ingest import _sidecar
from .parallel import FileResult

if TYPE_CHECKING:
    from .rdf import NTriples

__all__ = ["CACHE_FOLDER", "MANIFEST", "fingerprint", "key_for", "file_sha256", "ExtractionCache", "Manifest",
           "StorePlan", "graph_lines", "plan_store", "update_store", "store_graphs"]

CACHE_FOLDER = "documents"
MANIFEST = "kg-manifest.json"

# the modules and tables whose change changes what extraction makes of a file
_EXTRACTION_SOURCES = ("ingest.py", "normalise.py", "segment.py", "resolve.py", "pipeline.py", "model.py", "lexicon.py",
                       "docjson.py", "extract", "resources")


@cache
def fingerprint() -> str:
    """SHA-256 over the extraction code and tables of the installed package (and the segmenter's version).

    >>> len(fingerprint())
    64
    """
    from importlib.metadata import version

    from . import __version__
    from .segment import backend

    root = Path(__file__).parent
    digest = hashlib.sha256(f"{__version__}\x00{backend()}\x00{version(backend())}\x00{FORMAT}".encode())
    for name in _EXTRACTION_SOURCES:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) if path.is_dir() else [path]
        for f in files:
            digest.update(str(f.relative_to(root)).encode() + b"\x00")
            digest.update(f.read_bytes())
    return digest.hexdigest()


def key_for(sha256: str, name: str, meta: dict, date: str | None, part_chars: int, fp: str) -> str:
    """The cache key of a file: its content, name and metadata, the build's ``--date`` and part size, the code."""
    text = json.dumps([sha256, name, meta, date, part_chars, fp], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


class ExtractionCache:
    """``DIR/documents/<key>.json``: one file's extraction (its documents, their sentence counts)."""

    def __init__(self, store: str | Path, *, date: str | None, part_chars: int) -> None:
        self.folder = Path(store) / CACHE_FOLDER
        self.date, self.part_chars = date, part_chars

    def key(self, path: str | Path, sha256: str | None = None) -> str | None:
        """The key of ``path`` as it is now (None when it cannot be read: extraction will say why)."""
        path = Path(path)
        try:
            return key_for(sha256 or file_sha256(path), path.name, _sidecar(path), self.date, self.part_chars,
                           fingerprint())
        except (OSError, ValueError, Exception):  # noqa: BLE001 - any problem: extract it and let that report
            return None

    def get(self, key: str | None, index: int, path: str) -> FileResult | None:
        """The cached result for ``key``, placed at ``index`` for ``path``; None on a miss or an unreadable entry."""
        if key is None:
            return None
        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            docs = [document_from_json(d) for d in data["documents"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return FileResult(index, path, data["sha256"], data["size"], docs, dict(data["sentences"]))

    def load(self, key: str) -> FileResult | None:
        """A cached result by key alone (for files of earlier builds)."""
        return self.get(key, -1, "")

    def put(self, result: FileResult) -> str | None:
        """Store a successful extraction; return its key."""
        if result.error is not None or result.sha256 is None:
            return None
        key = self.key(result.path, result.sha256)
        if key is None:
            return None
        data = {"format": FORMAT, "path": result.path, "sha256": result.sha256, "size": result.size,
                "sentences": result.sentences, "documents": [document_to_json(d) for d in result.documents]}
        try:
            write_atomic(self.folder / f"{key}.json", json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        except OutputError:
            return None  # a cache that cannot be written only costs time
        return key

    def collect_garbage(self, keep: Iterable[str]) -> int:
        """Remove the entries not in ``keep``; return how many."""
        keep = {f"{k}.json" for k in keep}
        removed = 0
        if self.folder.is_dir():
            for entry in os.scandir(self.folder):
                if entry.name.endswith(".json") and entry.name not in keep:
                    os.unlink(entry.path)
                    removed += 1
        return removed


@dataclass
class Manifest:
    """``DIR/kg-manifest.json``: the files the store holds (absolute path → cache key) and graph hashes.

    ``graphs`` is None while a write is pending (or for a store written before manifests): every graph
    is then rewritten.
    """

    inputs: dict[str, str] = field(default_factory=dict)
    graphs: dict[str, str] | None = None
    exists: bool = False

    @classmethod
    def load(cls, store: str | Path) -> Manifest:
        try:
            data = json.loads((Path(store) / MANIFEST).read_text(encoding="utf-8"))
            return cls(dict(data.get("inputs") or {}), data.get("graphs"), True)
        except (OSError, ValueError, AttributeError):
            return cls()

    def save(self, store: str | Path) -> None:
        data = {"format": 1, "inputs": dict(sorted(self.inputs.items())),
                "graphs": None if self.graphs is None else dict(sorted(self.graphs.items()))}
        write_atomic(Path(store) / MANIFEST, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


#: a store update writing more triples than this bulk-loads them (see :func:`update_store`)
BULK_LOAD_TRIPLES = 100_000


@dataclass
class StorePlan:
    """What a build changes in the store: graphs to drop, graphs to (re)write with their lines, the new manifest."""

    path: Path
    drop: list[str]
    write: dict[str, list[str]]
    manifest: Manifest
    documents: int = 0
    removed: int = 0
    kept: int = 0
    unchanged: int = 0

    def summary(self) -> dict:
        """For ``report.json``."""
        return {"documents": self.documents, "graphs_written": len(self.write), "graphs_dropped": len(self.drop),
                "graphs_unchanged": self.unchanged, "kept_from_earlier_builds": self.kept, "removed": self.removed}


def graph_lines(nt: NTriples) -> dict[str, list[str]]:
    """The lines of a build's sorted N-Triples by the named graph they go into in the store (see
    :func:`kg.store.split_by_document`), each graph's lines in order."""
    from .store import SHARED_GRAPH, split_statements

    lines, triples = [], []
    for s, p, o, line in nt.lines():
        lines.append(line)
        triples.append((s, p, o))
    return {doc or SHARED_GRAPH: [lines[i] for i in found] for doc, found in split_statements(triples).items()}


def plan_store(store: str | Path, nt: NTriples, manifest: Manifest, inputs: dict[str, str], *, documents: int,
               removed: int, kept: int, prune: bool, existing_graphs: Iterable[str] | None = None) -> StorePlan:
    """Compare the store's graph ``nt`` (all the documents it will hold) with what the manifest says was written.

    ``inputs`` is the new manifest's path → key map. With ``prune``, or when the manifest is pending, every
    graph of the store that ``nt`` does not hold is dropped; otherwise only those this store's builds wrote.
    """
    lines = graph_lines(nt)
    hashes = {name: hashlib.sha256("\n".join(ls).encode()).hexdigest() for name, ls in lines.items()}
    old = manifest.graphs
    full = old is None
    write = {name: ls for name, ls in lines.items() if full or old.get(name) != hashes[name]}
    ours = set(old or {}) | (set(existing_graphs or ()) if (prune or (full and manifest.exists)) else set())
    drop = sorted(name for name in ours if name not in lines)
    plan = StorePlan(Path(store), drop, write, Manifest(inputs, hashes, True), documents, removed, kept,
                     unchanged=len(lines) - len(write))
    return plan


def update_store(plan: StorePlan) -> dict[str, int]:
    """Carry out ``plan`` in one transaction (one SPARQL update), or when it writes more than
    :data:`BULK_LOAD_TRIPLES` triples, by dropping graphs and bulk-loading; then complete the manifest.

    The manifest is marked pending first, so a build killed during the write is followed by a full rewrite.
    Returns the triples written per graph.
    """
    from .rdf import chunk_reader
    from .store import bulk_load_quads, open_for_writing

    pending = Manifest(plan.manifest.inputs, None, True)
    store = open_for_writing(plan.path)
    try:
        if plan.drop or plan.write:
            pending.save(plan.path)
            drops = [f"DROP SILENT GRAPH <{name}>" for name in [*plan.drop, *sorted(plan.write)]]
            if sum(map(len, plan.write.values())) <= BULK_LOAD_TRIPLES:
                # one update is one transaction: a failed, interrupted or killed write leaves the store as it was
                data = [f"GRAPH <{name}> {{\n" + "\n".join(lines) + "\n}" for name, lines in sorted(plan.write.items()) if lines]
                store.update(" ;\n".join(drops + (["INSERT DATA {\n" + "\n".join(data) + "\n}"] if data else [])))
            else:
                # many triples: parsing them as one update takes minutes, a bulk load seconds, but it is not a
                # transaction; stopped during it, the store is partly written and the pending manifest makes
                # the next build rewrite every graph
                store.update(" ;\n".join(drops))
                # made one graph at a time as Oxigraph reads them: never all the quads in memory at once
                quads = ("".join(f"{line[:-1]}<{name}> .\n" for line in lines).encode("utf-8")
                         for name, lines in sorted(plan.write.items()))
                bulk_load_quads(store, chunk_reader(quads))
            store.flush()
        plan.manifest.save(plan.path)
    except (OSError, SyntaxError, ValueError, RuntimeError) as err:
        text = str(err).strip()
        raise OutputError(f"{plan.path}: cannot write the store ({text.splitlines()[0][:200] if text else type(err).__name__})",
                          detail=text) from None
    finally:
        del store
    return {name: len(lines) for name, lines in sorted(plan.write.items())}


def store_graphs(store: str | Path) -> list[str]:
    """The named graphs in the store at ``store``, creating the store when the folder is new or empty
    (before the cache puts files into it). Refuses what :func:`kg.store.open_for_writing` refuses."""
    from .store import open_for_writing

    db = open_for_writing(store)
    try:
        return sorted(g.value for g in db.named_graphs())
    finally:
        del db
