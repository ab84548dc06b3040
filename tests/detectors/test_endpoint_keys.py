"""Which URLs are inference servers, for keys and pages seen in real repositories (Qwen-Agent's
model_server, Continue's apiKeyUrl, lmdeploy's docker flags)."""

from __future__ import annotations

from sovaudit.detect import lexer_for
from sovaudit.model import Kind


def refs(kb, path: str, text: str):
    found, _ = lexer_for(kb).analyse(path, text.encode())
    return sorted((r.line, r.kind.value, r.form, r.id, r.provider) for r in found)


def test_a_model_server_key_names_the_server_not_a_model(kb):
    src = ("llm_cfg = {'model': 'qwen-max', 'model_server': 'http://localhost:8000/v1'}\n"
           "m = {'model_url': 'http://localhost:8000/v1'}\n"
           "model_url = 'https://raw.githubusercontent.com/o/r/main/m.gguf'\n")
    assert refs(kb, "agent.py", src) == [
        (1, "endpoint", "url", "http://localhost:8000/v1", ""), (1, "model", "api", "qwen-max", ""),
        (2, "endpoint", "url", "http://localhost:8000/v1", ""),
        (3, "model", "other", "https://raw.githubusercontent.com/o/r/main/m.gguf", "")]


def test_a_web_address_without_a_server_is_not_one_under_a_model_key(kb):
    # a web page about the model: neither a model artifact nor an endpoint
    assert refs(kb, "card.py", "model_url = 'https://example.org/models/qwen.html'\n") == []


def test_api_key_pages_are_not_endpoints(kb):
    src = ('  apiKeyUrl: "https://console.anthropic.com/account/keys",\n'
           '  apiKeyUrl: "https://platform.deepseek.com/api_keys",\n'
           '  apiKeyUrl: "https://studio.nebius.ai/settings/api-keys",\n'
           '  apiKeyUrl: "https://aistudio.google.com/app/apikey",\n')
    assert [r for r in refs(kb, "providers.ts", src) if r[1] == "endpoint"] == []


def test_docker_gpus_names_one_vendor(kb):
    src = 'container:\n  options: "--gpus=all --ipc=host"\nrun: docker run --gpus all img\n'
    hw = [r for r in lexer_for(kb).analyse("ci.yml", src.encode())[0] if r.kind == Kind.HARDWARE]
    assert sorted((r.line, r.id) for r in hw) == [(2, "nvidia"), (3, "nvidia")]


def test_a_model_in_an_inference_api_path(kb):
    """Gemini, Vertex and Bedrock REST paths carry the model (rules: model_paths), percent-encoded
    in Bedrock's; only ids the knowledge base vouches for are taken."""
    src = ('curl "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent?key=$K"\n'
           "uri: https://bedrock-runtime.us-east-1.amazonaws.com/model/us.amazon.nova-micro-v1%3A0/converse\n"
           'u = f"https://us-central1-aiplatform.googleapis.com/v1/projects/{p}/locations/us-central1/publishers/google/models/gemini-2.5-pro:streamGenerateContent"\n'
           'x = "https://example.org/models/not-a-model:foo"\n')
    found = [(r.line, r.form, r.id) for r in lexer_for(kb).analyse("calls.sh", src.encode())[0] if r.kind == Kind.MODEL]
    assert sorted(found) == [(1, "api", "gemini-2.0-flash"), (2, "bedrock", "us.amazon.nova-micro-v1:0"), (3, "api", "gemini-2.5-pro")]


def test_local_services_that_are_not_inference_servers(kb):
    """A local URL on a database's, dashboard's or dev server's default port (rules:
    service_ports) is not an endpoint; on the same port an inference route, or a base-URL key,
    still is (lines as in dstack, trl, LocalAI, awsome-distributed-training, ai-app-lab)."""
    src = ('es = Elasticsearch("http://localhost:9200")\n'
           "Open the Ray dashboard at http://localhost:8265 to follow the job.\n"
           '        - "http://0.0.0.0:2379"\n'
           "Local URL: http://localhost:8501\n"
           'OPENAI_BASE_URL = "http://localhost:8265/v1"\n'
           'fetch("http://localhost:6006/api/v3/bots/chat/completions")\n'
           "curl http://localhost:11434/api/tags\n")
    assert [(r[0], r[3]) for r in refs(kb, "notes.md", src) if r[1] == "endpoint"] == [
        (5, "http://localhost:8265/v1"), (6, "http://localhost:6006/api/v3/bots/chat/completions"),
        (7, "http://localhost:11434/api/tags")]


def test_regions_a_template_lets_the_deployer_choose(kb):
    """Regions in a parameter's allowed values (Bicep @allowed, ARM allowedValues, CloudFormation
    AllowedValues inline or as items) carry the attribute choice; a region set elsewhere in the
    same file, or after the list has closed on the same line, does not."""
    bicep = ("@allowed([\n  'eastus'\n  'westeurope'\n])\nparam location string\n@allowed([ 'Hot', 'Cool' ])\n"
             "param tier string\nresource s 'Microsoft.Storage/storageAccounts@2022-05-01' = {\n  location: 'swedencentral'\n}\n")
    arm = ('{"parameters": {"location": {"allowedValues": [\n "australiaeast",\n "brazilsouth"], "defaultValue": "eastus2"}},\n'
           ' "resources": [{"type": "Microsoft.Web/sites", "location": "northeurope"}]}\n')
    cfn = ("Parameters:\n  Region:\n    AllowedValues:\n      - us-east-1\n      - eu-west-1\n    Default: us-west-2\n"
           "  Other:\n    AllowedValues: [ap-northeast-1, eu-central-1]\nResources:\n  B:\n    Type: AWS::S3::Bucket\n")

    def regions(path, text):
        found, _ = lexer_for(kb).analyse(path, text.encode())
        return sorted((r.line, r.id, r.attribute("choice")) for r in found if r.form == "region")

    assert regions("main.bicep", bicep) == [(2, "eastus", "allowed-values"), (3, "westeurope", "allowed-values"),
                                            (9, "swedencentral", "")]
    assert regions("azuredeploy.json", arm) == [(2, "australiaeast", "allowed-values"), (3, "brazilsouth", "allowed-values"),
                                                (3, "eastus2", ""), (4, "northeurope", "")]
    assert regions("stack.yaml", cfn) == [(4, "us-east-1", "allowed-values"), (5, "eu-west-1", "allowed-values"),
                                          (6, "us-west-2", ""), (8, "ap-northeast-1", "allowed-values"),
                                          (8, "eu-central-1", "allowed-values")]


def test_typed_declarations_name_their_key_not_their_type(kb):
    """rig's `const API_BASE_URL: &str = "https://api.githubcopilot.com";` and the same shape in
    TypeScript, Python and Go: the key is the declared name (rules: string_types), so a base URL
    and a default model are read as they are in an untyped assignment."""
    files = {
        "client.rs": 'pub const API_BASE_URL: &str = "https://api.githubcopilot.com";\n'
                     "pub const DEFAULT_MODEL: &'static str = \"llama3.2\";\n",
        "client.ts": 'export const API_BASE_URL: string = "https://api.githubcopilot.com";\n'
                     'const DEFAULT_MODEL: string = "llama3.2";\n',
        "client.py": 'API_BASE_URL: str = "https://api.githubcopilot.com"\nDEFAULT_MODEL: Optional[str] = "llama3.2"\n',
        "client.go": 'const apiBaseURL string = "https://api.githubcopilot.com"\n',
    }
    got = {p: [(r[0], r[1], r[3]) for r in refs(kb, p, src)] for p, src in files.items()}
    url = "https://api.githubcopilot.com"
    assert got == {"client.rs": [(1, "endpoint", url), (2, "model", "llama3.2")],
                   "client.ts": [(1, "endpoint", url), (2, "model", "llama3.2")],
                   "client.py": [(1, "endpoint", url), (2, "model", "llama3.2")],
                   "client.go": [(1, "endpoint", url)]}
    # outside code nothing is a typed declaration: a YAML value that reads like one is no endpoint
    assert refs(kb, "cfg.yaml", 'api_base: str = "https://api.githubcopilot.com"\n') == []


def test_a_model_hub_mirror_a_web_ui_and_a_package_index_are_not_endpoints(kb):
    """Xinference's docs: HF_ENDPOINT=https://hf-mirror.com (where weights download from), the
    server's own /ui, a PyPI index's /simple; the server's base URL stays an endpoint."""
    src = ("HF_ENDPOINT=https://hf-mirror.com\nXINFERENCE_ENDPOINT=http://127.0.0.1:9997\n"
           "UI_URL=http://127.0.0.1:9997/ui\nPIP_INDEX_URL=http://xinference-pypiserver:8080/simple\n")
    assert [(r[0], r[3]) for r in refs(kb, ".env", src) if r[1] == "endpoint"] == [(2, "http://127.0.0.1:9997")]


def test_a_providers_own_host_pattern_is_its_api_whatever_the_path(kb):
    """{resource}.openai.azure.com, bedrock-runtime.{region}.amazonaws.com, model-{id}.api.baseten.co
    serve nothing but that provider's API: a base without /v1 (Azure's /openai), a bare host held by
    a plain variable, a Baseten environment path are endpoints. A documentation site is not."""
    src = ('endpoint1 = "https://contoso-eastus.openai.azure.com/"\n'
           'base = "https://myres.openai.azure.com/openai"\n'
           'URL = "https://bedrock-runtime.us-east-1.amazonaws.com"\n'
           'u = "https://model-abc123.api.baseten.co/environments/production/sync/v1"\n'
           'docs = "https://learn.microsoft.com/azure/ai-services/openai/"\n')
    got = [(line, rid, prov) for line, kind, _form, rid, prov in refs(kb, "clients.py", src) if kind == "endpoint"]
    assert got == [(1, "https://contoso-eastus.openai.azure.com", "azure-openai"),
                   (2, "https://myres.openai.azure.com/openai", "azure-openai"),
                   (3, "https://bedrock-runtime.us-east-1.amazonaws.com", "bedrock"),
                   (4, "https://model-abc123.api.baseten.co/environments/production/sync/v1", "baseten")]


def test_a_hub_urls_repository_may_end_like_a_source_file(kb):
    """huggingface.co/ggerganov/whisper.cpp is a repository (whisper.cpp's GGML weights); its name's
    ".cpp" made it look like a file. A page or an image under the host is still not one."""
    src = ('src="https://huggingface.co/ggerganov/whisper.cpp"\n'
           'curl -L https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin -o m.bin\n'
           '<img src="https://huggingface.co/avatars/6b97d30ff0bdb5d5c633ba850af739cd.svg">\n'
           'see https://huggingface.co/transformers/installation.html\n')
    got = [(line, form, rid) for line, kind, form, rid, _p in refs(kb, "download.sh", src) if kind == "model"]
    assert got == [(1, "hf-uri", "ggerganov/whisper.cpp"), (2, "hf-uri", "ggerganov/whisper.cpp")]
