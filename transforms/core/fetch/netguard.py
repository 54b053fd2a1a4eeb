"""Refuse to connect to addresses that are not on the public internet.

The check is made on the resolved address, and the HTTP client connects to
exactly that address (never resolving the name a second time), so neither an
odd spelling of the host (``127.1``, ``2130706433``, ``0x7f.1``, ``[::ffff:7f00:1]``)
nor a DNS answer that changes between check and connect (rebinding) can
reach a private service.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Union

from transforms.core.records import Failure, Reason, Stage

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


@dataclass(frozen=True)
class ResolvedHost:
    host: str
    port: int
    address: str          # the single address the client will connect to


def _unwrap(ip: IPAddress) -> IPAddress:
    # An IPv4 address tunnelled in IPv6 must be judged as the IPv4 address it carries.
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
    return ip


def is_public_address(address: str) -> bool:
    """True when ``address`` (a literal IP) is globally routable unicast."""
    try:
        ip = _unwrap(ipaddress.ip_address(address.split("%", 1)[0]))
    except ValueError:
        return False
    return bool(ip.is_global) and not ip.is_multicast and not ip.is_unspecified


def resolve_host(host: str, port: int, *, allow_private: bool, url: str = "") -> ResolvedHost | Failure:
    """Resolve ``host`` and pick one address the client may connect to.

    getaddrinfo accepts every inet_aton spelling (``127.1``, ``0x7f.1``,
    ``2130706433``), so judging its answer covers them all.
    """
    name = host.strip("[]").rstrip(".")
    if not name:
        return Failure(Stage.FETCH.value, Reason.BAD_URL.value, url or host, "no host")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        return Failure(Stage.FETCH.value, Reason.DNS_ERROR.value, url or host, f"{name}: {exc}")
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        addr = str(sockaddr[0])
        if addr not in addresses:
            addresses.append(addr)
    if not addresses:
        return Failure(Stage.FETCH.value, Reason.DNS_ERROR.value, url or host, f"{name}: no address")
    if allow_private:
        return ResolvedHost(name, port, addresses[0])
    for addr in addresses:
        if is_public_address(addr):
            return ResolvedHost(name, port, addr)
    return Failure(Stage.FETCH.value, Reason.PRIVATE_ADDRESS.value, url or host,
                   f"{name} resolves to non-public {', '.join(addresses[:4])}")
