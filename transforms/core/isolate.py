"""Run extraction in worker processes with a per-document time limit and crash isolation.

trafilatura and lxml can hang on hostile pages (pathological regexes, huge trees) and lxml
has crashed the interpreter under threads. A hang or a segfault must cost one document, not
the run. Signals (``alarm``) cannot help: they only work in the main thread, and Beam runs
DoFns in threads. So each document is sent to a long-lived worker process over a pipe; the
caller waits with a deadline and, past it, kills the worker and starts a fresh one on the
next call. The pipe round trip costs about 0.1 ms of CPU per page, both processes together
(tests/eval/bench_extract_cpu.py, mode ``ipc``), so isolation can be on by default.

Only configuration is pickled (settings, limits, the target function by reference, and what a
worker prepares pages with, ``prep``: 1.4 MB with the default lexicons, sent once per worker):
workers are started lazily in the process that calls ``extract``, e.g. after a Beam DoFn's
``setup()``.
"""
from __future__ import annotations

import dataclasses
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from transforms.core.extract import Extracted, ExtractSettings, extract_html
from transforms.core.records import Failure, Reason, Stage

Result = Extracted | Failure
Target = Callable[..., Result]

# Not "fork": forking a process that runs threads (Beam's workers, gRPC) can deadlock the child.
DEFAULT_START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _limit_memory(max_memory_bytes: int | None) -> None:
    if not max_memory_bytes:
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (max_memory_bytes, max_memory_bytes))
    except (ImportError, ValueError, OSError):  # not on this platform: the time limit still holds
        pass


WARM_UP_HTML = ("<html><head><title>warm up</title></head><body><article>"
                + "<p>One paragraph of text that loads the extractor's lazy modules.</p>" * 5
                + "</article></body></html>")
# What the extraction fork server imports before it forks workers: trafilatura, what a worker
# prepares pages with (``prepare``), and the warm-up of their lazy caches (``extract_warm``), so
# that a worker starts in ms, warm.
PRELOAD = ["transforms.core.extract", "trafilatura", "transforms.core.prepare", "transforms.core.extract_warm"]
_STARTUP_SECONDS = 60.0


class WorkerStartError(RuntimeError):
    pass


def _exit_with_caller(caller_pid: int) -> None:
    # A worker busy on a hung page never reads the closed pipe; without this it would outlive
    # a caller killed by SIGKILL (the daemon flag only acts on a clean exit). With forkserver
    # the parent is the fork server, which may outlive the caller: watch the caller itself.
    parent = os.getppid()
    while True:
        time.sleep(1.0)
        try:
            os.kill(caller_pid, 0)
        except ProcessLookupError:
            os._exit(3)
        except PermissionError:  # pid reused by another user's process: the caller is gone
            os._exit(3)
        if os.getppid() != parent:
            os._exit(3)


def _worker_main(conn: Connection, target: Target, settings: ExtractSettings,
                 max_memory_bytes: int | None, caller_pid: int, prep: Any = None) -> None:
    _limit_memory(max_memory_bytes)
    threading.Thread(target=_exit_with_caller, args=(caller_pid,), daemon=True).start()
    # Lazy imports and caches are paid here (or already in the fork server), not charged to the
    # first document's time limit.
    try:
        target(WARM_UP_HTML, None, settings, None)
    except Exception:  # noqa: BLE001, S110 - a real document will hit and report the same error
        pass
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        html, url, charset, raw = job
        try:
            result: Any = target(html, url, settings, charset)
        except MemoryError:
            result = Failure(Stage.EXTRACT.value, Reason.TOO_LARGE.value, url or "",
                             f"out of memory (limit {max_memory_bytes} bytes)")
        except BaseException as err:  # noqa: BLE001 - target should never raise; report, keep serving
            result = Failure(Stage.EXTRACT.value, Reason.EXTRACT_ERROR.value, url or "",
                             f"{type(err).__name__}: {err}"[:500])
        try:
            conn.send(result)
            if _prepares(prep, raw, result):
                # Second message: the page's article, prepared as the driver's stages would (or None).
                conn.send(_prepared(raw, result, prep))
        except (EOFError, OSError, BrokenPipeError):
            return


def _prepares(prep: Any, raw: Any, result: Any) -> bool:
    """Whether a worker follows this page's result with its prepared article (both sides ask)."""
    return prep is not None and raw is not None and isinstance(result, Extracted)


def _prepared(raw: Any, extracted: Extracted, prep: Any) -> Any:
    from transforms.core.prepare import prepare_page
    try:
        return prepare_page(raw, extracted, prep)
    except BaseException:  # noqa: BLE001 - out of memory here: the driver prepares the page itself
        return None


class Pending:
    """A page handed to an extractor; ``result()`` waits for it (once)."""

    def result(self) -> Result:
        raise NotImplementedError

    def prepared(self) -> Any:
        """The page's article as the first fused stage leaves it (``transforms.core.prepare``), when
        its worker prepared it; else None. Call after ``result()``."""
        return None

    def ready(self) -> bool:
        """Whether ``result()`` would return at once: takes in what the worker has sent, never waits."""
        return True


class Done(Pending):
    """A page whose result is already known (extracted in-process, or failed before it left)."""

    def __init__(self, value: Result) -> None:
        self._value = value

    def result(self) -> Result:
        return self._value


class _InFlight(Pending):
    """A page in a worker: its result, then (when the worker prepares it) its prepared article, are
    taken in as they come (``ready``) or waited for (``result``), each within ``max_seconds``."""

    def __init__(self, owner: IsolatedExtractor, worker: _Worker, url: str | None, started: float,
                 prepares: bool = False) -> None:
        self._owner, self._worker, self._url, self._started = owner, worker, url, started
        self._prepares = prepares
        self._value: Result | None = None
        self._prepared: Any = None
        self._result_at: float | None = None     # when the result came: the preparation's limit counts from it
        self._done = False

    def result(self) -> Result:
        if not self._done:
            self._owner._advance(self, wait=True)
        return self._value  # type: ignore[return-value]

    def prepared(self) -> Any:
        return self._prepared

    def ready(self) -> bool:
        if not self._done:
            self._owner._advance(self, wait=False)
        return self._done

    def deadline(self) -> float:
        return (self._result_at if self._result_at is not None else self._started) + self._owner.max_seconds


def wait_any(pending: list[Pending]) -> None:
    """Wait until one of ``pending`` is ready (its worker has answered, or its time is up), taking in
    what each worker sends meanwhile. A caller with pages in several workers hands the next page to
    whichever frees first, not to the one it happened to give the oldest page."""
    from multiprocessing.connection import wait
    while True:
        live = [p for p in pending if not p.ready()]
        if len(live) < len(pending) or not live:
            return
        waiting = [p for p in live if isinstance(p, _InFlight)]
        timeout = max(0.0, min(p.deadline() for p in waiting) - time.monotonic())
        wait([p._worker.conn for p in waiting], timeout)


class _Worker:
    def __init__(self, ctx: Any, target: Target, settings: ExtractSettings,
                 max_memory_bytes: int | None, prep: Any = None) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(
            target=_worker_main, args=(child, target, settings, max_memory_bytes, os.getpid(), prep),
            name="claimwire-extract", daemon=True,
        )
        self.process.start()
        child.close()
        ready = False
        try:
            ready = self.conn.poll(_STARTUP_SECONDS) and self.conn.recv() == "ready"
        except (EOFError, OSError):
            pass
        if not ready:
            self.kill()
            raise WorkerStartError(f"extraction worker did not start (exit code {self.process.exitcode})")

    def kill(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        self.process.join(timeout=2)
        self.kill()


class IsolatedExtractor:
    """``extract_html`` in worker processes: a hang becomes EXTRACT_TIMEOUT, a crash EXTRACT_ERROR.

    Thread-safe: up to ``processes`` documents run at once; further callers wait for a free
    worker. Use as a context manager or call ``close()``; workers are daemons and also watch
    their caller's pid, so neither a clean exit nor a SIGKILL of the caller leaves them behind.
    As with any spawn/forkserver multiprocessing, a script that uses this directly needs the
    ``if __name__ == "__main__":`` guard (workers re-import the main module).
    """

    def __init__(
        self,
        settings: ExtractSettings,
        max_seconds: float | None = None,
        processes: int = 1,
        max_memory_bytes: int | None = None,
        target: Target = extract_html,
        start_method: str = DEFAULT_START_METHOD,
        prep: Any = None,
    ) -> None:
        if processes < 1:
            raise ValueError("processes must be >= 1")
        self.settings = settings
        self.max_seconds = float(max_seconds if max_seconds is not None else settings.max_seconds)
        self.processes = processes
        self.max_memory_bytes = (max_memory_bytes if max_memory_bytes is not None
                                 else settings.max_memory_bytes or None)
        self.target = target
        self.start_method = start_method
        # A transforms.core.prepare.PagePrep: each worker then also prepares the article of a page
        # handed over with its document (``submit(..., raw=)``), right after extracting it.
        self.prep = prep
        self._init_runtime()

    def _init_runtime(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._slots = threading.Semaphore(self.processes)
        self._all: list[_Worker] = []
        self._closed = False
        self.restarts = 0           # workers replaced after a timeout or a crash

    # Pickle only the configuration: processes, pipes and locks belong to one process.
    def __getstate__(self) -> dict[str, Any]:
        keep = ("settings", "max_seconds", "processes", "max_memory_bytes", "target", "start_method", "prep")
        return {k: self.__dict__[k] for k in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_runtime()

    def __enter__(self) -> IsolatedExtractor:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _take(self) -> _Worker:
        stale: list[_Worker] = []
        try:
            with self._lock:
                if self._closed:
                    raise RuntimeError("IsolatedExtractor is closed")
                while self._idle:
                    worker = self._idle.pop()
                    if worker.process.is_alive():
                        return worker
                    self._all.remove(worker)
                    stale.append(worker)
                    self.restarts += 1
        finally:
            for worker in stale:
                worker.kill()
        # Started outside the lock: a slow start-up must not hold up threads with idle workers.
        ctx = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            # Workers fork from a server that has trafilatura imported: ms, not ~1 s, per
            # (re)start. It also hands the server our sys.path, so targets import by reference.
            ctx.set_forkserver_preload(PRELOAD)
        worker = _Worker(ctx, self.target, self.settings, self.max_memory_bytes, self.prep)
        with self._lock:
            if not self._closed:
                self._all.append(worker)
                return worker
        worker.kill()
        raise RuntimeError("IsolatedExtractor is closed")

    def _give_back(self, worker: _Worker, healthy: bool) -> None:
        with self._lock:
            if healthy and not self._closed:
                self._idle.append(worker)
                return
            if worker in self._all:
                self._all.remove(worker)
            if not self._closed:
                self.restarts += 1
        worker.kill()

    def extract(self, html: str | bytes, url: str | None,
                declared_charset: str | None = None) -> Result:
        """Like ``extract_html``; never raises on input, never takes much longer than max_seconds."""
        return self.submit(html, url, declared_charset).result()

    def submit(self, html: str | bytes, url: str | None, declared_charset: str | None = None,
               raw: Any = None) -> Pending:
        """Hand one page to a worker and return at once; ``result()`` collects it.

        The caller does other work meanwhile (``transforms.extract`` emits the previous page's
        article). The page holds a worker, and one of ``processes`` slots, until its result is
        collected: with one process, collect before submitting the next page. The time limit
        counts from the hand-over.

        With ``prep`` and ``raw`` (the page's RawDocument), the worker goes on to prepare the
        page's article (``transforms.core.prepare.prepare_page``): ``prepared()`` gives it, or
        None when that failed or took longer than the time limit again (the worker is then
        replaced; the caller prepares the page itself). The extraction's own limit is unchanged.
        """
        self._slots.acquire()
        try:
            worker = self._take()
        except WorkerStartError as err:
            self._slots.release()
            return Done(self._failure(Reason.EXTRACT_ERROR, url, str(err)))
        except BaseException:
            self._slots.release()
            raise
        if self.prep is not None and raw is not None:
            raw = dataclasses.replace(raw, body="")   # the page travels once, as ``html``
        else:
            raw = None
        try:
            worker.conn.send((html, url, declared_charset, raw))
        except (OSError, BrokenPipeError) as err:
            self._release(worker, False)
            return Done(self._failure(Reason.EXTRACT_ERROR, url, f"worker unreachable: {err}"))
        except BaseException:
            self._release(worker, False)
            raise
        return _InFlight(self, worker, url, time.monotonic(), raw is not None)

    def _advance(self, page: _InFlight, wait: bool) -> None:
        """Take in what ``page``'s worker has sent (waiting for it within the limits with ``wait``):
        its result, then its prepared article when it prepares one. Once both are in, or a limit is
        past (a timeout failure for the result; no preparation, which the caller then does), the
        page is done and its worker free (replaced unless it answered in time)."""
        worker, healthy, done = page._worker, False, True
        try:
            if page._value is None:
                if not worker.conn.poll(max(0.0, page.deadline() - time.monotonic()) if wait else 0):
                    if not wait and time.monotonic() < page.deadline():
                        done = False
                        return
                    page._value = self._failure(
                        Reason.EXTRACT_TIMEOUT, page._url,
                        f"over limit extract.max_seconds={self.max_seconds:g} "
                        f"(killed after {time.monotonic() - page._started:.1f} s)")
                    return
                try:
                    page._value = worker.conn.recv()
                except (EOFError, OSError):
                    worker.process.join(timeout=1)
                    page._value = self._failure(
                        Reason.EXTRACT_ERROR, page._url,
                        f"extraction worker died (exit code {worker.process.exitcode})")
                    return
                if not (page._prepares and _prepares(self.prep, True, page._value)):
                    healthy = True
                    return
                page._result_at = time.monotonic()
            # The preparation gets a limit of its own; past it, or if the worker dies, the page
            # keeps its result and the caller prepares it (the worker is replaced).
            try:
                if not worker.conn.poll(max(0.0, page.deadline() - time.monotonic()) if wait else 0):
                    if not wait and time.monotonic() < page.deadline():
                        done = False
                    return
                page._prepared = worker.conn.recv()
            except (EOFError, OSError):
                return
            healthy = True
        finally:
            if done:
                page._done = True
                self._release(worker, healthy)

    def _release(self, worker: _Worker, healthy: bool) -> None:
        try:
            self._give_back(worker, healthy)
        finally:
            self._slots.release()

    @staticmethod
    def _failure(reason: Reason, url: str | None, detail: str) -> Failure:
        return Failure(stage=Stage.EXTRACT.value, reason=reason.value, input=url or "", detail=detail)

    def warm_up(self) -> None:
        """Start every worker now (otherwise the first documents pay the start-up)."""
        for _ in range(self.processes):
            self._slots.acquire()
        try:
            workers = [self._take() for _ in range(self.processes)]
            for worker in workers:
                self._give_back(worker, True)
        finally:
            for _ in range(self.processes):
                self._slots.release()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all, self._idle = self._all, [], []
        for worker in workers:
            worker.stop()


class DirectExtractor:
    """Same API as IsolatedExtractor, in-process: no time limit, no crash isolation."""

    def __init__(self, settings: ExtractSettings, target: Target = extract_html) -> None:
        self.settings = settings
        self.target = target

    def extract(self, html: str | bytes, url: str | None, declared_charset: str | None = None) -> Result:
        return self.target(html, url, self.settings, declared_charset)

    def submit(self, html: str | bytes, url: str | None, declared_charset: str | None = None,
               raw: Any = None) -> Pending:
        return Done(self.extract(html, url, declared_charset))

    def warm_up(self) -> None:
        self.target(WARM_UP_HTML, None, self.settings, None)

    def close(self) -> None:
        pass

    def __enter__(self) -> DirectExtractor:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_extractor(settings: ExtractSettings, processes: int = 1,
                   prep: Any = None) -> IsolatedExtractor | DirectExtractor:
    """The extractor ``settings.isolate`` asks for; call in ``DoFn.setup()``, close in ``teardown()``.
    ``processes``: how many worker processes an isolated one may run (pages at once); ``prep``: what
    its workers need to prepare each page's article too (``IsolatedExtractor``). In-process, the
    stages prepare it."""
    if settings.isolate:
        return IsolatedExtractor(settings, processes=processes, prep=prep)
    return DirectExtractor(settings)


def start_fork_server() -> threading.Thread | None:
    """Start the extraction fork server now, in the background, and return at once.

    The server imports ``PRELOAD`` (trafilatura and the caches' warm-up, ~2.5-3.5 s) before it
    forks a worker; started lazily, by the first page, that is on the run's critical path. A local
    run calls this before it builds its graph, so the warm-up overlaps the graph's construction and
    the stages before extraction. Where forkserver is not the start method (macOS, Windows), or on a
    failure to start (the first page then starts it, and reports any error), it does nothing.
    """
    if DEFAULT_START_METHOD != "forkserver":
        return None

    def start() -> None:
        try:
            from multiprocessing import forkserver
            forkserver.set_forkserver_preload(PRELOAD)
            forkserver.ensure_running()
        except Exception:  # noqa: BLE001, S110 - the first page starts it again and reports why
            pass

    thread = threading.Thread(target=start, name="claimwire-forkserver", daemon=True)
    thread.start()
    return thread
