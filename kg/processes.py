"""Work in a process of its own: what a crash of a native engine, or Ctrl-C during one, ends.

Oxigraph does not come back to Python while it sorts, and it can abort the process it runs in (a Rust panic).
:func:`run_forked` runs a function in a forked child and hands back its value, or raises the child's error
again, or :class:`~kg.errors.WorkerDied` when the child ended without answering, with what the child wrote
to stderr (the panic's message). The parent ends the child at once when it is interrupted, and the child
ends itself when the parent is gone (:func:`exit_when_orphaned`).

>>> run_forked(lambda: sum(range(10)))
45
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from typing import TypeVar

from .errors import WorkerDied

__all__ = ["run_forked", "exit_when_orphaned", "how_it_ended"]

T = TypeVar("T")


def exit_when_orphaned(parent: int) -> None:
    """End this process within half a second of its parent being gone (killed, or out of memory), even
    mid-query: run it in a thread."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def run_forked(work: Callable[[], T]) -> T:
    """``work()`` in a forked child; its value, pickled back, or its error raised again here.

    Only a process with a single thread is forked (the ``kg`` command before it opens a store): a child
    gets none of the other threads but all the locks they held, and can hang on one (RocksDB's did, in a
    test process that had opened stores). Otherwise, or where there is no ``fork``, ``work()`` runs here.
    """
    if not hasattr(os, "fork") or _threads() != 1:
        return work()
    stderr = tempfile.TemporaryFile()  # the child's: a panic's message and backtrace land here
    readable, writable = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        _child(work, parent, readable, writable, stderr)  # never returns
    os.close(writable)
    reaped = False
    try:
        with open(readable, "rb") as pipe:
            answer = pipe.read()
        _, status = os.waitpid(pid, 0)
        reaped = True
    except BaseException:  # Ctrl-C, SIGTERM: end the child, then go on stopping
        if not reaped:
            with contextlib.suppress(ChildProcessError, ProcessLookupError):  # reaped a moment ago
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        raise
    with stderr:
        stderr.seek(0)
        said = stderr.read().decode("utf-8", "replace")
    if os.WIFSIGNALED(status) or not answer:
        ended = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        if ended == signal.SIGINT:
            raise KeyboardInterrupt
        how = how_it_ended(os.waitstatus_to_exitcode(status))
        raise WorkerDied(f"the process that ran the work ended without answering ({how})", signal=ended, stderr=said)
    if said:
        sys.stderr.write(said)  # warnings, notes: the user sees them as before
    kind, value, text, where = pickle.loads(answer)
    if kind == "value":
        return value
    try:
        error = pickle.loads(value)
    except Exception:  # noqa: BLE001 - an error that pickles but does not unpickle: its text
        error = RuntimeError(text)
    error.add_note(f"raised in the process of its own:\n{where}")
    raise error


def _threads() -> int:
    """The threads of this process, native ones (RocksDB's) included; off Linux, the Python ones."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _child(work: Callable, parent: int, readable: int, writable: int, stderr) -> None:
    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # ignored (a background job) stays so
            signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        threading.Thread(target=exit_when_orphaned, args=(parent,), daemon=True).start()
        os.close(readable)
        os.dup2(stderr.fileno(), 2)
        try:
            answer = pickle.dumps(("value", work(), None, None))
        except BaseException as err:  # noqa: BLE001 - raised again in the parent
            try:
                error = pickle.dumps(err)
            except Exception:  # noqa: BLE001 - an error that does not pickle: its text
                error = pickle.dumps(RuntimeError(f"{type(err).__name__}: {err}"))
            answer = pickle.dumps(("error", error, f"{type(err).__name__}: {err}", traceback.format_exc()))
        with open(writable, "wb") as pipe:
            pipe.write(answer)
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(0)


def how_it_ended(code: int | None) -> str:
    """A process's end as ``multiprocessing`` gives it (``exitcode``: minus the signal that killed it), in words.

    >>> how_it_ended(-9), how_it_ended(3), how_it_ended(None)
    ('killed by SIGKILL', 'exit code 3', 'still running')
    """
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
