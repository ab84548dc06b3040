"""Dependency manifests and lock files: packages that say which provider, accelerator stack or
serving framework a project uses.

Only packages the knowledge base knows are reported (``kb.package(name, "python" | "npm")``: a
provider's SDK such as ``openai`` or ``dashscope``, an accelerator stack such as ``torch_npu``, a
serving framework such as ``vllm``), as ``Kind.PACKAGE`` with the normalised name as id (PEP 503
for Python, lower case for npm), the knowledge-base entry as provider and the version constraint,
where one is written, as the ``version`` attribute.

Read: ``requirements*.txt`` / ``requirements*.in`` / ``requirements/*.txt`` / ``constraints*.txt``,
``setup.cfg`` (``install_requires``, ``extras_require``), ``Pipfile``, conda ``environment.yml``
(conda and pip dependencies) -- form ``requirement``; ``pyproject.toml`` (PEP 621 dependencies and
optional dependencies, PEP 735 dependency groups, Poetry, uv and PDM tables) -- form ``pyproject``;
``package.json`` -- form ``npm``; ``poetry.lock``, ``uv.lock``, ``pdm.lock``, ``Pipfile.lock``,
``package-lock.json``, ``npm-shrinkwrap.json``, ``pnpm-lock.yaml``, ``yarn.lock`` -- form ``lock``
(one reference per package and version). PEP 508 strings are parsed with ``packaging``. Malformed
TOML, JSON or YAML raises ``ValueError`` with the parser's message and line.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import tomllib
from packaging.requirements import InvalidRequirement, Requirement

from sovaudit.detect.base import Detector, SourceFile, line_col
from sovaudit.model import Context, Kind, Reference
from sovaudit.rules import KnowledgeBase

_LOCKS = frozenset({"poetry.lock", "uv.lock", "pdm.lock", "pipfile.lock", "package-lock.json", "npm-shrinkwrap.json",
                    "pnpm-lock.yaml", "yarn.lock"})
_MANIFESTS = frozenset({"pyproject.toml", "setup.cfg", "pipfile", "environment.yml", "environment.yaml", "package.json"})
_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_EGG_RE = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _is_requirements_txt(path: str) -> bool:
    parts = path.lower().split("/")
    name = parts[-1]
    if name.endswith((".txt", ".in")) and name.startswith(("requirements", "constraints", "requirement")):
        return True
    return name.endswith((".txt", ".in")) and len(parts) > 1 and parts[-2] in ("requirements", "reqs", "requirements.d")


class _Locator:
    """Finds where a parsed value was written, in document order, one occurrence at a time."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.next_from: dict[str, int] = {}

    def find(self, pattern: str, group: int = 0, fallback_word: str = "", after: int = 0) -> tuple[int, int]:
        start = max(self.next_from.get(pattern, 0), after)
        rx = re.compile(pattern, re.MULTILINE)
        m = rx.search(self.text, start) or (rx.search(self.text) if start else None)
        if m is not None:
            self.next_from[pattern] = m.end()
            return line_col(self.text, m.start(group))
        if fallback_word:
            m = re.search(r"(?<![A-Za-z0-9_.-])" + re.escape(fallback_word) + r"(?![A-Za-z0-9_-])", self.text, re.IGNORECASE)
            if m is not None:
                return line_col(self.text, m.start())
        return 1, 1

    def quoted(self, s: str) -> tuple[int, int]:
        """Position of the first character inside the quotes of a string literal ``s``."""
        name = _NAME_RE.match(s.strip())
        return self.find(r"""(["'])(""" + re.escape(s) + r")\1", 2, name.group(0) if name else "")

    def key(self, name: str) -> tuple[int, int]:
        """Position of a TOML/JSON key ``name`` (bare or quoted)."""
        return self.find(r"""^[ \t]*(["']?)(""" + re.escape(name) + r""")\1[ \t]*=""", 2, name)


class PackageDetector(Detector):
    """Provider SDKs, accelerator stacks and serving frameworks in dependency manifests and lock files."""

    name = "packages"

    def applies(self, path: str) -> bool:
        name = path.rsplit("/", 1)[-1].lower()
        return name in _MANIFESTS or name in _LOCKS or _is_requirements_txt(path)

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference]:
        name = f.name.lower()
        reader = {
            "pyproject.toml": self._pyproject,
            "setup.cfg": self._setup_cfg,
            "pipfile": self._pipfile,
            "environment.yml": self._conda,
            "environment.yaml": self._conda,
            "package.json": self._package_json,
            "poetry.lock": self._toml_lock,
            "uv.lock": self._toml_lock,
            "pdm.lock": self._toml_lock,
            "pipfile.lock": self._pipfile_lock,
            "package-lock.json": self._npm_lock,
            "npm-shrinkwrap.json": self._npm_lock,
            "pnpm-lock.yaml": self._pnpm_lock,
            "yarn.lock": self._yarn_lock,
        }.get(name, self._requirements_txt)
        seen: set[tuple] = set()
        lines: list[str] | None = None
        for ref in reader(f, kb):
            key = (ref.kind, ref.id, ref.line, ref.column) if ref.form != "lock" else (ref.kind, ref.id, ref.attribute("version"))
            if key not in seen:
                seen.add(key)
                if lines is None:
                    lines = f.text.splitlines()
                yield dataclasses.replace(ref, snippet=_snippet(lines, ref.line))

    # -- output --------------------------------------------------------------------------
    def _pkg(self, f: SourceFile, kb: KnowledgeBase, name: str, eco: str, form: str, line: int, col: int,
             version: str = "", confidence: float = 0.95, extras: bool = False) -> Iterator[Reference]:
        if form != "lock":
            # a cloud's SDK declared as a dependency (boto3>=1.38, "@aws-sdk/client-s3"): the project
            # uses that cloud, as an import of it says; a lock file's entries include what other
            # packages pull in, and say nothing of the kind
            cloud = kb.cloud_for_package(name, eco)
            if cloud is not None:
                yield self.ref(f, Kind.CLOUD, cloud.id, name, line, col, "sdk", Context.CONFIG, 0.85, cloud.id,
                               {"package": name, "ecosystem": eco})
        entry = kb.package(name, eco)
        if entry is None:
            return
        attrs = {"ecosystem": eco}
        if version and version.strip() not in ("", "*"):
            attrs["version"] = version.strip()
        pid = pep503(name) if eco == "python" else name.lower()
        yield self.ref(f, Kind.PACKAGE, pid, name, line, col, form, Context.CONFIG, confidence, entry.id, attrs)
        if entry.section == "hardware" and form != "lock" and not extras:
            # an accelerator's runtime as a dependency (torch-npu, dlinfer-ascend): the hardware it
            # needs, as the import of it says; with extras the build may target another
            # (mlx[cuda12], mlx[cpu]), so only the package is said
            yield self.ref(f, Kind.HARDWARE, entry.id, name, line, col, "package", Context.CONFIG, 0.85, entry.id,
                           {"package": name, "ecosystem": eco})

    def _pep508(self, f: SourceFile, kb: KnowledgeBase, spec: str, form: str, line: int, col: int) -> Iterator[Reference]:
        """One PEP 508 string written at (line, col)."""
        s = spec.strip()
        s = re.split(r"\s+--?[a-z]", s, maxsplit=1)[0].strip()  # trailing pip options (--hash=...)
        if not s:
            return
        try:
            req = Requirement(s)
        except InvalidRequirement:
            m = _EGG_RE.search(s)  # git+https://...#egg=name, or a URL line
            if m is not None:
                yield from self._pkg(f, kb, m.group(1), "python", form, line, col + m.start(1))
            return
        off = spec.find(req.name)
        yield from self._pkg(f, kb, req.name, "python", form, line, col + max(off, 0), str(req.specifier),
                             extras=bool(req.extras))

    # -- requirements.txt ----------------------------------------------------------------
    def _requirements_txt(self, f: SourceFile, kb: KnowledgeBase) -> Iterator[Reference]:
        lines = f.text.splitlines()
        i = 0
        while i < len(lines):
            lno = i + 1
            line = lines[i]
            i += 1
            while line.rstrip().endswith("\\") and i < len(lines):
                line = line.rstrip()[:-1] + " " + lines[i].strip()
                i += 1
            body = re.sub(r"(^|\s)#.*$", "", line)
            stripped = body.strip()
            if not stripped:
                continue
            lead = len(body) - len(body.lstrip())
            if stripped.startswith("-"):
                m = re.match(r"^(-e|--editable)(\s+|=)(\S+)", stripped)
                if m:
                    em = _EGG_RE.search(m.group(3))
                    if em:
                        yield from self._pkg(f, kb, em.group(1), "python", "requirement", lno, lead + m.start(3) + em.start(1) + 1)
                continue
            yield from self._pep508(f, kb, body[lead:], "requirement", lno, lead + 1)

    # -- pyproject.toml ------------------------------------------------------------------
    @staticmethod
    def _toml(f: SourceFile) -> dict:
        try:
            return tomllib.loads(f.text)
        except tomllib.TOMLDecodeError as exc:
            msg = str(exc)
            if "line" not in msg:  # "Invalid value (at end of document)": name the last line
                msg += f" (line {f.text.count(chr(10)) + (0 if f.text.endswith(chr(10)) else 1)})"
            raise ValueError(f"malformed TOML: {msg}") from None

    def _pyproject(self, f: SourceFile, kb: KnowledgeBase) -> Iterator[Reference]:
        data = self._toml(f)
        loc = _Locator(f.text)
        strings: list[str] = []
        project: dict[str, Any] = data["project"] if isinstance(data.get("project"), dict) else {}
        strings += _str_list(project.get("dependencies"))
        for group in _dict(project.get("optional-dependencies")).values():
            strings += _str_list(group)
        for group in _dict(data.get("dependency-groups")).values():
            strings += _str_list(group)
        tool = _dict(data.get("tool"))
        strings += _str_list(_dict(tool.get("uv")).get("dev-dependencies"))
        for group in _dict(_dict(tool.get("pdm")).get("dev-dependencies")).values():
            strings += _str_list(group)
        for s in strings:
            line, col = loc.quoted(s)
            yield from self._pep508(f, kb, s, "pyproject", line, col)
        poetry = _dict(tool.get("poetry"))
        tables = [_dict(poetry.get("dependencies")), _dict(poetry.get("dev-dependencies"))]
        tables += [_dict(_dict(g).get("dependencies")) for g in _dict(poetry.get("group")).values()]
        for table in tables:
            for name, value in table.items():
                if name.lower() == "python":
                    continue
                line, col = loc.key(name)
                yield from self._pkg(f, kb, name, "python", "pyproject", line, col, _poetry_version(value))

    # -- setup.cfg -----------------------------------------------------------------------
    def _setup_cfg(self, f: SourceFile, kb: KnowledgeBase) -> Iterator[Reference]:
        section = ""
        collecting = False
        for lno, line in enumerate(f.text.splitlines(), 1):
            stripped = line.strip()
            if not stripped or stripped.startswith(("#", ";")):
                continue
            if line[:1] == "[":
                section = stripped.strip("[]").strip().lower()
                collecting = False
                continue
            indented = line[:1] in (" ", "\t")
            if not indented:
                m = re.match(r"^([A-Za-z0-9_.-]+)\s*[=:]\s*(.*)$", line)
                if not m:
                    collecting = False
                    continue
                key, rest = m.group(1).lower(), m.group(2)
                collecting = (section == "options" and key in ("install_requires", "tests_require", "setup_requires")) or section == "options.extras_require"
                body = re.sub(r"(^|\s)#.*$", "", rest)
                if collecting and body.strip():
                    yield from self._pep508(f, kb, body, "requirement", lno, m.start(2) + 1)
                continue
            if collecting:
                body = re.sub(r"(^|\s)#.*$", "", line)
                lead = len(body) - len(body.lstrip())
                if body.strip():
                    yield from self._pep508(f, kb, body[lead:], "requirement", lno, lead + 1)

    # -- Pipfile -------------------------------------------------------------------------
    def _pipfile(self, f: SourceFile, kb: KnowledgeBase) -> Iterator[Reference]:
        data = self._toml(f)
        loc = _Locator(f.text)
        for cat, table in data.items():
            if cat in ("source", "requires", "scripts", "pipenv") or not isinstance(table, dict):
                continue
            for name, value in table.items():
                line, col = loc.key(name)
                yield from self._pkg(f, kb, name, "python", "requirement", line, col, _poetry_version(value))

    # -- conda environment.yml -----------------------------------------------------------
    def _conda(self, f: SourceFile, kb: KnowledgeBase) -> Iterator[Reference]:
        root = _yaml_compose(f.text)
        deps = _yaml_get(root, "dependencies")
        if deps is None or deps.tag != "tag:yaml.org,2002:seq":
            return
        for item in deps.value:
            if item.tag == "tag:yaml.org,2002:str":
                spec = str(item.value)
                base = spec.split("::", 1)[-1]
                m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$", base)
                if m:
                    line, col = item.start_mark.line + 1, item.start_mark.column + 1 + (len(spec) - len(base))
                    yield from self._pkg(f, kb, m.group(1), "python", "requirement", line, col, m.group(2))
            elif item.tag == "tag:yaml.org,2002:map":
                pip = _yaml_get(item, "pip")
                if pip is not None and pip.tag == "tag:yaml.org,2002:seq":
                    for p in pip.value:
                        if p.tag == "tag:yaml.org,2002:str":
                            yield from self._pep508(f, kb, str(p.value), "requirement", p.start_mark.line + 1,
                                                    p.start_mark.column + 1 + (1 if p.style in ("'", '"') else 0))

    # -- package.json --------------------------------------------------------------------
    @staticmethod
    def _json(f: SourceFile) -> Any:
        try:
            return json.loads(f.text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None

    def _package_json(self, f: SourceFile, kb: KnowledgeBase) -> Iterator[Reference]:
        data = self._json(f)
        if not isinstance(data, dict):
            return
        loc = _Locator(f.text)
        for section in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
            sm = re.search(r'"' + section + r'"\s*:\s*\{', f.text)
            for name, version in _dict(data.get(section)).items():
                line, col = loc.find(r'"(' + re.escape(name) + r')"\s*:', 1, name, sm.end() if sm else 0)
                yield from self._pkg(f, kb, name, "npm", "npm", line, col, version if isinstance(version, str) else "")

    # -- lock files ----------------------------------------------------------------------
    def _toml_lock(self, f: SourceFile, kb: KnowledgeBase) -> Iterator[Reference]:
        data = self._toml(f)
        loc = _Locator(f.text)
        for pkg in data.get("package", []) if isinstance(data.get("package"), list) else []:
            name = pkg.get("name") if isinstance(pkg, dict) else None
            if not isinstance(name, str) or kb.package(name, "python") is None:
                continue
            line, col = loc.find(r"""^[ \t]*name[ \t]*=[ \t]*(["'])(""" + re.escape(name) + r")\1", 2, name)
            version = pkg.get("version")
            yield from self._pkg(f, kb, name, "python", "lock", line, col, f"=={version}" if isinstance(version, str) else "", 0.85)

    def _pipfile_lock(self, f: SourceFile, kb: KnowledgeBase) -> Iterator[Reference]:
        data = self._json(f)
        loc = _Locator(f.text)
        for cat, table in (data.items() if isinstance(data, dict) else ()):
            if cat == "_meta" or not isinstance(table, dict):
                continue
            for name, info in table.items():
                if kb.package(name, "python") is None:
                    continue
                line, col = loc.find(r'"(' + re.escape(name) + r')"\s*:', 1, name)
                version = info.get("version", "") if isinstance(info, dict) else ""
                yield from self._pkg(f, kb, name, "python", "lock", line, col, version, 0.85)

    def _npm_lock(self, f: SourceFile, kb: KnowledgeBase) -> Iterator[Reference]:
        data = self._json(f)
        if not isinstance(data, dict):
            return
        loc = _Locator(f.text)
        for key, info in _dict(data.get("packages")).items():
            if "node_modules/" not in key:
                continue
            name = key.rsplit("node_modules/", 1)[1]
            if kb.package(name, "npm") is None:
                continue
            line, col = loc.find(r'"' + re.escape(key) + r'"\s*:', 0, name)
            off = len(key) - len(name) + 1
            version = info.get("version", "") if isinstance(info, dict) else ""
            yield from self._pkg(f, kb, name, "npm", "lock", line, col + off, version, 0.85)
        stack = [_dict(data.get("dependencies"))]  # lockfile v1 (nested)
        while stack:
            deps = stack.pop()
            for name, info in deps.items():
                if isinstance(info, dict):
                    stack.append(_dict(info.get("dependencies")))
                if kb.package(name, "npm") is None:
                    continue
                line, col = loc.find(r'"(' + re.escape(name) + r')"\s*:\s*\{', 1, name)
                version = info.get("version", "") if isinstance(info, dict) else ""
                yield from self._pkg(f, kb, name, "npm", "lock", line, col, version, 0.85)

    def _pnpm_lock(self, f: SourceFile, kb: KnowledgeBase) -> Iterator[Reference]:
        root = _yaml_compose(f.text)
        if root is None or root.tag != "tag:yaml.org,2002:map":
            return
        for section in ("packages", "snapshots"):
            node = _yaml_get(root, section)
            if node is None or node.tag != "tag:yaml.org,2002:map":
                continue
            for knode, _ in node.value:
                name, version = _pnpm_key(str(knode.value))
                if not name or kb.package(name, "npm") is None:
                    continue
                quoted = 1 if knode.style in ("'", '"') else 0
                lead = 1 if str(knode.value).startswith("/") else 0
                yield from self._pkg(f, kb, name, "npm", "lock", knode.start_mark.line + 1,
                                     knode.start_mark.column + 1 + quoted + lead, version, 0.85)

    def _yarn_lock(self, f: SourceFile, kb: KnowledgeBase) -> Iterator[Reference]:
        pending: list[tuple[str, int, int]] = []
        for lno, line in enumerate(f.text.splitlines(), 1):
            if not line or line.startswith("#"):
                continue
            if line[0] not in (" ", "\t"):
                pending = []
                if not line.rstrip().endswith(":"):
                    continue
                header = line.rstrip()[:-1]
                pos = 0
                for desc in header.split(","):
                    start = pos + (len(desc) - len(desc.lstrip()))
                    pos += len(desc) + 1
                    d = desc.strip()
                    q = 1 if d[:1] in ('"', "'") else 0
                    d = d.strip("\"'")
                    at = d.find("@", 1)
                    name = d[:at] if at > 0 else d
                    if name and kb.package(name, "npm") is not None and all(p[0] != name for p in pending):
                        pending.append((name, lno, start + q + 1))
                continue
            m = re.match(r'^\s+version:?\s+"?([^"\s]+)"?', line)
            if m and pending:
                for name, hl, hc in pending:
                    yield from self._pkg(f, kb, name, "npm", "lock", hl, hc, m.group(1), 0.85)
                pending = []
        for name, hl, hc in pending:
            yield from self._pkg(f, kb, name, "npm", "lock", hl, hc, "", 0.85)


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def _snippet(lines: list[str], line: int) -> str:
    """The line for reports without URL credentials (``git+https://user:token@host/...#egg=x``)."""
    from sovaudit.detect.snippets import redact

    text = lines[line - 1].strip() if 1 <= line <= len(lines) else ""
    text = re.sub(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/\s@'\"]*@", r"\1", text)
    text = redact(text)
    return text if len(text) <= 240 else text[:239] + "…"


def _dict(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


def _str_list(v: Any) -> list[str]:
    return [x for x in v if isinstance(x, str)] if isinstance(v, list) else []


def _poetry_version(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("version"), str):
        return value["version"]
    return ""


def _pnpm_key(key: str) -> tuple[str, str]:
    """``/openai@4.0.0``, ``openai@4.0.0(zod@3)``, ``/@scope/name/1.0.0`` -> (name, version)."""
    k = key.lstrip("/")
    k = k.split("(", 1)[0]
    at = k.find("@", 1)
    if at > 0:
        return k[:at], k[at + 1:]
    parts = k.split("/")
    if k.startswith("@") and len(parts) >= 3:
        return "/".join(parts[:2]), parts[2]
    if len(parts) >= 2:
        return parts[0], parts[1]
    return k, ""


def _yaml_compose(text: str):
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.compose(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise ValueError(f"malformed YAML: {getattr(exc, 'problem', None) or exc}{where}") from None


def _yaml_get(node, key: str):
    if node is None or node.tag != "tag:yaml.org,2002:map":
        return None
    for k, v in node.value:
        if getattr(k, "value", None) == key:
            return v
    return None
