"""SSRF guard: every spelling of a private address is refused; the connection is pinned."""
from __future__ import annotations

import socket

import pytest
from fetch_server import host_factory

from transforms.core.fetch.config import FetchConfig
from transforms.core.fetch.http import HttpClient
from transforms.core.fetch.netguard import ResolvedHost, is_public_address, resolve_host


@pytest.fixture
def local_hosts():
    with host_factory() as make:
        yield make



@pytest.mark.parametrize("host", [
    "127.0.0.1", "127.1", "2130706433", "0x7f.1", "0177.0.0.1", "0x7f000001", "localhost",
    "::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "10.1.2.3", "172.16.0.9", "192.168.1.1",
    "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "fe80::1", "fc00::1",
    "2002:7f00:1::",   # 6to4 wrapping 127.0.0.1
])
def test_private_spellings_refused(host):
    out = resolve_host(host, 80, allow_private=False, url=f"http://{host}/")
    assert out.reason == "private_address", out


@pytest.mark.parametrize("addr", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "93.184.215.14"])
def test_public_literals_allowed(addr):
    assert is_public_address(addr)
    out = resolve_host(addr, 443, allow_private=False)
    assert isinstance(out, ResolvedHost) and out.address == addr


def test_allow_private_switch():
    out = resolve_host("127.1", 80, allow_private=True)
    assert isinstance(out, ResolvedHost) and out.address == "127.0.0.1"


def test_dns_error(monkeypatch):
    def fail(*a, **k):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    monkeypatch.setattr(socket, "getaddrinfo", fail)
    assert resolve_host("no-such-host.test", 80, allow_private=False).reason == "dns_error"


def test_mixed_answer_uses_only_a_public_address(monkeypatch):
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 80)),
               (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.4.4", 80))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: answers)
    out = resolve_host("mixed.test", 80, allow_private=False)
    assert out.address == "8.8.4.4"


def test_connection_pinned_to_vetted_address_with_host_header(local_hosts, monkeypatch):
    """Name resolved once; the client connects to that IP and still sends the name as Host."""
    (h,) = local_hosts(1)
    h.page("/p", b"<p>pinned</p>")
    calls = []
    real = socket.getaddrinfo

    def fake(host, *a, **k):
        calls.append(host)
        if host == "news.test":
            # A rebinding server would answer differently the second time; there is no second time.
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (h.address if len(calls) == 1
                                                                   else "10.9.9.9", 0))]
        return real(host, *a, **k)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    out = HttpClient(FetchConfig(allow_private_network=True, delay=0)).get(f"http://news.test:{h.port}/p")
    assert out.ok, out.failure
    assert calls.count("news.test") == 1
    assert h.hits[0].headers["host"] == f"news.test:{h.port}"
    assert out.final.address == h.address
