"""Reading inputs into :class:`RawDocument` records, or :class:`Failure` rows.

Recognised: ``*.txt``, ``*.html``/``*.htm`` (optionally ``.gz``), ``*.jsonl``
(optionally ``.gz``) and ``*.warc``/``*.warc.gz``. Everything else found in
a folder is reported as ``unsupported_format``, never skipped silently.

Local paths are read here with the OS. A URL (``s3://``, ``gs://`` ...) is listed
and opened through functions the caller passes in (the Beam layer hands in
``FileSystems.match`` and ``FileSystems.open``), so this module stays pure and
the same rules (hidden files, formats, size limits) apply to every store.
"""
from __future__ import annotations

import dataclasses
import glob
import gzip
import hashlib
import json
import os
import re
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Sequence

from charset_normalizer import from_bytes

from transforms.core.records import Failure, RawDocument, Reason, Stage

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
WARC_SUFFIXES = (".warc", ".warc.gz")
_JSON_FIELDS_STR = ("id", "title", "published", "source", "lang")
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x7fELF", b"BZh", b"\xfd7zXZ")


@dataclass(frozen=True)
class ReadLimits:
    max_document_bytes: int = 5 * 1024 * 1024
    max_file_bytes: int = 1024 * 1024 * 1024
    max_line_bytes: int = 8 * 1024 * 1024


@dataclass(frozen=True)
class InputFile:
    path: str           # as given or found, made absolute; a URL stays as listed
    kind: str           # text | html | jsonl | warc


# Opens an input for binary reading; raises OSError when it cannot.
Opener = Callable[[str], BinaryIO]
# Lists a URL (a file, a folder or a glob): every object path it matches, [] for none.
# Raises only when the store itself cannot be asked (unreachable, refused).
Lister = Callable[[str], Sequence[str]]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_GLOB = re.compile(r"[*?\[]")
NOTHING_MATCHED = "nothing matches this path"


def is_url(path: str) -> bool:
    """``s3://b/k``, ``gs://b/k``: read through the store's filesystem, not the OS."""
    return bool(_URL.match(path))


def open_local(path: str) -> BinaryIO:
    return open(path, "rb")


def input_id(path: str) -> str:
    """A path as text every later stage can store: undecodable name bytes become ``\\xNN``.

    os functions hand back such bytes as lone surrogates (PEP 383), which no UTF-8 encoder,
    Beam coder or Parquet writer accepts: one odd file name would end the whole run.
    """
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_str(text: str) -> str:
    """``text`` with each lone surrogate (legal in JSON escapes, not in UTF-8) as U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


# Kinds of input file that hold many documents (the others hold one).
MULTI_DOCUMENT_KINDS = ("jsonl", "warc")


def kind_of(path: str) -> str | None:
    name = path.lower()
    for kind, suffixes in (("html", HTML_SUFFIXES), ("jsonl", JSONL_SUFFIXES),
                           ("warc", WARC_SUFFIXES), ("text", TEXT_SUFFIXES)):
        if name.endswith(suffixes):
            return kind
    return None


def discover(paths: Sequence[str], list_url: Lister | None = None) -> tuple[list[InputFile], list[Failure]]:
    """Expand files, folders and globs (recursively, symlinked folders not followed) into inputs.

    Returns the recognised files, sorted, and a failure for each path that is missing,
    unreadable or of an unsupported type, so the caller can account for every one.
    URLs are listed with ``list_url``; without one a URL is a failure like any
    path that cannot be read.
    """
    found: dict[str, InputFile] = {}
    failures: list[Failure] = []

    def consider(p: Path) -> None:
        ap = input_id(str(p.absolute()))
        try:
            st = p.stat()   # follows a symlinked file; a dangling or looping link fails here
        except OSError as exc:
            failures.append(Failure(Stage.READ.value, Reason.UNREADABLE.value, ap, _os_reason(exc)))
            return
        if not stat.S_ISREG(st.st_mode):
            failures.append(Failure(Stage.READ.value, Reason.UNSUPPORTED.value, ap, "not a regular file"))
            return
        kind = kind_of(ap)
        if kind is None:
            failures.append(Failure(Stage.READ.value, Reason.UNSUPPORTED.value, ap,
                                    f"unrecognised file type {p.suffix or '(none)'}"))
            return
        found[ap] = InputFile(str(p.absolute()), kind)

    def walk(p: Path) -> None:
        raw = str(p)
        if p.is_dir() and not p.is_symlink():
            for root, dirs, files in os.walk(p, followlinks=False, onerror=lambda e: failures.append(
                    Failure(Stage.READ.value, Reason.UNREADABLE.value,
                            input_id(str(Path(e.filename or raw).absolute())),
                            _os_reason(e)))):
                dirs.sort()
                for d in dirs:
                    if (Path(root) / d).is_symlink():
                        failures.append(Failure(Stage.READ.value, Reason.UNSUPPORTED.value,
                                                input_id(str((Path(root) / d).absolute())),
                                                "symlinked folder not followed"))
                hidden = sorted(d for d in dirs if d.startswith("."))
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in [*hidden, *sorted(f for f in files if f.startswith("."))]:
                    # Not read (.git, .DS_Store, an output's .claimwire), but said so: nothing silent.
                    failures.append(Failure(Stage.READ.value, Reason.UNSUPPORTED.value,
                                            input_id(str((Path(root) / name).absolute())),
                                            "hidden file or folder not read"))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    consider(Path(root) / name)
        else:
            consider(p)

    for raw in paths:
        if is_url(raw):
            if list_url is None:
                failures.append(Failure(Stage.READ.value, Reason.UNREADABLE.value, raw, "URLs are not read here"))
                continue
            got, bad = classify_listing(raw, list_url(raw))
            found.update((f.path, f) for f in got)
            failures.extend(bad)
            continue
        if _GLOB.search(raw) and not os.path.lexists(raw):
            # A quoted glob: expanded like the shell would (hidden names unmatched by ``*``).
            matches = sorted(glob.glob(raw, recursive=True))
            if not matches:
                failures.append(Failure(Stage.READ.value, Reason.UNREADABLE.value,
                                        input_id(str(Path(raw).absolute())), NOTHING_MATCHED))
            paths_here = matches
        else:
            paths_here = [raw]
        for one in paths_here:
            walk(Path(one))
    return sorted(found.values(), key=lambda f: f.path), sorted(failures, key=lambda f: (f.input, f.reason))


def classify_listing(pattern: str, listed: Sequence[str]) -> tuple[list[InputFile], list[Failure]]:
    """The objects a URL matched, judged by the rules local files follow.

    ``pattern`` is a file, a folder (every object below it) or a glob. Below the
    folder (or the glob's fixed part), a name starting with ``.`` is hidden: a
    hidden folder is reported once, its objects are not read. Keys ending in
    ``/`` are folder markers some consoles create, not files.
    """
    files: list[InputFile] = []
    failures: list[Failure] = []
    objects = sorted(path for path in set(listed) if not path.endswith("/"))
    if not objects:
        return [], [Failure(Stage.READ.value, Reason.UNREADABLE.value, pattern, NOTHING_MATCHED)]
    if _GLOB.search(pattern):
        base = _GLOB.split(pattern, 1)[0].rsplit("/", 1)[0] + "/"
    else:
        base = pattern.rstrip("/") + "/"
    hidden: set[str] = set()
    for path in objects:
        # A file named in full is read whatever its name, as a local one is.
        parts = [] if path == pattern else path[len(base):].split("/") if path.startswith(base) else [path]
        dot = next((i for i, part in enumerate(parts) if part.startswith(".")), None)
        if dot is not None:
            hidden.add(base + "/".join(parts[:dot + 1]))
            continue
        kind = kind_of(path)
        if kind is None:
            suffix = Path(path.rsplit("/", 1)[-1]).suffix or "(none)"
            failures.append(Failure(Stage.READ.value, Reason.UNSUPPORTED.value, path,
                                    f"unrecognised file type {suffix}"))
            continue
        files.append(InputFile(path, kind))
    failures += [Failure(Stage.READ.value, Reason.UNSUPPORTED.value, h, "hidden file or folder not read")
                 for h in sorted(hidden)]
    return files, failures


def _os_reason(exc: OSError) -> str:
    return f"{type(exc).__name__}: {exc.strerror or exc}"


def doc_id_for(url: str, body: str) -> str:
    h = hashlib.blake2b(digest_size=8)
    h.update(url.encode("utf-8", "surrogatepass"))
    h.update(b"\x00")
    h.update(body.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _read_bounded(path: str, limit: int, opener: Opener) -> bytes:
    with opener(path) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise _TooLarge(f"file larger than {limit} bytes")
    return data


class _TooLarge(Exception):
    pass


def _gunzip_bounded(data: bytes, limit: int) -> bytes:
    """Decompress gzip, refusing more than ``limit`` bytes of output (gzip bombs).

    Every member is read: a file of concatenated members (``cat a.gz b.gz``, what
    appending writers leave) is the concatenation of their contents, as gzip(1) says.
    Zero padding after the last member is ignored; anything else there is bad gzip.
    """
    out = bytearray()
    rest = data
    while True:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out += d.decompress(rest, limit + 1 - len(out))
        if len(out) > limit or d.unconsumed_tail:
            raise _TooLarge(f"decompressed size over {limit} bytes")
        if not d.eof:
            raise zlib.error("truncated gzip stream")
        rest = d.unused_data
        if not rest.strip(b"\x00"):
            return bytes(out)
        if not rest.startswith(b"\x1f\x8b"):
            raise zlib.error(f"{len(rest)} bytes after the last gzip member are not gzip")


def decode_text(data: bytes) -> tuple[str | None, str]:
    """Decode bytes of a text document: BOM, UTF-8, then charset-normalizer.

    Returns (text, how) or (None, reason detail) when the bytes are not text.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "bom"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace"), "bom"
    if data.startswith(_BINARY_MAGIC):
        return None, "binary file signature " + repr(data[:4])
    try:
        text = data.decode("utf-8")
        how = "utf-8"
    except UnicodeDecodeError:
        best = from_bytes(data[:200_000]).best()
        if best is None:
            return None, "not decodable as text"
        text = data.decode(best.encoding, "replace")
        how = f"detected:{best.encoding}"
    if "\x00" in text:
        # UTF-16 without a BOM decodes as UTF-8 full of NULs; detect it properly.
        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding.startswith("utf_16"):
            text = data.decode(best.encoding, "replace")
            how = f"detected:{best.encoding}"
        if text.count("\x00") > max(8, len(text) // 100):
            return None, "NUL bytes: binary content"
        text = text.replace("\x00", "")
    return text, how


def _file_uri(path: str) -> str:
    return path if is_url(path) else Path(path).absolute().as_uri()


def read_input(item: InputFile, limits: ReadLimits, opener: Opener = open_local) -> Iterator[RawDocument | Failure]:
    """All documents of one input file, and a Failure for each unusable part of it.

    ``opener`` opens the file's bytes (the OS for local paths; the Beam layer passes
    one that also opens URLs); whatever it raises other than OSError is a bug.
    """
    if item.kind == "jsonl":
        yield from _read_jsonl(item.path, limits, opener)
        return
    if item.kind == "warc":
        # Imported lazily: WARC support lives with fetching.
        from transforms.core.fetch.warc import iter_warc_documents
        for got in iter_warc_documents(item.path, max_bytes=limits.max_document_bytes, opener=opener):
            if isinstance(got, RawDocument):
                got = dataclasses.replace(got, input=clean_str(got.input), url=clean_str(got.url),
                                          title=clean_str(got.title) if got.title else got.title,
                                          published=clean_str(got.published) if got.published else None,
                                          warc_file=input_id(got.warc_file) if got.warc_file else None)
            else:
                got = dataclasses.replace(got, input=input_id(got.input), detail=clean_str(got.detail))
            yield got
        return
    where = input_id(item.path)
    gz = item.path.lower().endswith(".gz")
    try:
        # A plain document over the document limit fails anyway: never hold more of it.
        data = _read_bounded(item.path, limits.max_file_bytes if gz else limits.max_document_bytes, opener)
        if gz:
            data = _gunzip_bounded(data, limits.max_document_bytes)
    except _TooLarge as exc:
        limit = "limits.max_file_bytes" if gz and "decompressed" not in str(exc) else "limits.max_document_bytes"
        yield Failure(Stage.READ.value, Reason.TOO_LARGE.value, where, f"{limit}: {exc}")
        return
    except (zlib.error, EOFError, gzip.BadGzipFile) as exc:
        yield Failure(Stage.READ.value, Reason.BAD_GZIP.value, where, str(exc)[:200])
        return
    except OSError as exc:
        yield Failure(Stage.READ.value, Reason.UNREADABLE.value, where, _os_reason(exc))
        return
    if len(data) > limits.max_document_bytes:
        yield Failure(Stage.READ.value, Reason.TOO_LARGE.value, where,
                      f"limits.max_document_bytes: {len(data)} > {limits.max_document_bytes}")
        return
    if not data.strip():
        yield Failure(Stage.READ.value, Reason.EMPTY.value, where, "no content")
        return
    if item.kind == "html":
        from transforms.core.extract import _MAX_BINARY_RATIO, binary_kind, binary_ratio, decode_html
        magic = binary_kind(data)
        if magic:
            yield Failure(Stage.READ.value, Reason.BINARY.value, where, f"{magic} magic bytes")
            return
        text, how = decode_html(data)
        ratio = binary_ratio(text)
        if ratio > _MAX_BINARY_RATIO:
            yield Failure(Stage.READ.value, Reason.BINARY.value, where,
                          f"{ratio:.0%} control or undecodable characters ({how})")
            return
    else:
        text, how = decode_text(data)
        if text is None:
            yield Failure(Stage.READ.value, Reason.BINARY.value, where, how)
            return
    if not text.strip():
        yield Failure(Stage.READ.value, Reason.EMPTY.value, where, "only whitespace")
        return
    url = _file_uri(item.path)   # percent-encodes the bytes of an undecodable name
    yield RawDocument(doc_id=doc_id_for(url, text), input=where, url=url,
                      format="html" if item.kind == "html" else "text", body=text)


def _iter_lines(path: str, limits: ReadLimits, opener: Opener) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) with ``None`` for a line over the limit; bounded memory."""
    with opener(path) as raw, (gzip.GzipFile(fileobj=raw) if path.lower().endswith(".gz") else raw) as fh:
        n = 0
        while True:
            line = fh.readline(limits.max_line_bytes + 1)
            if not line:
                return
            n += 1
            if len(line) > limits.max_line_bytes and not line.endswith(b"\n"):
                # Skip the rest of the over-long line without holding it.
                while True:
                    more = fh.readline(1024 * 1024)
                    if not more or more.endswith(b"\n"):
                        break
                yield n, None
                continue
            yield n, line


def _read_jsonl(path: str, limits: ReadLimits, opener: Opener) -> Iterator[RawDocument | Failure]:
    name = input_id(path)
    records = 0
    try:
        for n, line in _iter_lines(path, limits, opener):
            where = f"{name}:{n}"
            if line is None:
                records += 1
                yield Failure(Stage.READ.value, Reason.TOO_LARGE.value, where,
                              f"limits.max_line_bytes: line over {limits.max_line_bytes} bytes")
                continue
            if not line.strip():
                continue   # blank lines separate nothing; not records
            records += 1
            yield parse_jsonl_record(line, where, limits)
    except (OSError, EOFError, zlib.error) as exc:
        reason = Reason.BAD_GZIP if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)) else Reason.UNREADABLE
        yield Failure(Stage.READ.value, reason.value, name, str(exc)[:200])
        return
    if not records:   # so that every input file is accounted for by some row
        yield Failure(Stage.READ.value, Reason.EMPTY.value, name, "no records")


def parse_jsonl_record(line: bytes, where: str, limits: ReadLimits) -> RawDocument | Failure:
    """One JSON-lines record: ``url`` and ``html`` or ``text`` required."""
    try:
        rec = json.loads(line)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return Failure(Stage.READ.value, Reason.BAD_JSON.value, where, str(exc)[:200])
    if not isinstance(rec, dict):
        return Failure(Stage.READ.value, Reason.BAD_JSON.value, where, f"expected an object, got {type(rec).__name__}")
    url = rec.get("url")
    if not isinstance(url, str) or not url.strip():
        return Failure(Stage.READ.value, Reason.MISSING_FIELD.value, where,
                       "url missing" if url is None else "url must be a non-empty string")
    body, fmt = None, ""
    for key, f in (("html", "html"), ("text", "text")):
        val = rec.get(key)
        if isinstance(val, str) and val.strip():
            body, fmt = val, f
            break
        if val is not None and not isinstance(val, str):
            return Failure(Stage.READ.value, Reason.BAD_FIELD.value, where, f"{key} must be a string")
    if body is None:
        return Failure(Stage.READ.value, Reason.MISSING_FIELD.value, where, "html or text missing or empty")
    if len(body.encode("utf-8", "surrogatepass")) > limits.max_document_bytes:
        return Failure(Stage.READ.value, Reason.TOO_LARGE.value, where,
                       f"limits.max_document_bytes: record over {limits.max_document_bytes} bytes")
    hints: dict[str, str | None] = {}
    for key in _JSON_FIELDS_STR:
        val = rec.get(key)
        if val is None:
            hints[key] = None
        elif isinstance(val, (str, int, float)) and not isinstance(val, bool):
            hints[key] = clean_str(str(val)).strip() or None
        else:
            return Failure(Stage.READ.value, Reason.BAD_FIELD.value, where, f"{key} must be a string")
    body = clean_str(body).replace("\x00", "")
    url = clean_str(url).strip()
    return RawDocument(doc_id=doc_id_for(url, body), input=where, url=url, format=fmt, body=body,
                       title=hints["title"], published=hints["published"], source=hints["source"],
                       lang=hints["lang"])


# Bytes per document of a many-document file whose records are not counted (compressed, a WARC,
# or on a store), for cutting a replay into passes: news-sized records (a JSON-lines record of a
# few KiB of text; a WARC response with its request and headers, gzip shrinking either about 3x).
# An estimate only decides where one pass ends; every record is read whatever it says.
_BYTES_PER_DOCUMENT = {("jsonl", False): 4_096, ("jsonl", True): 1_536,
                       ("warc", False): 65_536, ("warc", True): 20_480}


def estimate_documents(item: InputFile, size: int | None, counted: int | None = None) -> int:
    """How many documents ``item`` holds: 1 for a one-document file, ``counted`` when the caller
    counted the records (the lines of a local uncompressed JSON-lines file), else from ``size``."""
    if item.kind not in MULTI_DOCUMENT_KINDS:
        return 1
    if counted is not None:
        return max(counted, 1)
    per = _BYTES_PER_DOCUMENT[(item.kind, item.path.lower().endswith(".gz"))]
    return max(1, -(-int(size or 0) // per))


def count_lines(path: str, chunk: int = 1 << 20) -> int:
    """Lines of a local file (a last line without its newline counts), read in chunks."""
    lines, last = 0, b"\n"
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def plan_passes(files: Sequence[InputFile], documents: Sequence[int], max_documents: int) -> list[list[InputFile]]:
    """Cut a replay's files, in their (sorted) order, into passes of at most ``max_documents``
    documents each; a file is never split, so a file above the limit is a pass of its own.

    ``max_documents`` 0 means one pass. There is always at least one pass (of no files when
    there are none: the run still records what discovery failed on).
    """
    if len(files) != len(documents):
        raise ValueError("one document count per file")
    if max_documents <= 0 or sum(documents) <= max_documents:
        return [list(files)]
    passes: list[list[InputFile]] = [[]]
    held = 0
    for item, n in zip(files, documents):
        if passes[-1] and held + n > max_documents:
            passes.append([])
            held = 0
        passes[-1].append(item)
        held += n
    return passes
