"""Turning one (non-redirect) HTTP response into a ``Page`` or a refusal.

Status first (304 unchanged, errors with their Retry-After), then the content type and the
declared length before a byte of the body is read, then the capped body, a sniff for binary
documents served as HTML, and the encoding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import aiohttp

from ingest.fetch.base import Clock, FetchKind, FetchOptions, Reason
from ingest.fetch.body import BodyError, BodyLimits, read_body
from ingest.fetch.encoding import charset_from_content_type, codec_name, decode_html
from ingest.fetch.outcomes import failure_for_status
from ingest.fetch.policies import parse_retry_after
from ingest.model import FetchFailure, FetchRequest, Page

__all__ = ["Rejected", "ResponseReader"]

_BINARY_MAGIC = (b"%PDF-", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")
#: Not kept on the Page: the body is stored decoded, and cookies are never used.
_SKIP_HEADERS = frozenset({"set-cookie", "content-encoding", "content-length", "transfer-encoding"})


@dataclass(frozen=True, slots=True)
class Rejected:
    """A response that yields no page; ``retry_after`` is the server's wish, in seconds."""

    failure: FetchFailure
    retry_after: float | None = None


class ResponseReader:
    """Reads responses according to :class:`FetchOptions`."""

    def __init__(self, options: FetchOptions, *, clock: Clock, now: Callable[[], datetime]) -> None:
        self._options = options
        self._clock = clock
        self._now = now
        self._limits = BodyLimits(
            max_wire=options.max_bytes,
            max_decoded=options.decoded_cap,
            max_ratio=options.max_decompressed_ratio,
            bomb_min=options.bomb_min_bytes,
        )
        self._types: dict[str | None, tuple[str, str | None]] = {}
        self._robots_limits = BodyLimits(
            max_wire=options.robots_max_bytes,
            max_decoded=options.robots_max_bytes,
            max_ratio=options.max_decompressed_ratio,
            bomb_min=options.bomb_min_bytes,
            truncate=True,
        )

    async def read(
        self,
        request: FetchRequest,
        resp: aiohttp.ClientResponse,
        kind: FetchKind,
        chain: tuple[str, ...],
        started: float,
    ) -> Page | Rejected:
        status = resp.status
        if status == 304:
            return self._page(request, resp, b"", None, chain=chain, started=started)
        if not 200 <= status < 300:
            failure = failure_for_status(
                request.url, status, self._now(), resp.reason or f"status {status}"
            )
            retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            return Rejected(failure, retry_after)
        headers = resp.headers
        content_type = headers.get("Content-Type")
        info = self._types.get(content_type)
        media, declared_codec = info if info is not None else self._type_info(content_type)
        if media and media not in self._options.content_types[kind]:
            article = kind is FetchKind.ARTICLE
            reason = Reason.NOT_HTML if article else Reason.UNSUPPORTED_CONTENT_TYPE
            return Rejected(self._fail(request, reason, f"Content-Type {media}", status))
        length = headers.get("Content-Length", "")
        declared = length.isdigit()
        robots = kind is FetchKind.ROBOTS
        if declared and not robots and int(length) > self._options.max_bytes:
            return Rejected(
                self._fail(request, Reason.TOO_LARGE, f"Content-Length {length} bytes", status)
            )
        coding = headers.get("Content-Encoding")
        try:
            if coding is None and declared and not robots and "Transfer-Encoding" not in headers:
                body = await resp.read()  # the parser stops at Content-Length, checked already
            else:
                limits = self._robots_limits if robots else self._limits
                body = await read_body(resp.content.iter_any(), coding, limits)
        except BodyError as exc:
            return Rejected(self._fail(request, exc.reason, exc.detail, status))
        encoding: str | None
        if kind is FetchKind.ARTICLE:
            if body.startswith(_BINARY_MAGIC) or body.find(b"\x00", 0, 1024) >= 0:
                return Rejected(
                    self._fail(request, Reason.NOT_HTML, "binary document served as HTML", status)
                )
            encoding = (declared_codec or "utf-8") if body.isascii() else None
            encoding = encoding or decode_html(body, content_type)[1]
        else:
            encoding = charset_from_content_type(content_type)
        return self._page(request, resp, body, encoding, chain=chain, started=started)

    def _type_info(self, content_type: str | None) -> tuple[str, str | None]:
        """(media type, codec of the declared charset) of a Content-Type, memoised: servers
        send the same few values over and over."""
        info = self._types.get(content_type)
        if info is None:
            media = content_type.split(";", 1)[0].strip().lower() if content_type else ""
            info = (media, codec_name(charset_from_content_type(content_type)))
            if len(self._types) >= 256:
                self._types.clear()
            self._types[content_type] = info
        return info

    def _page(
        self,
        request: FetchRequest,
        resp: aiohttp.ClientResponse,
        body: bytes,
        encoding: str | None,
        *,
        chain: tuple[str, ...],
        started: float,
    ) -> Page:
        return Page(
            url=request.url,
            final_url=str(resp.url) if chain else request.url,
            status=resp.status,
            headers=_plain_headers(resp.headers),
            body=body,
            fetched_at=self._now(),
            encoding=encoding,
            elapsed=self._clock() - started,
            redirects=chain,
            source=request.source,
        )

    def _fail(self, request: FetchRequest, reason: str, detail: str, status: int) -> FetchFailure:
        return FetchFailure(
            url=request.url,
            reason=str(reason),
            detail=detail,
            status=status,
            fetched_at=self._now(),
        )


def _plain_headers(raw: Mapping[str, str]) -> dict[str, str]:
    """Lower-cased names; repeated headers joined with ", "; cookies and framing dropped."""
    headers = {key.lower(): value for key, value in raw.items()}
    if len(headers) != len(raw):  # a repeated header: join its values
        headers = {}
        for key, value in raw.items():
            name = key.lower()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
    for name in _SKIP_HEADERS.intersection(headers):
        del headers[name]
    return headers
