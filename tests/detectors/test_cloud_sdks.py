"""Cloud SDKs named in languages other than Python and JavaScript (rules/clouds.yaml
``sdk_namespaces``): Java imports and Maven groups, Go modules, Rust crates, .NET namespaces and
packages. Shapes from spring-projects/spring-ai, tmc/langchaingo, 0xPlaygrounds/rig and
microsoft/kernel-memory, written here small."""

from __future__ import annotations

import pytest

from sovaudit.detect import lexer_for
from sovaudit.model import Kind


def sdks(kb, path: str, text: str) -> list[tuple[int, str, str]]:
    refs, _ = lexer_for(kb).analyse(path, text.encode())
    return sorted((r.line, r.provider, r.attribute("module")) for r in refs if r.kind == Kind.CLOUD and r.form == "sdk")


@pytest.mark.parametrize("path, text, want", [
    ("Api.java", "import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;\n"
                 "import com.azure.ai.openai.OpenAIClient;\nimport com.google.cloud.vertexai.VertexAI;\n",
     [(1, "aws", "software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient"),
      (2, "azure", "com.azure.ai.openai.OpenAIClient"), (3, "gcp", "com.google.cloud.vertexai.VertexAI")]),
    ("pom.xml", "<dependency>\n  <groupId>com.azure</groupId>\n  <artifactId>azure-identity</artifactId>\n</dependency>\n",
     [(2, "azure", "com.azure")]),
    ("bedrock.go", 'import (\n\t"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"\n)\n',
     [(2, "aws", "github.com/aws/aws-sdk-go-v2/service/bedrockruntime")]),
    ("go.mod", "require (\n\tgithub.com/aws/aws-sdk-go-v2/config v1.29.4\n"
               "\tgithub.com/Azure/azure-sdk-for-go/sdk/azcore v1.11.1 // indirect\n)\n",
     [(2, "aws", "github.com/aws/aws-sdk-go-v2/config")]),
    ("Cargo.toml", '[dependencies]\naws-sdk-bedrockruntime = { workspace = true }\naws-config = "1"\n',
     [(2, "aws", "aws-sdk-bedrockruntime"), (3, "aws", "aws-config")]),
    ("streaming.rs", "use aws_sdk_bedrockruntime::types::Message;\n",
     [(1, "aws", "aws_sdk_bedrockruntime::types::Message")]),
    ("Program.cs", "using Azure.Identity;\nusing Amazon.S3;\nusing Google.Cloud.AIPlatform.V1;\n",
     [(1, "azure", "Azure.Identity"), (2, "aws", "Amazon.S3"), (3, "gcp", "Google.Cloud.AIPlatform.V1")]),
    ("Service.csproj", '<PackageReference Include="Azure.AI.OpenAI" />\n<PackageReference Include="AWSSDK.S3" />\n',
     [(1, "azure", "Azure.AI.OpenAI"), (2, "aws", "AWSSDK.S3")]),
])
def test_sdks_in_other_languages(kb, path, text, want):
    assert sdks(kb, path, text) == want


@pytest.mark.parametrize("path, text", [
    ("A.java", "import mycom.azure.Thing;\n"),  # a name that only ends like the SDK's
    ("A.java", "// see https://github.com/aws/aws-sdk-go for the details\n"),  # a link
    ("README.md", "We keep the Amazon.S3 bucket and the com.azure libraries up to date.\n"),  # prose
    ("notes.txt", "Deploy on Azure. Amazon. Google.\n"),
])
def test_not_sdks(kb, path, text):
    assert sdks(kb, path, text) == []


def test_dependency_lock_files_are_not_read_as_text(tmp_path, kb):
    """go.sum pins every module of the build, direct or not (langchaingo: 629 AWS and Google SDK
    lines, none a use): lock files are not read as text. One no package reader knows is listed as
    not analysed; uv.lock is still read by the package reader (its packages, not its text), and
    go.mod's direct requirement stays a reference."""
    from sovaudit.detect.scan import scan
    from sovaudit.model import ScanConfig

    (tmp_path / "go.sum").write_text("github.com/aws/aws-sdk-go-v2/config v1.29.4 h1:abc=\n"
                                     "cloud.google.com/go v0.26.0/go.mod h1:xyz=\n")
    (tmp_path / "go.mod").write_text("module x\n\nrequire github.com/aws/aws-sdk-go-v2/config v1.29.4\n")
    (tmp_path / "uv.lock").write_text('version = 1\n\n[[package]]\nname = "nvidia-cublas-cu12"\nversion = "12.8.3.14"\n\n'
                                      '[[package]]\nname = "openai"\nversion = "1.35.0"\n')
    res = scan(ScanConfig(root=str(tmp_path), cache_dir="-", jobs=1), kb)
    got = sorted((r.path, r.line, r.kind.value, r.form) for r in res.references)
    assert ("go.mod", 3, "cloud", "sdk") in got
    assert not [g for g in got if g[0] == "go.sum"]
    assert [g for g in got if g[0] == "uv.lock"] == [("uv.lock", 8, "package", "lock")]  # the package reader's only
    assert [(s.path, s.reason) for s in res.skipped] == [("go.sum", "not analysed")]
    assert "dependency lock file" in res.skipped[0].detail


def test_iam_actions_of_newer_services_and_global_condition_keys(kb):
    """generative-ai-cdk-constructs: s3vectors:*, neptune-graph:*, dsql:DbConnect, rds-data: and the
    global condition keys (aws:SourceArn) were missed while bedrock:* and s3:* were found."""
    src = ("actions: ['s3vectors:GetVectorBucket', 'neptune-graph:ReadDataViaQuery', 'dsql:DbConnect'],\n"
           "actions: ['rds-data:ExecuteStatement'],\nconditions: { StringEquals: { 'aws:SourceAccount': account } },\n"
           "headers: { 'content-type': 'application/json', 'x:Foo': 1 },\n")
    refs, _ = lexer_for(kb).analyse("stack.ts", src.encode())
    assert sorted({(r.line, r.provider) for r in refs if r.kind == Kind.CLOUD}) == [(1, "aws"), (2, "aws"), (3, "aws")]


def test_a_hub_id_of_nvidia_is_not_a_gpu_node(kb):
    """chat-ui: every hardware reference was nvidia/NVIDIA-Nemotron-... read as a node prefix;
    the NVIDIA container toolkit's keyring path stays hardware."""
    src = ('{ "id": "nvidia/NVIDIA-Nemotron-3.5-Lightning-30B-A3B-BF16" }\n'
           "sudo tee /etc/apt/sources.list.d/nvidia-container-toolkit.list\n")
    refs, _ = lexer_for(kb).analyse("models.json", src.encode())
    assert sorted((r.line, r.kind.value) for r in refs) == [(1, "model"), (2, "hardware")]


def test_an_annotation_two_clouds_read_takes_the_cloud_the_file_names(kb):
    """alb.ingress.kubernetes.io/ is read by AWS's Load Balancer Controller and by Alibaba Cloud's
    ACK (rules: shared_annotation_prefixes). chat-ui's chart: 25 of 28 such lines were missed, only
    the certificate-arn key (AWS's alone) was found. The file's other evidence decides; with none
    the cloud is not established; a link is not an annotation."""
    def clouds(path, text):
        refs, _ = lexer_for(kb).analyse(path, text.encode())
        return sorted((r.line, r.id, r.provider) for r in refs if r.kind == Kind.CLOUD and r.form == "label")

    eks = ('  annotations:\n    alb.ingress.kubernetes.io/scheme: "internal"\n'
           '    alb.ingress.kubernetes.io/certificate-arn: "arn:aws:acm:us-east-1:123456789012:certificate/abc"\n')
    ack = ("  annotations:\n    alb.ingress.kubernetes.io/address-type: internet\n"
           "    service.beta.kubernetes.io/alibaba-cloud-loadbalancer-spec: slb.s1.small\n")
    assert clouds("prod.yaml", eks) == [(2, "aws", "aws"), (3, "aws", "aws")]
    assert clouds("ack.yaml", ack) == [(2, "alicloud", "alicloud"), (3, "alicloud", "alicloud")]
    assert clouds("bare.yaml", "  annotations:\n    alb.ingress.kubernetes.io/scheme: internet-facing\n") == [(2, "unknown", "")]
    assert clouds("doc.md", "See https://alb.ingress.kubernetes.io/docs for the keys.\n") == []


def test_a_bedrock_model_arn_built_from_pieces(kb):
    """generative-ai-cdk-constructs' templates join ARNs from pieces: "::foundation-model/ID" and
    ":inference-profile/ID" name the model where they stand (rules: providers.yaml
    arn_resource_types); a whole ARN gives one reference, not two; an id the rules do not vouch for
    as a Bedrock model is not taken."""
    src = ('{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:", {"Ref": "AWS::Region"},\n'
           '   "::foundation-model/anthropic.claude-3-sonnet-20240229-v1:0"]]}\n'
           '{"x": ":inference-profile/us.amazon.nova-pro-v1:0"}\n'
           '{"y": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"}\n'
           '{"z": ":foundation-model/not-a-real-thing"}\n')
    refs, _ = lexer_for(kb).analyse("template.json", src.encode())
    assert sorted((r.line, r.form, r.id) for r in refs if r.kind == Kind.MODEL) == [
        (2, "bedrock", "anthropic.claude-3-sonnet-20240229-v1:0"), (3, "bedrock", "us.amazon.nova-pro-v1:0"),
        (4, "bedrock", "amazon.titan-embed-text-v2:0")]
