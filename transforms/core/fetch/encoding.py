"""Decode fetched HTML: BOM, HTTP header, meta charset, then detection.

A BOM is checked first because it cannot lie about itself (the WHATWG
encoding standard ranks it above the HTTP header too). A declared charset is
used only if the bytes decode under it without error; a single-byte Latin
declaration over bytes that are valid multi-byte UTF-8 is taken as the common
server misconfiguration it is and decoded as UTF-8. Labels follow browsers:
``iso-8859-1`` and ``ascii`` mean windows-1252.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_WINDOWS_1252_ALIASES = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1",
                                   "us-ascii", "ascii", "iso_8859-1", "cp819", "ibm819"})
_SINGLE_BYTE = frozenset({"cp1252", "latin_1", "iso8859_15", "cp1250", "cp1251", "iso8859_2",
                          "ascii"})
SNIFF_BYTES = 4096          # browsers look for <meta charset> in the first 1024; be lenient


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str          # Python codec name that decoded the text
    source: str            # bom | http | meta | utf8 | detected | fallback


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    if label in _WINDOWS_1252_ALIASES:
        label = "windows-1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _CHARSET_PARAM.search(content_type)
    return m.group(1) if m else None


def charset_from_meta(body: bytes) -> str | None:
    m = _META_CHARSET.search(body[:SNIFF_BYTES])
    return m.group(1).decode("ascii", "replace") if m else None


def _try(body: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _utf8_instead(body: bytes, codec: str) -> str | None:
    if codec not in _SINGLE_BYTE or body.isascii():
        return None
    return _try(body, "utf-8")


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode ``body``; never raises. The last resort is UTF-8 with replacement characters."""
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom):].decode(bom_codec, errors="replace"), bom_codec, "bom")
    for source, label in (("http", charset_from_content_type(content_type)),
                          ("meta", charset_from_meta(body))):
        codec = _codec(label) if label else None
        if codec is None:
            continue
        # A page declaring utf-16 in a meta tag is readable ASCII, so that meta cannot be right.
        if source == "meta" and codec.startswith("utf_16"):
            codec = "utf-8"
        utf8 = _utf8_instead(body, codec)
        if utf8 is not None:
            return Decoded(utf8, "utf-8", "utf8")
        declared = _try(body, codec)
        if declared is not None:
            return Decoded(declared, codec, source)
    plain = _try(body, "utf-8")
    if plain is not None:
        return Decoded(plain, "utf-8", "utf8")
    best = from_bytes(body[:1_000_000]).best()
    if best is not None and best.encoding:
        detected = _try(body, best.encoding)
        if detected is not None:
            return Decoded(detected, codecs.lookup(best.encoding).name, "detected")
    return Decoded(body.decode("utf-8", errors="replace"), "utf-8", "fallback")
