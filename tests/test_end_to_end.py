"""The seed article through the whole pipeline, and the command line as a user meets it."""

import json
import shutil
import subprocess
import sys

import pytest
from rdflib import Graph

from tests.data import KG_SCORE, SEED, SEED_GOLD, kg_cli


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    run = kg_cli("build", SEED, "-o", out)
    assert run.returncode == 0, run.stderr
    return out


def test_build_writes_the_graph_page_report_and_merge_report(built):
    assert sorted(p.name for p in built.iterdir()) == ["graph.html", "graph.ttl", "merges.csv", "report.json"]
    report = json.loads((built / "report.json").read_text(encoding="utf-8"))
    assert report["documents"][0]["source"] == "pingxiang-2024.txt"
    assert report["entities_by_class"]["Enterprise"] >= 8
    assert report["indicators"] >= 30


def test_turtle_parses_to_the_same_triples_with_rdflib_and_oxigraph(built):
    pyoxigraph = pytest.importorskip("pyoxigraph")
    data = (built / "graph.ttl").read_bytes()
    g = Graph().parse(data=data, format="turtle")
    ox = list(pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(g) == len(ox) > 500


def test_two_builds_are_byte_identical(built, tmp_path):
    run = kg_cli("build", SEED, "-o", tmp_path)
    assert run.returncode == 0
    for name in ("graph.ttl", "graph.html"):
        assert (tmp_path / name).read_bytes() == (built / name).read_bytes()


def test_query_lists_enterprises_with_labels(built):
    run = kg_cli("query", "SELECT ?name WHERE { ?e a zkg:Enterprise ; rdfs:label ?name } ORDER BY ?name",
                 "--data", built / "graph.ttl", "--format", "csv")
    assert run.returncode == 0, run.stderr
    names = run.stdout.splitlines()[1:]
    assert "京东集团" in names and "江西鑫通机械制造有限公司" in names


def test_query_table_is_aligned_for_chinese(built):
    run = kg_cli("query", "SELECT ?name ?cls WHERE { ?e a ?cls ; rdfs:label ?name } LIMIT 5", "--data",
                 built / "graph.ttl")
    lines = run.stdout.splitlines()
    col = lines[1].index(" ") + 2  # where the second column starts
    from kg.query import _width

    for line in lines[2:]:
        name = line.split("  ")[0]
        assert _width(name) <= col


def test_eval_agrees_with_the_independent_scorer(built):
    ours = kg_cli("eval", "--graph", built / "graph.ttl", "--gold", SEED_GOLD)
    assert ours.returncode == 0, ours.stderr
    if not KG_SCORE.exists():
        pytest.skip("../shared/tools/kg-score is not here")
    theirs = subprocess.run([sys.executable, str(KG_SCORE), str(built / "graph.ttl"), str(SEED_GOLD)],
                            capture_output=True, text=True, timeout=120)
    assert ours.stdout.split() == theirs.stdout.split()
    on_inputs = kg_cli("eval", SEED, "--gold", SEED_GOLD)
    assert on_inputs.stdout == ours.stdout


def test_view_renders_any_graph_file(built, tmp_path):
    page = tmp_path / "page.html"
    run = kg_cli("view", built / "graph.ttl", "-o", page)
    assert run.returncode == 0, run.stderr
    html = page.read_text(encoding="utf-8")
    assert "萍乡经济技术开发区" in html and "vis.Network" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "missing.txt"], "no such file"),
        (["query", "SELECT ?x WHERE { ?x ?y }", "--data", "GRAPH"], "syntax error at line 1"),
        (["query", "SELECT * WHERE { ?s ?p ?o }", "--data", "missing.ttl"], "no such graph file"),
        (["eval", "--graph", "GRAPH", "--gold", "bad.json"], "not valid JSON"),
    ],
)
def test_bad_input_gives_one_line_and_nonzero_exit(built, tmp_path, args, message):
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    args = [str(built / "graph.ttl") if a == "GRAPH" else a for a in args]
    run = kg_cli(*args, cwd=tmp_path)
    assert run.returncode != 0
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\xff" * 100])
def test_empty_or_binary_input_leaves_earlier_outputs_intact(built, tmp_path, content):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    run = kg_cli("build", bad, "-o", out)
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1 and "bad.txt" in run.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_folder_without_articles(tmp_path):
    run = kg_cli("build", tmp_path, "-o", tmp_path / "out")
    assert run.returncode == 2 and "no articles" in run.stderr
    assert not (tmp_path / "out").exists()


def test_every_command_has_help():
    for command in ("build", "query", "view", "eval"):
        run = kg_cli(command, "--help")
        assert run.returncode == 0 and "usage: kg " + command in run.stdout


def test_on_a_terminal_kg_build_shows_the_files_and_then_each_long_step(tmp_path):
    """stderr a terminal (a pseudo-terminal here): the progress bar over the files, then a line for each
    step after extraction, so a corpus build never sits silent; piped, none of it (tested elsewhere)."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import termios

    from tests.corpus_sources import CORPUS

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal 120 columns wide
    run = subprocess.Popen([sys.executable, "-m", "kg", "build", str(CORPUS), "-o", str(tmp_path)],
                           stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other end is closed
            break
        if not chunk:
            break
        seen += chunk
    run.wait(timeout=300)
    os.close(master)
    err = seen.decode("utf-8", "replace")
    assert run.returncode == 0, err
    assert "32/32" in err  # the bar
    steps = [line.strip() for line in err.replace("\r", "\n").splitlines() if line.strip().startswith("kg: ")]
    assert steps[0] == "kg: merging the entities of 32 files and making the graph …", steps
    assert steps[1].startswith("kg: checking ") and steps[1].endswith(" triples against the shapes …")
    assert steps[2] == f"kg: writing ttl, the view and the report into {tmp_path} …"
