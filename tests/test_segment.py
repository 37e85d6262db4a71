from kg.model import RawDocument
from kg.normalise import normalise
from kg.segment import segment, words


def test_sentences_have_offsets_into_the_normalised_text():
    doc = segment(normalise(RawDocument("a.txt", "园区新建学校。引进企业3家！\n图片说明", "utf-8", "0")))
    assert [s.text for s in doc.sentences] == ["园区新建学校。", "引进企业3家！", "图片说明"]
    for s in doc.sentences:
        assert doc.text[s.start:s.end] == s.text


def test_closing_quote_stays_with_its_sentence():
    doc = segment(normalise(RawDocument("a.txt", "他说：“园区很好。”随后离开。", "utf-8", "0")))
    assert [s.text for s in doc.sentences] == ["他说：“园区很好。”", "随后离开。"]


def test_domain_words_are_never_split():
    tokens = [w.word for w in words("该经开区建立国家博士后科研工作站和省级科技企业孵化器，获评专精特新小巨人")]
    for word in ("经开区", "博士后科研工作站", "孵化器", "专精特新", "小巨人"):
        assert word in tokens


def _genre_texts() -> list[str]:
    from pathlib import Path

    root = Path(__file__).parent
    paths = [root.parent / "data" / "articles" / "pingxiang-2024.txt", *sorted((root / "data" / "corpus").glob("*.txt"))]
    texts = [normalise(RawDocument(p.name, p.read_bytes().decode("utf-8", "replace"), "utf-8", "0")).match_text
             for p in paths]
    assert len(texts) > 10
    return texts


def test_rjieba_and_jieba_give_the_same_words_and_tags():
    from kg.segment import tokenizer

    for text in _genre_texts():
        assert tokenizer("rjieba")(text) == tokenizer("jieba")(text)


def test_the_segmenter_can_be_chosen_and_a_wrong_name_is_a_resource_error(monkeypatch):
    import pytest

    from kg.errors import ResourceError
    from kg.segment import backend

    monkeypatch.setenv("KG_SEGMENTER", "jieba")
    assert backend() == "jieba"
    monkeypatch.setenv("KG_SEGMENTER", "thulac")
    with pytest.raises(ResourceError, match="thulac"):
        backend()
