"""Ollama Modelfiles: the model a custom Ollama model is built from.

``FROM qwen2.5:14b`` names a model in the Ollama library (form ``ollama``, the tag kept as the
``tag`` attribute); ``FROM hf.co/org/repo-GGUF:Q4_K_M`` (or ``huggingface.co/...``) a GGUF
repository on the Hugging Face Hub (form ``hf-uri``, id ``org/repo-GGUF``, the tag kept as the
``quantization`` attribute). Either way Ollama serves it: provider ``ollama``. ``FROM ./model.gguf``
or ``FROM /path/model.gguf`` builds from a local file: that is not a model name (the weights
detector reads GGUF files), so nothing is recorded. ``ADAPTER`` lines are read the same way.
Lines inside triple-quoted ``TEMPLATE``/``SYSTEM``/``MESSAGE`` values are text, not instructions.
"""

from __future__ import annotations

import re
from typing import Iterable

from sovaudit.detectors.base import Detector, SourceFile, parse_model_string
from sovaudit.model import Context, Kind, Reference
from sovaudit.rules import KnowledgeBase

_INSTR_RE = re.compile(r"^(\s*)(FROM|ADAPTER)(\s+)(\S+)", re.IGNORECASE)
_HF_HOSTS = ("hf.co/", "huggingface.co/", "www.huggingface.co/")
_OLLAMA_REGISTRY = ("registry.ollama.ai/", "ollama.com/", "ollama.ai/")
_LOCAL_RE = re.compile(r"^(?:\.{1,2}[/\\]|[/\\~]|[A-Za-z]:[\\/])|\.(?:gguf|ggml|bin|safetensors)$", re.IGNORECASE)


class ModelfileDetector(Detector):
    """The base model (and adapters) an Ollama Modelfile builds from."""

    name = "modelfile"

    def applies(self, path: str) -> bool:
        name = path.rsplit("/", 1)[-1].lower()
        return name == "modelfile" or name.endswith(".modelfile") or name.startswith("modelfile.")

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference]:
        in_text = False
        for lno, line in enumerate(f.text.splitlines(), 1):
            if in_text:
                if line.count('"""') % 2 == 1:
                    in_text = False
                continue
            m = _INSTR_RE.match(line)
            if m is None:
                if line.count('"""') % 2 == 1:
                    in_text = True  # a multi-line TEMPLATE/SYSTEM/MESSAGE value opens here
                continue
            instr = m.group(2).upper()
            value = m.group(4)
            col = len(m.group(1)) + len(m.group(2)) + len(m.group(3)) + 1
            if value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) > 1:
                value, col = value[1:-1], col + 1
            ref = self._model(f, kb, instr, value, lno, col)
            if ref is not None:
                yield ref

    def _model(self, f: SourceFile, kb: KnowledgeBase, instr: str, value: str, lno: int, col: int) -> Reference | None:
        if not value or _LOCAL_RE.search(value):
            return None  # a local file or folder: not a model name
        attrs: dict[str, str] = {}
        if instr == "ADAPTER":
            attrs["relation"] = "adapter"
        low = value.lower()
        if low.startswith(("https://", "http://")):
            low_v = low.split("://", 1)[1]
            value_nohost = value.split("://", 1)[1]
        else:
            low_v, value_nohost = low, value
        if low_v.startswith(_HF_HOSTS):
            repo = value_nohost.split("/", 1)[1]
            tag = ""
            if ":" in repo.rsplit("/", 1)[-1]:
                repo, tag = repo.rsplit(":", 1)
            ms = parse_model_string("hf.co/" + repo, kb, "hf")
            if ms is None:
                return None
            if tag:
                attrs["quantization"] = tag
            return self.ref(f, Kind.MODEL, ms.id, value, lno, col, "hf-uri", Context.CONFIG, 0.95, "ollama", attrs)
        name = value
        for pre in _OLLAMA_REGISTRY:
            if low.startswith(pre):
                name = value[len(pre):]
                break
        if name.lower().startswith("library/"):
            name = name[len("library/"):]
        base, tag = name, ""
        if ":" in name.rsplit("/", 1)[-1]:
            base, tag = name.rsplit(":", 1)
            if not tag:
                return None
        if "/" in base.strip("/") and base.count("/") > 1:
            return None
        ms = parse_model_string(base, kb, "ollama")
        if ms is None or "@" in base:
            return None
        if tag:
            attrs["tag"] = tag
        mid = f"{ms.id}:{tag}" if tag else ms.id
        return self.ref(f, Kind.MODEL, mid, value, lno, col, "ollama", Context.CONFIG, 0.9, "ollama", attrs)
