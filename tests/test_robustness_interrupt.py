"""Nothing is lost: a build interrupted (Ctrl-C, SIGTERM) or killed (SIGKILL) leaves the earlier outputs
byte for byte and the store as it was, and the next build succeeds.

Builds run as subprocesses of ``python -m kg``; a corpus of a few copies of the seed article (numbers varied,
so each copy is a document of its own) makes a build last a few seconds.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg.errors import EXIT_INTERRUPTED, EXIT_TERMINATED
from tests.data import SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")


def corpus(folder: Path, n: int, shift: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        text = re.sub(r"\d+", lambda m, i=i: str(int(m.group()) + i + shift), SEED_TEXT)
        (folder / f"{i:02d}.txt").write_text(text, encoding="utf-8")
    return folder


def start_build(inputs: Path, out: Path, store: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kg", "build", str(inputs), "-o", str(out), "--store", str(store),
                             "--formats", "ttl,nq,csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def store_content(store: Path) -> tuple[int, list[str]]:
    """Quads and named graphs of a store, read in a separate process (as another reader would)."""
    code = ("import pyoxigraph, sys\ns = pyoxigraph.Store.read_only(sys.argv[1])\n"
            "print(len(s)); print(*sorted(g.value for g in s.named_graphs()), sep='\\n')")
    run = subprocess.run([sys.executable, "-c", code, str(store)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    count, *graphs = run.stdout.split()
    return int(count), graphs


def temporaries(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.endswith(".tmp"))


@dataclass
class Earlier:
    """A first build of corpus A (its outputs, their bytes, the store's content), and corpus B to build next:
    the outputs of B built alone, and how long that build took (interruptions come at a fraction of it)."""

    base: Path
    before: dict[str, bytes]
    store_before: tuple[int, list[str]]
    b: Path
    after: dict[str, bytes]
    seconds: float


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> Earlier:
    base = tmp_path_factory.mktemp("earlier")
    a, b = corpus(base / "a", 3, 0), corpus(base / "b", 10, 1000)
    proc = start_build(a, base / "out", base / "store")
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    started = time.monotonic()
    reference = start_build(b, base / "reference", base / "reference-store")
    _, stderr = reference.communicate(timeout=300)
    assert reference.returncode == 0, stderr
    return Earlier(base, snapshot(base / "out"), store_content(base / "store"), b, snapshot(base / "reference"),
                   time.monotonic() - started)


@pytest.fixture()
def workspace(earlier, tmp_path) -> tuple[Path, Path, Path]:
    shutil.copytree(earlier.base / "out", tmp_path / "out")
    shutil.copytree(earlier.base / "store", tmp_path / "store")
    return tmp_path / "out", tmp_path / "store", earlier.b


def wait_until_running(proc: subprocess.Popen, out: Path, seconds: float) -> None:
    """Let the build get past its start, into extraction or validation (it writes nothing before the end)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the build ended before it could be interrupted"
        assert not temporaries(out), "the build was already writing"
        time.sleep(0.05)


def test_killed_mid_build_leaves_outputs_and_store_intact_and_the_next_build_succeeds(earlier, workspace):
    before, store_before = earlier.before, earlier.store_before
    out, store, b = workspace
    proc = start_build(b, out, store)
    wait_until_running(proc, out, 0.45 * earlier.seconds)
    proc.kill()
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(out) == before
    assert store_content(store) == store_before
    again = start_build(b, out, store)
    stdout, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr
    assert "built 10 document(s)" in stdout
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["documents"][9]["source"] == "09.txt"
    count, graphs = store_content(store)
    assert count > store_before[0] and set(store_before[1]) <= set(graphs)


@pytest.mark.parametrize(("signum", "code", "message"), [
    (signal.SIGINT, EXIT_INTERRUPTED, "kg: interrupted; earlier outputs are left as they were"),
    (signal.SIGTERM, EXIT_TERMINATED, "kg: stopped (SIGTERM); earlier outputs are left as they were"),
], ids=["ctrl-c", "sigterm"])
def test_interrupted_build_says_so_and_leaves_everything_as_it_was(earlier, workspace, signum, code, message):
    before, store_before = earlier.before, earlier.store_before
    out, store, b = workspace
    proc = start_build(b, out, store)
    wait_until_running(proc, out, 0.45 * earlier.seconds)
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert stderr.strip().splitlines() == [message]
    assert snapshot(out) == before
    assert store_content(store) == store_before


def test_killed_while_writing_leaves_each_file_whole_and_the_next_build_cleans_up(earlier, workspace, tmp_path):
    """SIGKILL the moment a temporary file appears: every output is the old file (or, had the renames begun,
    the complete new one), never a mixture; the next build succeeds and removes the dead writer's files."""
    before, store_before, after = earlier.before, earlier.store_before, earlier.after
    out, store, b = workspace
    for _attempt in range(3):
        proc = start_build(b, out, store)
        while proc.poll() is None and not temporaries(out):
            time.sleep(0.0005)
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
            break
        shutil.rmtree(out)  # finished before we saw it writing: start again from the earlier outputs
        shutil.copytree(earlier.base / "out", out)
    else:
        pytest.skip("never caught the build while it was writing")
    left = temporaries(out)
    assert left, "a killed writer leaves its temporary files"
    now = {name: data for name, data in snapshot(out).items() if not name.endswith(".tmp")}
    assert sorted(now) == sorted(before)
    for name, data in now.items():
        if name == "report.json":
            assert json.loads(data)["documents"] in (json.loads(before[name])["documents"],
                                                      json.loads(after[name])["documents"])
        else:
            assert data in (before[name], after[name]), f"{name} is neither the old file nor the new one"
    assert sum(now[n] == before[n] for n in now) >= 1
    assert store_content(store) == store_before  # the store is written after the files
    again = start_build(b, out, store)
    _, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr
    assert temporaries(out) == []
    assert {n: d for n, d in snapshot(out).items() if n != "report.json"} == {
        n: d for n, d in after.items() if n != "report.json"}


WRITER = """
import sys, time
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF
from kg.rdf import new_graph
from kg.store import write_store
from kg.vocab import ZKG, ZKGR

tag, docs, per_doc = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
g = new_graph()
for d in range(docs):
    doc = URIRef(f"{ZKGR}document/{tag}{d:04d}")
    g.add((doc, RDF.type, ZKG.Document))
    for i in range(per_doc):
        ev = URIRef(f"{ZKGR}evidence/{tag}{d:04d}-{i}-{i + 1}")
        g.add((ev, RDF.type, ZKG.Evidence))
        g.add((ev, PROV.wasDerivedFrom, doc))
        g.add((ev, ZKG.text, Literal(f"第{i}句：萍乡经开区引进企业{i}家。", lang="zh")))
import kg.store


class Announced:
    # the store, saying when its one update (the transaction) starts and how long it took

    def __init__(self, store):
        self.store = store

    def update(self, text):
        print("updating", flush=True)
        started = time.monotonic()
        self.store.update(text)
        print(f"done {time.monotonic() - started:.3f}", flush=True)

    def __getattr__(self, name):
        return getattr(self.store, name)


opened = kg.store.open_for_writing
kg.store.open_for_writing = lambda path: Announced(opened(path))
write_store(g, sys.argv[1])
"""


def test_store_write_killed_mid_transaction_leaves_the_store_as_it_was(tmp_path):
    store = tmp_path / "store"
    first = subprocess.run([sys.executable, "-c", WRITER, str(store), "old", "5", "100"], capture_output=True,
                           text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    old = store_content(store)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(store), "new", "20", "600"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "updating"
    time.sleep(0.3)
    proc.kill()
    rest, _ = proc.communicate(timeout=30)
    assert "done" not in rest, "the update finished before the kill: make the graph bigger"
    assert store_content(store) == old  # not part of the new graphs: none of them
    again = subprocess.run([sys.executable, "-c", WRITER, str(store), "new", "20", "600"], capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert float(again.stdout.split()[-1]) > 0.6  # the update the kill interrupted took this long
    count, graphs = store_content(store)
    assert count == old[0] + 20 * (1 + 3 * 600) and len(graphs) == len(old[1]) + 20
