from kg.model import RawDocument
from kg.normalise import normalise


def _doc(text):
    return normalise(RawDocument("a.txt", text, "utf-8", "0" * 64))


def test_word_broken_across_lines_is_joined():
    doc = _doc("近年来，该区推出定制化、精准化的惠企服\n\n务，助力企业扩产能。\n")
    assert "惠企服务，助力" in doc.text


def test_offsets_map_back_to_the_raw_text():
    raw = "标题\n\n\n近年来，园区以中试孵化\n\n基地为主建设平台。"
    doc = _doc(raw)
    for i, ch in enumerate(doc.text):
        if ch != "\n":
            assert raw[doc.raw_offset[i]] == ch


def test_full_width_digits_become_ascii_but_chinese_punctuation_stays():
    doc = _doc("园区拥有企业１４３家，其中（规上）企业９家。")
    assert doc.text == "园区拥有企业143家，其中（规上）企业9家。"


def test_caption_and_heading_lines_are_marked():
    doc = _doc("科技创新 点燃发展新引擎\n\n园区建设平台，成效明显。\n\n\n\n某某机械制造有限公司生产车间\n")
    kinds = [(doc.text[ln.start:ln.end], ln.kind) for ln in doc.lines]
    assert kinds == [("科技创新 点燃发展新引擎", "heading"), ("园区建设平台，成效明显。", "prose"),
                     ("某某机械制造有限公司生产车间", "caption")]


def test_traditional_characters_are_matched_in_simplified_form_with_the_same_length():
    doc = _doc("萍鄉經濟技術開發區引進企業。")
    assert doc.text == "萍鄉經濟技術開發區引進企業。"
    assert doc.match_text == "萍乡经济技术开发区引进企业。"


def test_page_numbers_are_dropped():
    doc = _doc("近年来，园区发展迅速，\n- 3 -\n企业数量增长。")
    assert "3" not in doc.text


def test_hard_wrapped_pdf_text_with_running_headers_is_rejoined():
    body = ("近年来安远经济技术开发区坚持创新驱动发展战略不断完善科技型中小企业梯度培育链条已建成省级科技企业孵化器"
            "三家和国家博士后科研工作站两家去年实现成果转化十五项全区高新技术企业达到四十八家科技型中小企业八十五家")
    lines = [body[i:i + 30] for i in range(0, len(body), 30)]
    lines[-1] += "。"
    raw = "\n".join(lines[:2] + ["", "— 1 —", "赣南日报  2024年9月30日  第3版", ""] + lines[2:4]
                    + ["", "赣南日报  2024年9月30日  第3版", ""] + lines[4:])
    doc = _doc(raw)
    assert doc.text == body + "。"
