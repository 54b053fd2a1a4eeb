"""Decoding fetched HTML: which source decided, and wrong declarations do not garble text."""
from __future__ import annotations

import codecs

from transforms.core.fetch.encoding import decode_html

FA = "گزارش‌ها می‌گویند ۶۱ نفر کشته شدند و مقام‌ها از تحقیقات خبر دادند."
RU = "Власти сообщили, что в результате удара погибли 61 человек; расследование продолжается."
DE = "Die Straße über den Fluß wurde für Fußgänger geöffnet; Bürger äußerten Ärger über Kosten."


def page(text: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


def test_http_header_decides():
    d = decode_html(page(DE).encode("cp1252"), "text/html; charset=windows-1252")
    assert (d.source, d.encoding) == ("http", "cp1252") and DE in d.text


def test_bom_beats_header():
    body = codecs.BOM_UTF8 + page(FA).encode("utf-8")
    d = decode_html(body, "text/html; charset=iso-8859-1")
    assert d.source == "bom" and FA in d.text
    d16 = decode_html(codecs.BOM_UTF16_LE + page(FA).encode("utf-16-le"), None)
    assert d16.source == "bom" and FA in d16.text


def test_meta_charset_decides_without_header():
    body = page(RU, '<meta charset="windows-1251">').encode("cp1251")
    d = decode_html(body, "text/html")
    assert (d.source, d.encoding) == ("meta", "cp1251") and RU in d.text
    body = page(DE, '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">')
    d = decode_html(body.encode("cp1252"), None)
    assert d.source == "meta" and DE in d.text


def test_wrong_header_utf8_declared_but_cp1252_bytes():
    body = page(DE, '<meta charset="windows-1252">').encode("cp1252")
    d = decode_html(body, "text/html; charset=utf-8")
    assert d.source == "meta" and DE in d.text


def test_latin1_declared_but_utf8_bytes_is_read_as_utf8():
    d = decode_html(page(FA).encode("utf-8"), "text/html; charset=iso-8859-1")
    assert d.source == "utf8" and FA in d.text


def test_no_declaration_detected():
    body = page(RU * 3).encode("cp1251")
    d = decode_html(body, None)
    assert d.source == "detected"
    assert RU in d.text


def test_unknown_label_is_ignored():
    d = decode_html(page(DE).encode("utf-8"), "text/html; charset=x-bogus-42")
    assert d.encoding == "utf-8" and DE in d.text
