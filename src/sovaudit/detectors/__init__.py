"""The detectors, listed explicitly. Order does not matter: the scanner runs every detector whose
``applies`` accepts a file's path and merges their references.

Each detector is a small class with a docstring saying what it finds; what the strings it finds
mean (which provider a URL belongs to, which vendor a resource name is) comes from ``rules/``.
"""

from sovaudit.detectors.python import PythonDetector
from sovaudit.detectors.notebook import NotebookDetector
from sovaudit.detectors.javascript import JavaScriptDetector
from sovaudit.detectors.dockerfile import DockerfileDetector
from sovaudit.detectors.yamlfiles import YamlDetector
from sovaudit.detectors.shell import ShellDetector
from sovaudit.detectors.terraform import TerraformDetector
from sovaudit.detectors.envfile import EnvFileDetector
from sovaudit.detectors.modelfile import ModelfileDetector
from sovaudit.detectors.packages import PackageDetector
from sovaudit.detectors.markdown import MarkdownDetector
from sovaudit.detectors.artifacts import ModelConfigDetector
from sovaudit.detectors.weights import WeightsHeaderDetector

DETECTORS = (
    PythonDetector(),
    NotebookDetector(),
    JavaScriptDetector(),
    DockerfileDetector(),
    YamlDetector(),
    ShellDetector(),
    TerraformDetector(),
    EnvFileDetector(),
    ModelfileDetector(),
    PackageDetector(),
    MarkdownDetector(),
    ModelConfigDetector(),
    WeightsHeaderDetector(),
)

__all__ = ["DETECTORS"]
