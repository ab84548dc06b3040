"""What the format readers share: the file they are handed and their base class.

Detectors find strings in positions that say "this is a model / endpoint / ..."; the knowledge base
(``rules/``) says what the strings mean. Detectors never read files themselves: the scanner hands
them a ``SourceFile`` and turns any exception they raise into a recorded skip.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from sovaudit.model import Context, Kind, Reference, Skipped
from sovaudit.rules import KnowledgeBase


@dataclass(frozen=True)
class SourceFile:
    """One file as the scanner read it. ``text`` is decoded (any encoding); ``data`` holds the raw
    bytes only for detectors that declare ``binary = True``."""

    path: str  # relative POSIX path from the scan root
    text: str = ""
    data: bytes = b""
    abs_path: str = ""
    encoding: str = "utf-8"

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def suffix(self) -> str:
        n = self.name
        return n[n.rfind("."):].lower() if "." in n else ""

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


class Detector:
    """Base class. Subclasses set ``name`` and implement ``applies`` and ``detect``.

    ``applies`` is called with the relative POSIX path only (no I/O) and must be cheap.
    ``detect`` yields references -- and a ``Skipped`` for any part of the file it could not read,
    while still yielding what it could. On a file it cannot read at all it raises with a clear
    message; the scanner records that as a skip. It must not read other files, import or run
    scanned code.
    """

    name: ClassVar[str] = ""
    #: Set for detectors that need raw bytes (model artifacts); they get ``SourceFile.data``.
    binary: ClassVar[bool] = False
    #: "code" or "config": the scanner runs this detector only on text that contains a word of that
    #: vocabulary (see sovaudit.prefilter); "" runs it on every file it applies to.
    prefilter: ClassVar[str] = ""

    def applies(self, path: str) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference | Skipped]:  # pragma: no cover
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------
    def ref(
        self,
        f: SourceFile,
        kind: Kind,
        id_: str,
        text: str,
        line: int,
        column: int,
        form: str,
        context: Context,
        confidence: float,
        provider: str = "",
        attributes: dict[str, str] | None = None,
        related=(),
        cell: int = 0,
    ) -> Reference:
        return Reference(
            kind=kind,
            id=id_,
            text=text,
            path=f.path,
            line=line,
            column=column,
            detector=self.name,
            form=form,
            context=context,
            confidence=round(max(0.0, min(1.0, confidence)), 2),
            provider=provider,
            cell=cell,
            attributes=tuple(sorted((attributes or {}).items())),
            related=tuple(related),
        )


def basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col
