"""Stage 1, ingest: find article files and read them as text.

Encodings are detected in this order: a byte-order mark (UTF-8, UTF-16),
strict UTF-8, then GB18030 (a superset of GBK and GB2312). Binary files, files
with no text and files without a Chinese character are refused with an
:class:`~kg.errors.InputError` that names the file and the problem.

Files are read in blocks, never whole: :func:`open_article` checks a file in
one streaming pass (readable, text, encoding, SHA-256), and
:meth:`Article.documents` reads it again, cutting a text longer than
:data:`PART_CHARS` characters into parts at paragraph boundaries, each part
a document of its own (offsets and evidence are exact within the part). So a
100 MB file costs the memory of one part, not of the file.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
>>> _ = p.write_bytes("萍乡经开区新建学校。".encode("gb18030"))
>>> read_document(p).encoding
'gb18030'
>>> _ = p.write_text(("萍乡经开区新建学校。" * 8 + "\\n\\n") * 5, encoding="utf-8")
>>> [len(d.text) for d in open_article(p, part_chars=200).documents()]
[164, 164, 82]
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .errors import EmptyInputError, EncodingError, InputError
from .model import RawDocument

__all__ = ["ARTICLE_SUFFIXES", "PART_CHARS", "MAX_PAGE_BYTES", "Skipped", "Article", "find_articles", "decode",
           "parse_front_matter", "expand_inputs",
           "open_article", "read_document", "read_documents", "split_text"]

#: File endings read as articles.
ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")
_HTML_SUFFIXES = (".html", ".htm")
#: What a file that is not plain text is called in messages, by ending.
_KINDS = {".html": "web page", ".htm": "web page", ".docx": "Word document", ".pdf": "PDF"}

#: A text longer than this many characters is cut into parts of at most this size (extraction
#: time grows faster than the length of a document: 100,000 characters take 2 s, 1,000,000 take minutes).
PART_CHARS = 100_000
#: The largest web page read (a page is parsed whole); save a bigger one as text.
MAX_PAGE_BYTES = 32 * 1024 * 1024
_BLOCK = 1 << 20
_SNIFF = 65536
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@dataclass(frozen=True)
class Skipped:
    """An input left out of a build: the path, the problem (one line), more detail, the error itself."""

    path: str
    reason: str
    detail: str | None = None
    error: BaseException | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, path: str | Path, err: InputError) -> Skipped:
        """From the error raised for ``path`` (its message starts with the path; the reason is the rest)."""
        message, prefix = str(err), f"{path}: "
        reason = message[len(prefix):] if message.startswith(prefix) else message
        return cls(str(path), reason, err.detail, err)

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def as_dict(self) -> dict[str, str]:
        """For ``report.json``."""
        return {"path": self.path, "reason": self.reason, **({"detail": self.detail} if self.detail else {})}


# --- finding articles ---------------------------------------------------------------------------


def _problem(path: Path) -> InputError | None:
    """Why ``path``, found in a folder or named by the user, is no article file (None if it may be one)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            return InputError(f"{path}: broken link (to {os.readlink(path)}, which does not exist)")
        return InputError(f"{path}: no such file or folder")
    except OSError as err:
        return InputError(f"{path}: cannot read ({err.strerror})", detail=str(err))
    if not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        return InputError(f"{path}: not a regular file (a pipe, socket or device)")
    return None


def _folder_articles(folder: Path, on_skip: Callable[[Skipped], None] | None) -> list[Path]:
    found: list[Path] = []

    def unreadable(err: OSError) -> None:
        if on_skip is not None and err.filename and Path(err.filename) != folder:
            on_skip(Skipped.of(err.filename, InputError(f"{err.filename}: cannot read this folder ({err.strerror})")))
        elif Path(err.filename or folder) == folder:
            raise InputError(f"{folder}: cannot read this folder ({err.strerror})", detail=str(err))

    for root, dirs, files in os.walk(folder, onerror=unreadable):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            p = Path(root, name)
            if name.startswith((".", "~$")) or p.suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            problem = _problem(p)
            if problem is None and not p.is_dir():
                found.append(p)
            elif problem is not None and on_skip is not None:
                on_skip(Skipped.of(p, problem))
    return sorted(found)


_GLOB = re.compile(r"[*?[]")


def _list_file(path: Path) -> list[Path]:
    """The inputs an ``@LIST`` file names: one a line (``#`` comments, blank lines ignored), relative to its folder."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"@{path}: no such list file") from None
    except OSError as err:
        raise InputError(f"@{path}: cannot read the list file ({err.strerror})", detail=str(err)) from None
    except UnicodeDecodeError:
        raise InputError(f"@{path}: the list file is not UTF-8") from None
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(path.parent / os.path.expanduser(line))
    return out


def _glob(pattern: str) -> list[Path]:
    """The article files and folders a pattern matches (``**`` spans folders), sorted."""
    import glob

    matches = [Path(m) for m in glob.glob(pattern, recursive=True)]
    found = sorted(m for m in matches if m.is_dir() or m.suffix.lower() in ARTICLE_SUFFIXES)
    if not found:
        raise EmptyInputError(f"{pattern}: no article files match this pattern")
    return found


def expand_inputs(paths: Iterable[str | Path], *, on_skip: Callable[[Skipped], None] | None = None) -> Iterator[Path]:
    """The paths named by inputs: globs (``news/**/*.html``) expanded, ``@LIST`` files read.

    A name that exists is taken as it is, even if it looks like a pattern. Lines of a list file are
    relative to the list file's folder and may be globs themselves.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("a.txt", "b.md", "c.jpg", "list.txt"):
    ...     _ = (folder / name).write_text("b.md\\n# a comment\\n", encoding="utf-8")
    >>> [p.name for p in expand_inputs([str(folder / "*"), "@" + str(folder / "list.txt")])]
    ['a.txt', 'b.md', 'list.txt', 'b.md']
    """
    for raw in paths:
        text = str(raw)
        try:
            if text.startswith("@") and len(text) > 1 and not os.path.lexists(text):
                for line in _list_file(Path(os.path.expanduser(text[1:]))):
                    yield from (_glob(str(line)) if _GLOB.search(line.name) and not os.path.lexists(line) else [line])
            elif _GLOB.search(text) and not os.path.lexists(text):
                yield from _glob(text)
            else:
                yield Path(raw)
        except InputError as err:
            if on_skip is None:
                raise
            on_skip(Skipped(text, str(err)[len(text) + 2:] if str(err).startswith(f"{text}: ") else str(err), err.detail, err))


def find_articles(paths: Iterable[str | Path], *, on_skip: Callable[[Skipped], None] | None = None) -> list[Path]:
    """Expand files and folders into a sorted, de-duplicated list of article files.

    A named file is taken whatever its ending; folders are searched
    recursively for :data:`ARTICLE_SUFFIXES`; globs and ``@LIST`` files are
    expanded first (see :func:`expand_inputs`). Without ``on_skip`` the first
    problem (a missing path, a folder without articles) raises an
    :class:`~kg.errors.InputError`; with it, each problem is passed to
    ``on_skip`` as a :class:`Skipped` and the rest are listed (broken links
    and pipes inside folders included).
    """
    found: dict[Path, None] = {}
    for path in expand_inputs(paths, on_skip=on_skip):
        try:
            problem = _problem(path)
            if problem is not None:
                raise problem
            if path.is_dir():
                files = _folder_articles(path, on_skip)
                if not files:
                    raise EmptyInputError(f"{path}: no articles ({', '.join(ARTICLE_SUFFIXES)} files) in this folder")
                found.update(dict.fromkeys(files))
            else:
                found[path] = None
        except InputError as err:
            if on_skip is None:
                raise
            on_skip(Skipped.of(path, err))
    return list(found)


# --- decoding -----------------------------------------------------------------------------------


def _binary_detail(sample: bytes) -> str | None:
    """Why the first 64 KiB look binary, or None when they look like text."""
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return f"NUL bytes in the first {len(sample)} bytes"
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    if controls > max(8, len(sample) // 100):
        return f"{controls} control bytes in the first {len(sample)} bytes"
    return None


def _looks_binary(data: bytes) -> bool:
    return _binary_detail(data[:_SNIFF]) is not None


def _bom(head: bytes) -> tuple[str, str, int] | None:
    """``(codec, errors, BOM length)`` when ``head`` starts with a byte-order mark."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8", "replace", 3
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "strict", 0
    return None


def _name(codec: str, bom: int) -> str:
    return "utf-8-sig" if codec == "utf-8" and bom else codec


def decode(data: bytes, *, source: str = "<bytes>") -> tuple[str, str]:
    """Decode bytes of an article; return ``(text, encoding)``.

    >>> decode("园区".encode("utf-8-sig"))
    ('园区', 'utf-8-sig')
    >>> decode("园区".encode("gbk"))
    ('园区', 'gb18030')
    """
    bom = _bom(data)
    if bom:
        codec, errors, skip = bom
        try:
            return data[skip:].decode(codec, errors), _name(codec, skip)
        except UnicodeDecodeError as err:
            raise EncodingError(f"{source}: not valid UTF-16, despite its byte-order mark",
                                detail=f"{err.reason} at byte {err.start}") from None
    detail = _binary_detail(data[:_SNIFF])
    if detail:
        raise InputError(f"{source}: binary file, not an article", detail=detail)
    errors = []
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as err:
            errors.append(f"not {codec.upper()} (byte {data[err.start]:#04x} at offset {err.start})")
    raise EncodingError(f"{source}: unknown text encoding (not UTF-8, UTF-16 or GB18030)", detail="; ".join(errors))


def _blocks(fh: BinaryIO, codec: str, errors: str, skip: int, digest=None) -> Iterator[str]:
    """The text of ``fh`` decoded block by block (``UnicodeDecodeError`` with the offset in the file)."""
    fh.seek(0)
    decoder = codecs.getincrementaldecoder(codec)(errors)
    offset = 0
    while True:
        block = fh.read(_BLOCK)
        if digest is not None:
            digest.update(block)
        dropped = max(0, min(len(block), skip - offset))  # the byte-order mark, however the blocks cut it
        data = block[dropped:]
        try:
            text = decoder.decode(data, final=not block)
        except UnicodeDecodeError as err:
            start = offset + dropped + max(err.start, 0)
            raise UnicodeDecodeError(err.encoding, err.object, err.start, err.end,
                                     f"{err.reason} at offset {start}") from None
        if text:
            yield text
        if not block:
            return
        offset += len(block)


def _cut(text: str, start: int, size: int) -> int:
    """Where the part that starts at ``start`` ends: after a blank line, else a line, else a sentence."""
    lo, hi = start + size // 2, start + size
    for sep in ("\n\n", "\n\r\n", "\n", "。", "！", "？", "；"):
        i = text.rfind(sep, lo, hi)
        if i >= 0:
            return i + len(sep)
    return hi


def split_text(blocks: Iterable[str], part_chars: int) -> Iterator[str]:
    """Cut a text, given as blocks, into parts of at most ``part_chars`` characters at paragraph boundaries.

    The parts joined are the text.

    >>> list(split_text(["园区很好。\\n\\n企业很多。", "\\n\\n项目落地。"], 8))
    ['园区很好。\\n\\n', '企业很多。\\n\\n', '项目落地。']
    """
    buf, start = "", 0
    for block in blocks:
        buf = buf[start:] + block if start else buf + block
        start = 0
        while len(buf) - start > part_chars:
            end = _cut(buf, start, part_chars)
            yield buf[start:end]
            start = end
    if len(buf) > start:
        yield buf[start:]


# --- reading articles ---------------------------------------------------------------------------


def _open(path: Path) -> BinaryIO:
    problem = _problem(path)
    if problem is not None:
        raise problem
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    try:
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (removed since it was listed?)") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})", detail=str(err)) from None


def _read_error(path: Path, err: OSError) -> InputError:
    return InputError(f"{path}: cannot read ({err.strerror or err})", detail=str(err))


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
    first = None
    for i, m in enumerate(re.finditer(r"[^\r\n]+", text)):
        line = m.group().strip()
        if not line:
            continue
        if len(line) >= 8:
            return line
        first = first or line
        if i >= 40:
            break
    return first


def _read_html(data: bytes, *, source: str) -> tuple[str, str, dict[str, str]]:
    """The article text of a web page (boilerplate removed by trafilatura) and what the page states.

    Nothing the page names is fetched: no images, scripts, styles or links.
    """
    detail = _binary_detail(data[:_SNIFF])
    if detail:
        raise InputError(f"{source}: binary file, not a web page", detail=detail)
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


def _read_docx(data: bytes, *, source: str) -> tuple[str, str, dict[str, str]]:
    """The text of a Word document (.docx): paragraphs and table rows in document order, and its title."""
    import io
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise InputError(f"{source}: not a readable Word document (.docx)", detail=str(err)) from None
    except Exception as err:  # python-docx and lxml raise many kinds for a damaged package
        raise InputError(f"{source}: not a readable Word document (.docx)", detail=f"{type(err).__name__}: {err}") from None
    blocks = []
    for item in document.iter_inner_content():
        if hasattr(item, "rows"):
            for row in item.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells))
                if any(cells):
                    blocks.append("\t".join(cells))
        elif item.text.strip():
            blocks.append(item.text.strip())
    if not blocks:
        raise EmptyInputError(f"{source}: no text in the Word document")
    title = (document.core_properties.title or "").strip()
    return "\n\n".join(blocks) + "\n", "docx", {"title": title} if title else {}


def _read_pdf(data: bytes, *, source: str) -> tuple[str, str, dict[str, str]]:
    """The text layer of a PDF (pdfminer.six), pages separated by blank lines, and its title."""
    import io
    import logging

    from pdfminer.high_level import extract_text
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser, PDFSyntaxError
    from pdfminer.utils import decode_text

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    if not data.lstrip()[:5] == b"%PDF-":
        raise InputError(f"{source}: not a PDF (no %PDF- header)")
    try:
        text = extract_text(io.BytesIO(data))
        info = PDFDocument(PDFParser(io.BytesIO(data))).info
    except (PDFPasswordIncorrect, PDFEncryptionError) as err:
        raise InputError(f"{source}: encrypted PDF, cannot read its text", detail=str(err)) from None
    except PDFSyntaxError as err:
        raise InputError(f"{source}: not a readable PDF ({err})", detail=str(err)) from None
    except Exception as err:  # pdfminer raises many kinds for a damaged file
        raise InputError(f"{source}: not a readable PDF", detail=f"{type(err).__name__}: {err}") from None
    text = text.replace("\x0c", "\n\n")
    if not text.strip():
        raise InputError(f"{source}: PDF without a text layer (scanned pages?): run OCR on it, or give its text as .txt")
    meta: dict[str, str] = {}
    title = info[0].get("Title") if info else None
    if isinstance(title, bytes):
        title = decode_text(title)
    if isinstance(title, str) and title.strip():
        meta["title"] = title.strip()
    return text, "pdf", meta


#: Readers of files that are not plain text, by ending: bytes → (text, encoding, metadata).
_CONVERTERS: dict[str, Callable[..., tuple[str, str, dict[str, str]]]] = {
    ".html": _read_html, ".htm": _read_html, ".docx": _read_docx, ".pdf": _read_pdf,
}

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<body>.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_FRONT_KEYS = {"title": "title", "date": "date", "url": "url", "link": "url", "source": "url", "permalink": "url"}


def parse_front_matter(text: str) -> tuple[dict[str, str], int]:
    """The title, date and url of a YAML-like front-matter block at the start of ``text``, and its length.

    Only ``key: value`` lines are read (quotes removed); other keys are ignored.

    >>> parse_front_matter('---\\ntitle: "高新区签约"\\ndate: 2024-03-15 09:30\\ntags: [签约]\\n---\\n正文')
    ({'title': '高新区签约', 'date': '2024-03-15'}, 57)
    """
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, 0
    meta: dict[str, str] = {}
    for line in m.group("body").splitlines():
        kv = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$", line)
        if not kv or kv.group(1).lower() not in _FRONT_KEYS:
            continue
        key, value = _FRONT_KEYS[kv.group(1).lower()], kv.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if key == "date" and re.match(r"\d{4}-\d{2}-\d{2}[ T]", value):
            value = value[:10]
        if value and key not in meta:
            meta[key] = value
    return meta, m.end()


def _without_front_matter(blocks: Iterable[str], meta: dict[str, str]) -> Iterator[str]:
    """The text of ``blocks`` without a leading front-matter block, whose metadata goes into ``meta``."""
    it = iter(blocks)
    head = ""
    for block in it:
        head += block
        if len(head) >= _SNIFF:
            break
    found, end = parse_front_matter(head)
    meta.update(found)
    if head[end:]:
        yield head[end:]
    yield from it


@dataclass
class Article:
    """An article file, checked: its SHA-256 (of the whole file), encoding, size and number of parts.

    :meth:`documents` reads it (again) as one :class:`~kg.model.RawDocument` per part.
    """

    path: Path
    sha256: str
    encoding: str
    size: int
    parts: int
    meta: dict[str, str]
    part_chars: int
    _codec: tuple[str, str, int] = ("utf-8", "strict", 0)
    _text: str | None = None  # kept when the whole file came in one block (and for web pages)
    _front_matter: bool = False  # a Markdown file: a front-matter block is not part of the text

    def _part_texts(self) -> Iterator[str]:
        if self._text is not None:
            yield from split_text([self._text], self.part_chars)
            return
        codec, errors, skip = self._codec
        digest = hashlib.sha256()
        count = 0
        with _open(self.path) as fh:
            try:
                blocks = _blocks(fh, codec, errors, skip, digest)
                if self._front_matter:
                    blocks = _without_front_matter(blocks, {})
                for part in split_text(blocks, self.part_chars):
                    count += 1
                    yield part
            except (UnicodeDecodeError, OSError) as err:
                raise InputError(f"{self.path}: changed while it was being read", detail=str(err)) from None
        if digest.hexdigest() != self.sha256 or count != self.parts:
            raise InputError(f"{self.path}: changed while it was being read")

    def documents(self) -> Iterator[RawDocument]:
        """The file as documents: one, or one per part of a long text (title ``…（第2部分，共5部分）``)."""
        title = self.meta.get("title")
        for i, text in enumerate(self._part_texts(), 1):
            if i == 1 and not title:
                title = _title(text) or self.path.name
            one = self.parts == 1
            yield RawDocument(
                source=self.path.name,
                text=text,
                encoding=self.encoding,
                sha256=self.sha256 if one else hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
                title=title if one else f"{title}（第{i}部分，共{self.parts}部分）",
                date=self.meta.get("date"),
                url=self.meta.get("url"),
            )


def _size(n: int) -> str:
    return f"{n} bytes" if n < 2**20 else f"{n / 2**20:.0f} MB"


def _check_text(path: Path, text_seen: bool, han_seen: bool, chars: int, size: int) -> None:
    if not text_seen:
        raise EmptyInputError(f"{path}: empty file", detail=f"{size} bytes" + (", only white space" if size else ""))
    if not han_seen:
        raise InputError(f"{path}: no Chinese text, not an article kg can read",
                         detail=f"{chars} characters, none of them a Chinese character")


def open_article(path: str | Path, *, part_chars: int = PART_CHARS) -> Article:
    """Check an article file in one streaming pass and say how it will be read (see :class:`Article`).

    Raises an :class:`~kg.errors.InputError` naming the file for a missing,
    unreadable, non-regular, binary, empty or undecodable file, or one without
    Chinese text.
    """
    path = Path(path)
    with _open(path) as fh:
        try:
            head = fh.read(max(_BLOCK, _SNIFF))  # the BOM and the binary check see the same bytes as decode()
            whole = len(head) < max(_BLOCK, _SNIFF)
            convert = _CONVERTERS.get(path.suffix.lower())
            if convert is not None:
                size = os.fstat(fh.fileno()).st_size
                if size > MAX_PAGE_BYTES:
                    raise InputError(f"{path}: {_KINDS[path.suffix.lower()]} too large ({_size(size)}; at most "
                                     f"{_size(MAX_PAGE_BYTES)}): save its text as a .txt file")
                data = head + fh.read()
                text, encoding, page = convert(data, source=str(path))
                _check_text(path, bool(text.strip()), bool(_HAN.search(text)), len(text), len(data))
                parts = sum(1 for _ in split_text([text], part_chars))
                return Article(path, hashlib.sha256(data).hexdigest(), encoding, len(data), parts,
                               {**page, **_sidecar(path)}, part_chars, _text=text)
            bom = _bom(head)
            if bom is None:
                detail = _binary_detail(head[:_SNIFF])
                if detail:
                    raise InputError(f"{path}: binary file, not an article", detail=detail)
            failures = []
            markdown = path.suffix.lower() == ".md"
            for codec, errors, skip in [bom] if bom else [("utf-8", "strict", 0), ("gb18030", "strict", 0)]:
                digest = hashlib.sha256()
                text_seen = han_seen = False
                chars = parts = 0
                kept: list[str] = []
                front: dict[str, str] = {}
                try:
                    blocks = _blocks(fh, codec, errors, skip, digest)
                    for part in split_text(_without_front_matter(blocks, front) if markdown else blocks, part_chars):
                        parts += 1
                        chars += len(part)
                        text_seen = text_seen or not part.isspace()
                        han_seen = han_seen or _HAN.search(part) is not None
                        if whole:
                            kept.append(part)
                except UnicodeDecodeError as err:
                    if bom:
                        raise EncodingError(f"{path}: not valid UTF-16, despite its byte-order mark",
                                            detail=err.reason) from None
                    failures.append(f"not {codec.upper()} ({err.reason})")
                    continue
                size = fh.tell()
                _check_text(path, text_seen, han_seen, chars, size)
                return Article(path, digest.hexdigest(), _name(codec, skip), size, parts, {**front, **_sidecar(path)},
                               part_chars, (codec, errors, skip), "".join(kept) if whole else None, markdown)
            raise EncodingError(f"{path}: unknown text encoding (not UTF-8, UTF-16 or GB18030)",
                                detail="; ".join(failures))
        except OSError as err:
            raise _read_error(path, err) from None


def read_document(path: str | Path) -> RawDocument:
    """Read one article file, whole, into a :class:`~kg.model.RawDocument` (see :func:`open_article`)."""
    return next(open_article(path, part_chars=2**62).documents())


def read_documents(paths: Iterable[Path]) -> Iterator[RawDocument]:
    """Read each path in turn (see :func:`read_document`)."""
    for path in paths:
        yield read_document(path)
