"""Time limits of a scan: a budget per file and a deadline for the whole tree.

The lexer checks a soft budget itself between anchors (what it found so far is kept). This module
gives the hard one, in the per-file entry point (``scan.scan_file``): an interval timer
(``SIGALRM``) raises ``OverBudget`` in whatever Python code the file is in when its budget is
spent -- a reader's loop, a regular expression (``re`` checks for signals while it backtracks), a
parser -- and the file becomes a recorded skip; no other file is affected. ``OverBudget`` derives
from ``BaseException`` so that the ``except Exception`` of a reader cannot swallow it.

The timer needs the main thread of a process: the scan's worker processes and the CLI have it.
Elsewhere (a library caller's thread) only the lexer's soft budget and the deadline between files
apply.

A code path that never returns to the interpreter (a C extension looping) would not see the
signal; every C routine on scanned bytes here is linear (Hyperscan, google-re2, the JSON and YAML
parsers, ``struct``), so this is a bound on Python code, which is where every hang of issue #14
was.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator


class OverBudget(BaseException):
    """The current file's time is spent."""


def _usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def alarm(seconds: float) -> Iterator[bool]:
    """Raise ``OverBudget`` in this block after ``seconds`` (wall clock). Yields whether the timer
    is armed (False: no limit asked, or not the main thread). Callers catch ``OverBudget`` around
    the ``with``: the timer may fire while the block is being left."""
    if seconds <= 0 or not _usable():
        yield False
        return

    def _ring(signum, frame):
        raise OverBudget()

    previous = signal.signal(signal.SIGALRM, _ring)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def file_limit(budget: float, stop_at: float) -> float:
    """Seconds the next file may take: its budget, or less when the scan's deadline (``stop_at``,
    a ``time.monotonic()`` value; 0 = none) comes first. 0 = no limit; a negative value: already late."""
    if not stop_at:
        return budget
    left = stop_at - time.monotonic()
    if left <= 0:
        return -1.0
    return min(budget, left) if budget > 0 else left
