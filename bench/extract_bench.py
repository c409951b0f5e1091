"""Side-by-side extraction benchmark: ingest's parser vs trafilatura over the shared corpus.

Usage::

    .venv/bin/python bench/extract_bench.py [--corpus ../shared/corpus] [--limit N]
        [--only ingest|trafilatura] [--json out.json] [--show-worst N] [--id ID ...]
        [--rounds 3] [--interleave] [--obfuscate-names] [--plain-markup] [--no-metadata]

Extractors: ``ingest``; ``trafilatura`` (``bare_extraction(with_metadata=True)``: body and the
same metadata fields ingest extracts); ``trafilatura-text`` (plain ``extract()``: body only, no
metadata, so its title/date/author columns are empty by construction); ``trafilatura-fast``
(``extract(fast=True)``: body only, without its fallback extractors; its fastest mode).

Prints, for each extractor: body precision / recall / F1 over word tokens (mean over pages),
title exact-match rate, publish-date accuracy (day, over pages that have one), author F1 (mean
over pages that have authors), pages with known chrome leaked into the body, and pages per
second of CPU time on one core (extraction only; every extractor gets the same raw bytes).

Speed: each extractor runs its own pass over the pages, held in memory, as a process doing
only extraction would; the extractors take turns, ``--rounds`` times, and the median pass is
reported (every pass is printed on stderr). ``--interleave`` instead alternates extractors page
by page in one pass, which charges each for the other's garbage collection and cache misses.

Robustness probes (both extractors get the same rewritten page): ``--obfuscate-names`` replaces
every class and id by a meaningless token, as on sites with build-time hashed class names;
``--plain-markup`` also turns every semantic element into a ``div`` and drops ``role``,
``itemprop`` and ``rel``, as on sites without semantic markup; ``--no-metadata`` removes
JSON-LD, meta tags and the canonical link, so title, dates and authors must come from what the
page shows. They show how much an extractor leans on what pages of sites it was never tuned
on may lack.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import _corpus as C


@dataclass
class Output:
    title: str | None
    body: str
    authors: tuple[str, ...]
    published: Any
    note: str = ""


@dataclass
class Score:
    name: str
    pages: int = 0
    p: float = 0.0
    r: float = 0.0
    f: float = 0.0
    title_hits: int = 0
    date_total: int = 0
    date_hits: int = 0
    author_total: int = 0
    author_f: float = 0.0
    leaked_pages: int = 0
    cpu: float = 0.0
    pps: float = 0.0
    per_page: list[dict[str, Any]] = field(default_factory=list)


def run_ingest(html: bytes, url: str | None) -> Output:
    from ingest.extract import extract
    from ingest.model import NotArticle

    res = extract(html, url)
    if isinstance(res, NotArticle):
        return Output(res.title, "", (), None, note=f"not_article:{res.reason}")
    parts = ([res.lead] if res.lead else []) + [b.text for b in res.blocks]
    return Output(res.title, "\n\n".join(parts), res.authors, res.published, note=res.strategy)


def run_trafilatura(html: bytes, url: str | None) -> Output:
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return Output(None, "", (), None, note="none")
    authors = tuple(a.strip() for a in (doc.author or "").split(";") if a.strip())
    return Output(doc.title, doc.text or "", authors, doc.date)


def run_trafilatura_text(html: bytes, url: str | None) -> Output:
    """trafilatura's plain ``extract()``: body text only, no metadata, default settings."""
    import trafilatura

    text = trafilatura.extract(html, url=url)
    return Output(None, text or "", (), None)


def run_trafilatura_fast(html: bytes, url: str | None) -> Output:
    """trafilatura's ``extract(fast=True)``: body text only, without its fallback extractors."""
    import trafilatura

    text = trafilatura.extract(html, url=url, fast=True)
    return Output(None, text or "", (), None)


#: Extractors that return no metadata: their title/date/author columns are not applicable.
BODY_ONLY = frozenset({"trafilatura-text", "trafilatura-fast"})

EXTRACTORS: dict[str, Callable[[bytes, str | None], Output]] = {
    "ingest": run_ingest,
    "trafilatura": run_trafilatura,
    "trafilatura-text": run_trafilatura_text,
    "trafilatura-fast": run_trafilatura_fast,
}


def score(s: Score, case: C.Case, out: Output, cpu: float) -> None:
    p, r, f = C.prf(C.tokens(out.body), C.tokens(case.body))
    s.pages += 1
    s.p, s.r, s.f, s.cpu = s.p + p, s.r + r, s.f + f, s.cpu + cpu
    title_ok = C.norm_title(out.title) == C.norm_title(case.title)
    s.title_hits += title_ok
    date_ok = None
    if case.published:
        s.date_total += 1
        date_ok = C.pred_day(out.published, case.published) == C.gold_day(case.published)
        s.date_hits += date_ok
    af = None
    if case.authors:
        s.author_total += 1
        af = C.author_f1(out.authors, case.authors)
        s.author_f += af
    leaked = C.leaked_chrome(out.body, case.body)
    s.leaked_pages += bool(leaked)
    s.per_page.append(
        {
            "id": case.id,
            "p": round(p, 4),
            "r": round(r, 4),
            "f": round(f, 4),
            "title_ok": title_ok,
            "title": out.title,
            "gold_title": case.title,
            "date_ok": date_ok,
            "published": str(out.published),
            "gold_published": case.published,
            "author_f1": af,
            "authors": list(out.authors),
            "gold_authors": list(case.authors or ()),
            "leaked": leaked,
            "note": out.note,
        }
    )


def table(scores: list[Score]) -> str:
    head = (
        "| extractor | pages | body P | body R | body F1 | title exact | date (day) "
        "| author F1 | chrome leaked | pages/s (1 core) |"
    )
    rows = [head, "|" + " --- |" * 10]
    for s in scores:
        n = max(s.pages, 1)
        if s.name in BODY_ONLY:
            meta = "| n/a | n/a | n/a "
        else:
            meta = (
                f"| {s.title_hits / n:.1%} | {s.date_hits / max(s.date_total, 1):.1%} "
                f"({s.date_hits}/{s.date_total}) | {s.author_f / max(s.author_total, 1):.3f} "
            )
        rows.append(
            f"| {s.name} | {s.pages} | {s.p / n:.3f} | {s.r / n:.3f} | {s.f / n:.3f} "
            + meta
            + f"| {s.leaked_pages} | {s.pps:.1f} |"
        )
    return "\n".join(rows)


def _passes(cases: list[C.Case], names: list[str], scores: dict[str, Score], rounds: int) -> None:
    """Each extractor runs a pass of its own over the pages (held in memory), the extractors
    taking turns, ``rounds`` times; speed is the median pass. Quality comes from the first."""
    speeds: dict[str, list[float]] = {n: [] for n in names}
    for rnd in range(rounds):
        for n in names:
            extract = EXTRACTORS[n]
            gc.collect()
            t0 = time.process_time()
            outputs = [extract(case.html, case.url) for case in cases]
            cpu = time.process_time() - t0
            speeds[n].append(len(cases) / cpu if cpu else 0.0)
            if rnd == 0:
                for case, out in zip(cases, outputs, strict=True):
                    score(scores[n], case, out, 0.0)
            del outputs
    for n in names:
        scores[n].pps = statistics.median(speeds[n])
        print(f"{n}: pages/s per pass {', '.join(f'{v:.1f}' for v in speeds[n])}", file=sys.stderr)


def _interleaved(cases: list[C.Case], names: list[str], scores: dict[str, Score]) -> None:
    """One pass, the extractors taking turns on each page (each page timed on its own)."""
    gc.collect()
    for case in cases:
        for n in names:
            t0 = time.process_time()
            out = EXTRACTORS[n](case.html, case.url)
            score(scores[n], case, out, time.process_time() - t0)
    for s in scores.values():
        s.pps = s.pages / s.cpu if s.cpu else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=C.DEFAULT_CORPUS)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--only", choices=sorted(EXTRACTORS), default=None)
    ap.add_argument("--json", type=Path, default=None, help="write per-page scores here")
    ap.add_argument("--show-worst", type=int, default=0, help="list the N worst pages by F1")
    ap.add_argument("--id", action="append", default=None, help="run only this page id")
    ap.add_argument("--rounds", type=int, default=3, help="timed passes per extractor (median)")
    ap.add_argument(
        "--interleave",
        action="store_true",
        help="one pass, extractors alternating page by page (each pays for the other's garbage)",
    )
    ap.add_argument(
        "--obfuscate-names",
        action="store_true",
        help="replace every class/id value by a meaningless token first (hashed class names)",
    )
    ap.add_argument(
        "--plain-markup",
        action="store_true",
        help="also make every semantic element a div and drop role/itemprop/rel attributes",
    )
    ap.add_argument(
        "--no-metadata",
        action="store_true",
        help="remove JSON-LD, meta tags and the canonical link first (metadata from the page)",
    )
    args = ap.parse_args(argv)

    names = [args.only] if args.only else list(EXTRACTORS)
    scores = {n: Score(n) for n in names}
    for n in names:  # warm up imports outside the timed region
        EXTRACTORS[n](b"<html><body><p>warm up</p></body></html>", None)
    only = set(args.id) if args.id else None
    cases = list(
        C.load(
            args.corpus,
            args.limit,
            only,
            obfuscate=args.obfuscate_names,
            plain=args.plain_markup,
            no_metadata=args.no_metadata,
        )
    )
    if args.interleave:
        _interleaved(cases, names, scores)
    else:
        _passes(cases, names, scores, args.rounds)
    print(table(list(scores.values())))
    for s in scores.values():
        if args.show_worst:
            print(f"\nworst pages for {s.name}:")
            for row in sorted(s.per_page, key=lambda r: r["f"])[: args.show_worst]:
                print(
                    f"  {row['f']:.3f} p={row['p']:.2f} r={row['r']:.2f} {row['id']} {row['note']}"
                )
    if args.json:
        args.json.write_text(
            json.dumps(
                {n: s.per_page for n, s in scores.items()},
                indent=1,
                ensure_ascii=False,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
