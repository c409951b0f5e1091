"""Per-host block statistics for site-aware chrome learning (SQL only; rules in
:mod:`ingest.extract.profile`).

A row with the empty fingerprint counts the host's pages; every other row counts the distinct
pages a key was seen on, and the host's page indexes of its first and last sighting. The keys
are those the parser returns: block fingerprints, slot-scoped keys ``"<slot>:<fingerprint>"``
and slot page counters ``"<slot>:"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, delete, func, select, update

from ingest.extract.profile import (
    SLOT_SEP,
    BlockStat,
    HostProfile,
    PageBlock,
    chrome_of,
    share,
)
from ingest.store.schema import site_blocks

__all__ = ["LearnedBlock", "SiteSummary", "forget", "learn_page", "load_profile", "summary"]

_COUNTER = ""  # fingerprint of the row that counts the host's pages
_PRUNE_EVERY = 25


@dataclass(frozen=True, slots=True)
class LearnedBlock:
    fingerprint: str
    text: str
    pages: int
    share: float
    chrome: bool


@dataclass(frozen=True, slots=True)
class SiteSummary:
    host: str
    pages: int
    blocks: int
    last_update: datetime | None
    top: tuple[LearnedBlock, ...]


def _host_pages(conn: Connection, host: str) -> int:
    value = conn.execute(
        select(site_blocks.c.pages).where(
            and_(site_blocks.c.host == host, site_blocks.c.fingerprint == _COUNTER)
        )
    ).scalar()
    return int(value or 0)


def learn_page(
    conn: Connection,
    host: str,
    blocks: Sequence[PageBlock],
    *,
    now: datetime,
    window: int,
    max_blocks: int,
) -> int:
    """Count one more page of ``host`` with these blocks; returns the host's page count.
    The caller holds a write transaction serialising writers of this host."""
    page = _host_pages(conn, host) + 1
    if page == 1:
        conn.execute(
            site_blocks.insert().values(
                host=host, fingerprint=_COUNTER, text="", pages=1, last_seen=now
            )
        )
    else:
        conn.execute(
            update(site_blocks)
            .where(and_(site_blocks.c.host == host, site_blocks.c.fingerprint == _COUNTER))
            .values(pages=page, last_seen=now, last_page=page)
        )
    unique = {b.fingerprint: b for b in blocks if b.fingerprint != _COUNTER}
    known = (
        set(
            conn.execute(
                select(site_blocks.c.fingerprint).where(
                    and_(site_blocks.c.host == host, site_blocks.c.fingerprint.in_(list(unique)))
                )
            ).scalars()
        )
        if unique
        else set()
    )
    if known:
        conn.execute(
            update(site_blocks)
            .where(and_(site_blocks.c.host == host, site_blocks.c.fingerprint.in_(list(known))))
            .values(pages=site_blocks.c.pages + 1, last_page=page, last_seen=now)
        )
    fresh = [
        {
            "host": host,
            "fingerprint": fp,
            "text": b.text,
            "pages": 1,
            "first_page": page,
            "last_page": page,
            "last_seen": now,
        }
        for fp, b in unique.items()
        if fp not in known
    ]
    if fresh:
        conn.execute(site_blocks.insert(), fresh)
    if page % _PRUNE_EVERY == 0:
        _prune(conn, host, page, window=window, max_blocks=max_blocks)
    return page


def _prune(conn: Connection, host: str, page: int, *, window: int, max_blocks: int) -> None:
    """Age out blocks not seen for ``window`` pages (a redesign is relearnt), then keep the
    ``max_blocks`` most frequent."""
    blocks = site_blocks.c
    conn.execute(
        delete(site_blocks).where(
            and_(
                blocks.host == host,
                blocks.fingerprint != _COUNTER,
                blocks.last_page < page - window,
            )
        )
    )
    keep = (
        select(blocks.fingerprint)
        .where(and_(blocks.host == host, blocks.fingerprint != _COUNTER))
        .order_by(blocks.pages.desc(), blocks.last_page.desc(), blocks.fingerprint)
        .limit(max_blocks)
    )
    conn.execute(
        delete(site_blocks).where(
            and_(
                blocks.host == host,
                blocks.fingerprint != _COUNTER,
                blocks.fingerprint.not_in(keep.scalar_subquery()),
            )
        )
    )


def _stats(conn: Connection, host: str, min_pages: int) -> list[tuple[str, str, BlockStat]]:
    rows = conn.execute(
        select(
            site_blocks.c.fingerprint,
            site_blocks.c.text,
            site_blocks.c.pages,
            site_blocks.c.first_page,
            site_blocks.c.last_page,
        )
        .where(
            and_(
                site_blocks.c.host == host,
                site_blocks.c.fingerprint != _COUNTER,
                site_blocks.c.pages >= min_pages,
            )
        )
        .order_by(site_blocks.c.pages.desc(), site_blocks.c.fingerprint)
    )
    return [(r.fingerprint, r.text, BlockStat(r.pages, r.first_page, r.last_page)) for r in rows]


def load_profile(conn: Connection, host: str, *, min_pages: int, min_share: float) -> HostProfile:
    """The chrome keys of ``host`` (empty while it has fewer than ``min_pages``)."""
    stats = {fp: stat for fp, _text, stat in _stats(conn, host, min_pages)}
    chrome = chrome_of(stats, min_pages=min_pages, min_share=min_share)
    return HostProfile(host=host, pages=_host_pages(conn, host), chrome=chrome)


def summary(
    conn: Connection, host: str, *, min_pages: int, min_share: float, top: int = 20
) -> SiteSummary:
    """The host's most frequent blocks, each with its best share (host-wide or within one of
    its slots) and whether it is chrome (anywhere or in some slot)."""
    last = conn.execute(
        select(func.max(site_blocks.c.last_seen)).where(site_blocks.c.host == host)
    ).scalar()
    rows = _stats(conn, host, 1)
    stats = {fp: stat for fp, _text, stat in rows}
    chrome = chrome_of(stats, min_pages=min_pages, min_share=min_share)
    best: dict[str, float] = {}
    learnt: set[str] = set()
    for key, stat in stats.items():
        slot, sep, fp = key.rpartition(SLOT_SEP)
        if not sep or not fp or (counter := stats.get(slot + SLOT_SEP)) is None:
            continue
        best[fp] = max(best.get(fp, 0.0), share(stat, counter))
        if key in chrome:
            learnt.add(fp)
    blocks = [(fp, text, stat) for fp, text, stat in rows if SLOT_SEP not in fp]
    learned = [
        LearnedBlock(
            fp,
            text,
            stat.count,
            max(share(stat), best.get(fp, 0.0)),
            fp in chrome or fp in learnt,
        )
        for fp, text, stat in blocks[:top]
    ]
    return SiteSummary(host, _host_pages(conn, host), len(blocks), last, tuple(learned))


def forget(conn: Connection, host: str) -> int:
    """Delete everything learned for ``host``; returns the rows removed."""
    return conn.execute(delete(site_blocks).where(site_blocks.c.host == host)).rowcount
