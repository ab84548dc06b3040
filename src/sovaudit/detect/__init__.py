"""Stage 2, detection: what each file names.

Text files of every type go through one analyser, ``Lexer`` (``lexical.py``): the vocabulary compiled
from ``rules/`` (``vocab.py``) marks every place worth reading, and small recognisers read the
bytes around each mark. A few formats whose structure carries facts that no single string does are
also read by their own parsers, listed here explicitly: dependency manifests and lock files
(``packages.py``), local model configuration files (``artifacts.py``) and the headers of weight
files (``weights.py``, binary).
"""

from sovaudit.detect.artifacts import ModelConfigDetector
from sovaudit.detect.base import Detector, SourceFile
from sovaudit.detect.lexical import Lexer, lexer_for
from sovaudit.detect.packages import PackageDetector
from sovaudit.detect.weights import ARTIFACT_HEAD_BYTES, WeightsHeaderDetector

#: Format readers that run beside the lexer on the files they apply to.
READERS: tuple[Detector, ...] = (ModelConfigDetector(), PackageDetector(), WeightsHeaderDetector())

__all__ = ["ARTIFACT_HEAD_BYTES", "READERS", "Detector", "Lexer", "SourceFile", "lexer_for"]
