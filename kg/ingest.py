"""Stage 1, ingest: find article files and read them as text.

Encodings are detected in this order: a byte-order mark (UTF-8, UTF-16),
strict UTF-8, then GB18030 (a superset of GBK and GB2312). Binary files and
files with no text are refused with an :class:`~kg.errors.InputError`.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
>>> _ = p.write_bytes("萍乡经开区新建学校。".encode("gb18030"))
>>> read_document(p).encoding
'gb18030'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import EmptyInputError, EncodingError, InputError
from .model import RawDocument

__all__ = ["ARTICLE_SUFFIXES", "find_articles", "decode", "read_document"]

#: File endings read as articles.
ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")
_HTML_SUFFIXES = (".html", ".htm")


def find_articles(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into a sorted, de-duplicated list of article files.

    A named file is taken whatever its ending; folders are searched
    recursively for :data:`ARTICLE_SUFFIXES`.
    """
    found: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not files:
                raise EmptyInputError(
                    f"{path}: no articles ({', '.join(ARTICLE_SUFFIXES)} files) in this folder"
                )
            for f in files:
                found[f] = None
        else:
            found[path] = None
    return list(found)


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(8, len(sample) // 100)


def decode(data: bytes, *, source: str = "<bytes>") -> tuple[str, str]:
    """Decode bytes of an article; return ``(text, encoding)``.

    >>> decode("园区".encode("utf-8-sig"))
    ('园区', 'utf-8-sig')
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if _looks_binary(data):
        raise InputError(f"{source}: binary file, not an article")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise EncodingError(
            f"{source}: unknown text encoding (not UTF-8, UTF-16 or GB18030)"
        ) from None


def _sidecar(path: Path) -> dict[str, str]:
    meta = path.with_name(path.stem + ".meta.json")
    if not meta.is_file():
        return {}
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"{meta}: unreadable metadata ({err})") from None
    if not isinstance(data, dict):
        raise InputError(f"{meta}: metadata must be a JSON object")
    return {k: str(v) for k, v in data.items() if k in ("title", "date", "url")}


def _title(text: str) -> str | None:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for line in lines[:8]:
        if len(line) >= 8:
            return line
    return lines[0] if lines else None


def _read_html(data: bytes, *, source: str) -> tuple[str, str, dict[str, str]]:
    """The article text of a web page (boilerplate removed by trafilatura) and what the page states."""
    if _looks_binary(data):
        raise InputError(f"{source}: binary file, not a web page")
    import logging

    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    text = trafilatura.extract(data, favor_recall=True, include_comments=False, include_tables=True)
    if not text or not text.strip():
        raise EmptyInputError(f"{source}: no article text found in the page")
    meta: dict[str, str] = {}
    info = trafilatura.extract_metadata(data)
    if info is not None:
        for key in ("title", "date", "url"):
            value = getattr(info, key, None)
            if value:
                meta[key] = str(value)
    return text, "html", meta


def read_document(path: str | Path) -> RawDocument:
    """Read one article file into a :class:`~kg.model.RawDocument`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    page: dict[str, str] = {}
    if path.suffix.lower() in _HTML_SUFFIXES:
        text, encoding, page = _read_html(data, source=str(path))
    else:
        text, encoding = decode(data, source=str(path))
    if not text.strip():
        raise EmptyInputError(f"{path}: empty file")
    meta = {**page, **_sidecar(path)}
    return RawDocument(
        source=path.name,
        text=text,
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        title=meta.get("title") or _title(text),
        date=meta.get("date"),
        url=meta.get("url"),
    )


def read_documents(paths: Iterable[Path]) -> Iterator[RawDocument]:
    """Read each path in turn (see :func:`read_document`)."""
    for path in paths:
        yield read_document(path)
