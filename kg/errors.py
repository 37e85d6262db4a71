"""The one exception hierarchy of ``kg``, and the exit codes of the command line.

Library code raises these; only :mod:`kg.cli` turns them into messages and
exit codes (``KgError.exit_code``). The message is one line that names the
file and the problem; ``detail`` holds more (shown by ``kg --verbose``).

>>> try:
...     raise InputError("萍乡.txt: binary file, not an article", detail="41 control bytes in the first 64 KiB")
... except KgError as err:
...     (err.exit_code, str(err), err.detail)
(2, '萍乡.txt: binary file, not an article', '41 control bytes in the first 64 KiB')
>>> EXIT_CODES[EXIT_SKIPPED]
'built, but some inputs were skipped (each named on stderr and under "skipped" in report.json)'
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
    "FormatError",
    "NothingBuiltError",
    "WorkerDied",
    "EXIT_CODES",
    "EXIT_SKIPPED",
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
]

#: ``kg build`` wrote its outputs from the readable inputs and skipped the others.
EXIT_SKIPPED = 7
#: Ctrl-C (SIGINT).
EXIT_INTERRUPTED = 130
#: ``kill`` (SIGTERM).
EXIT_TERMINATED = 143

#: Every exit code of ``kg`` and what it means (the README's table says the same; a test checks).
EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "a check failed (kg validate: the graph does not conform), or an unexpected error",
    2: "bad input: a missing, empty, binary, undecodable or unreadable article, or one without Chinese text; "
       "a folder without articles; an unreadable graph, gold, query file or store",
    3: "a broken resource shipped in the package",
    4: "a bad SPARQL query (SERVICE or an update included), or a bad use of kg query (no source, an unknown saved "
       "question, a bad --param)",
    5: "an output that cannot be written (including a store locked by another process, or standard output on a full disk)",
    6: "a remote endpoint that cannot be reached or refuses",
    EXIT_SKIPPED: 'built, but some inputs were skipped (each named on stderr and under "skipped" in report.json)',
    EXIT_INTERRUPTED: "interrupted with Ctrl-C: earlier outputs and the store are left as they were",
    EXIT_TERMINATED: "stopped by SIGTERM: earlier outputs and the store are left as they were",
}


class KgError(Exception):
    """Base class: a problem the user can act on, shown as one line; ``detail`` says more."""

    exit_code = 1

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail


class InputError(KgError):
    """An input path is missing, unreadable, binary or of an unknown kind."""

    exit_code = 2


class EmptyInputError(InputError):
    """An input file or folder holds no article text."""


class EncodingError(InputError):
    """A file is in no encoding we can read (UTF-8, UTF-16 with BOM, GB18030)."""


class NothingBuiltError(InputError):
    """Every input of a build was skipped; ``skipped`` lists them (see :class:`kg.builder.Skipped`)."""

    def __init__(self, message: str, *, skipped: list | None = None, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.skipped = list(skipped or [])


class ResourceError(KgError):
    """A lexicon, pattern table or saved query shipped with the package is invalid."""

    exit_code = 3


class QueryError(KgError):
    """A SPARQL query is malformed or fails."""

    exit_code = 4


class QueryStopped(QueryError):
    """A query ended by a limit: past its time, over its memory, or an answer too large (``kg serve``)."""


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


class WorkerDied(KgError):
    """A worker process ended without answering (killed, out of memory, an engine that aborted): one of ``kg
    build --workers``, or the process a store query runs in (``signal``: what ended it; ``stderr``: what it
    wrote there)."""

    exit_code = 1

    def __init__(self, message: str, *, signal: int | None = None, stderr: str = "", detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.signal = signal
        self.stderr = stderr
