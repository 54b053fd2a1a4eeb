"""Settings of a live fetch, validated once into a frozen object.

The ``[fetch]`` table of the run config maps one-to-one onto :class:`FetchConfig`;
unknown keys are errors so a typo cannot silently fall back to a default.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from transforms.core.config import ConfigError, settings_from_table

DEFAULT_USER_AGENT = "claimwire/0.1 (+https://github.com/claimwire/claimwire; news research crawler)"




@dataclass(frozen=True)
class FetchConfig:
    user_agent: str = DEFAULT_USER_AGENT
    delay: float = 1.0                 # least gap between two requests to one host, seconds
    timeout: float = 30.0              # whole wall-clock cap of one request (all bytes), seconds
    connect_timeout: float = 10.0
    read_timeout: float = 20.0         # longest silence between two reads
    max_bytes: int = 5 * 1024 * 1024   # on the wire and after decompression
    max_redirects: int = 5
    retries: int = 2                   # extra attempts on 5xx / 429
    backoff: float = 1.0               # first back-off, doubled per attempt
    max_retry_after: float = 60.0      # a longer Retry-After ends the fetch instead of waiting
    allow_private_network: bool = False
    refetch: bool = False              # fetch article URLs again even if history has them
    obey_robots: bool = True
    threads: int = 16                  # hosts fetched concurrently within one worker
    shards: int = 8                    # host groups spread over workers
    max_entries_per_feed: int = 1000

    def __post_init__(self) -> None:
        problems = []
        for name in ("delay", "backoff", "max_retry_after"):
            if getattr(self, name) < 0:
                problems.append(f"{name} must be >= 0")
        for name in ("timeout", "connect_timeout", "read_timeout"):
            if getattr(self, name) <= 0:
                problems.append(f"{name} must be > 0")
        for name in ("max_bytes", "threads", "shards", "max_entries_per_feed"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be >= 1")
        for name in ("max_redirects", "retries"):
            if getattr(self, name) < 0:
                problems.append(f"{name} must be >= 0")
        if not self.user_agent.strip():
            problems.append("user_agent must not be empty")
        if problems:
            raise ConfigError("[fetch] " + "; ".join(problems))

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> FetchConfig:
        return settings_from_table(cls, d, "fetch")
