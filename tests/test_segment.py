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
