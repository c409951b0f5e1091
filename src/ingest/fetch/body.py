"""Reading a response body: streamed, capped, decompressed with a bomb guard.

aiohttp's own decompression is switched off (``auto_decompress=False``) so that the wire
bytes and the decoded bytes are both counted, and each decompression step is bounded
(``max_length``/``output_buffer_limit``): a 10 KB gzip that inflates to 10 GB never gets
further than the cap in memory.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable
from dataclasses import dataclass
from typing import Protocol

import brotli

from ingest.fetch.base import Reason

__all__ = ["BodyError", "BodyLimits", "read_body"]

_STEP = 256 * 1024  # most bytes one decompression call may produce


class BodyError(Exception):
    """The body cannot be accepted; ``reason`` is a :class:`~ingest.fetch.base.Reason`."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class BodyLimits:
    max_wire: int
    max_decoded: int
    max_ratio: float
    bomb_min: int
    #: Cut the body at the cap instead of refusing it (robots.txt: parse the first 500 KiB).
    truncate: bool = False


class _Decoder(Protocol):
    def feed(self, data: bytes, limit: int) -> bytes: ...

    def more(self, limit: int) -> bytes: ...

    def finish(self) -> bytes: ...


class _Identity:
    """No Content-Encoding: bytes pass through (still counted against the caps)."""

    def feed(self, data: bytes, limit: int) -> bytes:
        return data

    def more(self, limit: int) -> bytes:
        return b""

    def finish(self) -> bytes:
        return b""


class _Zlib:
    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._d = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        if not self._started and self._wbits == zlib.MAX_WBITS:
            self._started = True
            try:
                return self._d.decompress(data, limit)
            except zlib.error:
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send
        self._started = True
        return self._d.decompress(data, limit)

    def more(self, limit: int) -> bytes:
        tail = self._d.unconsumed_tail
        return self._d.decompress(tail, limit) if tail else b""

    def finish(self) -> bytes:
        return self._d.flush(_STEP)


class _Brotli:
    def __init__(self) -> None:
        self._d = brotli.Decompressor()

    def feed(self, data: bytes, limit: int) -> bytes:
        return bytes(self._d.process(data, output_buffer_limit=limit))

    def more(self, limit: int) -> bytes:
        if self._d.can_accept_more_data():
            return b""
        return bytes(self._d.process(b"", output_buffer_limit=limit))

    def finish(self) -> bytes:
        return b""


def _decoder(content_encoding: str | None) -> _Decoder:
    coding = (content_encoding or "identity").strip().lower()
    if coding in ("", "identity"):
        return _Identity()
    if coding in ("gzip", "x-gzip"):
        return _Zlib(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return _Zlib(zlib.MAX_WBITS)
    if coding == "br":
        return _Brotli()
    raise BodyError(Reason.BAD_CONTENT_ENCODING, f"unsupported Content-Encoding {coding!r}")


class _Sink:
    """Collects decoded bytes and enforces the decoded cap and the ratio guard."""

    def __init__(self, limits: BodyLimits) -> None:
        self.limits = limits
        self.parts: list[bytes] = []
        self.size = 0
        self.wire = 0
        self.full = False

    def add(self, data: bytes) -> None:
        if not data or self.full:
            return
        limits = self.limits
        self.size += len(data)
        if self.size > limits.max_decoded:
            if limits.truncate:
                data = data[: len(data) - (self.size - limits.max_decoded)]
                self.size = limits.max_decoded
                self.full = True
            elif self.size > self.wire * limits.max_ratio:
                raise BodyError(Reason.DECOMPRESSION_BOMB, self._ratio())
            else:
                raise BodyError(Reason.TOO_LARGE, f"body over {limits.max_decoded} bytes")
        elif self.size > limits.bomb_min and self.size > self.wire * limits.max_ratio:
            raise BodyError(Reason.DECOMPRESSION_BOMB, self._ratio())
        self.parts.append(data)

    def _ratio(self) -> str:
        return f"{self.size} bytes decoded from {self.wire} on the wire"


async def read_body(
    chunks: AsyncIterable[bytes], content_encoding: str | None, limits: BodyLimits
) -> bytes:
    """Read, cap and decode a streamed body. Raises :class:`BodyError`."""
    decoder = _decoder(content_encoding)
    sink = _Sink(limits)
    try:
        async for chunk in chunks:
            sink.wire += len(chunk)
            if sink.wire > limits.max_wire:
                if not limits.truncate:
                    raise BodyError(Reason.TOO_LARGE, f"body over {limits.max_wire} bytes")
                sink.full = True
            if sink.full:
                break
            sink.add(decoder.feed(chunk, _STEP))
            while not sink.full and (extra := decoder.more(_STEP)):
                sink.add(extra)
        if not sink.full:
            sink.add(decoder.finish())
    except (zlib.error, brotli.error) as exc:
        raise BodyError(Reason.BAD_CONTENT_ENCODING, f"corrupt compressed body: {exc}") from exc
    return b"".join(sink.parts)
