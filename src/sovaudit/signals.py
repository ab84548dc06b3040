"""Ctrl-C and a closed standard output, as a command line tool should meet them.

* Ctrl-C (SIGINT) goes to the whole process group: the main process stops with exit 130 and no
  traceback; forked workers (the scan's and the report writers') leave at once and quietly, and
  the main process says what happened. The handler is installed only where SIGINT has Python's
  default handler (a job started in the background with SIGINT ignored keeps ignoring it).
* A reader that goes away (``sovaudit scan . -o - | head``) is not a policy violation: exit 141,
  the status a shell shows for a process ended by SIGPIPE, with nothing more written. SIGPIPE
  itself keeps Python's handling (ignored, an error on write): restoring its default would let a
  Hub server that closes its connection kill the process.
"""

from __future__ import annotations

import os
import signal
import sys

EXIT_INTERRUPTED = 130
EXIT_PIPE = 141

_MAIN_PID: int | None = None


def _on_sigint(signum, frame) -> None:
    if os.getpid() != _MAIN_PID:
        os._exit(EXIT_INTERRUPTED)  # a forked worker: no traceback, the main process reports
    raise KeyboardInterrupt


def quiet_workers_on_sigint() -> None:
    """Install the SIGINT handler in the main process (forked workers inherit it)."""
    global _MAIN_PID
    try:
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            return
        _MAIN_PID = os.getpid()
        signal.signal(signal.SIGINT, _on_sigint)
    except ValueError:  # not the main thread of the main interpreter
        pass


def _silence(stream) -> None:
    """Point ``stream``'s file descriptor at /dev/null so the interpreter's last flush finds
    nowhere to fail."""
    try:
        fd = stream.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def interrupted() -> None:
    """Exit 130 after Ctrl-C: one short line on standard error, no traceback."""
    try:
        sys.stderr.write("\ninterrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    sys.exit(EXIT_INTERRUPTED)


def stdout_closed() -> None:
    """Exit 141 when standard output was closed by its reader."""
    _silence(sys.stdout)
    sys.exit(EXIT_PIPE)


__all__ = ["EXIT_INTERRUPTED", "EXIT_PIPE", "interrupted", "quiet_workers_on_sigint", "stdout_closed"]
