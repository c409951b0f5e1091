"""Deduplication keys (pure): the content hash and the MinHash near-duplicate fingerprint.

The fingerprint is a MinHash signature over shingles of the clean body:

* the body is split into paragraphs (blank-line or line separated) and each paragraph into
  tokens: runs of letters/digits for scripts that separate words with spaces, single characters
  for scripts that do not (Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar), all casefolded;
* shingles are ``SHINGLE_SIZE`` consecutive tokens inside one paragraph (a shorter paragraph is
  one shingle), so reordering paragraphs changes nothing;
* paragraphs shorter than ``MIN_PARAGRAPH_TOKENS`` (bylines, share lines) are left out when
  the rest is long enough to stand on its own;
* tokens are hashed to 64 bits by a vectorised polynomial over their code points, shingles by
  combining their tokens' hashes, and ``NUM_PERM`` multiply-shift hash functions
  ``(a_i * x mod 2**64) >> 32`` give the signature. Every constant is derived from BLAKE2b,
  never from a process seed, so a fingerprint is the same in every process and on every
  machine.

Layout of a fingerprint: one version byte, the number of distinct shingles (uint32 LE), then
``NUM_PERM`` minimum hash values (uint32 LE). LSH splits the signature into ``BANDS`` bands of
``ROWS`` values; each band becomes one key string (version, band number, hex of the values).
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata

import numpy as np
import numpy.typing as npt

__all__ = [
    "BANDS",
    "MIN_PARAGRAPH_TOKENS",
    "NUM_PERM",
    "ROWS",
    "SHINGLE_SIZE",
    "VERSION",
    "band_keys",
    "content_hash",
    "fingerprint",
    "fingerprint_size",
    "paragraph_tokens",
    "shingle_hashes",
    "similarity",
    "tokens",
]

VERSION = 4
SHINGLE_SIZE = 3
NUM_PERM = 128
BANDS = 42
ROWS = 3  # BANDS * ROWS <= NUM_PERM; the two values left over still count in ``similarity``
#: Paragraphs shorter than this are chrome-like and left out of the shingles (see below).
MIN_PARAGRAPH_TOKENS = 8
MIN_KEPT_SHARE = 0.5
MIN_KEPT_TOKENS = 40
_HEADER = struct.Struct("<BI")
_BLOCK = 2048

# Scripts written without spaces between words: one token per character.
_NO_SPACE = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # halfwidth Katakana
)
_UNSPACED = re.compile(f"[{_NO_SPACE}]")
_WORD = re.compile(r"[^\W_]+")
_WORD_OR_CHAR = re.compile(f"[{_NO_SPACE}]|[^\\W_{_NO_SPACE}]+")
_PARAGRAPH = re.compile(r"\n\s*")
_SPACE = re.compile(r"\s+")
_MAX_TOKEN_POS = 64  # code points past this position in a token reuse the multipliers


def _constant(label: str) -> int:
    return int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "little")


# Multiply-shift hash functions h_i(x) = (a_i * x) mod 2**64 >> 32, a_i odd (x is well mixed).
_A = np.array([_constant(f"ingest.minhash.a.{i}") | 1 for i in range(NUM_PERM)], dtype=np.uint64)
# Multipliers of a token's code points by position, and of a shingle's tokens by position.
_CHAR = np.array(
    [_constant(f"ingest.char.{i}") | 1 for i in range(_MAX_TOKEN_POS)], dtype=np.uint64
)
_POS = np.array(
    [_constant(f"ingest.shingle.{i}") | 1 for i in range(SHINGLE_SIZE)], dtype=np.uint64
)


def _normal(body: str) -> str:
    return unicodedata.normalize("NFC", body).casefold()


def content_hash(body: str) -> str:
    """SHA-256 (hex) of the body after NFC, casefolding and collapsing all whitespace."""
    text = _SPACE.sub(" ", _normal(body)).strip()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _split(paragraph: str) -> list[str]:
    if _UNSPACED.search(paragraph):
        return _WORD_OR_CHAR.findall(paragraph)
    return _WORD.findall(paragraph)


def tokens(paragraph: str) -> list[str]:
    """The casefolded tokens of one paragraph: runs of letters and digits, or single
    characters of scripts written without spaces (Chinese, Japanese, Thai, ...)."""
    return _split(_normal(paragraph))


def paragraph_tokens(body: str) -> list[list[str]]:
    """The token lists that are shingled: one per paragraph, in order.

    Paragraphs of fewer than ``MIN_PARAGRAPH_TOKENS`` tokens (bylines, share and "read more"
    lines, short captions) are left out when the longer paragraphs hold at least
    ``MIN_KEPT_TOKENS`` tokens or ``MIN_KEPT_SHARE`` of all tokens, so page chrome weighs less
    even on a short story; a text made only of short lines keeps them all.
    """
    paragraphs = [t for t in map(_split, _PARAGRAPH.split(_normal(body))) if t]
    long = [t for t in paragraphs if len(t) >= MIN_PARAGRAPH_TOKENS]
    total = sum(map(len, paragraphs))
    kept = sum(map(len, long))
    if kept and (kept >= MIN_KEPT_TOKENS or kept >= MIN_KEPT_SHARE * total):
        return long
    return paragraphs


def _token_hashes(toks: list[str]) -> npt.NDArray[np.uint64]:
    """One 64-bit hash per token, computed for all tokens at once."""
    lengths = np.fromiter(map(len, toks), dtype=np.int64, count=len(toks))
    starts = np.zeros(len(toks), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    chars = np.frombuffer("".join(toks).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    position = np.arange(chars.size, dtype=np.int64) - np.repeat(starts, lengths)
    h = np.add.reduceat(chars * _CHAR[position % _MAX_TOKEN_POS], starts)
    h ^= h >> np.uint64(29)
    h *= _CHAR[0]
    h ^= h >> np.uint64(32)
    return h + np.uint64(1)


def shingle_hashes(body: str) -> npt.NDArray[np.uint64]:
    """The distinct 64-bit shingle hashes of a body, sorted."""
    k = SHINGLE_SIZE
    paragraphs = paragraph_tokens(body)
    if not paragraphs:
        return np.zeros(0, dtype=np.uint64)
    codes = _token_hashes([t for toks in paragraphs for t in toks])
    sizes = np.fromiter(map(len, paragraphs), dtype=np.int64, count=len(paragraphs))
    chunks: list[npt.NDArray[np.uint64]] = []
    if codes.size >= k:
        n = codes.size - k + 1
        acc = codes[:n] * _POS[0]
        for j in range(1, k):
            acc += codes[j : j + n] * _POS[j]
        para = np.repeat(np.arange(sizes.size), sizes)
        chunks.append(acc[para[:n] == para[k - 1 :]])  # windows inside one paragraph
    ends = np.cumsum(sizes)
    for size, end in zip(sizes.tolist(), ends.tolist(), strict=True):
        if size < k:  # a short paragraph is one shingle
            part = codes[end - size : end] * _POS[:size]
            chunks.append(np.add.reduce(part, keepdims=True))
    if not chunks:
        return np.zeros(0, dtype=np.uint64)
    allh = np.concatenate(chunks)
    allh ^= allh >> np.uint64(31)
    allh.sort()
    if allh.size > 1:  # distinct values (sort + mask is much faster than np.unique here)
        allh = allh[np.concatenate(([True], allh[1:] != allh[:-1]))]
    return allh


def fingerprint(body: str) -> bytes:
    """The MinHash fingerprint of a body (``fingerprint_size()`` bytes); see the module doc."""
    hashes = shingle_hashes(body)
    mins = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, hashes.size, _BLOCK):  # bounds the (shingles x perms) matrix
        block = np.multiply.outer(hashes[start : start + _BLOCK], _A)
        np.minimum(mins, block.min(axis=0), out=mins)
    # The shift is monotonic, so it can follow the minimum: one pass less over the matrix.
    sig = (mins >> np.uint64(32)).astype("<u4")
    return _HEADER.pack(VERSION, int(hashes.size)) + sig.tobytes()


def fingerprint_size() -> int:
    return _HEADER.size + 4 * NUM_PERM


def _parse(fp: bytes) -> tuple[int, bytes]:
    if len(fp) != fingerprint_size() or fp[0] != VERSION:
        return 0, b""
    _, count = _HEADER.unpack_from(fp)
    return int(count), fp[_HEADER.size :]


def band_keys(fp: bytes) -> list[str]:
    """The LSH band keys of a fingerprint (``BANDS`` strings of at most 35 characters).

    Two fingerprints share at least one key with probability ``1 - (1 - J**ROWS)**BANDS`` for
    shingle-set Jaccard similarity ``J``. A fingerprint of an empty body (or of an unknown
    format) has no keys: it is never a near duplicate of anything.
    """
    count, sig = _parse(fp)
    if count == 0:
        return []
    width = 4 * ROWS
    return [f"{VERSION}{b:02x}{sig[b * width : (b + 1) * width].hex()}" for b in range(BANDS)]


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two fingerprints, in [0, 1].

    0.0 when either fingerprint is empty or of another format.
    """
    count_a, sig_a = _parse(a)
    count_b, sig_b = _parse(b)
    if count_a == 0 or count_b == 0:
        return 0.0
    va = np.frombuffer(sig_a, dtype="<u4")
    vb = np.frombuffer(sig_b, dtype="<u4")
    return float(np.count_nonzero(va == vb)) / NUM_PERM
