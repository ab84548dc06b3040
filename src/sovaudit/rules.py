"""The knowledge base: facts in YAML under ``rules/``, validated against a JSON Schema at load.

Code finds strings; this data says what they mean. Every entry cites public sources. Users overlay
their own files with ``--rules DIR``; an entry whose id already exists is a conflict unless it says
``replace: true``. Every problem names the file and line.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pycountry
import yaml

SECTIONS = ("labs", "providers", "api_models", "clouds", "hardware", "software", "jurisdictions", "licenses", "models", "detection",
            "lineage", "packages", "hosts")

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal"})

#: Legal orders that are not countries but are cited like one.
NON_COUNTRY_JURISDICTIONS = frozenset({"EU"})


class ProblemsError(Exception):
    """Problems in a configuration file (rules, a policy), each naming file and line, sorted."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RulesError(ProblemsError):
    """One or more problems in rules files; each names file and line. A configuration error."""


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Entry:
    """One knowledge-base entry with where it was written."""

    section: str
    id: str
    data: dict[str, Any]
    path: str
    line: int

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(self.data.get("sources", ()))

    @property
    def rule_id(self) -> str:
        return f"{self.section}:{self.id}"


# ------------------------------------------------------------------------------------------
# Locating the shipped data
# ------------------------------------------------------------------------------------------


def _data_dir(name: str, in_checkout: str = "") -> Path:
    """Find shipped data: inside the wheel (``sovaudit/_data/NAME``) or, in a source checkout, at
    the top of the repository (``in_checkout``, default NAME)."""
    packaged = resources.files("sovaudit") / "_data" / name
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / (in_checkout or name)
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"shipped data folder {name!r} not found (broken installation?)")


def shipped_rules_dir() -> Path:
    return _data_dir("rules")


def shipped_templates_dir() -> Path:
    p = _data_dir("templates", "reports/templates")
    return p


def _schema() -> dict:
    return json.loads((resources.files("sovaudit") / "schemas" / "rules.schema.json").read_text("utf-8"))


# ------------------------------------------------------------------------------------------
# YAML with line marks
# ------------------------------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping and sequence item."""


def load_yaml_with_lines(text: str) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML; return the data and a map from a JSON-pointer-like path tuple to its 1-based line."""
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[tuple, int] = {}

        def walk(n: yaml.Node, path: tuple) -> None:
            lines[path] = n.start_mark.line + 1
            if isinstance(n, yaml.MappingNode):
                for k, v in n.value:
                    key = loader.construct_object(k, deep=True)
                    lines[path + (key,)] = k.start_mark.line + 1
                    walk(v, path + (key,))
                    lines[path + (key,)] = k.start_mark.line + 1
            elif isinstance(n, yaml.SequenceNode):
                for i, item in enumerate(n.value):
                    walk(item, path + (i,))

        if node is None:
            return None, {(): 1}
        walk(node, ())
        data = loader.construct_document(node)
        return data, lines
    finally:
        loader.dispose()


def line_for(lines: dict[tuple, int], path: Iterable) -> int:
    p = tuple(path)
    while p and p not in lines:
        p = p[:-1]
    return lines.get(p, 1)


# ------------------------------------------------------------------------------------------
# Loading and validation
# ------------------------------------------------------------------------------------------


def _valid_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def _country_fields(section: str, entry: dict) -> Iterator[tuple[tuple, str]]:
    if "country" in entry:
        yield ("country",), entry["country"]
    if "foundry_country" in entry:
        yield ("foundry_country",), entry["foundry_country"]
    for key in ("regions", "base_urls"):
        for i, item in enumerate(entry.get(key, ()) or ()):
            if isinstance(item, dict) and "country" in item:
                yield (key, i, "country"), item["country"]


#: Lines of the items of an entry's lists, by (file, line of the entry) and then (key, index):
#: cross-entry checks point at the value, not only at the entry.
ValueLines = dict[tuple[str, int], dict[tuple[str, int], int]]


def _load_file(path: Path, display: str, validator: jsonschema.Draft202012Validator,
               raw: bytes | None = None, value_lines: ValueLines | None = None) -> tuple[list[Entry], list[Problem]]:
    problems: list[Problem] = []
    try:
        text = (path.read_bytes() if raw is None else raw).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(display, 1, f"cannot read: {exc}")]
    try:
        data, lines = load_yaml_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return [], [Problem(display, line, f"malformed YAML: {getattr(exc, 'problem', exc)}")]
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = ".".join(str(p) for p in err.absolute_path) or "(top)"
        problems.append(Problem(display, line_for(lines, err.absolute_path), f"{where}: {_short(err)}"))
    if problems or not isinstance(data, dict):
        return [], problems
    doc: dict[str, Any] = data
    section = doc["section"]
    entries: list[Entry] = []
    for i, item in enumerate(doc["entries"]):
        for sub, code in _country_fields(section, item):
            if section == "jurisdictions" and sub == ("country",):
                continue
            if not _valid_country(code):
                problems.append(Problem(display, line_for(lines, ("entries", i) + sub), f"{item['id']}: {code!r} is not an ISO 3166-1 alpha-2 country code"))
        if section == "jurisdictions" and item["id"] not in NON_COUNTRY_JURISDICTIONS and not _valid_country(item["id"]):
            problems.append(Problem(display, line_for(lines, ("entries", i, "id")), f"{item['id']!r} is neither an ISO 3166-1 alpha-2 code nor EU"))
        entries.append(Entry(section, item["id"], item, display, line_for(lines, ("entries", i))))
        if value_lines is not None:
            value_lines[(display, entries[-1].line)] = {
                (key, j): line_for(lines, ("entries", i, key, j))
                for key, val in item.items() if isinstance(val, list) for j in range(len(val))}
    return entries, problems


def _short(err: jsonschema.ValidationError) -> str:
    if err.validator == "additionalProperties":
        return err.message.replace("Additional properties are not allowed", "unknown field(s)")
    if err.validator == "required":
        return err.message.replace("is a required property", "is missing")
    return err.message if len(err.message) < 200 else err.message[:197] + "..."


def _yaml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_knowledge_base(extra_dirs: Iterable[str | Path] = (), base_dir: str | Path | None = None,
                        cache_dir: str | Path | None = None) -> KnowledgeBase:
    """Load the shipped rules (or ``base_dir``) and overlay ``extra_dirs``. Raises RulesError.

    With ``cache_dir``, a knowledge base that loaded without problems is kept there and reused
    while every input is the same (see ``_cache_key``): parsing and validating the YAML is most of
    a small command's time. A cache file that cannot be read or written is ignored."""
    base = Path(base_dir) if base_dir else shipped_rules_dir()
    layers: list[tuple[Path, bool]] = [(base, False)] + [(Path(d), True) for d in extra_dirs]
    problems: list[Problem] = []
    inputs: list[tuple[Path, str, bytes | None, bool]] = []  # file, display name, bytes, overlay
    layer_of: dict[str, int] = {}  # display name -> 0 for the base, n for the n-th overlay
    for layer, (directory, is_overlay) in enumerate(layers):
        if not directory.is_dir():
            problems.append(Problem(str(directory), 1, "rules folder does not exist"))
            continue
        files = _yaml_files(directory)
        if not files:
            problems.append(Problem(str(directory), 1, "rules folder holds no .yaml files"))
        for f in files:
            display = f.relative_to(directory).as_posix() if not is_overlay else f.as_posix()
            try:
                raw: bytes | None = f.read_bytes()
            except OSError:
                raw = None  # _load_file reports it
            inputs.append((f, display, raw, is_overlay))
            layer_of.setdefault(display, layer)
    digest = hashlib.sha256()
    for _f, display, raw, _o in inputs:
        digest.update(display.encode() + b"\0" + (raw or b"") + b"\0")
    version = digest.hexdigest()[:12]
    cache_file = _cache_file(cache_dir, inputs) if cache_dir and not problems else None
    if cache_file is not None:
        kb = _read_cache(cache_file, version)
        if kb is not None:
            kb._idx["cache.dir"] = str(cache_dir)  # where the compiled vocabulary is kept too
            return kb
    validator = jsonschema.Draft202012Validator(_schema())
    by_key: dict[tuple[str, str], Entry] = {}
    value_lines: ValueLines = {}
    for f, display, raw, is_overlay in inputs:
        entries, probs = _load_file(f, display, validator, raw, value_lines)
        problems.extend(probs)
        for e in entries:
            key = (e.section, e.id.lower())
            prev = by_key.get(key)
            if prev is not None and not (is_overlay and e.get("replace")):
                problems.append(Problem(e.path, e.line, f"duplicate {e.section} id {e.id!r} (first defined at {prev.path}:{prev.line}); "
                                        + ("set 'replace: true' to override a shipped entry" if is_overlay else "ids must be unique")))
                continue
            by_key[key] = e
    kb = KnowledgeBase(tuple(sorted(by_key.values(), key=lambda e: (e.section, e.id.lower()))), version)
    problems.extend(kb.cross_check(value_lines, layer_of))
    if problems:
        raise RulesError(problems)
    if cache_file is not None:
        _write_cache(cache_file, kb)
        kb._idx["cache.dir"] = str(cache_dir)
    return kb


# ------------------------------------------------------------------------------------------
# The parsed knowledge base, cached
# ------------------------------------------------------------------------------------------

#: Format of the cache file; bump when what it holds changes shape.
_CACHE_FORMAT = b"sovaudit-rules-2"


def _cache_file(cache_dir: str | Path, inputs: list[tuple[Path, str, bytes | None, bool]]) -> Path | None:
    """Where the knowledge base of ``inputs`` is cached. The name hashes everything the result
    depends on: every file's name, bytes and layer, the schema, this module's code, the versions of
    sovaudit, Python, jsonschema and pycountry. Any change gives another name: a miss."""
    from importlib import metadata

    from sovaudit import __version__

    if any(raw is None for _f, _d, raw, _o in inputs):
        return None
    h = hashlib.sha256(_CACHE_FORMAT + b"\0" + __version__.encode() + b"\0" + repr(tuple(sys.version_info)).encode())
    for dist in ("jsonschema", "pycountry", "PyYAML"):
        try:
            h.update(dist.encode() + b"=" + metadata.version(dist).encode() + b"\0")
        except metadata.PackageNotFoundError:
            h.update(dist.encode() + b"=?\0")
    try:
        h.update(Path(__file__).read_bytes())
        h.update((resources.files("sovaudit") / "schemas" / "rules.schema.json").read_bytes())
    except OSError:
        return None
    for _f, display, raw, overlay in inputs:
        h.update(b"overlay\0" if overlay else b"base\0")
        h.update(display.encode() + b"\0" + hashlib.sha256(raw or b"").digest())
    return Path(cache_dir) / f"rules-{h.hexdigest()[:32]}.marshal"


def _read_cache(path: Path, version: str) -> KnowledgeBase | None:
    """The cached knowledge base, or None on any problem (missing, unreadable, truncated, corrupt:
    the payload's SHA-256 must match). ``marshal`` only ever builds plain values; it never runs code."""
    import marshal

    try:
        blob = path.read_bytes()
        head = _CACHE_FORMAT + b"\n"
        payload = blob[len(head) + 32:]
        if not blob.startswith(head) or blob[len(head):len(head) + 32] != hashlib.sha256(payload).digest():
            return None
        cached_version, rows = marshal.loads(payload)
        if cached_version != version:
            return None
        kb = KnowledgeBase(tuple(Entry(sec, id_, data, p, line) for sec, id_, data, p, line in rows), version)
    except Exception:  # noqa: BLE001 - whatever is wrong with a cache file, it is only a miss
        return None
    try:  # in use: not one of the files untouched for a week that _write_cache removes
        import os

        os.utime(path)
    except OSError:
        pass
    return kb


def _write_cache(path: Path, kb: KnowledgeBase) -> None:
    """Write atomically (a temporary file of its own, then a rename); give up silently on any
    problem (read-only or missing folder, full disk). Cache files of other inputs untouched for a
    week are removed."""
    import marshal
    import os
    import tempfile
    import time

    try:
        payload = marshal.dumps((kb.version, tuple((e.section, e.id, e.data, e.path, e.line) for e in kb.entries)))
    except ValueError:  # a value marshal cannot hold (e.g. a YAML date): no cache
        return
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(_CACHE_FORMAT + b"\n" + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
        tmp = None
        week_ago = time.time() - 7 * 86400
        for old in path.parent.glob("rules-*.marshal"):
            if old != path and old.stat().st_mtime < week_ago:
                old.unlink()
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


# ------------------------------------------------------------------------------------------
# The knowledge base and its look-ups
# ------------------------------------------------------------------------------------------


class HostPatternIndex:
    """Host patterns (``*.api.openai.com``, exact hosts, other fnmatch patterns) in the order
    given: ``match`` returns the value of the first pattern that matches, looking up ``*.suffix``
    patterns by the host's suffixes instead of trying each."""

    def __init__(self, items: Iterable[tuple[str, Any]]):
        self._suffix: dict[str, tuple[int, Any]] = {}
        self._other: list[tuple[int, str, Any]] = []
        for order, (pat, value) in enumerate(items):
            low = pat.lower()
            if low.startswith("*.") and not any(c in low[2:] for c in "*?["):
                self._suffix.setdefault(low[1:], (order, value))
            else:
                self._other.append((order, low, value))

    def match(self, host: str) -> Any:
        best: tuple[int, Any] | None = None
        i = host.find(".")
        while i >= 0:
            hit = self._suffix.get(host[i:])
            if hit is not None and (best is None or hit[0] < best[0]):
                best = hit
            i = host.find(".", i + 1)
        for order, pat, value in self._other:
            if (best is None or order < best[0]) and fnmatch.fnmatchcase(host, pat):
                best = (order, value)
                break
        return None if best is None else best[1]


#: the most names ``KnowledgeBase.api_model`` remembers
API_MODEL_MEMO = 100_000


class PatternIndex:
    """fnmatch patterns (case-insensitive) indexed by their literal prefix: a look-up tries only
    the patterns whose prefix the name starts with, and returns the value of the first pattern (in
    the order given) that matches, as a loop over every pattern would."""

    def __init__(self, items: Iterable[tuple[str, Any]]):
        self._by_prefix: dict[str, list[tuple[int, re.Pattern[str], Any]]] = {}
        for order, (pat, value) in enumerate(items):
            low = pat.lower()
            m = re.match(r"[^*?\[]*", low)
            prefix = m.group(0) if m else ""
            self._by_prefix.setdefault(prefix, []).append((order, re.compile(fnmatch.translate(low)), value))
        self._lengths = sorted({len(p) for p in self._by_prefix})

    def match(self, name: str) -> Any:
        n = name.lower()
        best: tuple[int, Any] | None = None
        for ln in self._lengths:
            if ln > len(n):
                break
            for order, rx, value in self._by_prefix.get(n[:ln], ()):
                if (best is None or order < best[0]) and rx.match(n):
                    best = (order, value)
        return None if best is None else best[1]


def normalise_package(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    version: str = ""
    _idx: dict = field(default_factory=dict, compare=False, repr=False)

    # -- basic access ----------------------------------------------------------------------
    def section(self, name: str) -> tuple[Entry, ...]:
        return self._sections.get(name, ())

    def get(self, section: str, id_: str) -> Entry | None:
        return self._by_id.get((section, id_.lower()))

    def require(self, section: str, id_: str) -> Entry:
        """The entry of an id already checked to be known (``get`` is not None): a KeyError is a bug."""
        e = self._by_id.get((section, id_.lower()))
        if e is None:
            raise KeyError(f"{section}/{id_} is not in the knowledge base")
        return e

    @cached_property
    def _sections(self) -> dict[str, tuple[Entry, ...]]:
        out: dict[str, list[Entry]] = {}
        for e in self.entries:
            out.setdefault(e.section, []).append(e)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def _by_id(self) -> dict[tuple[str, str], Entry]:
        return {(e.section, e.id.lower()): e for e in self.entries}

    def counts(self) -> dict[str, int]:
        return {s: len(self.section(s)) for s in SECTIONS}

    # -- cross-entry checks ----------------------------------------------------------------
    def cross_check(self, value_lines: ValueLines | None = None, layer_of: dict[str, int] | None = None) -> list[Problem]:
        """Problems between entries: dangling references, and names that two entries claim.
        ``value_lines`` (from loading) lets a problem name the line of the value itself;
        ``layer_of`` (file -> 0 for the base, n for the n-th overlay) puts a clash on the later layer."""
        problems: list[Problem] = _VocabularyCheck(self, value_lines or {}, layer_of or {}).run()
        seen_ns: dict[str, Entry] = {}
        for lab in self.section("labs"):
            for ns in list(lab.get("hf_namespaces", [])) + list(lab.get("former_namespaces", [])):
                other = seen_ns.get(ns.lower())
                if other is not None and other is not lab:
                    problems.append(Problem(lab.path, lab.line, f"Hugging Face namespace {ns!r} claimed by both {other.id!r} and {lab.id!r}"))
                seen_ns[ns.lower()] = lab
        for am in self.section("api_models"):
            if self.get("providers", am.get("provider")) is None:
                problems.append(Problem(am.path, am.line, f"{am.id}: unknown provider {am.get('provider')!r}"))
            if self.get("labs", am.get("lab")) is None:
                problems.append(Problem(am.path, am.line, f"{am.id}: unknown lab {am.get('lab')!r}"))
            if am.get("license") and self.license(am.get("license")) is None:
                problems.append(Problem(am.path, am.line, f"{am.id}: unknown license {am.get('license')!r}"))
        for m in self.section("models"):
            if self.get("labs", m.get("lab")) is None:
                problems.append(Problem(m.path, m.line, f"{m.id}: unknown lab {m.get('lab')!r}"))
            if m.get("license") and self.license(m.get("license")) is None:
                problems.append(Problem(m.path, m.line, f"{m.id}: unknown license {m.get('license')!r}"))
            for pid in m.get("providers", []):
                if self.get("providers", pid) is None:
                    problems.append(Problem(m.path, m.line, f"{m.id}: unknown provider {pid!r}"))
        for hw in self.section("hardware"):
            for it in hw.get("instance_types", []):
                if self.get("clouds", it["cloud"]) is None:
                    problems.append(Problem(hw.path, hw.line, f"{hw.id}: instance type {it['pattern']!r} names unknown cloud {it['cloud']!r}"))
        names: dict[str, Entry] = {}
        for e in self.section("lineage"):
            kind = e.get("kind")
            if kind == "derivative":
                lids = [e.get("license")] + [p.get("license") for p in e.get("parents", [])]
                for lid in filter(None, lids):
                    if self.license(lid) is None:
                        problems.append(Problem(e.path, e.line, f"{e.id}: unknown license {lid!r}"))
                for name in [e.id] + list(e.get("aliases", [])):
                    other = names.get(name.lower())
                    if other is not None and other is not e:
                        problems.append(Problem(e.path, e.line, f"{e.id}: name {name!r} is already the lineage entry {other.id!r}"))
                    names[name.lower()] = e
            elif kind == "name-pattern":
                try:
                    rx = re.compile(e.get("pattern"), re.I)
                except re.error as exc:
                    problems.append(Problem(e.path, e.line, f"{e.id}: pattern is not a regular expression ({exc})"))
                    continue
                if e.get("role") == "base-family" and "family" not in rx.groupindex:
                    problems.append(Problem(e.path, e.line, f"{e.id}: role base-family needs a named group 'family' in the pattern"))
        return problems

    # -- indexes used by detectors ---------------------------------------------------------
    @cached_property
    def provider_by_host(self) -> dict[tuple[str, int], Entry]:
        """(host, port) -> provider. Port 0 means the base URL names none: then any port of that
        host matches, unless the host is a loopback name, where only the stated port does (a
        local Ollama on :11434 says nothing about a local vLLM on :8000)."""
        out: dict[tuple[str, int], Entry] = {}
        for p in self.section("providers"):
            for bu in p.get("base_urls", []):
                parts = urlsplit(bu["url"])
                host = (parts.hostname or "").lower()
                if host:
                    out.setdefault((host, parts.port or 0), p)
        return out

    @cached_property
    def _host_patterns(self) -> tuple[tuple[str, Entry], ...]:
        return tuple((pat.lower(), p) for p in self.section("providers") for pat in p.get("host_patterns", []))

    def provider_for_url(self, url: str) -> Entry | None:
        """The provider whose base URL (or host pattern) matches ``url``; None if no rule says."""
        try:
            parts = urlsplit(url if "//" in url else "//" + url)
            host = (parts.hostname or "").lower()
            port = parts.port or 0
        except ValueError:
            return None
        if not host:
            return None
        hit = self.provider_by_host.get((host, port))
        if hit is None and host not in _LOOPBACK:
            hit = self.provider_by_host.get((host, 0))
            if hit is None:
                hit = self._provider_by_host_any.get(host)
        if hit is not None:
            return hit
        return self.provider_for_host_pattern(host)

    def provider_for_host_pattern(self, host: str) -> Entry | None:
        """The provider one of whose ``host_patterns`` (per-resource or per-region hosts such as
        ``*.openai.azure.com``) matches ``host``, lower-cased."""
        return self._host_pattern_index.match(host)

    @cached_property
    def _provider_by_host_any(self) -> dict[str, Entry]:
        """host -> the provider of its lowest (host, port) base URL: any port of a known host."""
        out: dict[str, Entry] = {}
        for (h, _port), p in sorted(self.provider_by_host.items(), key=lambda kv: kv[0]):
            out.setdefault(h, p)
        return out

    @cached_property
    def _host_pattern_index(self) -> HostPatternIndex:
        return HostPatternIndex(self._host_patterns)

    def _index(self, section: str, key: str, norm=str.lower) -> dict[str, Entry]:
        cache_key = (section, key)
        if cache_key not in self._idx:
            out: dict[str, Entry] = {}
            for e in self.section(section):
                for v in e.get(key, []):
                    out.setdefault(norm(v), e)
            self._idx[cache_key] = out
        return self._idx[cache_key]

    def provider_for_client(self, name: str) -> Entry | None:
        return self._index("providers", "python_clients", str).get(name)

    def provider_for_js_client(self, name: str) -> Entry | None:
        return self._index("providers", "js_clients", str).get(name)

    def provider_for_env(self, var: str) -> Entry | None:
        return self._index("providers", "env_vars", str.upper).get(var.upper())

    def provider_for_litellm_prefix(self, prefix: str) -> Entry | None:
        return self._index("providers", "litellm_prefixes").get(prefix.lower())

    def package(self, name: str, ecosystem: str = "python") -> Entry | None:
        """The provider, hardware or software entry a package name implies."""
        key = "python_packages" if ecosystem == "python" else "npm_packages"
        norm = normalise_package if ecosystem == "python" else str.lower
        target = norm(name)
        for section in ("providers", "hardware", "software"):
            hit = self._index(section, key, norm).get(target)
            if hit is not None:
                return hit
        return None

    def package_entries(self, name: str, ecosystem: str = "python") -> list[Entry]:
        """Every software, hardware and provider entry (in that order) that lists a package name."""
        key = "python_packages" if ecosystem in ("", "python") else "npm_packages"
        norm = normalise_package if ecosystem in ("", "python") else str.lower
        target = norm(name)
        return [hit for section in ("software", "hardware", "providers")
                if (hit := self._index(section, key, norm).get(target)) is not None]

    def hardware_for_resource(self, resource: str) -> Entry | None:
        return self._index("hardware", "k8s_resources").get(resource.lower())

    def _image_patterns(self) -> tuple[tuple[str, Entry], ...]:
        if "images" not in self._idx:
            self._idx["images"] = tuple(
                (pat.lower(), e) for section in ("hardware", "software") for e in self.section(section) for pat in e.get("images", [])
            )
        return self._idx["images"]

    @cached_property
    def image_registry_aliases(self) -> tuple[str, ...]:
        return tuple(a.lower() for e in self.section("detection") for a in (e.get("image_registry_aliases") or ()))

    def image_name(self, image: str) -> str:
        """An image reference without tag, digest or Docker Hub's registry names."""
        return image_name(image, self.image_registry_aliases)

    def images(self, image: str) -> list[Entry]:
        """Every hardware and software entry whose image pattern matches ``image`` (tag and digest removed)."""
        name = self.image_name(image).lower()
        out: list[Entry] = []
        for pat, e in self._image_patterns():
            if fnmatch.fnmatchcase(name, pat) and e not in out:
                out.append(e)
        return out

    def instance_type(self, name: str) -> tuple[Entry, dict] | None:
        idx = self._idx.get("instance_types")
        if idx is None:
            idx = self._idx["instance_types"] = PatternIndex(
                (it["pattern"], (hw, it)) for hw in self.section("hardware") for it in hw.get("instance_types", []))
        return idx.match(name)

    def cloud_for_terraform(self, source_or_name: str) -> Entry | None:
        """Match a provider source (``hashicorp/aws``) or a local provider name (``aws``)."""
        s = source_or_name.lower()
        for c in self.section("clouds"):
            for tp in c.get("terraform_providers", []):
                tp = tp.lower()
                if s == tp or s == tp.split("/")[-1] or s.endswith("/" + tp):
                    return c
        return None

    def cloud_for_resource_type(self, rtype: str) -> Entry | None:
        best: tuple[int, Entry] | None = None
        for c in self.section("clouds"):
            for pre in c.get("terraform_prefixes", []):
                if rtype.startswith(pre) and (best is None or len(pre) > best[0]):
                    best = (len(pre), c)
        return best[1] if best else None

    # -- hardware and cloud vocabulary (hardware.yaml, clouds.yaml) -------------------------
    def vocabulary(self, section: str, key: str) -> tuple[tuple[Any, Entry], ...]:
        """Every value of list ``key`` in ``section`` with its entry, in entry order: what a
        multi-pattern matcher is built from (hardware env_vars, clouds storage_schemes, ...)."""
        cache_key = ("vocabulary", section, key)
        if cache_key not in self._idx:
            self._idx[cache_key] = tuple((v, e) for e in self.section(section) for v in e.get(key, None) or ())
        return self._idx[cache_key]

    def env_var_owner(self, name: str) -> Entry | None:
        """The provider, cloud or hardware entry an environment variable belongs to. An exact
        name wins over a prefix, a longer prefix over a shorter one (AWS_NEURON_RT_X is
        hardware:aws-neuron although clouds:aws lists AWS_*)."""
        return _env_lookup(self._env_table(_ENV_SECTIONS), name)

    def cloud_for_env(self, name: str) -> Entry | None:
        """The cloud an environment variable belongs to, among clouds only (AZURE_OPENAI_ENDPOINT is
        azure here, although providers:azure-openai owns the exact name)."""
        return _env_lookup(self._env_table(("clouds",)), name)

    def hardware_for_env(self, name: str) -> Entry | None:
        return _env_lookup(self._env_table(("hardware",)), name)

    def _env_table(self, sections: tuple[str, ...]) -> tuple[dict[str, Entry], tuple[tuple[str, Entry], ...]]:
        key = ("env", sections)
        if key not in self._idx:
            exact: dict[str, Entry] = {}
            prefixes: list[tuple[str, Entry]] = []
            for sec in sections:
                for e in self.section(sec):
                    for v in e.get("env_vars", []):
                        if v.endswith("*"):
                            prefixes.append((v[:-1].upper(), e))
                        else:
                            exact.setdefault(v.upper(), e)
            prefixes.sort(key=lambda pe: -len(pe[0]))
            self._idx[key] = (exact, tuple(prefixes))
        return self._idx[key]

    def _exact(self, section: str, key: str, norm=str.lower) -> dict[str, Entry]:
        return self._index(section, key, norm)

    def hardware_for_tool(self, word: str) -> Entry | None:
        return self._exact("hardware", "tools", str).get(word)

    def hardware_for_code_token(self, token: str) -> Entry | None:
        """``torch.cuda.is_available`` -> nvidia: the token itself or its longest dotted prefix."""
        idx = self._exact("hardware", "code_tokens", str)
        parts = token.split(".")
        for i in range(len(parts), 0, -1):
            hit = idx.get(".".join(parts[:i]))
            if hit is not None:
                return hit
        return None

    def hardware_for_device(self, device: str) -> Entry | None:
        """A framework device string (``cuda``, ``cuda:0``, ``npu:1``) -> its vendor."""
        return self._exact("hardware", "device_strings").get(device.split(":", 1)[0].strip().lower())

    def hardware_for_term(self, term: str) -> Entry | None:
        return self._exact("hardware", "terms", str).get(term)

    def hardware_for_node_value(self, value: str) -> Entry | None:
        return _pattern_lookup(self.vocabulary("hardware", "node_values"), value)

    def hardware_for_image_token(self, token: str) -> Entry | None:
        return _pattern_lookup(self.vocabulary("hardware", "image_tokens"), token)

    def hardware_for_docker_flag(self, option: str, value: str = "") -> Entry | None:
        """``--gpus`` (any value) or ``--device`` with ``/dev/kfd`` -> the hardware it means."""
        opt = option.strip()
        for flag, e in self.vocabulary("hardware", "docker_flags"):
            name, _, want = flag.partition("=")
            if name == opt and (not want or fnmatch.fnmatchcase(value.strip(), want)):
                return e
        return None

    def cloud_for_command(self, words: str) -> Entry | None:
        """The cloud whose CLI prefix starts this command (``aws s3 cp ...`` -> aws)."""
        w = " ".join(words.split()).lower()
        for c in self.section("clouds"):
            for cmd in c.get("cli_commands", []):
                if w == cmd or w.startswith(cmd + " "):
                    return c
        return None

    def cloud_for_import(self, module: str) -> Entry | None:
        """``google.cloud.storage`` -> gcp: the longest dotted prefix a cloud lists in sdk_imports.
        Callers that also resolve packages should ask ``package()`` first: a package of a provider
        (google.cloud.aiplatform) is more specific than a cloud's namespace."""
        idx = self._exact("clouds", "sdk_imports", str)
        parts = module.split(".")
        for i in range(len(parts), 0, -1):
            hit = idx.get(".".join(parts[:i]))
            if hit is not None:
                return hit
        return None

    def cloud_for_package(self, name: str, ecosystem: str = "python") -> Entry | None:
        """The cloud whose SDK distribution this is (boto3, @aws-sdk/client-s3). ``package()`` keeps
        answering for providers, hardware and software only. A listed name ending in ``*`` is a
        family of distributions (``google-cloud-*``, the npm scope ``@aws-sdk/*``)."""
        key, norm = ("python_packages", normalise_package) if ecosystem == "python" else ("npm_packages", str.lower)
        target = norm(name)
        hit = self._index("clouds", key, norm).get(target)
        if hit is not None:
            return hit
        fams = self._idx.get(("cloud-package-families", key))
        if fams is None:
            fams = self._idx[("cloud-package-families", key)] = tuple(
                (norm(v[:-1]) if ecosystem == "python" else v[:-1].lower(), e)
                for e in self.section("clouds") for v in e.get(key, []) if v.endswith("*"))
        for prefix, e in fams:
            if target.startswith(prefix) and len(target) > len(prefix):
                return e
        return None

    def cloud_for_storage_scheme(self, scheme: str) -> Entry | None:
        return self._exact("clouds", "storage_schemes").get(scheme.lower().rstrip(":/"))

    def cloud_for_arn_partition(self, partition: str) -> Entry | None:
        return self._exact("clouds", "arn_partitions").get(partition.lower())

    def cloud_for_iam_service(self, service: str) -> Entry | None:
        return self._exact("clouds", "iam_services").get(service.lower())

    def cloud_for_annotation(self, key: str) -> Entry | None:
        """A cloud whose annotation prefix (or k8s_labels prefix) starts this annotation or label key."""
        k = key.lower()
        for pre, c in sorted(self.vocabulary("clouds", "annotation_prefixes"), key=lambda pc: -len(pc[0])):
            if k.startswith(pre.lower()):
                return c
        return self.cloud_for_label(key)

    def cloud_for_storage_class(self, name: str) -> Entry | None:
        return _pattern_lookup(self.vocabulary("clouds", "storage_classes"), name)

    def cloud_instance_type(self, name: str, keyed: bool = False) -> tuple[Entry, dict] | None:
        """(cloud, pattern item) for a machine type. Without ``keyed`` only shapes marked
        unambiguous match; with it (the string is the value of an instance-type key) all do,
        unambiguous shapes first."""
        n = name.lower()
        items = self.vocabulary("clouds", "instance_types")
        for want in (True, False) if keyed else (True,):
            for it, c in items:
                if bool(it["unambiguous"]) is want and fnmatch.fnmatchcase(n, it["pattern"].lower()):
                    return c, it
        return None

    def cloud_for_iac_type(self, rtype: str) -> Entry | None:
        """A non-Terraform IaC resource type (``AWS::S3::Bucket``, ``Microsoft.Compute/virtualMachines``,
        ``compute.v1.instance``) -> its cloud. Terraform types stay with cloud_for_resource_type."""
        return _pattern_lookup(self.vocabulary("clouds", "resource_types"), rtype, casefold=False)

    def cloud_for_label(self, label: str) -> Entry | None:
        """A cloud that alone sets this Kubernetes node label key."""
        lab = label.lower()
        for c in self.section("clouds"):
            for key in c.get("k8s_labels", []):
                key = key.lower()
                if lab == key or (key.endswith("/") and lab.startswith(key)):
                    return c
        return None

    def region(self, cloud_id: str, name: str) -> dict | None:
        c = self.get("clouds", cloud_id)
        if c is None:
            return None
        for r in c.get("regions", []):
            if r["name"].lower() == name.lower():
                return r
        return None

    def clouds_with_region(self, name: str) -> list[Entry]:
        return [c for c in self.section("clouds") if any(r["name"].lower() == name.lower() for r in c.get("regions", []))]

    def software_for_command(self, words: str) -> Entry | None:
        w = " ".join(words.split()).lower()
        for s in self.section("software"):
            for cmd in s.get("commands", []):
                c = cmd.lower()
                if w == c or w.startswith(c + " "):
                    return s
        return None

    @cached_property
    def model_flags(self) -> frozenset[str]:
        return frozenset(f for s in self.section("software") for f in s.get("model_flags", []))

    @cached_property
    def env_var_names(self) -> frozenset[str]:
        return frozenset(self._index("providers", "env_vars", str.upper))

    def api_model(self, name: str) -> Entry | None:
        # asked for the same ids by the graph and the resolver (30,000 times on 8,500 ids at 1x):
        # remembered per name, and forgotten when a long-lived knowledge base (an org scan's
        # worker) has seen too many
        memo = self._idx.get("api_model_memo")
        if memo is None or len(memo) > API_MODEL_MEMO:
            memo = self._idx["api_model_memo"] = {}
        elif name in memo:
            return memo[name]
        idx = self._idx.get("api_model_patterns")
        if idx is None:
            idx = self._idx["api_model_patterns"] = PatternIndex(
                (pat, am) for am in self.section("api_models") for pat in am.get("patterns", []))
        hit = memo[name] = idx.match(name)
        return hit

    def lab_for_namespace(self, ns: str) -> Entry | None:
        n = ns.lower()
        hit = self._index("labs", "hf_namespaces").get(n)
        return hit if hit is not None else self._index("labs", "former_namespaces").get(n)

    def catalog_model(self, name: str) -> Entry | None:
        """The capability entry (rules/models.yaml) of a Hub id or API model name, case-insensitively."""
        return self.get("models", name)

    def catalog_models(self) -> tuple[Entry, ...]:
        return self.section("models")

    def license(self, lid: str) -> Entry | None:
        hit = self.get("licenses", lid)
        return hit if hit is not None else self._index("licenses", "aliases").get(lid.lower())

    # -- lineage, package publishers, hosts that are not data flows ------------------------------
    def lineage_entry(self, model_id: str) -> Entry | None:
        """The ``derivative`` entry of a model id or one of its aliases (case-insensitive)."""
        if "lineage-names" not in self._idx:
            out: dict[str, Entry] = {}
            for e in self.section("lineage"):
                if e.get("kind") == "derivative":
                    for name in [e.id] + list(e.get("aliases", [])):
                        out.setdefault(name.lower(), e)
            self._idx["lineage-names"] = out
        return self._idx["lineage-names"].get(model_id.lower())

    @cached_property
    def lineage_patterns(self) -> tuple[tuple[Entry, re.Pattern[str]], ...]:
        """The ``name-pattern`` entries, compiled (case-insensitive), in id order."""
        return tuple((e, re.compile(e.get("pattern"), re.I)) for e in self.section("lineage") if e.get("kind") == "name-pattern")

    @cached_property
    def license_carry_over(self) -> tuple[frozenset[str], tuple[Entry, ...]]:
        """The relations through which a parent's license terms govern the derived weights, and
        the entries that say so."""
        entries = tuple(e for e in self.section("lineage") if e.get("kind") == "license-carry-over")
        return frozenset(r for e in entries for r in e.get("relations", [])), entries

    def package_publisher(self, name: str, ecosystem: str = "python") -> Entry | None:
        """The ``packages`` entry of the publisher of a package: an exact name first, then the
        first entry (in id order) whose fnmatch pattern matches."""
        key = "python" if ecosystem in ("", "python") else "npm"
        norm = normalise_package if key == "python" else str.lower
        target = norm(name)
        hit = self._index("packages", key, norm).get(target)
        if hit is not None:
            return hit
        for e in self.section("packages"):
            for pat in e.get(key, []):
                if any(c in pat for c in "*?[") and fnmatch.fnmatchcase(target, norm(pat) if key == "npm" else pat.lower()):
                    return e
        return None

    def path_scope(self, path: str) -> str:
        """"tests", "docs" or "" for a file by its path alone (the detection section's test_dirs,
        test_dir_suffixes, test_files, doc_dirs and doc_suffixes); one answer per path."""
        conv = self._idx.get("scope.paths")
        if conv is None:
            ds = self.section("detection")

            def strings(key: str, lower: bool = True) -> tuple[str, ...]:
                return tuple(sorted({(x.lower() if lower else x) for e in ds for x in (e.get(key) or ())}))

            conv = self._idx["scope.paths"] = (frozenset(strings("test_dirs")), strings("test_dir_suffixes"),
                                               strings("test_files", lower=False), frozenset(strings("doc_dirs")),
                                               strings("doc_suffixes"), {})
        test_dirs, test_suffixes, test_files, doc_dirs, doc_suffixes, memo = conv
        memo_: dict[str, str] = memo
        hit = memo_.get(path)
        if hit is None:
            parts = path.split("#", 1)[0].split("/")
            base, folders = parts[-1], [p.lower() for p in parts[:-1]]
            if any(p in test_dirs or p.endswith(test_suffixes) for p in folders) \
                    or any(fnmatch.fnmatchcase(base, pat) for pat in test_files):
                hit = "tests"
            elif base.lower().endswith(doc_suffixes) or any(p in doc_dirs for p in folders):
                hit = "docs"
            else:
                hit = ""
            if len(memo_) < 100_000:
                memo_[path] = hit
        return hit

    def host_entry(self, url_or_host: str) -> Entry | None:
        """The ``hosts`` entry (reserved test domain or non-inference host) a URL's host matches,
        unless its path is one the entry excepts (a provider's API on the same host)."""
        try:
            parts = urlsplit(url_or_host if "//" in url_or_host else "//" + url_or_host)
            host = (parts.hostname or "").lower().rstrip(".")
        except ValueError:
            return None
        if not host:
            return None
        path = parts.path or "/"
        try:
            port = parts.port
        except ValueError:  # not a port number: no entry that lists ports applies
            port = None
        for e in self.section("hosts"):
            if any(fnmatch.fnmatchcase(host, pat.lower()) for pat in e.get("patterns", [])):
                if any(fnmatch.fnmatchcase(path, x) for x in e.get("except_paths", [])):
                    continue
                if e.get("ports") and port not in e.get("ports"):
                    continue
                return e
        return None

    @cached_property
    def families(self) -> tuple[tuple[str, Entry], ...]:
        """(family name lower-cased, lab) of every lab that makes models (re-publishers, community
        accounts and individuals left out), longest name first."""
        skip = {"republisher", "community", "individual", "consortium"}
        out = [(f.lower(), lab) for lab in self.section("labs") if lab.get("kind") not in skip for f in lab.get("families", [])]
        return tuple(sorted(out, key=lambda x: (-len(x[0]), x[0], x[1].id)))

    @cached_property
    def family_index(self) -> dict[str, tuple[tuple[int, str, str, Entry], ...]]:
        """``families`` by the first one or two letters of the name: (rank in ``families``, name
        lower-cased, name as written, lab). A name can start with a family only when it starts
        with that family's key, so a look-up reads a handful of families, not all of them."""
        out: dict[str, list[tuple[int, str, str, Entry]]] = {}
        for rank, (low, lab) in enumerate(self.families):
            written = next(f for f in lab.get("families", []) if f.lower() == low)
            out.setdefault(low[:2], []).append((rank, low, written, lab))
        return {k: tuple(v) for k, v in out.items()}


# ------------------------------------------------------------------------------------------
# Hardware and cloud vocabulary: look-ups and the checks that keep every name to one entry
# ------------------------------------------------------------------------------------------

_ENV_SECTIONS = ("providers", "clouds", "hardware")


def _env_lookup(table: tuple[dict[str, Entry], tuple[tuple[str, Entry], ...]], name: str) -> Entry | None:
    exact, prefixes = table
    n = name.upper()
    hit = exact.get(n)
    if hit is not None:
        return hit
    return next((e for stem, e in prefixes if n.startswith(stem)), None)


def _pattern_lookup(values: Iterable[tuple[str, Entry]], s: str, casefold: bool = True) -> Entry | None:
    """The entry of the first exact value equal to ``s``, else of the first pattern matching it."""
    t = s.lower() if casefold else s
    pats = []
    for v, e in values:
        v2 = v.lower() if casefold else v
        if "*" not in v2 and "?" not in v2 and "[" not in v2:
            if v2 == t:
                return e
        else:
            pats.append((v2, e))
    return next((e for p, e in pats if fnmatch.fnmatchcase(t, p)), None)


def _is_pattern(v: str) -> bool:
    return any(ch in v for ch in "*?[")


def _env_overlap(a: str, b: str) -> bool:
    a, b = a.upper(), b.upper()
    sa = a[:-1] if a.endswith("*") else None
    sb = b[:-1] if b.endswith("*") else None
    if sa is None and sb is None:
        return a == b
    if sa is not None and sb is None:
        return b.startswith(sa)
    if sb is not None and sa is None:
        return a.startswith(sb)
    assert sa is not None and sb is not None
    return sa.startswith(sb) or sb.startswith(sa)


def _glob_overlap(a: str, b: str) -> bool:
    """Whether two values (either may be an fnmatch pattern) can name the same string: equal, or
    one exact value matched by the other pattern. Two different patterns are compared by their
    literal prefixes before the first wildcard."""
    if a == b:
        return True
    pa, pb = _is_pattern(a), _is_pattern(b)
    if pa and not pb:
        return fnmatch.fnmatchcase(b, a)
    if pb and not pa:
        return fnmatch.fnmatchcase(a, b)
    if pa and pb:
        la = re.split(r"[*?\[]", a, maxsplit=1)[0]
        lb = re.split(r"[*?\[]", b, maxsplit=1)[0]
        return fnmatch.fnmatchcase(lb, a) or fnmatch.fnmatchcase(la, b)
    return False


def _command_overlap(a: str, b: str) -> bool:
    a, b = " ".join(a.split()).lower(), " ".join(b.split()).lower()
    return a == b or a.startswith(b + " ") or b.startswith(a + " ")


class _VocabularyCheck:
    """Cross-entry checks of the hardware and cloud vocabulary (and the names they share with
    providers and software): a name belongs to one entry, or the knowledge base fails to load."""

    def __init__(self, kb: KnowledgeBase, value_lines: ValueLines, layer_of: dict[str, int]):
        self.kb = kb
        self.value_lines = value_lines
        self.layer_of = layer_of
        self.problems: list[Problem] = []

    def where(self, e: Entry, key: str, i: int) -> int:
        return self.value_lines.get((e.path, e.line), {}).get((key, i), e.line)

    def report(self, e: Entry, key: str, i: int, message: str) -> None:
        self.problems.append(Problem(e.path, self.where(e, key, i), f"{e.id}: {message}"))

    def values(self, sections: Iterable[str], key: str) -> list[tuple[Entry, int, Any]]:
        """Values of ``key`` in ``sections``: base files first, then each overlay; within a layer in
        the order of ``sections``. Of two values that clash, the later one is reported."""
        out = [(e, i, v) for sec in sections for e in self.kb.section(sec) for i, v in enumerate(e.get(key, None) or ())]
        return sorted(out, key=lambda t: self.layer_of.get(t[0].path, 0))

    def run(self) -> list[Problem]:
        self.env_vars()
        self.packages()
        for section, key, norm, overlap in (
            ("hardware", "tools", str, None),
            ("hardware", "code_tokens", str, None),
            ("hardware", "device_strings", str.lower, None),
            ("hardware", "terms", str, None),
            ("hardware", "node_values", str.lower, _glob_overlap),
            ("hardware", "image_tokens", str.lower, _glob_overlap),
            ("hardware", "docker_flags", str, None),
            ("clouds", "storage_schemes", str.lower, None),
            ("clouds", "arn_partitions", str.lower, None),
            ("clouds", "iam_services", str.lower, None),
            ("clouds", "storage_classes", str.lower, _glob_overlap),
            ("clouds", "resource_types", str, _glob_overlap),
            ("clouds", "sdk_imports", str, None),
            ("clouds", "sdk_namespaces", str, lambda a, b: a.startswith(b) or b.startswith(a)),
        ):
            self.unique(section, key, norm, overlap)
        self.instance_patterns()
        self.commands()
        self.code_names()
        self.terms()
        self.word_families()
        self.annotations()
        self.docker_flags()
        return self.problems

    def unique(self, section: str, key: str, norm, overlap) -> None:
        """No value twice in one section; with ``overlap``, no value that another entry's pattern matches."""
        seen: dict[str, tuple[Entry, int, str]] = {}
        vals = self.values((section,), key)
        for e, i, v in vals:
            k = norm(v)
            prev = seen.get(k)
            if prev is not None:
                self.report(e, key, i, f"{key} value {v!r} is also listed by {prev[0].rule_id} ({prev[0].path}:{self.where(prev[0], key, prev[1])})"
                            if prev[0] is not e else f"{key} value {v!r} is listed twice")
                continue
            seen[k] = (e, i, v)
        if overlap is None:
            return
        items = list(seen.values())
        for x, (e, i, v) in enumerate(items):
            for f, j, w in items[x + 1:]:
                if f is not e and overlap(norm(v), norm(w)):
                    self.report(f, key, j, f"{key} value {w!r} overlaps {v!r} of {e.rule_id} ({e.path}:{self.where(e, key, i)})")

    def env_vars(self) -> None:
        vals = self.values(_ENV_SECTIONS, "env_vars")
        seen: dict[str, tuple[Entry, int]] = {}
        for e, i, v in vals:
            prev = seen.get(v.upper())
            if prev is not None:
                self.report(e, "env_vars", i, f"environment variable {v!r} is also claimed by {prev[0].rule_id} ({prev[0].path}:{self.where(prev[0], 'env_vars', prev[1])})"
                            if prev[0] is not e else f"environment variable {v!r} is listed twice")
            else:
                seen[v.upper()] = (e, i)
        by_section: dict[str, list[tuple[Entry, int, str]]] = {}
        for e, i, v in vals:
            by_section.setdefault(e.section, []).append((e, i, v))
        for items in by_section.values():
            for x, (e, i, v) in enumerate(items):
                for f, j, w in items[x + 1:]:
                    if f is not e and v.upper() != w.upper() and _env_overlap(v, w):
                        self.report(f, "env_vars", j, f"environment variable {w!r} overlaps {v!r} of {e.rule_id} ({e.path}:{self.where(e, 'env_vars', i)}); "
                                    "within one section a name may belong to one entry only")

    def packages(self) -> None:
        """A package listed by a cloud or hardware entry belongs to no other entry. (Names shared
        by a provider and a software entry only, such as ollama, are outside these checks.)"""
        for key, norm in (("python_packages", normalise_package), ("npm_packages", str.lower)):
            owners: dict[str, list[tuple[Entry, int, str]]] = {}
            for e, i, v in self.values(("providers", "software", "hardware", "clouds"), key):
                owners.setdefault(norm(v), []).append((e, i, v))
            for hits in owners.values():
                first = hits[0][0]
                if not any(e.section in ("clouds", "hardware") for e, _, _ in hits):
                    continue
                for e, i, v in hits[1:]:
                    if e is not first:
                        self.report(e, key, i, f"package {v!r} is also listed by {first.rule_id} ({first.path}:{self.where(first, key, hits[0][1])}); "
                                    "a package belongs to one entry")

    def code_names(self) -> None:
        """Cloud sdk_imports and hardware code_tokens must not be another entry's Python package
        (import names and distributions normalise alike: torch_npu = torch-npu)."""
        pkgs: dict[str, Entry] = {}
        for e, _, v in self.values(("providers", "software", "hardware", "clouds"), "python_packages"):
            pkgs.setdefault(normalise_package(v), e)
        for section, key in (("clouds", "sdk_imports"), ("hardware", "code_tokens")):
            for e, i, v in self.values((section,), key):
                owner = pkgs.get(normalise_package(v))
                if owner is not None and owner is not e:
                    self.report(e, key, i, f"{key} value {v!r} is the package {owner.rule_id} lists; a name belongs to one entry")
        mods = self.values(("clouds",), "sdk_imports")
        for x, (e, _i, v) in enumerate(mods):
            for f, j, w in mods[x + 1:]:
                if f is not e and (w.startswith(v + ".") or v.startswith(w + ".")):
                    self.report(f, "sdk_imports", j, f"sdk_imports value {w!r} nests with {v!r} of {e.rule_id}")
        toks = {v: e for e, _, v in self.values(("hardware",), "code_tokens")}
        for e, i, v in mods:
            if v in toks:
                self.report(e, "sdk_imports", i, f"{v!r} is also a code token of {toks[v].rule_id}")

    def commands(self) -> None:
        cmds = self.values(("clouds",), "cli_commands")
        for x, (e, i, v) in enumerate(cmds):
            for f, j, w in cmds[x + 1:]:
                if f is not e and _command_overlap(v, w):
                    self.report(f, "cli_commands", j, f"command {w!r} overlaps {v!r} of {e.rule_id} ({e.path}:{self.where(e, 'cli_commands', i)})")
        software = self.values(("software",), "commands")
        for e, i, v in cmds:
            for f, _, w in software:
                if _command_overlap(v, w):
                    self.report(e, "cli_commands", i, f"command {v!r} overlaps the command {w!r} of {f.rule_id}")
        words = {" ".join(w.split()).split(" ")[0].lower(): f for f, _, w in cmds + software}
        for e, i, v in self.values(("hardware",), "tools"):
            owner = words.get(v.lower())
            if owner is not None:
                self.report(e, "tools", i, f"tool {v!r} is also a command of {owner.rule_id}")

    def word_families(self) -> None:
        """A lab's word_families are some of its own families."""
        for e in self.kb.section("labs"):
            fams = {f.lower() for f in e.get("families", ()) or ()}
            for i, w in enumerate(e.get("word_families", ()) or ()):
                if w.lower() not in fams:
                    self.report(e, "word_families", i, f"word family {w!r} is not one of the lab's families")

    def terms(self) -> None:
        accel: dict[str, Entry] = {}
        for e, _, v in self.values(("hardware",), "accelerators"):
            accel.setdefault(v.lower(), e)
        for e, i, v in self.values(("hardware",), "terms"):
            owner = accel.get(v.lower())
            if owner is not None:
                self.report(e, "terms", i, f"term {v!r} is an accelerator of {owner.rule_id}; accelerators are matched as words already")
        for e in self.kb.section("hardware"):
            own = set(e.get("accelerators", []))
            for i, v in enumerate(e.get("context_only_accelerators", [])):
                if v not in own:
                    self.report(e, "context_only_accelerators", i, f"{v!r} is not one of its accelerators")
            devices = set(e.get("device_strings", []))
            for i, v in enumerate(e.get("context_only_device_strings", [])):
                if v not in devices:
                    self.report(e, "context_only_device_strings", i, f"{v!r} is not one of its device strings")

    def annotations(self) -> None:
        labels = [(e, v.lower()) for e, _, v in self.values(("clouds",), "k8s_labels")]
        anns = self.values(("clouds",), "annotation_prefixes")
        for e, i, v in anns:
            a = v.lower()
            for f, lab in labels:
                if a == lab or (lab.endswith("/") and a.startswith(lab)):
                    self.report(e, "annotation_prefixes", i, f"annotation prefix {v!r} repeats the k8s_labels value {lab!r} of {f.rule_id}")
        for x, (e, _i, v) in enumerate(anns):
            for f, j, w in anns[x + 1:]:
                if f is not e and (w.lower().startswith(v.lower()) or v.lower().startswith(w.lower())):
                    self.report(f, "annotation_prefixes", j, f"annotation prefix {w!r} overlaps {v!r} of {e.rule_id}")

    def docker_flags(self) -> None:
        flags = self.values(("hardware",), "docker_flags")
        for x, (e, _i, v) in enumerate(flags):
            n1, _, v1 = v.partition("=")
            for f, j, w in flags[x + 1:]:
                n2, _, v2 = w.partition("=")
                if f is not e and n1 == n2 and (not v1 or not v2 or _glob_overlap(v1, v2)):
                    self.report(f, "docker_flags", j, f"docker flag {w!r} overlaps {v!r} of {e.rule_id}")
        # a vendor-neutral flag (detection.yaml) that a vendor also claims would be read twice, once
        # for each, and the same line would name two vendors
        claimed = {v for _e, _i, v in flags}
        for e, i, v in self.values(("detection",), "docker_flags"):
            if v in claimed:
                self.report(e, "docker_flags", i, f"docker flag {v!r} is a vendor's (rules/hardware.yaml docker_flags)")

    def instance_patterns(self) -> None:
        seen: dict[str, tuple[Entry, int]] = {}
        for e in self.kb.section("clouds"):
            for i, it in enumerate(e.get("instance_types", [])):
                k = it["pattern"].lower()
                prev = seen.get(k)
                if prev is not None and prev[0] is not e:
                    self.report(e, "instance_types", i, f"instance type pattern {it['pattern']!r} is also listed by {prev[0].rule_id}")
                seen.setdefault(k, (e, i))


def image_name(image: str, aliases: tuple[str, ...] = ()) -> str:
    """``registry/ns/name:tag@sha256:...`` -> ``registry/ns/name``; the registry ``aliases`` (Docker
    Hub's names for itself, ``rules/detection.yaml`` image_registry_aliases) removed."""
    s = image.strip()
    s = s.split("@", 1)[0]
    last = s.rsplit("/", 1)
    if ":" in last[-1]:
        last[-1] = last[-1].split(":", 1)[0]
    s = "/".join(last)
    for pre in aliases:
        if s.startswith(pre):
            s = s[len(pre):]
    return s
