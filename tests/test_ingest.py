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


def test_html_page_gives_article_text_and_metadata(tmp_path):
    page = (
        '<html><head><meta charset="gbk"><title>安远经开区新闻</title><meta name="date" content="2024-09-30"></head>'
        "<body><article><h1>安远经开区引进三家企业</h1><p>近日，安远经济技术开发区引进华星电子、明辉科技等3家企业。</p>"
        "<p>该区拥有规模以上工业企业80家。</p><p>&lt;script&gt;不是代码&lt;/script&gt;</p></article></body></html>"
    )
    path = tmp_path / "news.html"
    path.write_bytes(page.encode("gbk"))
    raw = read_document(path)
    assert "引进华星电子、明辉科技等3家企业" in raw.text
    assert raw.date == "2024-09-30"
    assert raw.title


def test_html_page_without_text_is_refused(tmp_path):
    path = tmp_path / "blank.html"
    path.write_text("<html><body><div></div></body></html>", encoding="utf-8")
    with pytest.raises(EmptyInputError, match="no article text"):
        read_document(path)
