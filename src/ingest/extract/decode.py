"""Turn raw page bytes into text: BOM, then ``<meta charset>``, then UTF-8 with replacement.

HTTP-level encoding (``Content-Type``) is handled in ``fetch``; this is the parser's own robust
fallback for bytes that arrive without a known encoding. Pure; never raises.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_html", "sanitize_text"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{1,40})""", re.IGNORECASE
)
#: Labels that browsers map to a superset encoding (WHATWG Encoding Standard).
_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-sjis": "shift_jis",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
}
_SNIFF_BYTES = 4096


def _declared(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    if not match:
        return None
    label = match.group(1).decode("ascii", "replace").strip().lower()
    label = _ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A document that declares UTF-16/32 in ASCII-compatible bytes is really ASCII-compatible.
    return "utf-8" if name.startswith(("utf-16", "utf-32")) else name


def decode_html(data: bytes) -> str:
    """Decode ``data`` to text, choosing the encoding by BOM, then ``<meta charset>``, then UTF-8.

    Undecodable bytes become U+FFFD. Never raises.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, "replace")
    try:  # valid UTF-8 with non-ASCII bytes is almost never another encoding
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    encoding = _declared(data[:_SNIFF_BYTES]) or "utf-8"
    if encoding != "utf-8":
        try:
            return data.decode(encoding, "replace")
        except (LookupError, ValueError):
            pass
    return data.decode("utf-8", "replace")


def sanitize_text(text: str) -> str:
    """Replace lone surrogates so the text is safe to parse (the HTML parser itself maps NUL and
    other controls; ``dom.clean`` drops them from extracted text)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    return text
