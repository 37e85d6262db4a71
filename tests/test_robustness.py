"""Bad input gets one clear line naming the file and the problem, and a documented exit code.

Every item of issue 7, point 1, for the commands that meet it. ``kg.cli.main`` runs in-process (the
end-to-end tests run it as a subprocess); ``--verbose`` adds the detail and ``--debug`` the traceback.

The tests run as root, where ``chmod 000`` does not stop a read: an unreadable file is simulated with a
link to ``/proc/self/mem`` (reading it fails with EIO even for root), a broken link, a pipe, a folder where
a file is expected and a file removed between listing and reading; the ``chmod`` test runs only as a user.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

import kg
from kg.builder import build
from kg.cli import main
from kg.errors import EXIT_CODES, EXIT_SKIPPED, InputError, NothingBuiltError
from kg.ingest import open_article, read_document, split_text
from tests.data import ROOT, SEED

TEXT = SEED.read_text(encoding="utf-8")
SHORT = "萍乡经济技术开发区引进京东集团、博大新材等企业项目。该区拥有规模以上工业企业143家。\n"


def run(*args: object) -> tuple[int, str, str]:
    """``kg ARGS`` in-process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    return lines[0]


@pytest.fixture()
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.txt"
    path.write_text(SHORT, encoding="utf-8")
    return path


def build_with(tmp_path: Path, good: Path, bad: Path, *extra: object) -> tuple[int, str, str, dict]:
    """Build a good article and a bad input together; the report as written."""
    out = tmp_path / "out"
    code, stdout, stderr = run("build", good, bad, "-o", out, *extra)
    report = json.loads((out / "report.json").read_text(encoding="utf-8")) if (out / "report.json").exists() else {}
    return code, stdout, stderr, report


def assert_skipped(tmp_path: Path, good: Path, bad: Path, reason: str) -> None:
    """In a build with a good article, ``bad`` is named with ``reason``, skipped, and the rest is built (exit 7);
    alone, it is the one error line (exit 2)."""
    code, stdout, stderr, report = build_with(tmp_path, good, bad)
    assert code == EXIT_SKIPPED, stderr
    lines = stderr.strip().splitlines()
    assert lines[0] == f"kg: warning: skipped {bad}: {reason}"
    assert lines[-1].startswith("kg: warning: 1 input(s) skipped") and len(lines) == 2
    assert report["skipped"][0]["path"] == str(bad) and report["skipped"][0]["reason"] == reason
    assert [d["source"] for d in report["documents"]] == [good.name]
    assert "built 1 document(s)" in stdout
    code, _, stderr = run("build", bad, "-o", tmp_path / "alone")
    assert code == 2
    assert one_line(stderr) == f"kg: error: {bad}: {reason}"
    assert not (tmp_path / "alone").exists()


# ---------------------------------------------------------------- inputs of kg build


def test_missing_path(tmp_path, good):
    assert_skipped(tmp_path, good, tmp_path / "missing.txt", "no such file or folder")


def test_empty_file(tmp_path, good):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    assert_skipped(tmp_path, good, bad, "empty file")
    bad.write_text(" \n\u3000\n\t", encoding="utf-8")
    assert_skipped(tmp_path, good, bad, "empty file")


def test_binary_file(tmp_path, good):
    bad = tmp_path / "photo.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert_skipped(tmp_path, good, bad, "binary file, not an article")


def test_unknown_encoding(tmp_path, good):
    bad = tmp_path / "latin.txt"
    bad.write_bytes("萍乡".encode("gb18030") + b"\x81\x30\x81" * 3 + b"\xff\xff")
    assert_skipped(tmp_path, good, bad, "unknown text encoding (not UTF-8, UTF-16 or GB18030)")


def test_broken_utf16_is_an_encoding_error(tmp_path, good):
    bad = tmp_path / "utf16.txt"
    bad.write_bytes(b"\xff\xfe" + "萍乡".encode("utf-16-le") + b"\x00\xd8")  # a lone high surrogate
    assert_skipped(tmp_path, good, bad, "not valid UTF-16, despite its byte-order mark")


def test_no_chinese_text(tmp_path, good):
    bad = tmp_path / "english.txt"
    bad.write_text("The development zone attracted 143 companies.\n", encoding="utf-8")
    assert_skipped(tmp_path, good, bad, "no Chinese text, not an article kg can read")


def test_unreadable_file_simulated_with_an_io_error(tmp_path, good):
    bad = tmp_path / "unreadable.txt"
    bad.symlink_to("/proc/self/mem")  # a regular file whose read fails (EIO), even for root
    assert_skipped(tmp_path, good, bad, "cannot read (Input/output error)")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_unreadable_file_by_mode(tmp_path, good):
    bad = tmp_path / "secret.txt"
    bad.write_text(SHORT, encoding="utf-8")
    bad.chmod(0)
    assert_skipped(tmp_path, good, bad, "cannot read (Permission denied)")


def test_broken_link(tmp_path, good):
    bad = tmp_path / "gone.txt"
    bad.symlink_to(tmp_path / "nowhere.txt")
    assert_skipped(tmp_path, good, bad, f"broken link (to {tmp_path / 'nowhere.txt'}, which does not exist)")


def test_a_pipe_is_not_read(tmp_path, good):
    bad = tmp_path / "pipe.txt"
    os.mkfifo(bad)  # reading it would block for ever
    assert_skipped(tmp_path, good, bad, "not a regular file (a pipe, socket or device)")


def test_folder_without_articles(tmp_path, good):
    bad = tmp_path / "notes.txt"  # a folder, named like a file
    bad.mkdir()
    assert_skipped(tmp_path, good, bad, "no articles (.txt, .md, .html, .htm, .docx, .pdf files) in this folder")


def test_bad_files_inside_a_folder_are_named_and_skipped(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text(SHORT, encoding="utf-8")
    (folder / "b.txt").write_bytes(b"")
    (folder / "c.md").write_bytes(bytes(range(256)))
    (folder / "d.txt").symlink_to(tmp_path / "nowhere")
    (folder / "image.png").write_bytes(bytes(range(256)))  # not an article ending: not looked at
    code, _, stderr = run("build", folder, "-o", tmp_path / "out")
    assert code == EXIT_SKIPPED
    assert stderr.splitlines() == [
        f"kg: warning: skipped {folder / 'd.txt'}: broken link (to {tmp_path / 'nowhere'}, which does not exist)",
        f"kg: warning: skipped {folder / 'b.txt'}: empty file",
        f"kg: warning: skipped {folder / 'c.md'}: binary file, not an article",
        f"kg: warning: 3 input(s) skipped, listed under \"skipped\" in {tmp_path / 'out' / 'report.json'}",
    ]
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert [s["path"] for s in report["skipped"]] == [str(folder / n) for n in ("d.txt", "b.txt", "c.md")]


def test_file_removed_between_listing_and_reading(tmp_path, good):
    later = tmp_path / "later.txt"
    later.write_text(SHORT.replace("143", "150"), encoding="utf-8")

    def remove_the_next(done: int, total: int, path: Path) -> None:
        later.unlink(missing_ok=True)  # after the first article is read, before the second

    result = build([good, later], progress=remove_the_next, validate=False)
    assert [d.source for d in result.documents] == ["good.txt"]
    assert [str(s) for s in result.skipped] == [f"{later}: no such file (removed since it was listed?)"]


def test_nothing_readable_lists_every_input_then_fails(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"")
    b.write_bytes(bytes(range(256)))
    code, _, stderr = run("build", a, b, tmp_path / "c.txt", "-o", tmp_path / "out")
    assert code == 2
    assert stderr.splitlines() == [f"kg: warning: skipped {tmp_path / 'c.txt'}: no such file or folder",
                                   f"kg: warning: skipped {a}: empty file",
                                   f"kg: warning: skipped {b}: binary file, not an article",
                                   "kg: error: nothing built: 3 input(s) skipped"]
    with pytest.raises(NothingBuiltError) as caught:
        build([a, b])
    assert [s.path for s in caught.value.skipped] == [str(a), str(b)]


def test_duplicates_are_built_once(tmp_path, good):
    copy = tmp_path / "copy-of-good.txt"
    copy.write_bytes(good.read_bytes())
    code, stdout, stderr = run("build", good, copy, "-o", tmp_path / "out")
    assert code == 0 and stderr == ""
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert len(report["documents"]) == 1 and report["skipped"] == []
    assert report["duplicates_skipped"] == [str(copy)]  # named files are read in the order given
    assert f"left out 1 duplicate(s), the same content as another input: {copy}" in stdout
    from rdflib import Graph
    from rdflib.namespace import RDF

    from kg.vocab import ZKG

    g = Graph().parse(tmp_path / "out" / "graph.ttl")
    assert len(set(g.subjects(RDF.type, ZKG.Document))) == 1


def test_verbose_adds_the_detail_and_debug_the_traceback(tmp_path, good):
    bad = tmp_path / "photo.txt"
    bad.write_bytes(bytes(range(256)) * 4)
    _, _, stderr, _ = build_with(tmp_path, good, bad, "--verbose")
    assert stderr.splitlines()[:2] == [f"kg: warning: skipped {bad}: binary file, not an article",
                                      "  NUL bytes in the first 1024 bytes"]
    code, _, stderr = run("--verbose", "build", bad, "-o", tmp_path / "o")
    assert code == 2 and stderr.splitlines() == [f"kg: error: {bad}: binary file, not an article",
                                                 "  NUL bytes in the first 1024 bytes"]
    code, _, stderr = run("build", bad, "-o", tmp_path / "o", "--debug")
    assert code == 2 and "Traceback (most recent call last)" in stderr and "kg.errors.InputError" in stderr
    assert stderr.strip().splitlines()[-1] == f"kg: error: {bad}: binary file, not an article"


def test_eval_with_a_bad_article_names_it(tmp_path, good):
    gold = ROOT / "data" / "gold" / "pingxiang-2024.json"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    code, _, stderr = run("eval", bad, "--gold", gold)
    assert code == 2 and one_line(stderr) == f"kg: error: {bad}: empty file"


# ---------------------------------------------------------------- large files


def test_a_large_file_is_read_in_bounded_memory(tmp_path):
    """12 MB read block by block: Python's peak allocation stays near one block and one part, not the file."""
    path = tmp_path / "big.txt"
    paragraph = (TEXT.replace("\n\n", "\n") + "\n\n").encode("utf-8")
    with open(path, "wb") as fh:
        for _ in range(12 * 2**20 // len(paragraph) + 1):
            fh.write(paragraph)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        article = open_article(path)
        chars = sum(len(raw.text) for raw in article.documents())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size > 12 * 2**20 and article.parts > 30
    assert chars == len(path.read_text(encoding="utf-8"))
    assert peak < 12 * 2**20, f"peak {peak / 2**20:.1f} MiB while reading a {size / 2**20:.1f} MiB file"


def test_a_long_text_is_built_in_parts_with_exact_offsets(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("\n\n".join([TEXT] * 3), encoding="gb18030")
    result = build([path], part_chars=2000)
    assert len(result.documents) > 3
    titles = [d["title"] for d in result.report["documents"]]
    n = len(titles)
    assert all(t.endswith(f"（第{i}部分，共{n}部分）") for i, t in enumerate(titles, 1))
    assert all(d["sentences"] > 0 and d["encoding"] == "gb18030" for d in result.report["documents"])
    texts = {d.sha256[:16]: d.text for d in result.documents}
    assert "".join(raw.text for raw in open_article(path, part_chars=2000).documents()) == read_document(path).text
    from rdflib.namespace import PROV

    from kg.vocab import ZKG

    checked = 0
    for ev in result.graph.subjects(ZKG.start, None):
        doc = str(result.graph.value(ev, PROV.wasDerivedFrom)).rsplit("/", 1)[1]
        start, end = int(result.graph.value(ev, ZKG.start)), int(result.graph.value(ev, ZKG.end))
        assert texts[doc][start:end] == str(result.graph.value(ev, ZKG.text))
        checked += 1
    assert checked > 50
    assert result.report["validation"]["conforms"]


def test_parts_are_cut_at_paragraphs_and_join_to_the_text():
    text = "".join(f"第{i}段，园区引进企业{i}家。\n\n" for i in range(200))
    parts = list(split_text([text[i:i + 7] for i in range(0, len(text), 7)], 100))
    assert "".join(parts) == text
    assert all(len(p) <= 100 and p.endswith("\n\n") for p in parts[:-1])


def test_a_large_web_page_is_refused(tmp_path, good, monkeypatch):
    monkeypatch.setattr("kg.ingest.MAX_PAGE_BYTES", 1000)
    bad = tmp_path / "page.html"
    bad.write_text("<html><body><p>" + "萍乡经开区。" * 200 + "</p></body></html>", encoding="utf-8")
    size = bad.stat().st_size
    assert_skipped(tmp_path, good, bad, f"web page too large ({size} bytes; at most 1000 bytes): save its text as a .txt file")


# ---------------------------------------------------------------- gold, SPARQL, graph files, store


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built")
    code, _, stderr = run("build", SEED, "-o", out, "--store", out / "store")
    assert code == 0, stderr
    return out / "graph.ttl"


@pytest.mark.parametrize(("content", "message"), [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "expected an object with lists 'entities', 'relations', 'indicators'"),
    (b'{"entities": 5}', "expected an object with lists 'entities', 'relations', 'indicators'"),
    (b"\x89PNG\x00\x01" * 20, "cannot read"),
    (b"", "not valid JSON"),
])
def test_malformed_gold_json(tmp_path, graph_file, content, message):
    gold = tmp_path / "gold.json"
    gold.write_bytes(content)
    code, _, stderr = run("eval", "--graph", graph_file, "--gold", gold)
    assert code == 2
    line = one_line(stderr)
    assert line.startswith(f"kg: error: {gold}: ") and message in line


def test_missing_gold(tmp_path, graph_file):
    code, _, stderr = run("eval", "--graph", graph_file, "--gold", tmp_path / "nothere.json")
    assert code == 2 and one_line(stderr) == f"kg: error: {tmp_path / 'nothere.json'}: no such gold file"


@pytest.mark.parametrize("where", ["--data", "--store"])
def test_malformed_sparql(tmp_path, graph_file, where):
    source = graph_file if where == "--data" else graph_file.parent / "store"
    code, _, stderr = run("query", "SELECT ?x WHERE { ?x ?y }", where, source)
    assert code == 4 and re.fullmatch(r"kg: error: SPARQL syntax error at line 1, column \d+: .+", one_line(stderr))
    rq = tmp_path / "question.rq"
    rq.write_text("SELECT ?x\nWHERE { ?x rdfs:label }\n", encoding="utf-8")
    code, _, stderr = run("query", "-f", rq, where, source)
    assert code == 4 and one_line(stderr).startswith(f"kg: error: {rq}: SPARQL syntax error at line 2")
    code, _, stderr = run("query", "-f", tmp_path / "missing.rq", where, source)
    assert code == 2 and one_line(stderr) == f"kg: error: {tmp_path / 'missing.rq'}: cannot read query (No such file or directory)"


BAD_GRAPHS = [
    ("bad.ttl", b"<a> <b> <c> . this is not turtle", "not a readable turtle graph (at line 1: Bad syntax"),
    ("photo.ttl", bytes(range(256)) * 4, "not a readable turtle graph"),
    ("empty.ttl", b"", "no RDF triples in this file"),
    ("bad.jsonld", b'{"@id": ', "not a readable json-ld graph"),
    ("page.rdf", b"<html><body>not RDF</body></html>", "not RDF/XML (XML that never names the RDF namespace"),
    ("bad.nt", b"<http://a> <http://b> .\n", "not a readable nt graph"),
    ("article.txt", SHORT.encode(), "not a readable turtle graph"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_GRAPHS, ids=[b[0] for b in BAD_GRAPHS])
@pytest.mark.parametrize("command", ["validate", "view", "query", "eval"])
def test_malformed_or_non_rdf_graph_files(tmp_path, command, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    args = {"validate": ["validate", path], "view": ["view", path, "-o", tmp_path / "v.html"],
            "query": ["query", "SELECT * WHERE { ?s ?p ?o }", "--data", path],
            "eval": ["eval", "--graph", path, "--gold", ROOT / "data" / "gold" / "pingxiang-2024.json"]}[command]
    code, _, stderr = run(*args)
    assert code == 2
    line = one_line(stderr)
    assert line.startswith(f"kg: error: {path}: ") and message in line, line
    assert not (tmp_path / "v.html").exists()


def test_a_graph_outside_the_vocabulary_gives_an_empty_page_and_says_so(tmp_path):
    path = tmp_path / "foaf.nt"
    path.write_text('<http://example.org/a> <http://xmlns.com/foaf/0.1/name> "甲" .\n', encoding="utf-8")
    code, stdout, stderr = run("view", path, "-o", tmp_path / "foaf.html")
    assert code == 0 and "(0 nodes" in stdout
    assert one_line(stderr) == f"kg: warning: {path}: nothing in the ZoneKG vocabulary in this graph, so the page is empty"


def test_graph_path_that_is_a_folder_or_missing(tmp_path):
    code, _, stderr = run("validate", tmp_path)
    assert code == 2 and one_line(stderr) == f"kg: error: {tmp_path}: is a folder, not a graph file"
    code, _, stderr = run("view", tmp_path / "nothing.ttl")
    assert code == 2 and one_line(stderr) == f"kg: error: {tmp_path / 'nothing.ttl'}: no such graph file"


def test_serve_refuses_a_bad_graph_file(tmp_path):
    path = tmp_path / "bad.ttl"
    path.write_bytes(b"not turtle at all <")
    code, _, stderr = run("serve", "--data", path, "--port", "0")
    assert code == 2 and one_line(stderr).startswith(f"kg: error: {path}: not a readable graph")


def damaged_copy(store: Path, tmp_path: Path) -> Path:
    import shutil

    copy = tmp_path / "damaged"
    shutil.copytree(store, copy)
    (copy / "CURRENT").write_text("garbage\n")
    return copy


def test_corrupted_store(tmp_path, graph_file):
    store = damaged_copy(graph_file.parent / "store", tmp_path)
    code, _, stderr = run("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--store", store)
    assert code == 2
    assert one_line(stderr) == f"kg: error: {store}: the store is damaged (Corruption: CURRENT file corrupted); build it again"
    code, _, stderr = run("build", SEED, "-o", tmp_path / "out", "--store", store)
    assert code == 5
    assert one_line(stderr) == (f"kg: error: {store}: the store is damaged (Corruption: CURRENT file corrupted); "
                                "remove the folder and build again")
    assert not (tmp_path / "out").exists()  # refused before the build


def test_locked_store(tmp_path, graph_file):
    import shutil

    store = tmp_path / "store"
    shutil.copytree(graph_file.parent / "store", store)
    holder = subprocess.Popen([sys.executable, "-c", "import pyoxigraph, sys, time\n"
                               f"s = pyoxigraph.Store({str(store)!r}); print('open', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        code, _, stderr = run("build", SEED, "-o", tmp_path / "out", "--store", store)
        assert code == 5
        assert one_line(stderr) == (f"kg: error: {store}: the store is locked: another process is writing it "
                                    "(another kg build --store?); try again when it has finished")
        code, stdout, stderr = run("query", "ASK { ?s ?p ?o }", "--store", store, "--format", "csv")
        assert code == 0 and stdout.splitlines() == ["ask", "true"]  # readers are not locked out
    finally:
        holder.kill()
        holder.wait()


def test_a_folder_of_other_files_is_not_made_a_store(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, stderr = run("build", SEED, "-o", tmp_path / "out", "--store", folder)
    assert code == 5
    assert one_line(stderr) == f"kg: error: {folder}: not a store (the folder holds other files); choose a new or empty folder"
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    code, _, stderr = run("query", "ASK { ?s ?p ?o }", "--store", folder)
    assert code == 2 and "no store there" in one_line(stderr)


# ---------------------------------------------------------------- the exit codes are documented


def test_the_readme_lists_every_exit_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("| exit code | meaning |", 1)[1].split("\n\n", 1)[0]
    table = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", section, re.M))
    assert sorted(map(int, table)) == sorted(EXIT_CODES)


def test_library_errors_name_the_file(tmp_path):
    with pytest.raises(InputError, match=re.escape(f"{tmp_path / 'a.txt'}: no such file")):
        read_document(tmp_path / "a.txt")
    assert kg.__name__ == "kg"


# ---------------------------------------------------------------- streamed reading is exact


def _whole(path: Path) -> tuple[str, str] | str:
    from kg.errors import KgError
    from kg.ingest import decode

    try:
        return decode(path.read_bytes())
    except KgError as err:
        return type(err).__name__


@pytest.mark.parametrize("block", [1, 3, 7, 64])
def test_streamed_reading_decodes_like_reading_whole(tmp_path, monkeypatch, block):
    """Small blocks cut multi-byte characters, BOMs and CRLFs apart: the text must not change."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from kg.errors import KgError

    monkeypatch.setattr("kg.ingest._BLOCK", block)
    path = tmp_path / "a.txt"
    text = st.text(alphabet=st.sampled_from(list("萍乡经开区，。\r\n 1a𠀀")) | st.characters(blacklist_categories=("Cs",)),
                   max_size=60)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(st.tuples(text, st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"])).map(
        lambda t: t[0].encode(t[1])), st.binary(max_size=40)), st.integers(5, 30))
    def check(data: bytes, part_chars: int) -> None:
        path.write_bytes(data)
        whole = _whole(path)
        try:
            article = open_article(path, part_chars=part_chars)
            parts = [raw.text for raw in article.documents()]
        except KgError as err:
            if isinstance(whole, tuple) and "Chinese" not in str(err) and "empty" not in str(err):
                raise
            return
        assert isinstance(whole, tuple)
        assert "".join(parts) == whole[0] and article.encoding == whole[1]
        assert all(len(p) <= part_chars for p in parts)

    check()


# ---------------------------------------------------------------- atomic writes


def test_a_batch_that_cannot_be_staged_replaces_nothing_and_leaves_no_temporary_files(tmp_path):
    from kg.errors import OutputError
    from kg.files import write_files

    old = tmp_path / "graph.ttl"
    old.write_text("old", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot write"):
        write_files({old: "new", Path("/proc/kg-cannot-write/report.json"): "{}"})
    assert old.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]


def test_a_failed_rename_stops_the_batch_there_and_cleans_up(tmp_path):
    from kg.errors import OutputError
    from kg.files import write_files

    blocker = tmp_path / "report.json"
    blocker.mkdir()  # a folder where a file should go: staging works, its rename fails
    (blocker / "x").write_text("", encoding="utf-8")
    later = tmp_path / "merges.csv"
    later.write_text("old", encoding="utf-8")
    with pytest.raises(OutputError, match="report.json: cannot write"):
        write_files({tmp_path / "graph.ttl": "new", blocker: "{}", later: "new"})
    assert (tmp_path / "graph.ttl").read_text(encoding="utf-8") == "new" and later.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl", "merges.csv", "report.json"]


def test_outputs_get_the_usual_permissions_and_stale_temporaries_go(tmp_path):
    import kg.files
    from kg.files import write_atomic

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".graph.ttl.{dead.stdout.strip()}.abcd.tmp"
    stale.write_text("half", encoding="utf-8")
    mine = tmp_path / f".graph.ttl.{os.getpid()}.efgh.tmp"  # a live writer's: kept
    mine.write_text("busy", encoding="utf-8")
    kg.files._CLEANED.discard(os.path.realpath(tmp_path))
    write_atomic(tmp_path / "graph.ttl", "萍乡")
    assert not stale.exists() and mine.exists()
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "graph.ttl").stat().st_mode & 0o777 == 0o666 & ~umask
    (tmp_path / "graph.ttl").chmod(0o640)
    write_atomic(tmp_path / "graph.ttl", "安远")
    assert (tmp_path / "graph.ttl").stat().st_mode & 0o777 == 0o640


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [["query", "--list"], ["query", "ASK {}", "--data", "GRAPH", "--format", "csv"],
                                  ["validate", "GRAPH"]])
def test_standard_output_on_a_full_disk_is_an_output_error(tmp_path, args):
    graph = tmp_path / "g.ttl"
    graph.write_text('<https://w3id.org/zonekg/id/zone/甲区> a <https://w3id.org/zonekg/ontology#DevelopmentZone> .\n',
                     encoding="utf-8")
    with open("/dev/full", "w") as full:
        run = subprocess.run([sys.executable, "-m", "kg", *[str(graph) if a == "GRAPH" else a for a in args]],
                             stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert run.returncode == 5, run.stderr
    assert run.stderr == "kg: error: cannot write the output (No space left on device)\n"


def test_closed_standard_output_is_an_output_error_and_closed_standard_error_is_no_traceback(tmp_path):
    graph = tmp_path / "g.ttl"
    graph.write_text('<https://w3id.org/zonekg/id/zone/甲区> a <https://w3id.org/zonekg/ontology#DevelopmentZone> .\n',
                     encoding="utf-8")
    query = [sys.executable, "-m", "kg", "query", "SELECT ?z WHERE { ?z a zkg:DevelopmentZone }", "--data", str(graph)]
    run = subprocess.run(query, stderr=subprocess.PIPE, text=True, timeout=120, preexec_fn=lambda: os.close(1))  # >&-
    assert run.returncode == 5 and run.stderr == "kg: error: cannot write the output (standard output is closed)\n"
    run = subprocess.run(query, stdout=subprocess.PIPE, text=True, timeout=120, preexec_fn=lambda: os.close(2))  # 2>&-
    assert run.returncode == 0 and "甲区" in run.stdout
