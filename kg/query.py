"""Querying graphs with SPARQL: sources, saved questions, safe parameters, and result formats.

A query runs against a :class:`Source`: graph files in memory (:class:`GraphSource`, rdflib), the
embedded store (:class:`kg.store.StoreSource`, Oxigraph) or a remote endpoint
(:class:`kg.remote.EndpointSource`). Every source returns the same :class:`Table` of rdflib terms, with
literals in one canonical form (``143`` for the decimal ``143.0``, plain strings for ``xsd:string``), so
one query gives the same rows everywhere.

>>> import kg
>>> from kg.graph import to_networkx
>>> from kg.rdf import graph_to_rdf
>>> g = graph_to_rdf(to_networkx([kg.extract("萍乡经济技术开发区引进京东集团。")]))
>>> table = run_query(g, "SELECT ?name WHERE { ?e a zkg:Enterprise ; rdfs:label ?name }")
>>> print(format_table(table))
name
--------
京东集团

Saved questions ship with the package and take parameters, bound as RDF terms in a ``VALUES`` block:

>>> print(format_table(run_saved(GraphSource(g), "introductions", {"zone": "萍乡经济技术开发区"})))
introducedBy        introduced  class       sentence
------------------  ----------  ----------  --------------------------------
萍乡经济技术开发区  京东集团    Enterprise  萍乡经济技术开发区引进京东集团。
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
import unicodedata
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from importlib import resources
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from .errors import QueryError, ResourceError
from .vocab import ZKG, ZKGR

__all__ = [
    "Table", "Source", "GraphSource", "run_query", "PREFIXES",
    "Bindings", "SavedQuery", "Param", "saved_queries", "saved_query", "bind_params", "saved_text", "run_saved",
    "run_own", "param_term", "is_absolute_iri",
    "sparql_term", "inject_values", "iri_value", "canonical_term", "prefix_line", "syntax_error",
    "refuse_update", "refuse_deep", "check_local", "names_dataset", "shift_position", "where_inserted",
    "format_table", "format_csv", "format_json", "format_xml", "format_tsv", "RESULT_FORMATS",
]

#: Prefixes every query may use without declaring them.
PREFIXES = {"zkg": ZKG._NS, "zkgr": ZKGR, "rdf": RDF, "rdfs": RDFS, "skos": SKOS, "prov": PROV,
            "dcterms": DCTERMS, "xsd": XSD}


@dataclass
class Table:
    """A SELECT result: variable names and rows of RDF terms (None where unbound).

    ``boolean`` is set for ASK; ``truncated`` when a row limit cut the rows; ``notes`` are remarks for
    the user (a parameter that named nothing).
    """

    variables: list[str]
    rows: list[tuple]
    boolean: bool | None = None
    truncated: bool = False
    notes: list[str] = field(default_factory=list)


# --- terms --------------------------------------------------------------------------------------

_XSD_STRING = str(XSD.string)
_RDF_LANGSTRING = str(RDF.langString)
_XSD_DECIMAL = str(XSD.decimal)


def make_literal(value: str, *, lang: str | None = None, datatype: str | None = None) -> Literal:
    """An rdflib literal in the canonical form every source returns.

    >>> make_literal("143.0", datatype="http://www.w3.org/2001/XMLSchema#decimal")
    rdflib.term.Literal('143', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal'))
    >>> make_literal("萍乡", datatype="http://www.w3.org/2001/XMLSchema#string")
    rdflib.term.Literal('萍乡')
    """
    if lang:
        return Literal(value, lang=lang)
    if not datatype or datatype in (_XSD_STRING, _RDF_LANGSTRING):
        return Literal(value)
    if datatype == _XSD_DECIMAL:
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return Literal(value, datatype=URIRef(datatype))
        if number.is_finite():
            text = format(number.normalize(), "f")
            return Literal(text if text != "-0" else "0", datatype=XSD.decimal)
    return Literal(value, datatype=URIRef(datatype))


def canonical_term(term):
    """``term`` with a literal in canonical form (see :func:`make_literal`); other terms unchanged."""
    if isinstance(term, Literal):
        return make_literal(str(term), lang=term.language, datatype=str(term.datatype) if term.datatype else None)
    return term


_IRI = re.compile(r"[^<>\"{}|^`\\\x00-\x20]*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # what makes an IRI absolute
_LANG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


_STRING_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')
_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _escape_char(m: re.Match) -> str:
    ch = m.group()
    return _ECHAR.get(ch) or f"\\u{ord(ch):04X}"


def sparql_term(term: URIRef | Literal) -> str:
    """The SPARQL text of an RDF term, escaped so that no text can break out of it.

    >>> sparql_term(Literal('萍乡"} DROP ALL', lang="zh"))
    '"萍乡\\\\"} DROP ALL"@zh'
    >>> sparql_term(URIRef("https://w3id.org/zonekg/id/zone/萍乡经济技术开发区"))
    '<https://w3id.org/zonekg/id/zone/萍乡经济技术开发区>'
    """
    if isinstance(term, URIRef):
        if not _IRI.fullmatch(str(term)):
            raise QueryError(f"not a valid IRI: {str(term)[:100]!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        text = _STRING_ESCAPE.sub(_escape_char, str(term))
        if term.language:
            if not _LANG.fullmatch(term.language):
                raise QueryError(f"not a valid language tag: {term.language[:20]!r}")
            return f'"{text}"@{term.language}'
        if term.datatype and str(term.datatype) != _XSD_STRING:
            return f'"{text}"^^{sparql_term(URIRef(term.datatype))}'
        return f'"{text}"'
    raise QueryError(f"cannot bind {type(term).__name__} as a parameter")


# --- query text ---------------------------------------------------------------------------------

def _group_end(code: str, start: int) -> int:
    """The offset of the ``}`` that closes the ``{`` at ``start`` of ``code`` (see :func:`_code`); the end of
    the text when it is not closed (the engine will say where)."""
    depth = 0
    for m in _BRACE.finditer(code, start):
        depth += 1 if m.group() == "{" else -1
        if depth == 0:
            return m.start()
    return len(code)


def _where_group(sparql: str) -> tuple[int, int]:
    """Offsets just after the ``{`` that opens the query's WHERE group and of the ``}`` that closes it
    (braces in comments, strings and IRIs do not count)."""
    code = _code(sparql)
    start = code.find("{")
    if start < 0:
        raise QueryError("cannot bind parameters: the query has no WHERE { … } group")
    return start + 1, _group_end(code, start)


#: Up to this many combinations, several bound variables share one ``VALUES`` block.
_JOINT_VALUES = 64


def inject_values(sparql: str, bindings: dict[str, list], *, at_end: bool = False) -> str:
    """Bind variables by a ``VALUES`` block at the start of the WHERE group (``at_end``: at its end), on
    the same line.

    Terms are written by :func:`sparql_term`, so user text can only ever be one RDF term; an empty
    list binds to nothing (no rows). Line numbers in error messages stay those of the original text.
    Several variables go into one block (every combination of their terms, while there are at most
    64): Oxigraph passes the values of one block into a ``UNION`` that follows, but not those of
    two blocks joined together (the evidence question on 1M triples: 3 ms instead of 9).

    A query may also mark, inside a sub-``SELECT``, where the values of a parameter belong:
    ``VALUES ?name { UNDEF }`` (one solution that binds nothing, so the query means the same unbound)
    is filled with the terms too. A sub-``SELECT`` sees no variable of the query around it, and
    Oxigraph evaluates it whole before joining; one that groups by the parameter (as ``conflicts``
    does) gives the same rows when its input is restricted to the parameter's values first, and is
    then evaluated for those values alone (the store, one zone of 1M triples: 20 ms instead of 1.7 s).

    >>> inject_values("SELECT ?e WHERE { ?e rdfs:label ?name }", {"name": [Literal("京东集团", lang="zh")]})
    'SELECT ?e WHERE { VALUES ?name { "京东集团"@zh } ?e rdfs:label ?name }'
    >>> inject_values("SELECT * WHERE { ?s ?p ?o }", {"s": [URIRef("urn:a"), URIRef("urn:b")], "p": [URIRef("urn:p")]})
    'SELECT * WHERE { VALUES (?s ?p) { (<urn:a> <urn:p>) (<urn:b> <urn:p>) } ?s ?p ?o }'
    >>> inject_values("SELECT ?n WHERE { { SELECT ?s (COUNT(*) AS ?n) WHERE { VALUES ?s { UNDEF } ?s ?p ?o } GROUP BY ?s } }",
    ...               {"s": [URIRef("urn:a")]})
    'SELECT ?n WHERE { VALUES ?s { <urn:a> } { SELECT ?s (COUNT(*) AS ?n) WHERE { VALUES ?s { <urn:a> } ?s ?p ?o } GROUP BY ?s } }'
    """
    if not bindings:
        return sparql
    for var in bindings:
        if not _VAR.fullmatch(var):
            raise QueryError(f"not a valid variable name: {var[:40]!r}")
    written = {var: [sparql_term(t) for t in terms] for var, terms in bindings.items()}
    blocks = []
    joint = [var for var, terms in written.items() if terms]
    if len(joint) > 1 and math.prod(len(written[var]) for var in joint) <= _JOINT_VALUES:
        rows = " ".join(f"({' '.join(row)})" for row in itertools.product(*(written[var] for var in joint)))
        blocks.append(f"VALUES ({' '.join(f'?{var}' for var in joint)}) {{ {rows} }}")
    else:
        joint = []
    for var, terms in written.items():
        if var in joint:
            continue
        if terms:
            blocks.append(f"VALUES ?{var} {{ {' '.join(terms)} }}")
        else:  # bound to nothing: no rows (an empty VALUES block, which some engines mishandle)
            blocks.append(f"VALUES ?{var} {{ UNDEF }} FILTER(1 = 0)")
    at, close = _where_group(sparql)
    if at_end:
        body = _fill_placeholders(sparql[at:close], written)
        return f"{sparql[:at]}{body} {' '.join(blocks)} {sparql[close:]}"
    return f"{sparql[:at]} {' '.join(blocks)}{_fill_placeholders(sparql[at:], written)}"


def _fill_placeholders(sparql: str, written: dict[str, list[str]]) -> str:
    """Every ``VALUES ?name { UNDEF }`` (outside strings, IRIs and comments) of a bound variable with
    its terms; one bound to nothing keeps its placeholder (the block at the top already gives no rows)."""

    def fill(m: re.Match) -> str:
        terms = written.get(m.group("var")) if m.group("var") else None
        return f"VALUES ?{m.group('var')} {{ {' '.join(terms)} }}" if terms else m.group()

    return _PLACEHOLDER.sub(fill, sparql)


def prefix_line(sparql: str) -> str:
    """The predefined prefixes the query does not declare itself, as declarations on one line.

    Put in front of the query's first line, line numbers of errors stay right.

    >>> prefix_line("PREFIX zkg: <https://w3id.org/zonekg/ontology#> SELECT * { ?s rdfs:label ?o }").count("PREFIX")
    7
    """
    declared = {m.group(1) for m in re.finditer(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:", sparql)}
    return "".join(f"PREFIX {p}: <{ns}> " for p, ns in PREFIXES.items() if p not in declared)


def syntax_error(message: str) -> QueryError:
    """A :class:`QueryError` naming line and column from a parser's ``error at LINE:COLUMN: …`` message.

    >>> str(syntax_error("error at 2:16: expected one of LATERAL, SERVICE"))
    'SPARQL syntax error at line 2, column 16: expected one of LATERAL, SERVICE'
    """
    m = re.search(r"(?:error )?at (\d+):(\d+)(?::|,)?\s*(.*)", message, re.S)
    if m:  # one line, however long the parser's list of what it expected; all of it with --verbose
        return QueryError(f"SPARQL syntax error at line {m.group(1)}, column {m.group(2)}: {_clip(m.group(3))}",
                          detail=message.strip())
    return QueryError(f"SPARQL syntax error: {_clip(message)}", detail=message.strip())


_POSITION = re.compile(r"SPARQL syntax error at line (\d+), column (\d+)")


def where_inserted(original: str, changed: str) -> tuple[int, int, int]:
    """Where kg put text into a query on one line (a ``VALUES`` block, the prefix declarations): the
    line and 0-based column of the insertion, and how many characters it added."""
    at = next((i for i, (a, b) in enumerate(zip(original, changed)) if a != b), len(original))
    line = original.count("\n", 0, at) + 1
    return line, at - (original.rfind("\n", 0, at) + 1), len(changed) - len(original)


def shift_position(err: QueryError, original: str, changed: str) -> QueryError:
    """``err`` with its column counted in ``original``, the query the user wrote, instead of ``changed``,
    the text kg ran (with a ``VALUES`` block or prefix declarations inserted on one line).

    >>> q = "SELECT ?e WHERE { ?e rdfs:label ?n FILTER(?n = ) }"
    >>> changed = inject_values(q, {"n": [Literal("京东集团", lang="zh")]})
    >>> str(shift_position(QueryError("SPARQL syntax error at line 1, column 72: expected an expression"), q, changed))
    'SPARQL syntax error at line 1, column 48: expected an expression'
    """
    m = _POSITION.search(str(err))
    if not m or original == changed:
        return err
    line, column, added = where_inserted(original, changed)
    reported = int(m.group(2))
    if int(m.group(1)) != line or reported <= column + added:
        return err
    text = str(err)
    fixed = f"{text[:m.start()]}SPARQL syntax error at line {line}, column {reported - added}{text[m.end():]}"
    return type(err)(fixed, detail=err.detail)


def _clip(text: str, size: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[:size - 1] + "…"


# --- sources ------------------------------------------------------------------------------------


Bindings = dict[str, list]
"""Parameter values: variable name → the RDF terms it may take (an empty list: none, so no rows)."""


class Source:
    """Somewhere SPARQL SELECT and ASK queries run: a graph in memory, a store or an endpoint."""

    #: What the user named, for messages (a file, a folder, a URL).
    name: str = "graph"

    def query(self, sparql: str, *, limit: int | None = None, bindings: Bindings | None = None) -> Table:
        """Run a SELECT or ASK query; at most ``limit`` rows (``Table.truncated`` tells).

        ``bindings`` bind variables to RDF terms: by the engine's own means where it has them (rdflib's
        ``initBindings``, Oxigraph's substitutions), else by a ``VALUES`` block (:func:`inject_values`).
        """
        raise NotImplementedError  # pragma: no cover - interface

    def close(self) -> None:
        """Release what the source holds (connections, file locks)."""


class GraphSource(Source):
    """An rdflib graph in memory: graph files loaded with :func:`kg.rdf.load_rdf`."""

    def __init__(self, graph: Graph, name: str = "graph") -> None:
        self.graph = graph
        self.name = name

    def query(self, sparql: str, *, limit: int | None = None, bindings: Bindings | None = None) -> Table:
        if names_dataset(sparql):  # rdflib would answer from the whole graph, as if FROM were not there
            raise QueryError("FROM and FROM NAMED need named graphs, and graph files are read as one graph: "
                             "query a store (kg build … --store DIR, then --store DIR)")
        init = None
        if bindings and all(len(terms) == 1 for terms in bindings.values()):
            # initBindings: rdflib joins VALUES blocks with nested loops, slow on big graphs; and its parser
            # expands \u escapes even after an escaped backslash, so no user text goes into rdflib's query text
            init = {var: terms[0] for var, terms in bindings.items()}
            for var, term in init.items():
                if not _VAR.fullmatch(var):
                    raise QueryError(f"not a valid variable name: {var[:40]!r}")
                sparql_term(term)  # the same checks as for the other sources
        written = inject_values(sparql, bindings) if bindings and init is None else sparql
        try:
            table = run_query(self.graph, written, init_bindings=init)
        except QueryError as err:
            raise shift_position(err, sparql, written) from None
        if limit is not None and len(table.rows) > limit:
            table.rows, table.truncated = table.rows[:limit], True
        return table


# strings, IRIs and comments of a query: a keyword inside them is no keyword
_LEXICAL = re.compile(r'''"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\''''
                      r'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\s]*>|#[^\n]*''', re.S)
# a keyword, not part of a name: no name character (letters of any script, digits, _ - . :) or ?/$ around it
_KEYWORD = r"(?<![\w:?$.\-\u00b7]){}(?![\w:.\-\u00b7])"
_SERVICE = re.compile(_KEYWORD.format("SERVICE"), re.I)
#: ``VALUES ?name { UNDEF }``: where a sub-SELECT takes a parameter's values (see :func:`inject_values`)
_PLACEHOLDER = re.compile(_LEXICAL.pattern + r"|\bVALUES\s+[?$](?P<var>[A-Za-z_][A-Za-z0-9_]*)\s*\{\s*UNDEF\s*\}",
                          re.S | re.I)


@lru_cache(maxsize=16)
def _code(sparql: str) -> str:
    """The query with its strings, IRIs and comments blanked: what is left is keywords, names and
    punctuation (kept for the few checks every query goes through, which all read it)."""
    return _LEXICAL.sub(lambda m: " " * len(m.group()), sparql)  # the same length: offsets hold


_BRACKET = re.compile(r"[(){}\[\]]")
_BRACE = re.compile(r"[{}]")


def refuse_remote(sparql: str) -> None:
    """Refuse a query that would make the engine fetch from the network: ``SERVICE`` (federation).

    Oxigraph and rdflib both send ``SERVICE`` requests; ``kg`` answers from local data only.

    >>> refuse_remote('SELECT ?s WHERE { ?s rdfs:label "SERVICE <http://x>" }  # SERVICE in a comment')
    >>> refuse_remote("SELECT * WHERE { service <http://127.0.0.1/sparql> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: SERVICE is not allowed: kg answers from local data and fetches nothing (use --endpoint URL)
    """
    if _SERVICE.search(_code(sparql)):
        raise QueryError("SERVICE is not allowed: kg answers from local data and fetches nothing (use --endpoint URL)")


_UPDATE_VERBS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
# the first keyword after the prologue (PREFIX and BASE declarations; IRIs, strings and comments blanked)
_FIRST_KEYWORD = re.compile(r"\s*(?:(?:PREFIX\s+[^\s:]*:|BASE)\s*)*([A-Za-z]+)", re.I)  # any script in a prefix
_FROM = re.compile(_KEYWORD.format("FROM"), re.I)


def refuse_update(sparql: str) -> None:
    """Refuse a SPARQL Update (``INSERT``, ``DELETE``, ``DROP`` …): queries only read.

    Checked before a query goes anywhere, so an endpoint that would carry the update out never sees it.

    >>> refuse_update("PREFIX ex: <urn:x#> SELECT * WHERE { ?s ex:insert ?o }")
    >>> refuse_update("PREFIX ex: <urn:x#>\\nINSERT DATA { ex:a ex:b ex:c }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: updates are refused: this is INSERT, and kg only reads (kg build --store and kg push write)
    """
    m = _FIRST_KEYWORD.match(_code(sparql))
    if m and m.group(1).upper() in _UPDATE_VERBS:
        raise QueryError(f"updates are refused: this is {m.group(1).upper()}, and kg only reads "
                         "(kg build --store and kg push write)")


#: Deeper nesting of (), {} and [] than this is refused: Oxigraph's parser recurses once a level and
#: overflows the stack (the process dies) at a few thousand levels; rdflib's at a few hundred.
MAX_NESTING = 100


def refuse_deep(sparql: str) -> None:
    """Refuse a query nested deeper than :data:`MAX_NESTING` (brackets in strings, IRIs and comments
    do not count).

    >>> refuse_deep("SELECT * WHERE { FILTER(" + "(" * 200 + "1" + ")" * 200 + ") }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: the query is nested more than 100 levels deep (brackets and braces)
    """
    depth = deepest = 0
    for ch in _BRACKET.findall(_code(sparql)):
        if ch in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")}]":
            depth -= 1
    if deepest > MAX_NESTING:
        raise QueryError(f"the query is nested more than {MAX_NESTING} levels deep (brackets and braces)")


def check_local(sparql: str) -> None:
    """The checks of a query that an engine of this process (rdflib, Oxigraph) is to run: no ``SERVICE``, no
    update, no nesting that overflows a parser (:func:`refuse_remote`, :func:`refuse_update`,
    :func:`refuse_deep`)."""
    refuse_remote(sparql)
    refuse_update(sparql)
    refuse_deep(sparql)


def names_dataset(sparql: str) -> bool:
    """Whether the query names its own graphs (``FROM`` or ``FROM NAMED``), which then replace the union
    of all graphs as the default graph.

    >>> names_dataset("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }"), names_dataset('SELECT ?from WHERE { ?from ?p "FROM" }')
    (True, False)
    """
    return bool(_FROM.search(_code(sparql)))


def run_query(g: Graph, sparql: str, *, init_bindings: dict | None = None) -> Table:
    """Run a SELECT or ASK query on an rdflib graph; a syntax error names the line and column."""
    from pyparsing import ParseException

    check_local(sparql)
    try:
        result = g.query(sparql, initNs=PREFIXES, initBindings=init_bindings or None)
    except ParseException as err:
        raise QueryError(f"SPARQL syntax error at line {err.lineno}, column {err.col}: {err.msg}") from None
    except Exception as err:  # rdflib raises assorted errors for bad queries
        raise QueryError(f"SPARQL query failed: {str(err).splitlines()[0] if str(err) else type(err).__name__}") from None
    if result.type == "ASK":
        return Table(["ask"], [(Literal(bool(result.askAnswer)),)], boolean=bool(result.askAnswer))
    if result.type != "SELECT":
        raise QueryError("only SELECT and ASK queries are supported here")
    variables = [str(v) for v in result.vars]
    try:
        rows = [tuple(canonical_term(t) for t in row) for row in result]
    except Exception as err:  # evaluation is lazy: errors surface while reading the rows
        raise QueryError(f"SPARQL query failed: {str(err).splitlines()[0] if str(err) else type(err).__name__}") from None
    return Table(variables, rows)


# --- saved questions ----------------------------------------------------------------------------

PARAM_KINDS = ("entity", "text", "integer", "iri", "property", "limit")


@dataclass(frozen=True)
class Param:
    """A parameter of a saved query: it binds the variable ``?name``.

    Kinds: ``entity`` (a name, alias or IRI; names are looked up to the IRIs of the entities that carry
    them), ``text`` (a plain string), ``integer``, ``iri`` and ``property`` (``introduced`` stands for
    ``zkg:introduced``). A ``limit`` binds no variable: it is a number of rows, written into every
    ``LIMIT`` clause of the query (which the query writes with the default, so that it runs as it stands
    in any SPARQL tool).
    """

    name: str
    kind: str
    description: str = ""
    optional: bool = True
    default: str | None = None


@dataclass(frozen=True)
class SavedQuery:
    """A question shipped in ``kg/resources/queries/NAME.rq``; its comment header says what it answers."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str


_PARAM_LINE = re.compile(r"@param\s+(\w+)\s+(\w+)\s+(optional|required|default=\S+)\s*(.*)")


def parse_saved(name: str, text: str) -> SavedQuery:
    """Read the comment header of a saved query: a title line, a description, ``@param`` lines.

    >>> q = parse_saved("demo", "# Demo\\n#\\n# What it answers.\\n# @param zone entity optional  the zone\\nSELECT * {}")
    >>> q.title, q.params[0].name, q.params[0].kind
    ('Demo', 'zone', 'entity')
    """
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line[1:].strip())
    if not header or not header[0]:
        raise ResourceError(f"saved query {name}: the first line must be a comment with its title")
    params, description = [], []
    for line in header[1:]:
        if line.startswith("@param"):
            m = _PARAM_LINE.fullmatch(line)
            if not m or m.group(2) not in PARAM_KINDS:
                raise ResourceError(f"saved query {name}: bad parameter line {line!r} "
                                    f"(want: @param NAME {'|'.join(PARAM_KINDS)} optional|required|default=VALUE TEXT)")
            flag = m.group(3)
            params.append(Param(m.group(1), m.group(2), m.group(4).strip(), optional=flag != "required",
                                default=flag[len("default="):] if flag.startswith("default=") else None))
        elif line.startswith("Columns:"):
            continue
        elif line or description:
            description.append(line)
    return SavedQuery(name, header[0], " ".join(" ".join(description).split()), tuple(params), text)


@cache
def saved_queries() -> dict[str, SavedQuery]:
    """Every saved query shipped in the package, by name (the file name without ``.rq``).

    >>> "enterprises-of-zone" in saved_queries()
    True
    """
    folder = resources.files("kg") / "resources" / "queries"
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            out[name] = parse_saved(name, entry.read_text(encoding="utf-8"))
    return out


def saved_query(name: str) -> SavedQuery:
    """The saved query ``name``; an unknown name lists the available ones."""
    queries = saved_queries()
    if name not in queries:
        raise QueryError(f"no saved query named {name!r}; available: {', '.join(queries)}")
    return queries[name]


def is_absolute_iri(text: str) -> bool:
    """Whether ``text`` can stand as an absolute IRI in SPARQL and N-Triples: a scheme, and none of the
    characters an IRI cannot hold.

    >>> is_absolute_iri("https://w3id.org/zonekg/id/graph/shared"), is_absolute_iri("zone/甲区"), is_absolute_iri("urn:a b")
    (True, False, False)
    """
    return bool(_SCHEME.match(text)) and bool(_IRI.fullmatch(text))


def iri_value(value: str) -> URIRef | None:
    """``value`` as an IRI if it is written as one (``<…>``, ``http(s)://…``, ``zkgr:…``), else None; a
    relative ``<…>`` is taken against the instances' base, as in the graph files kg writes.

    >>> iri_value("<zone/萍乡经济技术开发区>")
    rdflib.term.URIRef('https://w3id.org/zonekg/id/zone/萍乡经济技术开发区')
    """
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
        if not _SCHEME.match(value):
            value = urllib.parse.urljoin(str(ZKGR), value)
    elif ":" in value and value.split(":", 1)[0] in PREFIXES and not value.startswith(("http:", "https:")):
        prefix, local = value.split(":", 1)
        value = str(PREFIXES[prefix]) + local
    elif not re.match(r"(?i)(https?|urn|file):", value):
        return None
    if not _IRI.fullmatch(value):
        raise QueryError(f"not a valid IRI: {value[:100]!r}")
    return URIRef(value)


def _lookup(source: Source, param: Param, value: str) -> list[URIRef]:
    """The entities whose name or alias is ``value`` (language-tagged ``@zh`` or plain); a name written in
    traditional characters or full-width forms is also looked up as kg build writes names (九江綜合保稅區 →
    九江综合保税区)."""
    sparql = f"SELECT DISTINCT ?e WHERE {{ ?e <{RDFS.label}>|<{SKOS.altLabel}> ?name }}"
    found: set[URIRef] = set()
    for term in (Literal(value, lang="zh"), Literal(value)):  # one value a query: rdflib binds it without text
        found.update(row[0] for row in source.query(sparql, bindings={"name": [term]}).rows if isinstance(row[0], URIRef))
    if not found:
        from .normalise import to_simplified

        simplified = to_simplified(unicodedata.normalize("NFKC", value))
        if simplified != value:
            return _lookup(source, param, simplified)
    return sorted(found)


def bind_params(saved: SavedQuery, values: dict[str, str], source: Source) -> tuple[Bindings, list[str]]:
    """The bindings of the parameters of ``saved`` (defaults included), and notes for the user.

    ``entity`` parameters given by name are looked up in ``source``; a name that matches nothing binds
    to nothing (no rows) and adds a note.
    """
    known = {p.name: p for p in saved.params}
    for name in values:
        if name not in known:
            takes = ", ".join(known) or "no parameters"
            raise QueryError(f"saved query {saved.name} has no parameter {name!r} (it takes: {takes})")
    bindings: dict[str, list] = {}
    notes = []
    for p in saved.params:
        value = values.get(p.name, p.default)
        if value is None:
            if not p.optional:
                raise QueryError(f"saved query {saved.name} needs --param {p.name}=… ({p.description})")
            continue
        if p.kind == "limit":  # no variable: see saved_text
            _limit_value(p, value)
            continue
        bindings[p.name], note = _param_terms(p, value, source)
        if note:
            notes.append(note)
    return bindings, notes


def _param_terms(p: Param, value: str, source: Source) -> tuple[list, str | None]:
    if p.kind == "integer":
        try:
            return [Literal(int(value.strip()))], None
        except ValueError:
            raise QueryError(f"parameter {p.name} wants an integer, not {value!r}") from None
    if p.kind == "text":
        return [Literal(value)], None
    iri = iri_value(value)
    if p.kind == "iri":
        if iri is None:
            raise QueryError(f"parameter {p.name} wants an IRI, not {value!r}")
        return [iri], None
    if p.kind == "property":
        if iri is None:
            local = value.strip()
            if local in ("a", "type"):
                return [RDF.type], None
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", local):
                raise QueryError(f"parameter {p.name} wants a property name (introduced, hasHonor …) or IRI, not {value!r}")
            return [URIRef(ZKG._NS + local)], None
        return [iri], None
    if iri is not None:
        return [iri], None
    found = _lookup(source, p, value.strip())
    return found, None if found else f"no entity is named {value.strip()!r} (parameter {p.name})"


def _limit_value(p: Param, value: str) -> int:
    text = value.strip()
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise QueryError(f"parameter {p.name} wants a number of rows (a whole number from 1), not {value!r}")
    return int(text)


#: ``LIMIT n`` outside strings, IRIs and comments
_LIMIT_CLAUSE = re.compile(_LEXICAL.pattern + r"|(?P<limit>\bLIMIT\s+)\d+\b", re.S | re.I)


def saved_text(saved: SavedQuery, values: dict[str, str] | None = None) -> str:
    """The text of ``saved`` with its ``limit`` parameter, if it has one, in every ``LIMIT`` clause.

    >>> q = parse_saved("demo", "# Demo\\n#\\n# What.\\n# @param top limit default=10  at most\\nSELECT * {} LIMIT 10")
    >>> saved_text(q, {"top": "3"}).splitlines()[-1], saved_text(q).splitlines()[-1]
    ('SELECT * {} LIMIT 3', 'SELECT * {} LIMIT 10')
    """
    text = saved.text
    for p in saved.params:
        value = (values or {}).get(p.name, p.default)
        if p.kind == "limit" and value is not None:
            text = _set_limits(text, _limit_value(p, value))
    return text


def _set_limits(sparql: str, rows: int) -> str:
    return _LIMIT_CLAUSE.sub(lambda m: f"{m.group('limit')}{rows}" if m.group("limit") else m.group(), sparql)


_SELECT = re.compile(_KEYWORD.format("SELECT"), re.I)


def _hidden_in_sub_select(code: str, name: str) -> bool:
    """Whether ``?name`` is used inside a sub-SELECT's WHERE group that does not project it (``code``: the
    query with strings, IRIs and comments blanked)."""
    var = re.compile(rf"[?$]{name}(?!\w)")
    for m in list(_SELECT.finditer(code))[1:]:
        start = code.find("{", m.end())
        if start < 0:
            continue
        end = _group_end(code, start)
        head = code[m.end():start]
        if var.search(code, start, end) and not var.search(head) and "*" not in head:
            return True
    return False


_TAGGED = re.compile(r'"(?P<text>.*)"(?:@(?P<lang>[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)|\^\^(?P<datatype>\S+))', re.S)


def param_term(value: str) -> URIRef | Literal:
    """The RDF term a ``--param`` value of one's own query stands for: an IRI when written as one, a
    literal with a language or a datatype when written as in SPARQL (the text between the quotes is
    taken as it is), else plain text.

    >>> param_term('"京东集团"@zh'), param_term("京东集团"), param_term('"3"^^xsd:integer')
    (rdflib.term.Literal('京东集团', lang='zh'), rdflib.term.Literal('京东集团'), rdflib.term.Literal('3', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer')))
    """
    m = _TAGGED.fullmatch(value.strip())
    if m and m.group("lang"):
        return Literal(m.group("text"), lang=m.group("lang"))
    if m:
        datatype = iri_value(m.group("datatype"))
        if datatype is None:
            raise QueryError(f"not a datatype IRI: {m.group('datatype')[:100]!r}")
        literal = make_literal(m.group("text"), datatype=str(datatype))
        if getattr(literal, "ill_typed", False):
            raise QueryError(f"{m.group('text')[:100]!r} is not a valid {datatype.n3()}")
        return literal
    return iri_value(value) or Literal(value)


def run_own(source: Source, sparql: str, params: dict[str, str]) -> Table:
    """Run a query of the user's own, ``?NAME`` bound to each ``params`` value (see :func:`param_term`) as
    by a ``VALUES`` block at the start of its WHERE group, on every kind of source.

    >>> g = Graph().parse(data='<urn:a> <urn:p> "萍乡" .', format="turtle")
    >>> run_own(GraphSource(g), "SELECT ?s WHERE { ?s <urn:p> ?name }", {"name": "萍乡"}).rows
    [(rdflib.term.URIRef('urn:a'),)]
    """
    bindings = {name: [param_term(value)] for name, value in params.items()}
    code = _code(sparql)
    for name in bindings:
        if _VAR.fullmatch(name) and re.search(rf"(?i)\bAS\s+[?$]{name}(?!\w)", code):
            raise QueryError(f"--param {name}: the query gives ?{name} a value itself (… AS ?{name})")
    if bindings and len(_SELECT.findall(code)) > 1:
        # A sub-SELECT sees no variable from outside it; rdflib's initBindings reach into it, and so does a
        # VALUES block before it (rdflib evaluates the right side of a join with the left side's values).
        # When a parameter is used inside a sub-SELECT that does not project it, rdflib gets the block at
        # the end of the group instead (the one case where this text and the other engines' differ).
        hidden = isinstance(source, GraphSource) and any(_hidden_in_sub_select(code, name) for name in bindings)
        written = inject_values(sparql, bindings, at_end=hidden)
        try:
            return source.query(written)
        except QueryError as err:
            raise shift_position(err, sparql, written) from None
    return source.query(sparql, bindings=bindings)


def run_saved(source: Source, name: str, params: dict[str, str] | None = None, *, limit: int | None = None) -> Table:
    """Run the saved query ``name`` with ``params`` (parameter name → value as the user wrote it)."""
    saved = saved_query(name)
    bindings, notes = bind_params(saved, params or {}, source)
    table = source.query(saved_text(saved, params), limit=limit, bindings=bindings)
    table.notes.extend(notes)
    return table


# --- formats ------------------------------------------------------------------------------------


def _text(term) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(table: Table) -> str:
    """An aligned plain-text table; CJK characters count as two columns."""
    cells = [[_text(v) for v in row] for row in table.rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(table.variables)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths)).rstrip()

    out = [line(table.variables), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    return "\n".join(out)


def format_csv(table: Table) -> str:
    """SPARQL 1.1 CSV results: a header row, then values only (blank nodes as ``_:label``), lines ended
    by CRLF as the format says.

    >>> format_csv(Table(["name", "n"], [(Literal("京东集团, 北京", lang="zh"), Literal(3))]))
    'name,n\\r\\n"京东集团, 北京",3\\r\\n'
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if table.boolean is not None:
        writer.writerow(["ask"])
        writer.writerow(["true" if table.boolean else "false"])
        return buf.getvalue()
    writer.writerow(table.variables)
    for row in table.rows:
        writer.writerow([_text(v) for v in row])
    return buf.getvalue()


def _tsv_term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal) and term.datatype == XSD.integer and re.fullmatch(r"[+-]?\d+", str(term)):
        return str(term)
    return sparql_term(term).replace("\t", "\\t")


def format_tsv(table: Table) -> str:
    """SPARQL 1.1 TSV results: ``?var`` headers and terms in SPARQL syntax (``<iri>``, ``"text"@zh``).

    >>> print(format_tsv(Table(["name"], [(Literal("京东集团", lang="zh"),)])), end="")
    ?name
    "京东集团"@zh
    """
    if table.boolean is not None:
        return "?ask\n" + ("true" if table.boolean else "false") + "\n"
    lines = ["\t".join(f"?{v}" for v in table.variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in table.rows]
    return "\n".join(lines) + "\n"


def _json_term(term) -> dict:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype:
        out["datatype"] = str(term.datatype)
    return out


def format_json(table: Table) -> str:
    """SPARQL 1.1 Query Results JSON."""
    if table.boolean is not None:
        return json.dumps({"head": {}, "boolean": table.boolean})
    bindings = [{v: _json_term(t) for v, t in zip(table.variables, row) if t is not None} for row in table.rows]
    return json.dumps({"head": {"vars": table.variables}, "results": {"bindings": bindings}}, ensure_ascii=False,
                      indent=1)


# characters XML 1.0 cannot carry, even as references: they become U+FFFD
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str) -> str:
    # a raw CR would come back from a parser as LF: written as a reference it stays CR
    return _NOT_XML.sub("\ufffd", xml_escape(text, {"\r": "&#13;"}))


def _xml_term(term) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{_xml_text(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{_xml_text(str(term))}</bnode>"
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype:
        attrs = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attrs}>{_xml_text(str(term))}</literal>"


def format_xml(table: Table) -> str:
    """SPARQL Query Results XML. A control character that XML 1.0 cannot hold (U+0000, U+000B …) is
    written as U+FFFD, so that the answer always parses; CR is written ``&#13;`` and survives.

    >>> print(format_xml(Table(["n"], [(Literal("<京东>\\r\\x0b"),)])).splitlines()[4])
      <result><binding name="n"><literal>&lt;京东&gt;&#13;\ufffd</literal></binding></result>
    """
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if table.boolean is not None:
        out += ["<head/>", f"<boolean>{'true' if table.boolean else 'false'}</boolean>", "</sparql>"]
        return "\n".join(out) + "\n"
    out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in table.variables) + "</head>")
    out.append("<results>")
    for row in table.rows:
        cells = "".join(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                        for v, t in zip(table.variables, row) if t is not None)
        out.append(f"  <result>{cells}</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"


#: The answer formats by name (``kg query --format``, ``kg serve``'s ``format=``): a table as text.
RESULT_FORMATS: dict[str, Callable[[Table], str]] = {
    "table": format_table, "csv": format_csv, "tsv": format_tsv, "json": format_json, "xml": format_xml,
}
