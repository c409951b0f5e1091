from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from ingest.dedup.decide import Candidate, Member, canonical_member, choose_cluster
from ingest.dedup.index import MemoryIndex
from ingest.dedup.keys import fingerprint

WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
    "rho",
]


def body(seed: int, n: int = 300) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n))


def edited(text: str, keep: float) -> str:
    words = text.split()
    return " ".join(words[: int(len(words) * keep)])


D1 = datetime(2024, 5, 1, tzinfo=UTC)
D2 = datetime(2024, 5, 2, tzinfo=UTC)


def test_choose_cluster_picks_best_above_threshold() -> None:
    base = body(1)
    close = Candidate(1, 10, fingerprint(edited(base, 0.9)), None)
    far = Candidate(2, 20, fingerprint(edited(base, 0.6)), None)
    other = Candidate(3, 30, fingerprint(body(2)), None)
    fp = fingerprint(base)
    assert choose_cluster(fp, [other, far, close]) == close
    assert choose_cluster(fp, [other]) is None
    assert choose_cluster(fp, []) is None
    assert choose_cluster(fp, [far, close], threshold=1.0) is None


def test_choose_cluster_tie_breaks_on_lowest_cluster_then_id() -> None:
    fp = fingerprint(body(3))
    a = Candidate(5, 9, fp, None)
    b = Candidate(4, 9, fp, None)
    c = Candidate(1, 12, fp, None)
    for order in ([a, b, c], [c, b, a], [b, c, a]):
        assert choose_cluster(fp, order) == b


def test_canonical_member_rules() -> None:
    assert canonical_member([Member(3, D2), Member(7, D1)]) == 7
    assert canonical_member([Member(3, None), Member(7, D2)]) == 7
    assert canonical_member([Member(3, D1, 0), Member(7, D1, 5)]) == 7
    assert canonical_member([Member(8, D1, 1), Member(7, D1, 1)]) == 7
    assert canonical_member([Member(9, None), Member(4, None)]) == 4


def test_canonical_member_compares_instants_across_zones() -> None:
    from datetime import timedelta, timezone

    east = datetime(2024, 5, 1, 10, tzinfo=timezone(timedelta(hours=5)))  # 05:00 UTC
    utc = datetime(2024, 5, 1, 6, tzinfo=UTC)
    assert canonical_member([Member(1, utc), Member(2, east)]) == 2


def test_canonical_member_rejects_empty() -> None:
    with pytest.raises(ValueError):
        canonical_member([])


def test_memory_index_finds_near_copies_only() -> None:
    idx = MemoryIndex()
    base = body(10)
    idx.add(1, fingerprint(base))
    idx.add(2, fingerprint(body(11)))
    assert idx.query(fingerprint(edited(base, 0.9))) == [1]
    assert 1 in idx and len(idx) == 2


def test_memory_index_readd_and_remove() -> None:
    idx = MemoryIndex()
    a, b = body(12), body(13)
    idx.add(1, fingerprint(a))
    idx.add(1, fingerprint(b))
    assert idx.query(fingerprint(a)) == []
    assert idx.query(fingerprint(b)) == [1]
    assert idx.fingerprint(1) == fingerprint(b)
    idx.remove(1)
    idx.remove(1)
    assert idx.query(fingerprint(b)) == []
    assert len(idx) == 0
