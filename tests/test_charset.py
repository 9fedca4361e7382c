"""Character sets: a header that contradicts the bytes loses; windows-1252 pages keep their curly quotes."""

from __future__ import annotations

import pytest

from monitor.charset import detect_encoding, header_charset

TEXT = "Ketua KPU Kaltim menyebut “distribusi logistik berjalan lancar” – termasuk ke Mahakam Ulu, kata dia."


def page(meta: str = "") -> str:
    return f"<html><head>{meta}<title>KPU Kaltim</title></head><body><p>{TEXT}</p></body></html>"


def decoded(content: bytes, declared: str | None) -> str:
    return content.decode(detect_encoding(content, declared))


@pytest.mark.parametrize("declared", ["iso-8859-1", "ISO-8859-1", "windows-1252", "ascii", None])
def test_utf8_bytes_win_over_a_wrong_header(declared: str | None) -> None:
    content = page('<meta charset="iso-8859-1">').encode("utf-8")
    assert detect_encoding(content, declared) == "utf-8"
    assert TEXT in content.decode("utf-8")


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="windows-1252">',
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
        "<meta charset=Windows-1252>",
    ],
)
def test_cp1252_meta_beats_a_wrong_utf8_header(meta: str) -> None:
    content = page(meta).encode("cp1252")
    assert detect_encoding(content, "utf-8") == "cp1252"
    assert TEXT in decoded(content, "utf-8")


@pytest.mark.parametrize("label", ["iso-8859-1", "ISO-8859-1", "latin-1", "us-ascii"])
def test_iso_8859_1_label_means_cp1252(label: str) -> None:
    # as in browsers: bytes 0x80-0x9F under an ISO-8859-1 label are windows-1252 punctuation
    content = page(f'<meta charset="{label}">').encode("cp1252")
    assert detect_encoding(content, None) == "cp1252"
    assert "\x93" not in decoded(content, None)
    assert TEXT in decoded(content, None)


def test_iso_8859_1_header_means_cp1252() -> None:
    content = page().encode("cp1252")
    assert detect_encoding(content, "iso-8859-1") == "cp1252"
    assert TEXT in decoded(content, "iso-8859-1")


def test_xml_declaration_is_read() -> None:
    content = f'<?xml version="1.0" encoding="ISO-8859-1"?><rss><title>{TEXT}</title></rss>'.encode("cp1252")
    assert detect_encoding(content, None) == "cp1252"
    assert TEXT in decoded(content, None)


@pytest.mark.parametrize(
    "text",
    [
        page(),
        TEXT,
        "“Kami siap,” ujar Ketua KPU – Samarinda.",
        "<p>Ia berharap ‘partisipasi’ pemilih naik…</p>",
    ],
)
@pytest.mark.parametrize("declared", [None, "utf-8"])
def test_undeclared_cp1252_still_decodes_the_quotes(text: str, declared: str | None) -> None:
    content = text.encode("cp1252")
    assert decoded(content, declared) == text


@pytest.mark.parametrize(
    ("content", "codec", "text"),
    [
        (("\ufeff" + TEXT).encode("utf-8"), "utf-8-sig", TEXT),
        (("\ufeff" + TEXT).encode("utf-16-le"), "utf-16", TEXT),
        (("\ufeff" + TEXT).encode("utf-16-be"), "utf-16", TEXT),
    ],
)
def test_byte_order_mark_wins(content: bytes, codec: str, text: str) -> None:
    assert detect_encoding(content, "iso-8859-1") == codec
    assert content.decode(codec) == text


def test_plain_ascii_is_utf8() -> None:
    assert detect_encoding(b"<p>KPU Kaltim</p>", "iso-8859-1") == "utf-8"
    assert detect_encoding(b"", None) == "utf-8"


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        ("text/html; charset=ISO-8859-1", "ISO-8859-1"),
        ('text/html;charset="utf-8"', "utf-8"),
        ("text/html; Charset=windows-1252; foo=bar", "windows-1252"),
        ("application/rss+xml; charset='utf-8'", "utf-8"),
        ("text/html", None),
        ("", None),
    ],
)
def test_header_charset(content_type: str, charset: str | None) -> None:
    assert header_charset(content_type) == charset
