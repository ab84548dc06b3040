"""Cloud CLIs (rules/clouds.yaml ``cli_commands``) are read where a command is run -- a script
line, a prompt, a CI step, a Dockerfile RUN, inline code, an argument list -- and not where the
word is a key, a value or a list of names. Shapes from real repositories (aws-samples, Azure
samples, GKE tutorials, dstack), written here small."""

from __future__ import annotations

import pytest

from sovaudit.detect import lexer_for
from sovaudit.detect.scan import scan
from sovaudit.model import Kind, ScanConfig


def clis(kb, path: str, text: str) -> list[tuple[int, str, str]]:
    refs, _ = lexer_for(kb).analyse(path, text.encode())
    return sorted((r.line, r.provider, r.text) for r in refs if r.kind == Kind.CLOUD and r.form == "cli")


@pytest.mark.parametrize("path, text, want", [
    ("deploy.sh", "#!/bin/bash\nexport ACCOUNT=$(aws sts get-caller-identity --query Account)\n", [(2, "aws", "aws")]),
    ("deploy.sh", "gcloud container clusters create x && gsutil cp a gs://b/c\n", [(1, "gcp", "gcloud"), (1, "gcp", "gsutil")]),
    ("deploy.sh", "sudo az vm list\n", [(1, "azure", "az")]),
    ("README.md", "1. Create the repository\n   ```bash\n   aws ecr create-repository --repository-name x\n   ```\n",
     [(3, "aws", "aws")]),
    ("README.md", "Run `azd up` to provision the resources.\n", [(1, "azure", "azd")]),
    ("README.md", "```console\n$ eksctl create cluster -f cluster.yaml\n```\n", [(2, "aws", "eksctl")]),
    (".github/workflows/ci.yml", "steps:\n  - run: gcloud auth configure-docker\n  - run: |\n      az acr login -n reg\n",
     [(2, "gcp", "gcloud"), (4, "azure", "az")]),
    ("Dockerfile", "FROM ubuntu:22.04\nRUN aws s3 cp s3://bucket/model . \\\n    && azcopy copy a b\n",
     [(2, "aws", "aws"), (3, "azure", "azcopy")]),
    ("tools.py", 'subprocess.run(["aws", "sts", "get-caller-identity"], check=True)\n', [(1, "aws", "aws")]),
])
def test_a_cloud_cli_where_it_is_run(kb, path, text, want):
    assert clis(kb, path, text) == want


@pytest.mark.parametrize("path, text", [
    ("app.py", 'provider = "aws"\nif cloud == "az":\n    pass\ncreds = os.path.expanduser("~/.aws/credentials")\n'),
    ("app.ts", 'const cloudCommands = ["aws", "gcloud", "az", "oci", "ibmcloud"];\n'),
    ("test_runs.py", '"backends": ["aws", "azure", "gcp", "lambda", "runpod"],\n'),
    ("config.yaml", "aws:\n  region: us-east-1\nclouds:\n  - aws\n  - gcp\n"),
    ("README.md", "Use the aws cli to copy the files; the az tool works too.\n"),
    ("notes.md", "See https://github.com/aws/aws-cli and my-aws deploy\n"),
])
def test_the_word_alone_is_not_a_cli(kb, path, text):
    assert clis(kb, path, text) == []


def test_a_tokenizer_vocabulary_is_not_read(tmp_path, kb):
    """BPE merges ("az er"), vocabularies ("musa", "ĠGeForce") are sub-word tokens: the file is
    listed as not analysed, and nothing in it becomes a reference."""
    tok = tmp_path / "models" / "tiny"
    tok.mkdir(parents=True)
    (tok / "merges.txt").write_text("#version: 0.2\naz er\naz u\n")
    (tok / "vocab.json").write_text('{"musa": 1, "\\u0120GeForce": 2, "GPU": 3}')
    (tok / "tokenizer.json").write_text('{"model": {"vocab": {"mps": 1, "cuda": 2}}}')
    # named after their model (langchain4j's bundled BERT tokenizers: "musa" became a CN GPU)
    (tok / "bge-small-zh-v1.5-tokenizer.json").write_text('{"model": {"vocab": {"musa": 23154, "gpu": 9483}}}')
    (tok / "gpt2-merges.txt").write_text("#version: 0.2\nT4 x\n")
    (tok / "config.json").write_text('{"_name_or_path": "Qwen/Qwen2.5-0.5B", "torch_dtype": "bfloat16"}')
    (tok / "my_tokenizer.py").write_text('DEVICE = "cuda"\n')  # a program about tokenizers is read
    res = scan(ScanConfig(root=str(tmp_path), cache_dir="-", jobs=1), kb)
    assert {r.path for r in res.references} == {"models/tiny/config.json", "models/tiny/my_tokenizer.py"}
    skipped = {s.path: s for s in res.skipped}
    assert {p for p, s in skipped.items() if s.reason == "not analysed"} == {
        "models/tiny/merges.txt", "models/tiny/vocab.json", "models/tiny/tokenizer.json",
        "models/tiny/bge-small-zh-v1.5-tokenizer.json", "models/tiny/gpt2-merges.txt"}
    assert "tokenizer vocabulary" in skipped["models/tiny/merges.txt"].detail


def test_cloudformation_resources_are_types_not_pseudo_parameters(kb):
    """Type: AWS::EC2::VPC declares a resource; !Ref AWS::Region and ${AWS::StackName} are pseudo
    parameters inside expressions (aws-samples templates: 271 such lines)."""
    src = ("Resources:\n  VPC:\n    Type: AWS::EC2::VPC\n    Properties:\n"
           "      Name: !Sub \"${AWS::StackName}-vpc\"\n      Region: !Ref AWS::Region\n      X: !If [c, !Ref AWS::NoValue, 1]\n")
    refs, _ = lexer_for(kb).analyse("template.yaml", src.encode())
    assert [(r.line, r.text) for r in refs if r.kind == Kind.CLOUD] == [(3, "AWS::EC2::VPC")]


def test_an_arm_function_argument_is_a_reference_not_a_resource(kb):
    """Bicep/ARM: resource 'Microsoft.Storage/storageAccounts@...' declares; resourceId('Microsoft.Web/sites', n)
    and subscriptionResourceId('Microsoft.Authorization/roleDefinitions', id) refer (the labels count
    declarations only)."""
    src = ("resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n"
           "var roleId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '5e0bd9bd')\n"
           "output id string = resourceId('Microsoft.Web/sites', name)\n")
    refs, _ = lexer_for(kb).analyse("main.bicep", src.encode())
    assert [(r.line, r.text) for r in refs if r.kind == Kind.CLOUD] == [(1, "Microsoft.Storage/storageAccounts")]


def test_a_shared_region_name_states_its_country_only_when_every_cloud_agrees(kb):
    """us-east-1 (AWS, Alibaba Cloud: both US) gets its country without a cloud; ap-southeast-1
    (Singapore for AWS, Hong Kong for Huawei Cloud) and me-central-1 do not."""
    refs, _ = lexer_for(kb).analyse("config.py", b'region = "us-east-1"\nregion2 = "ap-southeast-1"\nregion3 = "me-central-1"\n')
    got = {(r.id, r.provider, r.attribute("country")) for r in refs if r.kind == Kind.CLOUD}
    assert got == {("us-east-1", "", "US"), ("ap-southeast-1", "", ""), ("me-central-1", "", "")}
