"""HttpClient against real local servers: every fault ends as a typed failure, in bounded time."""
from __future__ import annotations

import gzip
import time
import zlib

import pytest
from fetch_server import chunked_stream, gzip_bomb, host_factory, ok, status, trickle

from transforms.core.fetch.config import FetchConfig
from transforms.core.fetch.http import HttpClient, parse_retry_after
from transforms.core.fetch.netguard import ResolvedHost, resolve_host

CFG = FetchConfig(allow_private_network=True, delay=0.0, timeout=5.0, connect_timeout=2.0,
                  read_timeout=2.0, backoff=0.05, retries=2, max_bytes=256 * 1024)


@pytest.fixture
def local_hosts():
    with host_factory() as make:
        yield make



def client(**changes) -> HttpClient:
    import dataclasses
    return HttpClient(dataclasses.replace(CFG, **changes))


def test_ok_sends_user_agent_and_decodes_gzip(local_hosts):
    (h,) = local_hosts(1)
    html = b"<html><body>" + b"hello " * 1000 + b"</body></html>"
    h.page("/a", gzip.compress(html), extra={"Content-Encoding": "gzip"})
    out = client(user_agent="claimwire-test/9 (+http://x)").get(h.url("/a"))
    assert out.ok, out.failure
    assert out.final.body == html
    assert out.final.content_encoding == "gzip"
    assert h.hits[0].headers["user-agent"] == "claimwire-test/9 (+http://x)"
    assert "gzip" in h.hits[0].headers["accept-encoding"]


def test_raw_deflate_is_decoded(local_hosts):
    (h,) = local_hosts(1)
    comp = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw = comp.compress(b"<p>deflated</p>" * 50) + comp.flush()
    h.page("/d", raw, extra={"Content-Encoding": "deflate"})
    out = client().get(h.url("/d"))
    assert out.ok, out.failure
    assert out.final.body == b"<p>deflated</p>" * 50


def test_404_is_http_404(local_hosts):
    (h,) = local_hosts(1)
    out = client().get(h.url("/missing"))
    assert out.failure.reason == "http_404"
    assert len(h.hits) == 1            # 404 is not retried


def test_500_then_success_is_retried(local_hosts):
    (h,) = local_hosts(1)
    h.sequence("/flaky", [status(500), status(503), ok(b"<p>finally</p>")])
    out = client().get(h.url("/flaky"))
    assert out.ok, out.failure
    assert out.final.body == b"<p>finally</p>"
    assert [e.status for e in out.exchanges] == [500, 503, 200]


def test_retries_are_bounded(local_hosts):
    (h,) = local_hosts(1)
    h.sequence("/down", [status(502)])
    out = client(retries=2).get(h.url("/down"))
    assert out.failure.reason == "http_502"
    assert len(h.hits) == 3


def test_429_retry_after_is_honoured(local_hosts):
    (h,) = local_hosts(1)
    h.sequence("/busy", [status(429, {"Retry-After": "1"}), ok(b"<p>ok</p>")])
    t0 = time.monotonic()
    out = client().get(h.url("/busy"))
    assert out.ok, out.failure
    assert h.hits[1].at - h.hits[0].at >= 0.95
    assert time.monotonic() - t0 < 4


def test_429_with_huge_retry_after_gives_up_at_once(local_hosts):
    (h,) = local_hosts(1)
    h.sequence("/busy", [status(429, {"Retry-After": "86400"}), ok(b"late")])
    t0 = time.monotonic()
    out = client(max_retry_after=10).get(h.url("/busy"))
    assert out.failure.reason == "http_429"
    assert time.monotonic() - t0 < 2
    assert len(h.hits) == 1


def test_trickling_server_hits_wall_clock_cap(local_hosts):
    (h,) = local_hosts(1)
    h.routes["/slow"] = trickle(0.25, 400)       # 100 s of body, a byte every 0.25 s
    t0 = time.monotonic()
    out = client(timeout=1.5, read_timeout=1.0).get(h.url("/slow"))
    took = time.monotonic() - t0
    assert out.failure.reason == "timeout"
    assert "wall-clock" in out.failure.detail
    assert took < 4, took
    assert out.final.truncated == "time"


def test_oversize_body_declared_and_streamed(local_hosts):
    (h,) = local_hosts(1)
    h.page("/big", b"a" * 300_000)
    h.routes["/stream"] = chunked_stream(2_000_000)
    out = client().get(h.url("/big"))
    assert out.failure.reason == "too_large"
    out = client().get(h.url("/stream"))
    assert out.failure.reason == "too_large"
    assert len(out.final.body) <= CFG.max_bytes


def test_gzip_bomb_stops_at_decoded_limit(local_hosts):
    (h,) = local_hosts(1)
    h.routes["/bomb"] = gzip_bomb(16 * 1024 * 1024)    # ~16 KB on the wire, 16 MiB decoded
    out = client().get(h.url("/bomb"))
    assert out.failure.reason == "decompression_limit"
    assert len(out.final.body) <= CFG.max_bytes


def test_corrupt_gzip_is_bad_encoding(local_hosts):
    (h,) = local_hosts(1)
    h.page("/bad", b"this is not gzip at all", extra={"Content-Encoding": "gzip"})
    out = client().get(h.url("/bad"))
    assert out.failure.reason == "bad_content_encoding"


def test_redirects_followed_and_each_hop_recorded(local_hosts):
    a, b = local_hosts(2)
    a.redirect("/r", b.url("/final"))
    b.page("/final", b"<p>there</p>")
    out = client().get(a.url("/r"))
    assert out.ok, out.failure
    assert out.final_url == b.url("/final")
    assert [e.status for e in out.exchanges] == [302, 200]


def test_redirect_loop(local_hosts):
    (h,) = local_hosts(1)
    h.redirect("/x", "/y")
    h.redirect("/y", "/x")
    out = client().get(h.url("/x"))
    assert out.failure.reason == "redirect_loop"
    assert len(h.hits) == 2


def test_too_many_redirects(local_hosts):
    (h,) = local_hosts(1)
    for i in range(10):
        h.redirect(f"/{i}", f"/{i + 1}")
    h.page("/10", b"end")
    out = client(max_redirects=5).get(h.url("/0"))
    assert out.failure.reason == "too_many_redirects"
    assert len(h.hits) == 6
    assert client(max_redirects=10).get(h.url("/0")).ok


def test_redirect_to_file_scheme_is_refused(local_hosts):
    (h,) = local_hosts(1)
    h.redirect("/steal", "file:///etc/passwd")
    out = client().get(h.url("/steal"))
    assert out.failure.reason == "bad_scheme"
    assert b"root:" not in b"".join(e.body for e in out.exchanges)


def test_redirect_to_loopback_is_refused_when_private_not_allowed(local_hosts):
    a, inner = local_hosts(2)
    inner.page("/admin", b"secret")
    a.redirect("/go", inner.url("/admin"))

    def resolver(host, port, *, allow_private, url=""):
        # Treat the first test server as if it were a public site; judge everything else for real.
        if host == a.address:
            return ResolvedHost(host, port, host)
        return resolve_host(host, port, allow_private=allow_private, url=url)

    c = HttpClient(FetchConfig(allow_private_network=False, delay=0, timeout=5), resolver=resolver)
    out = c.get(a.url("/go"))
    assert out.failure.reason == "private_address"
    assert inner.hits == []


def test_loopback_refused_without_allow_private(local_hosts):
    (h,) = local_hosts(1)
    h.page("/p", b"x")
    out = HttpClient(FetchConfig(delay=0)).get(h.url("/p"))
    assert out.failure.reason == "private_address"
    assert h.hits == []


def test_bad_scheme_and_bad_url():
    c = client()
    assert c.get("ftp://example.org/x").failure.reason == "bad_scheme"
    assert c.get("file:///etc/passwd").failure.reason == "bad_scheme"
    assert c.get("http:///nohost").failure.reason == "bad_url"
    assert c.get("http://h:99999/").failure.reason == "bad_url"


def test_connection_refused_is_connection_error(local_hosts):
    (h,) = local_hosts(1)
    url = h.url("/x")
    h.stop()
    h.stop = lambda: None
    out = client().get(url)
    assert out.failure.reason == "connection_error"


def test_parse_retry_after():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 30) == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 + 30) == 0.0


def test_trickling_headers_hit_wall_clock_cap(local_hosts):
    (h,) = local_hosts(1)

    def slow_head(handler):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(200):
            handler.wfile.write(b"z")
            handler.wfile.flush()
            time.sleep(0.1)
    h.routes["/slowhead"] = slow_head
    t0 = time.monotonic()
    out = client(timeout=1.0, read_timeout=0.5).get(h.url("/slowhead"))
    assert out.failure.reason == "timeout"
    assert time.monotonic() - t0 < 3
