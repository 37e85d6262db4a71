"""Stage 3, segment: sentences with offsets, and words from jieba.

Sentences end at 。！？ (with any closing quote) and at line ends; headings
and captions are sentences of their own. jieba (or rjieba, its Rust port) is loaded once
per process with the package's domain dictionary (``resources/lexicon.txt``), so that
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
import os
import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from importlib.resources import files
from importlib.util import find_spec

from .errors import ResourceError
from .model import Document, Sentence, Token

__all__ = ["segment", "words", "Token", "tokenizer", "backend", "split_sentences"]

_END = re.compile(r"[。！？!?]+[”’」』）)]*")


BACKENDS = ("rjieba", "jieba")


def _lexicon_rows() -> list[tuple[str, int, str]]:
    """The package's domain dictionary, in jieba's ``word freq tag`` format."""
    rows = []
    for line in (files("kg") / "resources" / "lexicon.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3:
            rows.append((parts[0], int(parts[1]), parts[2]))
    return rows


def _python_jieba() -> Callable[[str], list[tuple[str, str]]]:
    import jieba
    import jieba.posseg

    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    base = jieba.Tokenizer()
    pos = jieba.posseg.POSTokenizer(base)
    for word, freq, tag in _lexicon_rows():
        base.add_word(word, freq)
        pos.word_tag_tab.setdefault(word, tag)  # as rjieba: a word jieba knows keeps its tag
    tag_of = pos.word_tag_tab.get

    def tag(text: str) -> list[tuple[str, str]]:
        out = []
        for word in base.cut(text, HMM=False):
            t = tag_of(word)
            if t is None:
                t = "m" if word.isdecimal() and word.isascii() else "eng" if word.isascii() and word.isalnum() else "x"
            out.append((word, t))
        return out

    return tag


def _rust_jieba() -> Callable[[str], list[tuple[str, str]]]:
    import rjieba

    engine = rjieba.Jieba()
    for word, freq, tag in _lexicon_rows():
        engine.add_word(word, freq, tag)
    return lambda text: engine.tag(text, hmm=False)


def backend() -> str:
    """The segmenter this process uses: ``KG_SEGMENTER`` if set, else rjieba when installed, else jieba."""
    name = os.environ.get("KG_SEGMENTER") or ("rjieba" if find_spec("rjieba") else "jieba")
    if name not in BACKENDS:
        raise ResourceError(f"unknown segmenter {name!r} in KG_SEGMENTER; choose one of {', '.join(BACKENDS)}")
    return name


@cache
def tokenizer(name: str | None = None) -> Callable[[str], list[tuple[str, str]]]:
    """The process-wide tagger, ``text -> [(word, tag), ...]``, with the domain dictionary loaded.

    Two backends give the same words and tags: jieba itself, and rjieba, its
    Rust port (same dictionary and algorithm, about 20x faster), used when it is
    installed. ``KG_SEGMENTER=jieba`` selects jieba. Both cut with the
    dictionary only (no HMM guesses), tags as ``jieba.posseg`` has them.

    >>> tokenizer("jieba")("萍乡经开区建设孵化器")
    [('萍乡', 'ns'), ('经开区', 'n'), ('建设', 'vn'), ('孵化器', 'nz')]
    >>> tokenizer("rjieba")("萍乡经开区建设孵化器") == _
    True
    """
    return _rust_jieba() if (name or backend()) == "rjieba" else _python_jieba()


def words(text: str) -> list[Token]:
    """Segment ``text`` into tagged words (dictionary only: no HMM guesses)."""
    out: list[Token] = []
    pos = 0
    for word, tag in tokenizer()(text):
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
    buckets: list[list[Token]] = [[] for _ in spans]
    bounds = [(s, e) for s, e, _ in spans] + [(len(doc.match_text) + 1, len(doc.match_text) + 1)]
    k = 0
    start, stop = bounds[0]
    pos = 0
    for word, tag in tokenizer()(doc.match_text):
        end = pos + len(word)
        while stop <= pos:
            k += 1
            start, stop = bounds[k]
        if start <= pos and end <= stop:
            buckets[k].append(Token(word, tag, pos - start, end - start))
        pos = end
    sentences: list[Sentence] = []
    for (s, e, kind), own in zip(spans, buckets):
        if sum(len(t.word) for t in own) != e - s:  # a word across the sentence end: segment it on its own
            own = words(doc.match_text[s:e])
        sentences.append(Sentence(index=len(sentences), start=s, end=e, text=doc.text[s:e],
                                  is_caption=kind == "caption", is_heading=kind == "heading", tokens=tuple(own)))
    return replace(doc, sentences=sentences)
