"""Local HTTP servers for the fetch tests: one per 127.0.0.x address, routes as functions.

The whole of 127.0.0.0/8 is loopback on Linux, so each "host" is its own
address and the client's per-host logic sees distinct hosts. Nothing here
touches the internet.
"""
from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).parent / "data" / "fetch"

Route = Callable[["Handler"], None]


@dataclass
class Hit:
    path: str
    headers: dict
    at: float


class Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        srv = self.server.owner
        with srv.lock:
            srv.hits.append(Hit(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic()))
        route = srv.routes.get(self.path)
        if route is None:
            self.send_plain(404, b"not found")
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def send_plain(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8",
                   extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LocalHost


@dataclass
class LocalHost:
    address: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> LocalHost:
        self._srv = _Server((self.address, 0), Handler)
        self._srv.owner = self
        self.port = self._srv.server_address[1]
        self._thread = threading.Thread(target=self._srv.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._srv.shutdown()
        self._srv.server_close()

    @property
    def base(self) -> str:
        return f"http://{self.address}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        with self.lock:
            return [h.path for h in self.hits]

    # -- route builders -------------------------------------------------------------------
    def page(self, path: str, body: bytes, ctype: str = "text/html; charset=utf-8",
             extra: dict | None = None, status: int = 200) -> None:
        self.routes[path] = lambda h: h.send_plain(status, body, ctype, extra)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = lambda h: h.send_plain(status, b"", extra={"Location": location})

    def sequence(self, path: str, steps: list[Route]) -> None:
        """Answer the n-th request with steps[n] (the last step repeats)."""
        count = {"n": 0}

        def route(h: Handler) -> None:
            i = min(count["n"], len(steps) - 1)
            count["n"] += 1
            steps[i](h)
        self.routes[path] = route


def status(code: int, extra: dict | None = None) -> Route:
    return lambda h: h.send_plain(code, f"status {code}".encode(), extra=extra)


def ok(body: bytes, ctype: str = "text/html; charset=utf-8") -> Route:
    return lambda h: h.send_plain(200, body, ctype)


def trickle(interval: float, total: int) -> Route:
    def route(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(total))
        h.end_headers()
        for _ in range(total):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(interval)
    return route


def gzip_bomb(decoded_bytes: int) -> Route:
    body = gzip.compress(b"\0" * decoded_bytes, compresslevel=9)

    def route(h: Handler) -> None:
        h.send_plain(200, body, "text/html", extra={"Content-Encoding": "gzip"})
    return route


def chunked_stream(total: int, chunk: int = 65536) -> Route:
    """A body with no Content-Length, sent chunked: the cap must hold while streaming."""
    def route(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        sent = 0
        while sent < total:
            n = min(chunk, total - sent)
            h.wfile.write(f"{n:x}\r\n".encode() + b"a" * n + b"\r\n")
            sent += n
        h.wfile.write(b"0\r\n\r\n")
    return route


def conditional(body: bytes, etag: str, ctype: str = "application/rss+xml") -> Route:
    """200 with an ETag, 304 when asked If-None-Match with it."""
    def route(h: Handler) -> None:
        if h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        h.send_plain(200, body, ctype, extra={"ETag": etag,
                                              "Last-Modified": "Mon, 02 Nov 2026 10:00:00 GMT"})
    return route


def rss(items: list[tuple[str, str]], title: str = "Local news") -> bytes:
    """A small RSS 2.0 feed of (link, title) items."""
    parts = [f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
             f"<pubDate>Mon, 02 Nov 2026 09:00:00 GMT</pubDate></item>" for link, t in items]
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f'<link>http://example.invalid/</link>{"".join(parts)}</channel></rss>').encode()


def article_html(title: str, paragraphs: int = 6, lang: str = "en") -> bytes:
    body = "".join(f"<p>{title}: paragraph {i} reports that the council met on Tuesday and "
                   f"discussed the budget, the roads and the school in some detail.</p>"
                   for i in range(paragraphs))
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
            f'</head><body><nav>Home | World</nav><article><h1>{title}</h1>{body}</article>'
            f'<footer>(c) Local</footer></body></html>').encode()


def real_page(name: str) -> bytes:
    return (DATA / "pages" / name).read_bytes()


def real_feed(name: str, target: str) -> bytes:
    """A feedparser test feed whose example.com entry link is pointed at ``target``."""
    data = (DATA / "feeds" / name).read_bytes()
    for link in (b"http://www.example.com/", b"http://example.com/"):
        data = data.replace(link + b'"', target.encode() + b'"').replace(link + b"<", target.encode() + b"<")
    return data


@contextlib.contextmanager
def host_factory() -> Iterator[Callable[..., list[LocalHost]]]:
    """``make(n)`` starts n servers on 127.0.0.2, 127.0.0.3, ...; all stopped on exit."""
    started: list[LocalHost] = []

    def make(n: int, first: int = 2) -> list[LocalHost]:
        out = [LocalHost(f"127.0.0.{first + len(started) + i}").start() for i in range(n)]
        started.extend(out)
        return out
    try:
        yield make
    finally:
        for h in started:
            h.stop()
