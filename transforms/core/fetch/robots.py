"""robots.txt per RFC 9309 (parsed by protego), fetched once per host per run.

RFC 9309 section 2.3.1: a 4xx robots.txt means no rules (allow all); a 5xx or
an unreachable server means complete disallow, since the site may be down or
overloaded and crawling it anyway is what robots.txt exists to prevent.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from transforms.core.fetch.http import FetchOutcome, HttpClient
from transforms.core.records import Failure, Reason, Stage


def product_token(user_agent: str) -> str:
    """The token robots.txt groups are matched against: ``claimwire`` of ``claimwire/0.1 (...)``."""
    token = user_agent.strip().split("/", 1)[0].split(" ", 1)[0]
    return token or "*"


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "/robots.txt", "", ""))


@dataclass(frozen=True)
class RobotsRules:
    allow_all: bool = False
    disallow_all: bool = False
    parser: Protego | None = None
    why: str = ""

    def allowed(self, url: str, agent: str) -> bool:
        if self.disallow_all:
            return False
        if self.allow_all or self.parser is None:
            return True
        return bool(self.parser.can_fetch(url, agent))

    def crawl_delay(self, agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(agent)
        return float(delay) if delay is not None else None


def rules_from_outcome(outcome: FetchOutcome) -> RobotsRules:
    final = outcome.final
    status = final.status if final is not None else 0
    if outcome.failure is not None and not (400 <= status < 500):
        if 500 <= status < 600:
            return RobotsRules(disallow_all=True, why=f"robots.txt {status}")
        if outcome.failure.reason in (Reason.PRIVATE_ADDRESS.value, Reason.BAD_SCHEME.value):
            # The page fetch will be refused for the same reason; do not blame robots.txt.
            return RobotsRules(allow_all=True, why=outcome.failure.reason)
        return RobotsRules(disallow_all=True, why=f"robots.txt unreachable: {outcome.failure.reason}")
    if 400 <= status < 500:
        return RobotsRules(allow_all=True, why=f"robots.txt {status}")
    assert final is not None
    text = final.body.decode("utf-8", errors="replace")
    return RobotsRules(parser=Protego.parse(text), why="robots.txt")


class RobotsCache:
    """Thread-safe; one robots.txt request per host, however many threads ask at once."""

    def __init__(self, client: HttpClient, user_agent: str,
                 on_fetch: Callable[[str, FetchOutcome], None] = lambda url, outcome: None) -> None:
        self._client = client
        self._agent = product_token(user_agent)
        self._on_fetch = on_fetch
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._rules: dict[str, RobotsRules] = {}

    def rules_for(self, url: str,
                  on_fetch: Callable[[str, FetchOutcome], None] | None = None) -> RobotsRules:
        key = robots_url(url)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            rules = self._rules.get(key)
            if rules is None:
                outcome = self._client.get(key)
                (on_fetch or self._on_fetch)(key, outcome)
                rules = rules_from_outcome(outcome)
                self._rules[key] = rules
        return rules

    def check(self, url: str,
              on_fetch: Callable[[str, FetchOutcome], None] | None = None) -> Failure | None:
        """None when ``url`` may be fetched, else a ``robots_disallowed`` failure."""
        rules = self.rules_for(url, on_fetch)
        if rules.allowed(url, self._agent):
            return None
        return Failure(Stage.FETCH.value, Reason.ROBOTS_DISALLOWED.value, url,
                       f"{rules.why} disallows {self._agent}")

    def crawl_delay(self, url: str) -> float | None:
        return self.rules_for(url).crawl_delay(self._agent)
