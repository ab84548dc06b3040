"""Model weight files, read for their metadata header only -- weights are never loaded.

* ``*.gguf``: the key/value metadata section is parsed from the leading bytes the scanner hands over
  (``SourceFile.data``, the first 16 MiB). ``gguf.GGUFReader`` is not used because it takes a path
  and memory-maps the whole file (detectors do no I/O of their own), and the ``gguf`` package pulls
  in numpy (73 MB) for the few constants read here: the magic, the value-type codes and the file-type
  names are written out below (the tests check them against the package). One ``gguf`` reference names the file's model: its Hub repo when the metadata
  names one (``general.repo_url`` / ``general.url``, else the conversion source
  ``general.source.repo_url`` / ``general.source.url`` / ``huggingface.repository``), else
  ``general.name``, else the file name. Its attributes carry the license, architecture, file type
  (quantisation) and organisation, and its lineage the way the resolver reads it: ``base_models``
  (the conversion source when it differs from the file's own repo, with ``relation`` ``quantized``
  for a quantised file; otherwise the ``general.base_model.N`` entries, relation unstated). The
  source and each ``general.base_model.N`` are also references of their own, whose ``relation``
  says how this file relates to them (``quantized`` / ``base``).
* ``*.safetensors``: 8-byte little-endian header length, then a JSON header whose ``__metadata__``
  (a str -> str map) may name a base model (``base_model``, ``_name_or_path``, ``model_id``, ...).
  A reference only when a value is recognised as a model; tensor entries are ignored.

Every reference is at line 1, column 1, context ``config``. A truncated or corrupt header raises
``ValueError("corrupt GGUF header: ...")`` / ``ValueError("corrupt safetensors header: ...")`` after
yielding what could be read; metadata cut off by the scanner's 16 MiB head yields a ``Skipped``
("partly read") beside what was read.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterable
from typing import Any

from sovaudit.detect.base import Detector, SourceFile
from sovaudit.detect.recognise import parse_model_string
from sovaudit.model import Context, Kind, Reference, Skipped
from sovaudit.rules import KnowledgeBase

# type code -> (struct format char, size); 8 = string, 9 = array
_SCALARS = {0: ("B", 1), 1: ("b", 1), 2: ("H", 2), 3: ("h", 2), 4: ("I", 4), 5: ("i", 4), 6: ("f", 4),
            7: ("?", 1), 10: ("Q", 8), 11: ("q", 8), 12: ("d", 8)}
_STRING, _ARRAY = 8, 9


#: ``gguf.constants.GGUF_MAGIC`` ("GGUF" little-endian)
GGUF_MAGIC = struct.pack("<I", 0x46554747)
#: ``gguf.constants.LlamaFileType``: the ``general.file_type`` codes (the quantisation of the file),
#: their names without the ``MOSTLY_`` / ``ALL_`` prefix. An unknown code is shown as its number.
GGUF_FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S",
    12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K",
    19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL",
    26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16",
    36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE", 39: "NVFP4", 40: "Q1_0", 1024: "GUESSED",
}


_HF_HOST_RE = re.compile(r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/", re.IGNORECASE)
_UNQUANTISED_FILE_TYPES = frozenset({0, 1, 32})  # ALL_F32, MOSTLY_F16, MOSTLY_BF16
_SAFETENSORS_MAX_HEADER = 100 * 1024 * 1024  # the format's own limit
_ST_MODEL_KEY_RE = re.compile(
    r"(^|[._])(base_model(_name_or_path)?|_?name_or_path|model_id|model_name|model_repo|repo_id|hf_repo|source_model|sd_model_name)$",
    re.IGNORECASE,
)


#: Longest metadata string kept (general.name, URLs, licenses); longer ones are read past, unkept.
_MAX_META_STRING = 4096


class _Truncated(Exception):
    pass


#: How many leading bytes of a weight file are read (headers only; weights are never read).
ARTIFACT_HEAD_BYTES = 16 * 1024 * 1024


def _head_limit() -> int:
    return ARTIFACT_HEAD_BYTES


class _GGUFMeta:
    """Parse the GGUF key/value section from a byte buffer, keeping ``general.*`` and
    ``huggingface.*`` values and skipping the rest (tokenizer vocabularies) without decoding them."""

    def __init__(self, data: bytes):
        self.data = data
        self.kv: dict[str, Any] = {}
        self.kv_count = 0
        self.read = 0  # key/value pairs fully read
        self.version = 0
        self.order = "<"

    def _take(self, off: int, n: int) -> int:
        if n < 0 or off + n > len(self.data):
            raise _Truncated(off)
        return off + n

    def _unpack(self, fmt: str, off: int) -> tuple[Any, int]:
        size = struct.calcsize(fmt)
        end = self._take(off, size)
        return struct.unpack_from(self.order + fmt, self.data, off)[0], end

    def _string(self, off: int, keep: bool = True) -> tuple[str, int]:
        n, off = self._unpack("Q", off)
        end = self._take(off, n)
        if not keep or n > _MAX_META_STRING:  # a 5 MB "model name" names nothing: not kept
            return "", end
        return self.data[off:end].decode("utf-8", errors="replace"), end

    def _value(self, vtype: int, off: int, keep: bool) -> tuple[Any, int]:
        if vtype in _SCALARS:
            fmt, _ = _SCALARS[vtype]
            return self._unpack(fmt, off)
        if vtype == _STRING:
            return self._string(off, keep)
        if vtype == _ARRAY:
            sub, off = self._unpack("I", off)
            count, off = self._unpack("Q", off)
            if sub in _SCALARS:
                fmt, size = _SCALARS[sub]
                end = self._take(off, count * size)
                if not keep:
                    return None, end
                return list(struct.unpack_from(f"{self.order}{count}{fmt}", self.data, off)), end
            if sub == _STRING:
                strings: list[Any] = []
                for _ in range(count):
                    s, off = self._string(off, keep)
                    if keep:
                        strings.append(s)
                return (strings if keep else None), off
            if sub == _ARRAY:
                values: list[Any] = []
                for _ in range(count):
                    v, off = self._value(_ARRAY, off, keep)
                    if keep:
                        values.append(v)
                return (values if keep else None), off
            raise ValueError(f"corrupt GGUF header: unknown array element type {sub} at offset {off}")
        raise ValueError(f"corrupt GGUF header: unknown value type {vtype} at offset {off}")

    def parse(self) -> None:
        d = self.data
        if len(d) < 4 or d[:4] != GGUF_MAGIC:
            raise ValueError("corrupt GGUF header: bad magic (not a GGUF file)")
        if len(d) < 24:
            raise ValueError(f"corrupt GGUF header: file is only {len(d)} bytes")
        version = struct.unpack_from("<I", d, 4)[0]
        if version & 0xFFFF == 0:  # written big-endian
            self.order = ">"
            version = struct.unpack_from(">I", d, 4)[0]
        if version not in (2, 3):
            raise ValueError(f"corrupt GGUF header: unsupported version {version}")
        self.version = version
        tensor_count, kv_count = struct.unpack_from(self.order + "QQ", d, 8)
        if kv_count > 1_000_000 or tensor_count > 10_000_000:
            raise ValueError(f"corrupt GGUF header: implausible counts (kv={kv_count}, tensors={tensor_count})")
        self.kv_count = kv_count
        off = 24
        for _ in range(kv_count):
            key, off = self._string(off)
            vtype, off = self._unpack("I", off)
            keep = key.startswith(("general.", "huggingface.", "split."))
            val, off = self._value(vtype, off, keep)
            if keep:
                self.kv[key] = val
            self.read += 1


def _hub_repo(url: Any, kb: KnowledgeBase) -> str:
    """The Hub repo id in a Hub URL (``https://huggingface.co/org/name/...``); "" otherwise."""
    if not isinstance(url, str) or not _HF_HOST_RE.match(url.strip()):
        return ""
    ms = parse_model_string(url.strip(), kb, "hf")
    return ms.id if ms is not None and ms.form == "hf-uri" else ""


def _s(v: Any) -> str:
    return v.strip() if isinstance(v, str) else ""


class WeightsHeaderDetector(Detector):
    """Model names, lineage and license from GGUF and safetensors headers."""

    name = "weights"
    binary = True

    def applies(self, path: str) -> bool:
        p = path.lower()
        return p.endswith((".gguf", ".safetensors"))

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference | Skipped]:
        if f.path.lower().endswith(".gguf"):
            yield from self._gguf(f, kb)
        else:
            yield from self._safetensors(f, kb)

    # -- GGUF --------------------------------------------------------------------------------
    def _gguf(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference | Skipped]:
        meta = _GGUFMeta(f.data)
        failure: str = ""
        try:
            meta.parse()
        except _Truncated as exc:
            where = f"key/value {meta.read + 1} of {meta.kv_count} (offset {exc.args[0]})"
            if len(f.data) >= _head_limit():
                failure = "partial"
                yield Skipped(f.path, "partly read", f"GGUF metadata runs past the first {len(f.data)} bytes; stopped at {where}")
            else:
                failure = f"corrupt GGUF header: truncated at {where}"
        if meta.read == 0 and failure:
            if failure != "partial":
                raise ValueError(failure)
            return
        yield from self._gguf_refs(f, kb, meta.kv)
        if failure and failure != "partial":
            raise ValueError(failure)

    def _gguf_refs(self, f: SourceFile, kb: KnowledgeBase, kv: dict[str, Any]) -> Iterable[Reference]:
        g = lambda k: _s(kv.get(k))  # noqa: E731
        own, own_raw = self._first_repo(kv, kb, ("general.repo_url", "general.url"))
        source, source_raw = self._first_repo(kv, kb, ("general.source.repo_url", "general.source.url",
                                                       "general.source.huggingface.repository", "huggingface.repository"))
        name = g("general.name")
        basename_ = g("general.basename")
        file_type = kv.get("general.file_type")
        quantized = isinstance(file_type, int) and file_type not in _UNQUANTISED_FILE_TYPES

        bases: list[tuple[str, str, dict[str, str], str]] = []  # (id, form, attrs, text)
        count = kv.get("general.base_model.count")
        n = count if isinstance(count, int) and 0 <= count <= 64 else 0
        for i in range(n):
            p = f"general.base_model.{i}."
            repo = _hub_repo(g(p + "repo_url"), kb) or _hub_repo(g(p + "url"), kb)
            bname, org = g(p + "name"), g(p + "organization")
            a = {"relation": "base"}
            if bname:
                a["name"] = bname
            if org:
                a["organization"] = org
            if repo:
                bases.append((repo, "hf", a, g(p + "repo_url") or g(p + "url")))
            elif bname:
                bases.append((bname, "name", a, bname))

        split_no = kv.get("split.no")
        if isinstance(split_no, int) and split_no > 0 and not (own or source or name or basename_):
            return  # a later shard of a split GGUF: the first shard carries the metadata
        if own:
            main_id, conf, how = own, 0.95, "repo_url"
        elif source:
            main_id, conf, how = source, 0.9, "source"
        elif name:
            main_id, conf, how = name, 0.8, "general.name"
        elif basename_:
            main_id, conf, how = basename_, 0.7, "general.basename"
        else:
            stem = f.name[: -len(".gguf")] if f.name.lower().endswith(".gguf") else f.name
            main_id, conf, how = stem, 0.5, "file name"
        attrs: dict[str, str] = {"id_from": how}
        for key, attr in (("general.name", "name"), ("general.basename", "basename"), ("general.organization", "organization"),
                          ("general.finetune", "finetune"), ("general.size_label", "size_label"),
                          ("general.architecture", "architecture"), ("general.quantized_by", "quantized_by")):
            if g(key):
                attrs[attr] = g(key)
        lic = g("general.license") or g("general.license.name")
        if lic:
            attrs["license"] = lic
            entry = kb.license(lic)
            if entry is not None and entry.id != lic:
                attrs["license_id"] = entry.id
        if isinstance(file_type, int):
            attrs["file_type"] = self._file_type_name(file_type)
        qv = kv.get("general.quantization_version")
        if isinstance(qv, int):
            attrs["quantization_version"] = str(qv)
        # Lineage as the resolver reads it: ``base_models`` are this model's parents and
        # ``relation`` is the hop type to them.
        if source and source != main_id:
            attrs["source"] = source
            attrs["base_models"] = source
            if quantized:
                attrs["relation"] = "quantized"
        elif bases:
            attrs["base_models"] = ",".join(b[0] for b in bases if b[0] != main_id)
            if not attrs["base_models"]:
                del attrs["base_models"]
        text = own_raw or source_raw or name or basename_ or main_id
        yield self.ref(f, Kind.MODEL, main_id, text, 1, 1, "gguf", Context.CONFIG, conf, attributes=attrs)

        seen = {main_id.lower()}
        if source and source.lower() not in seen:
            seen.add(source.lower())
            yield self.ref(f, Kind.MODEL, source, source_raw, 1, 1, "hf", Context.CONFIG, 0.9,
                           attributes={"relation": "quantized" if quantized else "base", "key": "general.source"})
        for bid, form, a, btext in bases:
            if bid.lower() in seen:
                continue
            seen.add(bid.lower())
            yield self.ref(f, Kind.MODEL, bid, btext, 1, 1, form, Context.CONFIG, 0.9 if form == "hf" else 0.7,
                           attributes=dict(a, key="general.base_model"))

    @staticmethod
    def _first_repo(kv: dict[str, Any], kb: KnowledgeBase, keys: tuple[str, ...]) -> tuple[str, str]:
        """The Hub repo id named by the first of ``keys`` that names one (a Hub URL or a bare id)."""
        for k in keys:
            raw = _s(kv.get(k))
            if not raw:
                continue
            repo = _hub_repo(raw, kb)
            if not repo and "://" not in raw:
                ms = parse_model_string(raw, kb, "hf")
                repo = ms.id if ms is not None and ms.form in ("hf", "hf-uri") and "/" in ms.id else ""
            if repo:
                return repo, raw
        return "", ""

    @staticmethod
    def _file_type_name(ft: int) -> str:
        return GGUF_FILE_TYPES.get(ft, str(ft))

    # -- safetensors -------------------------------------------------------------------------
    def _safetensors(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference | Skipped]:
        d = f.data
        if len(d) < 8:
            raise ValueError(f"corrupt safetensors header: file is only {len(d)} bytes")
        n = struct.unpack_from("<Q", d, 0)[0]
        if n < 2 or n > _SAFETENSORS_MAX_HEADER:
            raise ValueError(f"corrupt safetensors header: implausible header length {n}")
        if 8 + n > len(d):
            if len(d) >= _head_limit():
                yield Skipped(f.path, "partly read", f"safetensors header of {n} bytes runs past the first {len(d)} bytes")
                return
            raise ValueError(f"corrupt safetensors header: header of {n} bytes but only {len(d) - 8} present (truncated)")
        try:
            header = json.loads(d[8:8 + n].decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ValueError(f"corrupt safetensors header: {exc}") from None
        if not isinstance(header, dict):
            raise ValueError("corrupt safetensors header: not a JSON object")
        meta = header.get("__metadata__")
        if not isinstance(meta, dict):
            return
        fmt = meta.get("format")
        seen: set[str] = set()
        for key in sorted(meta):
            val = meta[key]
            if not isinstance(val, str) or not _ST_MODEL_KEY_RE.search(key):
                continue
            ms = parse_model_string(val, kb, "model")
            if ms is None or ms.form not in ("hf", "hf-uri", "api", "bedrock", "litellm") or ms.id.lower() in seen:
                continue
            seen.add(ms.id.lower())
            attrs = dict(ms.attributes)
            attrs["key"] = key
            if "base_model" in key.lower() or "name_or_path" in key.lower() or "sd_model" in key.lower():
                attrs["relation"] = "base"
            if isinstance(fmt, str) and fmt:
                attrs["format"] = fmt
            form = "hf" if ms.form == "hf-uri" else ms.form
            yield self.ref(f, Kind.MODEL, ms.id, val, 1, 1, form, Context.CONFIG, min(ms.confidence, 0.9),
                           provider=ms.provider, attributes=attrs)
