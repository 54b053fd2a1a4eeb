"""Canonical URLs: one spelling per article, for exact dedup and fetch history.

Lower-cased scheme and host, default ports and fragments dropped, tracking
parameters (utm_*, fbclid, gclid, ...) removed, remaining query parameters
sorted. Paths are kept as they are (they are case-sensitive on most servers).
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
    "igshid", "_ga", "_gl", "ref", "ref_src", "ref_url", "cmpid", "ito", "ns_mchannel",
    "ns_source", "ns_campaign", "ns_linkname", "ns_fee", "sr_share", "spm", "share", "smid",
    "ocid", "cid", "at_medium", "at_campaign", "rss", "xtor", "s_cid", "src", "guccounter",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_", "vero_")


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k in TRACKING_PARAMS or k.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Canonical form of ``url``; returns the input stripped when it cannot be parsed."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        # Not re-assembled by urlunsplit: for these schemes it is not idempotent
        # ("a:////" -> "a://" -> "a:"), and a canonical form must be a fixed point.
        return scheme + url[len(parts.scheme):].split("#", 1)[0]
    host = (parts.hostname or "").rstrip(".")
    keep_port = bool(port) and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443))
    if ":" in host:   # IPv6 literal: brackets back, and the port only when not the scheme's default
        host = f"[{host}]"
    if keep_port:
        host = f"{host}:{port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _is_tracking(k)))
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, query, ""))


def site_of(url: str) -> str:
    """The outlet of a URL: its host without ``www.``; '' for non-web URLs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https"):
        return ""
    host = (parts.hostname or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host
