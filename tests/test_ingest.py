import pytest

from kg.errors import EmptyInputError, EncodingError, InputError
from kg.ingest import decode, find_articles, read_document

TEXT = "萍乡经济技术开发区新建、改扩建学校20余所。"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_reads_every_supported_encoding(tmp_path, encoding):
    path = tmp_path / "a.txt"
    path.write_bytes(TEXT.encode(encoding))
    raw = read_document(path)
    assert raw.text == TEXT
    assert len(raw.sha256) == 64


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError, match="binary"):
        read_document(path)


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("  \n\n", encoding="utf-8")
    with pytest.raises(EmptyInputError, match="empty"):
        read_document(path)


def test_undecodable_bytes_are_refused():
    with pytest.raises(EncodingError):
        decode(b"\x81\x30\x81" * 3 + b"\xff\xff")


def test_folder_is_searched_for_articles_only(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text(TEXT, encoding="utf-8")
    (tmp_path / "gold.json").write_text("{}", encoding="utf-8")
    assert [p.name for p in find_articles([tmp_path])] == ["a.txt", "b.md"]


def test_folder_without_articles_and_missing_path(tmp_path):
    with pytest.raises(EmptyInputError):
        find_articles([tmp_path])
    with pytest.raises(InputError, match="no such"):
        find_articles([tmp_path / "missing"])


def test_sidecar_metadata_gives_title_and_date(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "a.meta.json").write_text('{"title": "学校建设", "date": "2024-09-30"}', encoding="utf-8")
    raw = read_document(tmp_path / "a.txt")
    assert (raw.title, raw.date) == ("学校建设", "2024-09-30")
