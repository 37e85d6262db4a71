"""Fuzzing the command line: random bytes (and random text) as articles, graph files, gold files and
queries. Whatever the input, ``kg`` answers with an exit code from the documented table, at most one
line on stderr per problem, and never a traceback.

``kg.cli.main`` runs in-process; hypothesis keeps the examples few (25 per command) and the inputs small.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.cli import main
from kg.errors import EXIT_CODES
from tests.data import SEED

SETTINGS = settings(max_examples=25, deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

WORDS = "萍乡经济技术开发区高新园引进企业有限公司家个项亿万元%，。、“”《》\n 0123456789一二十百该区获评国家级省示范基地平台<>&\"'{}@:#"
TEXT = st.text(alphabet=st.sampled_from(list(WORDS)) | st.characters(), max_size=400)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"])
# random bytes, random text in an encoding we read, and random text with a few random bytes in it
CONTENT = st.one_of(
    st.binary(max_size=2000),
    # a lone surrogate passes through the UTF codecs; GB18030 has no way to write one
    st.tuples(TEXT, ENCODINGS).map(lambda t: t[0].encode(t[1], "surrogatepass" if t[1].startswith("utf") else "replace")),
    st.tuples(TEXT, st.binary(max_size=8), st.integers(0, 400)).map(
        lambda t: t[0].encode("utf-8", "surrogatepass")[:t[2]] + t[1] + t[0].encode("utf-8", "surrogatepass")[t[2]:]),
)


def run(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def check(code: int, stderr: str, *, codes: set[int], lines: int = 1) -> None:
    assert code in EXIT_CODES and code in codes, (code, stderr)
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    got = stderr.strip().splitlines()
    assert len(got) <= lines, stderr
    assert all(line.startswith("kg: ") for line in got), stderr


@pytest.fixture(scope="module")
def graph(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fuzz")
    code, _, stderr = run("build", SEED, "-o", out)
    assert code == 0, stderr
    return out / "graph.ttl"


@SETTINGS
@given(content=CONTENT, suffix=st.sampled_from([".txt", ".md", ".html"]))
def test_build_one_random_file(content, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(content)
        code, _, stderr = run("build", path, "-o", Path(folder) / "out")
    # built (a warning line when the graph breaks a shape), or refused with one line
    check(code, stderr, codes={0, 2})


@SETTINGS
@given(contents=st.lists(CONTENT, min_size=2, max_size=3))
def test_build_a_folder_of_random_files(contents):
    with tempfile.TemporaryDirectory() as folder:
        articles = Path(folder) / "articles"
        articles.mkdir()
        (articles / "good.txt").write_text("萍乡经济技术开发区引进京东集团。该区拥有规模以上工业企业143家。", encoding="utf-8")
        for i, content in enumerate(contents):
            (articles / f"{i}.txt").write_bytes(content)
        code, stdout, stderr = run("build", articles, "-o", Path(folder) / "out")
        assert (Path(folder) / "out" / "report.json").exists()
    # one line per skipped file, a closing warning, and perhaps one about the shapes
    check(code, stderr, codes={0, 7}, lines=len(contents) + 2)
    assert "built " in stdout


@SETTINGS
@given(content=CONTENT, suffix=st.sampled_from([".ttl", ".nt", ".nq", ".trig", ".jsonld", ".rdf", ".xml"]),
       command=st.sampled_from(["validate", "view", "query"]))
def test_random_graph_files(content, suffix, command):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"graph{suffix}"
        path.write_bytes(content)
        args = {"validate": ["validate", path], "view": ["view", path, "-o", Path(folder) / "v.html"],
                "query": ["query", "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "--data", path]}[command]
        code, _, stderr = run(*args)
    check(code, stderr, codes={0, 1, 2})


@SETTINGS
@given(content=CONTENT)
def test_random_gold_files(graph, content):
    with tempfile.TemporaryDirectory() as folder:
        gold = Path(folder) / "gold.json"
        gold.write_bytes(content)
        code, _, stderr = run("eval", "--graph", graph, "--gold", gold)
    check(code, stderr, codes={0, 2})


def _utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@SETTINGS
@given(content=CONTENT | st.text(alphabet=st.sampled_from(list("SELECT*WHERE{?s?p?o}.<>:;\"'#ASKCONSTRUCT\n ")),
                                   max_size=200).map(str.encode))
def test_random_queries(graph, content):
    with tempfile.TemporaryDirectory() as folder:
        rq = Path(folder) / "query.rq"
        rq.write_bytes(content)
        code, _, stderr = run("query", "-f", rq, "--data", graph, "--format", "csv")
    check(code, stderr, codes={0, 2, 4} if not _utf8(content) else {0, 4})  # not UTF-8: bad input, as a file
