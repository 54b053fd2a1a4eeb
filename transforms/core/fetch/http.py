"""One HTTP GET, bounded in every dimension, with each hop checked.

urllib3's bare connection objects are used (no pool) because the client must
connect to the address :mod:`netguard` vetted, not to whatever the name
resolves to a moment later, and must be able to cut a connection at a
wall-clock deadline: a server that trickles one byte per second never trips a
read timeout, so a watchdog shuts the socket down when ``timeout`` is spent.
Redirects are followed here, by hand, so every hop gets the scheme, address,
loop and count checks. Content-Encoding is undone here too, with the size cap
applied to the decoded bytes (a 5 KiB gzip can hold gigabytes of zeros).
"""
from __future__ import annotations

import contextlib
import email.utils
import http.client
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, ContextManager, Protocol
from urllib.parse import urljoin, urlsplit

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, ReadTimeoutError

from transforms.core.fetch.config import FetchConfig
from transforms.core.fetch.netguard import ResolvedHost, resolve_host
from transforms.core.records import Failure, Reason, Stage

try:  # brotli is optional: without it "br" is simply not advertised
    import brotli  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    brotli = None

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_CHUNK = 64 * 1024
Headers = tuple[tuple[str, str], ...]


def http_reason(status: int) -> str:
    """Reason code for a final HTTP status that is not a success: ``http_404``."""
    return f"http_{status}"


@dataclass(frozen=True)
class Exchange:
    """One request and what came back: the unit written to WARC."""

    url: str
    address: str                 # the IP actually connected ("" when none)
    started_at: str              # ISO 8601 UTC
    request_headers: Headers
    status: int = 0              # 0 when no response head arrived
    reason_phrase: str = ""
    http_version: str = "HTTP/1.1"
    response_headers: Headers = ()
    body: bytes = b""            # Content-Encoding undone; partial when truncated
    content_encoding: str = ""   # what the server had applied
    truncated: str = ""          # WARC-Truncated value: length | time | disconnect
    error: str = ""              # a Reason value when this exchange failed
    detail: str = ""

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for k, v in self.response_headers:
            if k.lower() == lname:
                return v
        return None


@dataclass(frozen=True)
class FetchOutcome:
    """Every exchange of one fetch (retries and redirect hops) and how it ended."""

    url: str
    exchanges: tuple[Exchange, ...]
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def final(self) -> Exchange | None:
        return self.exchanges[-1] if self.exchanges else None

    @property
    def final_url(self) -> str:
        return self.exchanges[-1].url if self.exchanges else self.url


class Gate(Protocol):
    def slot(self, host: str) -> ContextManager[None]:
        ...


class _NoGate:
    @contextlib.contextmanager
    def slot(self, host: str) -> Iterator[None]:
        yield


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now_ts = time.time() if now is None else now
    return max(0.0, when.timestamp() - now_ts)


class _BodyLimit(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class _Decoder:
    """Undo one Content-Encoding incrementally, never producing more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding
        self.limit = limit
        self.produced = 0
        self._raw_deflate_tried = False
        self._brotli: Any = None
        self._z: Any = None
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj(zlib.MAX_WBITS)
        elif encoding == "br" and brotli is not None:
            self._brotli = brotli.Decompressor()
        else:
            raise _BodyLimit(Reason.BAD_ENCODING.value, f"unsupported Content-Encoding {encoding!r}")
        self._first = b""

    def _room(self) -> int:
        return self.limit - self.produced + 1

    def feed(self, data: bytes) -> bytes:
        try:
            if self._brotli is not None:
                # brotli has no output bound per call; chunks are small, so check after each.
                out = self._brotli.process(data)
                return self._count(out)
            assert self._z is not None
            if self.encoding == "deflate" and not self._raw_deflate_tried:
                self._first += data
            out = self._z.decompress(data, self._room())
            parts = [self._count(out)]
            while self._z.unconsumed_tail:
                parts.append(self._count(self._z.decompress(self._z.unconsumed_tail, self._room())))
            return b"".join(parts)
        except zlib.error as exc:
            # Servers often send raw deflate (no zlib header) under "deflate".
            if self.encoding == "deflate" and not self._raw_deflate_tried and self.produced == 0:
                self._raw_deflate_tried = True
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                first, self._first = self._first, b""
                return self.feed(first)
            raise _BodyLimit(Reason.BAD_ENCODING.value, f"corrupt {self.encoding} body: {exc}") from exc
        except _BodyLimit:
            raise
        except Exception as exc:  # brotli.error has no stable import path
            raise _BodyLimit(Reason.BAD_ENCODING.value, f"corrupt {self.encoding} body: {exc}") from exc

    def flush(self) -> bytes:
        if self._z is not None:
            return self._count(self._z.flush())
        return b""

    def _count(self, out: bytes) -> bytes:
        self.produced += len(out)
        if self.produced > self.limit:
            raise _BodyLimit(Reason.DECOMPRESSION_LIMIT.value,
                             f"decoded {self.encoding} body over max_bytes={self.limit}")
        return out


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class HttpClient:
    """Thread-safe: holds only settings, so one instance serves a whole thread pool."""

    def __init__(self, config: FetchConfig, gate: Gate | None = None,
                 resolver: Callable[..., ResolvedHost | Failure] = resolve_host,
                 ssl_context: ssl.SSLContext | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.gate: Gate = gate if gate is not None else _NoGate()
        self._resolver = resolver
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._sleep = sleep
        encodings = ["gzip", "deflate"] + (["br"] if brotli is not None else [])
        self._accept_encoding = ", ".join(encodings)

    # -- public -----------------------------------------------------------------------------
    def get(self, url: str, headers: Mapping[str, str] | None = None) -> FetchOutcome:
        """GET ``url`` following at most ``max_redirects`` redirects, each hop checked."""
        exchanges: list[Exchange] = []
        visited: list[str] = []
        current = url
        for _hop in range(self.config.max_redirects + 1):
            bad = self.check_url(current, url)
            if bad is not None:
                return FetchOutcome(url, tuple(exchanges), bad)
            key = current.split("#", 1)[0]
            if key in visited:
                return FetchOutcome(url, tuple(exchanges), Failure(
                    Stage.FETCH.value, Reason.REDIRECT_LOOP.value, url,
                    f"{key} visited twice: {' -> '.join(visited + [key])}"[:1000]))
            visited.append(key)
            attempts = self._with_retries(current, headers or {})
            exchanges.extend(attempts)
            last = attempts[-1]
            if last.error:
                return FetchOutcome(url, tuple(exchanges),
                                    Failure(Stage.FETCH.value, last.error, url, last.detail))
            location = last.header("Location")
            if last.status in REDIRECT_STATUSES and location:
                current = urljoin(current, location.strip())
                continue
            if 200 <= last.status < 300 or last.status == 304:
                return FetchOutcome(url, tuple(exchanges))
            return FetchOutcome(url, tuple(exchanges), Failure(
                Stage.FETCH.value, http_reason(last.status), url,
                f"{last.status} {last.reason_phrase} at {last.url}"[:1000]))
        return FetchOutcome(url, tuple(exchanges), Failure(
            Stage.FETCH.value, Reason.TOO_MANY_REDIRECTS.value, url,
            f"more than {self.config.max_redirects} redirects: {' -> '.join(visited)}"[:1000]))

    # -- steps ------------------------------------------------------------------------------
    @staticmethod
    def check_url(current: str, original: str) -> Failure | None:
        try:
            parts = urlsplit(current)
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError as exc:
            return Failure(Stage.FETCH.value, Reason.BAD_URL.value, original, f"{current}: {exc}")
        if parts.scheme.lower() not in ("http", "https"):
            return Failure(Stage.FETCH.value, Reason.BAD_SCHEME.value, original,
                           f"scheme {parts.scheme or '(none)'!r} in {current[:300]}")
        if not parts.hostname:
            return Failure(Stage.FETCH.value, Reason.BAD_URL.value, original, f"no host in {current[:300]}")
        return None

    def _with_retries(self, url: str, headers: Mapping[str, str]) -> list[Exchange]:
        out: list[Exchange] = []
        host = (urlsplit(url).hostname or "").lower()
        for attempt in range(self.config.retries + 1):
            with self.gate.slot(host):
                ex = self._once(url, headers)
            out.append(ex)
            if ex.error or ex.status not in RETRY_STATUSES or attempt == self.config.retries:
                break
            wait = self.config.backoff * (2 ** attempt)
            retry_after = parse_retry_after(ex.header("Retry-After"))
            if retry_after is not None:
                if retry_after > self.config.max_retry_after:
                    break   # the final status becomes the failure; waiting that long would stall the host
                wait = max(wait, retry_after)
            self._sleep(wait)
        return out

    def _once(self, url: str, extra: Mapping[str, str]) -> Exchange:
        cfg = self.config
        parts = urlsplit(url)
        https = parts.scheme.lower() == "https"
        port = parts.port or (443 if https else 80)
        host = parts.hostname or ""
        started = _now_iso()
        host_header = host if ":" not in host else f"[{host}]"
        if parts.port and parts.port != (443 if https else 80):
            host_header = f"{host_header}:{parts.port}"
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers: dict[str, str] = {
            "Host": host_header,
            "User-Agent": cfg.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
                      "application/xml;q=0.9,*/*;q=0.8",
            "Accept-Encoding": self._accept_encoding,
            "Connection": "close",
        }
        req_headers.update(extra)
        req_tuple: Headers = tuple(req_headers.items())

        resolved = self._resolver(host, port, allow_private=cfg.allow_private_network, url=url)
        if isinstance(resolved, Failure):
            return Exchange(url, "", started, req_tuple, error=resolved.reason, detail=resolved.detail)

        timeout = cfg.connect_timeout     # the read timeout is set once connected
        conn: HTTPConnection
        if https:
            conn = HTTPSConnection(resolved.address, port, timeout=timeout, server_hostname=host,
                                   assert_hostname=host, ssl_context=self._ssl_context)
        else:
            conn = HTTPConnection(resolved.address, port, timeout=timeout)

        fired = threading.Event()

        def cut() -> None:
            fired.set()
            sock = getattr(conn, "sock", None)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        watchdog = threading.Timer(cfg.timeout, cut)
        watchdog.daemon = True
        watchdog.start()
        status = 0
        reason_phrase = ""
        version = "HTTP/1.1"
        resp_headers: Headers = ()
        body = bytearray()
        encoding = ""
        try:
            conn.connect()
            if conn.sock is not None:
                conn.sock.settimeout(cfg.read_timeout)
            conn.request("GET", path, headers=req_headers, preload_content=False,
                         decode_content=False)
            resp = conn.getresponse()
            status = resp.status
            reason_phrase = resp.reason or ""
            version = "HTTP/1.0" if getattr(resp, "version", 11) == 10 else "HTTP/1.1"
            resp_headers = tuple((str(k), str(v)) for k, v in resp.headers.items())
            encoding = (resp.headers.get("Content-Encoding") or "").strip().lower()
            declared = resp.headers.get("Content-Length")
            if declared and declared.strip().isdigit() and int(declared) > cfg.max_bytes:
                raise _BodyLimit(Reason.TOO_LARGE.value,
                                 f"Content-Length {declared} over max_bytes={cfg.max_bytes}")
            decoder = _Decoder(encoding, cfg.max_bytes) if encoding not in ("", "identity") else None
            raw_total = 0
            while True:
                chunk = resp.read1(_CHUNK, decode_content=False)
                if not chunk:
                    break
                raw_total += len(chunk)
                if raw_total > cfg.max_bytes:
                    raise _BodyLimit(Reason.TOO_LARGE.value, f"body over max_bytes={cfg.max_bytes}")
                body += decoder.feed(chunk) if decoder else chunk
                if fired.is_set():
                    raise TimeoutError("wall-clock cap")
            if decoder is not None:
                body += decoder.flush()
            if fired.is_set():
                raise TimeoutError("wall-clock cap")
            return Exchange(url, resolved.address, started, req_tuple, status, reason_phrase, version,
                            resp_headers, bytes(body), encoding)
        except _BodyLimit as exc:
            return Exchange(url, resolved.address, started, req_tuple, status, reason_phrase, version,
                            resp_headers, bytes(body), encoding, truncated="length",
                            error=exc.reason, detail=exc.detail)
        except NewConnectionError as exc:   # urllib3 makes it a ConnectTimeoutError subclass
            return Exchange(url, resolved.address, started, req_tuple, error=Reason.CONNECTION_ERROR.value,
                            detail=f"{type(exc).__name__}: {exc}"[:500])
        except (ConnectTimeoutError, ReadTimeoutError, TimeoutError) as exc:
            why = (f"over the {cfg.timeout:g} s wall-clock cap" if fired.is_set()
                   else f"no data within timeout: {exc}")
            return Exchange(url, resolved.address, started, req_tuple, status, reason_phrase, version,
                            resp_headers, bytes(body), encoding, truncated="time" if status else "",
                            error=Reason.TIMEOUT.value, detail=why[:500])
        except (HTTPError, http.client.HTTPException, ssl.SSLError, OSError) as exc:
            if fired.is_set():
                return Exchange(url, resolved.address, started, req_tuple, status, reason_phrase,
                                version, resp_headers, bytes(body), encoding,
                                truncated="time" if status else "", error=Reason.TIMEOUT.value,
                                detail=f"over the {cfg.timeout:g} s wall-clock cap")
            return Exchange(url, resolved.address, started, req_tuple, status, reason_phrase, version,
                            resp_headers, bytes(body), encoding,
                            truncated="disconnect" if status else "",
                            error=Reason.CONNECTION_ERROR.value,
                            detail=f"{type(exc).__name__}: {exc}"[:500])
        finally:
            watchdog.cancel()
            try:
                conn.close()
            except OSError:
                pass


__all__ = [
    "REDIRECT_STATUSES",
    "RETRY_STATUSES",
    "Exchange",
    "FetchOutcome",
    "HttpClient",
    "http_reason",
    "parse_retry_after",
]
