"""Stack files: a stack described without code, read into the same pipeline as a scan, and written
from a scanned tree.

A stack file (YAML, ``schemas/stack.schema.json``) lists hardware vendors and accelerators, clouds
and regions, inference providers, endpoints, models (each ``via: self-hosted`` or via provider
ids, or ``endpoint: URL``; with neither, its serving path is not established) and software
packages, by knowledge-base id::

    stack_version: 1
    name: eu-sovereign
    hardware:  [{vendor: nvidia, accelerators: [H100]}]
    clouds:    [{provider: ovh, regions: [gra]}]
    inference: [{provider: mistral}]
    models:
      - {id: mistralai/Mistral-Small-3.1-24B-Instruct-2503, via: self-hosted}
      - {id: mistral-large-latest, via: mistral}
    software:  [{package: vllm}]

``load_stack`` turns every entry into a ``Reference`` (detector ``stack``, context ``config``) at
the entry's line in the file, so findings and evidence point into the stack file exactly as they
point into code. Every problem -- YAML syntax, a key the schema does not know, a wrong type, an id
the knowledge base does not know, a region its cloud does not have, an API-only model declared
self-hosted -- is reported as ``FILE:LINE: FIELD: message`` in a ``StackError``.

``stack_document`` does the reverse for a resolved scan: it reads the dependency graph's
attribution (which provider serves each model, which clouds host it) and writes the stack file an
architect starts from.
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from sovaudit import __version__
from sovaudit.model import UNKNOWN, Context, Kind, Reference, ScanResult, ScanStats, fingerprint_references
from sovaudit.rules import KnowledgeBase, line_for, load_yaml_with_lines

STACK_VERSION = 1
SELF_HOSTED = "self-hosted"
NOT_ESTABLISHED = "not-established"
DETECTOR = "stack"
#: Keys of a stack file in the order ``stack_document`` writes them.
SECTIONS = ("hardware", "clouds", "inference", "endpoints", "models", "software")


@dataclass(frozen=True, slots=True, order=True)
class StackProblem:
    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}" if self.field else f"{self.path}:{self.line}: {self.message}"


class StackError(Exception):
    """A stack file that cannot be used; ``problems`` names file, line and field of each."""

    def __init__(self, problems: list[StackProblem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def schema() -> dict[str, Any]:
    return json.loads((resources.files("sovaudit") / "schemas" / "stack.schema.json").read_text("utf-8"))


def _field(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _suggest(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word.lower(), sorted({k.lower() for k in known}), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def is_stack_file(path: str | Path) -> bool:
    """A YAML file whose top level has ``stack_version`` (a cheap look, not a validation)."""
    p = Path(path)
    if not p.is_file() or p.suffix.lower() not in (".yaml", ".yml"):
        return False
    try:
        head = p.read_text("utf-8", errors="replace")[:65536]
    except OSError:
        return False
    return any(line.startswith("stack_version:") for line in head.splitlines())


# ------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, display: str, text: str, kb: KnowledgeBase):
        self.display = display
        self.text = text
        self.src_lines = text.splitlines()
        self.kb = kb
        self.problems: list[StackProblem] = []
        self.refs: list[Reference] = []
        self.lines: dict[tuple, int] = {}

    def problem(self, path: tuple, message: str) -> None:
        self.problems.append(StackProblem(self.display, line_for(self.lines, path), _field(path), message))

    def parse(self) -> dict[str, Any] | None:
        try:
            data, self.lines = load_yaml_with_lines(self.text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            self.problems.append(StackProblem(self.display, line, "", f"not valid YAML: {getattr(exc, 'problem', None) or exc}"))
            return None
        if not isinstance(data, dict):
            self.problems.append(StackProblem(self.display, 1, "", "a stack file is a YAML mapping with 'stack_version: 1' and 'name'"))
            return None
        for err in sorted(jsonschema.Draft202012Validator(schema()).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
            path = tuple(err.absolute_path)
            if err.validator == "additionalProperties" and isinstance(err.instance, dict):
                allowed = set(err.schema.get("properties", {}))
                for key in sorted(set(err.instance) - allowed, key=str):
                    self.problem(path + (key,), f"unknown key {key!r}{_suggest(str(key), allowed)}; "
                                                f"allowed here: {', '.join(sorted(allowed))}")
            elif err.validator == "oneOf" and path and path[-1] == "via":
                self.problem(path, f"{err.instance!r} is not a provider id or 'self-hosted', nor a list of them")
            elif err.validator == "required":
                self.problem(path, err.message.replace("is a required property", "is required"))
            else:
                self.problem(path, err.message)
        return None if self.problems else data

    def ref(self, path: tuple, kind: Kind, id_: str, form: str, text: str, provider: str = "",
            attributes: dict[str, str] | None = None) -> None:
        line = line_for(self.lines, path)
        snippet = self.src_lines[line - 1].strip()[:200] if 0 < line <= len(self.src_lines) else ""
        self.refs.append(Reference(kind=kind, id=id_, text=text, path=self.display, line=line, column=1,
                                   detector=DETECTOR, form=form, context=Context.CONFIG, confidence=1.0,
                                   provider=provider, attributes=tuple(sorted((attributes or {}).items())),
                                   snippet=snippet))

    def known(self, section: str, path: tuple, value: str, what: str) -> bool:
        if self.kb.get(section, value) is not None:
            return True
        ids = [e.id for e in self.kb.section(section)]
        self.problem(path, f"unknown {what} {value!r}{_suggest(value, ids)}; see 'sovaudit rules list --section {section}'")
        return False

    def read(self, data: dict[str, Any]) -> None:
        from sovaudit.detect.recognise import normalize_url

        for i, hw in enumerate(data.get("hardware", [])):
            base = ("hardware", i)
            if hw["vendor"] == UNKNOWN and not hw.get("accelerators"):
                # accelerators are used, but nothing names whose (a GPU count, --device /dev/dri)
                self.ref(base + ("vendor",), Kind.HARDWARE, UNKNOWN, "stack", UNKNOWN)
                continue
            if not self.known("hardware", base + ("vendor",), hw["vendor"], "hardware vendor"):
                continue
            vendor = self.kb.require("hardware", hw["vendor"]).id
            chips = self.kb.require("hardware", vendor).get("accelerators", [])
            accs = hw.get("accelerators", [])
            for j, acc in enumerate(accs):
                match = next((c for c in chips if c.lower() == acc.lower()), "")
                if not match:
                    self.problem(base + ("accelerators", j), f"{acc!r} is not an accelerator of {vendor}{_suggest(acc, chips)}"
                                 + (f"; known: {', '.join(chips)}" if chips else ""))
                    continue
                self.ref(base + ("accelerators", j), Kind.HARDWARE, vendor, "stack", acc, vendor, {"accelerator": match})
            if not accs:
                self.ref(base + ("vendor",), Kind.HARDWARE, vendor, "stack", hw["vendor"], vendor)
        for i, c in enumerate(data.get("clouds", [])):
            base = ("clouds", i)
            if not self.known("clouds", base + ("provider",), c["provider"], "cloud"):
                continue
            cloud = self.kb.require("clouds", c["provider"]).id
            self.ref(base + ("provider",), Kind.CLOUD, cloud, "provider", c["provider"], cloud)
            regions = [r["name"] for r in self.kb.require("clouds", cloud).get("regions", [])]
            for j, name in enumerate(c.get("regions", [])):
                r = self.kb.region(cloud, name)
                if r is None:
                    self.problem(base + ("regions", j), f"{cloud} has no region {name!r} in the knowledge base{_suggest(name, regions)}")
                    continue
                self.ref(base + ("regions", j), Kind.CLOUD, r["name"], "region", name, cloud, {"country": r["country"]})
        for i, p in enumerate(data.get("inference", [])):
            path = ("inference", i, "provider")
            if self.known("providers", path, p["provider"], "inference provider"):
                pid = self.kb.require("providers", p["provider"]).id
                self.ref(path, Kind.ENDPOINT, pid, "provider", p["provider"], pid)
        for i, e in enumerate(data.get("endpoints", [])):
            path = ("endpoints", i, "url")
            url = e["url"]
            if "://" not in url:
                self.problem(path, f"{url!r} is not a URL (scheme://host/...)")
                continue
            hit = self.kb.provider_for_url(url)
            self.ref(path, Kind.ENDPOINT, normalize_url(url), "url", url, hit.id if hit is not None else "")
        for i, m in enumerate(data.get("models", [])):
            self._model(("models", i), m)
        for i, s in enumerate(data.get("software", [])):
            path = ("software", i, "package")
            eco = s.get("ecosystem", "python")
            self.ref(path, Kind.PACKAGE, s["package"].lower() if eco == "python" else s["package"], "requirement",
                     s["package"], "", {"ecosystem": eco})

    def _model(self, base: tuple, m: dict[str, Any]) -> None:
        from sovaudit.detect.recognise import parse_model_string, recogniser_for

        raw_via = m.get("via", [])
        via = [raw_via] if isinstance(raw_via, str) else list(raw_via)
        raw = m["id"]
        providers: list[str] = []
        ok = True
        for j, v in enumerate(via):
            path = base + ("via",) + ((j,) if not isinstance(raw_via, str) else ())
            if v == SELF_HOSTED:
                continue
            if self.known("providers", path, v, "provider"):
                providers.append(self.kb.require("providers", v).id)
            else:
                ok = False
        if not ok:
            return
        hosted = SELF_HOSTED in via
        endpoint = m.get("endpoint", "")
        if endpoint and "://" not in endpoint:
            self.problem(base + ("endpoint",), f"{endpoint!r} is not a URL (scheme://host/...)")
            return
        ms = parse_model_string(raw, self.kb, "hf" if hosted and not providers else "api" if via else "model")
        if ms is None and "://" in raw:
            ms = recogniser_for(self.kb).storage_uri(raw)  # a model artifact: s3://bucket/model, pvc://volume
        if ms is None:
            self.problem(base + ("id",), f"{raw!r} is not a model id (a Hub id org/name, an API model name, a weight "
                                         "file or a storage URI)")
            return
        family = self.kb.api_model(ms.id)
        if hosted and family is not None and family.get("weights") == "api-only":
            self.problem(base + ("via",), f"{ms.id} is API-only ({family.path}:{family.line}): it cannot be self-hosted; "
                                          f"name the provider that serves it (e.g. via: {family.get('provider')})")
            return
        region = m.get("region", "")
        if region and not providers:
            self.problem(base + ("region",), "a region applies to a managed model service: give 'via' a provider id")
            return
        if hosted:
            self.ref(base + ("id",), Kind.MODEL, ms.id, ms.form if ms.form in ("hf", "hf-uri", "gguf", "other") else "name", raw,
                     "", {"deployment": SELF_HOSTED})
        for pid in providers:
            attrs = {"via": pid}
            if region:
                attrs["region"] = region
            self.ref(base + ("id",), Kind.MODEL, ms.id, "api", raw, pid, attrs)
        if endpoint:
            from sovaudit.detect.recognise import normalize_url

            self.ref(base + ("id",), Kind.MODEL, ms.id, ms.form, raw, "", {"base_url": normalize_url(endpoint), "via": "endpoint"})
        if not via and not endpoint:  # declared, with no serving path: not established, and not to be guessed
            self.ref(base + ("id",), Kind.MODEL, ms.id, ms.form, raw, "", {"deployment": NOT_ESTABLISHED})


def load_stack(path: str | Path, kb: KnowledgeBase, display: str | None = None) -> ScanResult:
    """Read a stack file into a ``ScanResult`` of references (not yet resolved). Raises
    ``StackError`` naming file, line and field of every problem."""
    p = Path(path)
    shown = display or p.name
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise StackError([StackProblem(shown, 1, "", f"cannot read it ({exc.strerror or exc})")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StackError([StackProblem(shown, raw[: exc.start].count(b"\n") + 1, "", "not UTF-8 text")]) from None
    reader = _Reader(shown, text, kb)
    data = reader.parse()
    if data is not None:
        reader.read(data)
    if reader.problems or data is None:
        raise StackError(reader.problems)
    refs = tuple(fingerprint_references(reader.refs))
    return ScanResult(root=data["name"], tool_version=__version__, rules_version=kb.version, references=refs,
                      skipped=(), stats=ScanStats(files_seen=1, files_scanned=1, bytes_scanned=len(raw)))


# ------------------------------------------------------------------------------------------
# Writing: the stack of a scanned tree
# ------------------------------------------------------------------------------------------


def stack_document(result: ScanResult, kb: KnowledgeBase) -> tuple[dict[str, Any], dict[tuple, list[str]]]:
    """The stack of a resolved scan, and per entry (section, key) the file:line places it was
    found. Self-hosted private endpoints are left out (self-hosting already says where they run);
    a region no cloud claims is left out and listed under ``("unplaced", name)``."""
    from sovaudit.graph.build import build_graph, node_type

    sg = build_graph(result, kb)
    where: dict[tuple, list[str]] = defaultdict(list)
    hardware: dict[str, set[str]] = {}
    clouds: dict[str, set[str]] = {}
    inference: set[str] = set()
    endpoints: set[str] = set()
    models: dict[str, dict[str, Any]] = {}
    software: set[tuple[str, str]] = set()

    def seen(key: tuple, use: Any) -> None:
        loc = f"{use.ref.path}:{use.ref.line}"
        if loc not in where[key]:
            where[key].append(loc)

    for use in sg.uses:
        r, ent = use.ref, use.entity
        t, name = node_type(ent), ent.split(":", 1)[1]
        if r.kind == Kind.HARDWARE:
            if kb.get("hardware", name) is None:
                name = UNKNOWN  # a GPU requested without a vendor: "vendor: unknown"
            hardware.setdefault(name, set())
            acc = r.attribute("accelerator")
            if acc:
                hardware[name].add(acc)
            seen(("hardware", name), use)
        elif r.kind == Kind.CLOUD and t == "cloud":
            clouds.setdefault(name, set())
            seen(("clouds", name), use)
        elif r.kind == Kind.CLOUD and t == "region":
            cloud, region = name.split("/", 1)
            if cloud == "unknown":
                seen(("unplaced", region), use)
                continue
            clouds.setdefault(cloud, set()).add(region)
            seen(("clouds", cloud), use)
        elif r.kind == Kind.ENDPOINT and t == "provider":
            inference.add(name)
            seen(("inference", name), use)
        elif r.kind == Kind.ENDPOINT and t == "endpoint" and not use.self_hosted:
            endpoints.add(name)
            seen(("endpoints", name), use)
        elif r.kind == Kind.MODEL:
            m = models.setdefault(name, {"via": set(), "region": set(), "endpoint": set()})
            if use.self_hosted:
                m["via"].add(SELF_HOSTED)
            for pn in use.served_by:
                pid = pn.split(":", 1)[1]
                if pn.startswith("endpoint:"):
                    m["endpoint"].add(pid)
                    continue
                m["via"].add(pid)
                inference.add(pid)
                seen(("inference", pid), use)
            if use.region:
                m["region"].add(use.region.split("/", 1)[1])
            seen(("models", name), use)
        elif r.kind == Kind.PACKAGE:
            eco = r.attribute("ecosystem") or "python"
            software.add((r.id, eco if eco in ("python", "npm") else "python"))
            seen(("software", r.id), use)
        # a private endpoint (use.self_hosted) runs on the stack's own clouds: nothing to write
    # a hardware vendor implied by a package (torch_npu -> huawei-ascend) is part of the stack too
    for hn in sg.hardware:
        if kb.get("hardware", hn.split(":", 1)[1]) is not None:
            hardware.setdefault(hn.split(":", 1)[1], set())

    doc: dict[str, Any] = {"stack_version": STACK_VERSION, "name": result.root}
    doc["description"] = f"Written by sovaudit {__version__} from a scan of {result.root}; edit it to describe an alternative."
    doc["hardware"] = [{"vendor": v, **({"accelerators": sorted(a)} if a else {})} for v, a in sorted(hardware.items())]
    doc["clouds"] = [{"provider": c, **({"regions": sorted(rs)} if rs else {})} for c, rs in sorted(clouds.items())]
    doc["inference"] = [{"provider": p} for p in sorted(inference)]
    doc["endpoints"] = [{"url": u} for u in sorted(endpoints)]
    mlist = []
    for mid, m in sorted(models.items()):
        via = sorted(m["via"], key=lambda v: (v != SELF_HOSTED, v))
        entry: dict[str, Any] = {"id": mid}
        if via:  # none: the serving path is not established (the key is left out)
            entry["via"] = via[0] if len(via) == 1 else via
        if len(m["region"]) == 1:
            entry["region"] = next(iter(m["region"]))
        if len(m["endpoint"]) == 1:
            entry["endpoint"] = next(iter(m["endpoint"]))
        mlist.append(entry)
    doc["models"] = mlist
    doc["software"] = [{"package": p, **({"ecosystem": e} if e != "python" else {})} for p, e in sorted(software)]
    for key in SECTIONS:
        if not doc[key]:
            del doc[key]
    return doc, dict(where)


_ENTRY_KEY = {"hardware": "vendor", "clouds": "provider", "inference": "provider", "endpoints": "url", "models": "id", "software": "package"}


def dumps_stack(result: ScanResult, kb: KnowledgeBase, max_places: int = 3) -> str:
    """The stack file of a resolved scan, as YAML, each entry preceded by a comment saying where
    the scan found it."""
    doc, where = stack_document(result, kb)

    def dump(value: Any) -> str:
        return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)

    out = [
        "# sovaudit stack file: the stack of a scanned tree, described without code.",
        "# Edit it to describe an alternative, then: sovaudit compare THIS.yaml OTHER.yaml",
        "# Format: README.md, 'Stack files'; schema: src/sovaudit/schemas/stack.schema.json.",
        dump({k: doc[k] for k in ("stack_version", "name", "description")}).rstrip("\n"),
    ]
    for section in SECTIONS:
        if section not in doc:
            continue
        out.append("")
        out.append(f"{section}:")
        for entry in doc[section]:
            places = where.get((section, entry[_ENTRY_KEY[section]]), [])
            if places:
                more = f" (+{len(places) - max_places})" if len(places) > max_places else ""
                out.append(f"  # found at {', '.join(places[:max_places])}{more}")
            text = dump([entry]).rstrip("\n")
            out.extend("  " + line for line in text.splitlines())
    unplaced = sorted(k[1] for k in where if k[0] == "unplaced")
    if unplaced:
        out.append("")
        out.append("# Regions no cloud claims (not expressible here; name their cloud above if you know it): "
                   + ", ".join(f"{r} ({', '.join(where[('unplaced', r)][:max_places])})" for r in unplaced))
    return "\n".join(out) + "\n"
