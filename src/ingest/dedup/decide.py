"""The near-duplicate decision (pure): which cluster a new article joins, and which member of a
cluster is its canonical article.

The store finds candidates through the LSH band keys (see :mod:`ingest.dedup.keys`) and calls
these functions inside the transaction that stores the article; ``docs/dedup.md`` describes the
whole procedure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ingest.dedup.keys import similarity

__all__ = [
    "NEAR_DUP_THRESHOLD",
    "Candidate",
    "Member",
    "canonical_member",
    "choose_cluster",
    "matching_clusters",
]

#: Estimated shingle Jaccard similarity from which two bodies are the same story.
NEAR_DUP_THRESHOLD = 0.3


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored article that shares at least one LSH band key with the new one."""

    article_id: int
    cluster_id: int
    fingerprint: bytes
    published: datetime | None
    source_priority: int = 0


@dataclass(frozen=True, slots=True)
class Member:
    """A member of a cluster, as needed to choose the cluster's canonical article."""

    article_id: int
    published: datetime | None
    source_priority: int = 0


def choose_cluster(
    fp: bytes, candidates: Sequence[Candidate], *, threshold: float = NEAR_DUP_THRESHOLD
) -> Candidate | None:
    """The candidate most similar to ``fp`` with similarity >= ``threshold``, or ``None``.

    Ties go to the lowest cluster id, then the lowest article id, so the answer does not depend
    on the order of ``candidates``.
    """
    best: tuple[float, int, int] | None = None
    chosen: Candidate | None = None
    for cand in candidates:
        score = similarity(fp, cand.fingerprint)
        if score < threshold:
            continue
        key = (-score, cand.cluster_id, cand.article_id)
        if best is None or key < best:
            best, chosen = key, cand
    return chosen


def matching_clusters(
    fp: bytes, candidates: Sequence[Candidate], *, threshold: float = NEAR_DUP_THRESHOLD
) -> list[Candidate]:
    """Every candidate similar enough to ``fp``, one per cluster (the most similar), ordered
    by cluster id. More than one means the new article links clusters that are one story."""
    best: dict[int, tuple[float, Candidate]] = {}
    for cand in candidates:
        score = similarity(fp, cand.fingerprint)
        if score < threshold:
            continue
        kept = best.get(cand.cluster_id)
        if kept is None or (-score, cand.article_id) < (-kept[0], kept[1].article_id):
            best[cand.cluster_id] = (score, cand)
    return [best[k][1] for k in sorted(best)]


def _published_key(published: datetime | None) -> tuple[int, float]:
    # Unknown dates sort after every known one; aware datetimes compare by their instant.
    if published is None:
        return (1, 0.0)
    return (0, published.timestamp())


def canonical_member(members: Sequence[Member]) -> int:
    """The article id of a cluster's canonical member.

    Earliest ``published`` first (members without a date come last), then the highest
    ``source_priority``, then the lowest article id. Raises ``ValueError`` on an empty sequence.
    """
    if not members:
        raise ValueError("a cluster has at least one member")
    best = min(
        members,
        key=lambda m: (*_published_key(m.published), -m.source_priority, m.article_id),
    )
    return best.article_id
