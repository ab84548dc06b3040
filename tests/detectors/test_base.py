"""parse_model_string and the URL helpers shared by every detector."""

from __future__ import annotations

import pytest

from sovaudit.detect.recognise import parse_model_string


@pytest.mark.parametrize(
    "url",
    [
        "https://huggingface.co/datasets/HuggingFaceFW/fineweb",
        "https://huggingface.co/spaces/gradio/chatbot",
        "https://huggingface.co/docs/transformers/index",
        "https://huggingface.co/blog/llama3",
        "https://huggingface.co/papers/2401.12345",
        "https://huggingface.co/collections/meta-llama/llama-32-66f448ffc8c32f949b04c8cf",
        "https://huggingface.co/settings/tokens",
        "https://huggingface.co/organizations/acme/settings",
        "https://hf.co/chat/assistant/65f",
        "https://huggingface.co/learn/nlp-course",
        "https://huggingface.co/tasks/text-generation",
        "https://huggingface.co/Docs/transformers",
    ],
)
def test_hub_site_pages_are_not_models(kb, url):
    assert parse_model_string(url, kb, "") is None


@pytest.mark.parametrize(
    "url, mid",
    [
        ("https://huggingface.co/meta-llama/Llama-3.1-8B/tree/main", "meta-llama/Llama-3.1-8B"),
        ("https://huggingface.co/models/Qwen/Qwen2-7B", "Qwen/Qwen2-7B"),
        ("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF", "bartowski/Llama-3.2-1B-Instruct-GGUF"),
        ("https://huggingface.co/papers-org/model", "papers-org/model"),  # only exact site sections
    ],
)
def test_hub_model_urls(kb, url, mid):
    ms = parse_model_string(url, kb, "")
    assert ms is not None and (ms.id, ms.form) == (mid, "hf-uri")


@pytest.mark.parametrize("raw,mid,prefix,known_namespace", [
    ("hosted_vllm/Qwen/Qwen2.5-Coder-32B-Instruct", "Qwen/Qwen2.5-Coder-32B-Instruct", "hosted_vllm", True),
    ("lm_studio/bartowski/Llama-3.2-3B-Instruct-GGUF", "bartowski/Llama-3.2-3B-Instruct-GGUF", "lm_studio", True),
    ("lm_studio/someone/Llama-3.2-3B-Instruct-GGUF", "someone/Llama-3.2-3B-Instruct-GGUF", "lm_studio", False),
])
def test_litellm_route_the_kb_does_not_list(kb, raw, mid, prefix, known_namespace):
    """Under the LiteLLM hint an unknown route prefix before a Hub id still yields the Hub id; under
    a plain model key (a LiteLLM config's ``model:``) only when the Hub namespace is a known
    publisher's, which no other path-like string could be."""
    ms = parse_model_string(raw, kb, "litellm")
    assert (ms.id, ms.form, ms.provider, ms.attributes) == (mid, "litellm", "", {"litellm_prefix": prefix})
    under_key = parse_model_string(raw, kb, "model")
    assert (under_key.id if under_key else None) == (mid if known_namespace else None)


@pytest.mark.parametrize("raw", ["anthropic/claude-3.5-sonnet", "openai/gpt-4o", "deepseek/deepseek-chat"])
def test_api_client_model_ids_are_kept_as_written(kb, raw):
    """Under the "api" hint (the model argument of an API client, e.g. an OpenRouter client) a
    provider-looking prefix is part of the provider's own id: no LiteLLM prefix stripping."""
    ms = parse_model_string(raw, kb, "api")
    assert ms is not None and ms.id == raw and ms.form != "litellm" and ms.provider == ""
    lite = parse_model_string(raw, kb, "litellm")
    assert lite is not None and lite.form == "litellm" and lite.id == raw.split("/", 1)[1]


@pytest.mark.parametrize("url", [
    "https://hf.co/cli/install.ps1",
    "https://huggingface.co/front/assets/huggingface_logo-noborder.svg",
    "https://huggingface.co/buckets/user/my-bucket",
])
def test_hub_site_assets_are_not_models(kb, url):
    assert parse_model_string(url, kb, "") is None


@pytest.mark.parametrize("url, mid", [
    ("https://huggingface.co/bert-base-cased/resolve/main/config.json", "bert-base-cased"),
    ("https://huggingface.co/gpt2/blob/main/README.md", "gpt2"),
])
def test_legacy_canonical_repo_urls(kb, url, mid):
    ms = parse_model_string(url, kb, "")
    assert ms is not None and (ms.id, ms.form) == (mid, "hf-uri")


@pytest.mark.parametrize("raw", ["tokenizer.ggml.model", "transformers.AutoModel", "auth.User", "torch.nn"])
def test_dotted_python_paths_are_not_model_names(kb, raw):
    for hint in ("model", "api", "hf"):
        assert parse_model_string(raw, kb, hint) is None


@pytest.mark.parametrize("raw", ["gpt-3.5-turbo", "llama3.1", "qwen2.5", "amazon.titan-embed-text-v2:0"])
def test_dotted_model_names_still_parse(kb, raw):
    assert parse_model_string(raw, kb, "model") is not None


@pytest.mark.parametrize("raw", ["gpt2", "bert-base-uncased", "t5-small", "distilgpt2"])
def test_bare_legacy_hub_ids_under_the_hf_hint(kb, raw):
    ms = parse_model_string(raw, kb, "hf")
    assert ms is not None and (ms.id, ms.form) == (raw, "hf")


@pytest.mark.parametrize("raw", ["output_qwen_merged", "my_finetuned_model", "outputs", "checkpoint", "merged"])
def test_bare_local_folder_names_are_not_hub_ids(kb, raw):
    """from_pretrained("output_qwen_merged") loads a local folder: legacy canonical ids have no underscore."""
    assert parse_model_string(raw, kb, "hf") is None


def test_fake_and_mock_names_are_placeholders(kb):
    """Found scanning vllm-project/production-stack tests: model="fake_model_name"."""
    from sovaudit.detect.recognise import parse_model_string

    assert parse_model_string("fake_model_name", kb, "api") is None
    assert parse_model_string("mock-model", kb, "model") is None
    assert parse_model_string("gpt-4o-mini", kb, "api") is not None
