"""``kg serve``'s query processes (:mod:`kg.query_pool`): they end with the server however it ends, answer
from one snapshot of the store, come back when they cannot start, and keep the server's own memory small."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from rdflib import Graph

import kg.query_pool
from kg.errors import KgError, QueryStopped
from kg.query_pool import QueryPool
from kg.serve import make_server, scratch_folder, start_in_thread
from kg.store import StoreSource, write_store
from tests.test_query import FIXTURE_TTL
from tests.test_serve import get, request

SLOW = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?a"  # sorted whole, for minutes
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
def store(tmp_path):
    folder = tmp_path / "store"
    write_store(Graph().parse(data=FIXTURE_TTL, format="turtle"), folder)
    return folder


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def gone(pids: set[int], within: float = 10) -> bool:
    until = time.monotonic() + within
    while time.monotonic() < until:
        alive = set()
        for pid in pids:
            try:
                os.kill(pid, 0)
                if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.add(pid)
            except (ProcessLookupError, FileNotFoundError):
                pass
        if not alive:
            return True
        time.sleep(0.1)
    return False


def ask(port: int, query: str, timeout: float = 30) -> tuple[int, bytes]:
    """(status, body) of a query as CSV; (0, b"") when the server does not answer at all."""
    url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": query})
    try:
        status, _, body = request(url, headers={"Accept": "text/csv"}, timeout=timeout)
    except OSError:
        return 0, b""
    return status, body


def start_kg_serve(store: Path, *options: str) -> tuple[subprocess.Popen, int]:
    """``kg serve --store`` in a process group of its own, as from a terminal; (process, port)."""
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", "0", *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    line = proc.stdout.readline()  # "serving … at http://127.0.0.1:PORT/sparql …"
    port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
    return proc, port


@contextmanager
def serving(store: Path, **options):
    """``kg serve`` of ``store`` in a thread of this process, stopped at the end."""
    srv = make_server(StoreSource.open(store), port=0, **options)
    start_in_thread(srv)
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def _new_process(srv, old: list[int]) -> list[int]:
    """The pool's processes once one has taken the place of ``old``'s (within 60 s)."""
    until = time.monotonic() + 60
    while time.monotonic() < until:
        now = srv.pool.processes()
        if now and not set(now) & set(old):
            return now
        time.sleep(0.05)
    raise AssertionError(f"no new query process: {srv.pool.processes()} after {old}")


def test_a_query_past_its_time_is_stopped_by_ending_its_process(store):
    with serving(store, timeout=0.5, workers=1, max_rows=10**9) as srv:
        count = get(srv, COUNT, "text/csv")[2]
        before = srv.pool.processes()
        started = time.monotonic()
        status, _, body = get(srv, SLOW)
        assert status == 503 and b"longer than 0.5 s" in body
        assert time.monotonic() - started < 5  # not the minutes the sort would take
        after = _new_process(srv, before)
        for pid in before:  # ended, with all the memory it held
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        assert get(srv, COUNT, "text/csv")[2] == count and srv.pool.processes() == after


def test_a_query_over_its_memory_is_stopped(store):
    with serving(store, timeout=120, workers=1, max_memory=300 << 20) as srv:
        before = srv.pool.processes()
        started = time.monotonic()
        status, _, body = get(srv, SLOW)
        assert status == 503 and body == b"the query needed more than 300 MB of memory\n"
        assert time.monotonic() - started < 60
        _new_process(srv, before)
        assert get(srv, "ASK { ?s ?p ?o }", "application/sparql-results+json")[0] == 200


def test_a_query_process_that_dies_is_replaced(store):
    with serving(store, timeout=60, workers=1) as srv:
        before = srv.pool.processes()
        threading.Timer(1.0, os.kill, (before[0], signal.SIGKILL)).start()  # as a crash of the engine would
        status, _, body = get(srv, SLOW)
        assert status == 500 and body == b"the query engine stopped on this query (killed by SIGKILL); a new one has started\n"
        _new_process(srv, before)
        assert get(srv, "ASK { ?s ?p ?o }", "application/sparql-results+json")[0] == 200


def test_an_engine_panic_is_a_500_that_says_how_to_sort(tmp_path):
    from tests.test_query_sources import MIXED_TTL

    write_store(Graph().parse(data=MIXED_TTL, format="turtle"), tmp_path / "mixed")
    with serving(tmp_path / "mixed", timeout=60, workers=1) as srv:
        before = srv.pool.processes()
        status, _, body = get(srv, "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o")
        assert status == 500 and body.decode().startswith("the query engine stopped on this query (killed by SIGABRT)")
        assert body.decode().endswith("sort by STR(?x) instead\n")
        _new_process(srv, before)
        status, _, body = get(srv, "SELECT ?o WHERE { ?s ?p ?o } ORDER BY STR(?o)", "text/csv")
        assert status == 200 and body.count(b"\r\n") == 22


def test_a_query_process_killed_while_idle_costs_no_query(store):
    with serving(store, timeout=60, workers=1) as srv:
        before = srv.pool.processes()
        os.kill(before[0], signal.SIGKILL)
        while srv.pool.processes() == before:
            time.sleep(0.01)
        status, _, body = get(srv, COUNT, "text/csv")  # answered by the process that replaces it
        assert status == 200 and body.startswith(b"n\r\n")


def test_query_processes_end_when_the_server_is_killed(store):
    proc, port = start_kg_serve(store, "--workers", "2", "--timeout", "300")
    workers = children(proc.pid) - {proc.pid}
    assert len(workers) >= 2
    threading.Thread(target=ask, args=(port, SLOW, 5), daemon=True).start()
    time.sleep(2)  # one of them is sorting
    proc.kill()
    proc.wait(timeout=30)
    assert gone(workers), "a query process outlived the server (with no limits left)"
    # its temporary store is removed by the next server that starts
    folders = [p for p in Path(tempfile.gettempdir()).glob("kg-serve-*")
               if (p / "owner").is_file() and (p / "owner").read_text() == str(proc.pid)]
    assert folders
    scratch_folder().cleanup()
    assert not any(p.exists() for p in folders)


@pytest.mark.parametrize("how", ["SIGINT to the group", "SIGTERM"])
def test_stopping_the_server_during_queries_is_clean(store, how):
    proc, port = start_kg_serve(store, "--workers", "2", "--timeout", "300")
    workers = children(proc.pid)
    for _ in range(2):
        threading.Thread(target=ask, args=(port, SLOW, 10), daemon=True).start()
    time.sleep(1.5)
    if how == "SIGTERM":
        proc.terminate()
    else:
        os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode in (0, 143), err
    assert "Traceback" not in err and "internal error" not in err
    assert gone(workers)


def test_every_process_answers_from_the_same_snapshot(store):
    with serving(store, workers=2) as srv:
        port = srv.server_address[1]
        before = ask(port, COUNT)[1]
        # the store is rebuilt with more in it while it is served
        write_store(Graph().parse(data=FIXTURE_TTL.replace("甲经济开发区", "丙经济开发区").replace("d1", "d9"),
                                  format="turtle"), store)
        assert int(StoreSource.open(store).query(COUNT).rows[0][0]) > int(before.split()[1])
        for pid in srv.pool.processes():  # every process replaced after the rebuild
            os.kill(pid, signal.SIGKILL)
        answers = {ask(port, COUNT)[1] for _ in range(8)}
        assert answers == {before}


def test_a_pool_whose_processes_cannot_start_says_why_and_comes_back(store, monkeypatch):
    monkeypatch.setattr(kg.query_pool, "RETRY", 0.2)
    kept = store.parent / "kept"
    with QueryPool(store, workers=1) as pool:
        shutil.move(store, kept)  # the store gone: a new process cannot open it
        os.kill(pool.processes()[0], signal.SIGKILL)
        started = time.monotonic()
        with pytest.raises(KgError, match="no query process is running: .*no store there"):
            pool.run(COUNT, timeout=20)
        assert time.monotonic() - started < 10  # said at once, not after every query's time
        shutil.move(kept, store)
        until = time.monotonic() + 20
        while time.monotonic() < until:
            try:
                assert int(pool.run(COUNT, timeout=20).rows[0][0]) > 0
                break
            except KgError:
                time.sleep(0.2)
        else:
            pytest.fail("the pool did not come back once the store was there again")


def test_an_answer_too_large_for_the_server_is_refused(store):
    with QueryPool(store, workers=1, max_answer_chars=1000) as pool:
        with pytest.raises(QueryStopped, match="the answer holds more than 1,000 characters"):
            pool.run("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", timeout=20)
        assert len(pool.run("SELECT ?s WHERE { ?s a zkg:Policy }", timeout=20).rows) == 2  # still serving


def test_a_cut_answer_says_so_across_the_process_boundary(store):
    with serving(store, max_rows=3) as srv:
        status, headers, body = get(srv, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
        assert status == 200 and headers["X-Result-Truncated"] == "3" and body.count(b"\n") == 3
        status, headers, body = get(srv, "SELECT ?s WHERE { ?s ?p ?o }", "text/csv")
        assert status == 200 and headers["X-Result-Truncated"] == "3" and body.count(b"\r\n") == 4
        status, headers, _ = get(srv, "SELECT ?s WHERE { ?s a zkg:Policy }", "text/csv")
        assert status == 200 and "X-Result-Truncated" not in headers
