"""The one exception hierarchy of ``kg``.

Library code raises these; only :mod:`kg.cli` turns them into messages and
exit codes (``KgError.exit_code``).

>>> try:
...     raise InputError("missing.txt: no such file")
... except KgError as err:
...     (err.exit_code, str(err))
(2, 'missing.txt: no such file')
"""

from __future__ import annotations

__all__ = [
    "KgError",
    "InputError",
    "EmptyInputError",
    "EncodingError",
    "ResourceError",
    "QueryError",
    "GraphFileError",
    "GoldFileError",
    "OutputError",
    "EndpointError",
]


class KgError(Exception):
    """Base class: a problem the user can act on, shown as one line."""

    exit_code = 1


class InputError(KgError):
    """An input path is missing, unreadable, binary or of an unknown kind."""

    exit_code = 2


class EmptyInputError(InputError):
    """An input file or folder holds no article text."""


class EncodingError(InputError):
    """A file is in no encoding we can read (UTF-8, UTF-16 with BOM, GB18030)."""


class ResourceError(KgError):
    """A lexicon, pattern table or saved query shipped with the package is invalid."""

    exit_code = 3


class QueryError(KgError):
    """A SPARQL query is malformed or fails."""

    exit_code = 4


class GraphFileError(KgError):
    """A graph file cannot be read as RDF."""

    exit_code = 2


class GoldFileError(KgError):
    """A gold annotation file is not valid JSON of the expected shape."""

    exit_code = 2


class OutputError(KgError):
    """An output file cannot be written."""

    exit_code = 5


class EndpointError(KgError):
    """A remote SPARQL endpoint or graph store cannot be reached, or refuses the request."""

    exit_code = 6


class FormatError(KgError):
    """An output format that ``kg`` does not write."""

    exit_code = 2
