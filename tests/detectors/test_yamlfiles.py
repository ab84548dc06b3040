"""YAML: Kubernetes, Compose, Helm, LiteLLM, CI workflows and generic configs."""

from __future__ import annotations

import textwrap

import pytest

from sovaudit.detectors.base import SourceFile
from sovaudit.detectors.yamlfiles import YamlDetector, blank_templates
from sovaudit.model import Context, Kind, Reference, Skipped

DET = YamlDetector()


def scan(path: str, text: str, kb) -> tuple[list[Reference], list[Skipped]]:
    text = textwrap.dedent(text).lstrip("\n")
    items = list(DET.detect(SourceFile(path, text=text), kb))
    refs = [r for r in items if isinstance(r, Reference)]
    skips = [s for s in items if isinstance(s, Skipped)]
    lines = text.split("\n")
    for r in refs:  # the text is exactly what is written where the reference points
        assert lines[r.line - 1][r.column - 1:].startswith(r.text), r
        assert r.detector == "yaml"
    return refs, skips


def refs_of(path, text, kb):
    refs, skips = scan(path, text, kb)
    assert skips == []
    return refs


def rows(refs, kind: Kind):
    return [(r.id, r.line, r.column, r.form, r.provider) for r in refs if r.kind is kind]


@pytest.mark.parametrize("path,expected", [
    ("deploy/k8s.yaml", True), ("docker-compose.yml", True), (".github/workflows/ci.yml", True), ("values.YAML", True),
    ("config.json", False), ("yaml.py", False), ("Dockerfile", False),
])
def test_applies(path, expected):
    assert DET.applies(path) is expected


# -- Kubernetes -----------------------------------------------------------------------------

DEPLOYMENT = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: llama-70b
    spec:
      template:
        spec:
          nodeSelector:
            eks.amazonaws.com/nodegroup: gpu
            node.kubernetes.io/instance-type: p5.48xlarge
          containers:
            - name: vllm
              image: vllm/vllm-openai:v0.6.4.post1
              command: ["vllm", "serve"]
              args:
                - meta-llama/Llama-3.3-70B-Instruct
                - --tensor-parallel-size=8
                - --served-model-name=llama-70b
              env:
                - name: HF_TOKEN
                  valueFrom:
                    secretKeyRef: {name: hf, key: token}
                - name: OPENAI_API_KEY
                  value: sk-live-NOTAREALSECRET0000000000
                - name: EMBEDDING_MODEL
                  value: 'BAAI/bge-m3'
                - name: OPENAI_BASE_URL
                  value: "https://api.openai.com/v1"
              resources:
                limits:
                  nvidia.com/gpu: 8
"""


def test_deployment(kb):
    refs = refs_of("deploy/k8s.yaml", DEPLOYMENT, kb)
    assert rows(refs, Kind.MODEL) == [
        ("meta-llama/Llama-3.3-70B-Instruct", 16, 15, "hf", ""),
        ("BAAI/bge-m3", 26, 23, "hf", ""),
    ]
    assert next(r for r in refs if r.kind is Kind.MODEL).attribute("served_name") == "llama-70b"
    assert rows(refs, Kind.CLOUD) == [("aws", 9, 9, "label", "aws")]
    assert rows(refs, Kind.HARDWARE) == [("nvidia", 10, 43, "instance-type", ""), ("nvidia", 31, 15, "resource", "nvidia")]
    it = next(r for r in refs if r.form == "instance-type")
    assert (it.attribute("accelerator"), it.attribute("cloud")) == ("H100", "aws")
    assert rows(refs, Kind.PACKAGE) == [("vllm", 13, 18, "image", ""), ("vllm", 14, 22, "command", "")]
    assert rows(refs, Kind.ENDPOINT) == [
        ("huggingface", 20, 21, "env", "huggingface"),  # valueFrom: the name only
        ("openai", 23, 21, "env", "openai"),
        ("openai", 27, 21, "env", "openai"),
        ("https://api.openai.com/v1", 28, 23, "url", "openai"),
    ]
    assert {r.context for r in refs} == {Context.CONFIG}


def test_secrets_are_never_copied(kb):
    secret = "sk-live-NOTAREALSECRET0000000000"
    refs = refs_of("deploy/k8s.yaml", DEPLOYMENT, kb)
    refs += refs_of("docker-compose.yml", f"""
        services:
          app:
            environment:
              ANTHROPIC_API_KEY: {secret}
              - ignored
    """.replace("      - ignored\n", ""), kb)
    refs += refs_of("secret.yaml", f"""
        apiVersion: v1
        kind: Secret
        metadata: {{name: keys}}
        stringData:
          OPENAI_API_KEY: {secret}
          model: meta-llama/Llama-3.1-8B
    """, kb)
    assert refs
    for r in refs:
        assert all(secret not in str(v) for v in (r.id, r.text, r.provider, r.attributes, r.related)), r


@pytest.mark.parametrize("labels,provider,country", [
    ({"eks.amazonaws.com/nodegroup": "gpu"}, "aws", "SG"),
    ({"alibabacloud.com/nodepool-id": "np1"}, "alicloud", "SG"),
    ({"node.kubernetes.io/instance-type": "p4d.24xlarge"}, "aws", "SG"),
    ({}, "", ""),  # no cloud named: never guess (Huawei Cloud's ap-southeast-1 is Hong Kong)
    ({"eks.amazonaws.com/nodegroup": "gpu", "alibabacloud.com/nodepool-id": "np1"}, "", ""),  # two clouds own it
])
def test_region_needs_its_cloud(kb, labels, provider, country):
    extra = "".join(f"\n    {k}: {v}" for k, v in labels.items())
    text = f"apiVersion: v1\nkind: Pod\nspec:\n  nodeSelector:\n    topology.kubernetes.io/region: ap-southeast-1{extra}\n"
    refs, _ = scan("pod.yaml", text, kb)
    region = [r for r in refs if r.form == "region"]
    assert [(r.id, r.line, r.column, r.provider, r.attribute("country")) for r in region] == [
        ("ap-southeast-1", 5, 36, provider, country)]


def test_region_cloud_from_another_document_and_affinity(kb):
    refs = refs_of("multi.yaml", """
        apiVersion: v1
        kind: Pod
        spec:
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
                  - matchExpressions:
                      - key: topology.kubernetes.io/region
                        operator: In
                        values: [europe-west4]
        ---
        apiVersion: v1
        kind: Pod
        spec:
          nodeSelector:
            cloud.google.com/gke-accelerator: nvidia-h100-80gb
            topology.kubernetes.io/zone: us-central1-a
    """, kb)
    assert rows(refs, Kind.CLOUD) == [
        ("europe-west4", 11, 26, "region", "gcp"),
        ("gcp", 17, 5, "label", "gcp"),
        ("us-central1", 18, 34, "region", "gcp"),
    ]
    assert rows(refs, Kind.HARDWARE) == [("nvidia", 17, 39, "label", "")]


def test_kserve_and_other_accelerators(kb):
    refs = refs_of("isvc.yaml", """
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata: {name: qwen-chat}
        spec:
          predictor:
            model:
              modelFormat: {name: huggingface}
              args: ["--model_name=qwen-chat", "--model_id=BAAI/bge-m3"]
              storageUri: hf://Qwen/Qwen2.5-14B-Instruct
              resources:
                limits: {huawei.com/Ascend910B: 1, amd.com/gpu: "1", google.com/tpu: 4, aws.amazon.com/neuron: 1}
        ---
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata: {name: fraud}
        spec:
          predictor:
            model:
              modelFormat: {name: sklearn}
              storageUri: s3://kontor-models/fraud/2024/11/
    """, kb)
    assert rows(refs, Kind.MODEL) == [("BAAI/bge-m3", 8, 52, "hf", ""), ("Qwen/Qwen2.5-14B-Instruct", 9, 19, "hf-uri", "huggingface")]
    assert [r[0] for r in rows(refs, Kind.HARDWARE)] == ["huawei-ascend", "amd", "google-tpu", "aws-neuron"]
    assert {r.form for r in refs if r.kind is Kind.HARDWARE} == {"resource"}


def test_configmap_with_embedded_yaml_and_block_scalar_script(kb):
    refs = refs_of("cm.yaml", """
        apiVersion: v1
        kind: ConfigMap
        data:
          LLM_MODEL: mistralai/Mistral-Small-Instruct-2409
          CONTENT_TYPE: application/json
          config.yaml: |
            llm:
              model: "Qwen/Qwen2.5-32B-Instruct"
          start.sh: |
            #!/bin/sh
            exec vllm serve \\
              google/gemma-2-9b-it --port 8000
    """, kb)
    assert rows(refs, Kind.MODEL) == [
        ("mistralai/Mistral-Small-Instruct-2409", 4, 14, "hf", ""),
        ("Qwen/Qwen2.5-32B-Instruct", 8, 15, "hf", ""),
        ("google/gemma-2-9b-it", 12, 7, "hf", ""),
    ]


def test_container_shell_args(kb):
    refs = refs_of("job.yaml", """
        apiVersion: batch/v1
        kind: Job
        spec:
          template:
            spec:
              containers:
                - image: ollama/ollama:0.4.2
                  command: ["/bin/sh", "-c"]
                  args:
                    - >-
                      ollama serve & sleep 5 &&
                      ollama pull qwen2.5:14b
                  env:
                    - {name: OLLAMA_HOST, value: "http://ollama.edge-ai.svc:11434"}
    """, kb)
    assert rows(refs, Kind.MODEL) == [("qwen2.5:14b", 12, 27, "ollama", "ollama")]


# -- Compose --------------------------------------------------------------------------------

COMPOSE = """
    x-env: &env
      environment:
        - LLM_MODEL=Qwen/Qwen2.5-Coder-7B-Instruct
        - MODEL_CACHE=/models
    services:
      vllm:
        <<: *env
        image: vllm/vllm-openai:v0.6.4.post1
        command: --model ${MODEL:-Qwen/Qwen2.5-Coder-7B-Instruct} --max-model-len 16384
        deploy:
          resources:
            reservations:
              devices:
                - driver: nvidia
                  count: 1
                  capabilities: [gpu]
      nim:
        image: nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3
        runtime: nvidia
      embeddings:
        image: ghcr.io/huggingface/text-embeddings-inference:cpu-1.5
        command: ["--model-id", "BAAI/bge-large-en-v1.5", "--port", "80"]
      app:
        build: .
        environment:
          CHAT_FALLBACK_MODEL: llama3.1:8b
          DEEPSEEK_API_KEY: ${DEEPSEEK_API_KEY}
"""


def test_compose(kb):
    refs = refs_of("docker-compose.yml", COMPOSE, kb)
    assert rows(refs, Kind.MODEL) == [
        ("Qwen/Qwen2.5-Coder-7B-Instruct", 3, 17, "hf", ""),
        ("Qwen/Qwen2.5-Coder-7B-Instruct", 9, 31, "hf", ""),
        ("meta/llama-3.1-8b-instruct", 18, 12, "image", ""),
        ("BAAI/bge-large-en-v1.5", 22, 30, "hf", ""),
        ("llama3.1:8b", 26, 28, "ollama", "ollama"),
    ]
    assert rows(refs, Kind.HARDWARE) == [
        ("nvidia", 14, 23, "device", "nvidia"),
        ("nvidia", 18, 12, "image", "nvidia"),
        ("nvidia", 19, 14, "device", "nvidia"),
    ]
    assert [r[0] for r in rows(refs, Kind.PACKAGE)] == ["vllm", "nvidia-nim", "tei"]
    assert rows(refs, Kind.ENDPOINT) == [("deepseek", 27, 7, "env", "deepseek")]


def test_endpoints_named_by_their_key(kb):
    refs = refs_of("docker-compose.yml", """
        services:
          app:
            environment:
              - LLM_BASE_URL=http://vllm:8000/v1
              - EMBEDDINGS_URL=http://embeddings:80
              - VECTOR_STORE_URL=http://qdrant:6333
              - OLLAMA_HOST=http://ollama:11434
            labels:
              docs: https://api.openai.com/v1/models
        x-config:
          openai_api_base: http://localhost:8000/v1
          homepage: https://example.com
    """, kb)
    assert [(r.id, r.line, r.column, r.provider) for r in refs if r.form == "url"] == [
        ("http://vllm:8000/v1", 4, 22, ""),
        ("http://embeddings:80", 5, 24, ""),
        ("http://ollama:11434", 7, 21, ""),
        ("https://api.openai.com/v1/models", 9, 13, "openai"),  # a known provider's host, wherever it is
        ("http://localhost:8000/v1", 11, 20, ""),
    ]


# -- LiteLLM --------------------------------------------------------------------------------

def test_litellm_proxy_config(kb):
    refs = refs_of("litellm/config.yaml", """
        model_list:
          - model_name: gpt-4o
            litellm_params:
              model: azure/gpt-4o
              api_base: https://kontor-hr-oai.openai.azure.com/
              api_key: os.environ/AZURE_API_KEY
          - model_name: local-coder
            litellm_params:
              model: hosted_vllm/Qwen/Qwen2.5-Coder-32B-Instruct
              api_base: http://vllm-coder.llm.svc.cluster.local:8000/v1
          - model_name: local-llama
            litellm_params:
              model: ollama_chat/llama3.1:70b
          - model_name: qwen-72b
            litellm_params:
              model: openrouter/qwen/qwen-2.5-72b-instruct
        router_settings:
          fallbacks: [{gpt-4o: [local-llama]}]
    """, kb)
    assert rows(refs, Kind.MODEL) == [
        ("gpt-4o", 4, 14, "litellm", "azure-openai"),
        ("Qwen/Qwen2.5-Coder-32B-Instruct", 9, 14, "litellm", ""),
        ("llama3.1:70b", 13, 14, "litellm", "ollama"),
        ("qwen/qwen-2.5-72b-instruct", 16, 14, "litellm", "openrouter"),
    ]
    endpoints = [(r.id, r.line, r.column) for r in refs if r.kind is Kind.ENDPOINT and r.form == "url"]
    assert endpoints == [("https://kontor-hr-oai.openai.azure.com", 5, 17),
                         ("http://vllm-coder.llm.svc.cluster.local:8000/v1", 10, 17)]


# -- Helm -----------------------------------------------------------------------------------

VALUES = """
    servingEngineSpec:
      modelSpec:
        - name: "llama3"
          repository: "vllm/vllm-openai"
          tag: "v0.6.4"
          modelURL: "meta-llama/Llama-3.1-8B-Instruct"
    nim:
      image:
        registry: nvcr.io
        repository: nim/meta/llama3-8b-instruct
        tag: 1.0.0
    embeddings:
      model: "BAAI/bge-small-en-v1.5"
      servedModelName: embedder
      image: {repository: ghcr.io/huggingface/text-embeddings-inference, tag: cpu-1.5}
    localModel: ./models/local
"""


def test_helm_values(kb):
    refs = refs_of("chart/values.yaml", VALUES, kb)
    assert rows(refs, Kind.MODEL) == [
        ("meta-llama/Llama-3.1-8B-Instruct", 6, 18, "hf", ""),
        ("meta/llama3-8b-instruct", 10, 17, "image", ""),
        ("BAAI/bge-small-en-v1.5", 13, 11, "hf", ""),
        ("embedder", 14, 20, "name", ""),
    ]
    assert [(r[0], r[1], r[2]) for r in rows(refs, Kind.PACKAGE)] == [("vllm", 4, 20), ("nvidia-nim", 10, 17), ("tei", 15, 23)]


TEMPLATE = """
    {{- range $spec := .Values.servingEngineSpec.modelSpec }}
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: {{ $.Release.Name }}-{{ $spec.name }}
      labels:
        {{- include "llm-stack.labels" $ | nindent 4 }}
    spec:
      template:
        spec:
          containers:
            - name: engine
              image: "{{ $spec.repository }}:{{ $spec.tag }}"
              args:
                - --model
                - {{ $spec.modelURL | quote }}
                - --tokenizer
                - Qwen/Qwen2.5-7B-Instruct
              resources:
                limits:
                  nvidia.com/gpu: {{ $spec.requestGPU }}
    ---
    {{- end }}
    {{- if .Values.extra }}
    apiVersion: v1
    kind: ConfigMap
    data:
      broken: [ {{ .Values.x }}
    {{- end }}
"""


def test_helm_template(kb):
    refs, skips = scan("chart/templates/deployment.yaml", TEMPLATE, kb)
    assert rows(refs, Kind.HARDWARE) == [("nvidia", 21, 15, "resource", "nvidia")]
    assert rows(refs, Kind.MODEL) == [("Qwen/Qwen2.5-7B-Instruct", 18, 15, "hf", "")]
    assert [(s.path, s.reason) for s in skips] == [("chart/templates/deployment.yaml", "templated")]
    assert skips[0].detail.startswith("document 2 (line 22)")


def test_sample_placeholders(kb):
    refs, skips = scan("gpu.yaml", """
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        spec:
          predictor:
            containers:
            - image: {username}/torchserve-gpu:latest
              resources:
                limits:
                  nvidia.com/gpu: 1
    """, kb)
    assert rows(refs, Kind.HARDWARE) == [("nvidia", 9, 11, "resource", "nvidia")] and skips == []


def test_blank_templates_keeps_positions():
    src = 'a: {{ .Values.a }}\n  {{- if x }}\nb: "{{ .b }}:{{ .c }}"\n'
    out = blank_templates(src)
    assert len(out) == len(src) and out.count("\n") == src.count("\n")
    assert out.split("\n")[1].strip() == "" and "{" not in out


# -- CI -------------------------------------------------------------------------------------

def test_github_workflow(kb):
    refs = refs_of(".github/workflows/eval.yml", """
        name: eval
        on: [push]
        env:
          JUDGE_MODEL: gpt-4o-2024-08-06
        jobs:
          eval:
            runs-on: [self-hosted, gpu]
            strategy:
              matrix:
                model: [Qwen/Qwen2.5-7B-Instruct, ibm-granite/granite-3.0-8b-instruct]
            steps:
              - uses: actions/checkout@v4
              - uses: huggingface/hub-action@v1
              - run: huggingface-cli download ${{ matrix.model }}
              - name: smoke
                run: |
                  pip install -r requirements.txt
                  huggingface-cli download \\
                    HuggingFaceTB/SmolLM2-135M-Instruct
                  lm_eval --model vllm --model_args pretrained=${{ matrix.model }}
    """, kb)
    assert [(r.id, r.line, r.column) for r in refs if r.kind is Kind.MODEL] == [
        ("gpt-4o-2024-08-06", 4, 16),
        ("Qwen/Qwen2.5-7B-Instruct", 10, 17),
        ("ibm-granite/granite-3.0-8b-instruct", 10, 43),
        ("HuggingFaceTB/SmolLM2-135M-Instruct", 19, 13),
    ]


def test_gitlab_ci(kb):
    refs = refs_of(".gitlab-ci.yml", """
        variables:
          MODEL_ID: mistralai/Mistral-7B-Instruct-v0.3
          HF_TOKEN: {value: "hf_NOTAREALTOKEN", description: "read token"}
        smoke:
          image: vllm/vllm-openai:v0.6.4
          script:
            - vllm serve "$MODEL_ID" &
            - ollama pull llama3.2
    """, kb)
    assert [(r.id, r.line, r.column, r.form) for r in refs if r.kind is Kind.MODEL] == [
        ("mistralai/Mistral-7B-Instruct-v0.3", 2, 13, "hf"),
        ("llama3.2", 8, 19, "ollama"),
    ]
    assert all("hf_NOTAREALTOKEN" not in (r.text + r.id) for r in refs)


# -- generic configs and hard negatives ----------------------------------------------------

def test_generic_config(kb):
    refs = refs_of("config/app.yaml", """
        llm:
          provider: anthropic
          model: claude-3-5-haiku-20241022
          base_model: "meta-llama/Llama-3.2-1B"
          embedding_model: 'intfloat/multilingual-e5-large'
          models: [voyage-3, rerank-2]
          max_model_len: 8192
          model_dir: ./models/llm
          content_type: application/json
        # alternatives: mistralai/Mistral-7B-Instruct-v0.3, my-model
        tokenizer: Qwen/Qwen2.5-7B-Instruct  # inline comment with google/gemma-2-9b-it
    """, kb)
    assert [(r.id, r.line, r.column, r.context.value) for r in refs if r.kind is Kind.MODEL] == [
        ("claude-3-5-haiku-20241022", 3, 10, "config"),
        ("meta-llama/Llama-3.2-1B", 4, 16, "config"),
        ("intfloat/multilingual-e5-large", 5, 21, "config"),
        ("voyage-3", 6, 12, "config"),
        ("rerank-2", 6, 22, "config"),
        ("mistralai/Mistral-7B-Instruct-v0.3", 10, 17, "comment"),
        ("google/gemma-2-9b-it", 11, 60, "comment"),
    ]


@pytest.mark.parametrize("text", [
    "steps:\n  - uses: actions/checkout@v4\n  - uses: huggingface/hub-action@v1\n",
    "image: nvidia/cuda:12.4.1-base-ubuntu22.04\n",
    "model: ./models/x\nmodel_path: /mnt/models/llama\n",
    "repository: huggingface/transformers\nhomepage: https://github.com/meta-llama/llama-models\n",
    "model: ${MODEL}\nmodel_id: '{{ .Values.model }}'\nmodel_name: <MODEL_ID>\n",
    "model: true\nmodel_id: 42\nmodels: 3\n",
    "dependencies:\n  - name: qdrant\n    repository: https://qdrant.github.io/qdrant-helm\n",
    "metadata:\n  labels:\n    model: llama3-pv\n  annotations: {model: opt125m}\nspec:\n  pvcMatchLabels: {model: mistral}\n",
])
def test_hard_negatives(kb, text):
    refs = refs_of("x.yaml", text, kb)
    assert [r for r in refs if r.kind is Kind.MODEL] == []


def test_block_scalar_positions(kb):
    refs = refs_of("x.yaml", """
        run: >
          echo start &&
          vllm serve Qwen/Qwen2.5-7B-Instruct
        script: "echo hi && \\
          vllm serve \\"google/gemma-2-2b-it\\""
    """, kb)
    assert [(r.id, r.line, r.column) for r in refs if r.kind is Kind.MODEL] == [
        ("Qwen/Qwen2.5-7B-Instruct", 3, 14), ("google/gemma-2-2b-it", 5, 16)]


# -- malformed ------------------------------------------------------------------------------

def test_malformed_yaml_raises_with_line(kb):
    with pytest.raises(ValueError, match="line 3"):
        list(DET.detect(SourceFile("bad.yaml", text="a: 1\nb: [1, 2\nc: 3\n"), kb))


def test_malformed_second_document_keeps_the_first(kb):
    refs, skips = scan("multi.yaml", """
        model: Qwen/Qwen2.5-7B-Instruct
        ---
        key: [unclosed
        other: 1
        ---
        model: google/gemma-2-9b-it
    """, kb)
    assert [(r.id, r.line) for r in refs] == [("Qwen/Qwen2.5-7B-Instruct", 1), ("google/gemma-2-9b-it", 6)]
    assert [(s.path, s.reason) for s in skips] == [("multi.yaml", "could not parse (yaml)")]
    assert skips[0].detail.startswith("document 2 (line 2)")


def test_empty_and_scalar_documents(kb):
    assert refs_of("empty.yaml", "", kb) == []
    assert refs_of("scalar.yaml", "just a string\n", kb) == []
    assert refs_of("comments.yaml", "# nothing\n---\n---\n", kb) == []


def test_ray_serve_config_embedded(kb):
    refs = refs_of("rayservice.yaml", """
        apiVersion: ray.io/v1
        kind: RayService
        spec:
          serveConfigV2: |
            applications:
              - name: llm
                import_path: ray.serve.llm:build_openai_app
                args:
                  llm_configs:
                    - model_loading_config:
                        model_id: qwen
                        model_source: Qwen/Qwen2.5-7B-Instruct
          rayClusterConfig:
            headGroupSpec:
              template:
                spec:
                  containers:
                    - image: rayproject/ray-llm:2.44.0-py311-cu124
    """, kb)
    assert [(r.id, r.line, r.column) for r in refs if r.kind is Kind.MODEL] == [
        ("qwen", 11, 27), ("Qwen/Qwen2.5-7B-Instruct", 12, 31)]
    assert rows(refs, Kind.PACKAGE) == [("ray-serve", 18, 22, "image", "")]


def test_karpenter_requirements(kb):
    refs = refs_of("nodepool.yaml", """
        apiVersion: karpenter.sh/v1
        kind: NodePool
        spec:
          template:
            spec:
              requirements:
                - key: node.kubernetes.io/instance-type
                  operator: In
                  values: ["p5.48xlarge", "inf2.xlarge", "m5.large"]
                - key: topology.kubernetes.io/zone
                  operator: In
                  values: [eu-west-1a]
    """, kb)
    assert rows(refs, Kind.HARDWARE) == [("nvidia", 9, 21, "instance-type", ""), ("aws-neuron", 9, 36, "instance-type", "")]
    region = next(r for r in refs if r.form == "region")
    assert (region.id, region.line, region.column, region.provider, region.attribute("zone")) == ("eu-west-1", 12, 20, "aws", "eu-west-1a")


@pytest.mark.parametrize("path,text,expected", [
    ("azure-pipelines.yml", """
        steps:
          - script: |
              huggingface-cli download BAAI/bge-m3
            displayName: fetch
          - bash: ollama pull llama3.2
    """, [("BAAI/bge-m3", 3, 32), ("llama3.2", 5, 23)]),
    ("bitbucket-pipelines.yml", """
        pipelines:
          default:
            - step:
                script:
                  - vllm serve Qwen/Qwen2.5-0.5B-Instruct --port 8000 &
    """, [("Qwen/Qwen2.5-0.5B-Instruct", 5, 24)]),
])
def test_other_ci(kb, path, text, expected):
    refs = refs_of(path, text, kb)
    assert [(r.id, r.line, r.column) for r in refs if r.kind is Kind.MODEL] == expected
