"""sovaudit: audit the jurisdictional sovereignty of an AI software supply chain."""

__version__ = "0.1.0"
