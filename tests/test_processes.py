"""Work in a process of its own (:mod:`kg.processes`): values and errors come back, a process that aborts
is reported with what it wrote, and ``kg query --store`` keeps what a shell asked of its signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from kg.errors import QueryError, WorkerDied
from kg.processes import run_forked
from kg.store import write_store
from tests.data import ROOT
from tests.test_query import FIXTURE_TTL
from tests.test_serve_pool import SLOW, children

# run_forked forks only a process with one thread, and pytest's has others (servers, RocksDB): these checks
# run in a fresh interpreter (see _in_fresh_python), where they fork as kg does


def _in_fresh_python(check: str) -> None:
    run = subprocess.run([sys.executable, "-c", f"from tests.test_processes import {check}; {check}()"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def _value_and_error() -> None:
    assert run_forked(os.getpid) != os.getpid()  # forked indeed
    assert run_forked(lambda: {"行": ["甲区", 3]}) == {"行": ["甲区", 3]}
    with pytest.raises(QueryError) as raised:
        run_forked(lambda: (_ for _ in ()).throw(QueryError("不是查询")))
    assert str(raised.value) == "不是查询" and "raised in the process of its own" in raised.value.__notes__[0]


def test_the_value_and_the_error_come_back():
    _in_fresh_python("_value_and_error")


def _error_that_does_not_unpickle() -> None:
    class TwoArguments(Exception):
        def __init__(self, first, second):  # pickles, but does not unpickle: __reduce__ gives one argument
            super().__init__(f"{first} and {second}")

    TwoArguments.__qualname__ = "TwoArguments"  # found by pickle as tests.test_processes.TwoArguments
    globals()["TwoArguments"] = TwoArguments

    def fail():
        raise TwoArguments("甲", "乙")

    with pytest.raises(RuntimeError) as raised:
        run_forked(fail)
    assert str(raised.value) == "TwoArguments: 甲 and 乙"


def test_an_error_that_does_not_unpickle_comes_back_as_its_text():
    _in_fresh_python("_error_that_does_not_unpickle")


def _abort() -> None:
    def panic():
        os.write(2, b"thread '<unnamed>' panicked at sort.rs:1:1:\nthe comparison is not a total order\n")
        os.abort()

    with pytest.raises(WorkerDied, match=r"\(killed by SIGABRT\)$") as raised:
        run_forked(panic)
    assert raised.value.signal == signal.SIGABRT
    assert raised.value.stderr.splitlines()[1] == "the comparison is not a total order"


def test_a_process_that_aborts_is_reported_with_what_it_wrote():
    _in_fresh_python("_abort")


def test_a_process_with_other_threads_is_not_forked():
    started = threading.Event()
    thread = threading.Thread(target=started.wait, daemon=True)
    thread.start()
    try:
        assert run_forked(os.getpid) == os.getpid()  # run here: a fork could hang on a lock another thread holds
    finally:
        started.set()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from rdflib import Graph

    folder = tmp_path_factory.mktemp("store")
    write_store(Graph().parse(data=FIXTURE_TTL, format="turtle"), folder)
    return folder


def _query_children(pid: int, wait: float = 0) -> set[int]:
    """The children of ``pid``, waiting up to ``wait`` seconds for there to be one."""
    until = time.monotonic() + wait
    while not (found := children(pid)) and time.monotonic() < until:
        time.sleep(0.1)
    return found


def test_a_background_job_that_ignores_ctrl_c_still_ignores_it(store):
    # a shell starts `kg query … &` with SIGINT ignored, so that Ctrl-C at the terminal leaves it running
    proc = subprocess.Popen([sys.executable, "-m", "kg", "query", SLOW, "--store", str(store)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        assert _query_children(proc.pid, wait=30)
        time.sleep(1)  # sorting
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(1)
        assert proc.poll() is None and _query_children(proc.pid), "Ctrl-C stopped a job that ignores it"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_a_query_process_ended_from_outside_is_one_line(store):
    proc = subprocess.Popen([sys.executable, "-m", "kg", "query", SLOW, "--store", str(store)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        (child,) = _query_children(proc.pid, wait=30)
        time.sleep(1)  # sorting
        os.kill(child, signal.SIGTERM)
        assert proc.wait(timeout=30) == 1
    finally:
        proc.kill()
    assert proc.stderr.read() == "kg: error: the query's process ended without answering (killed by SIGTERM)\n"
