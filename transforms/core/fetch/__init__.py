"""Live fetching: polite, bounded, SSRF-safe HTTP, feeds, robots.txt, WARC archive, run state.

Pure Python (no Beam); the Beam layer is :mod:`transforms.fetch`.
"""
from transforms.core.fetch.config import ConfigError, FetchConfig

__all__ = ["ConfigError", "FetchConfig"]
