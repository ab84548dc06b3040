"""``--format cyclonedx`` (JSON) and ``cyclonedx-xml``: a CycloneDX 1.6 ML-BOM of the AI stack.

Built with cyclonedx-python-lib and checked with its own schema validator before anything is
written; a BOM that does not validate raises ``ReportError`` (nothing is written).

* models are ``machine-learning-model`` components: supplier (the publishing lab, its address
  country the lab's jurisdiction), licenses (SPDX ids where they are SPDX, names otherwise),
  ``pedigree.ancestors`` for the lineage, ``evidence.occurrences`` with file, line and column, a
  ``pkg:huggingface/ORG/NAME@REVISION`` purl for a Hub model (the revision, and the component's
  version, when the Hub or the code names one), and a ``modelCard`` (task, architecture, the
  sovaudit facts as its properties, API-only dependence as a limitation). The library cannot emit
  ``modelCard`` yet: it is added to the library's JSON and XML afterwards, and the result is
  validated again with the library's validators;
* API providers and endpoints are ``services`` with their endpoints, a trust-boundary flag and the
  outbound data flow; clouds (with their regions nested) are ``platform`` components, accelerator
  vendors ``device`` components, packages ``library`` components with a purl, and the version
  (``pkg:pypi/vllm@0.6.3``) when every manifest that names the package pins the same one;
* what CycloneDX cannot hold (control, weights availability, jurisdictions per exposure, the
  legal regimes, model-card facts the library does not model) goes into ``sovaudit:`` properties;
* ``dependencies`` follow the exposure routes (model -> provider, region -> cloud, -> hardware).

Deterministic: bom-refs are the graph's node ids, the serial number is a UUIDv5 of the BOM's own
content and the timestamp is the audit's (``SOURCE_DATE_EPOCH`` when set). ``metadata.component`` is
the audited tree: its git commit as version, origin as a ``vcs`` external reference.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sovaudit.model import UNKNOWN, ScanResult
from sovaudit.report.common import ReportError, View, view

SPEC = "1.6"
MAX_OCCURRENCES = 1000  # per component
_PLACEHOLDER = uuid.UUID(int=0)
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/sovaudit/sovaudit#cyclonedx")


def _lib() -> dict[str, Any]:
    """The library's classes, imported on first use (the CLI's start-up stays cheap), by name."""
    from cyclonedx.model import DataClassification, DataFlow, Property, XsUri
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType, Pedigree
    from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
    from cyclonedx.model.contact import OrganizationalEntity, PostalAddress
    from cyclonedx.model.license import DisjunctiveLicense
    from cyclonedx.model.service import Service

    return {"DataClassification": DataClassification, "DataFlow": DataFlow, "Property": Property, "XsUri": XsUri,
            "Bom": Bom, "Component": Component, "ComponentType": ComponentType, "Pedigree": Pedigree,
            "ComponentEvidence": ComponentEvidence, "Occurrence": Occurrence,
            "OrganizationalEntity": OrganizationalEntity, "PostalAddress": PostalAddress,
            "DisjunctiveLicense": DisjunctiveLicense, "Service": Service}


def _uri_ok(u: str) -> bool:
    """``u`` is an absolute URI the CycloneDX schemas accept as ``xs:anyURI`` (libxml2 checks it
    for the XML document): no space or control character, and an authority whose host and port
    parse. Source text may hold ``http://::1:13305/live`` (an IPv6 host without brackets), which the
    library's own check lets through and the XML schema rejects."""
    from urllib.parse import urlsplit

    if not u.isprintable() or any(c.isspace() for c in u):
        return False
    try:
        parts = urlsplit(u)
        parts.port  # noqa: B018 - raises ValueError for an authority that does not parse
    except ValueError:
        return False
    return bool(parts.scheme) and bool(parts.netloc) and parts.hostname is not None


def _props(pairs: Iterable[tuple[str, Any]]) -> list[Any]:
    from cyclonedx.model import Property

    out = []
    for k, val in pairs:
        if val is None or val == "" or val == [] or val == ():
            continue
        if isinstance(val, (list, tuple, set)):
            val = ",".join(str(x) for x in sorted(val) if str(x))
            if not val:
                continue
        out.append(Property(name=f"sovaudit:{k}", value=str(val)))
    return out


def _country(code: str) -> str:
    """A value for PostalAddress.country: ISO 3166-1 alpha-2 codes only (EU is not a country)."""
    code = (code or "").split(",")[0]
    return code if len(code) == 2 and code.isalpha() and code.isupper() and code != "EU" else ""


def _org(name: str, country: str) -> Any:
    from cyclonedx.model.contact import OrganizationalEntity, PostalAddress

    c = _country(country)
    return OrganizationalEntity(name=name or None, address=PostalAddress(country=c) if c else None)


def _licenses(lid: str) -> list[Any]:
    from cyclonedx import spdx
    from cyclonedx.model.license import DisjunctiveLicense

    if not lid or lid in (UNKNOWN, "other", "none"):
        return []
    fixed = spdx.fixup_id(lid)
    return [DisjunctiveLicense(id=fixed)] if fixed else [DisjunctiveLicense(name=lid)]


def _hub_purl(model_id: str, revision: str = "") -> Any:
    """``pkg:huggingface/ORG/NAME@REVISION`` for a Hub id (``Qwen/Qwen2.5-7B-Instruct``), None for
    anything else (an API model name, a file)."""
    from packageurl import PackageURL

    parts = model_id.split("/")
    if len(parts) != 2 or not all(parts) or any(c in model_id for c in ":@ "):
        return None
    try:
        return PackageURL(type="huggingface", namespace=parts[0], name=parts[1], version=revision.lower() or None)
    except ValueError:
        return None


def _pinned(constraints: set[str], eco: str) -> str:
    """The one version every constraint pins (``==1.2.3``, a lock file's ``1.2.3``), else ""."""
    import re

    versions = set()
    for c in constraints:
        c = c.strip()
        m = re.fullmatch(r"===?\s*([0-9A-Za-z.+!_-]+)", c) if eco == "pypi" else re.fullmatch(r"=?v?([0-9][0-9A-Za-z.+_-]*)", c)
        if m is None and eco == "pypi":
            m = re.fullmatch(r"([0-9][0-9A-Za-z.+!_-]*)", c)  # a lock file's bare version
        if m is None or "*" in c:
            return ""
        versions.add(m.group(1))
    return versions.pop() if len(versions) == 1 else ""


class _Builder:
    def __init__(self, result: ScanResult):
        self.r = result
        self.v: View = view(result)
        self.L = _lib()
        self.occ: dict[str, dict[str, Any]] = defaultdict(dict)  # node -> fingerprint -> path
        self.juris: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # node -> kind -> {J}
        self.regimes: dict[str, set[str]] = defaultdict(set)
        self.deps: dict[str, set[str]] = defaultdict(set)
        self.named: set[str] = set()
        # a revision the code pins (from_pretrained(..., revision="...")), when the Hub gave none
        self.revisions: dict[str, str] = {}
        for ref in result.references:
            rev = ref.attribute("revision") if ref.kind.value == "model" else ""
            if rev and len(set(self.revisions.get(ref.id, rev).split()) | {rev}) == 1:
                self.revisions[ref.id] = rev
        for ex in result.assessment.exposures:
            for p in ex.paths:
                first = p.nodes[1] if len(p.nodes) > 1 else ""
                if first:
                    self.named.add(first)
                    self.occ[first].setdefault(p.fingerprint or f"{p.path}:{p.line}", p)
                    self.juris[first][f"{ex.layer.value}:{ex.kind.value}"].add(ex.jurisdiction)
                    self.regimes[first].update(ex.regimes)
                prev = None
                for n in p.nodes[1:]:
                    t = n.split(":", 1)[0]
                    if t in ("jurisdiction", "lab") or (t == "model" and prev is not None and prev.startswith("model:")):
                        break
                    if prev is not None:
                        self.deps[prev].add(n)
                    prev = n
            for ent in ex.hosts_entities:  # self-hosted uses that run on it
                if ent != ex.entity:
                    self.deps[ent].add(ex.entity)

    # -- helpers ---------------------------------------------------------------------------------
    def occurrences(self, node: str) -> Any:
        L = self.L
        occ = []
        for p in sorted(self.occ.get(node, {}).values(), key=lambda p: (p.path, p.line)):
            ref = self.v.refs.get(p.fingerprint)
            col = ref.column if ref is not None else 0
            occ.append(L["Occurrence"](
                # an explicit bom-ref: the library sorts occurrences by it, and unset ones sort unstably
                bom_ref=f"{node}@{p.path}:{p.line:08d}:{col:05d}#{(p.fingerprint or '')[:12]}",
                location=p.path, line=max(1, p.line),
                offset=ref.column if ref is not None and ref.column > 0 else None,
                additional_context=(ref.snippet or None) if ref is not None else None,
            ))
            if len(occ) >= MAX_OCCURRENCES:
                break
        return L["ComponentEvidence"](occurrences=occ) if occ else None

    def exposure_props(self, node: str) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        exp = "; ".join(f"{key}={','.join(sorted(js))}" for key, js in sorted(self.juris.get(node, {}).items()))
        out.append(("exposure", exp))  # layer:kind=jurisdictions; ...
        out.append(("regimes", sorted(self.regimes.get(node, ()))))
        e = self.v.entities.get(node)
        if e is not None and not node.startswith("model:"):  # a model's evidence is its provenance
            out.append(("jurisdiction", e.country))
            out.append(("evidence:rule", e.rule))
            out += [("evidence:source", s) for s in e.sources[:3]]
        return out

    def entity(self, node: str):
        return self.v.entities.get(node)

    # -- components ------------------------------------------------------------------------------
    def models(self) -> list[Any]:
        L = self.L
        prov = {p.model_id: p for p in self.r.provenance}
        out = []
        for m in self.r.assessment.models:
            node = f"model:{m.model_id}"
            p = prov.get(m.model_id)
            pub = p.publisher.value if p is not None and p.publisher.known else ""
            lab = pub or (m.origin[0] if m.origin else "")
            lab_e = self.entity(f"lab:{lab}") if lab else None
            lab_country = ""
            if p is not None:
                lab_country = p.publisher_country.value if pub and p.publisher_country.known else p.country.value
            supplier = _org(lab_e.name if lab_e is not None else lab, lab_country) if lab else None
            ancestors = []
            for link in m.lineage:
                ancestors.append(L["Component"](
                    type=L["ComponentType"].MACHINE_LEARNING_MODEL, name=link.parent,
                    bom_ref=f"{node}#ancestor:{link.depth}:{link.child}:{link.parent}",
                    properties=_props([("lineage:relation", link.relation), ("lineage:depth", link.depth),
                                       ("lineage:child", link.child), ("lineage:country", link.country)]),
                ))
            details = dict(p.details) if p is not None else {}
            revision = details.get("sha", "") or self.revisions.get(m.model_id, "")
            props = [
                ("control", m.control), ("weights", m.weights),
                ("license:class", m.license_class), ("license:terms", list(m.license_terms)),
                ("provenance", m.status + (f": {p.reason}" if p is not None and p.reason else "")),
                ("origin", ",".join(list(m.origin)) + f" [{p.country.value if p is not None else UNKNOWN}]"),
                ("countries", list(m.countries)), ("deployment", list(m.deployment)),
                ("api-provider", p.provider.value if p is not None and p.provider.known else ""),
            ]
            props += [(f"modelCard:{k}", v) for k, v in sorted(details.items())]
            props += self.exposure_props(node)
            out.append(L["Component"](
                type=L["ComponentType"].MACHINE_LEARNING_MODEL, name=m.model_id, bom_ref=node,
                purl=_hub_purl(m.model_id, revision), version=revision or None,
                supplier=supplier, publisher=(lab_e.name if lab_e is not None else pub) or None,
                licenses=_licenses(m.license_id),
                pedigree=L["Pedigree"](ancestors=ancestors) if ancestors else None,
                evidence=self.occurrences(node), properties=_props(props),
            ))
        return out

    def clouds(self) -> list[Any]:
        L = self.L
        nodes = {n for n in self.all_nodes() if n.startswith(("cloud:", "region:"))}
        clouds = sorted({n for n in nodes if n.startswith("cloud:")} |
                        {"cloud:" + n.split(":", 1)[1].split("/", 1)[0] for n in nodes if n.startswith("region:")})
        out = []
        for c in clouds:
            e = self.entity(c)
            cid = c.split(":", 1)[1]
            regions = []
            for rn in sorted(n for n in nodes if n.startswith(f"region:{cid}/")):
                re_ = self.entity(rn)
                regions.append(L["Component"](
                    type=L["ComponentType"].PLATFORM, name=rn.split("/", 1)[1], bom_ref=rn, group=cid,
                    supplier=_org(e.name if e is not None else cid, e.country if e is not None else ""),
                    evidence=self.occurrences(rn),
                    properties=_props([("kind", "cloud-region"), ("region:country", re_.country if re_ else UNKNOWN),
                                       ("region:city", re_.note if re_ else "")] + self.exposure_props(rn)),
                ))
            out.append(L["Component"](
                type=L["ComponentType"].PLATFORM, name=e.name if e is not None else cid, bom_ref=c,
                supplier=_org(e.name if e is not None else cid, e.country if e is not None else ""),
                components=regions or None, evidence=self.occurrences(c),
                properties=_props([("kind", "cloud"), ("id", cid)] + self.exposure_props(c)),
            ))
        return out

    def hardware(self) -> list[Any]:
        L = self.L
        texts: dict[str, set[str]] = defaultdict(set)
        accel: dict[str, set[str]] = defaultdict(set)
        for ref in self.r.references:
            if ref.kind.value == "hardware":
                texts[f"hardware:{ref.id}"].add(ref.text)
                if ref.attribute("accelerator"):
                    accel[f"hardware:{ref.id}"].add(ref.attribute("accelerator"))
        out = []
        for h in sorted(n for n in self.all_nodes() if n.startswith("hardware:")):
            e = self.entity(h)
            hid = h.split(":", 1)[1]
            out.append(L["Component"](
                type=L["ComponentType"].DEVICE, name=e.name if e is not None else hid, bom_ref=h,
                manufacturer=_org(e.name if e is not None else hid, e.country if e is not None else ""),
                evidence=self.occurrences(h),
                properties=_props([("kind", "accelerator-vendor"), ("id", hid), ("seen-as", sorted(texts.get(h, ()))[:20]),
                                   ("accelerators", sorted(accel.get(h, ())))] + self.exposure_props(h)),
            ))
        return out

    def packages(self) -> list[Any]:
        from packageurl import PackageURL

        L = self.L
        constraints: dict[str, set[str]] = defaultdict(set)
        for ref in self.r.references:
            if ref.kind.value == "package":
                from sovaudit.graph.build import package_node

                v = ref.attribute("version")
                if v or ref.form not in ("import", "image", "command", "call"):  # a use states no version
                    constraints[package_node(ref.id, ref.attribute("ecosystem", "python"))].add(v)
        out = []
        for n in sorted(x for x in self.all_nodes() if x.startswith("package:")):
            key = n.split(":", 1)[1]
            eco, name = ("npm", key[4:]) if key.startswith("npm/") else ("pypi", key)
            e = self.entity(n)
            seen = {c for c in constraints.get(n, set()) if c}
            version = _pinned(seen, eco) if seen and "" not in constraints.get(n, set()) else ""
            try:
                purl = PackageURL(type=eco, name=name, version=version or None)
            except ValueError:
                purl = None
            out.append(L["Component"](
                type=L["ComponentType"].LIBRARY, name=name, bom_ref=n, purl=purl, version=version or None,
                supplier=_org("", e.country if e is not None else ""),
                evidence=self.occurrences(n),
                properties=_props([("kind", "package"), ("ecosystem", eco), ("knowledge-base", e.note if e else ""),
                                   ("version-constraints", sorted(seen))]
                                  + self.exposure_props(n)),
            ))
        return out

    def services(self) -> list[Any]:
        from cyclonedx.exception.model import InvalidUriException
        from cyclonedx.model import DataClassification, DataFlow, XsUri

        from sovaudit.graph.build import is_private_host

        L = self.L
        urls: dict[str, set[str]] = defaultdict(set)
        for ref in self.r.references:
            if ref.kind.value == "endpoint" and ref.id.lower().startswith(("http://", "https://")):
                urls[f"provider:{ref.provider}" if ref.provider else f"endpoint:{ref.id}"].add(ref.id)
        out = []
        nodes = sorted(n for n in self.all_nodes() if n.startswith(("provider:", "endpoint:")))
        for n in nodes:
            e = self.entity(n)
            if n.startswith("provider:") and e is not None and e.note == "self-hosted":
                continue  # a runtime the stack runs itself: software, not a service
            key = n.split(":", 1)[1]
            eps = []
            bad = []
            for u in sorted(urls.get(n, ())):
                try:
                    if not _uri_ok(u):
                        raise ValueError(u)
                    eps.append(XsUri(u))
                except (InvalidUriException, ValueError):
                    bad.append(u)
            private = n.startswith("endpoint:") and is_private_host(key)
            name = e.name if e is not None and e.name else key
            out.append(L["Service"](
                name=name, bom_ref=n,
                provider=_org(name if n.startswith("provider:") else "", e.country if e is not None else ""),
                endpoints=eps or None, x_trust_boundary=not private,
                data=[DataClassification(flow=DataFlow.OUTBOUND, classification="prompts and inference inputs")],
                properties=_props([("kind", e.note if e is not None and e.note else "endpoint"),
                                   ("trustZone", "internal" if private else "external"), ("endpoint:unparsed", bad),
                                   ("occurrences", sorted(f"{p.path}:{p.line}" for p in self.occ.get(n, {}).values())[:50])]
                                  + self.exposure_props(n)),
            ))
        return out

    def all_nodes(self) -> set[str]:
        out: set[str] = set()
        for ex in self.r.assessment.exposures:
            out.add(ex.entity)
            out.update(ex.via)
            for p in ex.paths:
                for n in p.nodes[1:]:
                    out.add(n)
        return out

    # -- the BOM ---------------------------------------------------------------------------------
    def bom(self) -> Any:
        from cyclonedx.model.bom import Bom
        from cyclonedx.model.component import Component, ComponentType

        ctx = self.r.report
        vcs = ctx.vcs
        refs = []
        if vcs.known:
            from cyclonedx.model import ExternalReference, ExternalReferenceType, XsUri

            from sovaudit.walk.vcs import remote_uri

            repo = remote_uri(vcs.remote)
            if repo:
                try:
                    refs.append(ExternalReference(type=ExternalReferenceType.VCS, url=XsUri(repo),
                                                  comment=f"commit {vcs.commit}" + (f" on {vcs.branch}" if vcs.branch else "")))
                except ValueError:
                    pass
        root = Component(type=ComponentType.APPLICATION, name=self.r.root, bom_ref="root",
                         version=vcs.commit or None, external_references=refs or None,
                         properties=_props([("rules-version", self.r.rules_version), ("rules-date", ctx.rules_date),
                                            ("offline", str(self.r.offline).lower()), ("network", ctx.network),
                                            ("vcs:commit", vcs.commit), ("vcs:branch", vcs.branch),
                                            ("vcs:remote", vcs.remote), ("vcs:path", vcs.root_prefix),
                                            ("verdict", self.v.verdict["text"]), ("fail-on", ctx.fail_on),
                                            ("policies", list(ctx.policy_sources)),
                                            ("files-skipped", str(len(self.r.skipped)))]) + _skipped_props(self.r.skipped))
        bom = Bom(serial_number=_PLACEHOLDER)
        _fast_dependencies(bom)
        bom.metadata.timestamp = (_dt.datetime.strptime(self.r.report.generated, "%Y-%m-%dT%H:%M:%SZ")
                                  .replace(tzinfo=_dt.timezone.utc) if self.r.report.generated else None)  # type: ignore[assignment]  # None: no time
        bom.metadata.component = root
        bom.metadata.tools.components.add(Component(type=ComponentType.APPLICATION, name="sovaudit",
                                                    version=self.r.tool_version, bom_ref="tool:sovaudit"))
        comps = self.models() + self.clouds() + self.hardware() + self.packages()
        services = self.services()
        for c in comps:
            bom.components.add(c)
        for s in services:
            bom.services.add(s)
        by_ref: dict[str, Any] = {}
        for c in comps:
            by_ref[str(c.bom_ref.value)] = c
            for sub in c.components:
                by_ref[str(sub.bom_ref.value)] = sub
        for s in services:
            by_ref[str(s.bom_ref.value)] = s
        bom.register_dependency(root, [by_ref[n] for n in sorted(self.named) if n in by_ref])
        for a in sorted(self.deps):
            if a in by_ref:
                targets = [by_ref[b] for b in sorted(self.deps[a]) if b in by_ref and b != a]
                if targets:
                    bom.register_dependency(by_ref[a], targets)
        for ref, c in sorted(by_ref.items()):
            if ref not in self.deps:
                bom.register_dependency(c)
        return bom


def _skipped_props(skipped: Iterable[Any]) -> list[Any]:
    """One ``sovaudit:skipped`` property of the scanned root per file or folder that was not
    scanned: ``path: reason (detail)``. CycloneDX has no field for what a scan left out, and a
    BOM that does not say so would read as complete."""
    from cyclonedx.model import Property

    out = []
    for s in skipped:
        out.append(Property(name="sovaudit:skipped", value=f"{s.path}: {s.reason}" + (f" ({s.detail})" if s.detail else "")))
    return out


def _fast_dependencies(bom: Any) -> None:
    """``Bom.register_dependency`` finds a target's entry by a linear scan, and the outputter's
    ``Bom.validate`` calls it once per component: quadratic, minutes for a few thousand models.
    This instance-level replacement keeps an index and does the same thing."""
    from cyclonedx.model.dependency import Dependency

    index: dict[str, Any] = {}

    def register_dependency(target: Any, depends_on: Iterable[Any] | None = None) -> None:
        key = str(target.bom_ref)
        d = index.get(key)
        if d is None:
            d = index[key] = Dependency(ref=target.bom_ref)
            bom.dependencies.add(d)
        for x in depends_on or ():
            d.dependencies.add(Dependency(ref=x.bom_ref))
            xk = str(x.bom_ref)
            if xk not in index:
                index[xk] = Dependency(ref=x.bom_ref)
                bom.dependencies.add(index[xk])

    bom.register_dependency = register_dependency


def _serialise(bom: Any, fmt: str) -> str:
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion

    out = make_outputter(bom, OutputFormat.JSON if fmt == "json" else OutputFormat.XML, SchemaVersion.V1_6)
    return out.output_as_string(indent=2)


def _unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Any:
    """``uniqueItems`` in linear time (jsonschema compares every pair: quadratic on 5,000 components)."""
    import json

    from jsonschema.exceptions import ValidationError

    if not unique or not validator.is_type(instance, "array"):
        return
    seen: set[str] = set()
    for item in instance:
        key = json.dumps(item, sort_keys=True)
        if key in seen:
            yield ValidationError(f"array has non-unique elements: {key[:200]}")
            return
        seen.add(key)


def _linear_unique_items(lib_validator: Any) -> Any:
    """The library's own strict validator (its bundled schemas, registry and format checker), with
    ``uniqueItems`` checked in linear time. Falls back to the library's validator untouched if its
    internals ever change."""
    try:
        import jsonschema.validators

        base = lib_validator._validator
        fast_cls = jsonschema.validators.extend(type(base), {"uniqueItems": _unique_items})
        fast = fast_cls(base.schema, registry=base._registry, format_checker=base.format_checker)
    except Exception:  # pragma: no cover - library internals changed: keep its own, slower, validator
        return lib_validator

    class _Fast:
        def validate_str(self, data: str) -> Any:
            import json

            return next(iter(fast.iter_errors(json.loads(data))), None)

    return _Fast()


def validate(text: str, fmt: str) -> None:
    """Raise ReportError unless ``text`` is a valid CycloneDX 1.6 document (the library's validator)."""
    from cyclonedx.schema import SchemaVersion

    if fmt == "json":
        from cyclonedx.validation.json import JsonStrictValidator

        validator: Any = _linear_unique_items(JsonStrictValidator(SchemaVersion.V1_6))
    else:
        from cyclonedx.validation.xml import XmlValidator

        validator = XmlValidator(SchemaVersion.V1_6)
    try:
        err = validator.validate_str(text)
    except Exception as exc:  # missing optional dependency (lxml, jsonschema) or a broken document
        raise ReportError(f"CycloneDX {fmt.upper()} could not be validated: {type(exc).__name__}: {exc}") from exc
    if err is not None:
        raise ReportError(f"CycloneDX {fmt.upper()} BOM failed schema validation, not written: {err}")


def model_cards(result: ScanResult) -> dict[str, dict[str, Any]]:
    """bom-ref -> the CycloneDX 1.6 ``modelCard`` of each model component: the task and
    architecture where known (Hub pipeline tag, the knowledge base's task, a GGUF header's
    architecture), API-only dependence and an unestablished lineage as technical limitations, and
    what sovaudit established about the model as the card's properties."""
    prov = {p.model_id: p for p in result.provenance}
    arch: dict[str, str] = {}
    for ref in result.references:
        if ref.kind.value == "model" and ref.attribute("architecture"):
            arch.setdefault(ref.id, ref.attribute("architecture"))
    out: dict[str, dict[str, Any]] = {}
    for m in result.assessment.models:
        p = prov.get(m.model_id)
        details = dict(p.details) if p is not None else {}
        params: dict[str, Any] = {}
        task = details.get("pipeline_tag") or details.get("task")
        if task:
            params["task"] = task
        if arch.get(m.model_id):
            params["architectureFamily"] = arch[m.model_id]
        limits = []
        if m.weights == "api-only":
            who = p.provider.value if p is not None and p.provider.known else "its provider"
            limits.append(f"API-only: the weights are not published, so {who} controls availability, updates and terms")
        if m.lineage_status == "inferred":
            limits.append("Lineage inferred from naming conventions, not stated by a source")
        elif m.lineage_status != "established":
            limits.append("Lineage not established: the jurisdictions of its ancestors' makers are not known")
        props = [("control", m.control), ("weights", m.weights), ("license:class", m.license_class),
                 ("origin:countries", ",".join(m.countries)), ("lineage", m.lineage_status),
                 ("provenance", m.status), ("parameters", details.get("parameters", "")),
                 ("library", details.get("library", ""))]
        card: dict[str, Any] = {}
        if params:
            card["modelParameters"] = params
        if limits:
            card["considerations"] = {"technicalLimitations": limits}
        card["properties"] = [{"name": f"sovaudit:{k}", "value": str(v)} for k, v in props if v not in ("", None)]
        out[f"model:{m.model_id}"] = card
    return out


def _with_model_cards(text: str, result: ScanResult) -> str:
    """The library's JSON with each model component's ``modelCard`` added (in the schema's place
    among the component's keys does not matter in JSON)."""
    import json

    cards = model_cards(result)
    if not cards:
        return text
    doc = json.loads(text)
    for c in doc.get("components", []):
        card = cards.get(c.get("bom-ref", ""))
        if card is not None and c.get("type") == "machine-learning-model":
            c["modelCard"] = card
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _with_model_cards_xml(text: str, result: ScanResult) -> str:
    """The library's XML with each model component's ``<modelCard>`` added where the 1.6 schema
    puts it (after ``evidence`` / ``releaseNotes``, before ``data``)."""
    from lxml import etree

    cards = model_cards(result)
    if not cards:
        return text
    ns = "http://cyclonedx.org/schema/bom/1.6"
    q = lambda tag: f"{{{ns}}}{tag}"  # noqa: E731
    try:
        root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(remove_blank_text=True))
    except etree.XMLSyntaxError:  # the library's own text as it is: the validator says what is wrong
        return text
    comps = root.find(q("components"))
    for c in (comps if comps is not None else ()):
        card = cards.get(c.get("bom-ref", ""))
        if card is None or c.get("type") != "machine-learning-model":
            continue
        mc = etree.Element(q("modelCard"))
        params = card.get("modelParameters", {})
        if params:
            mp = etree.SubElement(mc, q("modelParameters"))
            for key in ("task", "architectureFamily"):  # the schema's order
                if params.get(key):
                    etree.SubElement(mp, q(key)).text = params[key]
        limits = card.get("considerations", {}).get("technicalLimitations", [])
        if limits:
            tl = etree.SubElement(etree.SubElement(mc, q("considerations")), q("technicalLimitations"))
            for x in limits:
                etree.SubElement(tl, q("technicalLimitation")).text = x
        if card.get("properties"):
            props = etree.SubElement(mc, q("properties"))
            for prop in card["properties"]:
                etree.SubElement(props, q("property"), name=prop["name"]).text = prop["value"]
        after = [e for e in c if e.tag in (q("properties"), q("components"), q("evidence"), q("releaseNotes"))]
        if after:
            after[-1].addnext(mc)
        else:
            c.append(mc)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")


# The BOM of the last result rendered, so that JSON and XML of one scan build it once.
_LAST: list[Any] = []


def _bom_and_serial(result: ScanResult) -> tuple[Any, str, str]:
    """(bom, its JSON text with the placeholder serial, the serial) -- memoised for one result."""
    if _LAST and _LAST[0] is result:
        return _LAST[1], _LAST[2], _LAST[3]
    bom = _Builder(result).bom()
    text = _with_model_cards(_serialise(bom, "json"), result)
    serial = str(uuid.uuid5(_NAMESPACE, hashlib.sha256(text.encode("utf-8")).hexdigest()))
    _LAST[:] = [result, bom, text, serial]
    return bom, text, serial


def render(result: ScanResult, fmt: str = "json") -> str:
    bom, json_text, serial = _bom_and_serial(result)
    text = json_text if fmt == "json" else _with_model_cards_xml(_serialise(bom, "xml"), result)
    text = text.replace(str(_PLACEHOLDER), serial)
    validate(text, fmt)
    return text if text.endswith("\n") else text + "\n"


def dumps_json(result: ScanResult) -> str:
    return render(result, "json")


def dumps_xml(result: ScanResult) -> str:
    return render(result, "xml")
