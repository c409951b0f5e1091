from __future__ import annotations

import codecs

from hypothesis import given
from hypothesis import strategies as st

from ingest.fetch.encoding import charset_from_content_type, decode_html, sniff_meta_charset

TEXT = "<html><body><p>Café crème, naïve façade — “quoted”</p></body></html>"


def test_header_charset_is_used_when_the_body_matches() -> None:
    text, enc = decode_html(TEXT.encode("utf-8"), "text/html; charset=UTF-8")
    assert (text, enc) == (TEXT, "utf-8")


def test_bom_beats_a_contradicting_header() -> None:
    body = codecs.BOM_UTF8 + TEXT.encode("utf-8")
    text, enc = decode_html(body, "text/html; charset=iso-8859-1")
    assert enc == "utf-8"
    assert text == TEXT


def test_utf16_bom() -> None:
    text, enc = decode_html(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), None)
    assert enc == "utf-16-le"
    assert text == TEXT


def test_meta_charset_when_no_header() -> None:
    html = '<html><head><meta charset="windows-1252"></head><body>Café “x”</body></html>'
    text, enc = decode_html(html.encode("cp1252"), "text/html")
    assert enc == "cp1252"
    assert "Café “x”" in text


def test_meta_http_equiv_form() -> None:
    html = '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r"><p>Привет, мир</p>'
    text, enc = decode_html(html.encode("koi8-r"), None)
    assert enc == "koi8-r"
    assert "Привет, мир" in text


def test_header_says_utf8_but_body_is_cp1252_falls_through() -> None:
    body = ("<p>" + "Le café était très élégant. " * 20 + "</p>").encode("cp1252")
    text, enc = decode_html(body, "text/html; charset=utf-8")
    assert enc != "utf-8"
    assert "Le café était très élégant." in text
    assert "\ufffd" not in text


def test_header_says_latin1_but_body_is_utf8_gives_utf8_not_mojibake() -> None:
    text, enc = decode_html(TEXT.encode("utf-8"), "text/html; charset=ISO-8859-1")
    assert enc == "utf-8"
    assert "Ã" not in text
    assert text == TEXT


def test_latin1_label_means_windows_1252() -> None:
    body = "<p>“smart quotes” café</p>".encode("cp1252")
    text, enc = decode_html(body, "text/html; charset=latin1")
    assert enc == "cp1252"
    assert "“smart quotes”" in text


def test_unknown_declared_charset_is_ignored() -> None:
    text, enc = decode_html(TEXT.encode("utf-8"), "text/html; charset=x-bogus-42")
    assert (text, enc) == (TEXT, "utf-8")


def test_no_declaration_detects_legacy_encoding() -> None:
    body = ("<p>" + "Der Bär aß Äpfel und Öl über der Straße. " * 20 + "</p>").encode("cp1252")
    text, _enc = decode_html(body, None)
    assert "Der Bär aß Äpfel und Öl über der Straße." in text


def test_ascii_body_keeps_declared_name() -> None:
    assert decode_html(b"<p>plain</p>", "text/html; charset=iso-8859-15") == (
        "<p>plain</p>",
        "iso8859-15",
    )


def test_helpers() -> None:
    assert charset_from_content_type('text/html; Charset="Shift_JIS"') == "Shift_JIS"
    assert charset_from_content_type("text/html") is None
    assert charset_from_content_type(None) is None
    assert sniff_meta_charset(b"<head><META CHARSET=euc-jp>") == "euc-jp"
    assert sniff_meta_charset(b"<p>no meta</p>") is None


@given(st.binary(max_size=2000), st.sampled_from([None, "text/html", "text/html; charset=utf-8"]))
def test_never_raises_and_always_names_a_codec(body: bytes, header: str | None) -> None:
    text, enc = decode_html(body, header)
    assert isinstance(text, str)
    assert codecs.lookup(enc)


def test_choose_encoding_matches_decode_html() -> None:
    from ingest.fetch.encoding import choose_encoding, codec_name

    for body, header in [
        (b"<p>plain</p>", "text/html; charset=latin1"),
        (TEXT.encode("utf-8"), "text/html; charset=iso-8859-1"),
        ("<p>Café</p>".encode("cp1252"), None),
    ]:
        assert choose_encoding(body, header) == decode_html(body, header)[1]
    assert codec_name("latin1") == "cp1252"
    assert codec_name("UTF-16") is None
    assert codec_name("nope") is None
