"""Stage 2, normalise: clean layout, keep a map back to the raw text.

What it does, in order:

* full-width letters, digits and ASCII symbols become half-width (NFKC), but
  Chinese punctuation (，。：；（）) is kept as written;
* blank lines, page numbers and trailing spaces are dropped;
* a prose line (one with ，。；) that stops mid-sentence is joined to the next line
  (``惠企服`` + ``务，助力…`` → ``惠企服务，助力…``);
* short lines without sentence punctuation are marked as headings, or as
  captions when set apart by two or more blank lines;
* ``match_text`` holds the same text in simplified characters (OpenCC t2s),
  character for character, for the extractors.

>>> from kg.model import RawDocument
>>> raw = RawDocument("a.txt", "近年来，该区推出惠企服\\n\\n务，助力企业。\\n图片说明", "utf-8", "0")
>>> doc = normalise(raw)
>>> doc.text
'近年来，该区推出惠企服务，助力企业。\\n图片说明'
>>> [line.kind for line in doc.lines]
['prose', 'heading']
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

from .model import Document, Line, RawDocument

__all__ = ["normalise", "to_simplified", "document_id"]

_KEEP = set("，。：；！？（）、“”‘’《》【】〈〉「」『』…—～")
_PROSE = re.compile(r"[，。；！？：,;!?]")
_MID_SENTENCE = re.compile(r"[，。；,;]")
_TERMINAL = tuple("。！？；：…”’」』）)!?;:")
_PAGE_NUMBER = re.compile(r"^(?:[-—–－]\s*\d+\s*[-—–－]|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$")
_CAPTION_GAP = 2


#: a character that :func:`_safe_char` may change (the others are kept as they are)
_MAY_CHANGE = re.compile("[^\u4e00-\u9fff\x00-\x7f" + re.escape("".join(sorted(_KEEP))) + "]").search


def _safe_char(ch: str) -> str:
    """NFKC for one character, unless it is Chinese punctuation or would grow."""
    if "\u4e00" <= ch <= "\u9fff" or ch in _KEEP or ch.isascii():
        return ch
    if ch == "\u3000":
        return " "
    if "\ud800" <= ch <= "\udfff":
        return "\ufffd"  # a lone surrogate cannot be written as UTF-8
    out = unicodedata.normalize("NFKC", ch)
    return out if len(out) == 1 else ch


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified characters, keeping the length.

    >>> to_simplified("經濟技術開發區")
    '经济技术开发区'
    """
    if text.isascii():
        return text
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(c if len(c := _t2s().convert(ch)) == 1 else ch for ch in text)


def document_id(raw: RawDocument) -> str:
    """A stable identifier for a document: its file stem plus a hash prefix.

    >>> document_id(RawDocument("萍乡 2024.txt", "", "utf-8", "ab12cd34ef"))
    '萍乡_2024-ab12cd34'
    """
    stem = raw.source.rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = re.sub(r"[^\w\-]+", "_", stem).strip("_") or "doc"
    return f"{stem}-{raw.sha256[:8]}"


def _raw_lines(text: str) -> list[tuple[int, str, int]]:
    """Non-blank lines as ``(raw_start, stripped_text, blank_lines_before)``.

    Page numbers and running headers (a line without sentence punctuation that
    recurs, as a PDF page header does) count as blank.
    """
    lines = text.splitlines(keepends=True)
    counts = Counter(ln.strip() for ln in lines if ln.strip())
    out: list[tuple[int, str, int]] = []
    blanks = 0
    pos = 0
    for line in lines:
        body = line.rstrip("\r\n")
        lead = len(body) - len(body.lstrip())
        stripped = body.strip()
        running_header = counts[stripped] >= 2 and not _is_prose(stripped) and len(stripped) >= 6
        if not stripped or _PAGE_NUMBER.match(stripped) or running_header:
            blanks += 1
        else:
            out.append((pos + lead, stripped, blanks))
            blanks = 0
        pos += len(line)
    return out


def _wrap_width(lines: list[tuple[int, str, int]]) -> int | None:
    """The width at which a PDF-style text was hard-wrapped, if it was.

    Most long lines of such a text have the same length.
    """
    lengths = Counter(len(body) for _, body, _ in lines if len(body) >= 16)
    if not lengths:
        return None
    width, n = lengths.most_common(1)[0]
    near = sum(c for w, c in lengths.items() if abs(w - width) <= 1)
    return width if n >= 3 and near >= 0.4 * sum(lengths.values()) else None


def _is_prose(line: str) -> bool:
    return bool(_PROSE.search(line))


def normalise(raw: RawDocument) -> Document:
    """Normalise a raw document (see the module docstring)."""
    chars: list[str] = []
    offsets: list[int] = []
    lines: list[Line] = []
    raw_lines = _raw_lines(raw.text)
    width = _wrap_width(raw_lines)
    joined_to_previous = False
    for i, (raw_start, body, blanks) in enumerate(raw_lines):
        if chars and not joined_to_previous:
            chars.append("\n")
            offsets.append(raw_start - 1)
        line_start = len(chars) if not joined_to_previous else lines[-1].start
        chars.extend(map(_safe_char, body) if _MAY_CHANGE(body) else body)
        offsets.extend(range(raw_start, raw_start + len(body)))
        nxt = raw_lines[i + 1][1] if i + 1 < len(raw_lines) else ""
        broken_prose = (
            _MID_SENTENCE.search(body) is not None
            and "\u4e00" <= body[-1] <= "\u9fff"
            and (_is_prose(nxt) or nxt.endswith(_TERMINAL))
        )
        hard_wrapped = width is not None and len(body) >= width - 1
        joins = bool(nxt) and not body.endswith(_TERMINAL) and (broken_prose or hard_wrapped)
        if joined_to_previous:
            lines.pop()
            kind = "prose"
        elif _is_prose(body):
            kind = "prose"
        elif blanks >= _CAPTION_GAP and i > 0:
            kind = "caption"
        else:
            kind = "heading"
        lines.append(Line(line_start, len(chars), kind))
        joined_to_previous = joins
    offsets.append(len(raw.text))
    text = "".join(chars)
    return Document(
        id=document_id(raw),
        source=raw.source,
        text=text,
        raw_offset=offsets,
        sha256=raw.sha256,
        title=raw.title,
        date=raw.date,
        url=raw.url,
        encoding=raw.encoding,
        match_text=to_simplified(text),
        lines=lines,
    )
