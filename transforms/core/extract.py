"""Main text and metadata from HTML, with trafilatura, as a pure function.

``extract_html`` never raises on input: every way a page can be unusable (too
large, binary, undecodable, no main text, an extractor exception) comes back as
a :class:`Failure` with a stable reason code. It cannot bound its own run time
(that needs signals, which Beam's threaded workers forbid); for that wrap it in
:class:`transforms.core.isolate.IsolatedExtractor`.

The defaults of :class:`ExtractSettings` were chosen by the numbers of
``tests/eval/eval_extract.py`` on trafilatura's own evaluation set; see the
``[extract]`` section of ``configs/defaults.toml``.
"""
from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from collections.abc import Mapping
from configparser import ConfigParser
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from transforms.core.config import settings_from_table
from transforms.core.markup import tree_over
from transforms.core.records import Failure, Reason, Stage

STAGE = Stage.EXTRACT.value


@dataclass(frozen=True)
class ExtractSettings:
    """Options passed down to trafilatura, validated once (see ``from_mapping``)."""

    # Measured best default: see tests/eval/eval_extract.py and the closing note.
    favor_precision: bool = False
    favor_recall: bool = False
    include_tables: bool = True
    # Reader comments are not the article: claims must not come from them.
    include_comments: bool = False
    # True skips trafilatura's fallback extractors (readability, jusText): faster, worse.
    no_fallback: bool = False
    # Title, date, site name and author from the same parsed tree as the text.
    with_metadata: bool = True
    # Inputs larger than this (bytes of HTML, encoded as UTF-8 for str input) are TOO_LARGE.
    max_bytes: int = 5 * 1024 * 1024
    # Per-document wall-clock limit; enforced only by IsolatedExtractor (no signals here).
    max_seconds: float = 30.0
    # Run extraction in worker processes (transforms.core.isolate): hangs and crashes cost one
    # document. Measured overhead is a fraction of a millisecond per page.
    isolate: bool = True
    # Address-space limit of each worker process (bytes, 0: none); over it is a TOO_LARGE failure.
    max_memory_bytes: int = 2 * 1024**3
    # Extracted texts shorter than this many characters are NO_TEXT.
    min_text_chars: int = 25
    # Shape limits checked on the parsed tree, before trafilatura (markup.tree_over): over one
    # is TOO_LARGE. lxml silently drops what lies deeper than 256 levels; trafilatura's time
    # grows faster than linearly in elements and links. Real pages of the eval set: depth <= 84,
    # links <= 2,215, elements <= 10,106 (tests/eval/eval_hostile.py).
    max_depth: int = 256
    max_links: int = 10_000
    max_elements: int = 50_000

    def __post_init__(self) -> None:
        # Raising here is a configuration bug, caught once before the graph is built.
        if self.favor_precision and self.favor_recall:
            raise ValueError("[extract] favor_precision and favor_recall exclude each other")
        if self.max_bytes <= 0 or self.max_seconds <= 0 or min(self.min_text_chars, self.max_memory_bytes) < 0:
            raise ValueError("[extract] max_bytes and max_seconds must be > 0; min_text_chars and "
                             "max_memory_bytes >= 0")
        if min(self.max_depth, self.max_links, self.max_elements) <= 0:
            raise ValueError("[extract] max_depth, max_links and max_elements must be > 0")

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any], where: str = "[extract]") -> ExtractSettings:
        """Validate a config section (e.g. the ``[extract]`` TOML table); unknown keys are errors."""
        return settings_from_table(cls, d, where.strip("[]"))

    def label(self) -> str:
        """Short, stable description of the settings, recorded per article."""
        mode = "precision" if self.favor_precision else "recall" if self.favor_recall else "balanced"
        parts = [mode]
        if self.no_fallback:
            parts.append("fast")
        if not self.include_tables:
            parts.append("no-tables")
        if self.include_comments:
            parts.append("comments")
        return "+".join(parts)


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str                      # paragraphs separated by a single "\n"
    published: str | None       # raw date from the page (htmldate: URL, metadata, then text), ISO day
    sitename: str | None
    lang: str | None            # declared <html lang>, not detected
    author: str | None          # from meta tags and JSON-LD only (nothing downstream reads it)
    extractor: str                 # "trafilatura 2.3.1 balanced": name, version, settings
    encoding: str = ""             # how bytes were decoded: header|bom|meta|detected|utf16-sniff, "" for str


# --------------------------------------------------------------------------- decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),   # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE
)

# WHATWG: these labels mean windows-1252 in HTML, whatever they say.
_WHATWG_ALIASES = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "l1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252", "windows-1252": "cp1252",
    "x-user-defined": "cp1252", "tis-620": "cp874", "iso-8859-9": "cp1254", "gb2312": "gb18030",
    "gbk": "gb18030", "x-sjis": "shift_jis", "ks_c_5601-1987": "cp949", "euc-kr": "cp949",
}


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _WHATWG_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def _strict(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _sniff_utf16(raw: bytes) -> str | None:
    """UTF-16 without a BOM: markup is mostly ASCII, so every other byte is NUL."""
    sample = raw[:4096]
    if len(sample) < 8:
        return None
    half = len(sample) // 2
    even_nul = sample[0::2].count(0) / half
    odd_nul = sample[1::2].count(0) / half
    if odd_nul > 0.6 and even_nul < 0.1:
        return "utf-16-le"
    if even_nul > 0.6 and odd_nul < 0.1:
        return "utf-16-be"
    return None


def _is_single_byte(codec: str) -> bool:
    try:
        return codecs.lookup(codec).name.startswith(("cp", "iso8859", "latin", "koi8", "mac", "tis"))
    except LookupError:
        return False


def _mostly_utf8(raw: bytes, max_errors: int = 50) -> str | None:
    """UTF-8 with a few stray legacy bytes (a CMS pasting latin-1 into a UTF-8 page).

    Strict UTF-8 fails on such pages and a detector then garbles every correct character; here
    each invalid sequence is read as windows-1252 instead. Accepted only when valid multi-byte
    characters outnumber the errors five to one: a true legacy page has almost none.
    """
    parts: list[str] = []
    pos = errors = 0
    while True:
        try:
            parts.append(raw[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as err:
            parts.append(raw[pos:pos + err.start].decode("utf-8"))
            parts.append(raw[pos + err.start:pos + err.end].decode("cp1252", errors="replace"))
            errors += 1
            pos += err.end
            if errors > max_errors:
                return None
    text = "".join(parts)
    multibyte = len(text) - len(text.encode("ascii", errors="ignore")) - errors
    return text if errors and multibyte >= 5 * errors else None


def decode_html(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode HTML bytes; returns ``(text, how)``, ``how`` in header|bom|meta|detected|utf16-sniff.

    Order: BOM (authoritative, as in the WHATWG algorithm), HTTP header charset, UTF-16 without
    BOM, ``<meta charset>``, then charset-normalizer. A declaration whose codec cannot decode the
    bytes strictly is ignored, so a wrong header or meta falls through to detection instead of
    silently garbling. Never raises; undecodable input is decoded as UTF-8 with replacement
    characters (``binary_ratio`` then tells the caller it was not text).
    """
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(codec, errors="replace"), "bom"

    header_codec = _codec(declared)
    utf16 = _sniff_utf16(raw)
    if header_codec and header_codec.startswith(("utf-16", "utf-32")) and not utf16:
        header_codec = None  # any even-length bytes "decode" as UTF-16: trust only the NUL pattern
    if header_codec:
        text = _strict(raw, header_codec)
        if text is not None:
            return text, "header"

    if utf16:
        return raw.decode(utf16, errors="replace"), "utf16-sniff"

    match = _META_CHARSET.search(raw[:8192])
    meta_codec = _codec(match.group(1).decode("ascii", "ignore")) if match else None
    if meta_codec and meta_codec.startswith(("utf-16", "utf-32")):
        meta_codec = "utf-8"  # WHATWG: a meta readable as ASCII cannot be right about UTF-16
    if meta_codec:
        text = _strict(raw, meta_codec)
        # A legacy single-byte label decodes anything; valid non-ASCII UTF-8 is far likelier
        # to be UTF-8 mislabelled than a real legacy text that happens to form UTF-8.
        if text is not None and _is_single_byte(meta_codec) and not raw.isascii():
            as_utf8 = _strict(raw, "utf-8")
            if as_utf8 is not None:
                return as_utf8, "detected"
        if text is not None:
            return text, "meta"

    as_utf8 = _strict(raw, "utf-8")
    if as_utf8 is not None:
        return as_utf8, "detected"
    as_utf8 = _mostly_utf8(raw)
    if as_utf8 is not None:
        return as_utf8, "detected"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
    except Exception:  # noqa: BLE001 - a charset-normalizer bug must not take the document down
        best = None
    if best is not None and best.encoding:
        return raw.decode(best.encoding, errors="replace"), "detected"
    return raw.decode("utf-8", errors="replace"), "detected"


# --------------------------------------------------------------------------- binary and controls

_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"), (b"PK\x03\x04", "zip"), (b"\x1f\x8b", "gzip"), (b"\x89PNG", "png"),
    (b"GIF8", "gif"), (b"\xff\xd8\xff", "jpeg"), (b"BZh", "bzip2"), (b"\xfd7zXZ", "xz"),
    (b"7z\xbc\xaf", "7z"), (b"\x7fELF", "elf"), (b"RIFF", "riff"), (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"OggS", "ogg"), (b"ID3", "mp3"), (b"\xd0\xcf\x11\xe0", "ole"), (b"wOFF", "woff"),
)

# C0/C1 controls other than tab, newline, carriage return and form feed: lxml refuses them
# in strings, and in the output they would hide text from later stages.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Bidi overrides and isolates can make displayed text differ from stored text.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """``text`` without C0/C1 controls (tab, newlines, form feed kept) and bidi overrides."""
    return _BIDI_CONTROLS.sub("", _CONTROLS.sub("", text))


def binary_kind(raw: bytes) -> str | None:
    """Name of a known binary format from its magic bytes, or None."""
    head = raw.lstrip()[:8]
    for magic, kind in _BINARY_MAGIC:
        if head.startswith(magic):
            return kind
    return None


def binary_ratio(text: str, sample: int = 8192) -> float:
    """Share of control and replacement characters in the first ``sample`` characters."""
    head = text[:sample]
    if not head:
        return 0.0
    bad = len(_CONTROLS.findall(head)) + head.count("\ufffd")
    return bad / len(head)


# --------------------------------------------------------------------------- extraction

_HTML_LANG = re.compile(r"""<html\b[^>]*?\blang\s*=\s*["']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)""",
                        re.IGNORECASE)
_MAX_BINARY_RATIO = 0.05


@functools.lru_cache(maxsize=8)
def _trafilatura_config(max_bytes: int) -> ConfigParser:
    from trafilatura.settings import DEFAULT_CONFIG

    config = deepcopy(DEFAULT_CONFIG)
    # Our own limit is checked before; trafilatura's must not be the tighter one.
    config.set("DEFAULT", "MAX_FILE_SIZE", str(max(max_bytes * 4, 20_000_000)))
    return config


@functools.lru_cache(maxsize=1)
def extractor_version() -> str:
    import trafilatura

    return f"trafilatura {trafilatura.__version__}"


def _clean_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _CONTROLS.sub("", text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# The controls of _CONTROLS as UTF-8: C0 and DEL are single bytes, C1 (U+0080-U+009F) is \xc2
# followed by \x80-\x9f (in valid UTF-8, \xc2 is always a lead byte).
_C0_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def _without_controls(text: str) -> str:
    """``text`` without C0/C1 controls (lxml rejects strings holding NUL or C0 controls) and
    with lone surrogates replaced (they break its encoder). Most pages have neither: that is
    checked on the UTF-8 bytes, in a quarter of the time of the regex, and they come back as is.
    """
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return _CONTROLS.sub("", text).encode("utf-8", errors="replace").decode("utf-8")
    if len(data.translate(None, _C0_BYTES)) == len(data) and not (
            b"\xc2" in data and _C1_UTF8.search(data)):
        return text
    return _CONTROLS.sub("", text)


def _fail(reason: Reason, url: str | None, detail: str) -> Failure:
    return Failure(stage=STAGE, reason=reason.value, input=url or "", detail=detail[:500])


def extract_html(
    html: str | bytes, url: str | None, settings: ExtractSettings,
    declared_charset: str | None = None,
) -> Extracted | Failure:
    """Main text and metadata of one page, or a Failure (stage ``extract``).

    Never raises on input; a non-str, non-bytes argument is a caller's bug (TypeError).
    """
    if not isinstance(html, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"extract_html takes str or bytes, not {type(html).__name__}")
    try:
        return _extract(html, url, settings, declared_charset)
    except Exception as err:  # noqa: BLE001 - extractor bugs become a counted failure, not a crash
        return _fail(Reason.EXTRACT_ERROR, url, f"{type(err).__name__}: {err}")


def _extract(
    html: str | bytes, url: str | None, settings: ExtractSettings,
    declared_charset: str | None,
) -> Extracted | Failure:
    encoding = ""
    over = f"bytes > limit extract.max_bytes={settings.max_bytes}"
    if isinstance(html, (bytes, bytearray, memoryview)):
        raw = bytes(html)
        if len(raw) > settings.max_bytes:
            return _fail(Reason.TOO_LARGE, url, f"{len(raw)} {over}")
        if not raw.strip():
            return _fail(Reason.EMPTY, url, "no bytes" if not raw else "only whitespace")
        kind = binary_kind(raw)
        if kind:
            return _fail(Reason.BINARY, url, f"{kind} magic bytes")
        text, encoding = decode_html(raw, declared_charset)
    else:
        text = html
        # A character is at most 4 bytes of UTF-8: most pages need no encoding to be measured.
        size = len(text) if 4 * len(text) <= settings.max_bytes else len(
            text.encode("utf-8", errors="surrogatepass"))
        if size > settings.max_bytes:
            return _fail(Reason.TOO_LARGE, url, f"{size} {over}")
        if not text.strip():
            return _fail(Reason.EMPTY, url, "empty" if not text else "only whitespace")

    ratio = binary_ratio(text)
    if ratio > _MAX_BINARY_RATIO:
        return _fail(Reason.BINARY, url, f"{ratio:.0%} control or undecodable characters")
    text = _without_controls(text)
    if "<" not in text:
        return _fail(Reason.NO_TEXT, url, "no markup: not HTML")
    # Parsed once: the shape limits, the metadata and the main text all read this tree.
    tree = _load_tree(text, settings)
    if tree is None:
        return _fail(Reason.NO_TEXT, url, "trafilatura found no main text")
    shape = tree_over(tree, settings.max_depth, settings.max_links, settings.max_elements)
    if shape:
        return _fail(Reason.TOO_LARGE, url, f"over limit {shape}")
    meta = _page_metadata(tree, url) if settings.with_metadata else None
    # trafilatura_sequence gets the caller's URL, or the page's own (canonical) one.
    doc = _bare_extraction(tree, url or (meta.url if meta else None), settings)
    if doc is None:
        return _fail(Reason.NO_TEXT, url, "trafilatura found no main text")
    if isinstance(doc, dict):  # only with as_dict=True, which we never pass
        raise TypeError("trafilatura returned a dict")
    if meta is not None:
        doc.title, doc.date, doc.sitename, doc.author = meta.title, meta.date, meta.sitename, meta.author
    return _to_extracted(doc, text, url, settings, encoding)


def _load_tree(text: str, settings: ExtractSettings) -> Any:
    from trafilatura.utils import load_html

    config = _trafilatura_config(settings.max_bytes)
    return load_html(text, config.getint("DEFAULT", "MAX_FILE_SIZE"))


def _page_metadata(tree: Any, url: str | None) -> Any:
    """Title, date, site name and author of a parsed page: trafilatura's ``extract_metadata``
    without what claimwire never reads (categories, tags, licence, and the author searched for
    in the body: together about 3 ms of a real page's 20), on the tree the text comes from.

    The date is htmldate's, which takes the cheap sources first: the URL, the page's meta tags
    and JSON-LD, ``<abbr>``/``<time>`` and date-like elements; only a page without any of those
    reaches its full-text search. (Its fast mode, or the fast mode first and the full search
    only when it finds nothing, were measured on the 728 dated pages of the extraction eval set:
    the first cost 15 right dates and saved 0.8 ms per page, the second saved nothing, since
    the pages left to the full search are the expensive ones, and moved a few answers.)
    Never raises: htmldate asserts on trees whose root is an element it prunes (``<svg>``,
    ``<math>``, ``<iframe>``; found by fuzzing), and such a page gets no metadata, as before.
    """
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
    )
    from trafilatura.settings import Document

    try:
        meta = examine_meta(tree)
        if meta.author and " " not in meta.author:   # as extract_metadata: one word is no name
            meta.author = None
        try:
            meta = extract_meta_json(tree, meta)
        except Exception:  # noqa: BLE001, S110 - bugs in trafilatura's JSON-LD reader; as it does
            pass
        if not meta.title:
            meta.title = extract_title(tree)
        if not meta.url:
            meta.url = extract_url(tree, url)
        meta.date = _page_date(tree, meta.url)
        if not meta.sitename:
            meta.sitename = extract_sitename(tree)
        if meta.sitename:
            meta.sitename = meta.sitename.lstrip("@")
            if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
                meta.sitename = meta.sitename.title()
        elif meta.url and (match := META_URL.match(meta.url)):
            meta.sitename = match[1]
        meta.clean_and_trim()
    except Exception:  # noqa: BLE001 - the text does not depend on the metadata
        return Document()
    return meta


def _page_date(tree: Any, url: str | None) -> str | None:
    from htmldate import find_date
    from trafilatura.settings import set_date_params

    return find_date(tree, **{**set_date_params(True), "url": url})  # type: ignore[no-any-return]


def _bare_extraction(tree: Any, url: str | None, settings: ExtractSettings) -> Any:
    import trafilatura

    return trafilatura.bare_extraction(
        tree,
        url=url,
        fast=settings.no_fallback,
        favor_precision=settings.favor_precision,
        favor_recall=settings.favor_recall,
        include_comments=settings.include_comments,
        include_tables=settings.include_tables,
        include_images=False,
        include_links=False,
        include_formatting=False,
        with_metadata=False,
        output_format="python",
        config=_trafilatura_config(settings.max_bytes),
    )


def _to_extracted(doc: Any, text: str, url: str | None, settings: ExtractSettings,
                  encoding: str) -> Extracted | Failure:
    body = _clean_text(doc.text or "")
    body = _BIDI_CONTROLS.sub("", body)
    if len(body) < settings.min_text_chars:
        return _fail(Reason.NO_TEXT, url,
                     f"{len(body)} characters < limit extract.min_text_chars={settings.min_text_chars}")
    lang_match = _HTML_LANG.search(text, 0, 200_000)
    return Extracted(
        title=_clean_text(doc.title or "").replace("\n", " "),
        text=body,
        published=doc.date or None,
        sitename=doc.sitename or None,
        lang=lang_match.group(1).replace("_", "-").lower() if lang_match else None,
        author=doc.author or None,
        extractor=f"{extractor_version()} {settings.label()}",
        encoding=encoding,
    )
