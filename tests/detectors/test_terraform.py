"""Terraform detector: clouds, regions, resources, GPU instance types and model names.

Snippets are fed to the detector directly; expectations are exact (kind, id, line, column, form,
provider). Facts come from the shipped knowledge base.
"""

from __future__ import annotations

import os

import pytest

from sovaudit.detectors.base import SourceFile
from sovaudit.detectors.terraform import TerraformDetector, model_key
from sovaudit.model import Context, Kind, Skipped
from sovaudit.scan import scan_file
from sovaudit.walk import WalkItem

DET = TerraformDetector()


def run(kb, text: str, path: str = "infra/main.tf"):
    return list(DET.detect(SourceFile(path, text=text), kb))


def rows(refs):
    return sorted((r.kind.value, r.id, r.line, r.column, r.form, r.provider) for r in refs)


def only(refs, kind: Kind):
    return [r for r in refs if r.kind is kind]


@pytest.mark.parametrize(
    "path,expected",
    [
        ("infra/main.tf", True),
        ("main.TF", True),
        ("infra/main.tf.json", True),
        ("env/prod.tfvars", True),
        ("env/prod.auto.tfvars.json", True),
        ("infra/main.tfstate", False),
        ("infra/.terraform.lock.hcl", False),
        ("main.tf.bak", False),
        ("notes.txt", False),
    ],
)
def test_applies(path, expected):
    assert DET.applies(path) is expected


# ------------------------------------------------------------------------------------------
# providers and regions
# ------------------------------------------------------------------------------------------

PROVIDERS = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    ali = { source = "aliyun/alicloud" }
    random = { source = "hashicorp/random" }
  }
  backend "s3" {
    region = "us-east-1"
  }
}

variable "region" {
  default = "eu-central-1"
}

provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "virginia"
  region = "us-east-1"
}

provider "ali" {
  region = "cn-hangzhou"
}

provider "random" {}
"""


def test_providers_and_regions(kb):
    refs = run(kb, PROVIDERS)
    assert rows(refs) == sorted([
        ("cloud", "aws", 4, 18, "provider", "aws"),          # required_providers source
        ("cloud", "alicloud", 7, 23, "provider", "alicloud"),
        ("cloud", "aws", 19, 11, "provider", "aws"),         # provider "aws"
        ("cloud", "eu-central-1", 20, 12, "region", "aws"),  # var.region resolved to its default
        ("cloud", "aws", 23, 11, "provider", "aws"),
        ("cloud", "us-east-1", 25, 13, "region", "aws"),
        ("cloud", "alicloud", 28, 11, "provider", "alicloud"),  # local name "ali" -> aliyun/alicloud
        ("cloud", "cn-hangzhou", 29, 13, "region", "alicloud"),
    ])
    assert all(r.context is Context.CONFIG and r.detector == "terraform" for r in refs)
    via_var = next(r for r in refs if r.id == "eu-central-1")
    assert via_var.text == "var.region"
    assert via_var.attribute("variable") == "var.region"
    assert [(loc.line, loc.column) for loc in via_var.related] == [(16, 14)]
    src = next(r for r in refs if r.line == 4)
    assert src.text == "hashicorp/aws" and src.attribute("version") == "~> 5.0"
    alias = next(r for r in refs if r.line == 23)
    assert alias.attribute("alias") == "virginia"


def test_backend_region_is_not_attributed(kb):
    # the state bucket's region (backend "s3") says where state lives, not a provider: not a region reference
    refs = run(kb, 'terraform {\n  backend "s3" {\n    region = "eu-west-1"\n  }\n}\n')
    assert refs == []


def test_region_needs_a_provider_or_resource(kb):
    # a region-looking string with no provider/resource around it is attributed to no cloud
    refs = run(kb, 'locals {\n  region = "eu-central-1"\n}\nvariable "region" {\n  default = "eu-central-1"\n}\n')
    assert refs == []


def test_unresolvable_region_variable(kb):
    # var.region defined in another file: nothing to resolve, nothing invented
    refs = run(kb, 'provider "aws" {\n  region = var.region\n}\n')
    assert rows(refs) == [("cloud", "aws", 1, 11, "provider", "aws")]


def test_local_region_and_zone(kb):
    text = (
        'locals {\n  loc = "europe-west4"\n}\n'
        'provider "google" {\n  region = local.loc\n}\n'
        'resource "google_compute_instance" "vm" {\n  zone = "europe-west4-a"\n}\n'
    )
    refs = run(kb, text)
    assert rows(refs) == sorted([
        ("cloud", "gcp", 4, 11, "provider", "gcp"),
        ("cloud", "europe-west4", 5, 12, "region", "gcp"),
        ("cloud", "gcp", 7, 11, "resource", "gcp"),
        ("cloud", "europe-west4", 8, 11, "region", "gcp"),
    ])


def test_azure_location_display_name(kb):
    text = 'resource "azurerm_resource_group" "rg" {\n  name     = "rg-ai"\n  location = "West Europe"\n}\n'
    refs = run(kb, text)
    assert rows(refs) == [
        ("cloud", "azure", 1, 11, "resource", "azure"),
        ("cloud", "westeurope", 3, 15, "region", "azure"),
    ]
    assert next(r for r in refs if r.form == "region").text == "West Europe"


def test_resource_location_must_be_a_known_region(kb):
    # GCS multi-region "EU" is not a region of the kb: no region reference (the resource still counts)
    refs = run(kb, 'resource "google_storage_bucket" "b" {\n  location = "EU"\n}\n')
    assert rows(refs) == [("cloud", "gcp", 1, 11, "resource", "gcp")]


# ------------------------------------------------------------------------------------------
# resources
# ------------------------------------------------------------------------------------------


def test_one_cloud_reference_per_resource_block(kb):
    text = (
        'resource "aws_s3_bucket" "a" {\n  bucket = "x"\n  tags = { a = "b" }\n}\n'
        'data "aws_caller_identity" "me" {}\n'
        'resource "random_id" "r" {\n  byte_length = 8\n}\n'
        'resource "alicloud_pai_service" "svc" {\n  service_config = "{}"\n}\n'
    )
    refs = run(kb, text)
    assert rows(refs) == sorted([
        ("cloud", "aws", 1, 11, "resource", "aws"),
        ("cloud", "aws", 5, 7, "resource", "aws"),
        ("cloud", "alicloud", 9, 11, "resource", "alicloud"),
    ])
    assert next(r for r in refs if r.line == 5).attribute("data") == "true"
    assert next(r for r in refs if r.line == 1).text == "aws_s3_bucket"


def test_registry_module_source(kb):
    text = 'module "eks" {\n  source  = "terraform-aws-modules/eks/aws"\n  version = "20.0"\n}\nmodule "local" {\n  source = "./modules/net"\n}\n'
    refs = run(kb, text)
    assert rows(refs) == [("cloud", "aws", 2, 14, "module", "aws")]


# ------------------------------------------------------------------------------------------
# hardware
# ------------------------------------------------------------------------------------------

HARDWARE = """\
resource "aws_eks_node_group" "gpu" {
  instance_types = ["g5.2xlarge", "m6i.xlarge"]
}
resource "aws_sagemaker_endpoint_configuration" "c" {
  production_variants {
    instance_type = "ml.g5.2xlarge"
  }
}
resource "google_compute_instance" "g" {
  machine_type = "a2-highgpu-1g"
  guest_accelerator {
    type  = "nvidia-tesla-a100"
    count = 1
  }
}
resource "azurerm_kubernetes_cluster_node_pool" "np" {
  vm_size = "Standard_NC24ads_A100_v4"
}
variable "gpu_instance_type" {
  default = "p4d.24xlarge"
}
resource "aws_instance" "cpu" {
  instance_type = "t3.micro"
}
"""


def test_gpu_instance_types(kb):
    refs = only(run(kb, HARDWARE), Kind.HARDWARE)
    got = sorted((r.id, r.text, r.line, r.column, r.form, r.attribute("accelerator"), r.attribute("cloud")) for r in refs)
    assert got == sorted([
        ("nvidia", "g5.2xlarge", 2, 22, "instance-type", "A10G", "aws"),
        ("nvidia", "a2-highgpu-1g", 10, 19, "instance-type", "A100", "gcp"),
        ("nvidia", "nvidia-tesla-a100", 12, 14, "accelerator-type", "A100", ""),
        ("nvidia", "Standard_NC24ads_A100_v4", 17, 14, "instance-type", "A100 80GB", "azure"),
        ("nvidia", "p4d.24xlarge", 20, 14, "instance-type", "A100", "aws"),
    ])
    # ml.g5.2xlarge is a SageMaker type; it is reported only if the kb lists it (no invention here)
    assert all(r.text != "t3.micro" and r.text != "m6i.xlarge" for r in refs)


# ------------------------------------------------------------------------------------------
# models
# ------------------------------------------------------------------------------------------

BEDROCK = """\
variable "bedrock_model_id" {
  type    = string
  default = "anthropic.claude-3-5-sonnet-20240620-v1:0"
}

resource "aws_bedrockagent_agent" "a" {
  agent_name       = "support"
  foundation_model = "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"
}

resource "aws_bedrock_inference_profile" "p" {
  name = "claude-eu"
  model_source {
    copy_from = "eu.anthropic.claude-3-7-sonnet-20250219-v1:0"
  }
}
"""


def test_bedrock_models(kb):
    refs = only(run(kb, BEDROCK), Kind.MODEL)
    assert rows(refs) == sorted([
        ("model", "anthropic.claude-3-5-sonnet-20240620-v1:0", 3, 14, "bedrock", "bedrock"),
        ("model", "anthropic.claude-3-5-sonnet-20240620-v1:0", 8, 23, "bedrock", "bedrock"),
        ("model", "eu.anthropic.claude-3-7-sonnet-20250219-v1:0", 14, 18, "bedrock", "bedrock"),
    ])
    arn = next(r for r in refs if r.line == 8)
    assert arn.text.startswith("arn:aws:bedrock:eu-central-1::foundation-model/")
    assert arn.attribute("region") == "eu-central-1"
    assert arn.attribute("resource") == "aws_bedrockagent_agent"
    assert arn.attribute("key") == "foundation_model"


SAGEMAKER = """\
resource "aws_sagemaker_model" "m" {
  name = "llama-endpoint"
  primary_container {
    image = "763104351884.dkr.ecr.eu-central-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.1"
    environment = {
      HF_MODEL_ID  = "meta-llama/Llama-3.1-8B-Instruct"
      SM_NUM_GPUS  = "1"
      MAX_INPUT_LENGTH = "4096"
    }
  }
}
"""


def test_sagemaker_hf_model_id(kb):
    refs = only(run(kb, SAGEMAKER), Kind.MODEL)
    assert rows(refs) == [("model", "meta-llama/Llama-3.1-8B-Instruct", 6, 23, "hf", "")]
    assert refs[0].attribute("key") == "HF_MODEL_ID"
    assert refs[0].attribute("resource") == "aws_sagemaker_model"


def test_ecs_name_value_environment(kb):
    text = (
        'resource "aws_ecs_task_definition" "t" {\n'
        '  container_definitions = jsonencode([{\n'
        '    name        = "app"\n'
        '    environment = [{ name = "MODEL_ID", value = "Qwen/Qwen2.5-7B-Instruct" }]\n'
        '  }])\n'
        '}\n'
    )
    refs = only(run(kb, text), Kind.MODEL)
    assert rows(refs) == [("model", "Qwen/Qwen2.5-7B-Instruct", 4, 50, "hf", "")]
    assert refs[0].attribute("key") == "MODEL_ID"


def test_heredoc_container_definitions(kb):
    text = (
        'resource "aws_ecs_task_definition" "t" {\n'
        '  container_definitions = <<EOF\n'
        '[{"environment": [{"name": "X", "value": "y"}], "command": ["--model", "meta-llama/Llama-3.2-1B"]}]\n'
        'EOF\n'
        '}\n'
    )
    refs = only(run(kb, text), Kind.MODEL)
    assert rows(refs) == [("model", "meta-llama/Llama-3.2-1B", 3, 73, "hf", "")]
    assert refs[0].confidence < 0.95  # found by the conservative heredoc scan


AZURE_OPENAI = """\
resource "azurerm_cognitive_deployment" "chat" {
  name                 = "gpt-4o"
  cognitive_account_id = azurerm_cognitive_account.oai.id
  model {
    format  = "OpenAI"
    name    = "gpt-4o"
    version = "2024-08-06"
  }
  sku {
    name = "Standard"
  }
}
"""


def test_azure_openai_deployment_model(kb):
    refs = run(kb, AZURE_OPENAI)
    models = only(refs, Kind.MODEL)
    # the resource-level name is the team's deployment name; only model { name } counts
    assert [(r.id, r.line, r.column, r.form, r.provider) for r in models] == [("gpt-4o", 6, 16, "api", "azure-openai")]
    m = models[0]
    assert m.attribute("format") == "OpenAI"
    assert m.attribute("version") == "2024-08-06"
    assert m.attribute("resource") == "azurerm_cognitive_deployment"
    assert ("cloud", "azure", 1, 11, "resource", "azure") in rows(refs)


def test_azure_deployment_of_another_format_names_no_provider(kb):
    # an Azure AI Foundry deployment of a Mistral model: served by Azure, but the kb does not single
    # out which Azure service from format "Mistral AI" -- no provider rather than a wrong one
    text = AZURE_OPENAI.replace('"OpenAI"', '"Mistral AI"').replace('"gpt-4o"', '"Mistral-Large-2411"')
    models = only(run(kb, text), Kind.MODEL)
    assert [(r.id, r.line, r.provider) for r in models] == [("Mistral-Large-2411", 6, "")]


def test_bedrock_own_names_and_policy_wildcards(kb):
    text = (
        'resource "aws_bedrock_provisioned_model_throughput" "c" {\n'
        '  provisioned_model_name = "claude-sonnet-prod"\n'
        '  model_arn = "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"\n'
        '}\n'
        'resource "aws_bedrock_custom_model" "m" {\n'
        '  custom_model_name = "ticket-classifier"\n'
        '}\n'
        'data "aws_iam_policy_document" "p" {\n'
        '  statement {\n'
        '    resources = [\n'
        '      "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-*",\n'
        '      "arn:aws:bedrock:*::foundation-model/*",\n'
        '      "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0",\n'
        '    ]\n'
        '  }\n'
        '}\n'
    )
    models = only(run(kb, text), Kind.MODEL)
    assert rows(models) == [
        ("model", "anthropic.claude-3-5-sonnet-20240620-v1:0", 3, 16, "bedrock", "bedrock"),
        ("model", "eu.anthropic.claude-3-7-sonnet-20250219-v1:0", 13, 8, "bedrock", "bedrock"),
    ]


def test_vertex_publisher_model(kb):
    text = (
        'resource "google_vertex_ai_endpoint_with_model_garden_deployment" "d" {\n'
        '  publisher_model_name = "publishers/google/models/gemma-2-9b-it@001"\n'
        '  location             = "europe-west4"\n'
        '}\n'
    )
    refs = run(kb, text)
    models = only(refs, Kind.MODEL)
    assert [(r.id, r.line, r.column, r.attribute("publisher"), r.attribute("version")) for r in models] == [
        ("gemma-2-9b-it", 2, 27, "google", "001")
    ]
    assert ("cloud", "europe-west4", 3, 27, "region", "gcp") in rows(refs)


def test_tfvars(kb):
    text = 'region = "eu-central-1"\nmodel_id = "Qwen/Qwen2.5-72B-Instruct"\ngpu_instance_type = "p5.48xlarge"\ndescription = "x"\n'
    refs = run(kb, text, "env/prod.tfvars")
    assert rows(refs) == sorted([
        ("model", "Qwen/Qwen2.5-72B-Instruct", 2, 13, "hf", ""),
        ("hardware", "nvidia", 3, 22, "instance-type", ""),
    ])


def test_tf_json(kb):
    text = """{
  "provider": {"aws": {"region": "eu-west-1"}},
  "resource": {
    "aws_bedrockagent_agent": {
      "a": {"foundation_model": "anthropic.claude-v2", "instance_type": "p4d.24xlarge"}
    }
  }
}
"""
    refs = run(kb, text, "infra/main.tf.json")
    assert rows(refs) == sorted([
        ("cloud", "aws", 2, 17, "provider", "aws"),
        ("cloud", "eu-west-1", 2, 35, "region", "aws"),
        ("cloud", "aws", 4, 6, "resource", "aws"),
        ("model", "anthropic.claude-v2", 5, 34, "bedrock", "bedrock"),
        ("hardware", "nvidia", 5, 74, "instance-type", ""),
    ])


@pytest.mark.parametrize(
    "text",
    [
        # names, descriptions, ARNs of other services, images, paths: none of them is a model
        'resource "aws_iam_role_policy_attachment" "a" {\n  policy_arn = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"\n}\n',
        'resource "aws_s3_object" "o" {\n  key    = "models/llama-3/config.json"\n  source = "./artifacts/model.safetensors"\n}\n',
        'variable "model_id" {\n  description = "The model to serve, e.g. your-org/your-model"\n  type = string\n}\n',
        'variable "model_bucket" {\n  default = "my-models"\n}\n',
        'locals {\n  model_name = "${var.prefix}-model"\n}\n',
        'resource "aws_sagemaker_model" "m" {\n  name = "llama"\n  model_data_url = "s3://bucket/model.tar.gz"\n}\n',
        '# provider "aws" { region = "eu-central-1" }\n',
        'resource "kubernetes_deployment" "d" {\n  metadata {\n    name = "gpt-4o-proxy-test"\n  }\n}\n',
    ],
)
def test_hard_negatives_have_no_models(kb, text):
    assert only(run(kb, text), Kind.MODEL) == []


def test_empty_and_comment_only(kb):
    assert run(kb, "") == []
    assert run(kb, "# nothing here\n// nor here\n/* or here */\n") == []


@pytest.mark.parametrize(
    "key,expected",
    [
        ("model_id", True), ("HF_MODEL_ID", True), ("foundation_model", True), ("base_model_identifier", True),
        ("modelName", True), ("embedding_model", True), ("model", True),
        ("model_data_url", False), ("model_bucket", False), ("model_package_group", False), ("name", False),
        ("max_model_len", False),
    ],
)
def test_model_key(key, expected):
    assert model_key(key) is expected


# ------------------------------------------------------------------------------------------
# malformed input
# ------------------------------------------------------------------------------------------

MALFORMED = """\
resource "aws_bedrockagent_agent" "a" {
  foundation_model = "anthropic.claude-3-haiku-20240307-v1:0"
  name = "x" "y"
"""


def test_malformed_hcl_raises_with_line(kb):
    with pytest.raises(ValueError, match=r"^malformed HCL: line 3, column \d+"):
        run(kb, MALFORMED)


def test_malformed_hcl_keeps_model_ids_and_is_skipped(kb, tmp_path):
    p = tmp_path / "main.tf"
    p.write_text(MALFORMED)
    refs, skips = scan_file(WalkItem("main.tf", str(p), os.path.getsize(p), 0, 0), kb, 1 << 20, (DET,))[:2]
    assert [(s.path, s.reason) for s in skips] == [("main.tf", "could not parse (terraform)")]
    assert "malformed HCL" in skips[0].detail
    assert [(r.id, r.line, r.column, r.form, r.provider) for r in refs] == [
        ("anthropic.claude-3-haiku-20240307-v1:0", 2, 23, "bedrock", "bedrock")
    ]
    assert refs[0].confidence <= 0.7  # the fallback scan is less sure
    assert isinstance(skips[0], Skipped)


def test_malformed_tf_json(kb):
    with pytest.raises(ValueError, match=r"^malformed JSON: Expecting value \(line 3, column 1\)"):
        run(kb, '{\n  "provider": \n}', "main.tf.json")


def test_fallback_scan_ignores_unvouched_names(kb, tmp_path):
    p = tmp_path / "main.tf"
    p.write_text('locals {\n  model = "my-custom-thing"\n  x = "Qwen/Qwen2.5-7B"\n  broken = \n')
    refs, skips = scan_file(WalkItem("main.tf", str(p), os.path.getsize(p), 0, 0), kb, 1 << 20, (DET,))[:2]
    assert [(r.id, r.line) for r in refs] == [("Qwen/Qwen2.5-7B", 3)]
    assert len(skips) == 1


# ------------------------------------------------------------------------------------------
# containers: commands, images and device resources (through the shared command-line reader)
# ------------------------------------------------------------------------------------------

K8S = """\
resource "kubernetes_deployment" "vllm" {
  spec {
    template {
      spec {
        container {
          image = "vllm/vllm-openai:v0.6.4"
          args  = ["--model", "acme-corp/support-llm-v3", "--served-model-name", "support"]
          resources {
            limits = { "nvidia.com/gpu" = 1 }
          }
        }
        container {
          image   = "nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3"
          command = "vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000"
        }
      }
    }
  }
}
"""


def test_container_args_command_image_and_gpu_resource(kb):
    refs = run(kb, K8S)
    models = only(refs, Kind.MODEL)
    assert rows(models) == sorted([
        ("model", "acme-corp/support-llm-v3", 7, 32, "hf", ""),             # --model flag: any Hub-shaped id
        ("model", "meta/llama-3.1-8b-instruct", 13, 22, "image", ""),      # a NIM image carries its model
        ("model", "Qwen/Qwen2.5-7B-Instruct", 14, 33, "hf", ""),           # vllm serve X in a shell string
    ])
    assert all(r.attribute("resource") == "kubernetes_deployment" for r in models)
    assert "support" not in {r.id for r in refs}  # --served-model-name is an alias
    gpu = [r for r in refs if r.kind is Kind.HARDWARE and r.form == "resource"]
    assert [(r.id, r.text, r.line, r.column) for r in gpu] == [("nvidia", "nvidia.com/gpu", 9, 25)]
    assert ("package", "vllm", 6, 20, "image", "") in rows(refs)


def test_json_in_a_string_keeps_written_columns(kb):
    text = (
        'resource "alicloud_pai_service" "qwen" {\n'
        '  service_config = "{\\"metadata\\": {\\"instance\\": 1}, \\"model_id\\": \\"acme/qwen-support\\"}"\n'
        '}\n'
    )
    line = text.splitlines()[1]
    models = only(run(kb, text), Kind.MODEL)
    assert rows(models) == [("model", "acme/qwen-support", 2, line.index("acme/") + 1, "hf", "")]


def test_huge_file_gets_the_line_scan_and_a_partial_skip(kb, monkeypatch):
    import sovaudit.detectors.terraform as tf

    monkeypatch.setattr(tf, "HCL_PARSE_LIMIT", 100)
    text = 'locals {\n  model_id = "anthropic.claude-3-haiku-20240307-v1:0"\n}\n' + "# padding\n" * 20
    out = run(kb, text)
    skips = [x for x in out if isinstance(x, Skipped)]
    refs = [x for x in out if not isinstance(x, Skipped)]
    assert [(s.reason) for s in skips] == ["partly scanned (terraform)"]
    assert [(r.id, r.line, r.column) for r in refs] == [("anthropic.claude-3-haiku-20240307-v1:0", 2, 15)]


def test_shared_transformer_builds_the_tree_hcl2_parses_does():
    """The HCL tree comes from one transformer kept between files (its callbacks bound once):
    the same tree as a fresh ``hcl2.parses`` for every fixture, a malformed file in between
    changing nothing."""
    from pathlib import Path

    import hcl2

    from sovaudit.detectors.terraform import _HclConverter, _hcl_tree

    repo = Path(__file__).resolve().parents[2]
    texts = [p.read_text() for d in ("tests", "examples") for p in sorted((repo / d).rglob("*.tf"))]
    texts.append('variable "x" {\n  default = "a"\n  l = [for s in var.list : upper(s) if s != ""]\n'
                 '  m = { a = 1, "b" = var.c ? 2 : 3 }\n  h = <<EOT\nhello ${var.x}\nEOT\n}\n')
    assert len(texts) >= 5
    for _ in range(2):
        for text in texts:
            assert _hcl_tree(text) == _HclConverter().body(hcl2.parses(text).body)
            with pytest.raises(ValueError, match="malformed HCL"):
                _hcl_tree('resource "a" "b" {\n  x = \n')
