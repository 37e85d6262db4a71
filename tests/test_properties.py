"""Property tests: any input, no exception, and offsets that point at what they quote."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg
from kg.errors import KgError
from kg.extract.figures import parse_number
from kg.ingest import decode
from kg.model import RawDocument
from kg.normalise import normalise

WORDS = "萍乡经济技术开发区高新园引进企业有限公司家个项亿万元%，。、“”《》\n 0123456789一二十百该区获评国家级省示范基地平台經濟開發區園區"
GENRE = st.text(
    alphabet=st.sampled_from(list(WORDS)) | st.characters(),
    max_size=200,
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.binary(max_size=300))
def test_decode_never_fails_except_with_a_kg_error(data):
    try:
        text, encoding = decode(data)
    except KgError:
        return
    assert isinstance(text, str) and encoding


@SETTINGS
@given(GENRE)
def test_normalised_text_maps_back_to_the_raw_text(text):
    doc = normalise(RawDocument("a.txt", text, "utf-8", "0" * 64))
    assert len(doc.raw_offset) == len(doc.text) + 1
    assert len(doc.match_text) == len(doc.text)
    assert all(0 <= o <= len(text) for o in doc.raw_offset)
    assert doc.raw_offset == sorted(doc.raw_offset)


@SETTINGS
@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_arabic_numbers_parse_exactly(value):
    assert parse_number(str(value)) == value


@SETTINGS
@given(st.integers(min_value=0, max_value=99999))
def test_chinese_numerals_parse(value):
    import cn2an

    assert parse_number(cn2an.an2cn(value)) == Decimal(value)


@SETTINGS
@given(GENRE)
def test_extraction_never_fails_and_evidence_quotes_its_sentence(text):
    if not text.strip():
        return
    doc = kg.extract(text)
    for s in doc.sentences:
        assert doc.text[s.start:s.end] == s.text
    for ent in doc.entities:
        for ev in ent.evidence:
            assert doc.text[ev.start:ev.end] == ev.text
    for rel in doc.relations:
        assert doc.text[rel.evidence.start:rel.evidence.end] == rel.evidence.text
    for ind in doc.indicators:
        assert doc.text[ind.evidence.start:ind.evidence.end] == ind.evidence.text
        assert doc.match_text[ind.start:ind.end] == ind.raw_text
    for m in doc.mentions:
        assert doc.match_text[m.start:m.end] == m.text
