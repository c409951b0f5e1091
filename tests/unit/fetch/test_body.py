from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator

import brotli
import pytest

from ingest.fetch.base import Reason
from ingest.fetch.body import BodyError, BodyLimits, read_body

LIMITS = BodyLimits(max_wire=100_000, max_decoded=200_000, max_ratio=50, bomb_min=50_000)
PAGE = b"<html><body>" + b"<p>news paragraph %d</p>" * 500 + b"</body></html>"


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        (None, lambda b: b),
        ("identity", lambda b: b),
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b, wbits=-15)),  # raw deflate
        ("br", brotli.compress),
        ("GZIP", gzip.compress),
    ],
)
async def test_decodes_supported_encodings(coding: str | None, encode: object) -> None:
    assert callable(encode)
    assert await read_body(chunks(encode(PAGE)), coding, LIMITS) == PAGE


async def test_wire_cap() -> None:
    with pytest.raises(BodyError) as err:
        await read_body(chunks(b"x" * 100_001), None, LIMITS)
    assert err.value.reason is Reason.TOO_LARGE


async def test_body_exactly_at_the_cap_is_accepted() -> None:
    assert len(await read_body(chunks(b"x" * 100_000), None, LIMITS)) == 100_000


@pytest.mark.parametrize(
    ("coding", "encode"),
    [("gzip", gzip.compress), ("br", brotli.compress), ("deflate", zlib.compress)],
)
async def test_bombs_are_stopped(coding: str, encode: object) -> None:
    assert callable(encode)
    bomb = encode(b"\0" * 20_000_000)
    assert len(bomb) < LIMITS.max_wire
    with pytest.raises(BodyError) as err:
        await read_body(chunks(bomb, 4096), coding, LIMITS)
    assert err.value.reason is Reason.DECOMPRESSION_BOMB


async def test_large_but_honest_compressed_body_is_too_large_not_a_bomb() -> None:
    import os

    raw = os.urandom(150_000).hex().encode()  # compresses ~2x only
    limits = BodyLimits(max_wire=10**6, max_decoded=200_000, max_ratio=50, bomb_min=50_000)
    with pytest.raises(BodyError) as err:
        await read_body(chunks(gzip.compress(raw)), "gzip", limits)
    assert err.value.reason is Reason.TOO_LARGE


async def test_truncate_mode_cuts_instead_of_failing() -> None:
    limits = BodyLimits(
        max_wire=5000, max_decoded=5000, max_ratio=50, bomb_min=50_000, truncate=True
    )
    assert await read_body(chunks(PAGE), None, limits) == PAGE[:5000]
    assert await read_body(chunks(gzip.compress(PAGE)), "gzip", limits) == PAGE[:5000]


async def test_corrupt_and_unknown_encodings() -> None:
    with pytest.raises(BodyError) as err:
        await read_body(chunks(b"definitely not gzip"), "gzip", LIMITS)
    assert err.value.reason is Reason.BAD_CONTENT_ENCODING
    with pytest.raises(BodyError) as err:
        await read_body(chunks(PAGE), "zstd", LIMITS)
    assert err.value.reason is Reason.BAD_CONTENT_ENCODING


def test_plain_headers_lowercase_join_and_drop() -> None:
    from multidict import CIMultiDict, CIMultiDictProxy

    from ingest.fetch.response import _plain_headers

    raw = CIMultiDictProxy(
        CIMultiDict(
            [
                ("ETag", '"x"'),
                ("Vary", "Accept"),
                ("vary", "Cookie"),
                ("Set-Cookie", "a=1"),
                ("Content-Encoding", "gzip"),
            ]
        )
    )
    assert _plain_headers(raw) == {"etag": '"x"', "vary": "Accept, Cookie"}
    assert _plain_headers(CIMultiDictProxy(CIMultiDict([("Last-Modified", "x")]))) == {
        "last-modified": "x"
    }
