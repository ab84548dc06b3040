"""The hardware and cloud vocabulary in rules/hardware.yaml and rules/clouds.yaml.

The scanner reads these lists to find hardware and cloud references in every text file: environment
variables, tools, code tokens, device strings, product terms, node-selector values, image tokens and
docker flags (hardware); credential variables, CLI prefixes, SDK imports and packages, storage
schemes, ARN partitions, IAM services, annotation prefixes, storage classes, machine types and IaC
resource types (clouds). The shipped files load; every value has its shape; a name claimed by two
entries, across files and overlays too, fails to load with the file and line of the value.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from sovaudit.cli import main
from sovaudit.rules import RulesError, load_knowledge_base

# -- small bases written into tmp_path ---------------------------------------------------------------

HW = """\
section: hardware
entries:
  - id: alpha
    name: Alpha accelerators
    country: US
    accelerators: [AX100]
{alpha}
    sources: [https://example.org/alpha]
  - id: beta
    name: Beta accelerators
    country: DE
    accelerators: [BX7]
{beta}
    sources: [https://example.org/beta]
"""

CLOUDS = """\
section: clouds
entries:
  - id: one
    name: Cloud One
    country: US
    kind: hyperscaler
    k8s_labels: [one.example.com/]
{one}
    sources: [https://example.org/one]
  - id: two
    name: Cloud Two
    country: FR
    kind: regional
{two}
    sources: [https://example.org/two]
"""

PROVIDERS = """\
section: providers
entries:
  - id: prov
    name: Provider
    owner: Provider Inc.
    country: US
    kind: model-api
{prov}
    sources: [https://example.org/prov]
"""

SOFTWARE = """\
section: software
entries:
  - id: soft
    name: Some server
    owner: Some Org
    country: US
    kind: serving
    commands: [someserve run]
    python_packages: [someserve]
    sources: [https://example.org/soft]
"""


def fields(**kv: str) -> str:
    return "\n".join(f"    {k}: {v}" for k, v in kv.items())


def base(tmp_path: Path, hw: dict | None = None, clouds: dict | None = None, prov: str = "") -> Path:
    """A complete small rules folder; ``hw``/``clouds`` map entry ids to extra fields."""
    d = tmp_path / "base"
    d.mkdir(exist_ok=True)
    hw = hw or {}
    clouds = clouds or {}
    (d / "hardware.yaml").write_text(HW.format(alpha=fields(**hw.get("alpha", {})), beta=fields(**hw.get("beta", {}))).replace("\n\n", "\n"))
    (d / "clouds.yaml").write_text(CLOUDS.format(one=fields(**clouds.get("one", {})), two=fields(**clouds.get("two", {}))).replace("\n\n", "\n"))
    (d / "providers.yaml").write_text(PROVIDERS.format(prov=prov).replace("\n\n", "\n"))
    (d / "software.yaml").write_text(SOFTWARE)
    return d


def problems(base_dir: Path, *overlays: Path) -> list[str]:
    with pytest.raises(RulesError) as ei:
        load_knowledge_base(overlays, base_dir=base_dir)
    return [str(p) for p in ei.value.problems]


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return hits[nth - 1]


# -- the mechanism, on small bases ---------------------------------------------------------------


def test_a_small_base_with_every_key_loads_and_answers(tmp_path):
    d = base(tmp_path, hw={
        "alpha": dict(env_vars="[AX_VISIBLE_DEVICES, AXCL_*]", tools="[ax-smi]", code_tokens="[torch.ax, ax_frameworks]",
                      device_strings="[axp]", terms="[AXLink]", node_values="[alpha-ax100, ax-*]", image_tokens="[axcuda, ax1*]",
                      docker_flags="[--axgpus, --device=/dev/ax*]", context_only_accelerators="[AX100]"),
        "beta": dict(env_vars="[BX_HOME]", docker_flags="['--device=/dev/bx0']"),
    }, clouds={
        "one": dict(env_vars="[ONE_*]", cli_commands="[onectl, one-cli storage]", sdk_imports="[one_sdk, onecloud.storage]",
                    python_packages="[one-sdk]", npm_packages="['@one/sdk']", storage_schemes="[onefs]", arn_partitions="[one]",
                    iam_services="[onestore]", annotation_prefixes="[lb.one.example.org/]", storage_classes="[one-ssd, one-disk-*]",
                    instance_types="[{pattern: 'one.*.huge', unambiguous: true}, {pattern: 'x*-small', unambiguous: false}]",
                    resource_types="['ONE::*']"),
        "two": dict(env_vars="[TWO_TOKEN]", cli_commands="[twoctl]", storage_schemes="[twofs]"),
    }, prov="    env_vars: [ONE_MODEL_API_KEY]")
    kb = load_knowledge_base(base_dir=d)
    assert kb.hardware_for_env("AX_VISIBLE_DEVICES").id == "alpha"
    assert kb.hardware_for_env("AXCL_DEBUG").id == "alpha" and kb.hardware_for_env("AXC") is None
    assert kb.hardware_for_tool("ax-smi").id == "alpha" and kb.hardware_for_tool("AX-SMI") is None
    assert kb.hardware_for_code_token("torch.ax.is_available").id == "alpha"
    assert kb.hardware_for_device("axp:0").id == "alpha" and kb.hardware_for_device("cpu") is None
    assert kb.hardware_for_term("AXLink").id == "alpha"
    assert kb.hardware_for_node_value("ALPHA-AX100").id == "alpha" and kb.hardware_for_node_value("ax-small").id == "alpha"
    assert kb.hardware_for_image_token("ax121").id == "alpha" and kb.hardware_for_image_token("latest") is None
    assert kb.hardware_for_docker_flag("--axgpus", "all").id == "alpha"
    assert kb.hardware_for_docker_flag("--device", "/dev/ax3").id == "alpha"
    assert kb.hardware_for_docker_flag("--device", "/dev/bx0").id == "beta"
    assert kb.hardware_for_docker_flag("--device", "/dev/dri") is None
    # an exact provider name wins over a cloud prefix; cloud_for_env answers among clouds only
    assert kb.env_var_owner("ONE_MODEL_API_KEY").id == "prov"
    assert kb.cloud_for_env("ONE_MODEL_API_KEY").id == "one"
    assert kb.env_var_owner("ONE_REGION").id == "one" and kb.env_var_owner("TWO_TOKEN").id == "two"
    assert kb.cloud_for_command("one-cli storage cp a b").id == "one" and kb.cloud_for_command("one-cli compute") is None
    assert kb.cloud_for_import("onecloud.storage.v1").id == "one" and kb.cloud_for_import("onecloud") is None
    assert kb.cloud_for_package("one_sdk").id == "one" and kb.cloud_for_package("@one/sdk", "npm").id == "one"
    assert kb.package("one-sdk") is None  # package() answers for providers, hardware and software only
    assert kb.cloud_for_storage_scheme("onefs://").id == "one" and kb.cloud_for_storage_scheme("twofs").id == "two"
    assert kb.cloud_for_arn_partition("one").id == "one" and kb.cloud_for_iam_service("onestore").id == "one"
    assert kb.cloud_for_annotation("lb.one.example.org/scheme").id == "one"
    assert kb.cloud_for_annotation("one.example.com/pool").id == "one"  # falls back to k8s_labels
    assert kb.cloud_for_storage_class("one-disk-essd").id == "one"
    assert kb.cloud_instance_type("ONE.gpu.huge")[0].id == "one"
    assert kb.cloud_instance_type("xl-small") is None and kb.cloud_instance_type("xl-small", keyed=True)[0].id == "one"
    assert kb.cloud_for_iac_type("ONE::Bucket").id == "one" and kb.cloud_for_iac_type("one::Bucket") is None
    assert [e.id for _, e in kb.vocabulary("clouds", "storage_schemes")] == ["one", "two"]


@pytest.mark.parametrize("key, value, expect", [
    ("env_vars", "[cuda-visible]", "does not match"),
    ("env_vars", "[NCCL*]", "does not match"),
    ("tools", "[x]", "is too short"),
    ("code_tokens", "[torch..cuda]", "does not match"),
    ("device_strings", "[CUDA]", "does not match"),
    ("terms", "[hopper]", "does not match"),
    ("node_values", "['nvidia tesla']", "does not match"),
    ("image_tokens", "[cu-12]", "does not match"),
    ("docker_flags", "[gpus]", "does not match"),
    ("context_only_accelerators", "AX100", "is not of type 'array'"),
])
def test_a_badly_shaped_hardware_value_names_file_and_line(tmp_path, key, value, expect):
    d = base(tmp_path, hw={"beta": {key: value}})
    (msg,) = problems(d)
    assert msg.startswith(f"hardware.yaml:{line_of(d / 'hardware.yaml', key + ':')}: entries.1.{key}") and expect in msg, msg


@pytest.mark.parametrize("key, value, expect", [
    ("cli_commands", "['AWS s3']", "does not match"),
    ("sdk_imports", "[boto-3]", "does not match"),
    ("storage_schemes", "['s3://']", "does not match"),
    ("arn_partitions", "[AWS]", "does not match"),
    ("iam_services", "['s3:*']", "does not match"),
    ("annotation_prefixes", "[aws-load-balancer]", "does not match"),
    ("storage_classes", "[GP3]", "does not match"),
    ("instance_types", "[{pattern: 'ml.*.*'}]", "'unambiguous' is missing"),
    ("resource_types", "['AWS:: S3']", "does not match"),
])
def test_a_badly_shaped_cloud_value_names_file_and_line(tmp_path, key, value, expect):
    d = base(tmp_path, clouds={"two": {key: value}})
    (msg,) = problems(d)
    assert msg.startswith(f"clouds.yaml:{line_of(d / 'clouds.yaml', key + ':')}: entries.1.{key}") and expect in msg, msg


@pytest.mark.parametrize("alpha, beta, message", [
    ({"env_vars": "[AX_HOME]"}, {"env_vars": "[AX_HOME]"}, "beta: environment variable 'AX_HOME' is also claimed by hardware:alpha"),
    ({"env_vars": "[AX_*]"}, {"env_vars": "[AX_HOME]"}, "beta: environment variable 'AX_HOME' overlaps 'AX_*' of hardware:alpha"),
    ({"tools": "[ax-smi]"}, {"tools": "[ax-smi]"}, "beta: tools value 'ax-smi' is also listed by hardware:alpha"),
    ({"code_tokens": "[torch.ax]"}, {"code_tokens": "[torch.ax]"}, "beta: code_tokens value 'torch.ax' is also listed by hardware:alpha"),
    ({"device_strings": "[axp]"}, {"device_strings": "[axp]"}, "beta: device_strings value 'axp' is also listed by hardware:alpha"),
    ({"terms": "[AXLink]"}, {"terms": "[AXLink]"}, "beta: terms value 'AXLink' is also listed by hardware:alpha"),
    ({"node_values": "[ax-*]"}, {"node_values": "[AX-100]"}, "beta: node_values value 'AX-100' overlaps 'ax-*' of hardware:alpha"),
    ({"image_tokens": "[ax1*]"}, {"image_tokens": "[ax121]"}, "beta: image_tokens value 'ax121' overlaps 'ax1*' of hardware:alpha"),
    ({"docker_flags": "[--axgpus]"}, {"docker_flags": "[--axgpus=all]"}, "beta: docker flag '--axgpus=all' overlaps '--axgpus' of hardware:alpha"),
    ({"python_packages": "[ax-runtime]"}, {"python_packages": "[ax_runtime]"}, "beta: package 'ax_runtime' is also listed by hardware:alpha"),
    ({"python_packages": "[torch-ax]"}, {"code_tokens": "[torch_ax]"}, "beta: code_tokens value 'torch_ax' is the package hardware:alpha lists"),
    ({}, {"terms": "[AX100]"}, "beta: term 'AX100' is an accelerator of hardware:alpha"),
    ({}, {"context_only_accelerators": "[AX100]"}, "beta: 'AX100' is not one of its accelerators"),
    ({}, {"context_only_device_strings": "[axp]"}, "beta: 'axp' is not one of its device strings"),
    ({}, {"tools": "[someserve]"}, "beta: tool 'someserve' is also a command of software:soft"),
])
def test_a_name_claimed_by_two_hardware_entries_fails_at_the_value(tmp_path, alpha, beta, message):
    d = base(tmp_path, hw={"alpha": alpha, "beta": beta})
    (msg,) = problems(d)
    key = next(iter(beta))
    assert msg.startswith(f"hardware.yaml:{line_of(d / 'hardware.yaml', key + ':', nth=1 + (key in alpha))}: {message}"), msg


@pytest.mark.parametrize("one, two, message", [
    ({"env_vars": "[ONE_*]"}, {"env_vars": "[ONE_TOKEN]"}, "two: environment variable 'ONE_TOKEN' overlaps 'ONE_*' of clouds:one"),
    ({"cli_commands": "[onectl]"}, {"cli_commands": "[onectl storage]"}, "two: command 'onectl storage' overlaps 'onectl' of clouds:one"),
    ({}, {"cli_commands": "[someserve]"}, "two: command 'someserve' overlaps the command 'someserve run' of software:soft"),
    ({"sdk_imports": "[onecloud]"}, {"sdk_imports": "[onecloud.storage]"}, "two: sdk_imports value 'onecloud.storage' nests with 'onecloud' of clouds:one"),
    ({}, {"sdk_imports": "[someserve]"}, "two: sdk_imports value 'someserve' is the package software:soft lists"),
    ({"python_packages": "[one-sdk]"}, {"python_packages": "[One_SDK]"}, "two: package 'One_SDK' is also listed by clouds:one"),
    ({"npm_packages": "['@one/sdk']"}, {"npm_packages": "['@ONE/sdk']"}, "two: package '@ONE/sdk' is also listed by clouds:one"),
    ({"storage_schemes": "[onefs]"}, {"storage_schemes": "[onefs]"}, "two: storage_schemes value 'onefs' is also listed by clouds:one"),
    ({"arn_partitions": "[one]"}, {"arn_partitions": "[one]"}, "two: arn_partitions value 'one' is also listed by clouds:one"),
    ({"iam_services": "[onestore]"}, {"iam_services": "[onestore]"}, "two: iam_services value 'onestore' is also listed by clouds:one"),
    ({"storage_classes": "[one-disk-*]"}, {"storage_classes": "[one-disk-ssd]"}, "two: storage_classes value 'one-disk-ssd' overlaps 'one-disk-*' of clouds:one"),
    ({"resource_types": "['ONE::*']"}, {"resource_types": "['ONE::Bucket']"}, "two: resource_types value 'ONE::Bucket' overlaps 'ONE::*' of clouds:one"),
    ({"instance_types": "[{pattern: 'xl-*', unambiguous: false}]"}, {"instance_types": "[{pattern: 'XL-*', unambiguous: true}]"},
     "two: instance type pattern 'XL-*' is also listed by clouds:one"),
    ({"annotation_prefixes": "[lb.one.example.org/]"}, {"annotation_prefixes": "[lb.one.example.org/scheme]"},
     "two: annotation prefix 'lb.one.example.org/scheme' overlaps 'lb.one.example.org/' of clouds:one"),
    ({}, {"annotation_prefixes": "[one.example.com/pool]"}, "two: annotation prefix 'one.example.com/pool' repeats the k8s_labels value 'one.example.com/' of clouds:one"),
])
def test_a_name_claimed_by_two_clouds_fails_at_the_value(tmp_path, one, two, message):
    d = base(tmp_path, clouds={"one": one, "two": two})
    (msg,) = problems(d)
    key = next(iter(two))
    assert msg.startswith(f"clouds.yaml:{line_of(d / 'clouds.yaml', key + ':', nth=1 + (key in one))}: {message}"), msg


def test_names_shared_across_files_fail(tmp_path):
    # the same exact variable in providers.yaml and clouds.yaml
    d = base(tmp_path, clouds={"two": {"env_vars": "[PROV_API_KEY]"}}, prov="    env_vars: [PROV_API_KEY]")
    (msg,) = problems(d)
    assert msg == (f"clouds.yaml:{line_of(d / 'clouds.yaml', 'PROV_API_KEY')}: two: environment variable 'PROV_API_KEY' is also claimed by "
                   f"providers:prov (providers.yaml:{line_of(d / 'providers.yaml', 'PROV_API_KEY')})")
    # a cloud prefix over a provider's exact name is allowed (the exact name wins)
    d = base(tmp_path, clouds={"two": {"env_vars": "[PROV_*]"}}, prov="    env_vars: [PROV_API_KEY]")
    kb = load_knowledge_base(base_dir=d)
    assert kb.env_var_owner("PROV_API_KEY").id == "prov" and kb.env_var_owner("PROV_REGION").id == "two"
    # a hardware package that software lists; a cloud package that a provider lists
    d = base(tmp_path, hw={"alpha": {"python_packages": "[someserve]"}})
    (msg,) = problems(d)
    assert msg.startswith(f"hardware.yaml:{line_of(d / 'hardware.yaml', 'someserve')}: alpha: package 'someserve' is also listed by software:soft")
    d = base(tmp_path, clouds={"one": {"python_packages": "[prov-sdk]"}}, prov="    python_packages: [prov_sdk]")
    (msg,) = problems(d)
    assert "one: package 'prov-sdk' is also listed by providers:prov" in msg


# -- the shipped files ---------------------------------------------------------------------------

HW_KEYS = ("env_vars", "tools", "code_tokens", "device_strings", "terms", "node_values", "image_tokens", "docker_flags")
CLOUD_KEYS = ("env_vars", "cli_commands", "sdk_imports", "python_packages", "npm_packages", "storage_schemes", "annotation_prefixes",
              "storage_classes", "instance_types", "resource_types")


def test_the_shipped_rules_carry_the_vocabulary(kb):
    nvidia = kb.get("hardware", "nvidia")
    assert all(nvidia.get(k) for k in HW_KEYS), [k for k in HW_KEYS if not nvidia.get(k)]
    for hid, keys in {"amd": ("env_vars", "tools", "code_tokens", "image_tokens", "docker_flags"),
                      "intel-gaudi": ("env_vars", "tools", "device_strings", "image_tokens", "docker_flags"),
                      "intel-gpu": ("code_tokens", "device_strings"), "google-tpu": ("env_vars", "device_strings", "node_values"),
                      "aws-neuron": ("env_vars", "tools", "code_tokens", "docker_flags"),
                      "huawei-ascend": ("env_vars", "tools", "device_strings", "docker_flags"),
                      "apple-silicon": ("code_tokens", "device_strings"), "enflame": ("code_tokens", "device_strings"),
                      "tenstorrent": ("tools",)}.items():
        e = kb.get("hardware", hid)
        assert all(e.get(k) for k in keys), (hid, [k for k in keys if not e.get(k)])
    for cid in ("aws", "azure", "gcp"):
        c = kb.get("clouds", cid)
        assert all(c.get(k) for k in CLOUD_KEYS), (cid, [k for k in CLOUD_KEYS if not c.get(k)])
    aws = kb.get("clouds", "aws")
    assert aws.get("arn_partitions") and aws.get("iam_services")
    assert kb.get("clouds", "cloudflare").get("country") == "US"
    assert {r["name"] for r in kb.get("clouds", "coreweave").get("regions")} >= {"US-EAST-04", "EU-SOUTH-03"}


SHAPES = {
    "env_vars": r"[A-Za-z_][A-Za-z0-9_]*[A-Za-z0-9](_\*)?",
    "tools": r"[A-Za-z0-9][A-Za-z0-9._+-]{2,}",
    "code_tokens": r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*|\.[A-Za-z_][A-Za-z0-9_]*\(",  # or a method call: .cuda(
    "sdk_imports": r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*",
    "device_strings": r"[a-z][a-z0-9_]+",
    "terms": r"(?=.*[A-Z0-9])[A-Za-z0-9][A-Za-z0-9 .+-]*[A-Za-z0-9+]",
    "node_values": r"[A-Za-z0-9*][A-Za-z0-9._/*-]*",
    "image_tokens": r"[a-z0-9]{3,}\*?|[a-z0-9]{2}\*",
    "docker_flags": r"--[a-z][a-z-]*(=[^\s=]+)?",
    "cli_commands": r"[a-z][a-z0-9._-]*( [a-z][a-z0-9-]*)*",
    "storage_schemes": r"[a-z][a-z0-9+.-]*",
    "arn_partitions": r"aws(-[a-z]+)*",
    "iam_services": r"[a-z][a-z0-9-]*",
    "annotation_prefixes": r"[a-z0-9][a-z0-9.-]*[a-z0-9]/[A-Za-z0-9._-]*",
    "storage_classes": r"[a-z0-9*][a-z0-9.*-]*",
    "resource_types": r"\S+",
}


def test_every_vocabulary_value_has_its_shape(kb):
    for e in kb.section("hardware") + kb.section("clouds"):
        for key, shape in SHAPES.items():
            for v in e.get(key, []):
                assert re.fullmatch(shape, v), f"{e.rule_id} {key}: {v!r}"
        for it in e.get("instance_types", []):
            if e.section == "clouds":
                assert isinstance(it["unambiguous"], bool) and len(it["pattern"]) >= 3, (e.id, it)
            else:
                assert kb.get("clouds", it["cloud"]) is not None, (e.id, it)
        for v in e.get("context_only_accelerators", []):
            assert v in e.get("accelerators"), (e.id, v)
        for key in ("python_packages", "npm_packages"):
            for v in e.get(key, []):
                assert v == v.strip() and " " not in v, (e.id, key, v)


# words the labelling rules say are not hardware or cloud references, and other ordinary tokens
GENERIC = {"gpu", "gpus", "cpu", "cuda kernels", "vram", "auto", "meta", "device", "cuda", "rocm", "accelerator", "latest", "slim",
           "base", "runtime", "devel", "python", "linux", "amd64", "arm64", "x86_64", "standard", "default", "premium", "storage",
           "infiniband", "rdma", "gpu_memory_utilization", "device_map"}
# product words that are also ordinary words: never a bare term (they may be part of one, or an image token)
ORDINARY_TERMS = {"Instinct", "Ascend", "Metal", "Neuron", "Arc", "Ampere", "Volta", "Turing", "Pascal", "Kepler", "Grace", "Trillium",
                  "Ironwood", "CUDA", "ROCm", "GPU", "NPU", "TPU", "VRAM", "CDNA", "RDNA", "MLX"}


def test_no_vocabulary_value_is_a_generic_word(kb):
    for e in kb.section("hardware"):
        for key in ("terms", "tools", "code_tokens", "node_values", "image_tokens"):
            bad = [v for v in e.get(key, []) if v.lower() in GENERIC]
            assert not bad, (e.id, key, bad)
        assert not [v for v in e.get("device_strings", []) if v in {"gpu", "cpu", "auto", "meta", "device"}], e.id
        assert not set(e.get("terms", [])) & ORDINARY_TERMS, e.id
        assert not [v for v in e.get("env_vars", []) if v.upper() in {"GPU_*", "DEVICE_*", "UCX_*", "UCX_TLS", "OMP_NUM_THREADS"}], e.id
    for c in kb.section("clouds"):
        for key in ("cli_commands", "sdk_imports", "storage_classes", "storage_schemes"):
            bad = [v for v in c.get(key, []) if v.lower() in GENERIC]
            assert not bad, (c.id, key, bad)
    # the label 'cuda' device string is the only generic-looking word kept, and only as a device string
    assert kb.hardware_for_device("cuda").id == "nvidia" and kb.hardware_for_term("CUDA") is None


def test_lookups_on_the_shipped_rules(kb):
    hw = {
        "CUDA_VISIBLE_DEVICES": "nvidia", "NCCL_SOCKET_IFNAME": "nvidia", "NVSHMEM_DEBUG": "nvidia", "NVIDIA_GDRCOPY": "nvidia",
        "PYTORCH_CUDA_ALLOC_CONF": "nvidia", "JETSON_JETPACK": "nvidia", "HIP_VISIBLE_DEVICES": "amd", "ROCR_VISIBLE_DEVICES": "amd",
        "PT_HPU_LAZY_MODE": "intel-gaudi", "NEURON_RT_NUM_CORES": "aws-neuron", "AWS_NEURON_TRACED_WEIGHTS_NAME": "aws-neuron",
        "ASCEND_RT_VISIBLE_DEVICES": "huawei-ascend", "TPU_WORKER_ID": "google-tpu", "PYTORCH_ENABLE_MPS_FALLBACK": "apple-silicon",
    }
    for name, want in hw.items():
        assert kb.hardware_for_env(name).id == want, name
        assert kb.env_var_owner(name).id == want, name
    assert kb.hardware_for_env("NVIDIA_API_KEY") is None  # providers:nvidia-nim owns it
    assert kb.env_var_owner("NVIDIA_API_KEY").id == "nvidia-nim"
    assert kb.hardware_for_env("gpu_memory_utilization") is None and kb.hardware_for_code_token("device_map") is None
    for tool, want in {"nvidia-smi": "nvidia", "nvidia-ctk": "nvidia", "nvidia-container-toolkit": "nvidia", "amd-smi": "amd",
                       "rocm-smi": "amd", "hl-smi": "intel-gaudi", "neuron-ls": "aws-neuron", "npu-smi": "huawei-ascend",
                       "tt-smi": "tenstorrent", "xpu-smi": "intel-gpu"}.items():
        assert kb.hardware_for_tool(tool).id == want, tool
    for tok, want in {"torch.cuda.is_available": "nvidia", "torch.neuron": "aws-neuron", "torch_gcu": "enflame",
                      "habana_frameworks.torch.core": "intel-gaudi", "torch_xla.core.xla_model": "google-tpu", "libtpu": "google-tpu",
                      "mlx_lm": "apple-silicon", "mlx.core": "apple-silicon", "OVModelForCausalLM": "intel-gpu", "openvino": "intel-gpu",
                      "torch_npu": "huawei-ascend", "cuda_ipc": "nvidia"}.items():
        assert kb.hardware_for_code_token(tok).id == want, tok
    for dev, want in {"cuda": "nvidia", "cuda:0": "nvidia", "npu:1": "huawei-ascend", "hpu": "intel-gaudi", "xpu": "intel-gpu",
                      "mps": "apple-silicon", "gcu": "enflame", "tpu": "google-tpu", "musa": "moore-threads"}.items():
        assert kb.hardware_for_device(dev).id == want, dev
    assert kb.hardware_for_device("xla") is None  # shared by TPU, Trainium/Inferentia and GPU back ends
    for term, want in {"NVLink": "nvidia", "Blackwell": "nvidia", "NeuronCore": "aws-neuron", "Gaudi2": "intel-gaudi"}.items():
        assert kb.hardware_for_term(term).id == want, term
    for v, want in {"nvidia-tesla-t4": "nvidia", "NVIDIA-H100-80GB-HBM3": "nvidia", "gpu.nvidia.com": "nvidia", "nvidia": "nvidia",
                    "tpu-v5-lite-podslice": "google-tpu"}.items():
        assert kb.hardware_for_node_value(v).id == want, v
    for tok, want in {"cuda": "nvidia", "cu121": "nvidia", "cu130": "nvidia", "rocm": "amd", "rocm6": "amd", "neuronx": "aws-neuron",
                      "habana": "intel-gaudi", "gaudi2": "intel-gaudi", "ascend": "huawei-ascend", "tpu": "google-tpu"}.items():
        assert kb.hardware_for_image_token(tok).id == want, tok
    assert kb.hardware_for_image_token("gpu") is None and kb.hardware_for_image_token("latest") is None
    assert kb.hardware_for_docker_flag("--gpus", "all").id == "nvidia"
    assert kb.hardware_for_docker_flag("--runtime", "nvidia").id == "nvidia"
    assert kb.hardware_for_docker_flag("--device", "/dev/kfd").id == "amd"
    assert kb.hardware_for_docker_flag("--device", "/dev/neuron0").id == "aws-neuron"
    assert kb.hardware_for_docker_flag("--device", "/dev/davinci_manager").id == "huawei-ascend"
    assert kb.hardware_for_docker_flag("--device", "/dev/dri") is None  # unspecified vendor
    for name, (hid, acc) in {"ml.p3.16xlarge": ("nvidia", "V100"), "ml.inf2.xlarge": ("aws-neuron", "Inferentia2"),
                             "v5litepod-8": ("google-tpu", "TPU v5e"), "v4-32": ("google-tpu", "TPU v4")}.items():
        e, it = kb.instance_type(name)
        assert (e.id, it["accelerator"]) == (hid, acc), name
    assert kb.instance_type("v4-beta") is None


def test_cloud_lookups_on_the_shipped_rules(kb):
    for name, want in {"AWS_ACCESS_KEY_ID": "aws", "AWS_BEDROCK_LLM_REGION": "aws", "SM_MODEL_DIR": "aws", "AZURE_CLIENT_ID": "azure",
                       "ARM_SUBSCRIPTION_ID": "azure", "GOOGLE_APPLICATION_CREDENTIALS": "gcp", "GOOGLE_CLOUD_PROJECT": "gcp",
                       "VERTEXAI_PROJECT": "gcp", "CLOUDSDK_CORE_PROJECT": "gcp", "DIGITALOCEAN_ACCESS_TOKEN": "digitalocean",
                       "ALIBABA_CLOUD_ACCESS_KEY_ID": "alicloud", "TENCENTCLOUD_SECRET_ID": "tencentcloud", "SCW_ACCESS_KEY": "scaleway",
                       "OVH_ENDPOINT": "ovh", "IBMCLOUD_API_KEY": "ibm", "HCLOUD_TOKEN": "hetzner", "CLOUDFLARE_API_TOKEN": "cloudflare"}.items():
        assert kb.cloud_for_env(name).id == want, name
        assert kb.env_var_owner(name).id == want, name
    # a provider's exact name wins over a cloud prefix; the cloud is still known
    assert kb.env_var_owner("AZURE_OPENAI_ENDPOINT").id == "azure-openai" and kb.cloud_for_env("AZURE_OPENAI_ENDPOINT").id == "azure"
    assert kb.env_var_owner("AZURE_OPENAI_KEY").id == "azure"
    assert kb.env_var_owner("AWS_NEURON_RT_VISIBLE_CORES").id == "aws-neuron" and kb.cloud_for_env("AWS_NEURON_RT_VISIBLE_CORES").id == "aws"
    assert kb.env_var_owner("VOLCENGINE_API_KEY").id != "volcengine" and kb.cloud_for_env("VOLCENGINE_ACCESS_KEY").id == "volcengine"
    for cmd, want in {"aws s3 cp a s3://b": "aws", "aws configure": "aws", "eksctl create cluster": "aws", "gcloud auth login": "gcp",
                      "gsutil cp x gs://y": "gcp", "bq query": "gcp", "az login": "azure", "az ml job create": "azure", "doctl compute": "digitalocean",
                      "ibmcloud login": "ibm", "aliyun ecs DescribeInstances": "alicloud", "wrangler deploy": "cloudflare"}.items():
        assert kb.cloud_for_command(cmd).id == want, cmd
    assert kb.cloud_for_command("hcloud server list") is None  # Hetzner's and Huawei Cloud's CLIs share the name
    for mod, want in {"boto3": "aws", "botocore.exceptions": "aws", "google.cloud.storage": "gcp", "azure.identity": "azure",
                      "azure.mgmt.cognitiveservices": "azure", "azure.ai.ml": "azure", "oci": "oci", "qcloud_cos": "tencentcloud"}.items():
        assert kb.cloud_for_import(mod).id == want, mod
    # the more specific provider package wins where a caller asks package() first
    assert kb.package("google.cloud.aiplatform").id == "vertex-ai" and kb.cloud_for_import("google.cloud.aiplatform").id == "gcp"
    # azure is the namespace of every Azure SDK: the provider's package wins as the more specific name,
    # and the import is an Azure SDK import too (as google.cloud.aiplatform is GCP's)
    assert kb.package("azure.ai.inference").id == "azure-ai-foundry" and kb.cloud_for_import("azure.ai.inference").id == "azure"
    assert kb.cloud_for_import("azure.search.documents").id == "azure"
    for pkg, eco, want in (("boto3", "python", "aws"), ("google-cloud-storage", "python", "gcp"), ("azure_identity", "python", "azure"),
                           ("@aws-sdk/client-s3", "npm", "aws"), ("@google-cloud/storage", "npm", "gcp"), ("@azure/identity", "npm", "azure")):
        assert kb.cloud_for_package(pkg, eco).id == want, pkg
    assert kb.cloud_for_package("sagemaker") is None and kb.package("sagemaker").id == "sagemaker"
    for scheme, want in {"s3": "aws", "s3a": "aws", "gs": "gcp", "abfss": "azure", "wasbs": "azure", "oss": "alicloud", "r2": "cloudflare"}.items():
        assert kb.cloud_for_storage_scheme(scheme).id == want, scheme
    assert kb.cloud_for_storage_scheme("oci") is None and kb.cloud_for_storage_scheme("obs") is None and kb.cloud_for_storage_scheme("cos") is None
    assert kb.cloud_for_arn_partition("aws-us-gov").id == "aws" and kb.cloud_for_iam_service("bedrock").id == "aws"
    assert kb.cloud_for_iam_service("aoss").id == "aws"
    for key, want in {"service.beta.kubernetes.io/aws-load-balancer-type": "aws", "alb.ingress.kubernetes.io/certificate-arn": "aws",
                      "eks.amazonaws.com/nodegroup": "aws", "networking.gke.io/load-balancer-type": "gcp", "cloud.google.com/gke-accelerator": "gcp",
                      "iam.gke.io/gcp-service-account": "gcp", "service.beta.kubernetes.io/azure-load-balancer-internal": "azure",
                      "kubernetes.azure.com/agentpool": "azure", "service.beta.kubernetes.io/do-loadbalancer-protocol": "digitalocean"}.items():
        assert kb.cloud_for_annotation(key).id == want, key
    assert kb.cloud_for_annotation("alb.ingress.kubernetes.io/scheme") is None  # AWS and Alibaba Cloud controllers share the prefix
    for sc, want in {"gp3": "aws", "efs-sc": "aws", "standard-rwo": "gcp", "managed-csi": "azure", "azurefile-csi": "azure",
                     "do-block-storage": "digitalocean", "shared-vast": "coreweave", "ibmc-vpc-block-10iops-tier": "ibm"}.items():
        assert kb.cloud_for_storage_class(sc).id == want, sc
    assert kb.cloud_for_storage_class("standard") is None and kb.cloud_for_storage_class("default") is None
    for it, keyed, want in (("ml.p3.16xlarge", False, "aws"), ("ml.t3.medium", False, "aws"), ("Standard_D4s_v5", False, "azure"),
                            ("n1-standard-1", False, "gcp"), ("s-2vcpu-2gb", False, "digitalocean"), ("ecs.g7.large", False, "alicloud"),
                            ("ecs.g7.large", True, "alicloud"), ("m5.large", True, "aws"), ("p4d.24xlarge", True, "aws"),
                            ("e2-medium", True, "gcp"), ("VM.Standard.E4.Flex", False, "oci")):
        assert kb.cloud_instance_type(it, keyed=keyed)[0].id == want, it
    assert kb.cloud_instance_type("m5.large") is None and kb.cloud_instance_type("Standard_LRS") is None
    for rt, want in {"AWS::S3::Bucket": "aws", "aws:s3/bucket:Bucket": "aws", "Microsoft.Compute/virtualMachines": "azure",
                     "Microsoft.CognitiveServices": "azure", "compute.v1.instance": "gcp", "zones/us-central1-a/machineTypes/n1-standard-1": "gcp",
                     "global/networks/default": "gcp", "ALIYUN::ECS::Instance": "alicloud"}.items():
        assert kb.cloud_for_iac_type(rt).id == want, rt
    assert kb.cloud_for_iac_type("Microsoft.Extensions.Logging") is None


def test_rules_validate_passes():
    got = CliRunner().invoke(main, ["rules", "validate"])
    assert got.exit_code == 0 and got.output.startswith("ok:"), got.output

def test_a_bad_overlay_over_the_shipped_rules_fails_with_its_file_and_line(tmp_path):
    f = tmp_path / "clouds.yaml"
    f.write_text(textwrap.dedent("""\
        section: clouds
        entries:
          - id: mycloud
            name: My Cloud
            country: DE
            kind: sovereign
            python_packages: [sagemaker]
            env_vars: [NVIDIA_VISIBLE_DEVICES]
            storage_schemes: [s3]
            sources: [https://example.org/mycloud]
        """))
    with pytest.raises(RulesError) as ei:
        load_knowledge_base([tmp_path])
    msgs = [str(p) for p in ei.value.problems]
    path = f.as_posix()
    assert len(msgs) == 3, msgs
    assert msgs[0].startswith(f"{path}:7: mycloud: package 'sagemaker' is also listed by providers:sagemaker (providers.yaml:"), msgs
    assert msgs[1].startswith(f"{path}:8: mycloud: environment variable 'NVIDIA_VISIBLE_DEVICES' is also claimed by hardware:nvidia (hardware.yaml:"), msgs
    assert msgs[2].startswith(f"{path}:9: mycloud: storage_schemes value 's3' is also listed by clouds:aws (clouds.yaml:"), msgs


def test_a_vendor_neutral_docker_flag_a_vendor_claims_fails(tmp_path):
    """--gpus is NVIDIA's (hardware.yaml); listed as vendor-neutral too (detection.yaml), every
    docker run --gpus line named two vendors, nvidia and unknown."""
    (tmp_path / "mine.yaml").write_text(
        "section: detection\nentries:\n  - id: my-flags\n    kind: hardware-keys\n    docker_flags: [\"--gpus\"]\n"
        "    as_of: 2026-12\n    sources:\n      - https://docs.docker.com/engine/containers/resource_constraints/\n")
    with pytest.raises(RulesError) as ei:
        load_knowledge_base((tmp_path,))
    assert [str(p) for p in ei.value.problems] == [
        f"{tmp_path / 'mine.yaml'}:5: my-flags: docker flag '--gpus' is a vendor's (rules/hardware.yaml docker_flags)"]
