"""Model artifacts in text form: the JSON files that ship beside model weights.

* ``config.json`` (transformers): ``_name_or_path`` -- the Hub repo the config was loaded from --
  when it is a Hub id (a local path is not a reference); ``architectures`` and ``model_type`` go into
  the reference's attributes. Nested sub-configs (``text_config``, ``vision_config``, ...) are read
  too. A ``config.json`` that is not a transformers config is left alone.
* ``adapter_config.json`` (PEFT): ``base_model_name_or_path`` -> relation ``adapter``.
* ``model_index.json`` (diffusers): ``_name_or_path``; ``_class_name`` becomes the architecture.
* any of them: a ``base_model`` key (string or list) -> relation ``base``.

``generation_config.json``, ``tokenizer_config.json`` and the sentence-transformers side files name
no model and are not read. Context ``config``, form ``hf``. A file that should be one of these but is
not valid JSON raises ``ValueError("malformed JSON: ...")`` (the scanner records a skip).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sovaudit.detect.base import Detector, SourceFile, basename, line_col
from sovaudit.detect.recognise import parse_model_string
from sovaudit.model import Context, Kind, Reference
from sovaudit.rules import KnowledgeBase

_FILES = frozenset({"config.json", "adapter_config.json", "model_index.json"})
#: Keys whose presence makes a ``config.json`` a model config worth parsing.
_MARKERS = ('"_name_or_path"', '"base_model_name_or_path"', '"base_model"', '"architectures"', '"model_type"')
_KEYS = {
    "_name_or_path": "",
    "base_model_name_or_path": "adapter",
    "base_model": "base",
}


class _Str(str):
    """A JSON string value that remembers the offset of its first character inside the quotes."""

    offset: int = 0


def _parse_json_with_offsets(text: str) -> Any:
    """Parse JSON (as ``json.loads``) but return string values as ``_Str`` carrying their offset.

    Validation is left to ``json.loads``; this runs only on text that already parsed.
    """
    decoder = json.JSONDecoder()
    scan_string = json.decoder.scanstring  # type: ignore[attr-defined]
    n = len(text)
    ws = " \t\r\n"

    def skip(i: int) -> int:
        while i < n and text[i] in ws:
            i += 1
        return i

    def value(i: int) -> tuple[Any, int]:
        i = skip(i)
        c = text[i]
        if c == '"':
            s, end = scan_string(text, i + 1, True)
            out = _Str(s)
            out.offset = i + 1
            return out, end
        if c == "{":
            obj: dict[str, Any] = {}
            i = skip(i + 1)
            if text[i] == "}":
                return obj, i + 1
            while True:
                i = skip(i)
                key, i = scan_string(text, i + 1, True)
                i = skip(i)
                assert text[i] == ":"
                v, i = value(i + 1)
                obj[key] = v
                i = skip(i)
                if text[i] == ",":
                    i += 1
                    continue
                return obj, i + 1
        if c == "[":
            arr: list[Any] = []
            i = skip(i + 1)
            if text[i] == "]":
                return arr, i + 1
            while True:
                v, i = value(i)
                arr.append(v)
                i = skip(i)
                if text[i] == ",":
                    i += 1
                    continue
                return arr, i + 1
        v, end = decoder.raw_decode(text, i)
        return v, end

    return value(0)[0]


class ModelConfigDetector(Detector):
    """``_name_or_path`` / ``base_model_name_or_path`` / ``base_model`` in Hub model config JSON."""

    name = "artifacts"
    max_bytes = 8 * 1024 * 1024

    def applies(self, path: str) -> bool:
        return basename(path).lower() in _FILES

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference]:
        text = f.text
        fname = f.name.lower()
        if fname == "config.json" and not any(m in text for m in _MARKERS):
            return  # some other program's config.json
        try:
            json.loads(text)
        except ValueError as exc:
            raise ValueError(f"malformed JSON: {exc}") from None
        data = _parse_json_with_offsets(text)
        if not isinstance(data, dict):
            return
        if fname == "config.json" and not any(k in data for k in ("_name_or_path", "architectures", "model_type", "base_model", "transformers_version")):
            return
        seen: set[int] = set()
        yield from self._walk(f, kb, data, fname, seen, depth=0)

    def _walk(self, f: SourceFile, kb: KnowledgeBase, obj: dict, fname: str, seen: set[int], depth: int) -> Iterable[Reference]:
        attrs: dict[str, str] = {}
        archs = obj.get("architectures")
        if isinstance(archs, list) and archs and all(isinstance(a, str) for a in archs):
            attrs["architectures"] = ",".join(archs)
        if isinstance(obj.get("model_type"), str) and obj["model_type"]:
            attrs["model_type"] = str(obj["model_type"])
        if fname == "model_index.json" and isinstance(obj.get("_class_name"), str):
            attrs["architectures"] = str(obj["_class_name"])
        if fname == "adapter_config.json" and isinstance(obj.get("peft_type"), str):
            attrs["peft_type"] = str(obj["peft_type"])
        for key, relation in _KEYS.items():
            val = obj.get(key)
            values = val if isinstance(val, list) else [val]
            for v in values:
                if not isinstance(v, _Str) or v.offset in seen:
                    continue
                ms = parse_model_string(v, kb, "hf")
                if ms is None or ms.form not in ("hf", "hf-uri") or "/" not in ms.id:
                    continue  # a local path or a bare directory name
                seen.add(v.offset)
                a = dict(attrs)
                a["key"] = key
                if relation:
                    a["relation"] = relation
                if depth:
                    a["nested"] = "true"
                known = kb.lab_for_namespace(ms.id.split("/", 1)[0]) is not None
                line, col = line_col(f.text, v.offset)
                yield self.ref(f, Kind.MODEL, ms.id, str(v), line, col, "hf", Context.CONFIG,
                               0.95 if known else 0.85, provider="", attributes=a)
        for _k, v in obj.items():
            if isinstance(v, dict) and depth < 4:
                yield from self._walk(f, kb, v, fname, seen, depth + 1)
