"""Extraction on many cores or many machines: one article file in, its documents out.

Extracting a file is a pure function (:func:`extract_file`: path → :class:`FileResult`), so it runs
the same in this process, in a pool of worker processes (:class:`LocalEngine`, ``kg build --workers N``)
or on a Dask cluster (:class:`DaskEngine`, ``kg build --engine dask --scheduler ADDRESS``). Workers
read the files themselves (on a cluster every worker must see the same paths), at most a few files per
worker are in flight at once, and what comes back is only what the graph needs (no token lists or
offset maps), so memory follows the size of the graph, not of the corpus.

:func:`document_nquads` is the other pure function a cluster runs: one merged document → its N-Quads.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.txt").write_text("萍乡经济技术开发区引进京东集团。", encoding="utf-8")
>>> with LocalEngine(1) as engine:
...     [r.documents[0].entities[1].label for r in engine.map(extract_file, [(0, str(folder / "a.txt"))])]
['京东集团']
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import errors
from .errors import InputError, KgError
from .ingest import PART_CHARS, Skipped, open_article
from .model import Document
from .pipeline import process
from .processes import how_it_ended

__all__ = ["FileResult", "extract_file", "slim", "document_nquads", "Engine", "LocalEngine", "DaskEngine", "make_engine",
           "default_workers", "aside", "ENGINES"]

#: The engines ``kg build --engine`` knows.
ENGINES = ("local", "dask")


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def slim(doc: Document) -> Document:
    """A processed document without what only extraction needed (offset map, tokens, sentences, mentions,
    also those of each entity: the graph keeps an entity's sentences, not where in them its name stands)."""
    entities = [replace(e, mentions=[]) if e.mentions else e for e in doc.entities]
    return replace(doc, raw_offset=[], match_text="", lines=[], sentences=[], mentions=[], links={}, entities=entities,
                   evidence_records={})


@dataclass
class FileResult:
    """What extracting one file gave: its documents (one per part), or why it was skipped.

    ``index`` is the file's place in the input list, so results that arrive in any order can be put back
    in order; ``sha256`` is that of the whole file; ``sentences`` counts each document's sentences.
    """

    index: int
    path: str
    sha256: str | None = None
    size: int = 0
    documents: list[Document] = field(default_factory=list)
    sentences: dict[str, int] = field(default_factory=dict)
    #: the error class, message and detail of a file that could not be read
    error: tuple[type, str, str | None] | None = None
    seconds: float = 0.0
    #: the key under which the result is in the build's extraction cache
    cache_key: str | None = None
    #: found in that cache, not extracted
    reused: bool = False

    @property
    def skipped(self) -> Skipped | None:
        """The file as a :class:`~kg.ingest.Skipped` entry, when it could not be read."""
        if self.error is None:
            return None
        cls, message, detail = self.error
        return Skipped.of(self.path, cls(message, detail=detail))


def extract_file(index: int, path: str, *, date: str | None = None, part_chars: int = PART_CHARS,
                 keep_all: bool = False, cache: Any = None) -> FileResult:
    """Read and extract one article file: the pure function every engine runs.

    A file that cannot be read gives a result with ``error`` set (never an exception), so one bad file
    never stops a build. ``keep_all`` keeps everything extraction made (sentences, tokens, mentions) for
    a file read in one part; otherwise documents are :func:`slim`. With ``cache`` (a
    :class:`kg.corpus.ExtractionCache`) a file extracted before is taken from there (``reused``), and
    one extracted now is stored there.
    """
    started = time.perf_counter()
    if cache is not None:
        key = cache.key(path)
        hit = cache.get(key, index, str(path))
        if hit is not None:
            hit.cache_key, hit.reused = key, True
            return hit
    try:
        article = open_article(path, part_chars=part_chars)
        docs, sentences = [], {}
        for raw in article.documents():
            doc = process(raw, date=date)
            sentences[doc.id] = len(doc.sentences)
            docs.append(doc if keep_all and article.parts == 1 else slim(doc))
        result = FileResult(index, str(path), article.sha256, article.size, docs, sentences,
                            seconds=time.perf_counter() - started)
        if cache is not None:
            result.cache_key = cache.put(result)
        return result
    except InputError as err:
        problem = err if os.path.lexists(path) else InputError(f"{path}: no such file (removed since it was listed?)")
        cls = type(problem) if getattr(errors, type(problem).__name__, None) is type(problem) else InputError
        return FileResult(index, str(path), error=(cls, str(problem), problem.detail), seconds=time.perf_counter() - started)


def document_nquads(doc: Document) -> bytes:
    """One document of a merged corpus as N-Quads in its own named graph (sorted lines).

    The union of the files of all documents is the graph of the corpus (``graph.ttl``).
    """
    from .graph import to_networkx
    from .rdf import graph_to_rdf
    from .serialise import serialise

    return serialise(graph_to_rdf(to_networkx([doc])), "nq")["graph.nq"]


# --- engines ------------------------------------------------------------------------------------


class Engine:
    """Runs a function over jobs and yields the results as they finish (in any order)."""

    name = "local"
    workers = 1

    def map(self, fn: Callable[..., Any], jobs: Iterable[tuple]) -> Iterator[Any]:
        """``fn(*job)`` for every job; results in the order they finish."""
        for job in jobs:
            yield fn(*job)

    def warm(self) -> None:
        """Load what extraction needs once (dictionaries, lexicons) where the work will run."""

    def close(self) -> None:
        """Stop the workers once they have finished what they were given."""

    def abort(self) -> None:
        """Stop the workers now (after an error or an interruption)."""
        self.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        # leaving on an exception (Ctrl-C in the progress bar, say) must not wait for the files still queued
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _warm() -> None:
    from .pipeline import process_text

    process_text("萍乡经济技术开发区引进京东集团，2023年规模以上工业企业143家。")


def _worker_init() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _call_batch(fn: Callable[..., Any], jobs: list[tuple]) -> list[Any]:
    return [fn(*job) for job in jobs]


#: files per task sent to a local worker process (fewer round trips: the parent shares the cores)
CHUNK = 16


class LocalEngine(Engine):
    """Worker processes on this machine (forked from a warmed-up parent where the system allows it).

    With one worker, or one job, everything runs in this process, one job after the other.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or default_workers())
        self._pool: _Workers | None = None

    def warm(self) -> None:
        _warm()
        if self.workers > 1:
            self._start()

    def _start(self) -> _Workers:
        import multiprocessing as mp

        if self._pool is None:
            methods = mp.get_all_start_methods()
            if "fork" in methods and sys.platform != "darwin":
                _warm()  # children share the loaded dictionaries
                context = mp.get_context("fork")
            else:
                context = mp.get_context("spawn")
            self._pool = _Workers(context, self.workers)
        return self._pool

    def map(self, fn: Callable[..., Any], jobs: Iterable[tuple]) -> Iterator[Any]:
        it = iter(jobs)
        first = list(itertools.islice(it, 2))
        if self.workers == 1 or len(first) < 2:
            for job in itertools.chain(first, it):
                yield fn(*job)
            return
        pool = self._start()
        try:
            # a few files per round trip: sending each result back costs the parent time it shares with the workers
            yield from pool.map(fn, itertools.chain(first, it), chunksize=CHUNK)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        if self._pool is not None:
            self._pool.kill()
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


class _Workers:
    """Worker processes, each with a pipe of its own: chunks of jobs go down it, their results come back.

    Not :class:`multiprocessing.pool.Pool`: its ``terminate()`` can wait for good when it stops a worker
    in the middle of sending a large result (the pool's result thread, draining the queue, then waits for
    the rest of a message that never comes), which was a ``kg build`` that did not stop after Ctrl-C; and
    a worker killed by the system leaves its ``imap`` waiting for ever. Here this process holds the only
    other end of each worker's pipe, so a worker that dies is an end of file
    (:class:`kg.errors.WorkerDied`), no lock is shared, and stopping now is: kill, then join.
    """

    def __init__(self, context: Any, size: int) -> None:
        self._workers = []
        self._busy = False  # a map has chunks in flight
        forked = context.get_start_method() == "fork"
        try:
            for n in range(size):
                ours, theirs = context.Pipe()
                # a forked worker closes its copies of this process's ends, so that when this process dies
                # (kill -9) every worker reads an end of file or writes to a closed pipe, and leaves
                ends = [conn for _, conn in self._workers] + [ours] if forked else []
                worker = context.Process(target=_serve, args=(theirs, ends), name=f"kg-worker-{n + 1}", daemon=True)
                worker.start()
                theirs.close()
                self._workers.append((worker, ours))
        except BaseException:
            self.kill()
            raise

    def map(self, fn: Callable[..., Any], jobs: Iterable[tuple], chunksize: int) -> Iterator[Any]:
        """``fn(*job)`` for every job, ``chunksize`` jobs per message; results in the order chunks finish."""
        from multiprocessing.connection import wait

        it = iter(jobs)
        chunks = iter(lambda: list(itertools.islice(it, chunksize)), [])
        in_flight: dict[Any, int] = {}
        worker_of = {conn: worker for worker, conn in self._workers}

        def died(conn: Any) -> errors.WorkerDied:
            worker = worker_of[conn]
            worker.join(1)
            return errors.WorkerDied(f"a worker process stopped without answering ({how_it_ended(worker.exitcode)})")

        def send(conn: Any) -> None:
            chunk = next(chunks, None)
            if chunk is not None:
                try:
                    conn.send((fn, chunk))
                except OSError:
                    raise died(conn) from None
                in_flight[conn] = in_flight.get(conn, 0) + 1

        self._busy = True
        # two chunks a worker: it starts the second while its first result is on the way
        for _ in range(2):
            for _, conn in self._workers:
                send(conn)
        while in_flight:
            for conn in wait(list(in_flight)):
                try:
                    ok, answer = conn.recv()
                except (EOFError, OSError):  # an end of file, or a reset when it died with our chunk unread
                    raise died(conn) from None
                in_flight[conn] -= 1
                if not in_flight[conn]:
                    del in_flight[conn]
                if not ok:
                    raise answer
                send(conn)
                yield from answer
        self._busy = False

    def close(self) -> None:
        """Let the workers finish and leave; stop them now if a map was left with chunks in flight (their
        answers would never be read)."""
        if self._busy:
            self.kill()
            return
        for _, conn in self._workers:
            try:
                conn.send(None)
            except OSError:  # it has gone already
                pass
        for worker, conn in self._workers:
            worker.join()
            conn.close()
        self._workers = []

    def kill(self) -> None:
        """Stop the workers now, whatever they are doing."""
        for worker, _ in self._workers:
            if worker.is_alive():
                worker.kill()
        for worker, conn in self._workers:
            worker.join()
            conn.close()
        self._workers = []


def _serve(conn: Any, parent_ends: list) -> None:
    """A worker: run each chunk of jobs it is sent, and send back the results (or the exception)."""
    _worker_init()
    for end in parent_ends:
        end.close()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent has gone
            return
        if task is None:
            return
        fn, jobs = task
        if not _answer(conn, _call_batch, fn, jobs):
            return


def _answer(conn: Any, fn: Callable[..., Any], *args: Any) -> bool:
    """Send the parent ``(True, fn(*args))``, or ``(False, the exception)`` it raised; False when the
    parent has gone."""
    try:
        answer: tuple[bool, Any] = (True, fn(*args))
    except BaseException as err:  # noqa: BLE001 — handed to the parent, which raises it
        answer = (False, err)
    try:
        conn.send(answer)
    except OSError:  # the parent has gone
        return False
    except Exception as err:  # an exception (or a value) that cannot be pickled
        conn.send((False, RuntimeError(f"{type(err).__name__}: {err}")))
    return True


class DaskEngine(Engine):
    """A Dask distributed cluster: ``scheduler`` is its address (``tcp://host:8786``), or ``local`` for a
    ``LocalCluster`` of ``workers`` processes on this machine. Needs ``pip install 'zonekg[dask]'``, and
    kg installed on every worker."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None, *, window: int | None = None,
                 batch: int = 8, timeout: float = 20.0) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise KgError("the dask engine needs Dask distributed: pip install 'zonekg[dask]'") from None
        self._cluster = None
        try:
            if not scheduler or scheduler == "local":
                self._cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1,
                                             processes=True, dashboard_address=None)
                scheduler = self._cluster.scheduler_address
            self.client = Client(scheduler, timeout=f"{timeout}s")
        except (OSError, TimeoutError) as err:
            if self._cluster is not None:
                self._cluster.close()
            raise errors.EndpointError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
        self.scheduler = scheduler
        threads = sum(self.client.nthreads().values()) or 1
        self.workers = threads
        self.window = window or 2 * threads  # tasks in flight
        self.batch = max(1, batch)  # jobs per task: one round trip to the scheduler per batch, not per file

    def warm(self) -> None:
        self.client.run(_warm)

    def map(self, fn: Callable[..., Any], jobs: Iterable[tuple]) -> Iterator[Any]:
        from distributed import as_completed

        it = iter(jobs)
        batches = iter(lambda: list(itertools.islice(it, self.batch)), [])
        pending = as_completed()
        for batch in itertools.islice(batches, self.window):
            pending.add(self.client.submit(_call_batch, fn, batch, pure=False))
        for future in pending:
            results = future.result()
            future.release()
            batch = next(batches, None)
            if batch is not None:
                pending.add(self.client.submit(_call_batch, fn, batch, pure=False))
            yield from results

    def close(self) -> None:
        client, cluster = getattr(self, "client", None), self._cluster
        self.client, self._cluster = None, None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def make_engine(kind: str = "local", *, workers: int | None = None, scheduler: str | None = None) -> Engine:
    """The engine ``kg build --engine KIND`` runs on."""
    if kind == "dask":
        return DaskEngine(scheduler, workers)
    if kind == "local":
        return LocalEngine(workers)
    raise KgError(f"unknown engine {kind!r} (choose from {', '.join(ENGINES)})")


def write_document_nquads(docs: list[Document], folder: str | Path, engine: Engine | None = None) -> list[Path]:
    """Write one N-Quads file per document (``FOLDER/<first 16 hex digits of its SHA-256>.nq``), each
    atomically, made by ``engine``; remove the ``.nq`` files of documents no longer in ``docs``.

    Loaded together (``kg push FOLDER/*.nq``) they are the graph of the corpus.
    """
    from .files import write_atomic

    folder = Path(folder)
    engine = engine or Engine()
    names = {}
    for i, doc in enumerate(docs):
        names[i] = f"{doc.sha256[:16]}.nq"
    written = []
    for i, data in engine.map(_indexed_nquads, ((i, doc) for i, doc in enumerate(docs))):
        path = folder / names[i]
        write_atomic(path, data)
        written.append(path)
    keep = set(names.values())
    for old in folder.glob("*.nq"):
        if old.name not in keep:
            old.unlink(missing_ok=True)
    return sorted(written)


def _indexed_nquads(i: int, doc: Document) -> tuple[int, bytes]:
    return i, document_nquads(doc)


# --- one computation beside this process ---------------------------------------------------------


@contextmanager
def aside(fn: Callable[..., Any], *args: Any, fork: bool = True) -> Iterator[Callable[[], Any]]:
    """Compute ``fn(*args)`` in a forked copy of this process while the ``with`` block goes on; the block
    gets a function that waits for the value.

    The copy shares this process's memory until one of them writes to it, so a large argument (the
    N-Triples of a corpus) costs nothing to pass; the value comes back pickled through a pipe. Where
    fork is not to be trusted (other systems than Linux, a daemonic process), or with ``fork=False``,
    ``fn`` runs in this process when the value is asked for. An exception in the copy is raised where
    the value is asked for; if the copy dies (killed, out of memory), the value is computed here. A copy
    still running when the block ends is stopped.

    >>> with aside(sorted, "萍乡经开区") as value:
    ...     "".join(value())
    '乡区开经萍'
    """
    import multiprocessing as mp

    result: list[tuple[bool, Any]] = []
    if not fork or sys.platform != "linux" or mp.current_process().daemon:
        def inline() -> Any:
            if not result:
                result.append((True, fn(*args)))
            return result[0][1]

        yield inline
        return
    context = mp.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_aside_child, args=(send, fn, args, receive), daemon=True)
    child.start()
    send.close()

    def value() -> Any:
        if not result:
            try:
                result.append(receive.recv())
            except EOFError:  # the copy died before it answered
                result.append((True, fn(*args)))
        ok, got = result[0]
        if not ok:
            raise got
        return got

    try:
        yield value
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()


def _aside_child(send: Any, fn: Callable[..., Any], args: tuple, receive: Any) -> None:
    _worker_init()
    receive.close()  # the parent's end: if the parent dies, sending fails instead of waiting for ever
    try:
        _answer(send, fn, *args)
    finally:
        send.close()
