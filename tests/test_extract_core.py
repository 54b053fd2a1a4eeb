"""extract_html, decode_html and ExtractSettings: real behaviour on good and hostile input."""
from __future__ import annotations

import codecs
import gzip
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from transforms.core.extract import (
    Extracted,
    ExtractSettings,
    binary_kind,
    _without_controls,
    decode_html,
    extract_html,
)
from transforms.core.records import Failure, Reason

DATA = Path(__file__).parent / "data" / "extract"
SETTINGS = ExtractSettings()
PARAGRAPH = ("Die Stadtverwaltung teilte am Montag mit, dass die Brücke über den Fluss wegen "
             "Schäden gesperrt bleibt. Grüße an alle Pendler, die nun Umwege fahren müssen. ")
PAGE = ("<!DOCTYPE html><html lang='de'><head><meta charset='{charset}'><title>Brücke gesperrt</title>"
        "</head><body><nav><a href='/'>Start</a></nav><article><h1>Brücke gesperrt</h1>"
        + "".join(f"<p>{PARAGRAPH} Absatz {i}.</p>" for i in range(6))
        + "</article><footer>Impressum</footer></body></html>")


def page(charset: str = "utf-8") -> str:
    return PAGE.format(charset=charset)


def real_page() -> bytes:
    return gzip.decompress((DATA / "galore_de.html.gz").read_bytes())


def reason(result: object) -> str:
    assert isinstance(result, Failure), result
    assert result.stage == "extract"
    return result.reason


# ---------------------------------------------------------------- settings

def test_settings_from_mapping_types_and_unknown_keys() -> None:
    s = ExtractSettings.from_mapping({"favor_precision": True, "max_seconds": 5, "min_text_chars": 10})
    assert s.favor_precision and s.max_seconds == 5.0 and isinstance(s.max_seconds, float)
    assert s.min_text_chars == 10
    with pytest.raises(ValueError, match="unknown key.*favour_precision"):
        ExtractSettings.from_mapping({"favour_precision": True})
    with pytest.raises(ValueError, match="include_tables must be bool"):
        ExtractSettings.from_mapping({"include_tables": "yes"})
    with pytest.raises(ValueError, match="min_text_chars must be int"):
        ExtractSettings.from_mapping({"min_text_chars": True})
    with pytest.raises(ValueError, match="exclude each other"):
        ExtractSettings.from_mapping({"favor_precision": True, "favor_recall": True})


def test_settings_label_names_mode_and_flags() -> None:
    assert ExtractSettings().label() == "balanced"
    assert ExtractSettings(favor_precision=True, no_fallback=True).label() == "precision+fast"
    assert ExtractSettings(favor_recall=True, include_tables=False).label() == "recall+no-tables"


# ---------------------------------------------------------------- decoding

def test_decode_bom_beats_wrong_header() -> None:
    raw = codecs.BOM_UTF8 + "<p>Grüße</p>".encode()
    assert decode_html(raw, "iso-8859-1") == ("<p>Grüße</p>", "bom")


def test_decode_header_then_meta() -> None:
    raw = page("utf-8").encode("cp1252")
    text, how = decode_html(raw, "windows-1252")
    assert how == "header" and "Grüße" in text
    text, how = decode_html(page("windows-1252").encode("cp1252"))
    assert how == "meta" and "Grüße" in text


def test_decode_wrong_header_falls_through() -> None:
    # Header claims UTF-8 but the bytes are windows-1252: strict decoding fails, meta decides.
    text, how = decode_html(page("windows-1252").encode("cp1252"), "utf-8")
    assert how == "meta" and "Grüße" in text


def test_decode_wrong_meta_charset_utf8_labelled_latin1() -> None:
    text, how = decode_html(page("iso-8859-1").encode("utf-8"))
    assert how == "detected" and "Grüße" in text and "Ã" not in text


def test_decode_wrong_meta_charset_latin1_labelled_utf8() -> None:
    text, how = decode_html(page("utf-8").encode("cp1252"))
    assert how == "detected" and "Grüße" in text and "\ufffd" not in text


def test_decode_utf8_page_with_stray_latin1_bytes() -> None:
    # A UTF-8 page (declared so) with one windows-1252 word pasted in: strict UTF-8 fails, but
    # the page must not be handed to a detector that would garble every correct umlaut.
    raw = page("utf-8").encode("utf-8").replace(b"Absatz 3", "Gemüse 3".encode("cp1252"))
    text, how = decode_html(raw)
    assert how == "detected"
    assert text.count("Grüße") == 6 and "Gemüse 3" in text


def test_decode_true_legacy_page_is_not_read_as_utf8() -> None:
    raw = page("").encode("cp1252")  # no usable declaration, windows-1252 bytes throughout
    text, how = decode_html(raw)
    assert how == "detected" and text.count("Grüße") == 6


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_decode_utf16_without_bom(codec: str) -> None:
    raw = page("utf-16").encode(codec)
    assert not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    text, how = decode_html(raw)
    assert how == "utf16-sniff" and "Grüße" in text


def test_decode_utf16_label_on_ascii_bytes_is_not_trusted() -> None:
    raw = page("utf-16").encode("utf-8")
    for declared in (None, "utf-16"):
        text, how = decode_html(raw, declared)
        assert "Grüße" in text and how in {"meta", "detected"}


def test_decode_unknown_charset_label_is_ignored() -> None:
    text, how = decode_html(page("x-no-such-charset").encode("utf-8"), "bogus")
    assert how == "detected" and "Grüße" in text


# ---------------------------------------------------------------- extraction

def test_extract_article_text_and_metadata() -> None:
    result = extract_html(page().encode("utf-8"), "https://example.org/a", SETTINGS)
    assert isinstance(result, Extracted)
    assert result.title == "Brücke gesperrt"
    assert "wegen Schäden gesperrt" in result.text and "Absatz 5." in result.text
    assert "Impressum" not in result.text and "Start" not in result.text.split("\n")
    assert result.lang == "de" and result.encoding == "meta"
    assert result.extractor.startswith("trafilatura 2.") and result.extractor.endswith("balanced")
    # one paragraph per line, no blank lines, no runs of spaces
    assert "\n\n" not in result.text and "  " not in result.text
    assert len(result.text.split("\n")) >= 6


def _dated_page(head: str = "", body: str = "") -> str:
    return (f"<html><head><title>Brücke gesperrt</title>{head}</head><body><article>"
            f"<p>{PARAGRAPH}</p>{body}<p>{PARAGRAPH}</p></article></body></html>")


def test_date_from_page_metadata_wins_over_a_date_in_the_text() -> None:
    html = _dated_page('<meta property="article:published_time" content="2021-03-04T10:00:00+01:00">',
                       "<p>Veröffentlicht am 7. Mai 2020 von Anna</p>")
    result = extract_html(html, "https://example.org/a", SETTINGS)
    assert isinstance(result, Extracted) and result.published == "2021-03-04"


def test_date_from_the_url_when_the_page_has_none() -> None:
    result = extract_html(_dated_page(), "https://example.org/2019/11/05/bruecke", SETTINGS)
    assert isinstance(result, Extracted) and result.published == "2019-11-05"


def test_date_written_only_in_the_text_is_found_by_the_full_text_search() -> None:
    # htmldate's fast mode would miss a date in words.
    for line, day in (("<p>Veröffentlicht am 3. März 2021 von Anna</p>", "2021-03-03"),
                      ("<p>Published March 3, 2021, by Anna</p>", "2021-03-03")):
        result = extract_html(_dated_page(body=line), "file:///corpus/000001.html", SETTINGS)
        assert isinstance(result, Extracted) and result.published == day, line


def test_without_metadata_no_title_no_date() -> None:
    settings = ExtractSettings(with_metadata=False)
    html = _dated_page('<meta property="article:published_time" content="2021-03-04">')
    result = extract_html(html, "https://example.org/2019/11/05/a", settings)
    assert isinstance(result, Extracted) and "wegen Schäden" in result.text
    assert result.published is None and result.title == "" and result.sitename is None


def test_extract_str_and_bytes_agree() -> None:
    as_bytes = extract_html(page().encode("utf-8"), None, SETTINGS)
    as_str = extract_html(page(), None, SETTINGS)
    assert isinstance(as_bytes, Extracted) and isinstance(as_str, Extracted)
    assert as_bytes.text == as_str.text and as_str.encoding == ""


@pytest.mark.parametrize("raw,expected", [
    (b"", Reason.EMPTY), (b" \n\t ", Reason.EMPTY), ("", Reason.EMPTY),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >>\nendobj\n", Reason.BINARY),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), Reason.BINARY),
    (gzip.compress(b"<html><body><p>x</p></body></html>", mtime=0), Reason.BINARY),
    (b"just a line of plain text, no markup at all", Reason.NO_TEXT),
    (b"<html><body><nav><a href='/'>Home</a></nav></body></html>", Reason.NO_TEXT),
])
def test_bad_inputs_are_typed_failures(raw: bytes, expected: Reason) -> None:
    assert reason(extract_html(raw, "file:///x.html", SETTINGS)) == expected.value


def test_binary_junk_is_binary() -> None:
    junk = random.Random(0).randbytes(20_000)
    result = extract_html(junk, "junk.html", SETTINGS)
    assert reason(result) == Reason.BINARY.value
    assert result.input == "junk.html"  # type: ignore[union-attr]


def test_binary_magic_names_format() -> None:
    assert binary_kind(b"  %PDF-1.4") == "pdf"
    assert binary_kind(b"PK\x03\x04rest") == "zip"
    assert binary_kind(b"<!doctype html>") is None


def test_too_large_names_the_limit() -> None:
    small = ExtractSettings(max_bytes=1000)
    for raw in (page().encode("utf-8"), page()):
        result = extract_html(raw, "u", small)
        assert reason(result) == Reason.TOO_LARGE.value
        assert "extract.max_bytes=1000" in result.detail  # type: ignore[union-attr]


def test_min_text_chars() -> None:
    html = "<html><body><article><p>Kurzer Text hier.</p></article></body></html>"
    assert isinstance(extract_html(html, None, ExtractSettings(min_text_chars=5)), Extracted)
    assert reason(extract_html(html, None, ExtractSettings(min_text_chars=500))) == Reason.NO_TEXT.value


def test_nul_bytes_in_real_page_are_dropped() -> None:
    raw = real_page()
    # a few stray NULs, as from a broken CMS or a truncated transfer
    step = len(raw) // 6
    holed = b"".join(raw[i:i + step] + b"\x00" for i in range(0, len(raw), step))
    clean, dirty = extract_html(raw, None, SETTINGS), extract_html(holed, None, SETTINGS)
    assert isinstance(clean, Extracted) and isinstance(dirty, Extracted)
    assert "\x00" not in dirty.text
    assert dirty.title == clean.title


def test_mostly_nul_is_binary() -> None:
    assert reason(extract_html(b"<html>" + bytes(5000) + b"</html>", None, SETTINGS)) == Reason.BINARY.value


def test_utf16_page_without_bom_extracts() -> None:
    result = extract_html(page("utf-16").encode("utf-16-le"), None, SETTINGS)
    assert isinstance(result, Extracted) and "Grüße an alle Pendler" in result.text
    assert result.encoding == "utf16-sniff"


def test_wrong_meta_charset_page_is_not_garbled() -> None:
    result = extract_html(page("iso-8859-1").encode("utf-8"), None, SETTINGS)
    assert isinstance(result, Extracted) and "Grüße" in result.text and "Ã" not in result.text


def test_bidi_overrides_removed() -> None:
    html = page().replace("Absatz 1.", "Absatz \u202eeins\u202c 1.")
    result = extract_html(html, None, SETTINGS)
    assert isinstance(result, Extracted)
    assert "\u202e" not in result.text and "eins 1." in result.text


def test_deeply_nested_markup_does_not_raise() -> None:
    html = "<html><body>" + "<div>" * 50_000 + f"<p>{PARAGRAPH}</p>" + "</div>" * 50_000 + "</body></html>"
    result = extract_html(html, None, SETTINGS)
    assert isinstance(result, (Extracted, Failure))


def test_nesting_that_lxml_cuts_is_too_large() -> None:
    # 254 <div>s plus <html>, <body>, <p>: 257 levels, past libxml2's 256, which would drop the
    # paragraph silently. (A markup scan that does not count <html>/<body>/<p> sees 254.)
    html = "<html><body>" + "<div>" * 254 + f"<p>{PARAGRAPH}</p>" + "</div>" * 254 + "</body></html>"
    got = extract_html(html, None, SETTINGS)
    assert reason(got) == "too_large" and "extract.max_depth=256" in got.detail
    ok = html.replace("<div>" * 254, "<div>" * 200).replace("</div>" * 254, "</div>" * 200)
    assert isinstance(extract_html(ok, None, SETTINGS), Extracted)


def test_shape_limits_are_configurable() -> None:
    nested = "<html><body>" + "<div>" * 30 + f"<p>{PARAGRAPH}</p>" + "</div>" * 30 + "</body></html>"
    got = extract_html(nested, None, ExtractSettings(max_depth=20))
    assert reason(got) == "too_large" and "extract.max_depth=20" in got.detail
    assert isinstance(extract_html(nested, None, ExtractSettings(max_depth=40)), Extracted)
    links = page().replace("<footer>", "<footer>" + "<a href='/x'>x</a>" * 12)
    got = extract_html(links, None, ExtractSettings(max_links=10))
    assert reason(got) == "too_large" and "extract.max_links=10 (" in got.detail
    got = extract_html(page(), None, ExtractSettings(max_elements=10))
    assert reason(got) == "too_large" and "extract.max_elements=10 (" in got.detail


def test_wrong_type_is_a_bug() -> None:
    with pytest.raises(TypeError):
        extract_html(123, None, SETTINGS)  # type: ignore[arg-type]


# ---------------------------------------------------------------- fuzzing

_tags = st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<article>", "<script>", "<!--", "-->",
                         "<html>", "<body>", "<meta charset='utf-16'>", "<table><tr><td>", "&amp;",
                         "&#0;", "\x00", "\ufeff", "\u202e", "<![CDATA[", "<?xml version='1.0'?>"])
_html = st.lists(st.one_of(_tags, st.text(max_size=40)), max_size=40).map("".join)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000), _html, _html.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_fuzz_never_raises(html: object) -> None:
    result = extract_html(html, "fuzz", SETTINGS)  # type: ignore[arg-type]
    assert isinstance(result, (Extracted, Failure))
    if isinstance(result, Extracted):
        assert result.text and "\x00" not in result.text


@hsettings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000), st.one_of(st.none(), st.sampled_from(["utf-8", "latin-1", "utf-16", "bogus", ""])))
def test_fuzz_decode_never_raises(raw: bytes, declared: str | None) -> None:
    text, how = decode_html(raw, declared)
    assert isinstance(text, str)
    assert how in {"header", "bom", "meta", "detected", "utf16-sniff"}


_CONTROL_CHARS = "".join(map(chr, [*range(0x00, 0x20), *range(0x7F, 0xA1)])) + "\ud800\udfff\u00e4\u0100\u00c2"


@given(st.text(alphabet=st.sampled_from(_CONTROL_CHARS) | st.characters(), max_size=200))
@hsettings(max_examples=300, deadline=None)
def test_without_controls_is_the_regex_and_the_surrogate_replacement(text: str) -> None:
    slow = re.sub("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]", "", text)
    assert _without_controls(text) == slow.encode("utf-8", errors="replace").decode("utf-8")
