"""Work beside the main process: ``kg.parallel.aside`` and the outputs a build writes with it."""

from __future__ import annotations

import importlib
import os
import signal

import pytest

from kg.builder import build, write_outputs
from kg.errors import GraphFileError
from kg.parallel import aside
from tests.corpus_sources import CORPUS

build_module = importlib.import_module("kg.builder")


def _pid_and(text: str) -> tuple[int, str]:
    return os.getpid(), "".join(sorted(text))


def _fails(text: str) -> None:
    raise GraphFileError(f"{text}: not a graph")


def _dies(text: str) -> tuple[int, str]:
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid(), text


PARENT = os.getpid()


def test_the_value_is_made_in_another_process_while_this_one_goes_on():
    with aside(_pid_and, "萍乡经开区") as value:
        here = _pid_and("高新区")
        pid, text = value()
        assert value() == (pid, text)  # asked twice, made once
    assert text == "乡区开经萍" and pid != os.getpid() and here[0] == os.getpid()


def test_without_fork_the_value_is_made_here_when_asked_for():
    with aside(_pid_and, "萍乡经开区", fork=False) as value:
        assert value() == (os.getpid(), "乡区开经萍")


def test_an_error_in_the_copy_is_raised_where_the_value_is_asked_for():
    with aside(_fails, "a.ttl") as value, pytest.raises(GraphFileError, match="a.ttl: not a graph"):
        value()


def test_a_copy_that_dies_is_replaced_by_doing_the_work_here():
    with aside(_dies, "经开区") as value:
        assert value() == (os.getpid(), "经开区")


def test_a_build_writes_the_same_files_with_and_without_the_copy(tmp_path, monkeypatch):
    result = build([CORPUS], validate=False)
    monkeypatch.setattr(build_module, "ASIDE_BYTES", 10**12)
    inline = write_outputs(result, tmp_path / "inline", formats=["ttl", "nt", "csv"])
    monkeypatch.setattr(build_module, "ASIDE_BYTES", 0)
    forked = write_outputs(result, tmp_path / "forked", formats=["ttl", "nt", "csv"])
    assert sorted(inline) == sorted(forked) and "graph.ttl" in forked
    for name in inline:
        if name != "report.json":
            assert inline[name].read_bytes() == forked[name].read_bytes(), name


def test_ctrl_c_during_extraction_stops_kg_build_and_its_workers(tmp_path):
    """SIGINT while two workers extract 2,000 articles: kg build stops at once with exit code 130, no process
    left behind and no output written."""
    import shutil
    import subprocess
    import sys
    import time

    from tests.data import SEED

    for i in range(2000):
        shutil.copy(SEED, tmp_path / f"a{i:04d}.txt")
    build = subprocess.Popen([sys.executable, "-m", "kg", "build", str(tmp_path), "-o", str(tmp_path / "out"),
                              "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=_as_from_a_terminal)
    time.sleep(6)  # loading the dictionaries, then extracting
    assert build.poll() is None, build.communicate()
    build.send_signal(signal.SIGINT)
    try:
        out, err = build.communicate(timeout=30)
    finally:
        build.kill()
    # without _as_from_a_terminal, a suite started in the background of a shell without job control (where
    # SIGINT is ignored, and kg inherits that) saw kg build run to the end and exit 0
    assert build.returncode == 130 and "interrupted" in err, (build.returncode, err[-2000:], out[-500:])
    left = _processes_of(tmp_path)
    assert left == []
    assert not (tmp_path / "out" / "graph.ttl").exists()


def _slow(i: int) -> int:
    import time

    time.sleep(0.25)
    return i


def test_leaving_an_engine_on_an_exception_does_not_wait_for_the_queued_jobs():
    import time

    from kg.parallel import LocalEngine

    with pytest.raises(KeyboardInterrupt), LocalEngine(2) as engine:
        results = engine.map(_slow, [(i,) for i in range(80)])  # 20 s of work: two tasks of 16 jobs, then 48 more
        next(results)
        interrupted = time.perf_counter()
        raise KeyboardInterrupt  # as Ctrl-C in the progress bar would, outside the engine's own code
    assert time.perf_counter() - interrupted < 3  # finishing the queue would take 8 s


def _as_from_a_terminal() -> None:
    """In the child, before kg starts: SIGINT handled and not blocked, whatever the test runner's state (a
    background job of a shell without job control ignores SIGINT, and so would kg)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])


_STOP_WHILE_SENDING = """
import random, sys, time
from kg.parallel import LocalEngine

def pages(i):
    return [bytes([i % 251]) * 200_000 for _ in range(8)]  # 1.6 MB: sent in many writes, as a chunk of articles is

if __name__ == "__main__":
    rng, worst = random.Random(3), 0.0
    for _ in range(40):
        try:
            with LocalEngine(2) as engine:
                results = engine.map(pages, [(i,) for i in range(400)])
                for _ in range(rng.randrange(1, 40)):
                    assert len(next(results)) == 8
                started = time.perf_counter()
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            worst = max(worst, time.perf_counter() - started)
    print(f"{worst:.3f}")
"""


def test_stopping_workers_while_they_send_large_results_never_hangs(tmp_path):
    """Leaving a map early, 40 times, while both workers are in the middle of sending 25 MB answers: every
    stop returns at once. (With multiprocessing.Pool this hung within a few rounds: terminate() waited for
    its result thread, which waited for the rest of a message from a worker it had killed, as a kg build
    once did after Ctrl-C.) The rounds run in a process of their own, so that a hang is a failure."""
    import subprocess
    import sys

    script = tmp_path / "stop_while_sending.py"
    script.write_text(_STOP_WHILE_SENDING, encoding="utf-8")
    run = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    try:
        out, err = run.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)  # the script and its workers
        run.communicate()
        pytest.fail("stopping the workers hung")
    assert run.returncode == 0, err[-2000:]
    assert float(out) < 5


def _pages(i: int) -> list[bytes]:
    return [bytes([i % 251]) * 200_000 for _ in range(8)]


def test_leaving_an_engine_with_answers_unread_does_not_wait_for_them():
    """A map left after one answer, the engine then closed normally: the workers, blocked sending 25 MB
    nobody reads, are stopped instead of waited for."""
    import threading

    from kg.parallel import LocalEngine

    def leave_early() -> None:
        with LocalEngine(2) as engine:
            results = engine.map(_pages, [(i,) for i in range(200)])
            assert len(next(results)) == 8

    leaving = threading.Thread(target=leave_early, daemon=True)
    leaving.start()
    leaving.join(30)
    assert not leaving.is_alive()


def _killed_on_the_third(i: int) -> int:
    if i == 2:
        os.kill(os.getpid(), signal.SIGKILL)  # as the system's out-of-memory killer would
    return i


def test_a_worker_killed_by_the_system_is_an_error_not_a_wait():
    from kg.errors import WorkerDied
    from kg.parallel import LocalEngine

    with pytest.raises(WorkerDied, match="killed by SIGKILL"), LocalEngine(2) as engine:
        list(engine.map(_killed_on_the_third, [(i,) for i in range(100)]))


def _no_graph_in(i: int) -> int:
    if i == 37:
        raise GraphFileError(f"第{i}号文件: not a graph")
    return i


def test_an_exception_in_a_worker_is_raised_here_and_the_workers_stop():
    from kg.parallel import LocalEngine

    with pytest.raises(GraphFileError, match="第37号文件"), LocalEngine(2) as engine:
        workers = engine._start()._workers
        list(engine.map(_no_graph_in, [(i,) for i in range(200)]))
    assert workers and all(not worker.is_alive() for worker, _ in workers)


def test_the_workers_of_a_killed_kg_build_leave_with_it(tmp_path):
    """kill -9 of kg build (no chance to stop its workers): they notice the closed pipe and leave."""
    import shutil
    import subprocess
    import sys
    import time

    from tests.data import SEED

    for i in range(600):
        shutil.copy(SEED, tmp_path / f"a{i:04d}.txt")
    build = subprocess.Popen([sys.executable, "-m", "kg", "build", str(tmp_path), "-o", str(tmp_path / "out"),
                              "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len(_processes_of(tmp_path)) < 3 and time.monotonic() < deadline:  # kg and its two workers
        time.sleep(0.1)
    assert len(_processes_of(tmp_path)) == 3
    build.kill()
    build.wait()
    deadline = time.monotonic() + 20
    while _processes_of(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_of(tmp_path) == []


def _processes_of(folder) -> list[str]:
    import subprocess

    return subprocess.run(["pgrep", "-f", str(folder)], capture_output=True, text=True).stdout.split()


def test_facts_of_one_sentence_share_one_evidence_record_when_sent_back():
    """What a worker sends back names each evidence sentence once: every fact from a sentence holds the same
    record, and the copy the parent unpickles does too."""
    import pickle

    from kg.parallel import extract_file
    from tests.data import SEED

    doc = pickle.loads(pickle.dumps(extract_file(0, str(SEED)))).documents[0]
    records = [ev for e in doc.entities for ev in e.evidence]
    records += [r.evidence for r in doc.relations] + [i.evidence for i in doc.indicators]
    by_span: dict[tuple[int, int], set[int]] = {}
    for ev in records:
        by_span.setdefault((ev.start, ev.end), set()).add(id(ev))
    assert len(records) > 2 * len(by_span) > 20  # facts share sentences …
    assert all(len(ids) == 1 for ids in by_span.values())  # … and each sentence is one record
    assert any("萍乡经济技术开发区" in ev.text for ev in records)
