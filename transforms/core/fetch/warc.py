"""Every exchange of a live run archived as WARC 1.1, and the archive read back for replay.

Bodies are stored with their Content-Encoding undone (the original header kept
as ``X-Archive-Orig-Content-Encoding``), so replay reads exactly the bytes the
live run decoded and both produce the same :class:`RawDocument`. What the feed
said about an article (link, title, date) travels in a ``Claimwire-Entry``
header of its response record; every failure row of the run is a ``metadata``
record, so a replay reproduces the failures as well as the articles.
"""
from __future__ import annotations

import io
import json
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from transforms.core.fetch.encoding import decode_html
from transforms.core.fetch.http import Exchange, FetchOutcome
from transforms.core.records import Failure, RawDocument, Reason, Stage
from transforms.core.sources import doc_id_for

KIND_HEADER = "Claimwire-Kind"
ENTRY_HEADER = "Claimwire-Entry"
ARTICLE = "article"            # the final response of an article fetch
HOP = "hop"                    # a redirect hop or a retried attempt
FEED = "feed"
ROBOTS = "robots"
FAILURE = "failure"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_RENAMED = ("content-encoding", "transfer-encoding", "content-length")
_REQUIRED_HEADERS = ("WARC-Record-ID", "Content-Length", "WARC-Date")   # WARC 1.1 section 5


@dataclass(frozen=True)
class EntryInfo:
    """What the feed said about a page; archived so replay needs no feed."""

    link: str
    feed_url: str = ""
    title: str | None = None
    published: str | None = None
    guid: str = ""

    def to_header(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=True, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_header(cls, value: str) -> EntryInfo:
        d = json.loads(value)
        return cls(link=str(d["link"]), feed_url=str(d.get("feed_url") or ""),
                   title=d.get("title"), published=d.get("published"), guid=str(d.get("guid") or ""))


def document_from_response(entry: EntryInfo, final_url: str, body: bytes,
                           content_type: str | None, warc_file: str | None,
                           warc_offset: int | None) -> RawDocument | Failure:
    """The one place a fetched page becomes a RawDocument: live run and replay share it."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime and mime not in _HTML_TYPES and not mime.startswith("text/"):
        return Failure(Stage.FETCH.value, Reason.UNSUPPORTED.value, entry.link,
                       f"Content-Type {mime} is not HTML")
    if not body.strip():
        return Failure(Stage.FETCH.value, Reason.EMPTY.value, entry.link, "empty body")
    decoded = decode_html(body, content_type)
    if "\x00" in decoded.text[:4096]:
        return Failure(Stage.FETCH.value, Reason.BINARY.value, entry.link, "NUL bytes in decoded page")
    return RawDocument(
        doc_id=doc_id_for(final_url, decoded.text), input=entry.link, url=final_url, format="html",
        body=decoded.text, title=entry.title, published=entry.published,
        warc_file=warc_file, warc_offset=warc_offset,
        charset=f"{decoded.encoding} ({decoded.source})")


def _request_bytes(ex: Exchange) -> bytes:
    from urllib.parse import urlsplit
    parts = urlsplit(ex.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in ex.request_headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


def _archived_headers(ex: Exchange) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for k, v in ex.response_headers:
        if k.lower() in _RENAMED:
            out.append((f"X-Archive-Orig-{k}", v))
        else:
            out.append((k, v))
    out.append(("Content-Length", str(len(ex.body))))
    return out


class WarcArchive:
    """One WARC file, appended to from many threads; offsets point at gzip members."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.name = self.path.name
        self._fh: BinaryIO = open(self.path, "wb")
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="WARC/1.1")
        self._lock = threading.Lock()
        warcinfo = self._writer.create_warcinfo_record(self.name, {
            "software": "claimwire fetch", "format": "WARC File Format 1.1"})
        self._writer.write_record(warcinfo)

    def close(self) -> None:
        with self._lock:
            if not self._fh.closed:
                self._fh.flush()
                os.fsync(self._fh.fileno())
                self._fh.close()

    def __enter__(self) -> WarcArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, record: object) -> int:
        offset = self._fh.tell()
        self._writer.write_record(record)
        return offset

    def write_outcome(self, outcome: FetchOutcome, kind: str,
                      entry: EntryInfo | None = None) -> int | None:
        """Archive every exchange of ``outcome``; the offset of its final response when it succeeded."""
        final_offset: int | None = None
        with self._lock:
            for i, ex in enumerate(outcome.exchanges):
                is_final = outcome.ok and i == len(outcome.exchanges) - 1
                rec_kind = kind if (is_final or kind != ARTICLE) else HOP
                common = {"WARC-Date": ex.started_at, KIND_HEADER: rec_kind}
                if ex.address:
                    common["WARC-IP-Address"] = ex.address
                req = self._writer.create_warc_record(
                    ex.url, "request", payload=io.BytesIO(_request_bytes(ex)),
                    warc_headers_dict=dict(common))
                if ex.status:
                    headers = dict(common)
                    if ex.truncated:
                        headers["WARC-Truncated"] = ex.truncated
                    if is_final and entry is not None:
                        headers[ENTRY_HEADER] = entry.to_header()
                    sah = StatusAndHeaders(f"{ex.status} {ex.reason_phrase}".strip(),
                                           _archived_headers(ex), protocol=ex.http_version)
                    resp = self._writer.create_warc_record(
                        ex.url, "response", payload=io.BytesIO(ex.body), http_headers=sah,
                        warc_headers_dict=headers)
                    offset = self._write(resp)
                    req.rec_headers.add_header("WARC-Concurrent-To",
                                               resp.rec_headers.get_header("WARC-Record-ID"))
                    self._write(req)
                    if is_final:
                        final_offset = offset
                else:
                    self._write(req)
                if ex.error:
                    note = json.dumps({"error": ex.error, "detail": ex.detail}, ensure_ascii=True)
                    meta = self._writer.create_warc_record(
                        ex.url, "metadata", payload=io.BytesIO(note.encode()),
                        warc_content_type="application/json",
                        warc_headers_dict={**common, KIND_HEADER: HOP})
                    self._write(meta)
        return final_offset

    def write_failure(self, failure: Failure) -> int:
        """A failure row of the run, kept so replay reproduces it."""
        payload = json.dumps({"stage": failure.stage, "reason": failure.reason, "input": failure.input,
                              "detail": failure.detail}, ensure_ascii=True, sort_keys=True).encode()
        with self._lock:
            rec = self._writer.create_warc_record(
                failure.input if "://" in failure.input else f"urn:claimwire:{failure.input}",
                "metadata", payload=io.BytesIO(payload), warc_content_type="application/json",
                warc_headers_dict={KIND_HEADER: FAILURE})
            return self._write(rec)


def _is_empty(fh: BinaryIO) -> bool:
    """Whether a stream holds no byte, without consuming any: works for files and store streams."""
    peek = getattr(fh, "peek", None)
    if peek is not None:
        return not peek(1)
    try:
        return os.fstat(fh.fileno()).st_size == 0
    except (OSError, ValueError, AttributeError):   # a stream with no file behind it
        return False


def iter_warc_documents(path: str | os.PathLike[str], max_bytes: int = 5 * 1024 * 1024,
                        opener: Callable[[str], BinaryIO] | None = None) -> Iterator[RawDocument | Failure]:
    """Replay a WARC file: articles as RawDocuments, archived failure rows as Failures.

    claimwire's own feed, robots.txt, redirect-hop and retry records are not
    documents and are passed over. A WARC from elsewhere yields each 200 HTML
    response. A corrupt or truncated file ends in one ``bad_warc`` failure.
    """
    name = Path(path).name
    try:
        fh = opener(str(path)) if opener is not None else open(path, "rb")
    except OSError as exc:
        yield Failure(Stage.READ.value, Reason.UNREADABLE.value, str(path), f"{type(exc).__name__}: {exc}")
        return
    with fh:
        empty = _is_empty(fh)
        it = ArchiveIterator(fh)
        it.INC_RECORD = ""   # warcio writes its own warning to stderr; the failure row says it
        records = yielded = ours = 0
        try:
            for record in it:
                records += 1
                # get_record_offset() reads the record to its end: call it only after the body is read.
                rtype = record.rec_type
                if rtype is None:
                    # warcio hands back any text as one typeless record instead of failing.
                    yield Failure(Stage.READ.value, Reason.BAD_WARC.value, str(path),
                                  f"not a WARC record at offset {it.get_record_offset()}")
                    return
                missing = [h for h in _REQUIRED_HEADERS if record.rec_headers.get_header(h) is None]
                if record.format.startswith("warc") and missing:
                    # A header cut short (a truncated file, a bad disk) parses as a record without them.
                    yield Failure(Stage.READ.value, Reason.BAD_WARC.value, str(path),
                                  f"record header cut short or incomplete at offset {_start(it)}: "
                                  f"no {', '.join(missing)}")
                    return
                kind = record.rec_headers.get_header(KIND_HEADER)
                ours += kind is not None
                if rtype == "metadata" and kind == FAILURE:
                    payload = record.content_stream().read(max_bytes)
                    try:
                        d = json.loads(payload.decode("utf-8"))
                        archived = Failure(str(d["stage"]), str(d["reason"]), str(d["input"]),
                                           str(d.get("detail", "")))
                    except (ValueError, KeyError, TypeError, AttributeError) as exc:
                        # A forged or damaged record costs itself, not the run.
                        archived = Failure(Stage.READ.value, Reason.BAD_WARC.value,
                                           f"{path}:{it.get_record_offset()}",
                                           f"unreadable failure record: {type(exc).__name__}: {exc}"[:500])
                    yield archived
                    yielded += 1
                    continue
                if rtype != "response" or kind not in (None, ARTICLE):
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                status = record.http_headers.get_statuscode() if record.http_headers else None
                content_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
                entry_raw = record.rec_headers.get_header(ENTRY_HEADER)
                if kind is None:
                    mime = (content_type or "").split(";")[0].strip().lower()
                    if status != "200" or mime not in _HTML_TYPES:
                        continue
                try:
                    entry: EntryInfo | None = (EntryInfo.from_header(entry_raw) if entry_raw
                                               else EntryInfo(link=url))
                except (ValueError, KeyError, TypeError, AttributeError):
                    entry = None
                body = record.content_stream().read(max_bytes + 1)
                missing = _missing_bytes(record) if len(body) <= max_bytes else 0
                errors_before = it.err_count
                offset = it.get_record_offset()
                # warcio counts a record not followed by the blank lines WARC requires: its
                # Content-Length lied, so its body is cut short or runs into the next record.
                overrun = it.err_count > errors_before
                yielded += 1
                if len(body) > max_bytes:
                    yield Failure(Stage.READ.value, Reason.TOO_LARGE.value, f"{path}:{offset}",
                                  f"record over limits.max_document_bytes={max_bytes}")
                    continue
                if entry is None:
                    yield Failure(Stage.READ.value, Reason.BAD_WARC.value, f"{path}:{offset}",
                                  f"unreadable {ENTRY_HEADER} header"[:500])
                    continue
                if missing:
                    # warcio returns what a truncated file holds as if it were the whole record.
                    yield Failure(Stage.READ.value, Reason.BAD_WARC.value, f"{path}:{offset}",
                                  f"record truncated: {missing} of its declared bytes missing")
                    continue
                if overrun:
                    yield Failure(Stage.READ.value, Reason.BAD_WARC.value, f"{path}:{offset}",
                                  "record's Content-Length does not match its block (no blank lines after it)")
                    continue
                yield document_from_response(entry, url, body, content_type, name, offset)
        except (ArchiveLoadFailed, OSError, EOFError, ValueError, zlib.error,
                AttributeError, TypeError, IndexError, KeyError) as exc:
            # warcio meets a damaged header with whatever its parsing code raises (a header
            # cut before its URI: AttributeError on None); all of them mean a bad file.
            yield Failure(Stage.READ.value, Reason.BAD_WARC.value, str(path),
                          f"{type(exc).__name__}: {exc}"[:500])
            return
        if not records and not empty:
            yield Failure(Stage.READ.value, Reason.BAD_WARC.value, str(path),
                          "no complete WARC record in a non-empty file (cut short, or not WARC)")
            return
        if not yielded and not ours:
            # So that every input file is accounted for: a claimwire archive holding only feed
            # and robots records is a run without new pages; anything else yielding nothing
            # (no records, or text warcio reads as ARC) is reported.
            yield Failure(Stage.READ.value, Reason.EMPTY.value, str(path),
                          f"{records} records, none an HTML page" if records else "no WARC records")


def _start(it: ArchiveIterator) -> int:
    """Offset of the record being read (get_record_offset() would read past a damaged one)."""
    return int(getattr(it, "offset", 0) or 0)


def _missing_bytes(record: object) -> int:
    """Bytes the record's Content-Length declares that the file does not hold (0 when whole)."""
    raw = getattr(record, "raw_stream", None)
    if raw is None or not hasattr(raw, "limit"):
        return 0
    while raw.read(1 << 16):   # what content decoding left unread (chunk trailers) is not missing
        pass
    return max(int(raw.limit), 0)
