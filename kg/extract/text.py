"""Shared helpers of the extractors: a sentence with its words, and name boundaries.

Every extractor reads sentences through :class:`SentenceView`, which holds the
simplified text of the sentence, its jieba words and its quoted spans, and
finds where a name begins with :func:`extend_left`.

>>> view = SentenceView.of_text("助力华星食品、明辉科技等11家本土企业扩产能。")
>>> head = view.text.index("食品")
>>> view.text[extend_left(view, head):head + 2]
'华星食品'
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .. import lexicon
from ..model import Document, Sentence, Token
from ..segment import words

__all__ = [
    "SentenceView",
    "extend_left",
    "extend_right",
    "is_generic",
    "counted",
    "clean_name",
    "company_core",
    "is_short_name",
    "short_name_brand",
    "LEGAL_HEADS",
    "NUMERAL",
    "STOP_CHARS",
]

#: Legal forms that end a company's full name.
LEGAL_HEADS = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司")
#: Characters that never stand inside a name.
STOP_CHARS = frozenset("，。；：！？、“”‘’《》「」『』【】…—,.;:!?\"' \t\n\u3000<>/\\[]{}=*#@$^|~`")
#: Characters that may stand inside a name although they are punctuation.
NAME_MARKS = frozenset("（）()·+-&")
QUOTE_MARKS = "“”‘’\"'《》〈〉「」『』【】"
NUMERAL = "零〇一二两三四五六七八九十百千万亿"
_COUNT_AFTER = re.compile(rf"(?:[\d.]+|[{NUMERAL}]+)(?:余|多)?")
_COUNT_BEFORE = re.compile(rf"(?:\d[\d.]*|[{NUMERAL}]{{1,4}})(?:余|多)?$")
_QUOTE_PAIRS = {"“": "”", "《": "》", "「": "」", "『": "』", "〈": "〉", '"': '"'}
_QUOTED = re.compile("|".join(f"{re.escape(o)}[^{re.escape(c)}]+{re.escape(c)}" for o, c in _QUOTE_PAIRS.items()))


def clean_name(text: str) -> str:
    """A name as it is labelled: quote and book-title marks removed, trimmed.

    >>> clean_name("省“两化”融合示范园区")
    '省两化融合示范园区'
    """
    return text.translate(_NO_QUOTES).strip()


_NO_QUOTES = str.maketrans("", "", QUOTE_MARKS)


@dataclass
class SentenceView:
    """A sentence in simplified characters, with its words and quoted spans."""

    sentence: Sentence
    text: str
    offset: int
    tokens: Sequence[Token] = ()

    @classmethod
    def of(cls, doc: Document, sentence: Sentence) -> SentenceView:
        text = doc.match_text[sentence.start : sentence.end]
        return cls(sentence, text, sentence.start, sentence.tokens if sentence.tokens else words(text))

    @classmethod
    def of_text(cls, text: str) -> SentenceView:
        """A view of a bare string (for examples and tests)."""
        return cls(Sentence(0, 0, len(text), text), text, 0, words(text))

    @cached_property
    def token_at(self) -> list[int]:
        """Index of the token that covers each character."""
        return [i for i, tok in enumerate(self.tokens) for _ in tok.word]

    @cached_property
    def tag_at(self) -> dict[int, str]:
        """The tag of the token starting at each position."""
        return {t.start: t.tag for t in self.tokens}

    @cached_property
    def token_starts(self) -> frozenset[int]:
        return frozenset(t.start for t in self.tokens)

    @cached_property
    def token_ends(self) -> frozenset[int]:
        return frozenset(t.end for t in self.tokens)

    @cached_property
    def quotes(self) -> list[tuple[int, int, str]]:
        """Quoted spans as ``(open, close + 1, mark)``, marks included."""
        return [(m.start(), m.end(), m.group()[0]) for m in _QUOTED.finditer(self.text)]

    def in_quote(self, pos: int) -> tuple[int, int, str] | None:
        """The quoted span strictly containing ``pos`` (marks excluded)."""
        for q in self.quotes:
            if q[0] < pos < q[1] - 1:
                return q
        return None

    def pieces_before(self, pos: int) -> Iterator[tuple[int, str]]:
        """Words ending at or before ``pos``, nearest first, cut at ``pos``."""
        if pos <= 0:
            return
        i = self.token_at[pos - 1]
        tok = self.tokens[i]
        yield tok.start, self.text[tok.start : pos]
        for k in range(i - 1, -1, -1):
            tok = self.tokens[k]
            yield tok.start, tok.word


_MONEY_END = re.compile(r"\d(?:万|亿)?元$")
_FUNCTION_TAGS = ("v", "p", "d", "c", "r", "u", "f")
_LEGAL_SINGLE = frozenset("的在与和及为由对向把将从被让等于至到其该这此并或如同跟使")


def _is_stop_piece(piece: str, stops: frozenset[str], *, allow_digits: bool, allow_quotes: bool,
                   allow_list: bool = False) -> bool:
    if piece in stops:
        return True
    for ch in piece:
        if ch in NAME_MARKS or (allow_quotes and ch in "“”\"") or (allow_list and ch == "、"):
            continue
        if ch in STOP_CHARS:
            return True
        if ch.isdigit() and not allow_digits:
            return True
    if not allow_digits and len(piece) > 1 and all(ch in NUMERAL for ch in piece):
        return True
    return False


@lru_cache(maxsize=1)
def _legal_stops() -> frozenset[str]:
    return frozenset(w for w in lexicon.boundary_words() if len(w) > 1 or w in _LEGAL_SINGLE)


@lru_cache(maxsize=1)
def _names_only() -> frozenset[str]:
    """Boundary words of names that may stand inside a project name."""
    return lexicon.boundary_words() - lexicon.project_boundary_words()


def extend_left(
    view: SentenceView,
    pos: int,
    *,
    max_chars: int = 16,
    kind: str = "name",
    place_cut: bool = True,
) -> int:
    """Where the name whose head starts at ``pos`` begins.

    The name runs left over words until punctuation, a boundary word
    (``boundaries.tsv``), an unbalanced parenthesis or ``max_chars``.
    ``kind`` is ``name`` (a word jieba tags as a verb, preposition, adverb …
    also stops it, unless ``name_verbs.txt`` lists it), ``legal`` (a company
    name: verbs may stand inside) or ``project`` (digits, quotes, 和 and 及
    may stand inside; 、 too when the sentence sets items apart with ；).
    When a place name stands inside the span after other words (区属青岛…),
    the name starts at the place.
    """
    if kind == "project":
        stops = lexicon.project_boundary_words()
    elif kind == "legal":
        stops = _legal_stops()
    else:
        stops = lexicon.boundary_words()
    project = kind == "project"
    allow_list = project and "；" in view.text
    verbs_ok = lexicon.name_verbs()
    tags = view.tag_at
    depth = 0
    start = pos
    names_only = _names_only() if project else frozenset()
    for piece_start, piece in view.pieces_before(pos):
        if _is_stop_piece(piece, stops, allow_digits=project, allow_quotes=project, allow_list=allow_list):
            break
        if piece in names_only and piece not in "和及与" and piece_start + len(piece) != pos:
            break  # 建设 stands inside 三期新厂建设项目 but ends …拟投资20亿元建设|消费电子项目
        if project and _MONEY_END.search(view.text, 0, piece_start + len(piece)):
            break
        if pos - piece_start > max_chars:
            break
        tag = tags.get(piece_start, "x")
        if (kind == "name" and len(piece) > 1 and tag.startswith(_FUNCTION_TAGS) and piece not in verbs_ok
                and not piece.startswith("第")):
            break
        depth += piece.count("）") + piece.count(")") - piece.count("（") - piece.count("(")
        if depth < 0:
            break
        start = piece_start
    # a leading unit after a number is not part of the name (52家国家级高新区)
    while start < pos and view.text[start] in "家个项所座条位名" and start > 0 and (
        view.text[start - 1].isdigit() or view.text[start - 1] in NUMERAL
    ):
        start += 1
    if place_cut and start < pos:
        start = _cut_at_place(view, start, pos)
    return start


def _cut_at_place(view: SentenceView, start: int, pos: int) -> int:
    places = lexicon.places()
    depth = 0
    k = view.token_at[start]
    first = True
    while k < len(view.tokens) and view.tokens[k].start < pos:
        tok = view.tokens[k]
        if tok.word in "（(":
            depth += 1
        elif tok.word in "）)":
            depth -= 1
        elif depth == 0 and tok.start >= start and tok.word in places and len(tok.word) >= 2:
            return start if first else tok.start
        if tok.start >= start:
            first = False
        k += 1
    return start


def extend_right(view: SentenceView, pos: int, *, max_chars: int = 20) -> int:
    """Where a phrase starting at ``pos`` ends: at punctuation or a boundary word."""
    stops = lexicon.boundary_words()
    end = pos
    i = view.token_at[pos] if pos < len(view.text) else len(view.tokens)
    while i < len(view.tokens):
        tok = view.tokens[i]
        piece = view.text[max(tok.start, pos) : tok.end]
        if _is_stop_piece(piece, stops, allow_digits=False, allow_quotes=False):
            break
        if tok.start >= pos and len(piece) > 1 and tok.tag.startswith(("v", "p")) and piece not in lexicon.name_verbs():
            break
        if tok.end - pos > max_chars:
            break
        end = tok.end
        i += 1
    return end


@lru_cache(maxsize=1)
def _region_words() -> tuple[str, ...]:
    return ("国家", *(w for full, short in lexicon.zone_heads().items() for w in (full, short) if w))


@lru_cache(maxsize=1 << 16)
def _strip_region(name: str) -> str:
    """Drop leading places and zone words (青岛高新区…, 安康市…) and parenthesised places."""
    places = lexicon.places()
    zone_words = _region_words()
    changed = True
    while changed:
        changed = False
        for n in range(min(8, len(name) - 2), 1, -1):
            if name[:n] in places:
                name = name[n:]
                changed = True
                break
        for word in zone_words:
            if name.startswith(word) and len(name) > len(word) + 1:
                name = name[len(word):]
                changed = True
    return re.sub(r"[（(][^）)]*[）)]", "", name)


@lru_cache(maxsize=1 << 16)
def company_core(name: str) -> str:
    """A company name without region prefix and legal form.

    >>> company_core("赣州恒丰包装印务有限公司")
    '恒丰包装印务'
    >>> company_core("芯联（成都）集成电路有限公司")
    '芯联集成电路'
    """
    for head in LEGAL_HEADS:
        if name.endswith(head):
            name = name[: -len(head)]
            break
    return _strip_region(name)


@lru_cache(maxsize=65536)
def is_short_name(short: str, full: str) -> bool:
    """True when ``short`` is a short name of the company ``full``: both start with the same brand.

    >>> is_short_name("恒丰包装", "赣州恒丰包装印务有限公司"), is_short_name("恒丰塑业", "赣州恒丰包装印务有限公司")
    (True, True)
    >>> is_short_name("华星电子", "赣州恒丰包装印务有限公司"), is_short_name("包装印务", "赣州恒丰包装印务有限公司")
    (False, False)
    """
    if short == full or len(short) >= len(full):
        return False
    core = company_core(full)
    brand = short_name_brand(short)
    return brand is not None and len(core) >= 2 and brand == core[:2]


@lru_cache(maxsize=65536)
def short_name_brand(short: str) -> str | None:
    """The brand ``short`` would share with the full names it is a short name of (see :func:`is_short_name`):
    its first two characters without the region; ``None`` when it cannot be a short name.

    >>> short_name_brand("赣州恒丰包装"), short_name_brand("华星公司"), short_name_brand("科技")
    ('恒丰', '华星', None)
    """
    short_core = _strip_region(short)
    for suffix in ("公司", "集团"):
        if short_core.endswith(suffix) and len(short_core) > len(suffix) + 1:
            short_core = short_core[: -len(suffix)]
    brand = short_core[:2]
    return brand if 2 <= len(short_core) <= 8 and brand not in lexicon.generic_words() else None


@lru_cache(maxsize=4)
def _longest(words: frozenset[str]) -> int:
    return max(map(len, words), default=0)


def is_generic(core: str) -> bool:
    """True when ``core`` is made only of generic words (各类, 重大, 科技 …).

    >>> is_generic("重大创新"), is_generic("产业共性技术创新")
    (True, False)
    """
    core = clean_name(core)
    if not core:
        return True
    generic = lexicon.generic_words()
    # greedy longest-first cover by generic words
    i = 0
    longest = _longest(generic)
    while i < len(core):
        for n in range(min(longest, len(core) - i), 0, -1):
            if core[i : i + n] in generic:
                i += n
                break
        else:
            return False
    return True


def counted(view: SentenceView, start: int, end: int, *, after: bool = True) -> bool:
    """True when a number with a unit stands right before (or, with ``after``, after) the span.

    Such a phrase is the measure of a figure (国家博士后科研工作站2家), not a name.
    """
    units = lexicon.units()
    text = view.text
    count_after = _COUNT_AFTER.match(text, end) if after else None
    if count_after and count_after.end() > end and count_after.group().rstrip("余多") not in ("万", "亿", "千") and any(
        text.startswith(u, count_after.end()) for u in units
    ):
        return True
    if start <= 0:
        return False
    for u in _units_by_last_char().get(text[start - 1], ()):
        if text.endswith(u, 0, start) and _COUNT_BEFORE.search(text, 0, start - len(u)):
            return True
    return False


@lru_cache(maxsize=1)
def _units_by_last_char() -> dict[str, tuple[str, ...]]:
    """The units (``%`` aside) by their last character: the only ones that can end before a given place."""
    out: dict[str, list[str]] = {}
    for u in lexicon.units():
        if u != "%" and u:
            out.setdefault(u[-1], []).append(u)
    return {ch: tuple(us) for ch, us in out.items()}
