"""Per-host pacing: one request at a time per host, at least ``delay`` apart.

Hosts do not wait for one another; callers run them on a thread pool. The
gap is measured from the end of one request to the start of the next, which
is the conservative reading of "least gap between two requests".
"""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


class HostGate:
    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._delay = delay
        self._clock = clock
        self._sleep = sleep
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._last_end: dict[str, float] = {}
        self._host_delay: dict[str, float] = {}

    def set_host_delay(self, host: str, delay: float) -> None:
        """A robots.txt Crawl-delay can only lengthen the configured delay."""
        with self._guard:
            self._host_delay[host] = max(self._delay, delay)

    def delay_for(self, host: str) -> float:
        with self._guard:
            return self._host_delay.get(host, self._delay)

    def _lock_for(self, host: str) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(host)
            if lock is None:
                lock = self._locks[host] = threading.Lock()
            return lock

    @contextlib.contextmanager
    def slot(self, host: str) -> Iterator[None]:
        lock = self._lock_for(host)
        with lock:
            last = self._last_end.get(host)
            if last is not None:
                wait = last + self.delay_for(host) - self._clock()
                if wait > 0:
                    self._sleep(wait)
            try:
                yield
            finally:
                self._last_end[host] = self._clock()


def run_by_host(groups: Sequence[tuple[str, Sequence[T]]], work: Callable[[T], R],
                threads: int) -> list[R]:
    """Run ``work`` on every item, hosts in parallel, each host's items in order.

    Results come back in input order so callers stay deterministic.
    """
    def one_host(items: Sequence[T]) -> list[R]:
        return [work(item) for item in items]

    if not groups:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(threads, len(groups))),
                            thread_name_prefix="fetch-host") as pool:
        futures = [pool.submit(one_host, items) for _host, items in groups]
        out: list[R] = []
        for fut in futures:
            out.extend(fut.result())
    return out
