"""Package detector: provider SDKs, accelerator stacks and serving frameworks in manifests and lock files."""

from __future__ import annotations

import os

import pytest

from sovaudit.detect.base import SourceFile
from sovaudit.detect.packages import PackageDetector, pep503
from sovaudit.detect.scan import scan_file
from sovaudit.model import Context, Kind
from sovaudit.walk.walker import WalkItem

DET = PackageDetector()


def run(kb, text: str, path: str):
    return list(DET.detect(SourceFile(path, text=text), kb))


def rows(refs):
    return [(r.id, r.line, r.column, r.form, r.provider, r.attribute("version")) for r in refs]


@pytest.mark.parametrize(
    "path,expected",
    [
        ("requirements.txt", True), ("requirements-dev.txt", True), ("svc/requirements.in", True),
        ("requirements/prod.txt", True), ("constraints.txt", True), ("pyproject.toml", True), ("setup.cfg", True),
        ("Pipfile", True), ("Pipfile.lock", True), ("environment.yml", True), ("web/package.json", True),
        ("poetry.lock", True), ("uv.lock", True), ("package-lock.json", True), ("pnpm-lock.yaml", True),
        ("yarn.lock", True),
        ("notes.txt", False), ("docs/requirements.md", False), ("package.json5", False), ("tsconfig.json", False),
        ("Cargo.lock", False), ("setup.py", False),
    ],
)
def test_applies(path, expected):
    assert DET.applies(path) is expected


def test_pep503():
    assert pep503("Torch_NPU") == "torch-npu"
    assert pep503("zope.interface") == "zope-interface"


REQUIREMENTS = """\
# runtime
openai>=1.30,<2  # the SDK
anthropic==0.25.0 \\
    --hash=sha256:0123456789abcdef
torch_npu; platform_machine == "aarch64"
-e git+https://github.com/vllm-project/vllm.git#egg=vllm
-r base.txt
--index-url https://pypi.org/simple
requests==2.32.0
Dashscope[all]
git+https://github.com/acme/report-templates.git@main#egg=report-templates
https://download.pytorch.org/whl/cu124
"""


def test_requirements_txt(kb):
    found = run(kb, REQUIREMENTS, "requirements.txt")
    refs = [r for r in found if r.kind is Kind.PACKAGE]
    # torch_npu also names the hardware it needs (the other kinds are tested below)
    assert [(r.kind, r.id, r.line) for r in found if r.kind is not Kind.PACKAGE] == [(Kind.HARDWARE, "huawei-ascend", 5)]
    line6 = REQUIREMENTS.splitlines()[5]
    assert rows(refs) == [
        ("openai", 2, 1, "requirement", "openai", "<2,>=1.30"),
        ("anthropic", 3, 1, "requirement", "anthropic", "==0.25.0"),
        ("torch-npu", 5, 1, "requirement", "huawei-ascend", ""),
        ("vllm", 6, line6.index("egg=vllm") + 5, "requirement", "vllm", ""),
        ("dashscope", 10, 1, "requirement", "dashscope", ""),
    ]
    assert [r.text for r in refs] == ["openai", "anthropic", "torch_npu", "vllm", "Dashscope"]
    assert all(r.kind is Kind.PACKAGE and r.context is Context.CONFIG and r.detector == "packages" for r in refs)
    assert refs[0].attribute("ecosystem") == "python"


def test_unknown_packages_are_not_reported(kb):
    assert run(kb, "requests\nnumpy==1.26\nfastapi\nthis is prose, not a requirement\n", "requirements.txt") == []


PYPROJECT = """\
[project]
name = "openai"
dependencies = [
  "openai>=1.0",
  'vllm==0.5.0 ; sys_platform == "linux"',
  "httpx",
]

[project.optional-dependencies]
npu = ["torch-npu>=2.1"]

[dependency-groups]
dev = ["anthropic"]

[tool.poetry.dependencies]
python = "^3.10"
dashscope = { version = "1.20", optional = true }
"zhipuai" = "^2.0"

[build-system]
requires = ["hatchling", "vllm"]
"""


def test_pyproject(kb):
    refs = run(kb, PYPROJECT, "pyproject.toml")
    assert rows(refs) == [
        ("openai", 4, 4, "pyproject", "openai", ">=1.0"),
        ("vllm", 5, 4, "pyproject", "vllm", "==0.5.0"),
        ("torch-npu", 10, 9, "pyproject", "huawei-ascend", ">=2.1"),
        ("huawei-ascend", 10, 9, "package", "huawei-ascend", ""),  # the hardware the runtime needs
        ("anthropic", 13, 9, "pyproject", "anthropic", ""),
        ("dashscope", 17, 1, "pyproject", "dashscope", "1.20"),
        ("zhipuai", 18, 2, "pyproject", "zhipu", "^2.0"),
    ]


def test_setup_cfg(kb):
    text = (
        "[metadata]\nname = openai-wrapper\n\n[options]\ninstall_requires =\n    openai>=1\n    requests\n"
        "python_requires = >=3.10\n\n[options.extras_require]\nnpu = torch_npu\n"
    )
    assert rows(run(kb, text, "setup.cfg")) == [
        ("openai", 6, 5, "requirement", "openai", ">=1"),
        ("torch-npu", 11, 7, "requirement", "huawei-ascend", ""),
        ("huawei-ascend", 11, 7, "package", "huawei-ascend", ""),
    ]


def test_pipfile(kb):
    text = '[[source]]\nurl = "https://pypi.org/simple"\n\n[packages]\nopenai = "*"\nrequests = "*"\n\n[dev-packages]\nvllm = {version = ">=0.5"}\n'
    assert rows(run(kb, text, "Pipfile")) == [
        ("openai", 5, 1, "requirement", "openai", ""),
        ("vllm", 9, 1, "requirement", "vllm", ">=0.5"),
    ]


def test_conda_environment(kb):
    text = "name: x\ndependencies:\n  - python=3.11\n  - conda-forge::openai>=1.0\n  - pip:\n    - \"vllm==0.5\"\n    - anthropic\n"
    assert rows(run(kb, text, "environment.yml")) == [
        ("openai", 4, 18, "requirement", "openai", ">=1.0"),
        ("vllm", 6, 8, "requirement", "vllm", "==0.5"),
        ("anthropic", 7, 7, "requirement", "anthropic", ""),
    ]


PACKAGE_JSON = """\
{
  "name": "openai",
  "dependencies": {"openai": "^4.0.0", "react": "18"},
  "devDependencies": {
    "@anthropic-ai/sdk": "0.20.0"
  },
  "repository": "github:acme/openai"
}
"""


def test_package_json(kb):
    refs = run(kb, PACKAGE_JSON, "web/package.json")
    assert rows(refs) == [
        ("openai", 3, 21, "npm", "openai", "^4.0.0"),
        ("@anthropic-ai/sdk", 5, 6, "npm", "anthropic", "0.20.0"),
    ]
    assert refs[1].attribute("ecosystem") == "npm"


def test_lock_files(kb):
    poetry = '[[package]]\nname = "openai"\nversion = "1.30.0"\n\n[[package]]\nname = "torch-npu"\nversion = "2.1.0"\n\n[[package]]\nname = "idna"\nversion = "3.7"\n'
    assert rows(run(kb, poetry, "poetry.lock")) == [
        ("openai", 2, 9, "lock", "openai", "==1.30.0"),
        ("torch-npu", 6, 9, "lock", "huawei-ascend", "==2.1.0"),
    ]
    assert rows(run(kb, poetry.replace("[[package]]", "[[package]]\nsource = { registry = \"x\" }"), "uv.lock"))[0][0] == "openai"
    pipfile_lock = '{\n  "_meta": {},\n  "default": {\n    "openai": {"version": "==1.30.0"}\n  },\n  "develop": {}\n}\n'
    assert rows(run(kb, pipfile_lock, "Pipfile.lock")) == [("openai", 4, 6, "lock", "openai", "==1.30.0")]
    npm_lock = (
        '{\n  "lockfileVersion": 3,\n  "packages": {\n    "": {"dependencies": {"openai": "^4"}},\n'
        '    "node_modules/openai": {"version": "4.2.0"},\n'
        '    "node_modules/x/node_modules/@anthropic-ai/sdk": {"version": "0.20.5"}\n  }\n}\n'
    )
    assert rows(run(kb, npm_lock, "package-lock.json")) == [
        ("openai", 5, 19, "lock", "openai", "4.2.0"),
        ("@anthropic-ai/sdk", 6, 34, "lock", "anthropic", "0.20.5"),
    ]
    pnpm = "lockfileVersion: '9.0'\npackages:\n  openai@4.2.0:\n    resolution: {integrity: x}\n  '@anthropic-ai/sdk@0.20.5(zod@3.0.0)':\n    resolution: {integrity: y}\n  /ollama/0.5.0:\n    resolution: {integrity: z}\n"
    assert rows(run(kb, pnpm, "pnpm-lock.yaml")) == [
        ("openai", 3, 3, "lock", "openai", "4.2.0"),
        ("@anthropic-ai/sdk", 5, 4, "lock", "anthropic", "0.20.5"),
        ("ollama", 7, 4, "lock", "ollama", "0.5.0"),
    ]
    yarn = '# yarn lockfile v1\n\n"@anthropic-ai/sdk@^0.20.0", "@anthropic-ai/sdk@^0.20.1":\n  version "0.20.5"\n\nopenai@^4.0.0:\n  version "4.2.0"\n\nreact@18:\n  version "18.0.0"\n'
    assert rows(run(kb, yarn, "yarn.lock")) == [
        ("@anthropic-ai/sdk", 3, 2, "lock", "anthropic", "0.20.5"),
        ("openai", 6, 1, "lock", "openai", "4.2.0"),
    ]
    berry = '__metadata:\n  version: 6\n\n"openai@npm:^4.0.0":\n  version: 4.2.0\n'
    assert rows(run(kb, berry, "yarn.lock")) == [("openai", 4, 2, "lock", "openai", "4.2.0")]


def test_lock_file_reports_each_package_version_once(kb):
    npm_lock = (
        '{\n  "packages": {\n    "node_modules/openai": {"version": "4.2.0"},\n'
        '    "node_modules/a/node_modules/openai": {"version": "4.2.0"},\n'
        '    "node_modules/b/node_modules/openai": {"version": "3.0.0"}\n  },\n'
        '  "dependencies": {"openai": {"version": "4.2.0"}}\n}\n'
    )
    assert [(r.id, r.attribute("version")) for r in run(kb, npm_lock, "package-lock.json")] == [
        ("openai", "4.2.0"), ("openai", "3.0.0"),
    ]


@pytest.mark.parametrize(
    "path,text,message",
    [
        ("pyproject.toml", "[project]\ndependencies = [\n", r"^malformed TOML: .*\(line 2\)$"),
        ("poetry.lock", "[[package]\nname = 'x'\n", r"^malformed TOML: .*line 1"),
        ("package.json", '{\n  "dependencies": {"openai": }\n}\n', r"^malformed JSON: Expecting value \(line 2, column 30\)"),
        ("package-lock.json", "{", r"^malformed JSON: .*\(line 1, column 2\)"),
        ("pnpm-lock.yaml", "packages:\n  a: [\n", r"^malformed YAML: .*line 3"),
    ],
)
def test_malformed(kb, tmp_path, path, text, message):
    with pytest.raises(ValueError, match=message):
        run(kb, text, path)
    p = tmp_path / path
    p.write_text(text)
    refs, skips = scan_file(WalkItem(path, str(p), os.path.getsize(p), 0, 0), kb, 1 << 20, readers=(DET,))[:2]
    assert refs == []
    assert [(s.path, s.reason) for s in skips] == [(path, "could not parse (packages)")]
    assert "malformed" in skips[0].detail


def test_package_json_position_is_inside_its_section(kb):
    text = '{\n  "scripts": {"openai": "node gen.js"},\n  "dependencies": {\n    "openai": "^4"\n  }\n}\n'
    assert rows(run(kb, text, "package.json")) == [("openai", 4, 6, "npm", "openai", "^4")]


def test_url_credentials_never_reach_a_reference(kb):
    text = "-e git+https://deploy:ghp_SECRETSECRET0123456789abcdefghijkl@github.com/vllm-project/vllm.git#egg=vllm\n"
    (ref,) = run(kb, text, "requirements.txt")
    assert ref.id == "vllm" and ref.line == 1
    assert "SECRET" not in repr(ref) and "deploy:" not in repr(ref)
    assert ref.snippet == "-e git+https://github.com/vllm-project/vllm.git#egg=vllm"


def test_a_cloud_sdk_or_accelerator_runtime_as_a_dependency_names_the_cloud_or_hardware(kb):
    """boto3 in requirements.txt says AWS as ``import boto3`` does; torch-npu says Ascend. A lock
    file's entries (pulled in by other packages) do not; extras may retarget the build."""
    text = "boto3>=1.38\nazure-search-documents==11.4\ntorch-npu>=2.3.1\nmlx[cuda12]\nrequests\n"
    got = sorted((r.kind.value, r.id, r.line, r.form) for r in run(kb, text, "requirements.txt") if r.kind != Kind.PACKAGE)
    assert got == [("cloud", "aws", 1, "sdk"), ("cloud", "azure", 2, "sdk"), ("hardware", "huawei-ascend", 3, "package")]
    pkg = '{"dependencies": {"@aws-sdk/client-bedrock-runtime": "^3.9", "@google-cloud/storage": "7", "react": "18"}}'
    got = sorted((r.kind.value, r.id) for r in run(kb, pkg, "package.json") if r.kind == Kind.CLOUD)
    assert got == [("cloud", "aws"), ("cloud", "gcp")]
    lock = '[[package]]\nname = "boto3"\nversion = "1.38.0"\n\n[[package]]\nname = "torch-npu"\nversion = "2.3.1"\n'
    assert {r.kind for r in run(kb, lock, "uv.lock")} <= {Kind.PACKAGE}


def test_cloud_package_families_are_prefixes_not_words(kb):
    assert kb.cloud_for_package("google-cloud-aiplatform").id == "gcp"
    assert kb.cloud_for_package("@aws-sdk/credential-providers", "npm").id == "aws"
    assert kb.cloud_for_package("google-cloud") is None and kb.cloud_for_package("azure") is None
    assert kb.cloud_for_package("@aws-sdkx/client", "npm") is None
