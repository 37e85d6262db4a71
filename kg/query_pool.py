"""Queries in worker processes, so that a query past its time or over its memory can be stopped.

Oxigraph cannot be interrupted from Python: a query that sorts or groups a huge intermediate result runs
to its end, however long that takes and however much memory it needs. Its process, though, can be
ended. :class:`QueryPool` keeps ``workers`` processes, each with the store at ``path`` open read-only;
a query goes to an idle one, and past its time, or over ``max_memory`` bytes of its own memory (Linux),
the process is killed, :class:`kg.errors.QueryStopped` is raised, and a new process takes its place. A
process that dies on its own (a crash in the engine) is replaced the same way, and the pool keeps serving.

>>> import pathlib, tempfile
>>> from kg.store import new_graph_from_turtle, write_store
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "store"
>>> _ = write_store(new_graph_from_turtle('<zone/甲区> rdfs:label "甲区"@zh .'), folder)
>>> with QueryPool(folder, workers=1) as pool:
...     [str(row[0]) for row in pool.run("SELECT ?l WHERE { ?z rdfs:label ?l }", timeout=30).rows]
['甲区']
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import errors
from .errors import KgError, QueryError, QueryStopped
from .processes import exit_when_orphaned, how_it_ended

__all__ = ["QueryPool", "default_memory_limit"]

log = logging.getLogger("kg.serve")

#: Seconds a worker may take to start and open the store.
START_TIMEOUT = 120.0
#: Seconds past its time limit that a query is given to stop itself (the worker checks between rows).
GRACE = 0.5
#: How often a waiting query's process is checked (time, memory).
_POLL = 0.05
#: The most text (characters of terms) one answer may hold: the server formats it, in its own memory.
MAX_ANSWER_CHARS = 64 << 20
#: Seconds between attempts to start a worker when starting one fails (the store gone, say).
RETRY = 5.0


def default_memory_limit(workers: int) -> int | None:
    """The memory one worker may use: the machine's memory shared by the workers and this process, so that
    all of them at their limit still fit; None where the size of memory is unknown."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    return total // (workers + 1)


def _own_memory(pid: int) -> int | None:
    """Resident memory of a process that is its own (not shared file pages), in bytes; None off Linux."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            fields = statm.read().split()
    except OSError:
        return None
    return (int(fields[1]) - int(fields[2])) * os.sysconf("SC_PAGE_SIZE")


def _answer_chars(answer) -> int:
    if isinstance(answer, bytes):
        return len(answer)
    return sum(len(term) for row in answer.rows for term in row if term is not None)


def _work(conn, path: str, parent: int, max_answer_chars: int) -> None:
    """A worker: open the store, then answer requests until the pipe closes."""
    from .store import StoreSource

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the server ends us
    # Oxigraph lets go of the interpreter while it evaluates, so this thread runs during a query too
    threading.Thread(target=exit_when_orphaned, args=(parent,), name="kg-orphan-watch", daemon=True).start()

    try:
        source = StoreSource.open(path)
    except KgError as err:
        conn.send(("error", type(err).__name__, str(err)))
        return
    conn.send(("ready",))
    while True:
        try:
            sparql, options, seconds = conn.recv()
            conn.send(("taken",))  # from here on, a death is this query's
        except (EOFError, OSError):
            return
        try:
            answer = ("ok", source.execute(sparql, deadline=time.monotonic() + seconds, **options))
            if _answer_chars(answer[1]) > max_answer_chars:
                raise QueryStopped(f"the answer holds more than {max_answer_chars:,} characters; "
                                   "ask for fewer rows (LIMIT) or shorter values")
        except KgError as err:
            answer = ("error", type(err).__name__, str(err))
        except Exception as err:  # noqa: BLE001 - the engine's own failure becomes the client's one line
            answer = ("error", "QueryError", f"the query failed: {type(err).__name__}: {err}")
        conn.send(answer)


def _raise(message: tuple) -> None:
    cls = getattr(errors, message[1], None)
    if not (isinstance(cls, type) and issubclass(cls, KgError)):
        cls = QueryError
    raise cls(message[2])


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: object  # multiprocessing.connection.Connection
    ended: bool = False


class QueryPool:
    """``workers`` processes answering queries on the store at ``path`` (see the module's docstring)."""

    def __init__(self, path: str | Path, *, workers: int = 4, max_memory: int | None = None,
                 max_answer_chars: int = MAX_ANSWER_CHARS) -> None:
        self.path = str(path)
        self.max_memory = max_memory
        self.max_answer_chars = max_answer_chars
        # spawn, not fork: the server's threads may hold locks that a forked child would inherit held
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._live: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._failure: str | None = None  # why the last start failed, while none has succeeded since
        try:
            started = [self._start() for _ in range(workers)]
            for worker in started:
                self._ready(worker)
                self._idle.put(worker)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, sparql: str, *, timeout: float, limit: int | None = None, default_graphs: list[str] | None = None,
            named_graphs: list[str] | None = None):
        """Answer ``sparql`` as :meth:`kg.store.StoreSource.execute` does, within ``timeout`` seconds
        (waiting for an idle worker included); :class:`~kg.errors.QueryStopped` past it or over the memory."""
        until = time.monotonic() + timeout
        options = {"limit": limit, "default_graphs": default_graphs, "named_graphs": named_graphs}
        while True:
            worker = self._take(until, timeout)
            left = max(0.0, until - time.monotonic())
            if worker.process.is_alive() and self._hand_over(worker, (sparql, options, left), left + GRACE):
                break
            self._replace(worker)  # it died while idle (killed from outside): the query goes to another
        try:
            message = self._wait(worker, left + GRACE, timeout)
        except BaseException:
            self._replace(worker)
            raise
        self._idle.put(worker)
        if message[0] == "error":
            _raise(message)
        return message[1]

    def _take(self, until: float, timeout: float) -> _Worker:
        """An idle worker, waiting for one until ``until``; an error at once when none can be started."""
        while True:
            try:
                return self._idle.get(timeout=min(_POLL * 4, max(0.0, until - time.monotonic())))
            except queue.Empty:
                pass
            with self._lock:
                failure = self._failure if not self._live else None  # none running, and starting one failed
            if self._closed:
                raise KgError("the server is stopping")
            if failure:
                raise KgError(f"no query process is running: {failure}")
            if time.monotonic() >= until:
                raise QueryStopped(f"every query process was busy for {timeout:g} s")

    def _hand_over(self, worker: _Worker, request: tuple, seconds: float) -> bool:
        """Send ``request``; whether the worker took it (False: it was dead, and never saw the query)."""
        try:
            worker.conn.send(request)
            return worker.conn.poll(seconds) and worker.conn.recv() == ("taken",)
        except (EOFError, OSError):
            return False

    def _wait(self, worker: _Worker, seconds: float, timeout: float) -> tuple:
        """The worker's answer; raises when the worker must go (the caller ends it)."""
        until = time.monotonic() + seconds
        try:
            while not worker.conn.poll(_POLL):
                if not worker.process.is_alive():
                    break
                if time.monotonic() > until:
                    raise QueryStopped(f"the query took longer than {timeout:g} s")
                used = _own_memory(worker.process.pid) if self.max_memory else None
                if used is not None and used > self.max_memory:
                    raise QueryStopped(f"the query needed more than {self.max_memory >> 20} MB of memory")
            return worker.conn.recv()
        except (EOFError, OSError):
            if self._closed or worker.ended:
                raise KgError("the server is stopping") from None
            worker.process.join(1)
            code = worker.process.exitcode
            how = how_it_ended(code)
            hint = ""
            if code == -signal.SIGABRT:  # a Rust panic; the one known to happen is Oxigraph's sort
                hint = "; if the query sorts numbers and texts together (ORDER BY ?x), sort by STR(?x) instead"
            raise KgError(f"the query engine stopped on this query ({how}); a new one has started{hint}") from None

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_work, args=(child, self.path, os.getpid(), self.max_answer_chars), name="kg-query",
                                        daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._live.add(worker)
        return worker

    def _ready(self, worker: _Worker) -> None:
        try:
            if not worker.conn.poll(START_TIMEOUT):
                raise KgError(f"a query process did not start within {START_TIMEOUT:g} s")
            message = worker.conn.recv()
        except (EOFError, OSError):
            raise KgError("a query process ended as it started") from None
        if message[0] == "error":
            _raise(message)

    def _end(self, worker: _Worker) -> None:
        """Kill ``worker`` and release what it holds; once, from whichever thread comes first."""
        with self._lock:
            if worker.ended:
                return
            worker.ended = True
            self._live.discard(worker)
        try:
            worker.process.kill()
            worker.process.join(5)
        except (OSError, ValueError):
            pass
        worker.conn.close()

    def _replace(self, worker: _Worker) -> None:
        """End ``worker`` and start another in the background (the client is answered meanwhile); when
        starting fails (the store gone), try again every :data:`RETRY` seconds."""
        self._end(worker)
        if self._closed:
            return

        def start() -> None:
            while not self._closed:
                fresh = None
                try:
                    fresh = self._start()
                    self._ready(fresh)
                except (KgError, OSError) as err:  # OSError: no process could be made
                    if fresh is not None:
                        self._end(fresh)
                    with self._lock:
                        self._failure = str(err)
                    log.warning("a query process could not be started: %s (trying again in %g s)", err, RETRY)
                    time.sleep(RETRY)
                    continue
                with self._lock:
                    self._failure = None
                if self._closed:
                    self._end(fresh)
                else:
                    self._idle.put(fresh)
                return

        threading.Thread(target=start, name="kg-query-restart", daemon=True).start()

    def processes(self) -> list[int]:
        """The process ids of the workers alive now."""
        with self._lock:
            return sorted(w.process.pid for w in self._live if w.process.is_alive())

    def close(self) -> None:
        """End every worker."""
        self._closed = True
        with self._lock:
            live = list(self._live)
        for worker in live:
            self._end(worker)
