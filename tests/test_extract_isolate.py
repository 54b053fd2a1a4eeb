"""IsolatedExtractor: a hung or crashed extraction costs one document, never the run."""
from __future__ import annotations

import gzip
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from transforms.core.extract import Extracted, ExtractSettings, extract_html
from transforms.core.isolate import DEFAULT_START_METHOD, IsolatedExtractor
from transforms.core.records import Failure, Reason

DATA = Path(__file__).parent / "data" / "extract"
SETTINGS = ExtractSettings()


def faulty_extract(html: str | bytes, url: str | None, settings: ExtractSettings,
                   charset: str | None = None) -> Extracted | Failure:
    """Stands in for trafilatura/lxml misbehaving inside the worker process."""
    if url == "hang":
        time.sleep(3600)
    if url == "slow":
        time.sleep(4)
    if url == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if url == "raise":
        raise RuntimeError("extractor bug")
    if url == "oom":
        bytearray(4 * 1024**3)
    if url and url.startswith("mark:"):       # says it has begun, then works as usual
        Path(url[5:]).write_text("started")
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


def test_submit_extracts_while_the_caller_goes_on_and_keeps_the_limit(iso: IsolatedExtractor, tmp_path: Path) -> None:
    """``submit`` hands the page over and returns: the worker starts on it before ``result()`` is
    called (what lets the extract stage emit one page while the next is extracted)."""
    marker = tmp_path / "begun"
    pending = iso.submit(page(), f"mark:{marker}")
    for _ in range(400):                      # the worker begins with nobody waiting on it
        if marker.exists():
            break
        time.sleep(0.05)
    assert marker.exists()
    direct = extract_html(page(), f"mark:{marker}", SETTINGS)
    assert pending.result() == direct and pending.result() == direct     # collected once, kept
    hung = iso.submit(page(), "hang")
    result = hung.result()
    assert isinstance(result, Failure) and result.reason == Reason.EXTRACT_TIMEOUT.value and iso.restarts == 1
    assert isinstance(iso.submit(page(), "ok").result(), Extracted)       # its slot came back


def _run_extract_fn(docs, extractor: IsolatedExtractor, in_flight: int = 1) -> tuple[list, list]:
    """The extract stage's DoFn over one bundle, as a runner drives it: (articles, failures).
    What ``finish_bundle`` gives must carry its window."""
    import apache_beam as beam
    from apache_beam.utils.windowed_value import WindowedValue

    from pipelines.settings import settings_from_config
    from transforms.core.config import load_config
    from transforms.extract import _ExtractFn

    fn = _ExtractFn(settings_from_config(load_config()).articles, in_flight)
    fn.setup()
    fn._extractor.close()
    fn._extractor = extractor
    try:
        fn.start_bundle()
        outs = []
        for d in docs:
            outs.extend(fn.process(d))
            # at most in_flight pages in workers; the rest extracted, waiting for their turn
            assert sum(not p.ready() for _, p in fn._waiting) <= in_flight
            assert len(fn._waiting) <= 4 * in_flight
        for o in fn.finish_bundle() or []:
            tagged = isinstance(o, beam.pvalue.TaggedOutput)
            value = o.value if tagged else o
            assert isinstance(value, WindowedValue)
            outs.append(beam.pvalue.TaggedOutput(o.tag, value.value) if tagged else value.value)
    finally:
        fn.teardown()
    articles = [o for o in outs if not isinstance(o, beam.pvalue.TaggedOutput)]
    failures = [o.value for o in outs if isinstance(o, beam.pvalue.TaggedOutput)]
    return articles, failures


def _docs(kinds: list[str]):
    from transforms.core.records import RawDocument

    html = page().decode("utf-8", "replace")
    text = "A plain text report of some length, enough to count as the main text of an article."
    return [RawDocument(f"d{i}", f"in{i}", "" if k == "text" else k, "text" if k == "text" else "html",
                        text if k == "text" else html) for i, k in enumerate(kinds)]


@pytest.mark.parametrize("in_flight", [1, 2])
def test_extract_stage_emits_every_page_once_with_pages_in_flight(in_flight: int) -> None:
    """Pages go out ``in_flight`` ahead of what the stage emits (one worker process each); a hang
    or crash among them costs that page, text documents pass in between, the pages come out in
    the order they came in, and those still in flight come out at the bundle's end."""
    docs = _docs(["ok", "hang", "ok", "text", "segfault", "ok", "raise", "text", "ok", "ok"])
    extractor = IsolatedExtractor(SETTINGS, max_seconds=1.0, processes=in_flight, target=faulty_extract)
    articles, failures = _run_extract_fn(docs, extractor, in_flight)
    got = {a.article_id: "article" for a in articles} | {f.input: f.reason for f in failures}
    assert len(articles) + len(failures) == len(docs)
    assert got == {"d0": "article", "in1": Reason.EXTRACT_TIMEOUT.value, "d2": "article", "d3": "article",
                   "in4": Reason.EXTRACT_ERROR.value, "d5": "article", "in6": Reason.EXTRACT_ERROR.value,
                   "d7": "article", "d8": "article", "d9": "article"}
    pages = {a.article_id: a.text for a in articles if a.article_id not in ("d3", "d7")}
    assert len(set(pages.values())) == 1      # every page the same text: none got another's result
    html = [a.article_id for a in articles if a.article_id not in ("d3", "d7")]
    assert html == sorted(html)


class _BrokenSubmit(IsolatedExtractor):
    def submit(self, html, url, declared_charset=None, raw=None):
        if url == "bug":
            raise RuntimeError("submit bug")
        return super().submit(html, url, declared_charset, raw)


def test_a_bug_while_handing_a_page_over_is_that_pages_failure() -> None:
    """An exception from ``submit`` itself (a bug) becomes the page's internal_error row; the pages
    around it are extracted."""
    docs = _docs(["ok", "bug", "ok"])
    articles, failures = _run_extract_fn(docs, _BrokenSubmit(SETTINGS, max_seconds=5.0, target=faulty_extract))
    assert sorted(a.article_id for a in articles) == ["d0", "d2"]
    assert [(f.input, f.reason) for f in failures] == [("in1", Reason.INTERNAL_ERROR.value)]
    assert "submit bug" in failures[0].detail


@pytest.mark.timeout(60)   # without the fix it waits forever for the worker
def test_a_bundle_that_failed_leaves_no_page_holding_the_worker() -> None:
    """A bundle that fails midway leaves its last page in flight; the next bundle (the runner's
    retry, on the same DoFn) must not wait forever for the one worker that page holds."""
    from pipelines.settings import settings_from_config
    from transforms.core.config import load_config
    from transforms.extract import _ExtractFn

    fn = _ExtractFn(settings_from_config(load_config()).articles)
    fn.setup()
    fn._extractor.close()
    fn._extractor = IsolatedExtractor(SETTINGS, max_seconds=5.0, target=faulty_extract)
    try:
        fn.start_bundle()
        assert list(fn.process(_docs(["ok"])[0])) == []      # in flight, nothing emitted yet
        fn.start_bundle()                                     # no finish_bundle: the bundle failed
        got = list(fn.process(_docs(["ok", "ok"])[1]))
        assert got == [] and len(fn._waiting) == 1 and fn._waiting[0][0].doc_id == "d1"
        finished = list(fn.finish_bundle())
        assert [o.value.article_id for o in finished] == ["d1"]
    finally:
        fn.teardown()


@pytest.mark.skipif(DEFAULT_START_METHOD != "forkserver", reason="workers fork from a server only with forkserver")
def test_the_fork_server_warms_the_date_parser_once_for_every_worker(tmp_path: Path) -> None:
    """``start_fork_server`` starts the server in the background; it imports ``PRELOAD``, whose
    warm-up compiles dateparser's expressions for every locale (seconds on a run's first dated
    page otherwise), and workers are forked from it with those caches in place."""
    script = tmp_path / "warm.py"
    script.write_text(
        "import os, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        "from multiprocessing import forkserver\n"
        "from transforms.core.extract import ExtractSettings\n"
        "from transforms.core.isolate import DEFAULT_START_METHOD, IsolatedExtractor, start_fork_server\n"
        "\n"
        "def cached(*_):\n"
        "    from dateparser.languages.dictionary import Dictionary\n"
        "    return sum(len(v) for v in Dictionary._split_regex_cache.values()), os.getppid()\n"
        "\n"
        "if __name__ == '__main__':\n"
        "    assert DEFAULT_START_METHOD == 'forkserver'\n"
        "    start_fork_server().join(30)\n"
        "    server = forkserver._forkserver._forkserver_pid\n"
        "    with IsolatedExtractor(ExtractSettings(), target=cached) as iso:\n"
        "        locales, parent = iso.extract('<p>x</p>', 'u')\n"
        "    print(locales, parent == server, 'dateparser' in sys.modules)\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    locales, from_server, parsed_here = out.stdout.split()
    assert int(locales) >= 200 and from_server == "True"
    assert parsed_here == "False"        # the warm-up ran in the server, not in the caller


def test_a_local_run_warms_the_fork_server_only_when_its_inputs_hold_pages(tmp_path: Path) -> None:
    """Inputs with HTML pages or WARC files start the fork server while the graph is built; a replay of
    plain text never starts it (nor any extraction process)."""
    from transforms.core.sources import ReadLimits
    from transforms.read import ReadSources

    for name in ("a.txt", "b.jsonl", "c.html", "d.warc.gz"):
        (tmp_path / name).write_bytes(b"")
    kinds = {name: ReadSources([str(tmp_path / name)], ReadLimits()).has_html_files
             for name in ("a.txt", "b.jsonl", "c.html", "d.warc.gz")}
    assert kinds == {"a.txt": False, "b.jsonl": False, "c.html": True, "d.warc.gz": True}
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "one.txt").write_text("A plain report of enough length to be the main text of an article.\n")
    script = tmp_path / "run.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        "from multiprocessing import forkserver\n"
        "from pipelines.cli import main\n"
        "if __name__ == '__main__':\n"
        f"    rc = main(['replay', {str(texts)!r}, '--output', {str(tmp_path / 'out')!r}, '--quiet'])\n"
        "    print(rc, forkserver._forkserver._forkserver_pid)\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["0", "None"]


def test_the_next_page_goes_to_the_worker_that_frees_first() -> None:
    """A slow page holds up its own worker only: the pages after it are extracted by the other
    worker meanwhile, wait behind it, and leave after it, in input order."""
    from pipelines.settings import settings_from_config
    from transforms.core.config import load_config
    from transforms.extract import _ExtractFn

    fn = _ExtractFn(settings_from_config(load_config()).articles, 2)
    fn.setup()
    fn._extractor.close()
    fn._extractor = IsolatedExtractor(SETTINGS, max_seconds=30.0, processes=2, target=faulty_extract)
    try:
        fn.start_bundle()
        docs = _docs(["slow", "ok", "ok", "ok", "ok"])
        outs = [o for d in docs for o in fn.process(d)]
        assert outs == []                              # nothing may leave before the slow page
        held = [(raw.doc_id, pending.ready()) for raw, pending in fn._waiting]
        assert held[0] == ("d0", False) and [r for _, r in held[1:-1]] == [True, True, True]
        outs = [o.value.article_id for o in fn.finish_bundle()]
        assert outs == ["d0", "d1", "d2", "d3", "d4"]
    finally:
        fn.teardown()
