"""Provenance: the resolver chain against a fake Hub served on 127.0.0.1 to the real client."""

from __future__ import annotations

import logging

from sovaudit.model import Evidence, Status
from sovaudit.resolve.hub import HubCache, HubClient
from sovaudit.resolve.provenance import HUB_CONCURRENCY, Resolver


def client(**kw) -> HubClient:
    kw.setdefault("timeout", 2.0)
    kw.setdefault("backoff", 0.01)
    kw.setdefault("sleep", lambda s: None)
    return HubClient(**kw)


def resolve(kb, ids, **kw):
    c = kw.pop("hub_client", None) or client(**kw)
    return {p.model_id: p for p in Resolver(kb, c).resolve(ids)}, c


def lab(kb, ns):
    return kb.lab_for_namespace(ns).id


def test_quantization_of_a_finetune_of_a_foreign_base(kb, fake_hub):
    prov, _ = resolve(kb, ["unsloth/OpenReasoning-Qwen-7B-GGUF"])
    assert sorted(prov) == ["Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B-Instruct", "nvidia/OpenReasoning-Qwen-7B", "unsloth/OpenReasoning-Qwen-7B-GGUF"]
    top = prov["unsloth/OpenReasoning-Qwen-7B-GGUF"]
    assert [(h.parent, h.relation) for h in top.parents] == [("nvidia/OpenReasoning-Qwen-7B", "quantized")]
    assert [(h.parent, h.relation) for h in prov["nvidia/OpenReasoning-Qwen-7B"].parents] == [("Qwen/Qwen2.5-7B-Instruct", "finetune")]
    assert top.status == Status.RESOLVED
    assert top.origin_lab.value == lab(kb, "Qwen") and top.country.value == "CN"
    assert (top.publisher.value, top.publisher_country.value) == (lab(kb, "unsloth"), "US")
    assert prov["nvidia/OpenReasoning-Qwen-7B"].publisher_country.value == "US"
    assert top.license_id.value == "apache-2.0" and top.license_class.value == "permissive"
    assert top.weights.value == "downloadable"
    ev = top.parents[0].evidence[0]
    assert ev.source == "hub" and ev.detail == "tags:base_model:quantized" and ev.retrieved
    assert ev.url == f"{fake_hub.url}/unsloth/OpenReasoning-Qwen-7B-GGUF"
    assert any(e.source == "rules" and e.url.startswith("http") for e in top.country.evidence)


def test_unknown_publisher_still_traced_to_its_origin(kb, fake_hub):
    prov, _ = resolve(kb, ["bartowski/OpenReasoning-Qwen-7B-GGUF"])
    p = prov["bartowski/OpenReasoning-Qwen-7B-GGUF"]
    # the knowledge base knows the account as a re-publisher but gives it no country: none is public
    assert kb.lab_for_namespace("bartowski").get("kind") == "republisher" and not kb.lab_for_namespace("bartowski").get("country")
    assert p.publisher.value == "bartowski" and p.publisher_country.value == "unknown"
    assert p.status == Status.RESOLVED and p.country.value == "CN"


def test_chinese_distillation_of_a_us_base(kb, fake_hub):
    """The Hub tags the Llama base as the distillation's parent; rules/lineage.yaml (DeepSeek's
    card) says the weights are a fine-tune of that base trained on DeepSeek-R1's outputs. The
    rule's relation is used, the disagreement is kept, and the Llama license carries over."""
    prov, _ = resolve(kb, ["deepseek-ai/DeepSeek-R1-Distill-Llama-8B"])
    p = prov["deepseek-ai/DeepSeek-R1-Distill-Llama-8B"]
    assert [(h.parent, h.relation) for h in p.parents] == [("deepseek-ai/DeepSeek-R1", "distillation"),
                                                            ("meta-llama/Llama-3.1-8B", "finetune")]
    (hop,) = [h for h in p.parents if h.parent == "meta-llama/Llama-3.1-8B"]
    assert {e.source for e in hop.evidence} == {"hub", "rules"}
    (c,) = [c for c in p.conflicts if c.field == "lineage"]
    assert [f.value for f in c.values] == ["meta-llama/Llama-3.1-8B (distillation)", "meta-llama/Llama-3.1-8B (finetune)"]
    assert p.publisher_country.value == "CN"
    assert p.origin_lab.value == "deepseek,meta" and p.country.value == "CN,US"
    assert p.lineage.value == "established"
    assert prov["meta-llama/Llama-3.1-8B"].weights.value == "gated"
    assert prov["meta-llama/Llama-3.1-8B"].license_class.value == "custom-restrictive"
    # its own card says MIT; the Llama 3.1 license governs the fine-tuned weights
    assert (p.license_id.value, p.license_class.value) == ("mit", "permissive")
    assert (p.effective_license.value, p.effective_license_class.value) == ("llama3.1", "custom-restrictive")
    assert any(e.source == "lineage" and "meta-llama/Llama-3.1-8B" in e.detail for e in p.effective_license.evidence)


def test_merge_has_every_root(kb, fake_hub):
    prov, _ = resolve(kb, ["mergekit-community/qwen-llama-merge"])
    p = prov["mergekit-community/qwen-llama-merge"]
    assert {h.relation for h in p.parents} == {"merge"}
    assert p.country.value == "CN,US"
    assert set(p.origin_lab.value.split(",")) == {lab(kb, "Qwen"), lab(kb, "meta-llama")}


def test_adapter_and_renamed_namespace(kb, fake_hub):
    prov, _ = resolve(kb, ["someone/qwen-support-lora", "CohereForAI/aya-expanse-8b"])
    assert [(h.parent, h.relation) for h in prov["someone/qwen-support-lora"].parents] == [("Qwen/Qwen2.5-7B-Instruct", "adapter")]
    aya = prov["CohereForAI/aya-expanse-8b"]
    assert aya.publisher.value == lab(kb, "CohereLabs") and aya.country.value == "CA"
    assert aya.license_class.value == "non-commercial"


def test_gated_403_and_401(kb, fake_hub):
    prov, _ = resolve(kb, ["meta-llama/Llama-3.2-90B-Vision", "private-org/secret-model"])
    g = prov["meta-llama/Llama-3.2-90B-Vision"]
    assert g.weights.value == "gated" and g.country.value == "US"
    s = prov["private-org/secret-model"]
    assert s.status == Status.UNRESOLVED and not s.country.known
    assert "no such model on the Hub" in s.reason


def test_not_found_is_unresolved_and_no_country_is_invented(kb, fake_hub):
    prov, _ = resolve(kb, ["nobody/does-not-exist", "randomuser/mystery-model"])
    for mid in prov:
        assert prov[mid].status == Status.UNRESOLVED
        assert prov[mid].country.value == "unknown" and prov[mid].origin_lab.value == "unknown"
        assert prov[mid].reason
    assert "no such model on the Hub" in prov["nobody/does-not-exist"].reason


def test_name_based_guess_is_marked_inferred(kb, fake_hub):
    prov, _ = resolve(kb, ["randomuser/qwen2.5-support-bot"])
    p = prov["randomuser/qwen2.5-support-bot"]
    assert p.status == Status.INFERRED and p.confidence <= 0.3
    assert p.country.value == "CN" and p.origin_lab.evidence[0].source == "name"
    assert "Qwen" in p.reason


def test_429_retry_after_is_honoured(kb, fake_hub):
    slept: list[float] = []
    prov, _ = resolve(kb, ["ratelimited/model"], sleep=slept.append)
    assert slept == [1.0]
    assert fake_hub.requests["ratelimited/model"] == 2
    assert prov["ratelimited/model"].license_id.value == "mit"


def test_5xx_retried_then_reported(kb, fake_hub):
    prov, c = resolve(kb, ["broken/model", "flaky/model"], retries=2)
    assert fake_hub.requests["broken/model"] == 3
    assert prov["broken/model"].status == Status.UNVERIFIED
    assert "HTTP 500 after 3 attempt(s)" in prov["broken/model"].reason
    assert fake_hub.requests["flaky/model"] == 2 and prov["flaky/model"].license_id.value == "mit"


def test_malformed_json(kb, fake_hub):
    prov, _ = resolve(kb, ["malformed/model"])
    p = prov["malformed/model"]
    assert p.status == Status.UNRESOLVED and "malformed Hub response" in p.reason


def test_lineage_cycle_is_cut_and_shown(kb, fake_hub):
    prov, _ = resolve(kb, ["cycle/a"])
    assert sorted(prov) == ["cycle/a", "cycle/b"]
    assert any(c.note == "lineage cycle: cycle/a -> cycle/b -> cycle/a" for c in prov["cycle/a"].conflicts)


def test_license_conflict_is_kept(kb, fake_hub):
    prov, _ = resolve(kb, ["conflicted/model"])
    (c,) = prov["conflicted/model"].conflicts
    assert c.field == "license" and [f.value for f in c.values] == ["mit", "apache-2.0"]


def test_slow_hub_opens_the_breaker(kb, fake_hub):
    c = client(timeout=0.3, retries=3)
    prov, _ = resolve(kb, ["slow/model"], hub_client=c)
    assert c.breaker_open and fake_hub.requests["slow/model"] == 2  # two timeouts open the breaker
    assert prov["slow/model"].reason.startswith("unverified: hub unreachable")
    # for the rest of the run nothing more is asked
    later, _ = resolve(kb, [f"Qwen/never-asked-{i}" for i in range(30)], hub_client=c)
    assert not any(r.startswith("Qwen/never-asked") for r in fake_hub.requests)
    assert all("hub unreachable" in p.reason for p in later.values())
    # rules still place what they can: a Qwen namespace is CN even without the Hub
    assert later["Qwen/never-asked-5"].country.value == "CN"


def test_unreachable_hub_fails_fast(kb, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # closed port
    ids = [f"someone/model-{i}" for i in range(200)]
    prov, c = resolve(kb, ids)
    # after the breaker opens only requests already in flight (one per worker) may still go out
    assert c.breaker_open and c.calls <= 2 * HUB_CONCURRENCY < len(ids)
    assert all(p.status == Status.UNVERIFIED and p.reason.startswith("unverified: hub unreachable") for p in prov.values())
    # whether a request met the failure itself or the open breaker is thread timing: reasons alike
    assert len({p.reason.replace(m, "ID") for m, p in prov.items()}) == 1


def test_offline_makes_no_request(kb, fake_hub):
    prov, c = resolve(kb, ["Qwen/Qwen2.5-7B-Instruct", "randomuser/mystery-model"], offline=True)
    assert fake_hub.requests == {} and c.calls == 0
    q = prov["Qwen/Qwen2.5-7B-Instruct"]
    assert q.country.value == "CN" and q.status == Status.RESOLVED
    # license and weights from its capability entry in rules/models.yaml, not the Hub
    assert (q.license_id.value, q.license_class.value, q.weights.value) == ("apache-2.0", "permissive", "downloadable")
    assert [e.detail for e in q.license_id.evidence] == ["models:Qwen/Qwen2.5-7B-Instruct.license"]
    assert prov["randomuser/mystery-model"].status == Status.UNVERIFIED
    assert prov["randomuser/mystery-model"].reason.startswith("unverified: offline")


def test_api_models_resolve_from_rules_without_the_hub(kb, fake_hub):
    prov, c = resolve(kb, ["deepseek-chat", "gpt-4o", "eu.anthropic.claude-3-7-sonnet-20250219-v1:0"])
    assert c.calls == 0
    assert (prov["deepseek-chat"].country.value, prov["deepseek-chat"].provider.value) == ("CN", "deepseek")
    assert prov["gpt-4o"].weights.value == "api-only" and prov["gpt-4o"].country.value == "US"
    b = prov["eu.anthropic.claude-3-7-sonnet-20250219-v1:0"]
    assert b.provider.value == "bedrock" and b.origin_lab.value == "anthropic"
    assert all(e.source == "rules" for e in prov["gpt-4o"].country.evidence)


def test_cache_warm_refresh_ttl_and_corruption(kb, fake_hub, tmp_path, caplog):
    cache_dir = tmp_path / "cache"
    ids = ["Qwen/Qwen2.5-7B-Instruct"]

    def run(**kw):
        cache = HubCache(cache_dir, ttl=kw.pop("ttl", 7 * 86400))
        try:
            return resolve(kb, ids, cache=cache, **kw)
        finally:
            cache.close()

    run()
    assert fake_hub.requests == {"Qwen/Qwen2.5-7B-Instruct": 1, "Qwen/Qwen2.5-7B": 1}
    warm, c = run()
    assert c.calls == 0 and warm["Qwen/Qwen2.5-7B-Instruct"].license_id.value == "apache-2.0"
    run(refresh=True)
    assert fake_hub.requests["Qwen/Qwen2.5-7B-Instruct"] == 2
    _, c = run(ttl=0)
    assert c.calls == 2
    for f in cache_dir.iterdir():
        f.unlink()
    (cache_dir / "hub-v1.sqlite3").write_bytes(b"garbage" * 1000)
    with caplog.at_level(logging.WARNING):
        again, _ = run()
    assert "corrupt" in caplog.text and again["Qwen/Qwen2.5-7B-Instruct"].country.value == "CN"


def test_token_is_used_but_never_stored(kb, fake_hub, tmp_path, monkeypatch):
    secret = "hf_TESTSECRETtoken1234567890"
    monkeypatch.setenv("HF_TOKEN", secret)
    cache_dir = tmp_path / "cache"
    prov, _ = resolve(kb, ["google/gemma-2-9b"], cache=HubCache(cache_dir))
    assert fake_hub.auth_headers and all(secret in h for h in fake_hub.auth_headers)
    for f in cache_dir.iterdir():
        assert secret.encode() not in f.read_bytes()
    assert secret not in repr(prov)


def test_lookups_are_bounded(kb, monkeypatch):
    from fakehub import FakeHub

    hub = FakeHub(latency=0.1, models={f"org/m{i}": {"id": f"org/m{i}", "author": "org", "tags": []} for i in range(24)}).start()
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    try:
        Resolver(kb, client(), max_workers=4).resolve([f"org/m{i}" for i in range(24)])
    finally:
        hub.stop()
    assert 2 <= hub.max_inflight <= 4


def test_local_gguf_artifact_gives_license_and_lineage_with_file_evidence(kb, fake_hub, tmp_path):
    """Local artifacts come first: a GGUF file's own metadata (read by the weights detector)
    states its license and base model; the Hub is then asked about the base. A Hub record for
    the same id that names another license is kept as a conflict."""
    import gguf

    from sovaudit.detect.scan import scan
    from sovaudit.model import ScanConfig
    from sovaudit.resolve.provenance import resolve_scan

    path = tmp_path / "models" / "qwen-7b-q4.gguf"
    path.parent.mkdir()
    w = gguf.GGUFWriter(str(path), "qwen2")
    w.add_string("general.name", "OpenReasoning Qwen 7B")
    w.add_string("general.license", "mit")
    w.add_string("general.source.huggingface.repository", "unsloth/OpenReasoning-Qwen-7B-GGUF")
    w.add_uint32("general.base_model.count", 1)
    w.add_string("general.base_model.0.repo_url", "https://huggingface.co/nvidia/OpenReasoning-Qwen-7B")
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    w.close()
    result = scan(ScanConfig(root=str(tmp_path), cache_dir="-", jobs=1), kb)
    main = [r for r in result.references if r.path == "models/qwen-7b-q4.gguf" and r.attribute("license")]
    assert main, [(r.id, r.attributes) for r in result.references]
    mid = main[0].id
    result = resolve_scan(result, kb, client())
    prov = {p.model_id: p for p in result.provenance}
    p = prov[mid]
    (hop,) = [h for h in p.parents if h.parent == "nvidia/OpenReasoning-Qwen-7B"]
    assert hop.relation == "quantized"  # the Hub's tag is more specific than the file's "base model"
    assert hop.evidence[0] == Evidence("artifact", "models/qwen-7b-q4.gguf:1")
    assert any(e.source == "hub" for e in hop.evidence[1:])
    assert p.country.value == "CN" and p.origin_lab.value == lab(kb, "Qwen")
    assert mid == "unsloth/OpenReasoning-Qwen-7B-GGUF"
    # the Hub's card says apache-2.0, the file says mit: both kept, as a conflict
    (c,) = [c for c in p.conflicts if c.field == "license"]
    assert sorted(f.value for f in c.values) == ["apache-2.0", "mit"]
    assert Evidence("artifact", "models/qwen-7b-q4.gguf:1") in {e for f in c.values for e in f.evidence}


def test_bare_o3_resolves_in_model_positions_only(kb):
    from sovaudit.detect import lexer_for

    prov, _ = resolve(kb, ["o3"], offline=True)
    assert (prov["o3"].country.value, prov["o3"].weights.value, prov["o3"].provider.value) == ("US", "api-only", "openai")
    src = b'amp.initialize(model, opt, opt_level="O3")\nclient.chat.completions.create(model="o3", messages=[])\no3 = 1\n'
    refs, _ = lexer_for(kb).analyse("t.py", src)
    assert [(r.line, r.id) for r in refs if r.kind.value == "model"] == [(2, "o3")]


def test_the_catalogue_fills_only_what_the_hub_leaves_unknown(fake_hub, tmp_path):
    from sovaudit.rules import load_knowledge_base

    (tmp_path / "mine.yaml").write_text(
        "section: models\nentries:\n  - id: randomuser/qwen2.5-support-bot\n    name: bot\n    lab: mistral\n"
        "    weights: gated\n    license: mit\n    task: chat\n    modalities: [text]\n    released: 2025-01\n"
        "    sources: [https://example.org/card]\n", encoding="utf-8")
    kb2 = load_knowledge_base([tmp_path])
    online, _ = resolve(kb2, ["randomuser/qwen2.5-support-bot"])
    p = online["randomuser/qwen2.5-support-bot"]
    assert (p.license_id.value, p.weights.value) == ("apache-2.0", "downloadable")  # the Hub says so
    assert {e.source for e in p.license_id.evidence} == {"hub"}
    off, _ = resolve(kb2, ["randomuser/qwen2.5-support-bot"], offline=True)
    q = off["randomuser/qwen2.5-support-bot"]
    assert (q.license_id.value, q.license_class.value, q.weights.value) == ("mit", "permissive", "gated")
    assert [e.detail for e in q.weights.evidence] == ["models:randomuser/qwen2.5-support-bot.weights"]


# ------------------------------------------------------------------------------------------
# Lineage offline: rules/lineage.yaml facts, name patterns (inferred, with reasons), and
# "not established" when nothing says
# ------------------------------------------------------------------------------------------


def test_known_derivatives_of_a_chinese_model_by_us_publishers(kb):
    """r1-1776 (Perplexity) and MAI-DS-R1 (Microsoft) are DeepSeek-R1 post-trained: their weights'
    origin is DeepSeek (CN) though the publishers are US companies -- established offline from
    rules/lineage.yaml, with its source."""
    prov, c = resolve(kb, ["perplexity-ai/r1-1776", "microsoft/MAI-DS-R1"], offline=True)
    assert c.calls == 0
    for mid, publisher in (("perplexity-ai/r1-1776", "perplexity"), ("microsoft/MAI-DS-R1", "microsoft")):
        p = prov[mid]
        assert (p.publisher.value, p.publisher_country.value) == (publisher, "US")
        assert [(h.parent, h.relation) for h in p.parents] == [("deepseek-ai/DeepSeek-R1", "finetune")]
        assert [e.detail for e in p.parents[0].evidence] == [f"lineage:{mid}.parents"]
        assert p.parents[0].evidence[0].url == f"https://huggingface.co/{mid}"
        assert (p.origin_lab.value, p.country.value, p.lineage.value, p.status) == ("deepseek", "CN", "established", Status.RESOLVED)


def test_name_patterns_give_inferred_parents_with_their_reason(kb):
    prov, _ = resolve(kb, ["nvidia/Qwen3-8B-FP4", "bge-multilingual-gemma2", "TheBloke/Llama-2-7B-GGUF"], offline=True)
    fp4 = prov["nvidia/Qwen3-8B-FP4"]
    (hop,) = fp4.parents
    assert (hop.parent, hop.relation, hop.evidence[0].source) == ("Qwen/Qwen3-8B", "quantized", "name")
    assert "quantisation suffix" in hop.evidence[0].detail and "Qwen family" in hop.evidence[0].detail
    assert (fp4.status, fp4.confidence, fp4.lineage.value, fp4.country.value) == (Status.INFERRED, 0.5, "inferred", "CN")
    assert (fp4.effective_license.value, fp4.effective_license_class.value) == ("apache-2.0", "permissive")
    # the name starts with BAAI's bge: BAAI is its maker; the Gemma it holds later is an inferred base
    bge = prov["bge-multilingual-gemma2"]
    assert (bge.publisher.value, bge.publisher.evidence[0].source) == ("baai", "name")
    assert [(h.parent, h.relation) for h in bge.parents] == [("family:Gemma", "base")]
    assert prov["family:Gemma"].origin_lab.value == "google"
    assert bge.status == Status.INFERRED and bge.confidence == 0.3
    gguf = prov["TheBloke/Llama-2-7B-GGUF"]
    assert [(h.parent, h.relation) for h in gguf.parents] == [("family:Llama", "quantized")] and gguf.country.value == "US"


def test_lineage_not_established_says_why(kb):
    """A lab's model whose name holds none of its own families, read offline: its publisher may
    have made it or derived it from another lab's weights. Origin falls back to the publisher,
    marked inferred, and the lineage is not established (a lineage policy cannot pass it)."""
    prov, _ = resolve(kb, ["facebook/bart-large", "someone/merged-GGUF", "deepseek-ai/DeepSeek-R1"], offline=True)
    p = prov["facebook/bart-large"]
    assert (p.lineage.value, p.status, p.confidence, p.origin_lab.value) == ("not-established", Status.INFERRED, 0.5, "meta")
    assert "lineage not established: facebook/bart-large: no base model is stated offline" in p.reason
    q = prov["someone/merged-GGUF"]
    assert q.lineage.value == "not-established" and "no model family the knowledge base knows is left in the name" in q.reason
    r1 = prov["deepseek-ai/DeepSeek-R1"]
    assert r1.lineage.value == "established"
    assert [e.detail for e in r1.lineage.evidence] == ["deepseek-ai/DeepSeek-R1: a release of DeepSeek's own DeepSeek family under its own namespace"]


def test_a_runtime_tag_resolves_to_the_weights_it_names(kb):
    prov, _ = resolve(kb, ["deepseek-r1:32b"], offline=True)
    p = prov["deepseek-r1:32b"]
    assert [(h.parent, h.relation) for h in p.parents] == [("deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", "quantized")]
    assert p.country.value == "CN" and set(p.origin_lab.value.split(",")) == {"deepseek", "alibaba-qwen"}
    # the Qwen2.5 base's license, as the distill's card states it, reaches the tag offline
    assert prov["Qwen/Qwen2.5-32B"].license_id.value == "apache-2.0"


def test_a_routers_vendor_slug_names_an_api_family_never_a_hub_id_of_open_weights(kb):
    prov, _ = resolve(kb, ["anthropic/claude-3.5-sonnet", "deepseek-ai/DeepSeek-R1"], offline=True)
    claude = prov["anthropic/claude-3.5-sonnet"]
    assert (claude.origin_lab.value, claude.weights.value, claude.lineage.value) == ("anthropic", "api-only", "established")
    assert ("api_family", "anthropic-claude") in claude.details or any(k == "api_family" for k, _ in claude.details)
    r1 = prov["deepseek-ai/DeepSeek-R1"]
    assert not any(k == "api_family" for k, _ in r1.details)  # the Hub id of open weights, not the API


# -- hostile lineage (issue 14, items 4 and 10) ------------------------------------------------------


def _gguf_clique(root, n: int) -> list[str]:
    """``n`` small GGUF files, each naming every other as its base model."""
    import gguf

    ids = [f"evil/m{i}" for i in range(n)]
    (root / "models").mkdir(parents=True)
    for i, mid in enumerate(ids):
        w = gguf.GGUFWriter(str(root / "models" / f"m{i}.gguf"), "llama")
        w.add_string("general.source.huggingface.repository", mid)
        others = [o for o in ids if o != mid]
        w.add_uint32("general.base_model.count", len(others))
        for k, o in enumerate(others):
            w.add_string(f"general.base_model.{k}.repo_url", f"https://huggingface.co/{o}")
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_ti_data_to_file()
        w.close()
    return ids


def test_models_naming_each_other_offline_are_walked_once(kb, tmp_path):
    """Nine GGUF files naming each other as base models (9! paths between them): every model is
    resolved, its lineage cycle is shown once (not once per path), the rest is counted, and the
    graph and every report are built."""
    from sovaudit import api
    from sovaudit.report import write_all
    from sovaudit.resolve.provenance import MAX_CYCLES_SHOWN

    ids = _gguf_clique(tmp_path / "tree", 9)
    result = api.audit(api.AuditConfig(root=str(tmp_path / "tree"), offline=True, cache_dir="-", jobs=1))
    prov = {p.model_id: p for p in result.provenance}
    assert set(ids) <= set(prov)
    for mid in ids:
        cycles = [c.note for c in prov[mid].conflicts if c.note.startswith("lineage cycle")]
        assert 1 <= len(cycles) <= MAX_CYCLES_SHOWN + 1
        assert cycles[0].startswith(f"lineage cycle: {mid} -> ") and cycles[0].endswith(f" -> {mid}")
        assert len(prov[mid].parents) == 8
    (tmp_path / "out").mkdir()
    files = write_all(result, ["json", "sarif", "cyclonedx", "md"], str(tmp_path / "out"), 1)
    assert sorted(files) == ["cyclonedx", "json", "md", "sarif"]


def test_a_license_reached_through_a_cycle_carries_over(kb, monkeypatch):
    """x and y name each other; only y names a Llama base. x reaches the Llama license through
    the cycle, whichever of the two is walked first."""
    from fakehub import FakeHub, card

    models = {m["id"]: m for m in [
        card("cyc/x", "cyc", "mit", "cyc/y"),
        card("cyc/y", "cyc", "mit", ["cyc/x", "meta-llama/Llama-3.1-8B"]),
        card("meta-llama/Llama-3.1-8B", "meta-llama", "llama3.1"),
    ]}
    hub = FakeHub(models=models, behaviours={}).start()
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    try:
        for start in (["cyc/x"], ["cyc/y"], ["cyc/y", "cyc/x"]):
            prov, _ = resolve(kb, start)
            for mid in ("cyc/x", "cyc/y"):
                assert prov[mid].effective_license.value == "llama3.1", (start, mid)
                assert prov[mid].country.value == "US"
                assert any(c.note.startswith(f"lineage cycle: {mid} -> ") for c in prov[mid].conflicts)
    finally:
        hub.stop()


def test_a_long_chain_of_models_does_not_exhaust_the_stack(kb):
    """A chain of models each derived from the next, longer than Python's recursion limit: the
    resolver and the graph walk it without recursion."""
    import sys

    from sovaudit.graph.build import build_graph
    from sovaudit.model import ScanResult

    n = sys.getrecursionlimit() + 200
    ids = [f"chain/c{i}" for i in range(n)]
    prov = Resolver(kb, client(offline=True)).resolve(ids, _chain_artifacts(ids))
    by_id = {p.model_id: p for p in prov}
    assert [h.parent for h in by_id["chain/c0"].parents] == ["chain/c1"]
    sg = build_graph(ScanResult(".", "t", "r", (), (), provenance=prov), kb)
    assert f"model:chain/c{n - 1}" in sg.nodes and sg.out("model:chain/c0", "derived-from") == ("model:chain/c1",)
    # and nothing above a model is listed per model without bound: evidence, links and routes are capped
    from sovaudit.assess.exposure import LINEAGE_DEPTH, _lineage, _Walker
    from sovaudit.resolve.provenance import MAX_LINEAGE_EVIDENCE

    ev = by_id["chain/c0"].lineage.evidence
    assert len(ev) <= MAX_LINEAGE_EVIDENCE + 1 and any(e.detail.startswith("more lineage evidence") for e in ev)
    assert Evidence("artifact", "m/0.gguf:1") in ev  # its own hop first
    assert max(link.depth for link in _lineage("chain/c0", by_id)) == LINEAGE_DEPTH
    routes = _Walker(sg, kb).lineage("model:chain/c0")
    assert max(r.edges.count("derived-from") for r in routes) == LINEAGE_DEPTH
    assert routes and all(r.nodes[-1] == "jurisdiction:unknown" for r in routes)


def _chain_artifacts(ids: list[str]) -> dict:
    import itertools

    from sovaudit.model import Context, Kind, Reference

    return {mid: [Reference(Kind.MODEL, mid, mid, f"m/{i}.gguf", 1, 1, "weights", "gguf", Context.CONFIG, 1.0,
                            attributes=(("base_model", parent),))]
            for i, (mid, parent) in enumerate(itertools.pairwise(ids))}


# -- a hostile Hub (issue 14, items 6 and 21) ---------------------------------------------------------


def _hostile_hub(monkeypatch, behaviours=None, models=None, generate=None):
    from fakehub import FakeHub

    hub = FakeHub(models=models or {}, behaviours=behaviours or {}, generate=generate).start()
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    return hub


def test_a_trickling_answer_is_cut_at_the_total_deadline(kb, monkeypatch):
    """One byte every 0.3 s of a 200-byte answer would take a minute, and every read is well
    within the per-read timeout: the request's total deadline cuts it, once, and the breaker
    counts it."""
    from fakehub import Behaviour, card

    body = __import__("json").dumps(card("t/trickle", "t", "mit")).encode()
    hub = _hostile_hub(monkeypatch, {"t/trickle": Behaviour(200, {}, body[:200], trickle=0.3)})
    try:
        c = client(timeout=1.0)
        rec = c.fetch("t/trickle")
    finally:
        hub.stop()
    assert rec.status == "error" and rec.detail == "Hub response not complete within 1 s: cut"
    assert hub.requests["t/trickle"] == 1 and c._failures == 1


def test_trickled_headers_are_cut_too(kb, monkeypatch):
    from fakehub import Behaviour

    hub = _hostile_hub(monkeypatch, {"t/head": Behaviour(200, {}, None, trickle=0.2, head=True)})
    try:
        c = client(timeout=1.0, retries=3)
        rec = c.fetch("t/head")
    finally:
        hub.stop()
    # a request not answered in time is a timeout: retried until the breaker opens
    assert rec.status == "unreachable" and c.breaker_open and hub.requests["t/head"] == 2


def test_a_huge_answer_is_never_read_whole(kb, monkeypatch):
    from fakehub import Behaviour

    hub = _hostile_hub(monkeypatch, {"t/declared": Behaviour(200, {}, None, size=64 << 20),
                                     "t/chunked": Behaviour(200, {}, None, size=64 << 20, declare=False)})
    try:
        c = client(max_body=1 << 20, breaker_threshold=5)
        declared, chunked = c.fetch("t/declared"), c.fetch("t/chunked")
    finally:
        hub.stop()
    assert declared.status == "error" and declared.detail == f"Hub response of {64 << 20} bytes is over the 1048576-byte cap: not read"
    assert chunked.status == "error" and chunked.detail == "Hub response over the 1048576-byte cap: cut"
    assert c._failures == 2


def test_a_long_retry_after_is_not_waited_for_and_opens_the_breaker(kb, monkeypatch):
    from fakehub import Behaviour

    ids = [f"t/r{i}" for i in range(6)]
    hub = _hostile_hub(monkeypatch, {i: Behaviour(429, {"Retry-After": "3600"}, b'{"error":"rate"}') for i in ids})
    slept: list[float] = []
    try:
        prov, c = resolve(kb, ids, sleep=slept.append)
    finally:
        hub.stop()
    assert slept == [] and c.breaker_open
    assert sum(hub.requests.values()) <= 2 * HUB_CONCURRENCY and all(n == 1 for n in hub.requests.values())
    assert all(p.status == Status.UNVERIFIED for p in prov.values())
    assert any("Retry-After 3600 is over 5 s: not waited for" in p.reason for p in prov.values())


def test_answers_of_the_wrong_shape_are_malformed_and_keep_the_breaker_closed(kb, monkeypatch):
    from fakehub import Behaviour, card

    bodies = [b"[]", b'"x"', b"123", b"null", b'{"id": "a", "siblings": "x"}', b'{"id": "a", "createdAt": 5}',
              b'{"id": "a", "evalResults": "x"}', b'{"id": "a", "safetensors": {"parameters": 5}}',
              b'{"id": "a", "tags": 5}', b'{"id": "a", "transformersInfo": "x"}']
    beh = {f"s/m{i}": Behaviour(200, {}, b) for i, b in enumerate(bodies)}
    hub = _hostile_hub(monkeypatch, beh, {"s/good": card("s/good", "s", "mit")})
    try:
        c = client(breaker_threshold=2)
        recs = {i: c.fetch(i) for i in [*beh, "s/good"]}
    finally:
        hub.stop()
    assert not c.breaker_open and c._failures == 0
    assert {i: r.status for i, r in recs.items() if i != "s/good"} == dict.fromkeys(beh, "malformed")
    assert all(hub.requests[i] == 1 for i in beh)  # an answer is not retried
    assert recs["s/good"].status == "ok" and recs["s/good"].license == "mit"


def test_lineage_fan_out_is_capped(kb, monkeypatch):
    """Every answer names a dozen new base models: the look-ups stop at the ancestor cap and the
    lineage says what was not followed."""
    from sovaudit.resolve.provenance import MAX_ANCESTORS, MAX_PARENTS_FOLLOWED

    def fan(repo):
        return {"id": repo, "author": "fan", "tags": [f"base_model:finetune:{repo}-{k}" for k in range(12)]}

    hub = _hostile_hub(monkeypatch, generate=fan)
    try:
        prov, c = resolve(kb, ["fan/root"])
    finally:
        hub.stop()
    assert sum(hub.requests.values()) == c.calls <= 1 + MAX_ANCESTORS
    root = prov["fan/root"]
    assert len(root.parents) == 12 and root.lineage.value == "not-established"
    notes = [e.detail for e in root.lineage.evidence if e.source == "lineage"]
    assert any(f"names 12 base models, the first {MAX_PARENTS_FOLLOWED} are" in n for n in notes)
    assert any(f"more than {MAX_ANCESTORS} ancestors" in n for n in notes)


def _cache_run(kb, cache_dir, ids):
    cache = HubCache(cache_dir)
    try:
        return resolve(kb, ids, cache=cache)
    finally:
        cache.close()


def test_a_cache_of_another_schema_is_rebuilt(kb, fake_hub, tmp_path, caplog):
    import sqlite3

    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    conn = sqlite3.connect(cache_dir / "hub-v1.sqlite3")
    conn.execute("CREATE TABLE hub (a TEXT, b TEXT)")
    conn.commit()
    conn.close()
    with caplog.at_level(logging.WARNING):
        _cache_run(kb, cache_dir, ["Qwen/Qwen2.5-7B"])
    assert "hub table has columns" in caplog.text
    _, c = _cache_run(kb, cache_dir, ["Qwen/Qwen2.5-7B"])
    assert c.calls == 0  # the rebuilt cache answers


def test_a_cache_with_damaged_pages_is_rebuilt(kb, monkeypatch, tmp_path, caplog):
    """The header is valid and the first rows read well; pages further in are garbage."""
    import sqlite3

    from fakehub import FakeHub, card

    ids = [f"org/m{i}" for i in range(300)]
    hub = FakeHub(models={i: card(i, "org", "mit") for i in ids}, behaviours={}).start()
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    cache_dir = tmp_path / "cache"
    try:
        _cache_run(kb, cache_dir, ids)
        path = cache_dir / "hub-v1.sqlite3"
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.close()
        with open(path, "r+b") as fh:
            fh.seek(page * 10)
            fh.write(bytes(range(256)) * (3 * page // 256))
        with caplog.at_level(logging.WARNING):
            _cache_run(kb, cache_dir, ids[:5])
        assert "is corrupt" in caplog.text
        hub.requests.clear()
        _cache_run(kb, cache_dir, ids[:50])
        _, c = _cache_run(kb, cache_dir, ids[:50])
    finally:
        hub.stop()
    # the 5 rows written after the rebuild answer; the other 45 are asked once, then cached
    assert c.calls == 0 and sum(hub.requests.values()) == 45


def test_a_cache_row_of_the_wrong_shape_is_a_miss(kb, fake_hub, tmp_path):
    import json
    import sqlite3

    cache_dir = tmp_path / "cache"
    _cache_run(kb, cache_dir, ["Qwen/Qwen2.5-7B-Instruct"])
    conn = sqlite3.connect(cache_dir / "hub-v1.sqlite3")
    conn.execute("UPDATE hub SET record=?", (json.dumps({"repo_id": "Qwen/Qwen2.5-7B-Instruct", "status": "ok",
                                                           "base_model_tags": [["only-one"]]}),))
    conn.commit()
    conn.close()
    prov, c = _cache_run(kb, cache_dir, ["Qwen/Qwen2.5-7B-Instruct"])
    assert c.calls == 2  # both rows are misses: asked again
    assert [h.parent for h in prov["Qwen/Qwen2.5-7B-Instruct"].parents] == ["Qwen/Qwen2.5-7B"]


def test_a_lying_mirror_does_not_move_the_origin_of_known_namespaces(kb, monkeypatch):
    """Issue 14 item 18: a mirror claims Mistral's and Qwen's own releases are DeepSeek's and
    Meta's derivatives. The knowledge base's publisher facts win, the disagreement is a conflict,
    and a genuine cross-lab derivative (a lab's namespace, another lab's family) keeps its Hub
    parent."""
    from fakehub import MODELS, card

    models = dict(MODELS)
    models["mistralai/Mistral-7B-v0.3"] = card("mistralai/Mistral-7B-v0.3", "deepseek-ai", "mit", "deepseek-ai/DeepSeek-V3")
    models["Qwen/Qwen2.5-7B"] = card("Qwen/Qwen2.5-7B", "meta-llama", "apache-2.0", "meta-llama/Llama-3.1-8B")
    hub = _hostile_hub(monkeypatch, models=models)
    try:
        prov, _ = resolve(kb, ["mistralai/Mistral-7B-Instruct-v0.3", "nvidia/OpenReasoning-Qwen-7B",
                               "deepseek-ai/DeepSeek-R1-Distill-Llama-8B"])
    finally:
        hub.stop()
    mistral = prov["mistralai/Mistral-7B-Instruct-v0.3"]
    assert (mistral.origin_lab.value, mistral.country.value) == (lab(kb, "mistralai"), "FR")
    base = prov["mistralai/Mistral-7B-v0.3"]
    assert base.parents == () and (base.origin_lab.value, base.country.value) == (lab(kb, "mistralai"), "FR")
    (c,) = [c for c in base.conflicts if c.field == "lineage"]
    assert c.values[0].value == "deepseek-ai/DeepSeek-V3 (finetune)" and c.values[0].evidence[0].source == "hub"
    assert all(e.source == "rules" for e in c.values[1].evidence) and "the knowledge base's is used" in c.note
    (pc,) = [c for c in base.conflicts if c.field == "publisher"]
    assert [f.value for f in pc.values] == [lab(kb, "mistralai"), lab(kb, "deepseek-ai")]
    assert "deepseek-ai/DeepSeek-V3" not in prov  # a parent not used is not looked up
    qwen = prov["Qwen/Qwen2.5-7B"]
    assert qwen.parents == () and qwen.country.value == "CN" and any(c.field == "lineage" for c in qwen.conflicts)
    # nvidia's model of Qwen's family: the Hub's parent is consistent with the knowledge base
    nv = prov["nvidia/OpenReasoning-Qwen-7B"]
    assert [h.parent for h in nv.parents] == ["Qwen/Qwen2.5-7B-Instruct"] and nv.country.value == "CN"
    assert not [c for c in nv.conflicts if c.field in ("lineage", "publisher")]
    # a distill whose name holds the other lab's family keeps its cross-lab parent
    r1 = prov["deepseek-ai/DeepSeek-R1-Distill-Llama-8B"]
    assert "meta-llama/Llama-3.1-8B" in [h.parent for h in r1.parents] and r1.country.value == "CN,US"


def test_the_resolve_tree_draws_each_lineage_once(kb, monkeypatch):
    """``sovaudit resolve`` on models that all name each other (9! paths): each model's lineage
    is drawn once, later mentions point back to it."""
    from click.testing import CliRunner

    from sovaudit.cli import main

    from fakehub import card

    ids = [f"clique/m{i}" for i in range(9)]
    hub = _hostile_hub(monkeypatch, models={m: card(m, "clique", "mit", [o for o in ids if o != m]) for m in ids})
    try:
        res = CliRunner().invoke(main, ["resolve", "--no-cache", "clique/m0"], terminal_width=200)
    finally:
        hub.stop()
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert len(lines) < 400  # 9 models x 8 parents, not 9! paths
    assert sum("(its lineage is shown above)" in x for x in lines) > 0 and sum("(cycle)" in x for x in lines) > 0


def test_a_word_family_does_not_begin_a_longer_word(kb):
    """NVIDIA's TitaNet speaker model was inferred to be Amazon's (family Titan): Titan is one of
    the word_families that match a whole name token (or one with a version), not a prefix; other
    families still begin compound names (LlamaThink, KwaiCoder)."""
    r = Resolver(kb, client(offline=True))
    assert [lab.id for _p, _f, lab in r.families_in("speakerverification_en_titanet_large")] == []
    assert [lab.id for _p, _f, lab in r.families_in("titan-embed-text-v2")] == ["amazon"]
    assert [lab.id for _p, _f, lab in r.families_in("LlamaThink-8B-instruct")] == ["meta"]
    # Phi begins English words: Phind's CodeLlama is Meta's alone, a phishing classifier no one's
    assert [lab.id for _p, _f, lab in r.families_in("Phind-CodeLlama-34B-v2")] == ["meta"]
    assert [lab.id for _p, _f, lab in r.families_in("bert-finetuned-phishing-ONNX")] == []
    assert [[lab.id for _p, _f, lab in r.families_in(n)] for n in ("phi-2", "Phi-3.5-mini-instruct", "phi4:14b")] == [["microsoft"]] * 3


def test_an_id_named_only_on_another_hub_is_not_asked_of_the_hugging_face_hub(kb, fake_hub, tmp_path):
    """modelscope.cn/models/ORG/NAME: ModelScope's namespaces (iic, AI-ModelScope) are its own, so
    what the Hugging Face Hub says of the same string is another repository. A scan that names the
    id only there does not ask; one that also names it as a Hugging Face id does."""
    from sovaudit.detect.scan import scan
    from sovaudit.model import ScanConfig
    from sovaudit.resolve.provenance import other_hub_ids, resolve_scan

    (tmp_path / "models.md").write_text(
        "|[iic/gte_Qwen2-1.5B-instruct](https://modelscope.cn/models/iic/gte_Qwen2-1.5B-instruct)|\n"
        "|[qwen/Qwen2.5-7B-Instruct](https://modelscope.cn/models/Qwen/Qwen2.5-7B-Instruct)|\n")
    (tmp_path / "app.py").write_text('m = AutoModel.from_pretrained("Qwen/Qwen2.5-7B-Instruct")\n')
    result = scan(ScanConfig(root=str(tmp_path), cache_dir="-", jobs=1), kb)
    hubs = {(r.id, r.attribute("hub")) for r in result.references if r.kind.value == "model"}
    assert ("iic/gte_Qwen2-1.5B-instruct", "modelscope.cn") in hubs
    assert other_hub_ids(result) == {"iic/gte_Qwen2-1.5B-instruct"}
    c = client()
    prov = {p.model_id: p for p in resolve_scan(result, kb, c).provenance}
    assert "iic/gte_Qwen2-1.5B-instruct" not in fake_hub.requests
    assert fake_hub.requests.get("Qwen/Qwen2.5-7B-Instruct") == 1
    assert prov["iic/gte_Qwen2-1.5B-instruct"].model_id == "iic/gte_Qwen2-1.5B-instruct"
