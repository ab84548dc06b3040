"""The audit process: ``python -m sovaudit.org.runner`` audits one folder per request with
``sovaudit.audit`` and answers with the scan document and its rows.

Each Dask worker thread keeps one such process and reuses it, so the knowledge base is loaded and
its matcher compiled once, not once per repository; the process is what makes the per-repository
timeout hard (it is killed, with everything it started) and what turns a crash in the scanner
(a segfault, the kernel's OOM killer) into a recorded failure instead of a lost worker.

Protocol on stdin/stdout: an 8-byte big-endian length, then a pickle (``AuditRequest`` in,
``AuditReply`` out). Both ends are this module; nothing from a scanned repository is unpickled.
Anything the audit prints goes to stderr, whose tail is the reason when the process dies.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import selectors
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zlib
from dataclasses import dataclass, field
from typing import IO, Any

from sovaudit.org.model import AuditSettings, Failure, Rows

_HEADER = struct.Struct(">Q")
#: requests one process serves before it is replaced (bounds what a long run can leak)
MAX_REQUESTS = 500


@dataclass(frozen=True, slots=True)
class AuditRequest:
    root: str
    settings: AuditSettings


@dataclass(frozen=True, slots=True)
class AuditReply:
    failure: Failure = Failure.NONE
    reason: str = ""
    document: bytes = b""  # zlib-compressed
    document_sha256: str = ""
    document_size: int = 0
    rows: Rows = field(default_factory=Rows)


class AuditTimeout(Exception):
    pass


class AuditCrash(Exception):
    """The audit process died; the message says how and what it last wrote to stderr."""


def default_command() -> tuple[str, ...]:
    return (sys.executable, "-m", "sovaudit.org.runner")


# -- the child ---------------------------------------------------------------------------------

def _read_frame(fh: IO[bytes]) -> Any:
    head = fh.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    (n,) = _HEADER.unpack(head)
    body = fh.read(n)
    if len(body) < n:
        return None
    return pickle.loads(body)


def _write_frame(fh: IO[bytes], obj: Any) -> None:
    body = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(_HEADER.pack(len(body)) + body)
    fh.flush()


def _knowledge_base(settings: AuditSettings, kbs: dict[tuple[Any, ...], Any]) -> Any:
    """The knowledge base for these settings, loaded once per process and shared by its audits
    (``audit(config, kb=...)``)."""
    from sovaudit.api import load_rules

    key = (settings.rules_dirs, settings.cache_dir)
    if key not in kbs:
        kbs[key] = load_rules(settings.rules_dirs, settings.cache_dir)
    return kbs[key]


def audit_one(request: AuditRequest, kbs: dict[tuple[Any, ...], Any]) -> AuditReply:
    """Audit ``request.root`` exactly as ``sovaudit scan --format json`` would, and keep the
    document's bytes and rows."""
    import sovaudit
    from sovaudit.org.extract import rows
    from sovaudit.report import jsondoc

    try:
        kb = _knowledge_base(request.settings, kbs)
        config = sovaudit.AuditConfig(root=request.root, **request.settings.audit_kwargs())
        result = sovaudit.audit(config, kb=kb)
        data = jsondoc.dumps(result).encode("utf-8")
        doc_rows = rows(jsondoc.to_document(result))
    except sovaudit.AuditError as exc:
        return AuditReply(failure=Failure.AUDIT, reason="; ".join(p.strip() for p in exc.problems))
    except Exception as exc:  # noqa: BLE001 - a bug in the scanner for this repository: recorded, the run goes on
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        traceback.print_exc()
        return AuditReply(failure=Failure.INTERNAL, reason=last)
    return AuditReply(document=zlib.compress(data, 6), document_sha256=hashlib.sha256(data).hexdigest(),
                      document_size=len(data), rows=doc_rows)


def main() -> None:
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the audit prints goes to stderr, never into the protocol
    kbs: dict[tuple[Any, ...], Any] = {}
    while True:
        request = _read_frame(sys.stdin.buffer)
        if request is None:  # the worker closed the pipe (or died): nothing more to do
            return
        reply = audit_one(request, kbs)
        try:
            _write_frame(out, reply)
        except BrokenPipeError:
            return


# -- the worker's side -------------------------------------------------------------------------

class AuditProcess:
    """One audit process, owned by one worker thread at a time."""

    def __init__(self, command: tuple[str, ...]):
        self.command = command
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process; close() closes it
        self.proc = subprocess.Popen(list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                     start_new_session=True)
        self.served = 0

    def alive(self) -> bool:
        return self.proc.poll() is None

    def ask(self, request: AuditRequest, deadline: float) -> AuditReply:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        body = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(_HEADER.pack(len(body)) + body)
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise AuditCrash(self._death()) from None
        head = self._read(_HEADER.size, deadline)
        (n,) = _HEADER.unpack(head)
        reply: AuditReply = pickle.loads(self._read(n, deadline))
        self.served += 1
        return reply

    def _read(self, n: int, deadline: float) -> bytes:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        buf = bytearray()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while len(buf) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not sel.select(remaining):
                    self.kill()
                    raise AuditTimeout()
                chunk = os.read(fd, min(n - len(buf), 1 << 20))
                if not chunk:
                    raise AuditCrash(self._death())
                buf += chunk
        return bytes(buf)

    def _death(self) -> str:
        try:
            rc = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = self.proc.returncode
        how = f"killed by {signal.Signals(-rc).name}" if rc is not None and rc < 0 else f"exited with code {rc}"
        self.stderr.seek(0, os.SEEK_END)
        size = self.stderr.tell()
        self.stderr.seek(max(0, size - 2000))
        tail = [ln for ln in self.stderr.read().decode("utf-8", "replace").splitlines() if ln.strip()]
        self.close()
        return f"the audit process {how}" + (f": {tail[-1].strip()}" if tail else "")

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.close()

    def close(self) -> None:
        for fh in (self.proc.stdin, self.proc.stdout):
            if fh is not None:
                try:
                    fh.close()
                except OSError:
                    pass
        self.stderr.close()


class Pool:
    """Idle audit processes of this worker, by command; a thread takes one, asks it, gives it
    back (or drops it if it timed out or died)."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, ...], list[AuditProcess]] = {}
        self._lock = threading.Lock()

    def ask(self, command: tuple[str, ...], request: AuditRequest, deadline: float) -> AuditReply:
        proc = self._take(command)
        reply = proc.ask(request, deadline)  # AuditTimeout / AuditCrash: the process is gone
        if proc.served < MAX_REQUESTS and proc.alive():
            with self._lock:
                self._idle.setdefault(command, []).append(proc)
        else:
            proc.kill()
        return reply

    def _take(self, command: tuple[str, ...]) -> AuditProcess:
        with self._lock:
            idle = self._idle.get(command, [])
            while idle:
                proc = idle.pop()
                if proc.alive():
                    return proc
                proc.close()
        return AuditProcess(command)


POOL = Pool()


if __name__ == "__main__":
    # run the imported module's main, so that replies pickle as sovaudit.org.runner.AuditReply
    import importlib

    importlib.import_module("sovaudit.org.runner").main()
