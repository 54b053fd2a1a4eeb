"""Issue 9: regression cases for the faults the hostile corpus found, one per fix, and the limits."""
from __future__ import annotations

import gzip
import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import _warc_bytes, article_html, article_text

from transforms.core.articles import ArticleSettings, build_article
from transforms.core.extract import ExtractSettings, extract_html
from transforms.core.markup import markup_shape
from transforms.core.records import Failure, RawDocument
from transforms.core.sources import (
    InputFile,
    ReadLimits,
    clean_str,
    discover,
    input_id,
    parse_jsonl_record,
    read_input,
)

LIMITS = ReadLimits(max_document_bytes=10_000, max_file_bytes=100_000, max_line_bytes=20_000)


def _read(path: Path, limits: ReadLimits = LIMITS) -> list:
    files, failures = discover([str(path)])
    out: list = list(failures)
    for f in files:
        out.extend(read_input(f, limits))
    return out


def _storable(item) -> None:
    for value in vars(item).values():
        if isinstance(value, str):
            value.encode("utf-8")


# ---------------------------------------------------------------- names and strings from input

def test_undecodable_file_name_gives_a_storable_id(tmp_path):
    # Crashed the whole run: Beam's coder could not encode the path's lone surrogates.
    raw = os.fsencode(str(tmp_path)) + b"/bad-\xff-name.txt"
    with open(raw, "wb") as fh:
        fh.write(article_text("Odd name").encode())
    with open(os.fsencode(str(tmp_path)) + b"/junk-\xfe.bin", "wb") as fh:
        fh.write(b"x")
    got = _read(tmp_path)
    assert len(got) == 2
    for item in got:
        _storable(item)
    doc = next(g for g in got if isinstance(g, RawDocument))
    assert doc.input.endswith("bad-\\xff-name.txt") and "%FF" in doc.url
    assert input_id("/a/b") == "/a/b"


def test_lone_surrogates_in_json_become_replacement_characters():
    line = b'{"url": "https://e.org/\\udc80", "title": "T\\ud800", "text": "body \\udfff text"}'
    doc = parse_jsonl_record(line, "f:1", LIMITS)
    assert isinstance(doc, RawDocument)
    assert doc.body == "body \ufffd text" and doc.title == "T\ufffd" and doc.url.endswith("\ufffd")
    _storable(doc)
    assert clean_str("a\ud83d\ude00") == "a\ufffd\ufffd"        # unpaired halves, one each
    assert clean_str("a😀") == "a😀"


# ---------------------------------------------------------------- sizes

def test_plain_file_is_read_only_up_to_the_document_limit(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 50_000)
    reads: list[int] = []
    real_open = open

    def spy_open(path, mode="r", *args, **kwargs):
        fh = real_open(path, mode, *args, **kwargs)
        if str(path) == str(big):
            real_read = fh.read
            fh_read = lambda n=-1: (reads.append(n), real_read(n))[1]
            return _Wrap(fh, fh_read)
        return fh

    monkeypatch.setattr("builtins.open", spy_open)
    (got,) = list(read_input(InputFile(str(big), "text"), LIMITS))
    assert isinstance(got, Failure) and got.reason == "too_large"
    assert "limits.max_document_bytes" in got.detail
    assert reads == [LIMITS.max_document_bytes + 1]     # not max_file_bytes: a bounded read


class _Wrap:
    def __init__(self, fh, read):
        self._fh, self.read = fh, read

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


def test_gzip_bomb_names_the_decompressed_limit(tmp_path):
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(b"\0" * 1_000_000))
    (got,) = _read(tmp_path)
    assert got.reason == "too_large" and got.detail.startswith("limits.max_document_bytes: decompressed")


def test_line_limit_comes_from_the_config():
    from pipelines.settings import settings_from_config
    from transforms.core.config import load_config
    s = settings_from_config(load_config(None, ["limits.max_line_bytes=12345", "extract.max_links=7"]))
    assert s.limits.max_line_bytes == 12345 and s.articles.extract.max_links == 7
    assert settings_from_config(load_config()).limits.max_line_bytes == 8 * 1024 * 1024


# ---------------------------------------------------------------- every file accounted for

def test_files_without_records_are_reported(tmp_path):
    (tmp_path / "blank.jsonl").write_text("\n  \n")
    (tmp_path / "none.warc").write_bytes(b"")
    got = sorted(_read(tmp_path), key=lambda f: f.input)
    assert [(Path(f.input).name, f.reason) for f in got] == [("blank.jsonl", "empty"), ("none.warc", "empty")]


def test_truncated_warc_record_is_not_taken_for_whole(tmp_path):
    # warcio hands back the bytes a cut file holds as if they were the whole record.
    data = _warc_bytes([("https://e.org/1", article_html("One").encode()),
                        ("https://e.org/2", article_html("Two").encode())])
    (tmp_path / "cut.warc.gz").write_bytes(data[:-300])
    got = _read(tmp_path)
    assert [type(g).__name__ for g in got] == ["RawDocument", "Failure"]
    assert got[1].reason == "bad_warc" and "truncated" in got[1].detail
    assert got[1].input.startswith(str(tmp_path / "cut.warc.gz") + ":")
    plain = gzip.decompress(data)
    (tmp_path / "cut.warc.gz").unlink()
    (tmp_path / "cut.warc").write_bytes(plain[:-100])
    assert [type(g).__name__ for g in _read(tmp_path)] == ["RawDocument", "Failure"]


def test_forged_claimwire_records_cost_themselves_not_the_run(tmp_path):
    # KeyError/TypeError out of the reader used to fail the whole pipeline.
    from make_corpus import forged_warc
    (tmp_path / "f.warc.gz").write_bytes(forged_warc())
    got = _read(tmp_path)
    assert len(got) == 6
    assert all(g.reason == "bad_warc" and "unreadable" in g.detail for g in got)
    assert len({g.input for g in got}) == 6        # one row per record, by offset


def test_text_that_is_not_warc_is_reported(tmp_path):
    (tmp_path / "x.warc").write_bytes(b"WARC/1.1\r\nnot a header\r\n\r\n" + b"junk" * 100)
    (got,) = _read(tmp_path)
    assert got.reason == "bad_warc" and "not a WARC record" in got.detail
    # warcio reads other text as (legacy) ARC records; none is a page, and that is reported.
    (tmp_path / "x.warc").write_bytes(b"hello, this is not an archive\r\n\r\n" * 10)
    (got,) = _read(tmp_path)
    assert got.reason == "empty" and "none an HTML page" in got.detail


# ---------------------------------------------------------------- markup shape limits

P = "<p>" + "A paragraph of article text that is long enough to be kept by the extractor. " * 2 + "</p>"


@pytest.mark.parametrize("html, limit", [
    ("<html><body>" + "<div>" * 300 + P + "</div>" * 300 + "</body></html>", "extract.max_depth=256"),
    ("<html><body><article>" + P * 3 + "</article>" + "<a href=#>x</a>" * 10_001 + "</body></html>",
     "extract.max_links=10000"),
    ("<html><body><article>" + P * 3 + "</article>" + "<span>x</span>" * 50_001 + "</body></html>",
     "extract.max_elements=50000"),
])
def test_shape_over_a_limit_is_too_large_with_the_limit_named(html, limit):
    got = extract_html(html, "https://e.org/a", ExtractSettings())
    assert isinstance(got, Failure) and got.reason == "too_large" and limit in got.detail


def test_shape_counts_like_a_lenient_parser():
    # Unclosed optional-end elements and void elements do not deepen the tree.
    html = "<ul>" + "<li>item <br><img src=x>" * 1000 + "</ul><table>" + "<tr><td>1<td>2" * 500 + "</table>"
    shape = markup_shape(html, 256, 10_000, 50_000)
    assert shape.over == "" and shape.depth == 1
    assert markup_shape("<!-- <div><div> --><script><div><div></script><div></div>", 1, 9, 9).depth == 1
    deep = markup_shape("<div>" * 40 + "<a>x</a>" * 3, 256, 10_000, 50_000)
    assert (deep.depth, deep.links, deep.over) == (41, 3, "")
    assert markup_shape("<div>" * 3, 2, 9, 9).over.startswith("extract.max_depth=2")


def test_shape_scan_is_linear_on_hostile_text():
    for hostile in ("<a" * 1_000_000, "<script>" * 250_000, "<!--" * 500_000, "<a " + "x" * 2_000_000):
        t = time.monotonic()
        markup_shape(hostile, 256, 10_000, 50_000)
        assert time.monotonic() - t < 3.0, hostile[:10]


def test_real_pages_pass_the_shape_limits():
    page = ("<html><head><title>t</title><script>var a = '<div>';</script></head><body><nav>"
            + "<a href=/x>x</a>" * 200 + "</nav><article>" + P * 20 + "</article></body></html>")
    got = extract_html(page, "https://e.org/a", ExtractSettings())
    assert not isinstance(got, Failure), got


# ---------------------------------------------------------------- controls in plain text

def test_plain_text_loses_controls_and_bidi_overrides():
    body = article_text("Title").replace("reservoir", "res\u202eervoir\u202c\x0b\x1b", 1) + "\u200c\u200f"
    raw = RawDocument(doc_id="x", input="f.txt", url="file:///f.txt", format="text", body=body)
    art = build_article(raw, ArticleSettings())
    assert "reservoir" in art.text
    for ch in "\u202e\u202c\x0b\x1b":
        assert ch not in art.text
    # Joiners and marks that scripts need (ZWNJ in Persian, RLM) are kept.
    assert "\u200c" in art.text or "\u200c" not in body
