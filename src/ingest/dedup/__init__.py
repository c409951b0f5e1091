"""Deduplication: content hash, near-duplicate fingerprints, LSH keys and the cluster decision.

Everything here is pure; the index that makes it work across processes lives in the store.
"""

from __future__ import annotations

from ingest.dedup.decide import (
    NEAR_DUP_THRESHOLD,
    Candidate,
    Member,
    canonical_member,
    choose_cluster,
)
from ingest.dedup.index import MemoryIndex
from ingest.dedup.keys import band_keys, content_hash, fingerprint, similarity

__all__ = [
    "NEAR_DUP_THRESHOLD",
    "Candidate",
    "Member",
    "MemoryIndex",
    "band_keys",
    "canonical_member",
    "choose_cluster",
    "content_hash",
    "fingerprint",
    "similarity",
]
