"""Reading inputs: every file ends as documents or failures with a reason."""
import gzip
import json
import os
from pathlib import Path

import pytest

from transforms.core.records import Failure, RawDocument
from transforms.core.sources import (NOTHING_MATCHED, InputFile, ReadLimits, classify_listing, decode_text, discover,
                                     parse_jsonl_record, read_input)

LIMITS = ReadLimits(max_document_bytes=10_000, max_file_bytes=100_000, max_line_bytes=20_000)


def read_all(path: Path, limits: ReadLimits = LIMITS):
    files, failures = discover([str(path)])
    out = list(failures)
    for f in files:
        out.extend(read_input(f, limits))
    return out


def test_seed_text_file_keeps_provenance(seeds_dir):
    docs = read_all(seeds_dir / "000_d8007adc6356e8ed.txt")
    assert len(docs) == 1 and isinstance(docs[0], RawDocument)
    d = docs[0]
    assert d.format == "text" and d.url.startswith("file:///") and d.url.endswith("000_d8007adc6356e8ed.txt")
    assert d.input.endswith("000_d8007adc6356e8ed.txt")
    assert d.body.startswith(" date 2025-11-01")
    assert len(d.doc_id) == 16


def test_html_gz_and_plain(tmp_path):
    page = "<html><head><title>T</title></head><body><p>Hello café</p></body></html>"
    (tmp_path / "a.html").write_text(page, encoding="utf-8")
    (tmp_path / "b.htm.gz").write_bytes(gzip.compress(page.encode("utf-8")))
    docs = read_all(tmp_path)
    assert [type(d) for d in docs] == [RawDocument, RawDocument]
    assert all(d.format == "html" and "café" in d.body for d in docs)


def test_bad_files_become_failures(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "junk.html").write_bytes(os.urandom(64) + b"\x00" * 64)
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4 ...")
    (tmp_path / "fake.txt").write_bytes(b"%PDF-1.4\n" + b"x" * 100)
    (tmp_path / "trunc.html.gz").write_bytes(gzip.compress(b"<p>hello</p>" * 100)[:30])
    (tmp_path / "big.txt").write_text("x" * 20_000)
    out = read_all(tmp_path)
    reasons = {Path(f.input).name: f.reason for f in out if isinstance(f, Failure)}
    assert reasons == {"empty.txt": "empty", "junk.html": "binary", "doc.pdf": "unsupported_format",
                       "fake.txt": "binary", "trunc.html.gz": "bad_gzip", "big.txt": "too_large"}
    assert not [d for d in out if isinstance(d, RawDocument)]


def test_gzip_bomb_is_refused(tmp_path):
    (tmp_path / "bomb.html.gz").write_bytes(gzip.compress(b"<p>a</p>" * 1_000_000))
    (f,) = read_all(tmp_path)
    assert f.reason == "too_large" and "max_document_bytes" in f.detail


def test_jsonl_records_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"url": "https://ex.com/a", "text": "Some text here", "lang": "en", "source": "ex"}),
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"text": "no url"}),
        json.dumps({"url": "https://ex.com/b"}),
        json.dumps({"url": "https://ex.com/c", "html": 5}),
        "",
        json.dumps({"url": "https://ex.com/d", "html": "<p>x</p>", "title": {"x": 1}}),
        json.dumps({"url": "https://ex.com/e", "html": "<p>ok</p>", "published": "2025-10-31", "id": 7}),
    ]
    (tmp_path / "r.jsonl").write_text("\n".join(lines) + "\n")
    out = read_all(tmp_path)
    got = [(o.input.rsplit(":", 1)[1], o.reason if isinstance(o, Failure) else o.url) for o in out]
    assert got == [("1", "https://ex.com/a"), ("2", "bad_json"), ("3", "bad_json"), ("4", "missing_field"),
                   ("5", "missing_field"), ("6", "bad_field"), ("8", "bad_field"), ("9", "https://ex.com/e")]
    assert out[0].lang == "en" and out[0].source == "ex" and out[-1].published == "2025-10-31"


def test_jsonl_overlong_line_is_reported_and_reading_goes_on(tmp_path):
    rec = json.dumps({"url": "https://ex.com/ok", "text": "fine"})
    (tmp_path / "r.jsonl").write_text(json.dumps({"url": "u", "text": "y" * 50_000}) + "\n" + rec + "\n")
    out = read_all(tmp_path)
    assert out[0].reason == "too_large" and out[0].input.endswith(":1")
    assert out[1].url == "https://ex.com/ok"


def test_discover_reports_missing_unsupported_and_loops(tmp_path):
    (tmp_path / "ok.txt").write_text("hello world")
    (tmp_path / "notes.md").write_text("x")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    files, failures = discover([str(tmp_path), str(tmp_path / "missing.txt")])
    assert [Path(f.path).name for f in files] == ["ok.txt"]
    reasons = sorted((Path(f.input).name, f.reason) for f in failures)
    assert reasons == [("dangling.txt", "unreadable"), ("loop", "unsupported_format"),
                       ("missing.txt", "unreadable"), ("notes.md", "unsupported_format")]


def test_decode_text_utf16_without_bom_and_cp1252():
    text = "Venezuela pidió ayuda militar a Rusia"
    assert decode_text(text.encode("utf-16-le"))[0] == text
    decoded, how = decode_text("café au lait, déjà vu, naïve résumé".encode("cp1252"))
    assert decoded is not None and "café" in decoded and how.startswith("detected")


def test_doc_ids_are_stable_and_distinct():
    a = parse_jsonl_record(b'{"url": "u1", "text": "t"}', "f:1", LIMITS)
    b = parse_jsonl_record(b'{"url": "u1", "text": "t"}', "f:2", LIMITS)
    c = parse_jsonl_record(b'{"url": "u2", "text": "t"}', "f:3", LIMITS)
    assert a.doc_id == b.doc_id != c.doc_id


def test_hidden_files_and_folders_are_reported_not_read(tmp_path):
    (tmp_path / "ok.txt").write_text("hello world")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "notes.txt").write_text("not an input")
    files, failures = discover([str(tmp_path)])
    assert [Path(f.path).name for f in files] == ["ok.txt"]
    assert sorted((Path(f.input).name, f.detail) for f in failures) == [
        (".DS_Store", "hidden file or folder not read"), (".git", "hidden file or folder not read")]


def test_a_store_listing_follows_the_rules_of_local_folders():
    listed = ["s3://b/in/a.txt", "s3://b/in/.git/x.txt", "s3://b/in/.git/y/z.txt", "s3://b/in/sub/.DS_Store",
              "s3://b/in/notes.md", "s3://b/in/sub/", "s3://b/in/sub/r.jsonl.gz", "s3://b/in/w.warc.gz"]
    files, failures = classify_listing("s3://b/in", listed)
    assert [(f.path, f.kind) for f in files] == [("s3://b/in/a.txt", "text"), ("s3://b/in/sub/r.jsonl.gz", "jsonl"),
                                                 ("s3://b/in/w.warc.gz", "warc")]
    assert sorted((f.input, f.reason, f.detail) for f in failures) == [
        ("s3://b/in/.git", "unsupported_format", "hidden file or folder not read"),        # once, not per object
        ("s3://b/in/notes.md", "unsupported_format", "unrecognised file type .md"),
        ("s3://b/in/sub/.DS_Store", "unsupported_format", "hidden file or folder not read")]
    # A glob hides what starts with a dot below its fixed part; a file named in full is read.
    files, failures = classify_listing("s3://b/in/*.txt", ["s3://b/in/.h.txt", "s3://b/in/a.txt"])
    assert [f.path for f in files] == ["s3://b/in/a.txt"] and [f.input for f in failures] == ["s3://b/in/.h.txt"]
    files, failures = classify_listing("s3://b/in/.h.txt", ["s3://b/in/.h.txt"])
    assert [f.path for f in files] == ["s3://b/in/.h.txt"] and failures == []


def test_a_url_or_glob_that_matches_nothing_is_a_failure(tmp_path):
    (tmp_path / "a.txt").write_text("hello world")
    (tmp_path / ".b.txt").write_text("hidden")
    listed = {"gs://b/x/": [], "gs://b/y.txt": ["gs://b/y.txt"]}
    files, failures = discover(["gs://b/x/", "gs://b/y.txt", str(tmp_path / "*.txt"), str(tmp_path / "zz*.txt")],
                               listed.__getitem__)
    assert [f.path for f in files] == [str(tmp_path / "a.txt"), "gs://b/y.txt"]
    assert [(f.input, f.reason, f.detail) for f in failures] == [
        (str(tmp_path / "zz*.txt"), "unreadable", NOTHING_MATCHED), ("gs://b/x/", "unreadable", NOTHING_MATCHED)]
    files, failures = discover(["s3://b/k.txt"])           # no lister: a failure, never a crash
    assert files == [] and failures[0].reason == "unreadable"


def test_passes_hold_whole_files_in_order_up_to_the_limit():
    from transforms.core.sources import plan_passes
    files = [InputFile(f"/in/{c}.jsonl", "jsonl") for c in "abcdef"]
    sizes = [3, 4, 10, 1, 1, 2]
    got = [[f.path[4] for f in p] for p in plan_passes(files, sizes, 5)]
    assert got == [["a"], ["b"], ["c"], ["d", "e", "f"]]      # c alone is above the limit: a pass of its own
    assert plan_passes(files, sizes, 0) == [files]              # 0: one pass
    assert plan_passes(files, sizes, 21) == [files]
    assert plan_passes([], [], 5) == [[]]                       # nothing found: still one run, for its failures
    with pytest.raises(ValueError):
        plan_passes(files, sizes[:2], 5)


def test_documents_are_counted_locally_and_estimated_from_size_elsewhere(tmp_path):
    from transforms.core.sources import count_lines, estimate_documents
    from transforms.read import document_estimates
    jl = tmp_path / "a.jsonl"
    jl.write_bytes(b'{"text": "a"}\n' * 7 + b'{"text": "no newline at the end"}')
    gz = tmp_path / "b.jsonl.gz"
    gz.write_bytes(b"\0" * 15_000)
    page = tmp_path / "c.html"
    page.write_text("<p>x</p>")
    assert count_lines(str(jl)) == 8
    files = [InputFile(str(jl), "jsonl"), InputFile(str(gz), "jsonl"), InputFile(str(page), "html"),
             InputFile(str(tmp_path / "gone.warc"), "warc")]
    assert document_estimates(files) == [8, 10, 1, 1]           # 15,000 bytes of gzip at 1,536 a record
    assert estimate_documents(InputFile("s3://b/k.warc.gz", "warc"), 0) == 1
    assert estimate_documents(InputFile("s3://b/k.warc", "warc"), 10 * 65_536) == 10
