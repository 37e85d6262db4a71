"""The data tables that drive extraction, read once from ``kg/resources``.

Every table is a UTF-8 text file shipped inside the package: ``#`` starts a
comment line and columns are separated by tabs. Adding a kind of name, a cue
or a unit is adding a row.

>>> heads = name_heads()
>>> heads["有限公司"].cls
'Enterprise'
>>> "的" in boundary_words()
True
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from .errors import ResourceError

__all__ = [
    "NameHead",
    "Cue",
    "read_table",
    "name_heads",
    "zone_heads",
    "anaphora_words",
    "boundary_words",
    "project_boundary_words",
    "generic_words",
    "name_verbs",
    "enumeration_heads",
    "quote_heads",
    "honor_parts",
    "relation_cues",
    "units",
    "qualifiers",
    "person_titles",
    "national_bodies",
    "places",
    "place_openings",
]


def read_table(name: str, columns: int) -> list[list[str]]:
    """Rows of a resource table with exactly ``columns`` tab-separated fields."""
    path = files("kg") / "resources" / name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ResourceError(f"kg/resources/{name}: cannot read ({err})") from None
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != columns:
            raise ResourceError(
                f"kg/resources/{name}, line {lineno}: expected {columns} tab-separated "
                f"fields, found {len(fields)}: {line!r}"
            )
        rows.append([f.strip() for f in fields])
    return rows


def _words(name: str) -> frozenset[str]:
    return frozenset(row[0] for row in read_table(name, 1))


@dataclass(frozen=True)
class NameHead:
    head: str
    cls: str
    kind: str
    max_chars: int


@dataclass(frozen=True)
class Cue:
    word: str
    predicate: str
    subject_classes: frozenset[str]
    object_classes: frozenset[str]
    objects_before: bool = False


@lru_cache(maxsize=1)
def name_heads() -> dict[str, NameHead]:
    """Heads that end names (有限公司 → Enterprise), from ``names.tsv``."""
    out = {}
    for head, cls, kind, max_chars in read_table("names.tsv", 4):
        out[head] = NameHead(head, cls, kind, int(max_chars))
    return out


@lru_cache(maxsize=1)
def zone_heads() -> dict[str, str | None]:
    """Zone heads and their abbreviations (经济技术开发区 → 经开区), from ``zones.tsv``."""
    return {full: (None if short == "-" else short) for full, short in read_table("zones.tsv", 2)}


@lru_cache(maxsize=1)
def anaphora_words() -> frozenset[str]:
    return _words("anaphora.txt")


@lru_cache(maxsize=1)
def boundary_words() -> frozenset[str]:
    """Words that stop every name on its left (see ``boundaries.tsv``)."""
    return frozenset(w for w, _ in read_table("boundaries.tsv", 2))


@lru_cache(maxsize=1)
def project_boundary_words() -> frozenset[str]:
    """The boundary words that also stop a project name (scope ``all``)."""
    return frozenset(w for w, scope in read_table("boundaries.tsv", 2) if scope == "all")


@lru_cache(maxsize=1)
def name_verbs() -> frozenset[str]:
    """Verbs that may stand inside a name (see ``name_verbs.txt``)."""
    return _words("name_verbs.txt")


@lru_cache(maxsize=1)
def generic_words() -> frozenset[str]:
    return _words("generic.txt")


@lru_cache(maxsize=1)
def enumeration_heads() -> list[tuple[str, str]]:
    return [(h, c) for h, c in read_table("enumeration_heads.tsv", 2)]


@lru_cache(maxsize=1)
def quote_heads() -> list[tuple[str, str, str]]:
    """(head, class, where) rows, longest head first."""
    rows = [(h, c, w) for h, c, w in read_table("quote_heads.tsv", 3)]
    return sorted(rows, key=lambda r: -len(r[0]))


@lru_cache(maxsize=1)
def honor_parts() -> dict[str, tuple[str, ...]]:
    """``{"level": (...), "head": (...), "cue": (...)}``, each longest first."""
    parts: dict[str, list[str]] = {}
    for part, value in read_table("honors.tsv", 2):
        parts.setdefault(part, []).append(value)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in parts.items()}


@lru_cache(maxsize=1)
def relation_cues() -> list[Cue]:
    out = []
    for word, pred, subj, obj, where in read_table("relations.tsv", 5):
        out.append(Cue(word, pred, frozenset(subj.split(",")), frozenset(obj.split(",")), where == "before"))
    return sorted(out, key=lambda c: -len(c.word))


@lru_cache(maxsize=1)
def units() -> dict[str, str]:
    return {u: kind for u, kind in read_table("units.tsv", 2)}


@lru_cache(maxsize=1)
def qualifiers() -> list[tuple[str, str, str]]:
    rows = [(w, pos, q) for w, pos, q in read_table("qualifiers.tsv", 3)]
    return sorted(rows, key=lambda r: -len(r[0]))


@lru_cache(maxsize=1)
def platform_type_heads() -> tuple[str, ...]:
    return tuple(row[0] for row in read_table("platform_types.txt", 1))


def platform_type(name: str) -> str:
    """The type of a platform: the first head of ``platform_types.txt`` that ends its name, else 其他.

    >>> platform_type("国家级科技企业孵化器"), platform_type("政务服务中心"), platform_type("人才驿站")
    ('孵化器', '服务中心', '其他')
    """
    return next((head for head in platform_type_heads() if name.endswith(head)), "其他")


@lru_cache(maxsize=1)
def person_titles() -> frozenset[str]:
    return _words("titles.txt")


@lru_cache(maxsize=1)
def national_bodies() -> frozenset[str]:
    return _words("bodies.txt")


@lru_cache(maxsize=1)
def place_openings() -> frozenset[str]:
    """The first two characters of every place name: a cheap test before a dictionary look-up."""
    return frozenset(name[:2] for name in places())


_PLACE_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州",
                   "地区", "省", "市", "盟")


@lru_cache(maxsize=1)
def places() -> dict[str, str]:
    """Chinese administrative divisions, name → full name, from the ``cpca`` dataset.

    Provinces and cities are also known by their short form (江西省 → 江西);
    counties and districts only by their full name (汉滨区).
    """
    try:
        data = (files("cpca") / "resources" / "adcodes.csv").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError) as err:
        raise ResourceError(f"the cpca package's division table cannot be read ({err})") from None
    out: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(data)):
        name, code = row["name"], row["adcode"]
        out.setdefault(name, name)
        is_city_or_province = code[4:6] == "00"
        if is_city_or_province:
            for suffix in _PLACE_SUFFIXES:
                if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                    out.setdefault(name[: -len(suffix)], name)
                    break
    return out
