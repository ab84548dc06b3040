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
