"""Placeholder: being written. Finds nothing yet."""

from sovaudit.detectors.base import Detector


class MarkdownDetector(Detector):
    name = "markdown"

    def applies(self, path: str) -> bool:
        return False

    def detect(self, f, kb):
        return ()
