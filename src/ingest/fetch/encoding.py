"""Choosing the character encoding of an HTML body. Pure: bytes in, text and a name out.

Order: byte-order mark, HTTP ``Content-Type`` charset, ``<meta charset>`` (or the http-equiv
form) in the first bytes, then statistical detection (charset-normalizer). A BOM wins over a
header that contradicts it (as browsers do). A declared charset is only trusted when the body
decodes under it without error; a legacy single-byte declaration on a body that is valid
UTF-8 with non-ASCII bytes is treated as mis-declared (the classic ``Ã©`` mojibake) and UTF-8
wins. Whatever happens, the result is readable text: the last resort is UTF-8 with
replacement characters.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

__all__ = [
    "charset_from_content_type",
    "choose_encoding",
    "codec_name",
    "decode_html",
    "sniff_meta_charset",
]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.I)
_PRESCAN = 4096
#: Labels browsers read as windows-1252 (WHATWG Encoding Standard).
_AS_1252 = frozenset({"latin-1", "iso8859-1", "ascii", "iso-8859-1", "us-ascii", "cp1252"})
_SINGLE_BYTE_PREFIXES = ("cp", "iso8859", "latin", "koi8", "mac", "windows", "tis")
_DETECT_LIMIT = 256 * 1024
#: Legacy encodings of the WHATWG Encoding Standard (Python codec names): detection only
#: picks among these, never Mac or DOS code pages no web page declares.
_WEB_ENCODINGS = frozenset(
    {
        "utf-8",
        "cp866",
        "koi8-r",
        "koi8-u",
        "gb18030",
        "gbk",
        "big5",
        "euc_jp",
        "iso2022_jp",
        "shift_jis",
        "cp932",
        "euc_kr",
        "cp874",
        *(f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)),
        *(f"cp{n}" for n in range(1250, 1259)),
    }
)


def charset_from_content_type(header: str | None) -> str | None:
    """The ``charset`` parameter of a ``Content-Type`` header, or None."""
    if not header:
        return None
    for part in header.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def sniff_meta_charset(body: bytes) -> str | None:
    """The charset declared by a ``<meta>`` tag in the first 4 KiB of ``body``, or None."""
    match = _META.search(body[:_PRESCAN])
    return match.group(1).decode("ascii") if match else None


def _codec(label: str | None) -> str | None:
    """Python codec name for an encoding label, or None when unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    if name in _AS_1252:
        return "cp1252"
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return None  # only a BOM can establish UTF-16/32 in HTML
    return name


def _is_single_byte(name: str) -> bool:
    return name.startswith(_SINGLE_BYTE_PREFIXES)


def _try(body: bytes, name: str) -> str | None:
    try:
        text = body.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None
    if _is_single_byte(name) and not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return text
        return None  # valid UTF-8 declared as a legacy charset: mis-declared
    return text


def _web_candidate(encoding: str) -> str | None:
    """The codec name if ``encoding`` is one the web actually uses (WHATWG labels), else None."""
    name = _codec(encoding)
    return name if name in _WEB_ENCODINGS else None


def _detect(body: bytes) -> tuple[str, str]:
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    matches = from_bytes(body[:_DETECT_LIMIT])
    ranked: list[tuple[float, int, float, str]] = []
    for match in matches:
        name = _web_candidate(match.encoding)
        if name is not None:
            # chaos rounded so near-ties go to windows-1252, the web's legacy default
            ranked.append((round(match.chaos, 1), name != "cp1252", -match.coherence, name))
    if not ranked and matches.best() is not None:
        best = matches.best()
        assert best is not None
        ranked.append((0.0, True, 0.0, _codec(best.encoding) or best.encoding))
    for *_, name in sorted(ranked):
        try:
            return body.decode(name, errors="replace"), name
        except LookupError:
            continue
    return body.decode("utf-8", errors="replace"), "utf-8"


def decode_html(body: bytes, content_type_header: str | None) -> tuple[str, str]:
    """Decode an HTML body and say which encoding was used (a Python codec name).

    Never raises: undecodable bytes end up as U+FFFD in the last-resort UTF-8 decoding.
    """
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(bom_codec, errors="replace"), bom_codec
    if body.isascii():
        declared = _codec(charset_from_content_type(content_type_header))
        return body.decode("ascii"), declared or "utf-8"
    for label in (charset_from_content_type(content_type_header), sniff_meta_charset(body)):
        name = _codec(label)
        if name is None:
            continue
        text = _try(body, name)
        if text is not None:
            return text, name
    return _detect(body)


def choose_encoding(body: bytes, content_type_header: str | None) -> str:
    """The encoding :func:`decode_html` would pick, without building the text when the whole
    body is ASCII."""
    if body.isascii():
        return codec_name(charset_from_content_type(content_type_header)) or "utf-8"
    return decode_html(body, content_type_header)[1]


def codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label as a web page would mean it (``latin-1`` is
    windows-1252; UTF-16/32 labels are ignored), or None when unknown."""
    return _codec(label)
