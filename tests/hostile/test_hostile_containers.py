"""Issue 15: containers made the way an attacker or a broken disk would make them, on the core reader.

Truncated and concatenated gzip members, WARC headers cut at every byte offset of the first 200
bytes, and a WARC record whose Content-Length lies in either direction. The reader must return
documents or typed failures for every one of them and never raise (a raise used to fail the run).
"""
from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import (_warc_bytes, article_html, concatenated_gzip_html, concatenated_gzip_jsonl,
                         lying_warc)

from transforms.core.records import Failure, RawDocument
from transforms.core.sources import InputFile, ReadLimits, kind_of, read_input

LIMITS = ReadLimits(max_document_bytes=100_000, max_file_bytes=1_000_000, max_line_bytes=100_000)
PAGES = [("https://e.org/1", article_html("One").encode()), ("https://e.org/2", article_html("Two").encode())]


def _read(path: Path) -> list:
    kind = kind_of(str(path))
    assert kind, path
    return list(read_input(InputFile(str(path), kind), LIMITS))     # raises = the test fails


# ---------------------------------------------------------------- gzip members

def test_concatenated_gzip_members_are_one_document(tmp_path):
    p = tmp_path / "two-members.html.gz"
    data, title = concatenated_gzip_html()
    p.write_bytes(data)
    (doc,) = _read(p)
    assert isinstance(doc, RawDocument)
    assert title in doc.body and doc.body.rstrip().endswith("</html>")     # the second member is read


def test_concatenated_gzip_members_of_json_lines(tmp_path):
    p = tmp_path / "two-members.jsonl.gz"
    p.write_bytes(concatenated_gzip_jsonl())
    got = _read(p)
    assert [type(g).__name__ for g in got] == ["RawDocument", "RawDocument"]


@pytest.mark.parametrize("suffix", [".html.gz", ".jsonl.gz", ".warc.gz"])
def test_gzip_member_cut_at_every_offset(tmp_path, suffix):
    if suffix == ".warc.gz":
        data = _warc_bytes(PAGES[:1])
    elif suffix == ".jsonl.gz":
        data = concatenated_gzip_jsonl()
    else:
        data = concatenated_gzip_html()[0]
    p = tmp_path / f"cut{suffix}"
    reasons = set()
    for n in range(1, len(data)):
        p.write_bytes(data[:n])
        got = _read(p)
        assert got, n
        for g in got:
            if isinstance(g, Failure):
                reasons.add(g.reason)
    # every cut is reported; never taken for a whole, readable file without a failure
    assert reasons <= {"bad_gzip", "bad_warc", "empty"}, reasons
    assert reasons & {"bad_gzip", "bad_warc"}


def test_trailing_garbage_after_a_gzip_member_is_bad_gzip(tmp_path):
    p = tmp_path / "junk.html.gz"
    p.write_bytes(gzip.compress(article_html("Junk after").encode(), mtime=0) + b"not gzip")
    (got,) = _read(p)
    assert isinstance(got, Failure) and got.reason == "bad_gzip" and "after the last gzip member" in got.detail
    p.write_bytes(gzip.compress(article_html("Zero padding").encode(), mtime=0) + b"\x00" * 512)
    (got,) = _read(p)
    assert isinstance(got, RawDocument)         # tape-style zero padding is not damage


# ---------------------------------------------------------------- WARC headers cut short

@pytest.mark.parametrize("compressed", [True, False], ids=["warc.gz", "warc"])
def test_warc_header_cut_at_every_byte_of_the_first_200(tmp_path, compressed):
    """The issue's case among them: 60 bytes of a gzipped WARC header (warcio raised AttributeError)."""
    whole = _warc_bytes(PAGES[:1])
    data = whole if compressed else gzip.decompress(whole)
    p = tmp_path / ("cut.warc.gz" if compressed else "cut.warc")
    for n in range(1, 201):
        p.write_bytes(data[:n])
        got = _read(p)
        assert len(got) == 1, (n, got)
        (f,) = got
        assert isinstance(f, Failure) and f.reason == "bad_warc" and f.stage == "read", (n, f)
        assert f.input.startswith(str(p)), (n, f)


def test_the_issue_60_byte_warc(tmp_path):
    p = tmp_path / "issue.warc.gz"
    p.write_bytes(_warc_bytes(PAGES[:1])[:60])
    (f,) = _read(p)
    assert (f.reason, f.input) == ("bad_warc", str(p))


# ---------------------------------------------------------------- Content-Length lies

@pytest.mark.parametrize("compressed", [True, False], ids=["warc.gz", "warc"])
@pytest.mark.parametrize("delta", [-300, -50, -2, 50, 10**12])
def test_warc_content_length_that_lies(tmp_path, compressed, delta):
    p = tmp_path / ("lie.warc.gz" if compressed else "lie.warc")
    p.write_bytes(lying_warc(PAGES, delta, compressed))
    got = _read(p)
    first = [g for g in got if isinstance(g, RawDocument) and g.url == PAGES[0][0]]
    # the lying record is never published with a body cut short or run into the next record
    assert not first, (delta, got)
    assert any(isinstance(g, Failure) and g.reason == "bad_warc" for g in got), got
    if compressed:
        # one gzip member per record: the next record is still read
        assert [g.url for g in got if isinstance(g, RawDocument)] == [PAGES[1][0]]


def test_lying_warc_helper_changes_only_the_first_length():
    data = gzip.decompress(lying_warc(PAGES, 7, True))
    lengths = [int(x) for x in re.findall(rb"\r\nContent-Length: (\d+)\r\n", data)]
    honest = [int(x) for x in re.findall(rb"\r\nContent-Length: (\d+)\r\n", gzip.decompress(_warc_bytes(PAGES)))]
    assert lengths[0] == honest[0] + 7 and lengths[1:] == honest[1:]
