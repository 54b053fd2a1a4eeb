"""Write the hostile corpus (issue 9) into a folder: seeded, deterministic, nothing committed.

Usage: ``python tests/hostile/make_corpus.py DIR [--secret FILE]``

Every input is made here at test time, so the repository holds a few kB of code, not the
~80 MB the corpus takes on disk. ``make_corpus`` returns what each input must become:
``Corpus.expect[input id]`` is ``"article"``, ``"article-or-no_text"`` or a ``(stage, reason,
detail substring)`` triple (an id ending in ``*`` stands for every id it begins, such as
``path:*`` for any ``path:<line or offset>``), checked
by ``tests/hostile/test_hostile_replay.py`` and summarised by ``tests/eval/eval_hostile.py``.

``secret`` is a local file that XXE payloads point at (besides /etc/hostname and
/etc/passwd); its random content must never appear in any output or log.
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

SEED = 9
SECRET_NAME = "secret.key"

# A general article body (not a seed text) long enough to extract and detect.
_PARAS = (
    "The regional water authority said on Tuesday that the reservoir had fallen to its lowest "
    "level in twelve years after a dry summer and an early autumn heatwave.",
    "Engineers will inspect the northern dam next week, a spokesperson for the authority told "
    "reporters, adding that restrictions on garden watering would stay in place until spring.",
    "Farmers in the valley said the decision came too late for this year's harvest, which they "
    "expect to be about a third smaller than last year's.",
)


def article_html(title: str, extra_head: str = "", paras: tuple[str, ...] = _PARAS) -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<html><head><title>{title}</title>{extra_head}</head><body>"
            f"<article><h1>{title}</h1>{body}</article></body></html>")


def article_text(title: str) -> str:
    return title + "\n" + "\n".join(_PARAS) + "\n"


Expect = str | tuple[str, str, str]


@dataclass
class Corpus:
    root: Path
    secret: Path
    secret_text: str
    expect: dict[str, Expect] = field(default_factory=dict)   # input id -> outcome


def _billion_laughs(root_tag: str = "lolz", inner: str = "&lol9;") -> str:
    ents = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = "&lol;" if i == 1 else f"&lol{i - 1};"
        ents.append(f'<!ENTITY lol{i} "{prev * 10}">')
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root_tag} [\n' + "\n".join(ents) + "\n]>\n"


def xxe_doctype(root_tag: str, secret: Path) -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE {root_tag} [\n'
            f'  <!ENTITY xxe SYSTEM "file://{secret}">\n'
            f'  <!ENTITY host SYSTEM "file:///etc/hostname">\n'
            f'  <!ENTITY passwd SYSTEM "file:///etc/passwd">\n'
            f'  <!ENTITY % remote SYSTEM "file://{secret}">\n'
            f"]>\n")


def xxe_xhtml(secret: Path) -> str:
    doc = article_html("Reservoir report (XHTML)")
    doc = doc.replace("<html>", '<html xmlns="http://www.w3.org/1999/xhtml">', 1)
    doc = doc.replace("</h1>", "</h1><p>Key: &xxe; Host: &host; Users: &passwd;</p>", 1)
    return xxe_doctype("html", secret) + doc


def xxe_feed(secret: Path) -> bytes:
    return (xxe_doctype("rss", secret) + (
        '<rss version="2.0"><channel><title>Feed &xxe;</title><link>https://example.org/</link>'
        "<item><title>Item &xxe; &host;</title><link>https://example.org/a?k=&xxe;</link>"
        "<description>&passwd;</description><guid>https://example.org/a</guid></item>"
        "</channel></rss>")).encode()


def billion_laughs_feed() -> bytes:
    return (_billion_laughs("rss") + (
        '<rss version="2.0"><channel><title>&lol9;</title>'
        "<item><title>&lol9;</title><link>https://example.org/lol</link>"
        "<description>&lol9;</description></item></channel></rss>")).encode()


def billion_laughs_html() -> str:
    doc = article_html("Reservoir report (entities)")
    return _billion_laughs("html") + doc.replace("</h1>", "</h1><p>&lol9;</p>", 1)


def _warc_bytes(pages: list[tuple[str, bytes]]) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="WARC/1.1")
    for url, body in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                              ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
        rec = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                        warc_headers_dict={"WARC-Date": "2025-01-02T03:04:05Z"})
        writer.write_record(rec)
    return buf.getvalue()


def forged_warc() -> bytes:
    """claimwire's own record kinds with payloads a damaged or forged archive could hold."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="WARC/1.1")
    for payload in (b'{"nope": 1}', b"[1, 2]", b"not json"):
        writer.write_record(writer.create_warc_record(
            "urn:claimwire:x", "metadata", payload=io.BytesIO(payload), warc_content_type="application/json",
            warc_headers_dict={"Claimwire-Kind": "failure"}))
    for entry in ('{"title": "no link"}', "[1]", "{"):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "https://example.org/forged", "response", payload=io.BytesIO(article_html("Forged").encode()),
            http_headers=headers, warc_headers_dict={"Claimwire-Kind": "article", "Claimwire-Entry": entry}))
    return buf.getvalue()


def concatenated_gzip_html() -> tuple[bytes, str]:
    """One page split over two gzip members (what ``cat a.gz b.gz`` or an appending writer leaves)."""
    title = "Two gzip members"
    page = article_html(title).encode()
    half = len(page) // 2
    return gzip.compress(page[:half], mtime=0) + gzip.compress(page[half:], mtime=0), title


def concatenated_gzip_jsonl() -> bytes:
    lines = [json.dumps({"url": f"https://example.org/gz-member-{i}", "text": " ".join(_PARAS) + f" ({i})"})
             for i in (1, 2)]
    return b"".join(gzip.compress((line + "\n").encode(), mtime=0) for line in lines)


def gzip_members(data: bytes) -> list[bytes]:
    """Each gzip member of ``data``, decompressed."""
    out = []
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out.append(d.decompress(data))
        data = d.unused_data
    return out


def lying_warc(pages: list[tuple[str, bytes]], delta: int, compressed: bool) -> bytes:
    """A WARC whose first record's Content-Length says ``delta`` bytes more (or less) than it holds."""
    records = gzip_members(_warc_bytes(pages))
    head, sep, rest = records[0].partition(b"\r\n\r\n")     # the WARC header block
    declared = int(re.search(rb"\r\nContent-Length: (\d+)\r\n", head + b"\r\n").group(1))
    head = re.sub(rb"\r\nContent-Length: \d+", b"\r\nContent-Length: %d" % (declared + delta), head, count=1)
    records[0] = head + sep + rest
    if compressed:
        return b"".join(gzip.compress(r, mtime=0) for r in records)
    return b"".join(records)


def _pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def _jsonl_lines(secret: Path, big: bool) -> list[tuple[bytes, Expect]]:
    ok_text = " ".join(_PARAS)
    R = "read"
    lines: list[tuple[bytes, Expect]] = [
        (b"[1, 2, 3]", (R, "bad_json", "expected an object")),
        (b'"just a string"', (R, "bad_json", "expected an object")),
        (b"42", (R, "bad_json", "expected an object")),
        (b"null", (R, "bad_json", "expected an object")),
        (b"{broken", (R, "bad_json", "")),
        (b'{"url": "https://example.org/a", "text": "x"} trailing', (R, "bad_json", "")),
        (b'{"text": "no url at all"}', (R, "missing_field", "url")),
        (b'{"url": 5, "text": "url is a number"}', (R, "missing_field", "url")),
        (b'{"url": "https://example.org/nobody"}', (R, "missing_field", "html or text")),
        (b'{"url": "https://example.org/t", "text": {"nested": 1}}', (R, "bad_field", "text")),
        (b'{"url": "https://example.org/h", "html": ["<p>list</p>"]}', (R, "bad_field", "html")),
        (json.dumps({"url": "https://example.org/ti", "text": ok_text, "title": ["a"]}).encode(),
         (R, "bad_field", "title")),
        (json.dumps({"url": "https://example.org/tb", "text": ok_text, "lang": True}).encode(),
         (R, "bad_field", "lang")),
        # Huge numbers: a 1e999999 float (inf) as a date, a 100,000-digit integer id.
        (b'{"url": "https://example.org/inf", "text": "' + ok_text.encode() + b'", "published": 1e999999}',
         "article"),
        (b'{"url": "https://example.org/bigint", "text": "t", "id": ' + b"9" * 100_000 + b"}",
         (R, "bad_json", "")),
        # Deep nesting: parsers that recurse overflow the stack.
        (b"[" * 200_000 + b"]" * 200_000, (R, "bad_json", "")),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, (R, "bad_json", "")),
        # Invalid UTF-8 and raw NUL bytes inside a JSON string.
        (b'{"url": "https://example.org/utf8", "text": "caf\xe9 \xff\xfe"}', (R, "bad_json", "")),
        (b'{"url": "https://example.org/nul", "text": "a\x00b"}', (R, "bad_json", "")),
        # Lone surrogates are legal JSON escapes but not UTF-8: no encoder downstream takes them.
        (b'{"url": "https://example.org/sur\\udc80", "title": "\\ud800", "text": "'
         + ok_text.encode() + b' \\udfff"}', "article"),
        # Escaped NULs are legal JSON: kept as an article without them.
        (json.dumps({"url": "https://example.org/nul-escaped",
                     "text": ok_text.replace(" ", " \u0000", 3), "lang": "en"}).encode(), "article"),
        # Names taken from input: path traversal in lang and source, a file:// url.
        (json.dumps({"url": "https://example.org/trav", "text": ok_text, "lang": "../../etc",
                     "source": "../../../../tmp/claimwire-escape", "title": "../../x"}).encode(), "article"),
        (json.dumps({"url": "https://example.org/trav2", "html": article_html("Slash lang"),
                     "lang": "en/../../../../tmp", "source": "/etc/passwd"}).encode(), "article"),
        (json.dumps({"url": f"file://{secret}", "text": ok_text + " (file url)"}).encode(), "article"),
        # XXE inside a record's html.
        (json.dumps({"url": "https://example.org/xxe", "html": xxe_xhtml(secret)}).encode(), "article"),
        # Dates: far future, far past, unparseable, absurd.
        (json.dumps({"url": "https://example.org/future", "text": ok_text + " (future)",
                     "published": "9999-12-31T23:59:59Z"}).encode(), "article"),
        (json.dumps({"url": "https://example.org/future2", "text": ok_text + " (future 2)",
                     "published": "3024-05-01"}).encode(), "article"),
        (json.dumps({"url": "https://example.org/baddate", "text": ok_text + " (bad date)",
                     "published": "31/02/2025 25:61 \u2603 not a date"}).encode(), "article"),
        (json.dumps({"url": "https://example.org/epoch", "text": ok_text + " (epoch)",
                     "published": "-99999999999999999999"}).encode(), "article"),
        # Bidi overrides in text: stored text must not hide or reorder what claims read.
        (json.dumps({"url": "https://example.org/bidi", "lang": "en",
                     "text": ok_text.replace("twelve", "\u202etwelve\u202c", 1)}).encode(), "article"),
        (b"   ", "skip"),         # blank lines separate nothing; they are not records
    ]
    if big:
        # A 6 MB record: over limits.max_document_bytes (5 MiB), under limits.max_line_bytes.
        lines.append((json.dumps({"url": "https://example.org/6mb",
                                  "text": "word " * (6 * 1024 * 1024 // 5)}).encode(),
                      (R, "too_large", "limits.max_document_bytes")))
    return lines


def make_corpus(root: Path, secret: Path | None = None, *, big: bool = True) -> Corpus:
    """Write every hostile input under ``root`` (created); see the module docstring."""
    rng = random.Random(SEED)
    root = root.absolute()
    root.mkdir(parents=True, exist_ok=True)
    if secret is None:
        secret = root.parent / SECRET_NAME
    secret_text = "claimwire-secret-" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                                                for _ in range(32))
    secret.write_text(secret_text + "\n")
    c = Corpus(root, secret.absolute(), secret_text)
    E = c.expect

    def put(name: str, data: bytes | str, expect: Expect) -> Path:
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        E[str(p)] = expect
        return p

    R, X = "read", "extract"
    # --- binary, truncated, compressed
    junk = bytes(rng.getrandbits(8) for _ in range(64 * 1024))
    put("binary/junk.html", junk, (R, "binary", ""))
    put("binary/junk.txt", junk, (R, "binary", ""))
    put("binary/report.pdf.html", _pdf(), (R, "binary", "pdf"))
    put("binary/report.pdf.txt", _pdf(), (R, "binary", ""))
    put("binary/report.pdf", _pdf(), (R, "unsupported_format", ""))
    put("binary/png.html", b"\x89PNG\r\n\x1a\n" + junk[:512], (R, "binary", "png"))
    full = gzip.compress(article_html("Truncated gzip").encode(), mtime=0)
    put("gzip/truncated.html.gz", full[: len(full) // 2], (R, "bad_gzip", ""))
    put("gzip/not-gzip.html.gz", b"this is not gzip at all", (R, "bad_gzip", ""))
    put("gzip/ok.html.gz", gzip.compress(article_html("Compressed page").encode(), mtime=0), "article")
    # A gzip bomb: 64 MiB of zeros in ~64 kB, over the decompressed-size limit.
    bomb = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\x00" * (1 << 20)
    put("gzip/bomb.html.gz", b"".join(bomb.compress(chunk) for _ in range(64)) + bomb.flush(),
        (R, "too_large", "limits.max_document_bytes"))
    jl = gzip.compress(b'{"url": "https://example.org/gz", "text": "x"}\n' * 50, mtime=0)
    put("gzip/truncated.jsonl.gz", jl[: len(jl) - 20], (R, "bad_gzip", ""))
    warc = _warc_bytes([("https://example.org/warc-one", article_html("WARC page one").encode()),
                        ("https://example.org/warc-two", article_html("WARC page two").encode())])
    put("warc/truncated.warc.gz", warc[: len(warc) - 300], "lines")
    del E[str(root / "warc/truncated.warc.gz")]
    E["https://example.org/warc-one"] = "article"     # a WARC page's input is its URL
    E[f"{root}/warc/truncated.warc.gz:*"] = (R, "bad_warc", "truncated")   # :<record offset>
    # Issue 15: gzip members concatenated, WARC headers cut at every byte of the first 200
    # (a 60-byte one of them used to fail the whole run), Content-Length lying either way.
    data, _ = concatenated_gzip_html()
    put("gzip/two-members.html.gz", data, "article")
    put("gzip/two-members.jsonl.gz", concatenated_gzip_jsonl(), "lines")
    del E[str(root / "gzip/two-members.jsonl.gz")]
    E[f"{root}/gzip/two-members.jsonl.gz:1"] = E[f"{root}/gzip/two-members.jsonl.gz:2"] = "article"
    one = _warc_bytes([("https://example.org/warc-cut", article_html("WARC cut").encode())])
    for n in range(1, 201):
        put(f"warc/cut-header/{n:03d}.warc.gz", one[:n], (R, "bad_warc", ""))
        put(f"warc/cut-header/{n:03d}.warc", gzip.decompress(one)[:n], (R, "bad_warc", ""))
    for delta in (-50, 50, 10**12):
        for compressed in (True, False):
            name = f"warc/lie/{'longer' if delta > 0 else 'shorter'}-{abs(delta)}.warc{'.gz' if compressed else ''}"
            pages = [(f"https://example.org/{name}/{i}", article_html(f"Lying WARC {i}").encode()) for i in (1, 2)]
            put(name, lying_warc(pages, delta, compressed), "lines")
            del E[str(root / name)]
            E[f"{root}/{name}*"] = (R, "bad_warc", "")        # the file or :<offset> of the lying record
            if compressed or delta < 0:
                # one gzip member per record, or a record that stops short of its end: the
                # next record is found and read; a plain record that runs on swallows it
                E[pages[1][0]] = "article"
    put("warc/forged.warc.gz", forged_warc(), "lines")
    del E[str(root / "warc/forged.warc.gz")]
    E[f"{root}/warc/forged.warc.gz:*"] = (R, "bad_warc", "unreadable")
    put("warc/garbage.warc", b"WARC/1.1\r\nthis is not a warc header\r\n\r\n" + junk[:2048],
        (R, "bad_warc", ""))
    # --- markup bombs
    p = "<p>" + _PARAS[0] + "</p>"
    put("markup/deep.html", "<html><body>" + "<div>" * 200_000 + p + "</div>" * 200_000 + "</body></html>",
        (X, "too_large", "extract.max_depth"))
    put("markup/links.html", "<html><body><article>" + p * 3 + "</article>" + "<a href=#>x</a>" * 300_000
        + "</body></html>", (X, "too_large", "extract.max_links"))
    put("markup/billion-laughs.html", billion_laughs_html(), "article-or-no_text")
    put("markup/xxe.html", xxe_xhtml(c.secret), "article-or-no_text")
    put("markup/xxe-param.html", xxe_doctype("html", c.secret).replace("]>", "%remote;]>")
        + article_html("Parameter entity"), "article-or-no_text")
    # --- size limits
    if big:
        line = b"a" * (30 * 1024 * 1024)
        put("size/longline.txt", line, (R, "too_large", "limits.max_document_bytes"))
        put("size/longline.jsonl", b'{"url": "https://example.org/long", "text": "' + line + b'"}\n'
            + json.dumps({"url": "https://example.org/after-long", "text": " ".join(_PARAS)}).encode()
            + b"\n", "lines")
        E[f"{root}/size/longline.jsonl:1"] = (R, "too_large", "limits.max_line_bytes")
        E[f"{root}/size/longline.jsonl:2"] = "article"
        del E[f"{root}/size/longline.jsonl"]
    put("size/just-over.html", "<html><body><p>" + "x" * (5 * 1024 * 1024) + "</p></body></html>",
        (R, "too_large", "limits.max_document_bytes"))
    # --- empty
    put("empty/empty.html", b"", (R, "empty", ""))
    put("empty/blank.txt", b"  \n\t\n", (R, "empty", ""))
    put("empty/blank-lines.jsonl", b"\n   \n\n", (R, "empty", "no records"))
    put("empty/empty.warc", b"", (R, "empty", "no WARC records"))
    put("empty/no-markup.html", "just words, no markup at all, but quite a few of them here.",
        (X, "no_text", ""))
    # --- encodings
    put("enc/utf16-nobom.txt", article_text("UTF-16 without BOM").encode("utf-16-le"), "article")
    put("enc/utf16-nobom.html", article_html("UTF-16 page").encode("utf-16-le"), "article")
    put("enc/utf16be-nobom.html", article_html("UTF-16 BE page").encode("utf-16-be"), "article")
    viet = ("Cơ quan quản lý nước khu vực cho biết hồ chứa đã xuống mức thấp nhất trong mười hai năm "
            "sau một mùa hè khô hạn và đợt nắng nóng đầu thu.",) * 3
    put("enc/meta-latin1-is-utf8.html",
        article_html("Hồ chứa", '<meta charset="iso-8859-1">', viet).encode("utf-8"), "article")
    russian = ("Региональное управление водных ресурсов заявило во вторник, что уровень воды в "
               "водохранилище упал до самого низкого уровня за двенадцать лет.",) * 3
    put("enc/meta-utf8-is-cp1251.html",
        article_html("Водохранилище", '<meta charset="utf-8">', russian).encode("cp1251"), "article")
    put("enc/unknown-charset.html",
        article_html("Unknown charset", '<meta charset="x-no-such-charset">').encode(), "article")
    text = article_text("NUL and bidi").replace(" ", " \x00", 4).replace("twelve", "\u202etwelve\u202c", 1)
    put("enc/nul-bidi.txt", text.encode("utf-8"), "article")
    put("enc/nul-bidi.html", article_html("NUL and bidi page").replace("twelve", "\u202e\x00twelve\u202c", 1),
        "article")
    put("enc/latin1.txt", article_text("Café crème à la façon").encode("latin-1"), "article")
    # --- JSON lines
    lines = _jsonl_lines(c.secret, big)
    put("jsonl/bad.jsonl", b"\n".join(line for line, _ in lines) + b"\n", "lines")
    del E[str(root / "jsonl/bad.jsonl")]
    for n, (_, expect) in enumerate(lines, start=1):
        if expect != "skip":
            E[f"{root}/jsonl/bad.jsonl:{n}"] = expect
    # --- feeds: replay does not read feeds (unsupported), parse_feed is tested on them directly
    put("feeds/xxe.rss", xxe_feed(c.secret), (R, "unsupported_format", ""))
    put("feeds/billion-laughs.xml", billion_laughs_feed(), (R, "unsupported_format", ""))
    # --- file system: symlink loops, dangling links, a FIFO, a folder named like a file, odd names
    fs = root / "fs"
    fs.mkdir(parents=True, exist_ok=True)
    for a, b in (("loop-a.html", "loop-b.html"), ("loop-b.html", "loop-a.html")):
        os.symlink(b, fs / a)
        E[str(fs / a)] = (R, "unreadable", "")
    os.symlink("self.txt", fs / "self.txt")
    E[str(fs / "self.txt")] = (R, "unreadable", "")
    os.symlink("/nonexistent/claimwire/target.txt", fs / "dangling.txt")
    E[str(fs / "dangling.txt")] = (R, "unreadable", "")
    os.symlink(".", fs / "loopdir")
    E[str(fs / "loopdir")] = (R, "unsupported_format", "symlinked folder")
    os.mkfifo(fs / "fifo.txt")
    E[str(fs / "fifo.txt")] = (R, "unsupported_format", "not a regular file")
    (fs / "folder.html").mkdir()
    put("fs/notes.docx", b"PK\x03\x04 not really", (R, "unsupported_format", ""))
    put("fs/no-suffix", b"plain", (R, "unsupported_format", ""))
    put("fs/name with spaces, ünïcödé & quotes'\".txt", article_text("Odd file name"), "article")
    odd = os.fsencode(str(fs)) + b"/bad-\xff\xfe-name.txt"
    with open(odd, "wb") as fh:
        fh.write(article_text("Undecodable file name").encode())
    E[odd.decode("utf-8", "backslashreplace")] = "article"   # its id, as sources.input_id writes it
    return c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("--secret", default=None)
    ap.add_argument("--small", action="store_true", help="leave out the multi-megabyte inputs")
    args = ap.parse_args()
    c = make_corpus(Path(args.folder), Path(args.secret) if args.secret else None, big=not args.small)
    print(f"{len(c.expect)} inputs under {c.root}; secret file {c.secret}")


if __name__ == "__main__":
    main()
