"""Recognisers on sentences written for these tests, in the genre's language."""

import pytest

import kg
from kg.extract.entities import find_in_text


def _names(text, cls=None):
    return [m.name for m in find_in_text(text) if cls is None or m.cls == cls]


# fmt: off
ENTITY_CASES = [
    ("安远经济技术开发区引进华星电子、明辉科技、远达新材等5家企业。", "Enterprise", ["华星电子", "明辉科技", "远达新材"]),
    ("已开工的企业为赣州恒丰包装印务有限公司、南康区福瑞食品有限公司。", "Enterprise",
     ["赣州恒丰包装印务有限公司", "南康区福瑞食品有限公司"]),
    ("该区先后获评国家生态工业示范园区、省级绿色园区、全市唯一的省智能制造基地……", "Honor",
     ["国家生态工业示范园区", "省级绿色园区", "省智能制造基地"]),
    ("该区深入推进《龙南经开区稀土产业链发展三年行动方案》。", "Policy", ["龙南经开区稀土产业链发展三年行动方案"]),
    ("园区依托“数智园区”系统，推出“拿地即开工”模式。", "Platform", ["数智园区系统"]),
    ("今年以来，该区开展“春雷行动”“企业服务月”等招商活动12场。", "Event", ["春雷行动", "企业服务月"]),
    ("该区启动城南人民医院、东坑卫生院等项目建设。", "Hospital", ["城南人民医院", "东坑卫生院"]),
    ("会上，信丰县县长李明华致辞。", "Person", ["李明华"]),
    ("园区位于江西省赣州市。", "Place", ["江西省", "赣州市"]),
    ("目前，该区建成宁都科技创业中心和赣南新材料研究院。", "Platform", ["宁都科技创业中心", "赣南新材料研究院"]),
]
# fmt: on


@pytest.mark.parametrize(("text", "cls", "expected"), ENTITY_CASES)
def test_recognisers(text, cls, expected):
    assert _names(text, cls) == expected


def test_counted_categories_are_not_entities():
    text = "该区建立国家博士后科研工作站2家、省级科技企业孵化器1家。"
    assert _names(text, "Platform") == []


def test_short_and_full_company_names_are_one_entity():
    doc = kg.extract("赣州恒丰包装印务有限公司生产车间\n\n\n\n安远经开区引进恒丰包装、明辉科技等3家企业。")
    enterprises = [e for e in doc.entities if e.cls == "Enterprise"]
    full = next(e for e in enterprises if e.label == "赣州恒丰包装印务有限公司")
    assert "恒丰包装" in full.aliases


def test_zone_abbreviation_and_anaphora_resolve_to_the_zone():
    doc = kg.extract("安远经济技术开发区位于赣州。安远经开区拥有规模以上工业企业80家。该经开区新建学校3所。")
    zones = [e for e in doc.entities if e.cls == "DevelopmentZone"]
    assert [(z.label, sorted(z.aliases)) for z in zones] == [("安远经济技术开发区", ["安远经开区"])]
    assert {i.subject for i in doc.indicators} == {zones[0].key}


# fmt: off
FIGURE_CASES = [
    ("该区拥有规模以上工业企业143家。", "规模以上工业企业", "143", "家", None),
    ("累计兑现奖励资金1968.4万元。", "奖励资金", "19684000", "元", None),
    ("万人有效发明专利拥有量超14件。", "万人有效发明专利拥有量", "14", "件", "more-than"),
    ("新建学校20余所。", "新建学校", "20", "所", "more-than"),
    ("区内入驻企业近四十家。", "入驻企业", "40", "家", "less-than"),
    ("签约投资额约30亿美元。", "签约投资额", "3000000000", "美元", "approx"),
    ("拥有封装测试厂六座。", "封装测试厂", "6", "座", None),
    ("出口1604亿元，增长15.2%。", "出口增长", "15.2", "%", None),
    ("研发投入占比达到百分之十二点五。", "研发投入占比", "12.5", "%", None),
]
# fmt: on


@pytest.mark.parametrize(("text", "measure", "value", "unit", "qualifier"), FIGURE_CASES)
def test_figures(text, measure, value, unit, qualifier):
    doc = kg.extract("安远经济技术开发区" + text)
    found = [(i.measure, str(i.value), i.unit, i.qualifier) for i in doc.indicators]
    assert (measure, value, unit, qualifier) in found


def test_numbers_in_names_and_dates_are_not_figures():
    doc = kg.extract("2024年，安远经开区制定促进工业经济发展十二条奖励政策，落实“4+2”行动。")
    assert doc.indicators == []


def test_figure_subject_is_the_named_entity_it_describes():
    doc = kg.extract("安远经开区打造占地3900平方米的新政务服务中心。")
    (ind,) = doc.indicators
    assert ind.subject == "Platform:新政务服务中心"


def test_enumeration_distributes_the_relation():
    doc = kg.extract("安远经开区助力华星电子、明辉科技、远达新材等3家本土企业扩产能。")
    supported = sorted(r.object for r in doc.relations if r.predicate == "supports")
    assert supported == ["Enterprise:华星电子", "Enterprise:明辉科技", "Enterprise:远达新材"]


def test_every_evidence_offset_quotes_its_sentence(seed_doc):
    for rel in seed_doc.relations:
        assert seed_doc.text[rel.evidence.start:rel.evidence.end] == rel.evidence.text
    for ind in seed_doc.indicators:
        assert ind.raw_text in seed_doc.match_text[ind.evidence.start:ind.evidence.end]
        assert seed_doc.match_text[ind.start:ind.end] == ind.raw_text


def test_relative_periods_become_years_when_the_document_date_is_known():
    doc = kg.extract("发布日期：2024-09-30\n去年，安远经开区实现成果转化15项。今年以来，该区招聘1.6万人次。")
    assert doc.date == "2024-09-30"
    assert sorted((i.measure, i.period) for i in doc.indicators) == [("成果转化", "2023"), ("招聘", "2024")]


def test_periods_stay_as_written_without_a_date():
    doc = kg.extract("1-8月份，安远经开区实现成果转化15项。")
    assert [i.period for i in doc.indicators] == ["1-8月份"]


# fmt: off
TRAIT_CASES = [
    # traditional characters: matched in simplified form, quoted as written
    ("安遠經濟技術開發區引進華星電子、明輝科技等3家企業。", "Enterprise", {"华星电子", "明辉科技"}),
    # two zones: the second is named twice and opens its own paragraph
    ("安远经济技术开发区引进华星电子。\n信丰高新技术产业开发区引进明辉科技。信丰高新区获评省级绿色园区。",
     "DevelopmentZone", {"安远经济技术开发区", "信丰高新技术产业开发区"}),
    # Chinese numerals and a percentage in words
    ("安远经开区拥有封装测试厂六座，从业人员近十万人。", "Indicator", {("封装测试厂", "6"), ("从业人员", "100000")}),
]
# fmt: on


@pytest.mark.parametrize(("text", "kind", "expected"), TRAIT_CASES)
def test_genre_traits(text, kind, expected):
    doc = kg.extract(text)
    if kind == "Indicator":
        found = {(i.measure, str(i.value)) for i in doc.indicators}
    else:
        found = {e.label for e in doc.entities if e.cls == kind} | {
            a for e in doc.entities if e.cls == kind for a in e.aliases}
    assert expected <= found


def test_traditional_text_keeps_the_original_in_evidence():
    doc = kg.extract("安遠經開區引進華星電子、明輝科技等3家企業。")
    assert all("引進" in r.evidence.text for r in doc.relations if r.predicate == "introduced")


def test_honor_of_two_zones_goes_to_the_zone_that_states_it():
    doc = kg.extract("安远经济技术开发区引进华星电子。\n信丰高新技术产业开发区获评省级绿色园区。信丰高新区新建学校3所。")
    honors = [(r.subject, r.object) for r in doc.relations if r.predicate == "hasHonor"]
    assert honors == [("DevelopmentZone:信丰高新技术产业开发区", "Honor:省级绿色园区")]


# fmt: off
ZONE_TYPES = [
    ("龙岗综合保税区（以下简称龙岗综保区）进出口值增长12.5%。", "龙岗综合保税区", "龙岗综保区"),
    ("安远高新技术产业开发区（以下简称安远高新区）新建学校3所。", "安远高新技术产业开发区", "安远高新区"),
    ("地处南康区龙回镇的龙回工业园区新增企业5家。", "龙回工业园区", None),
]
# fmt: on


@pytest.mark.parametrize(("text", "label", "alias"), ZONE_TYPES)
def test_zone_types_and_their_abbreviations(text, label, alias):
    doc = kg.extract(text)
    (zone,) = [e for e in doc.entities if e.cls == "DevelopmentZone"]
    assert zone.label == label
    assert (alias in zone.aliases) if alias else not zone.aliases
    assert all(i.subject == zone.key for i in doc.indicators)


@pytest.mark.parametrize("anaphor", ["该区", "该经开区", "全区", "园区", "经开区"])
def test_anaphora_point_at_the_article_zone(anaphor):
    doc = kg.extract(f"安远经济技术开发区位于赣州。今年以来，{anaphor}拥有规模以上工业企业80家。")
    (ind,) = doc.indicators
    assert ind.subject == "DevelopmentZone:安远经济技术开发区"
    assert not [e for e in doc.entities if e.label == anaphor]


def test_signing_news_projects_owned_by_companies():
    doc = kg.extract("当天开工的项目包括：赣州福兴实业有限公司年产5000吨饲料项目；江西明远新材料有限公司研发中心项目。"
                     "安远工业园区相关负责人介绍，项目总投资3.2亿元。")
    projects = sorted(e.label for e in doc.entities if e.cls == "Project")
    assert projects == ["江西明远新材料有限公司研发中心项目", "赣州福兴实业有限公司年产5000吨饲料项目"]
    companies = sorted(e.label for e in doc.entities if e.cls == "Enterprise")
    assert companies == ["江西明远新材料有限公司", "赣州福兴实业有限公司"]
    assert {r.predicate for r in doc.relations if r.object.startswith("Project:")} == {"builds"}


def test_caption_line_yields_its_enterprise():
    doc = kg.extract("安远经开区新建学校3所。\n\n\n\n赣州恒丰包装印务有限公司生产车间\n")
    caption = [s for s in doc.sentences if s.is_caption]
    assert [s.text for s in caption] == ["赣州恒丰包装印务有限公司生产车间"]
    assert "Enterprise:赣州恒丰包装印务有限公司" in {e.key for e in doc.entities}


def test_gb18030_and_html_articles_build_like_utf8(tmp_path):
    text = "安远经济技术开发区引进华星电子、明辉科技等2家企业。该区拥有规模以上工业企业80家。"
    (tmp_path / "a.txt").write_bytes(text.encode("gb18030"))
    (tmp_path / "b.html").write_text(f"<html><head><title>新闻</title></head><body><article><p>{text}</p>"
                                     "</article></body></html>", encoding="utf-8")
    result = kg.build([tmp_path], validate=False)
    assert [d.encoding for d in result.documents] == ["gb18030", "html"]
    for doc in result.documents:
        assert {e.label for e in doc.entities} >= {"安远经济技术开发区", "华星电子", "明辉科技"}
        assert [(i.measure, str(i.value)) for i in doc.indicators][-1] == ("规模以上工业企业", "80")
