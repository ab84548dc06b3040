"""What the analyser finds in one file: positions that hold a reference, in any language, and the
strings that look like one but are not. Each case is a file name, its text and exactly what must be
found (kind, id, line); nothing else of that kind may be."""

from __future__ import annotations

import pytest

from sovaudit.detect import lexer_for
from sovaudit.model import Context, Kind


def found(kb, path: str, text: str, kind: Kind = Kind.MODEL) -> list[tuple[str, int]]:
    refs, skips = lexer_for(kb).analyse(path, text.encode("utf-8"))
    assert skips == []
    return sorted((r.id, r.line) for r in refs if r.kind == kind)


def one(kb, path: str, text: str, kind: Kind = Kind.MODEL):
    refs, _ = lexer_for(kb).analyse(path, text.encode("utf-8"))
    (r,) = [r for r in refs if r.kind == kind and r.form != "credential"]
    return r


# -- models in model positions, in any file type ------------------------------------------------

MODEL_CASES = [
    # a shell variable's default, quoted or not (verl's CI scripts)
    ("run.sh", "MODEL_ID=${MODEL_ID:-Qwen/Qwen2.5-0.5B-Instruct}\nMODEL=\"${MODEL:-Qwen/Qwen3-8B}\"\n",
     [("Qwen/Qwen2.5-0.5B-Instruct", 1), ("Qwen/Qwen3-8B", 2)]),
    # a one-line ```span``` opens no fence: the block after it is still code (langchain4j's docs)
    ("pgvector.md", "```implementation 'dev.langchain4j:langchain4j-pgvector:1.0'```\n\n```java\n.modelName(\"gpt-4\")\n```\n",
     [("gpt-4", 4)]),
    # keys, in every syntax
    ("app.py", 'MODEL_ID = "Qwen/Qwen2.5-7B-Instruct"\n', [("Qwen/Qwen2.5-7B-Instruct", 1)]),
    ("app.py", 'llm = ChatOpenAI(model="gpt-4o-mini", temperature=0)\n', [("gpt-4o-mini", 1)]),
    ("app.py", 'model: str = "mistral-small-latest"\n', [("mistral-small-latest", 1)]),
    ("main.go", 'req := &api.ChatRequest{\n\tModel:    "llama3.2",\n}\n', [("llama3.2", 2)]),
    ("Main.java", 'var req = Request.builder().model("claude-3-5-haiku-20241022").build();\nString model = "gpt-4.1";\n',
     [("claude-3-5-haiku-20241022", 1), ("gpt-4.1", 2)]),
    ("lib.rs", 'let model = "text-embedding-3-small";\n', [("text-embedding-3-small", 1)]),
    ("Program.cs", 'var client = new ChatClient(model: "gpt-4o", apiKey);\n', [("gpt-4o", 1)]),
    ("config.toml", '[llm]\nmodel = "deepseek-chat"\n', [("deepseek-chat", 2)]),
    ("values.yaml", 'llm:\n  model: Qwen/Qwen2.5-72B-Instruct\n', [("Qwen/Qwen2.5-72B-Instruct", 2)]),
    ("models.json", '{"model": "gemini-2.5-flash", "temperature": 0}\n', [("gemini-2.5-flash", 1)]),
    ("data.jsonl", '{"messages": [], "model": "gpt-4o-2024-08-06"}\n', [("gpt-4o-2024-08-06", 1)]),
    (".env", "OPENAI_MODEL=gpt-4o\n# ANTHROPIC_MODEL_PREF='claude-sonnet-4-6'\n",
     [("claude-sonnet-4-6", 2), ("gpt-4o", 1)]),
    ("Dockerfile.gpu", "FROM python:3.11\nENV MODEL_ID=meta-llama/Llama-3.1-8B-Instruct\n", [("meta-llama/Llama-3.1-8B-Instruct", 2)]),
    ("chart/templates/deploy.tpl", "        - --model={{ .Values.model }}\n        - --model-id=mistralai/Mistral-7B-v0.1\n",
     [("mistralai/Mistral-7B-v0.1", 2)]),
    # argument vectors: exec-form CMD, Kubernetes args, subprocess lists
    ("Dockerfile", 'CMD ["--model", "Qwen/Qwen2.5-7B-Instruct", \\\n     "--served-model-name", "qwen"]\n',
     [("Qwen/Qwen2.5-7B-Instruct", 1)]),
    ("run.py", 'subprocess.run(["vllm", "serve", "--model", "mistralai/Mistral-7B-Instruct-v0.3"])\n',
     [("mistralai/Mistral-7B-Instruct-v0.3", 1)]),
    # fallbacks and defaults
    ("index.js", 'this.model = process.env.EMBEDDING_MODEL_PREF || "mistral-embed";\n', [("mistral-embed", 1)]),
    ("settings.py", 'LLM = os.getenv("LLM_MODEL", "deepseek-reasoner")\n', [("deepseek-reasoner", 1)]),
    ("serve.sh", 'MODEL="${MODEL:-Qwen/Qwen2.5-7B-Instruct}"\n', [("Qwen/Qwen2.5-7B-Instruct", 1)]),
    ("cli.py", 'parser.add_argument("--model_name", type=str, default="bert-base-uncased")\n', [("bert-base-uncased", 1)]),
    # loader calls, a constant passed to one, the second argument
    ("load.py", 'tok = AutoTokenizer.from_pretrained("camembert-base")\n', [("camembert-base", 1)]),
    ("load.py", 'RERANKER = "cross-encoder/ms-marco-MiniLM-L-6-v2"\nm = CrossEncoder(RERANKER)\n',
     [("cross-encoder/ms-marco-MiniLM-L-6-v2", 1)]),
    ("load.py", 'base = AutoModel.from_pretrained(path)\nPeftModel.from_pretrained(base, "acme/support-lora")\n',
     [("acme/support-lora", 2)]),
    ("embed.mjs", 'const extractor = await pipeline("feature-extraction", "Xenova/all-MiniLM-L6-v2");\n',
     [("Xenova/all-MiniLM-L6-v2", 1)]),
    # commands and Modelfiles
    ("README.md", "```sh\nollama run gemma3:4b\necho hi | ollama run nomic-embed-text\nvllm serve Qwen/Qwen3-8B --port 8000\n```\n",
     [("Qwen/Qwen3-8B", 4), ("gemma3:4b", 2), ("nomic-embed-text", 3)]),
    ("Modelfile", "FROM llama3.2\nPARAMETER temperature 0.2\n", [("llama3.2", 1)]),
    ("Makefile", "pull:\n\tollama pull deepseek-r1:14b\n", [("deepseek-r1:14b", 2)]),
    # Kubernetes / Truss / KServe blocks
    ("deploy.yaml", "env:\n  - name: QWEN_MODEL\n    value: Qwen/Qwen2.5-7B-Instruct\n", [("Qwen/Qwen2.5-7B-Instruct", 3)]),
    ("config.yaml", "model_cache:\n  - repo_id: acme-labs/custom-7b\n    revision: main\n", [("acme-labs/custom-7b", 2)]),
    ("isvc.yaml", "spec:\n  predictor:\n    model:\n      modelFormat:\n        name: huggingface\n      storageUri: s3://bucket/models/fraud\n",
     [("s3://bucket/models/fraud", 6)]),
    ("llmisvc.yaml", "  model:\n    uri: hf://Qwen/Qwen2.5-7B-Instruct\n    name: Qwen/Qwen2.5-7B-Instruct\n",
     [("Qwen/Qwen2.5-7B-Instruct", 2), ("Qwen/Qwen2.5-7B-Instruct", 3)]),
    ("pvc.yaml", "      uri: pvc://llm-test-pvc-deepseek\n", [("pvc://llm-test-pvc-deepseek", 1)]),
    # LiteLLM: the public alias is no model, the route is (an Azure deployment named prod-gpt)
    ("litellm.yaml", "model_list:\n  - model_name: gpt-4o\n    litellm_params:\n      model: azure/prod-gpt\n", [("prod-gpt", 4)]),
    # weight files and known publishers anywhere
    ("gallery.yaml", '  options:\n    - "clip_l_path:clip_l.safetensors"\n    - "t5xxl_path:t5xxl-Q5_0.gguf"\n',
     [("clip_l.safetensors", 2), ("t5xxl-Q5_0.gguf", 3)]),
    ("notes.txt", "We fine-tuned meta-llama/Llama-3.1-8B on the tickets.\n", [("meta-llama/Llama-3.1-8B", 1)]),
    ("docs.md", "See [the card](https://huggingface.co/Xenova/all-MiniLM-L6-v2) for details.\n",
     [("Xenova/all-MiniLM-L6-v2", 1)]),
    ("list.ts", 'export const MODELS = ["gemini-2.5-flash", "gemini-2.5-pro"];\n', [("gemini-2.5-flash", 1), ("gemini-2.5-pro", 1)]),
    ("bedrock.py", 'arn = "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"\n',
     [("anthropic.claude-3-5-sonnet-20240620-v1:0", 1)]),
    ("doc.mdx", "- `qwen3-coder:480b`\n- `deepseek-v3.1:671b`\n", [("deepseek-v3.1:671b", 2), ("qwen3-coder:480b", 1)]),
    ("nim.yaml", "  image: nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3\n", [("meta/llama-3.1-8b-instruct", 1)]),
    # a Hub repository with a quantisation selector (lemonade's registry, llama.cpp, Ollama's hf.co/)
    ("server_models.json", '{"m": {"checkpoint": "unsloth/Qwen3-0.6B-GGUF:Q4_0"}}\n', [("unsloth/Qwen3-0.6B-GGUF", 1)]),
    ("run.sh", "ollama run hf.co/unsloth/Qwen3-8B-GGUF:Q4_K_M\nllama-server -hf ggml-org/gemma-3-4b-it-GGUF:UD-Q4_K_XL\n",
     [("ggml-org/gemma-3-4b-it-GGUF", 2), ("unsloth/Qwen3-8B-GGUF", 1)]),
    # a quoted org/name with a lab's family word and a digit in the name, whatever the org (trl's and
    # peft's tests, truss-examples' templates, LocalAI's importers)
    ("test_grpo.py", 'trainer = GRPOTrainer(reward_funcs="trl-internal-testing/tiny-Qwen2ForSequenceClassification-2.5")\n',
     [("trl-internal-testing/tiny-Qwen2ForSequenceClassification-2.5", 1)]),
    ("load.py", 'def repo():\n    return "benjamin-paine/stable-diffusion-v1-5-inpainting"\n',
     [("benjamin-paine/stable-diffusion-v1-5-inpainting", 2)]),
    ("test_models.py", 'model = Model("ollama/llama3")\n', [("llama3", 1)]),
    # a LiteLLM route anywhere, when the knowledge base vouches for what follows the prefix (aider)
    ("model-settings.yml", "- name: azure/o3-mini\n  edit_format: diff\n- name: ollama/qwen2.5-coder:32b-instruct-fp16\n",
     [("o3-mini", 1), ("qwen2.5-coder:32b-instruct-fp16", 3)]),
    ("test_models.py", 'model = Model("github/o1-mini")\n', [("o1-mini", 1)]),
    # local runtimes' own catalogue names: Foundry Local's SDK and CLI, Lemonade's CLI
    ("app.cs", 'var model = await catalog.GetModelAsync("qwen2.5-0.5b");\n', [("qwen2.5-0.5b", 1)]),
    ("app.ts", "const modelAlias = 'whisper-tiny';\nconst m = await manager.catalog.getModel(modelAlias);\n", [("whisper-tiny", 1)]),
    ("cli.md", "```bash\nlemonade run Qwen3-1.7B-Hybrid --chat-cli\nfoundry model run phi-3.5-mini\n```\n",
     [("Qwen3-1.7B-Hybrid", 2), ("phi-3.5-mini", 3)]),
    # a provider's variant suffix and a LiteLLM prefix for Bedrock's Converse API (aider's settings)
    ("settings.yml", "- name: openrouter/google/gemini-2.0-flash-exp:free\n"
                     "- name: bedrock_converse/anthropic.claude-3-7-sonnet-20250219-v1:0\n",
     [("anthropic.claude-3-7-sonnet-20250219-v1:0", 2), ("google/gemini-2.0-flash-exp:free", 1)]),
]


@pytest.mark.parametrize("path, text, want", MODEL_CASES, ids=[c[0] + ":" + c[1][:30] for c in MODEL_CASES])
def test_models(kb, path, text, want):
    assert found(kb, path, text) == sorted(want)


NOT_MODELS = [
    # Kubernetes labels and selectors (production-stack): a label's value, not the model that runs
    ("pdb.yaml", "spec:\n  selector:\n    matchLabels:\n      app: vllm\n      model: mistral\n"),
    ("wait.md", "```bash\nkubectl wait --for=condition=ready pod -l model=llama3 --timeout=300s\n"
                "kubectl get pods -l app=vllm,model=gpt-oss\n```\n"),
    # datasets: a --dataset flag, a data_source comparison, a link to a dataset page, hf download --repo-type
    # dataset (verl, ms-swift)
    ("sft.sh", "swift sft --dataset 'swift/Chinese-Qwen3-235B-2507-Distill-data-110k-SFT' \\\n"),
    ("score.py", 'if data_source == "openai/gsm8k":\n    pass\n'),
    ("table.md", "|[HuggingFaceH4/CodeAlpaca_20K](https://huggingface.co/datasets/HuggingFaceH4/CodeAlpaca_20K)|\n"),
    ("get.sh", "hf download BytedTsinghua-SIA/DAPO-Math-17k --repo-type dataset --local-dir data\n"),
    # an English compound on a family's name (langchain4j's docs and Javadoc)
    ("Options.java", 'builder.aspectRatio("16:9"); // Gemini-specific\n/** DiscoLM is a Mistral-based model */\n'),
    ("README.md", "Install with `pip install openai` and see openai/openai-python on GitHub.\n"),
    ("ci.yml", "      - uses: actions/checkout@v4\n      image: vllm/vllm-openai:v0.6.3\n"),
    ("data.py", 'ds = load_dataset("HuggingFaceH4/ultrachat_200k")\n'),
    ("dl.py", 'snapshot_download(repo_id="HuggingFaceFW/fineweb-edu", repo_type="dataset")\n'),
    ("isvc.yaml", "      args:\n        - --model_name=qwen-chat\n"),
    ("serve.sh", "vllm serve /mnt/models --served-model-name qwen3\n"),
    ("eval.yml", "      run: lm_eval --model vllm --tasks gsm8k\n"),
    (".env", "EMBEDDING_MODEL_PREF='model-name'\nTTS_OPEN_AI_VOICE_MODEL=nova\n"),
    ("job.yaml", "metadata:\n  name: deepseek-r1-0528-storage-init-job\n"),
    ("paths.py", 'local_dir = CACHE / "deepseek-r1-distill-qwen-7b"\n'),
    ("ui.ts", 'const opts = [{ label: "GPT-4o mini (fast)", value: 1 }];\n'),
    ("CHANGELOG.md", "Summaries now use GPT-4o instead of claude-3-5-sonnet in production.\n"),
    ("code.py", 'amp.initialize(model, opt, opt_level="O3")\nfrom transformers import AutoModel\n'),
    ("weights.py", 'SAFE_WEIGHTS_NAME = "model.safetensors"\npattern = "*.gguf"\n'),
    ("api.py", 'url = server.url_for("openai/v1", "rerank")\n'),
    ("stream.py", 'for frame in stream.interleave(["llm", "tools"]):\n    df.sort_values(by=["model", "edit_format"])\n'),
    ("HISTORY.md", "- Deprecated shortcut args in favor of the --model flag.\n"),
    ("results.yml", "- model: Hyperbolic\n  pass_rate: 0.5\n- model: R1+Sonnet\n"),
    ("config.yaml", "model_name: Mistral 7B\nmodel: not_required\n"),
    ("guide.mdx", 'llm = LLM(model="model-id-here")\nx = LLM(model="provider/model-id")\n'),
    ("sana.yaml", "model:\n  act:\n    - silu\n    - gelu\n"),
    # notebook widget state: a widget class, not a model
    ("demo.ipynb", '{"cells": [], "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {"a1": '
                   '{"model_module": "@jupyter-widgets/controls", "model_name": "LayoutModel", "state": '
                   '{"_model_module": "@jupyter-widgets/base", "_model_name": "HTMLModel"}}}}}}}\n'),
    # a Hub CDN host is no repository page; a one-letter value is a test's stand-in
    ("index.yaml", "icon: https://cdn-uploads.huggingface.co/production/uploads/630e8f0b/Avm.png\n"
                   "icon: https://cdn-avatars.huggingface.co/v1/production/uploads/5fd5/QPiv.png\n"),
    ("engine_test.py", 'args = FakeEngineArgs(model="m")\nbuild("org/repo-GGUF", "a.gguf")\n'),
    # something *for* the model is not the model: the Trainer's metric (36 times in peft and
    # sentence-transformers), a plugin manifest's tool name (Qwen-Agent)
    ("train.py", 'args = TrainingArguments(metric_for_best_model="accuracy", output_dir="out")\n'),
    ("react.py", "TOOL = {'name_for_model': 'code_interpreter', 'description_for_model': 'runs code'}\n"),
    # a forward-reference annotation names a class (optimum, trl, storm: 15 times on real code)
    ("utils.py", 'def export(model: "PreTrainedModel", config: "ExporterConfig"):\n'
                 '    def __init__(self, client: "QdrantClient", model: "HuggingFaceEmbeddings"):\n'),
    # NAME:TAG anywhere is an Ollama model only when NAME starts a lab's family: "code", "text",
    # "chat", "command" head API names (code-bison, text-embedding-3), not container images,
    # CSS properties or file:line citations (Qwen-Agent, trl, text-generation-inference, LocalAI)
    ("tools.py", "self.docker_image_name: str = 'code-interpreter:latest'\n"
                 'parser.add_argument("--env-image", default="textarena-env:latest")\n'),
    ("site.css", ".navy .mono{text-shadow:0 1px 10px rgba(4,19,28,.8)}\nsub{text-indent:0}\n"),
    ("status.go", "// transcribed from asr.h:43-49, tts.h:38-44 and models.go:251\n"),
    # a variable passed as the model argument (Qwen-Agent's README and docs, 7 times)
    ("README.md", "```python\nbot = Assistant(llm=llm_cfg,\n                function_list=tools)\n```\n"),
    # a disaggregated-serving role as a pod label (vllm-project/production-stack)
    ("decode-deploy.yaml", "  labels:\n    model: decode   # Required for production-stack router discovery\n"),
    # a package named after a model family (LocalAI's gallery, Qwen-Agent)
    ("index.yaml", "description: |\n  - Requires `transformers`, `qwen-vl-utils`, and `torch`.\n"),
    ("zoom.py", "# Image resizing functions (copied from qwen-vl-utils)\n"),
    # the same shape that is not a model: an experiment, a dataset option's default, a file, prose, no digit
    ("results.json", '{"experiment_name": "lora/llama-3.2-3B-rank32-mica"}\n'),
    ("train.py", 'class A:\n    dataset_name: Optional[str] = field(\n        default="mlabonne/guanaco-llama2-1k",\n    )\n'),
    ("README.md", 'The "someone/llama-3-8b" checkpoint is good.\n'),
    ("app.py", 's = "vendor/llama"\n'),
    # a provider prefix before what the knowledge base does not vouch for, or inside a path
    ("ci.md", "```yaml\nuses: ./.github/workflows/azure/deploy.yml\nname: azure/login\n```\n"),
    # Vue's v-model directive binds a form field; a record's id is not an Ollama tag (ai-app-lab)
    ("Settings.vue", '<el-input v-model="currentPrompt" type="textarea" />\n'),
    ("project.test.ts", '    { selectedExactModelId: "datapro:71421" },\n'),
    # placeholders of a Hub id's shape (lemonade's docs, dstack's tests)
    ("custom.md", '```json\n{"checkpoint": "org/repo:Q4_0", "model": "user/model"}\n```\n'),
    ("test_client.py", 'client.submit(repo_id="repo", model="owner/repo")\n'),
]


@pytest.mark.parametrize("path, text", NOT_MODELS, ids=[c[0] + ":" + c[1][:30] for c in NOT_MODELS])
def test_not_models(kb, path, text):
    assert found(kb, path, text) == []


# -- endpoints ----------------------------------------------------------------------------------

ENDPOINT_CASES = [
    ("client.js", 'const c = new OpenAI({ baseURL: "https://api.deepseek.com/v1", apiKey });\n', "https://api.deepseek.com/v1", "deepseek"),
    (".env.example", "# LOCAL_AI_BASE_PATH='http://localhost:8080/v1'\n", "http://localhost:8080/v1", ""),
    ("README.md", "curl http://localhost:11434/api/generate -d '{}'\n", "http://localhost:11434/api/generate", "ollama"),
    ("README.md", "curl -v localhost:8080/openai/v1/completions -d '{}'\n", "http://localhost:8080/openai/v1/completions", ""),
    ("compose.yml", "      - OLLAMA_BASE_URL=http://ollama:11434\n", "http://ollama:11434", ""),
    ("goose.mdx", "4. Update **OLLAMA_HOST** to `https://ollama.com`\n", "https://ollama.com", "ollama"),
]


@pytest.mark.parametrize("path, text, url, provider", ENDPOINT_CASES, ids=[c[0] for c in ENDPOINT_CASES])
def test_endpoints(kb, path, text, url, provider):
    r = one(kb, path, text, Kind.ENDPOINT)
    assert (r.id, r.provider) == (url, provider)


NOT_ENDPOINTS = [
    ("index.js", "// https://docs.voyageai.com/docs/embeddings\n"),
    ("LICENSE.py", "# http://www.apache.org/licenses/LICENSE-2.0\n"),
    (".env", "# QDRANT_ENDPOINT=\"http://localhost:6333\"\n# PGVECTOR_CONNECTION_STRING=\"postgresql://u:p@localhost:5432/db\"\n"),
    ("health.sh", "curl -Is http://localhost:3001/api/ping\n"),
    ("nb.py", 'url = "http://images.cocodataset.org/val2017/000000039769.jpg"\n'),
    ("docs.md", "Push it to [ollama.com](https://ollama.com) to share it.\n"),
    ("app.py", 'client = OpenAI(base_url=os.environ["VLLM_URL"])\n'),
    ("mcp.py", 'server = MCPServerAdapter({"url": "http://localhost:8000/sse"})\n'),
    (".env", "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318\n"),
    ("docs.md", "Set `base_url` to https://api.your-provider.com/v1 for your gateway.\n"),
    ("links.md", "See https://docs.baseten.co/api-reference/openai and https://www.anthropic.com\n"),
    # the Kubernetes API server's port (production-stack's OCI tunnel)
    ("tunnel.sh", "kubectl config set-cluster c --server=https://127.0.0.1:6443\n"),
]


@pytest.mark.parametrize("path, text", NOT_ENDPOINTS, ids=[c[0] for c in NOT_ENDPOINTS])
def test_not_endpoints(kb, path, text):
    assert found(kb, path, text, Kind.ENDPOINT) == []


def test_credentials_are_their_own_form_and_name_no_url(kb):
    refs, _ = lexer_for(kb).analyse("app.py", b'key = os.environ["DEEPSEEK_API_KEY"]\n')
    (r,) = refs
    assert (r.form, r.id, r.provider, r.text) == ("credential", "deepseek", "deepseek", "DEEPSEEK_API_KEY")


# -- hardware and cloud -------------------------------------------------------------------------

HARDWARE_CASES = [
    ("deploy.yaml", "        resources:\n          limits:\n            nvidia.com/gpu: \"1\"\n", [("nvidia", 3)]),
    ("nb.ipynb", '   "x = x.to(\\"cuda\\")\\n",\n', [("nvidia", 1)]),
    ("train.py", 'device = "cuda" if torch.cuda.is_available() else "cpu"\n', [("nvidia", 1)]),
    ("run.sh", "export CUDA_VISIBLE_DEVICES=0,1\nnvidia-smi\n", [("nvidia", 1), ("nvidia", 2)]),
    ("infer.py", "import torch.neuron\nos.environ[\"NEURON_RT_NUM_CORES\"] = \"1\"\n", [("aws-neuron", 1), ("aws-neuron", 2)]),
    ("docker.md", "docker run -d --device /dev/kfd -p 11434:11434 ollama/ollama:rocm\n", [("amd", 1)]),
    ("values.yaml", "gpu_layers: 90\n", [("unknown", 1)]),
    ("notes.md", "Tested on H100 and MI300X nodes.\n", [("amd", 1), ("nvidia", 1)]),
    ("lb.md", "An L4 load balancer in front of A10 servers.\n", []),
    ("gallery.yaml", "cuda: true\n", [("nvidia", 1)]),
    ("isvc.yaml", '    "serving.kserve.io/gke-accelerator": "nvidia-tesla-t4"\n', [("nvidia", 1)]),
    (".env", "LLM_PROVIDER='nvidia-nim'\n", []),
    # a vendor-prefixed model or service name is no node label (LocalAI's gallery, semantic-kernel's NIM docs)
    ("gallery.yaml", "  - name: NVIDIA-Nemotron-3-Super-120B-A12B-Q8\n    service: nvidia-embeddings\n"
                     "    nodeSelector: {cloud.google.com/gke-accelerator: nvidia-l4}\n", [("nvidia", 3)]),
    # an accelerator that is also an ordinary token, in a hardware context (truss-examples, dstack)
    ("README.md", "This seven billion parameter model requires an A10 GPU.\n", [("nvidia", 1)]),
    ("offers.md", "  3  gcp      us-west4  4xCPU, 16GB, L4:24GB     yes   $0.21\n", [("nvidia", 1)]),
    ("bench.md", "Runs on an RTX 4090 or an RTX A6000.\n", [("nvidia", 1)]),
    ("model.py", "data[key] = item.cuda()\nmodel = model.cuda().eval()\n", [("nvidia", 1), ("nvidia", 2)]),
    # a vendor's image outside an image key: docker run, a build argument's default, an interpolated tag
    ("bench.md", "```shell\ndocker run -it rocm/vllm:latest /bin/bash\n```\n", [("amd", 2)]),
    ("Dockerfile", 'ARG BASE_IMAGE="nvcr.io/nvidia/cuda"\nFROM nvidia/cuda:13.0.3-base-ubuntu${UBUNTU_VERSION}.04 AS common\n',
     [("nvidia", 1), ("nvidia", 2)]),
    ("models.md", "Served from `nvidia/Llama-3.1-Nemotron-70B-Instruct` (a model, not an image).\n", []),
    # TPU slice types as inline code; a file named after one is not one
    ("tpu.md", "TPU types (e.g. `v5litepod-8`, `v6e-8`), not `v4-8-demo.mp4`.\n", [("google-tpu", 1)]),
    # GPU keys whose value is a program's name, type or expression (dstack, lemonade sources)
    ("offers.py", "def gpu_matches_gpu_spec(gpu: Gpu, gpu_spec: GPUSpec) -> bool:\n    gpu = resources.gpus[0]\n", []),
    ("fleet.ts", "const formatGpu = (gpu: any): string | null => {\nexport const f = (gpus: IGpu[]) => 1;\n", []),
    ("filters.ts", "    GPU_COUNT: 'gpu_count',\n", []),
    ("task.dstack.yml", "resources:\n  gpu: 24GB..\n  gpu: nvidia:1..\n", [("unknown", 2), ("unknown", 3)]),
    # Ascend products and chips however they are written, MetaX, AMD's LLVM targets (verl, ms-swift, LocalAI)
    ("ascend.rst", "Atlas 200T A2 Box16\nAtlas 900 A2 PODc with Ascend910B3\n", [("huawei-ascend", 1), ("huawei-ascend", 2)]),
    ("flops.py", 'FLOPS = {\n    "910B": 354e12,\n}\n', [("huawei-ascend", 2)]),
    ("metax.md", "| 0     MetaX C500 | 0 |\ndocker run --device=/dev/mxcd img\nexport MACA_MPS_MODE=1\n",
     [("metax", 1), ("metax", 2), ("metax", 3)]),
    ("Dockerfile", 'ENV PYTORCH_ROCM_ARCH="gfx90a;gfx942"\nENV HIPCC_FLAGS="--offload-arch=gfx1151"\n', [("amd", 1), ("amd", 2)]),
    # rocm as a device (TGI's SYSTEM == "rocm", MLC's --device rocm); metal stays out: also a UI effect, a chemistry word
    ("device.py", 'if SYSTEM == "rocm":\n    pass\nFX = {"effect": "metal"}\n', [("amd", 1)]),
]


@pytest.mark.parametrize("path, text, want", HARDWARE_CASES, ids=[c[0] + ":" + c[1][:25] for c in HARDWARE_CASES])
def test_hardware(kb, path, text, want):
    assert sorted(set(found(kb, path, text, Kind.HARDWARE))) == sorted(want)


CLOUD_CASES = [
    ("main.tf", 'resource "azurerm_cognitive_account" "this" {\n  location = "westeurope"\n}\n',
     [("azure", 1), ("westeurope", 2)]),
    ("providers.tf", 'terraform {\n  required_providers {\n    aws = {\n      source = "hashicorp/aws"\n', [("aws", 3), ("aws", 4)]),
    ("policy.json", '{"Action": ["bedrock:InvokeModel", "s3:GetObject"]}\n', [("aws", 1)]),
    (".env.example", "# LLM_PROVIDER='bedrock'\n# AWS_BEDROCK_LLM_REGION=us-west-2\n", [("aws", 1), ("aws", 2), ("us-west-2", 2)]),
    ("isvc.yaml", '      storageUri: "gs://kfserving-examples/models/tensorflow/flowers"\n', [("gcp", 1)]),
    ("accelerate.yaml", "ec2_instance_type: ml.p3.16xlarge\n", [("aws", 1)]),
    ("README.md", "We run in eu-central-1 on AWS.\n", []),
    ("network.tf", 'module "subnets" {\n  source  = "Azure/subnets/azurerm"\n}\n', [("azure", 2)]),
    ("launch.sh", 'python train.py --output_dir "/opt/ml/model"\n', [("aws", 1)]),
]


@pytest.mark.parametrize("path, text, want", CLOUD_CASES, ids=[c[0] + ":" + c[1][:25] for c in CLOUD_CASES])
def test_cloud(kb, path, text, want):
    assert sorted(set(found(kb, path, text, Kind.CLOUD))) == sorted(want)


def forms(kb, path: str, text: str) -> list[tuple[str, str, int]]:
    refs, _ = lexer_for(kb).analyse(path, text.encode("utf-8"))
    return sorted((r.id, r.form, r.line) for r in refs if r.kind == Kind.CLOUD)


def test_an_iac_type_token_must_match_its_pattern_whole(kb):
    # Pulumi and CloudFormation type tokens are resource types; an icon class, a colour name and
    # an OCI registry URI that begin with a cloud's name are not (seen in LocalAI's web assets)
    text = ('const b = new x("aws:s3/bucket:Bucket");\nType: AWS::S3::Bucket\n'
            '.fa-aws:before{content:"x"}\n.fa-cloudflare:before{}\nvar c={azure:[240,255,255]};\n'
            'img = "oci://localhost/custom-backend:edge"\n')
    assert forms(kb, "stack.ts", text) == [("aws", "resource-type", 1), ("aws", "resource-type", 2)]


def test_a_go_module_under_a_clouds_label_domain_is_its_sdk_not_a_label(kb):
    # cloud.google.com/ prefixes GKE node labels; cloud.google.com/go is Google's Go SDK: a call
    # form, which says nothing of where the stack runs
    assert forms(kb, "go.sum", "cloud.google.com/go v0.112.0 h1:abc=\ncloud.google.com/go/storage v1.0.0/go.mod h1:x=\n") == [
        ("gcp", "sdk", 1), ("gcp", "sdk", 2)]
    assert forms(kb, "main.go", 'import "cloud.google.com/go/storage"\n') == [("gcp", "sdk", 1)]
    assert forms(kb, "pool.yaml", "nodeSelector:\n  cloud.google.com/gke-accelerator: nvidia-tesla-t4\n") == [("gcp", "label", 2)]


def test_a_shared_region_takes_the_cloud_the_file_names(kb):
    text = 'provider "aws" {\n  region = "eu-central-1"\n}\n'
    r = [r for r in lexer_for(kb).analyse("versions.tf", text.encode())[0] if r.form == "region"][0]
    assert (r.id, r.provider, r.attribute("country")) == ("eu-central-1", "aws", "DE")


# -- provider attribution -----------------------------------------------------------------------

def providers(kb, path: str, text: str) -> dict[str, tuple[str, str]]:
    refs, _ = lexer_for(kb).analyse(path, text.encode("utf-8"))
    return {r.id: (r.provider, r.attribute("provider_scope")) for r in refs if r.kind == Kind.MODEL}


def test_each_call_takes_its_clients_provider(kb):
    text = (
        "from openai import OpenAI\n"
        "deepseek = OpenAI(api_key=os.environ['DEEPSEEK_API_KEY'], base_url='https://api.deepseek.com/v1')\n"
        "openai_client = OpenAI()\n"
        "REVIEW_MODEL = 'gpt-4o'\n"
        "def draft():\n"
        "    return deepseek.chat.completions.create(model='deepseek-chat', messages=[])\n"
        "def review():\n"
        "    return openai_client.chat.completions.create(model=REVIEW_MODEL, messages=[])\n"
    )
    assert providers(kb, "multi.py", text) == {"deepseek-chat": ("deepseek", "call"), "gpt-4o": ("openai", "call")}


def test_rebound_client_names_are_read_per_call(kb):
    text = (
        "def a():\n    client = ZhipuAI(api_key=k)\n    client.chat.completions.create(model='glm-4-plus')\n"
        "def b():\n    client = OpenAI(base_url='https://api.moonshot.cn/v1')\n    client.chat.completions.create(model='moonshot-v1-32k')\n"
    )
    assert providers(kb, "china.py", text) == {"glm-4-plus": ("zhipu", "call"), "moonshot-v1-32k": ("moonshot", "call")}


def test_an_imported_sdk_function_names_its_provider(kb):
    text = 'import { openai } from "@ai-sdk/openai";\nimport { anthropic } from "@ai-sdk/anthropic";\n' \
           'const a = openai("gpt-4o-mini");\nconst b = anthropic("claude-3-5-haiku-latest");\n'
    assert providers(kb, "route.ts", text) == {"gpt-4o-mini": ("openai", "call"), "claude-3-5-haiku-latest": ("anthropic", "call")}


def test_a_router_client_keeps_its_own_ids(kb):
    text = "or_client = OpenAI(base_url='https://openrouter.ai/api/v1')\n" \
           "or_client.chat.completions.create(model='anthropic/claude-3.5-sonnet')\n"
    assert providers(kb, "router.py", text) == {"anthropic/claude-3.5-sonnet": ("openrouter", "call")}


def test_a_service_the_knowledge_base_does_not_know_keeps_its_own_ids(kb):
    """A model variable beside the same service's key: the string is that service's id (its first
    part names the weights' maker, not a route), and who serves it is not established. A generic
    variable name pairs with nothing, so the LiteLLM reading stands."""
    text = "# ACME_LLM_API_KEY='your-key'\n# ACME_LLM_MODEL_PREF='deepseek/deepseek-r1'\n\n" \
           "LLM_API_KEY=x\nLLM_MODEL='deepseek/deepseek-chat'\n"
    refs, _ = lexer_for(kb).analyse(".env.example", text.encode())
    got = sorted((r.id, r.form, r.provider) for r in refs if r.kind == Kind.MODEL)
    assert got == [("deepseek-chat", "litellm", "deepseek"), ("deepseek/deepseek-r1", "api", "")]


def test_a_client_pointed_at_the_stacks_own_server_serves_its_calls(kb):
    """A client built on an in-cluster URL: the model passed to its calls is self-hosted, at call
    scope, with no provider (the stack's own server is nobody's API)."""
    text = 'client = OpenAI(base_url="http://vllm.default.svc.cluster.local:8000/v1", api_key="EMPTY")\n' \
           'client.chat.completions.create(model="minimax-m1", messages=[])\n'
    r = one(kb, "client.py", text)
    assert (r.id, r.provider, r.attribute("served_by"), r.attribute("provider_scope")) == ("minimax-m1", "", "self-hosted", "call")


def test_a_servers_alias_is_recorded_on_the_model_it_serves(kb):
    for path, text in [
        ("vllm.yaml", "args:\n  - --model\n  - Qwen/Qwen3-8B\n  - --served-model-name\n  - qwen3\n"),
        ("Dockerfile", 'CMD ["--model", "Qwen/Qwen3-8B", "--served-model-name", "qwen3"]\n'),
        ("serve.sh", "vllm serve Qwen/Qwen3-8B --served-model-name qwen3\n"),
    ]:
        r = one(kb, path, text)
        assert (r.id, r.attribute("served_name")) == ("Qwen/Qwen3-8B", "qwen3"), path


def test_a_provider_url_variable_with_a_value_is_read_for_its_value(kb):
    """OPENAI_BASE_URL points an OpenAI-compatible client anywhere: with a value, the URL decides;
    without one, the variable still says the OpenAI client is configured."""
    text = "OPENAI_BASE_URL=http://vllm:8000/v1\nOPENAI_BASE_URL=\n"
    refs, _ = lexer_for(kb).analyse(".env", text.encode())
    assert sorted((r.id, r.line, r.provider) for r in refs if r.kind == Kind.ENDPOINT) == [
        ("http://vllm:8000/v1", 1, ""), ("openai", 2, "openai")]


def test_evidence_elsewhere_in_a_class_body_is_not_the_models(kb):
    """A model in one settings field and a base URL in another: not the same object."""
    text = "class Settings(BaseSettings):\n    llm_model: str = 'claude-3-5-haiku-20241022'\n" \
           "    openai_base_url: str = 'https://api.openai.com/v1'\n    other: str = 'x'\n"
    assert providers(kb, "settings.py", text)["claude-3-5-haiku-20241022"][0] == ""


def test_a_credential_does_not_attribute_the_file(kb):
    text = "QWEN_MODEL=Qwen/Qwen2.5-7B-Instruct\n\nDEEPSEEK_API_KEY=sk-x\nDEEPSEEK_MODEL=deepseek-chat\n"
    assert providers(kb, ".env.example", text) == {"Qwen/Qwen2.5-7B-Instruct": ("", ""),
                                                   "deepseek-chat": ("deepseek", "object")}


def test_a_modelscope_model_page_names_its_id_and_its_hub(kb):
    """modelscope.cn/models/ORG/NAME as huggingface.co/ORG/NAME, with the hub said (ms-swift's
    supported-models tables); its datasets, studios and docs are not models."""
    text = ("|[swift/Qwen3-32B-AWQ](https://modelscope.cn/models/swift/Qwen3-32B-AWQ)|qwen3|\n"
            "|[d](https://www.modelscope.cn/datasets/AI-ModelScope/CodeAlpaca-20k)|\n"
            "See https://modelscope.cn/studios/qwen/Qwen2.5-chat and https://modelscope.cn/docs/intro\n")
    refs, _ = lexer_for(kb).analyse("models.md", text.encode())
    assert [(r.id, r.line, r.attribute("hub")) for r in refs if r.kind == Kind.MODEL] == [
        ("swift/Qwen3-32B-AWQ", 1, "modelscope.cn")]


def test_an_azure_deployment_names_its_model(kb):
    text = ('az cognitiveservices account deployment create \\\n    --deployment-name "gpt-4-deploy" \\\n'
            '    --model-name "gpt-4" \\\n    --model-format OpenAI\n')
    assert found(kb, "deploy.sh", text) == [("gpt-4", 3)]


def test_a_module_pointed_elsewhere_does_not_say_its_provider(kb):
    """openai.api_base = "http://localhost:8000/v1" (the pre-1.0 SDK, production-stack and mlc-llm
    examples): the module's calls go to the stack's own server, not to OpenAI."""
    text = ('import openai\n\nopenai.api_base = "http://localhost:8000/v1"\n\ndef main():\n'
            '    return openai.ChatCompletion.create(model="meta-llama/Llama-3.1-8B-Instruct", messages=[])\n')
    assert providers(kb, "tool_calling.py", text) == {"meta-llama/Llama-3.1-8B-Instruct": ("", "")}
    plain = 'import openai\n\ndef main():\n    return openai.ChatCompletion.create(model="gpt-4o", messages=[])\n'
    assert providers(kb, "plain.py", plain) == {"gpt-4o": ("openai", "call")}


def test_a_region_that_keys_a_lookup_table_is_a_choice(kb):
    """production-stack's CoreWeave map "EU-SOUTH-03" = ["H200"] made Spain a place its data goes:
    a table's keys are what it offers per region, as a template's allowed values are."""
    text = ('provider "aws" {\n  region = "eu-central-1"\n}\nlocals {\n  gpus = {\n    "eu-south-1" = ["H200"]\n  }\n}\n'
            'AMIS = {"us-west-2": "ami-1"}\narn = "arn:aws:bedrock:us-east-1:123456789012:model/x"\n')
    refs, _ = lexer_for(kb).analyse("main.tf", text.encode())
    got = {(r.id, r.line, r.attribute("choice")) for r in refs if r.kind == Kind.CLOUD and r.form == "region"}
    assert got == {("eu-central-1", 2, ""), ("eu-south-1", 6, "key"), ("us-west-2", 9, "key"), ("us-east-1", 10, "")}


def test_an_sdk_region_constant_names_its_region(kb):
    """The Java SDKs' Region.US_EAST_1 / Regions.EU_WEST_1 (langchain4j's Bedrock code): the region,
    of AWS; a longer name that starts the same is another constant."""
    text = ("BedrockChatModel m = BedrockChatModel.builder().region(Region.US_EAST_1).build();\n"
            "Regions r = Regions.EU_WEST_1;\nMyRegion.US_EAST_1X;\n")
    refs, _ = lexer_for(kb).analyse("Bedrock.java", text.encode())
    assert [(r.id, r.line, r.provider, r.attribute("country")) for r in refs if r.kind == Kind.CLOUD and r.form == "region"] == [
        ("us-east-1", 1, "aws", "US"), ("eu-west-1", 2, "aws", "IE")]


def test_the_hubs_token_is_not_a_serving_hint(kb):
    """HF_TOKEN downloads gated weights as much as it calls an API: a vLLM deployment passes it to
    fetch what it serves, so it says nothing about where the model runs (production-stack)."""
    text = 'import os\nos.environ["HF_TOKEN"] = token\nllm = LLM(model="Qwen/Qwen2.5-7B-Instruct")\n'
    refs, _ = lexer_for(kb).analyse("serve.py", text.encode())
    assert [r for r in refs if r.kind == Kind.ENDPOINT] == []


def test_a_bare_provider_name_is_its_client_only_where_its_sdk_is_imported(kb):
    """Replicate(), Perplexity (...): the provider's name, and an ordinary word (PyTorch's DTensor
    placement, a heading); its client where an import names its SDK, an SDK framework or a module
    of the project's own named after it."""
    def clients(path, text):
        refs, _ = lexer_for(kb).analyse(path, text.encode())
        return [(r.id, r.line) for r in refs if r.form == "client"]
    assert clients("state.py", "from torch.distributed.tensor import DTensor, Replicate\nps = [Replicate()]\n") == []
    assert clients("ppl.md", "### 2. Perplexity (PPL)\n") == []
    assert clients("run.py", "import replicate\nc = Replicate(api_token=t)\n") == [("replicate", 2)]
    assert clients("llm.py", "from langchain_community.llms import Ollama\nllm = Ollama(model=m)\n") == [("ollama", 2)]
    assert clients("llm.test.ts", 'import OpenAI from "../llm/llms/OpenAI";\nconst c = new OpenAI({});\n') == [("openai", 2)]
    # a distinctive class name needs no import
    assert clients("chat.py", "llm = ChatOpenAI(model=m)\n") == [("openai", 1)]


def test_a_self_hosted_runtime_serves_what_its_command_names(kb):
    assert providers(kb, "serve.sh", "ollama run llama3.2\n") == {"llama3.2": ("ollama", "call")}


# -- context and positions ----------------------------------------------------------------------

def test_context_code_comment_docs_notebook(kb):
    refs, _ = lexer_for(kb).analyse("a.py", b'# MODEL = "gpt-4o"\nMODEL = "gpt-4o-mini"\n')
    assert {r.id: r.context for r in refs} == {"gpt-4o": Context.COMMENT, "gpt-4o-mini": Context.CODE}
    nb = ('{"cells": [{"cell_type": "markdown", "source": ["Try `gpt-4o`"]},\n'
          ' {"cell_type": "code", "source": ["model = \\"gpt-4o-mini\\"\\n"]}]}\n')
    refs, _ = lexer_for(kb).analyse("nb.ipynb", nb.encode())
    assert {(r.id, r.context, r.cell) for r in refs} == {("gpt-4o", Context.DOCS, 1), ("gpt-4o-mini", Context.CODE, 2)}


def test_line_and_column_count_characters(kb):
    text = "# é模型\nx = 1; model = 'gpt-4o'\n"
    r = one(kb, "a.py", text)
    assert (r.line, r.column, r.text) == (2, 17, "gpt-4o")


def test_every_reference_keeps_what_the_eval_kit_reads(kb):
    refs, _ = lexer_for(kb).analyse("a.yaml", b"model: Qwen/Qwen2.5-7B-Instruct\nregion: eu-west-1\n")
    for r in refs:
        assert r.kind and r.id and r.text and r.path == "a.yaml" and r.line >= 1 and r.column >= 1


def test_a_providers_variant_suffix_names_the_provider_not_the_hub(kb):
    r = one(kb, "app.py", 'client.chat.completions.create(model="mistralai/mistral-7b-instruct:free")\n')
    assert (r.id, r.form, r.provider) == ("mistralai/mistral-7b-instruct:free", "api", "openrouter")
    # without the suffix the same string is a Hub id, and says nothing about who serves it
    r = one(kb, "app.py", 'client.chat.completions.create(model="mistralai/mistral-7b-instruct")\n')
    assert (r.form, r.provider) == ("hf", "")


def test_a_hub_repository_the_rules_list_is_not_read_as_a_litellm_route(kb):
    # basetenlabs/truss-examples and dstack serve openai/gpt-oss-120b from the Hub
    r = one(kb, "config.yaml", "model_cache:\n  - repo_id: openai/gpt-oss-120b\n")
    assert (r.id, r.form) == ("openai/gpt-oss-120b", "hf")
    r = one(kb, "config.yaml", "model: openai/gpt-4o\n")  # not a Hub repository: OpenAI's API
    assert (r.id, r.form, r.provider) == ("gpt-4o", "litellm", "openai")


def test_a_quoted_weight_file_stays_a_weight_file(kb):
    r = one(kb, "registry.json", '{"files": ["Q8_0/Qwen3-8B-Q8_0-00001-of-00002.gguf"]}\n')
    assert (r.id, r.form) == ("Q8_0/Qwen3-8B-Q8_0-00001-of-00002.gguf", "gguf")


def test_a_region_or_gpu_machine_type_that_is_a_whole_string_is_read_anywhere(kb):
    # Foundry-Local's region fallbacks, dstack's GCP compute backend, ai-app-lab's defaults
    text = ('fallbacks = {"northeurope", {"westeurope", "eastus2"}}\n'
            'if name in ["a3-edgegpu-8g", "p4de.24xlarge"]:\n'
            'VOLCENGINE_REGION = os.getenv("REGION", "cn-beijing")\n')
    got = sorted((r.kind.value, r.id, r.line) for r in lexer_for(kb).analyse("backend.py", text.encode())[0]
                 if r.kind in (Kind.CLOUD, Kind.HARDWARE))
    assert ("cloud", "westeurope", 1) in got and ("cloud", "eastus2", 1) in got and ("cloud", "northeurope", 1) in got
    assert ("cloud", "gcp", 2) in got and ("cloud", "aws", 2) in got and ("hardware", "nvidia", 2) in got
    assert ("cloud", "cn-beijing", 3) in got
    # the same names as words or inside other strings are not regions
    prose = 'The westeurope team said "see westeurope docs"; x = "g5.foo"\n'
    assert [r for r in lexer_for(kb).analyse("notes.py", prose.encode())[0] if r.kind in (Kind.CLOUD, Kind.HARDWARE)] == []


def test_a_cloud_web_page_is_not_a_use_of_the_cloud(kb):
    text = ('# See: https://cloud.google.com/logging/quotas\n'
            'url = f"https://console.cloud.google.com/logs/query?project={p}"\n'
            'help = "https://www.volcengine.com/docs/82379/1541594"\n'
            'scopes = ["https://www.googleapis.com/auth/cloud-platform"]\n')
    got = sorted((r.line, r.text) for r in lexer_for(kb).analyse("logs.py", text.encode())[0] if r.kind == Kind.CLOUD)
    assert got == [(4, "www.googleapis.com")]  # a service: Google's OAuth scope


def test_a_dashed_region_string_needs_its_cloud_named_in_the_file(kb):
    test = 'registry.SetNodeLabel(ctx, id, "region", "us-east")\n'  # LocalAI: a node label in a test
    assert [r for r in lexer_for(kb).analyse("registry_test.go", test.encode())[0] if r.kind == Kind.CLOUD] == []
    named = 'client = volcengine_client()\nVOLCENGINE_REGION = "cn-beijing"\nREGIONS = ["cn-shanghai"]\n'
    got = {(r.id, r.provider) for r in lexer_for(kb).analyse("deploy.py", named.encode())[0] if r.kind == Kind.CLOUD and r.form == "region"}
    # cn-beijing is a region of Volcengine (named here) and of Alibaba Cloud; cn-shanghai only of Alibaba Cloud
    assert got == {("cn-beijing", "volcengine")}


def test_a_shared_device_string_names_its_vendor_only_beside_the_vendor(kb):
    # Foundry-Local lists device kinds; torch_npu code moves tensors to Huawei Ascend's "npu"
    kinds = lexer_for(kb).analyse("devices.ts", b'const KNOWN_DEVICES = ["cpu", "gpu", "npu"];\n')[0]
    assert [(r.id, r.provider) for r in kinds if r.kind == Kind.HARDWARE] == [("unknown", "")]
    ascend = lexer_for(kb).analyse("train.py", b'import torch_npu\nx = x.to("npu")\n')[0]
    assert sorted((r.line, r.id) for r in ascend if r.kind == Kind.HARDWARE) == [(1, "huawei-ascend"), (2, "huawei-ascend")]
