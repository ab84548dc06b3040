"""Knowledge-base facts (issue #15): every entry is sourced, every cross-reference resolves, and each
corrected fact is checked where an audit reads it -- the resolver's answer (``Resolver`` offline, as
``sovaudit resolve --offline`` gives it), the provider a URL or name maps to, the regimes the
assessment attaches -- not only the YAML. ``rules/CHANGELOG.md`` lists every fact changed and its
source."""

from __future__ import annotations

import datetime as _dt
import re
from collections import defaultdict

import pytest

from sovaudit.assess.exposure import regimes_for
from sovaudit.model import Status
from sovaudit.resolve.hub import HubClient
from sovaudit.resolve.provenance import Resolver
from sovaudit.rules import shipped_rules_dir

#: the files whose facts this suite covers
FILES = ("providers.yaml", "labs.yaml", "api_models.yaml", "models.yaml", "licenses.yaml", "jurisdictions.yaml")


def offline(kb, *ids):
    """What ``sovaudit resolve ID --offline`` answers: no Hub request, rules only."""
    client = HubClient(offline=True)
    prov = {p.model_id: p for p in Resolver(kb, client).resolve(ids)}
    assert client.calls == 0
    return prov


def one(kb, mid):
    return offline(kb, mid)[mid]


def mine(kb, section):
    return [e for e in kb.section(section) if e.path in FILES]


# -- every entry is sourced ------------------------------------------------------------------------


def test_every_entry_and_every_regime_has_a_usable_source(kb):
    url = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
    for e in kb.entries:
        if e.path not in FILES:
            continue
        assert e.sources and all(url.match(s) for s in e.sources), f"{e.path}:{e.line} {e.id}"
        for r in e.get("regimes", []) or []:
            assert r.get("sources") and all(url.match(s) for s in r["sources"]), f"{e.id} regime {r['id']}"


def test_as_of_dates_are_not_in_the_future(kb):
    today = _dt.date.today()
    for e in kb.entries:
        a = e.get("as_of")
        if not a:
            continue
        y, m = int(str(a)[:4]), int(str(a)[5:7])
        assert (y, m) <= (today.year, today.month), f"{e.path}:{e.line} {e.id} as_of {a}"


def test_changelog_exists_and_is_dated():
    text = (shipped_rules_dir() / "CHANGELOG.md").read_text("utf-8")
    dates = re.findall(r"^## (\d{4}-\d{2}-\d{2})$", text, re.M)
    assert dates and dates == sorted(dates, reverse=True)
    assert "| Fact | Old value | New value | Source |" in text


# -- every cross-reference resolves ----------------------------------------------------------------


def test_api_model_references_resolve(kb):
    for am in kb.section("api_models"):
        where = f"{am.path}:{am.line} {am.id}"
        assert kb.get("providers", am.get("provider")) is not None, where
        assert kb.get("labs", am.get("lab")) is not None, where
        if am.get("license"):
            assert kb.license(am.get("license")) is not None, (where, am.get("license"))
        for hub_id in am.get("open_weights", []):
            assert kb.lab_for_namespace(hub_id.split("/", 1)[0]) is not None, (where, hub_id)


def test_model_references_resolve(kb):
    for m in kb.section("models"):
        where = f"{m.path}:{m.line} {m.id}"
        assert kb.get("labs", m.get("lab")) is not None, where
        if m.get("license"):
            assert kb.license(m.get("license")) is not None, where
        for pid in m.get("providers", []):
            assert kb.get("providers", pid) is not None, (where, pid)
        if "/" in m.id:  # a Hub id: its namespace is the lab's (or a namespace it renamed)
            assert kb.lab_for_namespace(m.id.split("/", 1)[0]) is kb.get("labs", m.get("lab")), where


def _looks_like_id(s: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9][a-z0-9.+-]*", s))


def test_lab_parents_and_provider_owners_that_are_ids_resolve(kb):
    # parent / owner are free text or an id; a bare lower-case id must name an entry
    for lab in mine(kb, "labs"):
        p = lab.get("parent")
        if p and _looks_like_id(p):
            assert kb.get("labs", p) is not None, (lab.id, p)
    for prov in mine(kb, "providers"):
        o = prov.get("owner")
        if o and _looks_like_id(o):
            assert kb.get("labs", o) is not None, (prov.id, o)


def test_license_aliases_and_ids_are_unique(kb):
    seen: dict[str, str] = {}
    for lic in kb.section("licenses"):
        for name in [lic.id] + list(lic.get("aliases", [])):
            assert name.lower() not in seen or seen[name.lower()] == lic.id, (name, seen.get(name.lower()), lic.id)
            seen[name.lower()] = lic.id


def test_identifiers_belong_to_one_provider_and_namespaces_to_one_lab(kb):
    for key, norm in (("python_packages", lambda s: re.sub(r"[-_.]+", "-", s).lower()), ("npm_packages", str.lower),
                      ("python_clients", str), ("js_clients", str), ("env_vars", str.upper),
                      ("litellm_prefixes", str.lower)):
        owners = defaultdict(set)
        for p in kb.section("providers"):
            for v in p.get(key, []):
                owners[norm(v)].add(p.id)
        assert not {v: o for v, o in owners.items() if len(o) > 1}, key
    ns = defaultdict(set)
    for lab in kb.section("labs"):
        for n in list(lab.get("hf_namespaces", [])) + list(lab.get("former_namespaces", [])):
            ns[n.lower()].add(lab.id)
    assert not {n: o for n, o in ns.items() if len(o) > 1}


def test_hosts_belong_to_one_provider(kb):
    owners = defaultdict(set)
    for p in kb.section("providers"):
        for bu in p.get("base_urls", []):
            host = re.sub(r"^https?://", "", bu["url"]).split("/", 1)[0].lower()
            owners[host].add(p.id)
    assert not {h: o for h, o in owners.items() if len(o) > 1}


def test_validate_rejects_an_unknown_api_model_license(tmp_path):
    from sovaudit.rules import RulesError, load_knowledge_base

    (tmp_path / "mine.yaml").write_text(
        "section: api_models\nentries:\n  - id: fam\n    patterns: [fam-*]\n    provider: openai\n    lab: openai\n"
        "    weights: downloadable\n    license: no-such-license\n    sources: [https://example.org/fam]\n", encoding="utf-8")
    with pytest.raises(RulesError) as ei:
        load_knowledge_base([tmp_path])
    assert "no-such-license" in str(ei.value)


# -- jurisdictions: one meaning of `year`, the regimes an auditor cites ----------------------------


def _regime(kb, j, rid):
    hits = [r for r in regimes_for(kb, j) if r.id == rid]
    assert hits, (j, rid, [r.id for r in regimes_for(kb, j)])
    return hits[0]


@pytest.mark.parametrize("j, rid, year", [
    ("CN", "cn-cybersecurity-law", 2016),
    ("CN", "cn-algorithm-recommendation", 2021),
    ("CN", "cn-deep-synthesis", 2022),
    ("DE", "de-bdsg", 2017),
    ("CH", "ch-revfadp", 2020),
    ("CH", "ch-intelligence-service-act", 2015),
])
def test_regime_years_are_adoption_years(kb, j, rid, year):
    r = _regime(kb, j, rid)
    assert r.year == year
    assert "in force" in r.effect or "applies since" in r.effect.lower()


def test_the_combined_chinese_algorithm_regime_is_split(kb):
    assert "cn-algorithm-deep-synthesis" not in {r.id for r in regimes_for(kb, "CN")}


@pytest.mark.parametrize("j, rid, kind", [
    ("US", "us-stored-communications-act", "data"),
    ("US", "us-icts-eo-13873", "supply"),
    ("US", "us-outbound-investment", "supply"),
    ("US", "us-ndaa-889", "supply"),
    ("CN", "cn-counter-espionage-law", "data"),
    ("CN", "cn-cross-border-data-rules", "data"),
    ("CN", "cn-anti-foreign-sanctions-law", "supply"),
    ("EU", "eu-dora", "supply"),
    ("EU", "eu-cyber-resilience-act", "supply"),
    ("FR", "fr-secnumcloud", "data"),
    ("DE", "de-bsi-c5", "data"),
    ("GB", "gb-us-data-access-agreement", "data"),
    ("RU", "ru-149-fz-information", "data"),
    ("RU", "ru-187-fz-cii", "supply"),
    ("RU", "ru-236-fz-landing", "supply"),
])
def test_the_laws_an_auditor_cites_are_attached(kb, j, rid, kind):
    assert rid in {r.id for r in regimes_for(kb, j, kind)}


def test_entity_list_regime_names_the_listings_with_their_rules(kb):
    r = _regime(kb, "US", "us-entity-list")
    for name in ("Huawei", "Sugon", "iFlytek", "SenseTime", "SMIC", "Biren", "Moore Threads", "Zhipu", "Sophgo",
                 "Beijing Academy of AI"):
        assert name in r.effect, name
    e = kb.get("jurisdictions", "US")
    (raw,) = [x for x in e.get("regimes") if x["id"] == "us-entity-list"]
    assert all(s.startswith(("https://www.federalregister.gov/d/", "https://www.ecfr.gov/")) for s in raw["sources"])


# -- licences ------------------------------------------------------------------------------------


def test_grok2_api_names_resolve_to_the_renamed_xai_community_license(kb):
    p = one(kb, "grok-2-1212")
    assert (p.origin_lab.value, p.country.value, p.weights.value) == ("xai", "US", "downloadable")
    lic = kb.license(p.license_id.value)
    assert lic is not None and lic.id == "xai-community-license" and lic.get("name").startswith("xAI Community License Agreement")
    assert p.license_class.value == "custom-restrictive"
    assert kb.license("grok2-community").id == kb.license("grok-2-community-license").id == "xai-community-license"


def test_kimi_k3_has_a_license_of_its_own_with_a_model_as_a_service_condition(kb):
    k3 = kb.license("kimi-k3-license")
    assert k3 is not None and k3.get("class") == "custom-restrictive"
    cap = [c["text"] for c in k3.get("clauses") if c["kind"] == "user-cap"]
    assert len(cap) == 1 and "Model-as-a-Service" in cap[0] and "US$20 million" in cap[0]
    mm = kb.license("modified-mit")
    assert not any("K3" in c["text"] for c in mm.get("clauses")), "the Kimi K3 terms are not modified MIT"


def test_devstral_2_modified_mit_has_a_hard_revenue_bar(kb):
    lic = kb.license("mistral-modified-mit")
    (cap,) = [c["text"] for c in lic.get("clauses") if c["kind"] == "user-cap"]
    assert "US$20 million" in cap and "No rights" in cap
    assert lic.id != kb.license("modified-mit").id


# -- labs: authors that trained their own weights are their origin; new labs -----------------------


@pytest.mark.parametrize("mid, lab, country", [
    ("openbmb/MiniCPM-V-2_6", "openbmb", "CN"),
    ("bigcode/starcoder2-15b", "bigcode", "US"),
    ("bigscience/bloom", "bigscience", "US"),
    ("OpenLLM-France/Lucie-7B", "openllm-france", "FR"),
])
def test_community_authors_of_their_own_weights_are_the_origin(kb, mid, lab, country):
    p = one(kb, mid)
    assert (p.publisher.value, p.publisher_country.value) == (lab, country)
    assert (p.origin_lab.value, p.country.value, p.status) == (lab, country, Status.RESOLVED)


@pytest.mark.parametrize("mid, lab, country", [
    ("sensenova/SenseNova-U1-8B-MoT", "sensetime", "HK"),
    ("Tele-AI/TeleChat2-7B", "teleai", "CN"),
    ("jdopensource/JoyAI-Image-Edit-Plus-Diffusers", "jd", "CN"),
    ("huawei-noah/TinyBERT_General_4L_312D", "huawei", "CN"),
    ("AIDC-AI/Ovis2.5-9B", "aidc-ai", "CN"),
    ("EleutherAI/pythia-70m", "eleutherai", "US"),
    ("kyutai/moshiko-pytorch-bf16", "kyutai", "FR"),
    ("MBZUAI/geochat-7B", "mbzuai", "AE"),
    ("MBZUAI-Paris/Atlas-Chat-9B", "mbzuai", "AE"),
    ("K-intelligence/Midm-2.0-Base-Instruct", "kt", "KR"),
    ("sbintuitions/sarashina2.2-3b-instruct-v0.1", "sb-intuitions", "JP"),
    ("krutrim-ai-labs/Krutrim-2-instruct", "krutrim", "IN"),
    ("ai-sage/GigaChat3-10B-A1.8B", "sber", "RU"),
])
def test_new_lab_namespaces_resolve_offline(kb, mid, lab, country):
    p = one(kb, mid)
    assert (p.publisher.value, p.publisher_country.value, p.origin_lab.value, p.country.value) == (lab, country, lab, country)


def test_red_hat_ai_is_a_republisher_so_the_origin_comes_from_lineage(kb):
    p = one(kb, "RedHatAI/Llama-3.3-70B-Instruct-quantized.w8a8")
    assert (p.publisher.value, p.publisher_country.value) == ("redhat-ai", "US")
    assert p.status != Status.RESOLVED or p.origin_lab.value != "redhat-ai"  # never the re-publisher itself
    assert kb.lab_for_namespace("neuralmagic").id == "redhat-ai"


def test_entity_list_status_of_labs_names_its_federal_register_rule(kb):
    for lab, doc in (("huawei", "2019-10616"), ("iflytek", "2019-22210"), ("sensetime", "2019-22210"),
                     ("zhipu", "2025-00704"), ("baai", "2025-05427")):
        e = kb.get("labs", lab)
        assert "Entity List" in e.get("notes") and any(s.endswith(doc) for s in e.sources), lab


# -- providers: hosts that were "unknown", per-endpoint data locations, new providers ---------------


def _endpoint_country(kb, url):
    """The provider a URL maps to and the country its matching base URL states (None: not stated)."""
    from urllib.parse import urlsplit
    p = kb.provider_for_url(url)
    host = urlsplit(url).hostname
    countries = {bu.get("country") for bu in (p.get("base_urls", []) if p else []) if urlsplit(bu["url"]).hostname == host}
    return (p.id if p else None), (countries.pop() if len(countries) == 1 else None)


@pytest.mark.parametrize("url, provider", [
    ("https://contoso.openai.azure.us/openai/deployments/gpt-4o/chat/completions", "azure-openai"),
    ("https://my-endpoint.eastus2.inference.ml.azure.com/score", "azure-ai-foundry"),
    ("https://vpce-0123abcd-xyz.bedrock-runtime.eu-central-1.vpce.amazonaws.com", "bedrock"),
    ("https://maas-api.ml-platform-cn-beijing.volces.com/api/v2/endpoint/x/chat", "volcengine-ark"),
    ("https://api.jina.ai/v1/embeddings", "jina"),
    ("https://r.jina.ai/https://example.org", "jina"),
    ("https://api.xiaomimimo.com/v1/chat/completions", "xiaomi-mimo"),
    ("https://token-plan-ams.xiaomimimo.com/v1", "xiaomi-mimo"),
    ("https://api.stepfun.com/v1/chat/completions", "stepfun"),
    ("https://api.lingyiwanwu.com/v1", "01-ai"),
    ("https://api.01.ai/v1", "01-ai"),
    ("https://api.baichuan-ai.com/v1/chat/completions", "baichuan"),
    ("https://spark-api-open.xf-yun.com/v2/chat/completions", "iflytek-spark"),
    ("https://api.sensenova.cn/compatible-mode/v1", "sensenova"),
    ("https://api.llama.com/v1/chat/completions", "meta-llama-api"),
    ("https://api.upstage.ai/v1/solar", "upstage"),
    ("https://api.sarvam.ai/v1/chat/completions", "sarvam"),
    ("https://clovastudio.stream.ntruss.com/v3/chat-completions/HCX-005", "clova-studio"),
    ("https://api.eu1.bfl.ai/v1/get_result?id=1", "black-forest-labs"),
    ("https://api.voyageai.com/v1/embeddings", "voyage"),
    ("https://ai-gateway.vercel.sh/v1/chat/completions", "vercel-ai-gateway"),
    ("https://inference.api.nscale.com/v1/chat/completions", "nscale"),
])
def test_hosts_map_to_their_provider(kb, url, provider):
    p = kb.provider_for_url(url)
    assert p is not None and p.id == provider, (url, p and p.id)


def test_unrelated_hosts_of_the_same_companies_are_not_claimed(kb):
    for url in ("https://login.microsoftonline.com/", "https://s3.eu-central-1.amazonaws.com/bucket",
                "https://www.volcengine.com/docs/82379", "https://jina.ai/embeddings/", "https://www.mi.com/",
                "https://api.cloudflare.com/client/v4/accounts/x/ai/run/@cf/meta/llama-3-8b-instruct"):
        assert kb.provider_for_url(url) is None, url


@pytest.mark.parametrize("url, provider, country", [
    ("https://dashscope.aliyuncs.com/compatible-mode/v1", "dashscope", "CN"),
    ("https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "dashscope", "SG"),
    ("https://dashscope-us.aliyuncs.com/compatible-mode/v1", "dashscope", "US"),
    ("https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1", "dashscope", "HK"),
    ("https://eu.api.openai.com/v1", "openai", None),          # a region, not a country
    ("https://jp.api.openai.com/v1", "openai", "JP"),
    ("https://api.openai.com/v1", "openai", None),             # global: no location stated
    ("https://ark.ap-southeast.bytepluses.com/api/v3", "byteplus-modelark", "SG"),
    ("https://api.01.ai/v1", "01-ai", None),                   # not documented: left unstated
])
def test_per_endpoint_data_locations(kb, url, provider, country):
    assert _endpoint_country(kb, url) == (provider, country)


def test_dashscope_says_what_its_region_country_means(kb):
    notes = kb.get("providers", "dashscope").get("notes")
    assert "stored" in notes and "Global" in notes


@pytest.mark.parametrize("kind, name, provider", [
    ("env", "NSCALE_API_KEY", "nscale"),
    ("env", "VOYAGE_API_KEY", "voyage"),
    ("env", "JINA_API_KEY", "jina"),
    ("env", "LLAMA_API_KEY", "meta-llama-api"),
    ("env", "UPSTAGE_API_KEY", "upstage"),
    ("env", "SARVAM_API_KEY", "sarvam"),
    ("env", "CLOVASTUDIO_API_KEY", "clova-studio"),
    ("env", "BFL_API_KEY", "black-forest-labs"),
    ("env", "STEPFUN_API_KEY", "stepfun"),
    ("env", "YI_API_KEY", "01-ai"),
    ("env", "BAICHUAN_API_KEY", "baichuan"),
    ("env", "SENSENOVA_API_KEY", "sensenova"),
    ("env", "MIMO_API_KEY", "xiaomi-mimo"),
    ("litellm", "nscale", "nscale"),
    ("litellm", "voyage", "voyage"),
    ("litellm", "jina_ai", "jina"),
    ("litellm", "meta_llama", "meta-llama-api"),
    ("litellm", "vercel_ai_gateway", "vercel-ai-gateway"),
    ("litellm", "cloudflare", "cloudflare-workers-ai"),
    ("litellm", "black_forest_labs", "black-forest-labs"),
    ("python", "voyageai", "voyage"),
    ("python", "langchain-upstage", "upstage"),
    ("python", "langchain-naver", "clova-studio"),
    ("python", "sarvamai", "sarvam"),
    ("python", "llama-api-client", "meta-llama-api"),
    ("npm", "@ai-sdk/gateway", "vercel-ai-gateway"),
    ("npm", "workers-ai-provider", "cloudflare-workers-ai"),
    ("client", "ChatYi", "01-ai"),
    ("client", "ChatSparkLLM", "iflytek-spark"),
    ("client", "ChatBaichuan", "baichuan"),
    ("client", "ChatClovaX", "clova-studio"),
    ("client", "ChatCloudflareWorkersAI", "cloudflare-workers-ai"),
    ("client", "VoyageAIEmbeddings", "voyage"),
])
def test_new_provider_identifiers(kb, kind, name, provider):
    hit = {"env": kb.provider_for_env, "litellm": kb.provider_for_litellm_prefix, "client": kb.provider_for_client,
           "python": lambda n: kb.package(n, "python"), "npm": lambda n: kb.package(n, "npm")}[kind](name)
    assert hit is not None and hit.id == provider, (kind, name, hit and hit.id)


def test_voyage_and_cohere_reranker_names_do_not_overlap(kb):
    import fnmatch
    pats = {p: kb.get("providers", p).get("model_patterns") for p in ("cohere", "voyage")}
    for name, owner in (("rerank-2", "voyage"), ("rerank-2.5", "voyage"), ("rerank-2-lite", "voyage"),
                        ("rerank-lite-1", "voyage"), ("voyage-3.5", "voyage"), ("rerank-v3.5", "cohere"),
                        ("rerank-v4.0-pro", "cohere"), ("rerank-english-v3.0", "cohere")):
        owners = {p for p, ps in pats.items() if any(fnmatch.fnmatchcase(name, x) for x in ps)}
        assert owners == {owner}, (name, owners)


def test_model_patterns_do_not_match_ordinary_words(kb):
    import fnmatch
    words = ("rerank", "voyage", "step", "solar", "flux", "llama", "gateway", "model", "chat", "embedding", "mimo",
             "sarvam", "yi", "spark", "pro", "lite", "max")
    for p in mine(kb, "providers"):
        for pat in p.get("model_patterns", []):
            for w in words:
                assert not fnmatch.fnmatchcase(w, pat), (p.id, pat, w)


def test_provider_env_vars_do_not_make_ordinary_url_variables_ai_endpoints(kb):
    # a URL variable is an AI endpoint only when its host or its whole name belongs to a provider:
    # ordinary words shared with some provider's variable names (APP, SPARK, GATEWAY, AWS...) are not enough
    from sovaudit.detect import lexer_for
    from sovaudit.model import Kind
    names = ("APP", "SPARK", "GATEWAY", "STEP", "AMAZON", "AWS", "NCP", "XIAOMI", "NOVA", "CLOUDFLARE", "VERCEL",
             "META", "MODEL", "SERVICE")
    text = "".join(f"{w}_BASE_URL=https://{w.lower()}.internal.example/v1\n" for w in names)
    # the controls: a provider's own URL variable is read for its value (an OpenAI-compatible server
    # here, no provider), its key variable names the provider
    text += "OPENAI_BASE_URL=http://vllm:8000/v1\nOPENAI_API_KEY=sk-placeholder\n"
    refs, skips = lexer_for(kb).analyse(".env", text.encode())
    assert skips == []
    assert [(r.id, r.line, r.provider) for r in refs if r.kind == Kind.ENDPOINT] == [
        ("http://vllm:8000/v1", len(names) + 1, ""), ("openai", len(names) + 2, "openai")]


# -- api_models and the catalogue: gating, Mistral Large ids, Kimi, DeepSeek, hosts of 2025-2026 -----


def _v(fact):
    return fact.value if fact.known else None


def _answer(kb, mid):
    p = one(kb, mid)
    return (_v(p.origin_lab), _v(p.country), _v(p.weights), _v(p.license_id), _v(p.provider))


@pytest.mark.parametrize("mid", [
    "mistralai/Mistral-7B-Instruct-v0.3", "mistralai/Mixtral-8x7B-Instruct-v0.1", "mistralai/Mistral-Nemo-Instruct-2407",
    "mistralai/Mistral-Small-3.1-24B-Instruct-2503", "mistralai/Magistral-Small-2506",
    "CohereLabs/c4ai-command-r-08-2024", "CohereLabs/c4ai-command-a-03-2025",
])
def test_mistral_and_cohere_hub_repos_are_gated(kb, mid):
    p = one(kb, mid)
    assert p.weights.value == "gated" and p.status == Status.RESOLVED


@pytest.mark.parametrize("name", ["open-mistral-nemo", "mistral-small-2506", "c4ai-aya-expanse-32b", "command-r-08-2024"])
def test_api_names_of_gated_weights_say_gated(kb, name):
    assert one(kb, name).weights.value == "gated"


def test_api_family_and_catalogue_agree_on_weights_and_license(kb):
    for am in kb.section("api_models"):
        for hub_id in am.get("open_weights", []):
            m = kb.catalog_model(hub_id)
            if m is None:
                continue
            assert m.get("weights") == am.get("weights"), (am.id, hub_id)
            if am.get("license") and m.get("license"):
                assert kb.license(am.get("license")).id == kb.license(m.get("license")).id, (am.id, hub_id)


def test_the_old_cohere_namespace_id_is_gone_from_the_catalogue(kb):
    assert kb.catalog_model("CohereForAI/c4ai-command-r-08-2024") is None
    assert kb.catalog_model("CohereLabs/c4ai-command-r-08-2024").get("weights") == "gated"
    assert kb.lab_for_namespace("CohereForAI").id == "cohere"  # a renamed namespace still resolves


@pytest.mark.parametrize("name, weights, license_id", [
    ("mistral-large-2402", "api-only", None),
    ("mistral-large-2407", "gated", "mrl"),
    ("mistral-large-2411", "gated", "mrl"),
    ("mistral-large-2512", "gated", "apache-2.0"),
    ("mistral-large-latest", "gated", None),   # a moving alias: the licence depends on the date
    ("devstral-2512", "gated", "mistral-modified-mit"),
    ("devstral-small-2507", "gated", None),
])
def test_mistral_large_ids_are_told_apart(kb, name, weights, license_id):
    assert _answer(kb, name) == ("mistral", "FR", weights, license_id, "mistral")


@pytest.mark.parametrize("name, license_id", [
    ("kimi-k2-0905-preview", "modified-mit"), ("kimi-k2-thinking", "modified-mit"), ("kimi-k2.5", "modified-mit"),
    ("kimi-k2.6", "modified-mit"), ("kimi-k3", "kimi-k3-license"), ("moonshotai/Kimi-K3", "kimi-k3-license"),
    ("moonshotai/Kimi-K2.5", "modified-mit"),
])
def test_kimi_generations_have_their_own_licences(kb, name, license_id):
    p = one(kb, name)
    assert (p.origin_lab.value, p.country.value, p.weights.value, p.license_id.value) == ("moonshot", "CN", "downloadable", license_id)


def test_deepseek_current_api_ids_and_v4_1_weights(kb):
    assert _answer(kb, "deepseek-flash") == ("deepseek", "CN", "downloadable", "mit", "deepseek")
    p = one(kb, "deepseek-flash")
    assert "deepseek-ai/DeepSeek-V4.1-Flash" in dict(p.details)["open_weights"]
    assert "deepseek-ai/DeepSeek-V4.1-Flash" in dict(one(kb, "deepseek-v4-flash").details)["open_weights"]
    for hub_id in ("deepseek-ai/DeepSeek-V4.1-Flash", "deepseek-ai/DeepSeek-V4-Pro", "deepseek-ai/DeepSeek-V3.1"):
        p = one(kb, hub_id)
        assert (p.origin_lab.value, p.license_id.value, p.license_class.value) == ("deepseek", "mit", "permissive"), hub_id
    # the retired moving aliases served checkpoints under two licences: none is claimed
    assert not one(kb, "deepseek-chat").license_id.known


@pytest.mark.parametrize("mid", ["deepseek-ai/DeepSeek-R1-Distill-Llama-70B", "nvidia/Llama-3_3-Nemotron-Super-49B-v1"])
def test_llama_derived_weights_carry_the_llama_licence(kb, mid):
    p = one(kb, mid)
    assert (p.license_id.value, p.license_class.value) == ("llama3.3", "custom-restrictive")


@pytest.mark.parametrize("name, provider", [
    ("amazon.nova-pro-v1:0", "bedrock"),
    ("us.amazon.nova-lite-v1:0", "bedrock"),
    ("eu.amazon.nova-micro-v1:0", "bedrock"),
    ("amazon.nova-2-lite-v1:0", "bedrock"),
    ("amazon.nova-canvas-v1:0", "bedrock"),
    ("amazon.titan-embed-text-v2:0", "bedrock"),
    ("nova-micro-v1", "amazon-nova-api"),
])
def test_amazon_nova_and_titan_resolve(kb, name, provider):
    p = one(kb, name)
    assert (p.origin_lab.value, p.country.value, p.weights.value, p.provider.value, p.status) == \
        ("amazon", "US", "api-only", provider, Status.RESOLVED)


def test_deepgram_nova_speech_models_are_not_amazon(kb):
    for name in ("nova-2", "nova-3"):
        assert one(kb, name).origin_lab.value != "amazon"


@pytest.mark.parametrize("name, lab", [
    ("models/embedding-001", "google"), ("models/text-embedding-004", "google"), ("models/gemini-embedding-001", "google"),
    ("models/gemini-2.0-flash", "google"), ("models/gemini-1.5-pro", "google"),
])
def test_gemini_resource_names_resolve_without_the_hub(kb, name, lab):
    p = one(kb, name)
    assert (p.origin_lab.value, p.provider.value, p.weights.value, p.status) == (lab, "gemini", "api-only", Status.RESOLVED)


@pytest.mark.parametrize("name, provider", [("gpt-oss-120b", "openai"), ("gpt-oss-20b", "openai"),
                                            ("gpt-oss:20b", "openai"), ("openai.gpt-oss-120b-1:0", "bedrock")])
def test_bare_gpt_oss_names_resolve_directly(kb, name, provider):
    p = one(kb, name)
    assert (p.origin_lab.value, p.country.value, p.weights.value, p.license_id.value, p.provider.value) == \
        ("openai", "US", "downloadable", "apache-2.0", provider)
    assert p.status == Status.RESOLVED and not p.reason.startswith("origin inferred")


@pytest.mark.parametrize("name, lab", [("rerank-2", "voyage-ai"), ("rerank-2.5-lite", "voyage-ai"), ("voyage-3.5", "voyage-ai"),
                                       ("voyage-4-large", "voyage-ai"), ("rerank-v3.5", "cohere"),
                                       ("rerank-v4.0-pro", "cohere"), ("rerank-english-v3.0", "cohere")])
def test_reranker_names_resolve_to_their_own_lab(kb, name, lab):
    assert one(kb, name).origin_lab.value == lab


def test_voyage_open_weights_are_told_apart(kb):
    assert one(kb, "voyage-4-nano").weights.value == "downloadable"
    assert one(kb, "voyage-4").weights.value == "api-only"


@pytest.mark.parametrize("mid, license_id", [
    ("mistralai/Mistral-Large-3-675B-Instruct-2512", "apache-2.0"),
    ("mistralai/Devstral-2-123B-Instruct-2512", "mistral-modified-mit"),
    ("mistralai/Devstral-Small-2-24B-Instruct-2512", "apache-2.0"),
    ("moonshotai/Kimi-K2.6", "modified-mit"),
    ("deepseek-ai/DeepSeek-V4-Flash", "mit"),
    ("Qwen/Qwen3-235B-A22B-Instruct-2507", "apache-2.0"),
    ("Qwen/Qwen3-30B-A3B-Instruct-2507", "apache-2.0"),
    ("Qwen/Qwen3.5-397B-A17B", "apache-2.0"),
    ("zai-org/GLM-5", "mit"),
])
def test_new_generations_are_in_the_catalogue_and_resolve_offline(kb, mid, license_id):
    m = kb.catalog_model(mid)
    assert m is not None and m.sources[0] == f"https://huggingface.co/{mid}"
    assert one(kb, mid).license_id.value == license_id


def test_api_model_patterns_are_disjoint_for_the_names_this_issue_touched(kb):
    import fnmatch
    names = ["mistral-large-2402", "mistral-large-2512", "mistral-large-latest", "devstral-2512", "kimi-k2.5", "kimi-k3",
             "deepseek-flash", "deepseek-v4-flash", "nova-pro-v1:0", "nova-2-lite-v1", "titan-embed-text-v2:0",
             "models/embedding-001", "models/gemini-2.5-pro", "gpt-oss-120b", "rerank-2", "rerank-v3.5", "voyage-4-nano",
             "voyage-4", "grok-2-1212"]
    for n in names:
        fams = [am.id for am in kb.section("api_models")
                if any(fnmatch.fnmatchcase(n.lower(), p.lower()) for p in am.get("patterns", []))]
        assert len(fams) == 1, (n, fams)
