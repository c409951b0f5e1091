"""URL canonicalisation (pure).

``canonicalize`` maps the many spellings of one article URL to a single string, so the
frontier and the store see one key per article. The rules (see ``docs/discovery.md``):

* relative URLs are resolved against ``base``; only ``http``/``https`` survive;
* scheme and host are lower-cased, the host is IDNA-encoded, a trailing dot is dropped,
  user info is dropped, the default port is dropped;
* percent-encoding is normalised (upper-case hex, unreserved characters decoded, characters
  that must be encoded are encoded as UTF-8), dot segments are resolved, an empty path is ``/``;
* session ids (``;jsessionid=...``) are removed from the path, the fragment is dropped;
* tracking and session parameters (``utm_*``, ``fbclid``, ``gclid``...) are removed and the
  remaining query parameters are sorted by name (stable: repeated names keep their order).

Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from urllib.parse import unquote, unquote_to_bytes, urljoin, urlsplit, urlunsplit

__all__ = [
    "TRACKING_PARAMS",
    "canonicalize",
    "choose_canonical",
    "host_of",
    "same_site",
    "site_of",
    "url_key",
]

#: Query parameter names removed by ``canonicalize`` (compared case-insensitively).
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "_openstat",
        "igshid",
        "yclid",
        "ysclid",
        "ref_src",
        "ref_url",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mkt_tok",
        "vero_id",
        "vero_conv",
        "oly_anon_id",
        "oly_enc_id",
        "rb_clickid",
        "s_cid",
        "cmpid",
        "ncid",
        "ocid",
        "sr_share",
        "spm",
        "wt.mc_id",
        "wt_mc_id",
        "at_medium",
        "at_campaign",
        "itm_source",
        "itm_medium",
        "itm_campaign",
        "itm_content",
        "pk_campaign",
        "pk_kwd",
        "pk_source",
        "pk_medium",
        "pk_content",
        "mtm_campaign",
        "mtm_source",
        "mtm_medium",
        "jsessionid",
        "phpsessid",
        "sessionid",
    }
)
#: Name prefixes of tracking parameters (``utm_source``, ``utm_medium``, ``hsa_cam``...).
_TRACKING_PREFIXES = ("utm_", "hsa_", "__hs")

_SITE_PREFIXES = ("www.", "m.", "amp.", "mobile.")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS = frozenset("!$&'()*+,;=")
_PATH_SAFE = _UNRESERVED | _SUB_DELIMS | frozenset(":@/")
# In a query component "&" and "=" separate parameters and are handled by the caller.
_QUERY_PART_SAFE = (_UNRESERVED | _SUB_DELIMS | frozenset(":@/?")) - frozenset("&=")
_HEX = frozenset("0123456789abcdefABCDEF")
_HOST_NAME = re.compile(
    r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$"
)
_STRIP_CHARS = re.compile(r"[\t\n\r]")
_ABSOLUTE = re.compile(r"^https?://[^/\\]", re.IGNORECASE)
_SESSION_IN_PATH = re.compile(r";(?:jsessionid|phpsessid|sessionid)=[^/;]*", re.IGNORECASE)


def canonicalize(url: str, *, base: str | None = None) -> str | None:
    """The canonical form of ``url`` (resolved against ``base`` when relative).

    Returns ``None`` for anything that is not a well-formed ``http``/``https`` URL with a host
    (``javascript:``, ``mailto:``, ``data:``, an invalid port or host...). Idempotent:
    ``canonicalize(canonicalize(u)) == canonicalize(u)``. Pure.
    """
    raw = _STRIP_CHARS.sub("", url).strip()
    if not raw:
        return None
    try:
        if base and not _ABSOLUTE.match(raw):
            raw = urljoin(_STRIP_CHARS.sub("", base).strip(), raw)
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    host = _canonical_host(parts.hostname or "")
    if host is None:
        return None
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = _remove_dot_segments(_normalise_percent(parts.path, _PATH_SAFE)) or "/"
    path = _SESSION_IN_PATH.sub("", path)
    if not path.startswith("/"):
        path = "/" + path
    query = _canonical_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def url_key(canonical: str) -> str:
    """The store key of a canonical URL: the SHA-1 hex digest (40 characters) of its UTF-8."""
    return hashlib.sha1(canonical.encode("utf-8"), usedforsecurity=False).hexdigest()


def host_of(url: str) -> str:
    """The canonical host of ``url`` (lower-case, IDNA, no port); ``""`` if it has none."""
    try:
        hostname = urlsplit(_STRIP_CHARS.sub("", url).strip()).hostname
    except ValueError:
        return ""
    return _canonical_host(hostname or "") or ""


def site_of(url: str) -> str:
    """The host of ``url`` without one leading ``www.``/``m.``/``amp.``/``mobile.`` label."""
    host = host_of(url)
    for prefix in _SITE_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


def same_site(a: str, b: str) -> bool:
    """True when both URLs have a host and the hosts are equal up to a ``www.``/``m.``/``amp.``
    prefix (``www.example.com`` and ``m.example.com`` are the same site; subdomains are not)."""
    site_a = site_of(a)
    return bool(site_a) and site_a == site_of(b)


def choose_canonical(page_url: str, declared: str | None) -> str:
    """The canonical URL of a page whose HTML declares ``declared`` (``rel=canonical``).

    The declared URL is honoured only when it points to the same site as the page (see
    ``same_site``); a relative one is resolved against the page. It is also ignored when it
    is the site's home page while the page is not (a common template error that would merge
    every article into one). Otherwise, or when it is not a valid http(s) URL, the page's own
    URL is used. Both are canonicalised; a page URL that cannot be canonicalised is returned
    stripped.
    """
    own = canonicalize(page_url) or page_url.strip()
    if not declared:
        return own
    candidate = canonicalize(declared, base=own)
    if candidate is None or not same_site(candidate, own):
        return own
    if _is_home(candidate) and not _is_home(own):
        return own
    return candidate


def _is_home(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def _canonical_host(hostname: str) -> str | None:
    """Lower-cased, IDNA-encoded host without trailing dot; ``None`` when invalid."""
    host = _decode_percent(hostname).lower().rstrip(".")
    if not host:
        return None
    if ":" in host:
        try:
            return f"[{ipaddress.IPv6Address(host.split('%', 1)[0]).compressed}]"
        except ValueError:
            return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None
    if len(host) > 253 or not _HOST_NAME.match(host):
        return None
    if any(len(label) > 63 for label in host.split(".")):
        return None
    return host


def _decode_percent(text: str) -> str:
    """Decode ``%XX`` escapes as UTF-8 (invalid sequences are kept as they are)."""
    if "%" not in text:
        return text
    return unquote(text, errors="strict") if _valid_utf8_escapes(text) else text


def _valid_utf8_escapes(text: str) -> bool:
    try:
        unquote_to_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _normalise_percent(text: str, safe: frozenset[str]) -> str:
    """Upper-case escapes, decode escaped unreserved characters, encode what must be encoded."""
    if "%" not in text and all(ch in safe for ch in text):
        return text
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "%":
            if i + 2 < n and text[i + 1] in _HEX and text[i + 2] in _HEX:
                decoded = chr(int(text[i + 1 : i + 3], 16))
                out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
                i += 3
                continue
            out.append("%25")
        elif ch in safe:
            out.append(ch)
        else:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, for an absolute path."""
    if "." not in path:
        return path
    segments = path.split("/")
    output: list[str] = []
    for seg in segments[1:] if path.startswith("/") else segments:
        if seg == "..":
            if output:
                output.pop()
        elif seg != ".":
            output.append(seg)
    result = "/" + "/".join(output)
    if segments[-1] in (".", "..") and not result.endswith("/"):
        result += "/"
    return result


def _canonical_query(query: str) -> str:
    """Tracking parameters removed, percent-encoding normalised, parameters sorted by name."""
    if not query:
        return ""
    params: list[tuple[str, str]] = []
    for item in query.split("&"):
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = _normalise_percent(name, _QUERY_PART_SAFE)
        if _is_tracking(name):
            continue
        params.append((name, sep + _normalise_percent(value, _QUERY_PART_SAFE | {"="})))
    params.sort(key=lambda p: p[0])
    return "&".join(name + rest for name, rest in params)


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)
