"""Stage 6: writers. Each consumes only the final ``ScanResult``."""
