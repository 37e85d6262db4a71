"""Stage 3, segment: sentences with offsets, and words from jieba.

Sentences end at 。！？ (with any closing quote) and at line ends; headings
and captions are sentences of their own. jieba is loaded once per process
with the package's domain dictionary (``resources/lexicon.txt``), so that
words such as 经开区 or 博士后科研工作站 are never split.

>>> from kg.ingest import decode
>>> from kg.model import RawDocument
>>> from kg.normalise import normalise
>>> doc = segment(normalise(RawDocument("a.txt", "园区新建学校。引进企业3家！", "utf-8", "0")))
>>> [s.text for s in doc.sentences]
['园区新建学校。', '引进企业3家！']
>>> [w.word for w in words("萍乡经开区建立博士后科研工作站")]
['萍乡', '经开区', '建立', '博士后科研工作站']
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from functools import lru_cache
from importlib.resources import files

from .model import Document, Sentence, Token

__all__ = ["segment", "words", "Token", "tokenizer", "split_sentences"]

_END = re.compile(r"[。！？!?]+[”’」』）)]*")


@lru_cache(maxsize=1)
def tokenizer():
    """The process-wide jieba POS tokenizer with the domain dictionary loaded."""
    import jieba
    import jieba.posseg

    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    base = jieba.Tokenizer()
    lexicon = files("kg") / "resources" / "lexicon.txt"
    with lexicon.open("rb") as fh:
        base.load_userdict(fh)
    return jieba.posseg.POSTokenizer(base)


def words(text: str) -> list[Token]:
    """Segment ``text`` into tagged words (jieba, dictionary only: no HMM guesses).

    Tags come from the dictionary, as ``jieba.posseg`` gives them without its
    HMM, but the words from the plain tokenizer, which is faster.
    """
    pos_tokenizer = tokenizer()
    tags = pos_tokenizer.word_tag_tab
    out: list[Token] = []
    pos = 0
    for word in pos_tokenizer.tokenizer.cut(text, HMM=False):
        tag = tags.get(word)
        if tag is None:
            tag = "m" if word.isdigit() else "eng" if word.isascii() and word.isalnum() else "x"
        end = pos + len(word)
        out.append(Token(word, tag, pos, end))
        pos = end
    return out


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]`` (one line), whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _END.finditer(text, start, end):
        spans.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        spans.append((pos, end))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def segment(doc: Document) -> Document:
    """Return ``doc`` with its sentences, and their words, filled in.

    The text is segmented in one call and the words shared out among the
    sentences: jieba splits at punctuation anyway, so no word crosses a
    sentence end, and one call costs less than one per sentence.
    """
    spans = [(s, e, line.kind) for line in doc.lines for s, e in split_sentences(doc.text, line.start, line.end)]
    pos_tokenizer = tokenizer()
    tag_of = pos_tokenizer.word_tag_tab.get
    buckets: list[list[Token]] = [[] for _ in spans]
    bounds = [(s, e) for s, e, _ in spans] + [(len(doc.match_text) + 1, len(doc.match_text) + 1)]
    k = 0
    start, stop = bounds[0]
    pos = 0
    for word in pos_tokenizer.tokenizer.cut(doc.match_text, HMM=False):
        end = pos + len(word)
        while stop <= pos:
            k += 1
            start, stop = bounds[k]
        if start <= pos and end <= stop:
            tag = tag_of(word)
            if tag is None:
                tag = "m" if word.isdigit() else "eng" if word.isascii() and word.isalnum() else "x"
            buckets[k].append(Token(word, tag, pos - start, end - start))
        pos = end
    sentences: list[Sentence] = []
    for (s, e, kind), own in zip(spans, buckets):
        if sum(len(t.word) for t in own) != e - s:  # a word across the sentence end: segment it on its own
            own = words(doc.match_text[s:e])
        sentences.append(Sentence(index=len(sentences), start=s, end=e, text=doc.text[s:e],
                                  is_caption=kind == "caption", is_heading=kind == "heading", tokens=tuple(own)))
    return replace(doc, sentences=sentences)
