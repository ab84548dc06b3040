"""PythonDetector: models, endpoints and packages in Python source, with the provider attributed per
call, constant propagation, free text (comments, docstrings) and the line-scanner fallback."""

from __future__ import annotations

import textwrap

import pytest

from sovaudit.detectors.base import SourceFile
from sovaudit.detectors.python import PythonDetector, model_name_hint
from sovaudit.model import Context, Kind, Location
from sovaudit.rules import load_knowledge_base

DET = PythonDetector()
M, E, P = Kind.MODEL, Kind.ENDPOINT, Kind.PACKAGE
CODE, DOCS, COMMENT = Context.CODE, Context.DOCS, Context.COMMENT


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


def run(kb, src, path="app.py"):
    return list(DET.detect(SourceFile(path, text=textwrap.dedent(src).lstrip("\n")), kb))


def rows(refs, kinds=(M, E, P)):
    return sorted((r.kind, r.id, r.line, r.column, r.form, r.provider, r.context) for r in refs if r.kind in kinds)


def models(refs):
    return [r for r in refs if r.kind is M]


def one(refs, kind=M, **where):
    hits = [r for r in refs if r.kind is kind and all(getattr(r, k) == v for k, v in where.items())]
    assert len(hits) == 1, (where, rows(refs))
    return hits[0]


@pytest.mark.parametrize("path, ok", [("a.py", True), ("pkg/stubs.pyi", True), ("B.PY", True), ("a.ipynb", False),
                                      ("a.pyc", False), ("setup.cfg", False)])
def test_applies(path, ok):
    assert DET.applies(path) is ok


# -- snippets with exact expectations -------------------------------------------------------------

CASES = [
    pytest.param(
        """
        from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline
        tok = AutoTokenizer.from_pretrained("meta-llama/Llama-3.1-8B-Instruct")
        clf = pipeline("text-classification", model="distilbert/distilbert-base-uncased-finetuned-sst-2-english")
        gen = pipeline("text-generation", "gpt2")
        """,
        [(P, "transformers", 1, 6, "import", "transformers", CODE),
         (M, "meta-llama/Llama-3.1-8B-Instruct", 2, 38, "hf", "", CODE),
         (M, "distilbert/distilbert-base-uncased-finetuned-sst-2-english", 3, 46, "hf", "", CODE),
         (M, "gpt2", 4, 36, "hf", "", CODE)],
        id="transformers-loaders",
    ),
    pytest.param(
        """
        from sentence_transformers import CrossEncoder, SentenceTransformer
        from huggingface_hub import hf_hub_download, snapshot_download
        emb = SentenceTransformer("BAAI/bge-m3")
        rr = CrossEncoder(model_name="cross-encoder/ms-marco-MiniLM-L-6-v2")
        p = hf_hub_download(repo_id="bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", filename="x.gguf")
        d = snapshot_download("mistralai/Mistral-7B-Instruct-v0.3")
        """,
        [(P, "sentence-transformers", 1, 6, "import", "sentence-transformers", CODE),
         (P, "huggingface-hub", 2, 6, "import", "huggingface-hub", CODE),
         (M, "BAAI/bge-m3", 3, 28, "hf", "", CODE),
         (M, "cross-encoder/ms-marco-MiniLM-L-6-v2", 4, 31, "hf", "", CODE),
         (M, "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", 5, 30, "hf", "", CODE),
         (M, "mistralai/Mistral-7B-Instruct-v0.3", 6, 24, "hf", "", CODE)],
        id="sentence-transformers-and-hub-downloads",
    ),
    pytest.param(
        """
        from diffusers import StableDiffusionXLPipeline
        from vllm import LLM
        pipe = StableDiffusionXLPipeline.from_pretrained("stabilityai/stable-diffusion-xl-base-1.0")
        pipe.load_lora_weights("ostris/ikea-instructions-lora-sdxl")
        llm = LLM(model="Qwen/Qwen2.5-14B-Instruct-AWQ", quantization="awq")
        """,
        [(P, "diffusers", 1, 6, "import", "diffusers", CODE),
         (P, "vllm", 2, 6, "import", "vllm", CODE),
         (M, "stabilityai/stable-diffusion-xl-base-1.0", 3, 51, "hf", "", CODE),
         (M, "ostris/ikea-instructions-lora-sdxl", 4, 25, "hf", "", CODE),
         (M, "Qwen/Qwen2.5-14B-Instruct-AWQ", 5, 18, "hf", "", CODE)],
        id="diffusers-and-vllm",
    ),
    pytest.param(
        """
        from openai import OpenAI
        from anthropic import Anthropic
        client = OpenAI()
        r = client.chat.completions.create(model="gpt-4o", messages=[])

        class Bot:
            def __init__(self):
                self.client = Anthropic()

            def ask(self):
                return self.client.messages.create(model="claude-3-5-sonnet-20241022", max_tokens=10)
        """,
        [(P, "openai", 1, 6, "import", "openai", CODE),
         (P, "anthropic", 2, 6, "import", "anthropic", CODE),
         (E, "openai", 3, 10, "client", "openai", CODE),
         (M, "gpt-4o", 4, 43, "api", "openai", CODE),
         (E, "anthropic", 8, 23, "client", "anthropic", CODE),
         (M, "claude-3-5-sonnet-20241022", 11, 51, "api", "anthropic", CODE)],
        id="openai-and-self-attribute-anthropic",
    ),
    pytest.param(
        """
        import cohere
        from google import genai
        from mistralai import Mistral
        g = genai.Client()
        g.models.generate_content(model="gemini-2.0-flash", contents="hi")
        m = Mistral(api_key="x")
        m.chat.complete(model="mistral-large-latest", messages=[])
        co = cohere.ClientV2()
        co.chat(model="command-r-plus-08-2024", messages=[])
        """,
        [(P, "cohere", 1, 8, "import", "cohere", CODE),
         (P, "google-genai", 2, 20, "import", "gemini", CODE),
         (P, "mistralai", 3, 6, "import", "mistral", CODE),
         (E, "gemini", 4, 5, "client", "gemini", CODE),
         (M, "gemini-2.0-flash", 5, 34, "api", "gemini", CODE),
         (E, "mistral", 6, 5, "client", "mistral", CODE),
         (M, "mistral-large-latest", 7, 24, "api", "mistral", CODE),
         (E, "cohere", 8, 6, "client", "cohere", CODE),
         (M, "command-r-plus-08-2024", 9, 16, "api", "cohere", CODE)],
        id="google-genai-mistral-cohere",
    ),
    pytest.param(
        """
        from dashscope import Generation
        from zhipuai import ZhipuAI
        from volcenginesdkarkruntime import Ark
        Generation.call(model="qwen-plus", prompt="hi")
        z = ZhipuAI()
        z.chat.completions.create(model="glm-4-plus", messages=[])
        ark = Ark(base_url="https://ark.cn-beijing.volces.com/api/v3")
        ark.chat.completions.create(model="doubao-1-5-pro-32k-250115", messages=[])
        """,
        [(P, "dashscope", 1, 6, "import", "dashscope", CODE),
         (P, "zhipuai", 2, 6, "import", "zhipu", CODE),
         (M, "qwen-plus", 4, 24, "api", "dashscope", CODE),
         (E, "zhipu", 5, 5, "client", "zhipu", CODE),
         (M, "glm-4-plus", 6, 34, "api", "zhipu", CODE),
         (E, "https://ark.cn-beijing.volces.com/api/v3", 7, 21, "url", "volcengine-ark", CODE),
         (M, "doubao-1-5-pro-32k-250115", 8, 36, "api", "volcengine-ark", CODE)],
        id="dashscope-zhipu-ark",
    ),
    pytest.param(
        """
        import litellm
        from litellm import completion
        completion(model="deepseek/deepseek-chat", messages=[])
        litellm.acompletion(model="anthropic/claude-3-5-haiku-20241022", messages=[])
        litellm.embedding(model="mistral/mistral-embed", input=["x"])
        """,
        [(P, "litellm", 1, 8, "import", "litellm", CODE),
         (P, "litellm", 2, 6, "import", "litellm", CODE),
         (M, "deepseek-chat", 3, 19, "litellm", "deepseek", CODE),
         (M, "claude-3-5-haiku-20241022", 4, 28, "litellm", "anthropic", CODE),
         (M, "mistral-embed", 5, 26, "litellm", "mistral", CODE)],
        id="litellm-prefixes",
    ),
    pytest.param(
        """
        from langchain.chat_models import init_chat_model
        from langchain_openai import ChatOpenAI
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        llm = ChatOpenAI(model="deepseek-reasoner", base_url="https://api.deepseek.com")
        emb = HuggingFaceEmbedding(model_name="BAAI/bge-small-en-v1.5")
        a = init_chat_model("openai:gpt-4o-mini")
        b = init_chat_model("claude-3-5-haiku-20241022", model_provider="anthropic")
        """,
        [(P, "langchain", 1, 6, "import", "langchain", CODE),
         (P, "langchain-openai", 2, 6, "import", "openai", CODE),
         (P, "llama-index", 3, 6, "import", "llama-index", CODE),
         (M, "deepseek-reasoner", 4, 25, "api", "deepseek", CODE),
         (E, "https://api.deepseek.com", 4, 55, "url", "deepseek", CODE),
         (M, "BAAI/bge-small-en-v1.5", 5, 40, "hf", "", CODE),
         (M, "gpt-4o-mini", 6, 22, "api", "openai", CODE),
         (M, "claude-3-5-haiku-20241022", 7, 22, "api", "anthropic", CODE)],
        id="langchain-llamaindex-init-chat-model",
    ),
    pytest.param(
        """
        import ollama
        c = ollama.Client(host="http://gpu-box:11434")
        ollama.chat(model="qwen2.5:7b", messages=[])
        c.generate(model="llama3.1:8b", prompt="x")
        ollama.pull("nomic-embed-text")
        """,
        [(P, "ollama", 1, 8, "import", "ollama", CODE),
         (E, "http://gpu-box:11434", 2, 25, "url", "ollama", CODE),
         (M, "qwen2.5:7b", 3, 20, "ollama", "ollama", CODE),
         (M, "llama3.1:8b", 4, 19, "ollama", "ollama", CODE),
         (M, "nomic-embed-text", 5, 14, "ollama", "ollama", CODE)],
        id="ollama",
    ),
    pytest.param(
        """
        agent = make_agent(model_name="Qwen/Qwen2.5-7B-Instruct", temperature=0)
        job = Trainer(base_model="meta-llama/Llama-3.1-8B", repo_id="google/gemma-2-9b-it")
        """,
        [(M, "Qwen/Qwen2.5-7B-Instruct", 1, 32, "hf", "", CODE),
         (M, "meta-llama/Llama-3.1-8B", 2, 27, "hf", "", CODE),
         (M, "google/gemma-2-9b-it", 2, 62, "hf", "", CODE)],
        id="model-keywords-in-any-call",
    ),
    pytest.param(
        """
        DEFAULT_MODEL = "gpt-4o"
        payload = {"model": "qwen-plus", "messages": []}
        config.model_name = "mistralai/Mistral-7B-Instruct-v0.3"
        EMBED_MODELS = ["BAAI/bge-m3", "intfloat/multilingual-e5-large"]
        """,
        [(M, "gpt-4o", 1, 18, "api", "openai", CODE),
         (M, "qwen-plus", 2, 22, "api", "dashscope", CODE),
         (M, "mistralai/Mistral-7B-Instruct-v0.3", 3, 22, "hf", "", CODE),
         (M, "BAAI/bge-m3", 4, 18, "hf", "", CODE),
         (M, "intfloat/multilingual-e5-large", 4, 33, "hf", "", CODE)],
        id="model-named-variables-keys-attributes",
    ),
    pytest.param(
        '''
        """Summaries with Qwen/Qwen2.5-7B-Instruct, see the model card."""
        # we also tried meta-llama/Llama-3.1-70B-Instruct and gpt-4o-mini
        x = 1  # GPT-4o in prose, huggingface/transformers on GitHub
        ''',
        [(M, "Qwen/Qwen2.5-7B-Instruct", 1, 19, "hf", "", DOCS),
         (M, "meta-llama/Llama-3.1-70B-Instruct", 2, 17, "hf", "", COMMENT),
         (M, "gpt-4o-mini", 2, 55, "api", "openai", COMMENT)],
        id="docstring-and-comments",
    ),
    pytest.param(
        """
        from openai import AzureOpenAI
        az = AzureOpenAI(azure_endpoint="https://acme-oai.openai.azure.com", api_version="2024-10-21")
        az.chat.completions.create(model="gpt4o-prod", messages=[])
        """,
        [(P, "openai", 1, 6, "import", "openai", CODE),
         (E, "https://acme-oai.openai.azure.com", 2, 34, "url", "azure-openai", CODE),
         (M, "gpt4o-prod", 3, 35, "api", "azure-openai", CODE)],
        id="azure-openai-deployment",
    ),
]


@pytest.mark.parametrize("src, expected", CASES)
def test_snippets(kb, src, expected):
    assert rows(run(kb, src)) == sorted(expected)


# -- hard negatives -------------------------------------------------------------------------------

NEGATIVES = [
    pytest.param('REPO = "huggingface/transformers"\nsubprocess.run(["git", "clone", "https://github.com/huggingface/transformers"])', id="github-owner-repo"),
    pytest.param('image = "nvcr.io/nvidia/pytorch:24.01-py3"\nspec = {"image": "vllm/vllm-openai:v0.6.4"}', id="docker-images"),
    pytest.param('m = AutoModel.from_pretrained("./models/finetuned")\nm = AutoModel.from_pretrained("/mnt/models/llama")', id="local-paths"),
    pytest.param('model_path = "checkpoints/run-1/final"\ndata = open("data/train.csv").read()', id="file-paths"),
    pytest.param('mod = importlib.import_module("torch.nn")\nmodel_cls = "transformers.AutoModel"', id="module-paths"),
    pytest.param('a = call(model="<MODEL_ID>")\nb = call(model="your-model-name")\nc = call(model="${MODEL}")', id="placeholders"),
    pytest.param('print(resp.model)\nif response.model.startswith("gpt"):\n    pass', id="response-model-reads"),
    pytest.param('m = AutoModel.from_pretrained(f"{org}/model")\nn = AutoModel.from_pretrained(ORG + "/model")', id="non-constant-strings"),
    pytest.param('ds = load_dataset("HuggingFaceFW/fineweb-edu", name="sample-10BT")\n'
                 'snapshot_download(repo_id="HuggingFaceH4/ultrachat_200k", repo_type="dataset")', id="datasets"),
    pytest.param('s = pipeline("summarization")\nmodel_type = "llama"\nmodel_kwargs = {"device_map": "auto"}', id="tasks-and-model-type"),
    pytest.param('headers = {"Content-Type": "application/json", "model": model_obj}\nfmt = "%Y/%m/%d"', id="mime-and-formats"),
    pytest.param('THREAT_MODEL = "threat-model"\ntokenizer_model = "llama"\nlabels = {"model": "Models"}', id="other-kinds-of-model"),
    pytest.param('m = AutoModelForCausalLM.from_pretrained("output_qwen_merged")\nm2 = AutoModel.from_pretrained(CHECKPOINT_DIR)', id="local-output-folder"),
    pytest.param('custom_model_name = "support-bot-ft-v2"\nbedrock.create_model_customization_job(customModelName=custom_model_name)\n'
                 'llm = LLM(model=path, served_model_name="chat-v1")', id="deployment-aliases"),
    pytest.param('"""GPT-4o and Claude 3.5 Sonnet in prose."""\n# see kontor-analytics/report-templates on GitHub', id="prose"),
]


@pytest.mark.parametrize("src", NEGATIVES)
def test_hard_negatives(kb, src):
    assert run(kb, src) == []


def test_litellm_router_aliases_are_not_models(kb):
    refs = run(kb, """
        from litellm import Router
        router = Router(model_list=[{"model_name": "chat-default", "litellm_params": {"model": "groq/llama-3.1-8b-instant"}}])
        router.completion(model="chat-default", messages=[])
        """)
    assert [(r.id, r.line, r.provider, r.form) for r in models(refs)] == [("llama-3.1-8b-instant", 2, "groq", "litellm")]


# -- provider per call, never per file ------------------------------------------------------------


def test_two_clients_in_one_file_attribute_each_call_to_its_own_client(kb):
    refs = run(kb, """
        import os
        from openai import OpenAI
        deepseek = OpenAI(base_url="https://api.deepseek.com/v1", api_key=os.environ["DEEPSEEK_API_KEY"])
        oai = OpenAI()

        def draft():
            return deepseek.chat.completions.create(model="deepseek-chat", messages=[])

        def review():
            return oai.chat.completions.create(model="gpt-4o", messages=[])

        def cross():
            return deepseek.chat.completions.create(model="gpt-4o-mini", messages=[])
        """)
    assert one(refs, id="deepseek-chat").provider == "deepseek"
    assert one(refs, id="gpt-4o").provider == "openai"
    assert one(refs, id="gpt-4o-mini").provider == "deepseek"  # the client decides, not the name
    assert one(refs, id="deepseek-chat").attribute("sdk") == "openai"
    assert rows(refs, (E,)) == [(E, "deepseek", 3, 79, "env", "deepseek", CODE),
                                (E, "https://api.deepseek.com/v1", 3, 29, "url", "deepseek", CODE),
                                (E, "openai", 4, 7, "client", "openai", CODE)]


def test_same_variable_name_in_two_functions(kb):
    refs = run(kb, """
        from openai import OpenAI

        def a():
            client = OpenAI(base_url="https://api.moonshot.cn/v1")
            return client.chat.completions.create(model="moonshot-v1-32k", messages=[])

        def b():
            client = OpenAI()
            return client.chat.completions.create(model="gpt-4o", messages=[])
        """)
    assert one(refs, id="moonshot-v1-32k").provider == "moonshot"
    assert one(refs, id="gpt-4o").provider == "openai"


def test_client_on_an_unknown_host(kb):
    refs = run(kb, """
        from openai import OpenAI
        local = OpenAI(base_url="http://vllm.inference.svc.cluster.local:8000/v1", api_key="EMPTY")
        local.chat.completions.create(model="Qwen/Qwen2.5-7B-Instruct", messages=[])
        """)
    m = one(refs, id="Qwen/Qwen2.5-7B-Instruct")
    assert (m.provider, m.attribute("base_url"), m.attribute("sdk")) == (
        "", "http://vllm.inference.svc.cluster.local:8000/v1", "openai")
    e = one(refs, E, form="url")
    assert (e.id, e.provider, e.line, e.column, e.attribute("sdk")) == (
        "http://vllm.inference.svc.cluster.local:8000/v1", "", 2, 26, "openai")


def test_factory_functions_context_managers_and_annotations(kb):
    refs = run(kb, """
        from openai import AsyncOpenAI, OpenAI

        def make():
            return OpenAI(base_url="https://openrouter.ai/api/v1")

        async def go(c: AsyncOpenAI):
            async with AsyncOpenAI(base_url="https://api.groq.com/openai/v1") as g:
                await g.chat.completions.create(model="llama-3.3-70b-versatile", messages=[])
            await c.chat.completions.create(model="gpt-4.1", messages=[])
            r = make()
            r.chat.completions.create(model="anthropic/claude-3.5-sonnet", messages=[])
        """)
    assert one(refs, id="llama-3.3-70b-versatile").provider == "groq"
    assert one(refs, id="gpt-4.1").provider == "openai"
    # an OpenRouter id is the router's own name: kept as written, no LiteLLM prefix stripping
    assert (one(refs, line=11).id, one(refs, line=11).provider) == ("anthropic/claude-3.5-sonnet", "openrouter")


def test_module_level_sdk_base_url(kb):
    refs = run(kb, """
        import openai
        openai.api_base = "http://localhost:8000/v1"
        openai.ChatCompletion.create(model="Qwen", messages=[])
        """)
    m = one(refs, id="Qwen")
    assert (m.provider, m.attribute("base_url")) == ("", "http://localhost:8000/v1")
    assert one(refs, E, form="url").line == 2


# -- constant propagation -------------------------------------------------------------------------


def test_propagated_constant_is_reported_at_the_literal_with_the_call_site(kb):
    refs = run(kb, """
        from transformers import AutoModelForCausalLM, AutoTokenizer
        MODEL_ID = "Qwen/Qwen2.5-7B-Instruct"

        def load():
            tok = AutoTokenizer.from_pretrained(MODEL_ID)
            model = AutoModelForCausalLM.from_pretrained(MODEL_ID)
            return tok, model
        """)
    m = one(refs, id="Qwen/Qwen2.5-7B-Instruct")
    assert (m.line, m.column, m.text, m.context) == (2, 13, "Qwen/Qwen2.5-7B-Instruct", CODE)
    assert m.related == (Location("app.py", 5, 11), Location("app.py", 6, 13))
    assert m.confidence == pytest.approx(0.85)


def test_one_literal_used_by_two_clients_gives_one_reference_per_provider(kb):
    refs = run(kb, """
        from openai import OpenAI
        SHARED = "gpt-4o-mini"
        ds = OpenAI(base_url="https://api.deepseek.com")
        oa = OpenAI()
        ds.chat.completions.create(model=SHARED, messages=[])
        oa.chat.completions.create(model=SHARED, messages=[])
        oa.chat.completions.create(model=SHARED, messages=[])
        """)
    got = sorted((r.provider, r.line, r.column, tuple(loc.line for loc in r.related)) for r in models(refs))
    assert got == [("deepseek", 2, 11, (5,)), ("openai", 2, 11, (6, 7))]


@pytest.mark.parametrize("src, line, col", [
    pytest.param('class C:\n    MODEL = "gpt-4o"\n    def run(self, c):\n        c = OpenAI()\n        c.chat.completions.create(model=self.MODEL)', 2, 14, id="class-attribute"),
    pytest.param('def load(model_name="mistralai/Mistral-7B-v0.1"):\n    return AutoModel.from_pretrained(model_name)', 1, 22, id="default-argument"),
    pytest.param('def f():\n    name = "google/gemma-2b"\n    return AutoModel.from_pretrained(name)', 2, 13, id="local-variable"),
    pytest.param('CFG = {"model": "BAAI/bge-m3"}\nSentenceTransformer(CFG["model"])', 1, 18, id="dict-lookup"),
    pytest.param('for m in ["google/gemma-2b"]:\n    AutoModel.from_pretrained(m)', 1, 12, id="loop-over-constants"),
    pytest.param('@dataclass\nclass S:\n    llm_model: str = "claude-3-5-haiku-20241022"\ns = S()\nAnthropic().messages.create(model=s.llm_model)', 3, 23, id="settings-instance"),
])
def test_propagation_forms(kb, src, line, col):
    ms = [r for r in models(run(kb, src)) if r.context is CODE]
    assert [(r.line, r.column) for r in ms] == [(line, col)] and ms[0].related


def test_getenv_defaults_and_provider_env_vars(kb):
    refs = run(kb, """
        import os
        from openai import OpenAI
        MODEL = os.getenv("LLM_MODEL", "deepseek-chat")
        EMBED = os.environ.get("EMBED_MODEL", "BAAI/bge-m3")
        client = OpenAI(base_url=os.getenv("LLM_BASE_URL", "https://api.deepseek.com"), api_key=os.environ["DEEPSEEK_API_KEY"])
        client.chat.completions.create(model=MODEL, messages=[])
        """)
    m = one(refs, id="deepseek-chat")
    assert (m.line, m.column, m.provider, m.attribute("env"), m.related) == (
        3, 33, "deepseek", "LLM_MODEL", (Location("app.py", 6, 1),))
    e = one(refs, id="BAAI/bge-m3")
    assert (e.line, e.confidence, e.attribute("env")) == (4, pytest.approx(0.7), "EMBED_MODEL")
    url = one(refs, E, form="url")
    assert (url.id, url.line, url.column, url.attribute("env")) == ("https://api.deepseek.com", 5, 53, "LLM_BASE_URL")
    env = one(refs, E, form="env")
    assert (env.id, env.text, env.provider, env.line, env.column) == ("deepseek", "DEEPSEEK_API_KEY", "deepseek", 5, 101)


def test_dynamic_base_url_names_no_provider_unless_the_env_var_is_known(kb):
    refs = run(kb, """
        import os
        from openai import OpenAI
        a = OpenAI(base_url=settings.llm_url)
        b = OpenAI(base_url=os.environ["DEEPSEEK_BASE_URL"])
        a.chat.completions.create(model="x-large-1", messages=[])
        b.chat.completions.create(model="deepseek-chat", messages=[])
        """)
    assert (one(refs, id="x-large-1").provider, one(refs, id="x-large-1").attribute("sdk")) == ("", "openai")
    assert one(refs, id="deepseek-chat").provider == "deepseek"


# -- positions, text, confidence ------------------------------------------------------------------


def test_columns_count_characters_not_bytes(kb):
    refs = run(kb, 'greeting = "Grüße 日本"; tok = AutoTokenizer.from_pretrained("gpt2")\n')
    assert (one(refs).line, one(refs).column) == (1, 61)


def test_text_is_the_string_as_written(kb):
    refs = run(kb, 'completion(model="groq/llama-3.1-8b-instant")\nAutoModel.from_pretrained(r"google/gemma-2b")\n')
    assert [(r.id, r.text, r.column) for r in models(refs)] == [
        ("llama-3.1-8b-instant", "groq/llama-3.1-8b-instant", 19), ("google/gemma-2b", "google/gemma-2b", 29)]


def test_fully_constant_concatenation_is_reported(kb):
    refs = run(kb, 'AutoModel.from_pretrained("google/" "gemma-2b")\nAutoModel.from_pretrained("Qwen/" + "Qwen2-7B")\n')
    assert [(r.id, r.line, r.column) for r in models(refs)] == [("google/gemma-2b", 1, 28), ("Qwen/Qwen2-7B", 2, 28)]


def test_confidence_tiers(kb):
    refs = run(kb, """
        from openai import OpenAI
        CHAT_MODEL = "gpt-4o"
        UNUSED_MODEL = "gpt-4o-mini"
        c = OpenAI()
        c.chat.completions.create(model="gpt-4.1", messages=[])
        c.chat.completions.create(model=CHAT_MODEL, messages=[])
        # fallback: gpt-3.5-turbo
        """)
    conf = {r.id: r.confidence for r in models(refs)}
    assert conf["gpt-4.1"] == pytest.approx(0.95)
    assert conf["gpt-4o"] == pytest.approx(0.85)
    assert conf["gpt-4o-mini"] == pytest.approx(0.7)
    assert conf["gpt-3.5-turbo"] <= 0.4


def test_argparse_default_of_a_model_option(kb):
    refs = run(kb, 'p.add_argument("--model-name", default="meta-llama/Llama-3.1-8B-Instruct")\np.add_argument("--out", default="results/run")\n')
    assert [(r.id, r.line, r.column) for r in models(refs)] == [("meta-llama/Llama-3.1-8B-Instruct", 1, 41)]


def test_known_urls_anywhere_are_endpoints(kb):
    refs = run(kb, 'requests.post("https://api.openai.com/v1/chat/completions", json={"model": "gpt-4o"})\n'
                   'LINK = "https://github.com/kontor-analytics/x"\n')
    assert rows(refs) == [(E, "https://api.openai.com/v1/chat/completions", 1, 16, "url", "openai", CODE),
                          (M, "gpt-4o", 1, 77, "api", "openai", CODE)]


def test_imports_of_known_packages(kb):
    refs = run(kb, "import torch_npu\nimport dashscope as ds\nfrom google import genai\nimport numpy\nfrom . import models\n")
    assert [(r.id, r.line, r.column, r.provider) for r in refs] == [
        ("torch-npu", 1, 8, "huawei-ascend"), ("dashscope", 2, 8, "dashscope"), ("google-genai", 3, 20, "gemini")]


# -- files that do not parse ----------------------------------------------------------------------


def test_syntax_error_falls_back_to_the_line_scanner(kb):
    refs = run(kb, """
        import dashscope
        tok = AutoTokenizer.from_pretrained("microsoft/Phi-3.5-mini-instruct")
        def generate(prompt, max_new_tokens=256
            resp = client.chat.completions.create(model="deepseek-chat", messages=[])
            cfg = {"model_name": "BAAI/bge-m3"}
        print "python 2"
        """)
    got = sorted((r.kind, r.id, r.line, r.column) for r in refs)
    assert got == [(M, "BAAI/bge-m3", 5, 27), (M, "deepseek-chat", 4, 50), (M, "microsoft/Phi-3.5-mini-instruct", 2, 38),
                   (P, "dashscope", 1, 8)]
    assert all(r.confidence <= 0.6 for r in refs)


def test_null_bytes_do_not_lose_the_file(kb):
    refs = run(kb, 'm = AutoModel.from_pretrained("google/gemma-2b")\x00\n')
    assert [r.id for r in refs] == ["google/gemma-2b"]


# -- names that say model -------------------------------------------------------------------------


@pytest.mark.parametrize("name, hint", [
    ("MODEL", "model"), ("DEFAULT_MODEL", "model"), ("model_name", "model"), ("modelId", "model"), ("llm", "model"),
    ("EMBED_MODELS", "model"), ("repo_id", "hf"), ("model_name_or_path", "hf"), ("model_path", ""), ("checkpoint", ""),
    ("model_type", None), ("model_config", None), ("model_kwargs", None), ("num_models", None), ("model_dir", None),
    ("tokenizer_model", None), ("response_model", None), ("data", None), ("SUPPORTED_MODELS", "model"),
    ("served_model_name", None), ("customModelName", None), ("provisioned_model_name", None),
])
def test_model_name_hint(name, hint):
    assert model_name_hint(name) == hint


def test_crlf_line_endings(kb):
    refs = DET.detect(SourceFile("a.py", text='import os\r\n# note: gpt-4o-mini\r\nm = AutoModel.from_pretrained("google/gemma-2b")\r\n'), kb)
    assert [(r.id, r.line, r.column, r.context) for r in refs] == [("gpt-4o-mini", 2, 9, COMMENT), ("google/gemma-2b", 3, 32, CODE)]


def test_boto3_service_clients_name_their_provider_and_region(kb):
    refs = run(kb, """
        import boto3
        REGION = "eu-central-1"
        brt = boto3.client("bedrock-runtime", region_name=REGION)
        s3 = boto3.client("s3")
        brt.converse(modelId="eu.anthropic.claude-3-7-sonnet-20250219-v1:0", messages=[])
        """)
    assert rows(refs, (E,)) == [(E, "bedrock", 3, 21, "client", "bedrock", CODE)]
    e = one(refs, E)
    assert (e.text, e.attribute("region"), e.attribute("service")) == ("bedrock-runtime", "eu-central-1", "bedrock-runtime")
    m = one(refs, id="eu.anthropic.claude-3-7-sonnet-20250219-v1:0")
    assert (m.provider, m.attribute("region"), m.confidence) == ("bedrock", "eu-central-1", pytest.approx(0.95))


def test_branches_and_reassignments(kb):
    refs = run(kb, """
        import os
        from openai import OpenAI
        MODEL = "gpt-4o"
        if os.getenv("CHEAP"):
            MODEL = "gpt-4o-mini"

        def run(fast, slow):
            c = OpenAI()
            if fast:
                name = "gpt-4.1-mini"
            elif slow:
                name = "o3"
            else:
                name = "gpt-4.1"
            c.chat.completions.create(model=name)
            c.chat.completions.create(model=MODEL)
            n = "Qwen/Qwen2-7B"
            n = "Qwen/Qwen2-72B"
            AutoModel.from_pretrained(n)
            m = "google/gemma-2b"
            m = AutoModel.from_pretrained(m)
        """)
    got = sorted((r.id, r.line, tuple(loc.line for loc in r.related)) for r in models(refs))
    assert got == [("Qwen/Qwen2-72B", 18, (19,)), ("google/gemma-2b", 20, (21,)), ("gpt-4.1", 14, (15,)),
                   ("gpt-4.1-mini", 10, (15,)), ("gpt-4o", 3, (16,)), ("gpt-4o-mini", 5, (16,)), ("o3", 12, (15,))]


def test_many_reassignments_stay_linear(kb):
    body = "".join(f'model = "gpt-4o-{i}"\nclient.chat.completions.create(model=model)\n' for i in range(2000))
    refs = run(kb, "from openai import OpenAI\nclient = OpenAI()\n" + body)
    ms = models(refs)
    assert len(ms) == 2000 and all(len(r.related) == 1 for r in ms)


def test_related_call_sites_are_bounded(kb):
    calls = "".join(f"def f{i}():\n    AutoModel.from_pretrained(MODEL_ID)\n" for i in range(80))
    (m,) = models(run(kb, 'MODEL_ID = "google/gemma-2b"\n' + calls))
    assert len(m.related) == 50 and m.attribute("call_sites") == "80"
