"""sovaudit: audit the jurisdictional sovereignty of an AI software supply chain.

The library entry point is ``audit(AuditConfig(root=PATH))``; see ``sovaudit.api``."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the lazy names below are, for type checkers
    from sovaudit.api import AuditConfig, AuditError, audit

__version__ = "0.1.0"
#: where users read about sovaudit (SARIF ``informationUri``, rules' ``helpUri``, CycloneDX tool)
HOMEPAGE = "https://pypi.org/project/sovaudit/"


def __getattr__(name: str) -> Any:
    # imported on first use: ``import sovaudit`` stays cheap for the CLI's --version and --help
    if name in ("audit", "AuditConfig", "AuditError"):
        from sovaudit import api

        return getattr(api, name)
    raise AttributeError(f"module 'sovaudit' has no attribute {name!r}")


__all__ = ["audit", "AuditConfig", "AuditError", "__version__"]
