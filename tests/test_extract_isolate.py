"""IsolatedExtractor: a hung or crashed extraction costs one document, never the run."""
from __future__ import annotations

import gzip
import os
import pickle
import signal
import threading
import time
from pathlib import Path

import pytest

from transforms.core.extract import Extracted, ExtractSettings, extract_html
from transforms.core.isolate import IsolatedExtractor
from transforms.core.records import Failure, Reason

DATA = Path(__file__).parent / "data" / "extract"
SETTINGS = ExtractSettings()


def faulty_extract(html: str | bytes, url: str | None, settings: ExtractSettings,
                   charset: str | None = None) -> Extracted | Failure:
    """Stands in for trafilatura/lxml misbehaving inside the worker process."""
    if url == "hang":
        time.sleep(3600)
    if url == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if url == "raise":
        raise RuntimeError("extractor bug")
    if url == "oom":
        bytearray(4 * 1024**3)
    return extract_html(html, url, settings, charset)


def page() -> bytes:
    return gzip.decompress((DATA / "galore_de.html.gz").read_bytes())


@pytest.fixture
def iso():
    extractor = IsolatedExtractor(SETTINGS, max_seconds=1.0, target=faulty_extract)
    yield extractor
    extractor.close()


def test_same_result_as_direct_call_and_lazy_start(iso: IsolatedExtractor) -> None:
    assert not iso._all  # nothing started before the first document
    direct = extract_html(page(), "https://www.galore.de/x", SETTINGS)
    isolated = iso.extract(page(), "https://www.galore.de/x")
    assert isinstance(direct, Extracted) and isolated == direct
    assert len(iso._all) == 1


def test_hang_is_killed_and_worker_replaced(iso: IsolatedExtractor) -> None:
    iso.warm_up()
    first_pid = iso._all[0].process.pid
    start = time.monotonic()
    result = iso.extract(page(), "hang")
    elapsed = time.monotonic() - start
    assert isinstance(result, Failure) and result.reason == Reason.EXTRACT_TIMEOUT.value
    assert result.input == "hang" and "extract.max_seconds=1" in result.detail
    assert 0.9 <= elapsed < 5
    assert iso.restarts == 1
    with pytest.raises(ProcessLookupError):  # the hung process is gone, not left running
        os.kill(first_pid, 0)
    after = iso.extract(page(), "ok")
    assert isinstance(after, Extracted) and iso._all[0].process.pid != first_pid


def test_crash_is_reported_and_run_goes_on(iso: IsolatedExtractor) -> None:
    result = iso.extract(page(), "segfault")
    assert isinstance(result, Failure) and result.reason == Reason.EXTRACT_ERROR.value
    assert "worker died" in result.detail and str(-signal.SIGSEGV) in result.detail
    assert isinstance(iso.extract(page(), "ok"), Extracted)


def test_exception_in_target_keeps_worker(iso: IsolatedExtractor) -> None:
    result = iso.extract(page(), "raise")
    assert isinstance(result, Failure) and result.reason == Reason.EXTRACT_ERROR.value
    assert "RuntimeError: extractor bug" in result.detail
    assert iso.restarts == 0 and isinstance(iso.extract(page(), "ok"), Extracted)


def test_memory_limit_turns_oom_into_failure() -> None:
    with IsolatedExtractor(SETTINGS, max_seconds=5, max_memory_bytes=1024**3, target=faulty_extract) as iso:
        result = iso.extract(page(), "oom")
        assert isinstance(result, Failure) and result.reason == Reason.TOO_LARGE.value
        assert "out of memory" in result.detail
        assert isinstance(iso.extract(page(), "ok"), Extracted) and iso.restarts == 0


def test_threads_share_workers_and_a_hang_does_not_block_others() -> None:
    urls = ["ok"] * 6 + ["hang"] + ["ok"] * 6
    results: dict[int, object] = {}
    with IsolatedExtractor(SETTINGS, max_seconds=1.5, processes=2, target=faulty_extract) as iso:
        def work(i: int) -> None:
            results[i] = iso.extract(page(), urls[i])
        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(urls))]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        elapsed = time.monotonic() - start
        assert len(iso._all) <= 2
    assert elapsed < 10
    for i, url in enumerate(urls):
        expected = Failure if url == "hang" else Extracted
        assert isinstance(results[i], expected), (url, results[i])


def test_pickles_config_only() -> None:
    iso = IsolatedExtractor(SETTINGS, max_seconds=2.0, target=faulty_extract)
    try:
        iso.extract(page(), "ok")
        clone = pickle.loads(pickle.dumps(iso))
        assert clone.max_seconds == 2.0 and clone.settings == SETTINGS and not clone._all
        try:
            assert isinstance(clone.extract(page(), "ok"), Extracted)
        finally:
            clone.close()
    finally:
        iso.close()


def test_close_stops_workers_and_refuses_more() -> None:
    iso = IsolatedExtractor(SETTINGS, processes=2)
    iso.warm_up()
    processes = [w.process for w in iso._all]
    assert len(processes) == 2 and all(p.is_alive() for p in processes)
    iso.close()
    assert not any(p.is_alive() for p in processes)
    with pytest.raises(RuntimeError, match="closed"):
        iso.extract(page(), "ok")


def _running(pid: int) -> bool:
    """Alive and not a zombie (an exited child that PID 1 of a container may never reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_worker_exits_when_caller_is_killed(tmp_path: Path) -> None:
    """A caller killed with SIGKILL mid-document must not leave a hung worker behind."""
    import subprocess
    import sys

    script = tmp_path / "caller.py"
    script.write_text(
        "import os, sys, threading\n"
        f"sys.path[:0] = [{str(Path(__file__).parent)!r}, {str(Path(__file__).parents[1])!r}]\n"
        "from test_extract_isolate import faulty_extract, SETTINGS\n"
        "from transforms.core.isolate import IsolatedExtractor\n"
        "if __name__ == '__main__':\n"
        "    iso = IsolatedExtractor(SETTINGS, max_seconds=600, target=faulty_extract)\n"
        "    iso.warm_up()\n"
        "    print(iso._all[0].process.pid, flush=True)\n"
        "    iso.extract('<p>x</p>', 'hang')\n"
    )
    caller = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        worker_pid = int(caller.stdout.readline())  # type: ignore[union-attr]
        time.sleep(0.5)
        os.kill(worker_pid, 0)  # alive and busy on the hung document
        caller.kill()
        caller.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if not _running(worker_pid):
                break
            time.sleep(0.2)
        else:
            os.kill(worker_pid, signal.SIGKILL)
            pytest.fail("worker outlived its killed caller")
    finally:
        if caller.poll() is None:
            caller.kill()


def test_open_extractor_follows_settings() -> None:
    from transforms.core.isolate import DirectExtractor, open_extractor

    with open_extractor(ExtractSettings(isolate=False)) as direct:
        assert isinstance(direct, DirectExtractor)
        assert direct.extract(page(), "u") == extract_html(page(), "u", SETTINGS)
    isolated = open_extractor(ExtractSettings(max_seconds=7, max_memory_bytes=3 * 1024**3))
    assert isinstance(isolated, IsolatedExtractor)
    assert isolated.max_seconds == 7 and isolated.max_memory_bytes == 3 * 1024**3
    isolated.close()
