from __future__ import annotations

import pytest

from ingest.discover._xml import decode_xml, parse_xml, root_name, scan_records

KOI8 = b'<?xml version="1.0" encoding="koi8-r"?>'
UNKNOWN = b'<?xml version="1.0" encoding="no-such-codec"?>'
RSS091_DOCTYPE = '<!DOCTYPE rss PUBLIC "-//N//DTD RSS 0.91//EN" "http://x/rss.dtd">'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"\xef\xbb\xbf  \n<?xml version='1.0'?><a/>", "<?xml version='1.0'?><a/>"),
        ("\ufeff\n<a/>", "<a/>"),
        ("<a>é</a>".encode("utf-16"), "<a>é</a>"),
        (KOI8 + b"<a>\xc1</a>", KOI8.decode() + "<a>а</a>"),
        (UNKNOWN + b"<a>\xc3\xa9</a>", UNKNOWN.decode() + "<a>é</a>"),
        (b"<a>\xff</a>", "<a>\ufffd</a>"),
    ],
)
def test_decode_xml(body: bytes | str, expected: str) -> None:
    assert decode_xml(body) == expected


def test_entity_declarations_are_refused() -> None:
    assert parse_xml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>') is None
    assert parse_xml('<!doctype a [<!entity x SYSTEM "file:///etc/passwd">]><a>&x;</a>') is None


def test_doctype_without_entities_is_removed() -> None:
    root = parse_xml('<?xml version="1.0"?>' + RSS091_DOCTYPE + '<rss v="1"/>')
    assert root is not None and root.tag == "rss"


def test_html_entities_and_bare_ampersands_are_repaired_outside_cdata() -> None:
    root = parse_xml("<a><b>x&nbsp;&mdash;y & z&#233;</b><c><![CDATA[&nbsp; & raw]]></c></a>")
    assert root is not None
    assert root.findtext("b") == "x\xa0\u2014y & zé"
    assert root.findtext("c") == "&nbsp; & raw"


def test_invalid_character_reference_is_escaped() -> None:
    root = parse_xml("<a>&#0;&#x1;ok</a>")
    assert root is not None and root.findtext(".") == "&#0;&#x1;ok"


def test_root_name_skips_prolog() -> None:
    text = '<?xml version="1.0"?><?xml-stylesheet href="s.xsl"?><!-- c --><!DOCTYPE x><ns:URLSET/>'
    assert root_name(text) == "urlset"
    assert root_name("no markup") == ""


def test_scan_records_reads_leaves_attributes_and_cdata() -> None:
    text = (
        '<rss><item rdf:about="https://e.com/1"><title><![CDATA[A <b>&amp;</b>]]></title>'
        '<atom:link href="/x" rel="alternate"/><dc:date>2024-01-01</dc:date>'
        "<media:group><media:title>skip me</media:title></media:group></item></rss>"
    )
    (record,) = scan_records(text, {"item"}, skip={"group"})
    assert record.attrs == {"about": "https://e.com/1"}
    assert record.first("title") == "A <b>&amp;</b>"
    assert record.first("date", prefix="dc") == "2024-01-01"
    links = [leaf for leaf in record.leaves if leaf.name == "link"]
    assert links[0].attrs == {"href": "/x", "rel": "alternate"}
    assert all(leaf.text != "skip me" for leaf in record.leaves)
