"""Hand-written references and provenance for the graph, assessment, policy and report tests:
one mixed stack (a fine-tune of a Chinese base on a US cloud, an API-only US model, Bedrock,
Ollama, an unknown model and endpoint) and the builders it is made of."""

from __future__ import annotations

from sovaudit.model import (
    Context,
    Evidence,
    Fact,
    Kind,
    LineageHop,
    Provenance,
    Reference,
    ScanResult,
    Status,
    fingerprint_references,
)

EV = (Evidence("rules", "test"),)


def ref(kind: Kind, id_: str, path: str, line: int, form: str = "", provider: str = "", context: Context = Context.CODE,
        confidence: float = 0.9, **attrs: str) -> Reference:
    default_form = {Kind.MODEL: "hf", Kind.ENDPOINT: "url", Kind.CLOUD: "provider", Kind.HARDWARE: "resource",
                    Kind.PACKAGE: "requirement"}[kind]
    return Reference(kind, id_, id_, path, line, 1, "test", form or default_form, context, confidence, provider=provider,
                     attributes=tuple(sorted(attrs.items())))


def prov(mid: str, publisher: str = "", origin: str = "", country: str = "", parents: tuple[tuple[str, str], ...] = (),
         weights: str = "", provider: str = "", license_class: str = "", status: Status = Status.RESOLVED,
         confidence: float = 0.95, lineage: str = "") -> Provenance:
    """A hand-written provenance. Its lineage is established when resolved, inferred when the
    origin is a name-based guess, unless ``lineage`` says otherwise."""
    f = lambda v: Fact(v, EV) if v else Fact()  # noqa: E731
    lineage = lineage or ("established" if status == Status.RESOLVED else "inferred")
    return Provenance(mid, status, publisher=f(publisher), origin_lab=f(origin), country=f(country),
                      weights=f(weights), provider=f(provider), license_id=f(license_class and "lic"),
                      license_class=f(license_class),
                      parents=tuple(LineageHop(p, rel, EV) for p, rel in parents), confidence=confidence,
                      lineage=f(lineage))


def scan_result(refs: list[Reference], provenance: list[Provenance]) -> ScanResult:
    return ScanResult("fixture", "0", "test", tuple(fingerprint_references(refs)), (),
                      provenance=tuple(sorted(provenance, key=lambda p: p.model_id)), offline=True)


def mixed_stack() -> ScanResult:
    refs = [
        ref(Kind.MODEL, "nvidia/Qwen-FT-7B", "svc/app.py", 10),
        ref(Kind.ENDPOINT, "http://llm.internal:8080/v1", "svc/app.py", 11),
        ref(Kind.ENDPOINT, "openai", "svc/chat.py", 4, form="client", provider="openai"),  # OpenAI() constructed
        ref(Kind.MODEL, "gpt-4o", "svc/chat.py", 5, form="api", provider="openai"),
        ref(Kind.MODEL, "deepseek.r1-v1:0", "svc/bedrock.py", 4, form="bedrock", provider="bedrock", region="eu-central-1"),
        ref(Kind.MODEL, "llama3.2", "svc/local.py", 3, form="ollama", provider="ollama"),
        ref(Kind.MODEL, "unknown-org/mystery", "svc/misc.py", 2),
        ref(Kind.ENDPOINT, "https://api.example-llm.io/v1", "svc/misc.py", 8),
        ref(Kind.MODEL, "mistralai/Mistral-7B-v0.1", "svc/misc.py", 1, context=Context.COMMENT),
        ref(Kind.CLOUD, "aws", "infra/main.tf", 1, provider="aws"),
        ref(Kind.CLOUD, "eu-west-1", "infra/main.tf", 3, form="region", provider="aws", context=Context.CONFIG),
        ref(Kind.CLOUD, "westeurope", "infra/other.tf", 2, form="region", context=Context.CONFIG),  # no cloud says: unknown
        ref(Kind.HARDWARE, "nvidia", "k8s/gpu.yaml", 7, provider="nvidia"),
        ref(Kind.PACKAGE, "vllm", "requirements.txt", 1, provider="vllm"),
        ref(Kind.PACKAGE, "nvidia-cuda-runtime-cu12", "requirements.txt", 2, provider="nvidia"),
    ]
    provenance = [
        prov("nvidia/Qwen-FT-7B", publisher="nvidia", origin="alibaba-qwen", country="CN",
             parents=(("Qwen/Qwen2.5-7B-Instruct", "finetune"),), weights="downloadable", license_class="permissive"),
        prov("Qwen/Qwen2.5-7B-Instruct", publisher="alibaba-qwen", origin="alibaba-qwen", country="CN",
             parents=(("Qwen/Qwen2.5-7B", "finetune"),), weights="downloadable", license_class="permissive"),
        prov("Qwen/Qwen2.5-7B", publisher="alibaba-qwen", origin="alibaba-qwen", country="CN", weights="downloadable",
             license_class="permissive"),
        prov("gpt-4o", publisher="openai", origin="openai", country="US", weights="api-only", provider="openai",
             license_class="proprietary"),
        prov("deepseek.r1-v1:0", publisher="deepseek", origin="deepseek", country="CN", weights="downloadable",
             provider="bedrock", license_class="permissive"),
        prov("llama3.2", origin="meta", country="US", status=Status.INFERRED, confidence=0.3),
    ]
    return scan_result(refs, provenance)
