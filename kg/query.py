"""Querying graphs with SPARQL, and printing results for people and programs.

>>> import kg
>>> from kg.graph import to_networkx
>>> from kg.rdf import graph_to_rdf
>>> g = graph_to_rdf(to_networkx([kg.extract("萍乡经济技术开发区引进京东集团。")]))
>>> table = run_query(g, "SELECT ?name WHERE { ?e a zkg:Enterprise ; rdfs:label ?name }")
>>> print(format_table(table))
name
--------
京东集团
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from .errors import QueryError
from .vocab import ZKG, ZKGR

__all__ = ["Table", "run_query", "format_table", "format_csv", "format_json", "PREFIXES"]

#: Prefixes every query may use without declaring them.
PREFIXES = {"zkg": ZKG._NS, "zkgr": ZKGR, "rdf": RDF, "rdfs": RDFS, "skos": SKOS, "prov": PROV,
            "dcterms": DCTERMS, "xsd": XSD}


@dataclass
class Table:
    """A SELECT result: variable names and rows of RDF terms (None where unbound)."""

    variables: list[str]
    rows: list[tuple]
    boolean: bool | None = None


def run_query(g: Graph, sparql: str) -> Table:
    """Run a SELECT or ASK query; a syntax error names the line and column."""
    from pyparsing import ParseException

    try:
        result = g.query(sparql, initNs=PREFIXES)
    except ParseException as err:
        raise QueryError(f"SPARQL syntax error at line {err.lineno}, column {err.col}: {err.msg}") from None
    except Exception as err:  # rdflib raises assorted errors for bad queries
        raise QueryError(f"SPARQL query failed: {str(err).splitlines()[0] if str(err) else type(err).__name__}") from None
    if result.type == "ASK":
        return Table(["ask"], [(Literal(bool(result.askAnswer)),)], boolean=bool(result.askAnswer))
    if result.type != "SELECT":
        raise QueryError("only SELECT and ASK queries are supported here")
    variables = [str(v) for v in result.vars]
    return Table(variables, [tuple(row) for row in result])


def _text(term) -> str:
    if term is None:
        return ""
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


def format_csv(table: Table, *, delimiter: str = ",") -> str:
    """CSV (or TSV with ``delimiter="\\t"``) with a header row."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(table.variables)
    for row in table.rows:
        writer.writerow([_text(v) for v in row])
    return buf.getvalue()


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
