"""Site-aware chrome learning, on and off in the same run.

Two page sets with several pages per host:
- the corpus hosts that have at least two pages (``../shared/corpus``), learnt first from all
  of a host's pages, then extracted (the batch "learn first, extract second" mode; with so few
  pages per host a block must be on every page of its host, or on every page that has its
  slot);
- the demo site (six templates on one host, each with house chrome of its own in rotating
  variants), learnt as a crawl would: each page is extracted with what the host's earlier
  pages taught, then counted (so a variant's first pages, the cold start, leak).

For each set and both together: chrome leakage (body paragraphs that are mostly not in the
ground truth, and pages with any), body precision / recall / F1 over word tokens, and
extraction speed (pages/s of the parser with the learnt profile and without it: per page the
best of a few rounds, both modes back to back, in CPU time of the one benchmark process). The
last lines check the issue's floors: leakage at least halved, recall not lower by more than
0.005, speed within 20 % of the generic path.

    .venv/bin/python bench/learn_bench.py [--demo-articles 300] [--rounds 5] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).parent))

from _corpus import DEFAULT_CORPUS, load, tokens
from ingest import extract
from ingest.demo.site import DemoConfig, DemoSite
from ingest.extract.profile import SLOT_SEP, BlockStat, HostProfile, chrome_of
from ingest.model import Extracted, PageBlock

MIN_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class Doc:
    host: str
    url: str
    html: bytes
    gold: str


class Learner:
    """The store's counting rules in memory (``ingest.store.sites``)."""

    def __init__(self, min_pages: int) -> None:
        self.min_pages = min_pages
        self.pages: Counter[str] = Counter()
        self.stats: dict[str, dict[str, BlockStat]] = defaultdict(dict)

    def add(self, host: str, blocks: Sequence[PageBlock]) -> None:
        self.pages[host] += 1
        page = self.pages[host]
        table = self.stats[host]
        for fp in {b.fingerprint for b in blocks}:
            old = table.get(fp)
            table[fp] = (
                BlockStat(1, page, page)
                if old is None
                else BlockStat(old.count + 1, old.first_page, page)
            )

    def profile(self, host: str) -> HostProfile:
        chrome = chrome_of(self.stats[host], min_pages=self.min_pages, min_share=MIN_SHARE)
        return HostProfile(host, self.pages[host], chrome)

    def on_every_page(self, host: str) -> HostProfile:
        """Chrome for "learn first" on a few pages: a block on every page of its host, or on
        every page that has its slot (and at least two)."""
        stats = self.stats[host]
        chrome = set()
        for key, stat in stats.items():
            slot, sep, fp = key.rpartition(SLOT_SEP)
            if not key or not fp or stat.count < 2:
                continue
            pages = stats[slot + SLOT_SEP].count if sep else self.pages[host]
            if stat.count == pages:
                chrome.add(key)
        return HostProfile(host, self.pages[host], frozenset(chrome))


def leaked(body: str, gold: str) -> int:
    """Paragraphs of ``body`` whose tokens are mostly absent from the ground truth."""
    gold_tokens = tokens(gold)
    count = 0
    for para in body.split("\n\n"):
        toks = tokens(para)
        if toks and sum((toks & gold_tokens).values()) < 0.5 * sum(toks.values()):
            count += 1
    return count


@dataclass(slots=True)
class Score:
    pages: int = 0
    leaked_paragraphs: int = 0
    leaky_pages: int = 0
    tp: float = 0.0
    pred: float = 0.0
    gold: float = 0.0

    def add(self, body: str, gold: str) -> None:
        self.pages += 1
        n = leaked(body, gold)
        self.leaked_paragraphs += n
        self.leaky_pages += n > 0
        p, g = tokens(body), tokens(gold)
        self.tp += sum((p & g).values())
        self.pred += sum(p.values())
        self.gold += sum(g.values())

    def __add__(self, other: Score) -> Score:
        return Score(
            self.pages + other.pages,
            self.leaked_paragraphs + other.leaked_paragraphs,
            self.leaky_pages + other.leaky_pages,
            self.tp + other.tp,
            self.pred + other.pred,
            self.gold + other.gold,
        )

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    def row(self, name: str, mode: str, seconds: float) -> str:
        p, r = self.precision, self.recall
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return (
            f"| {name} | {mode} | {self.pages} | {self.leaked_paragraphs} | {self.leaky_pages} | "
            f"{p:.4f} | {r:.4f} | {f1:.4f} | {self.pages / seconds:,.0f} |"
        )


@dataclass(slots=True)
class Result:
    """One page set, learning off and on: scores and the best time of one pass (seconds)."""

    name: str
    off: Score
    on: Score
    docs: list[Doc]
    profile_of: Callable[[str], HostProfile | None]
    off_seconds: float = float("inf")
    on_seconds: float = float("inf")


def body_of(html: bytes, url: str, profile: HostProfile | None) -> str:
    result = extract(html, url, profile=profile)
    return result.body if isinstance(result, Extracted) else ""


def time_both(results: Sequence[Result], rounds: int) -> None:
    """Per page, the best of ``rounds`` extractions with learning off and on, back to back
    (so a busy moment of the shared machine hits both modes alike), in CPU seconds of this
    process; a set's time is the sum over its pages."""
    for r in results:
        best_off = [float("inf")] * len(r.docs)
        best_on = [float("inf")] * len(r.docs)
        for _ in range(rounds):
            for k, d in enumerate(r.docs):
                profile = r.profile_of(d.host)
                start = time.process_time()
                extract(d.html, d.url)
                middle = time.process_time()
                extract(d.html, d.url, profile=profile)
                end = time.process_time()
                best_off[k] = min(best_off[k], middle - start)
                best_on[k] = min(best_on[k], end - middle)
        r.off_seconds, r.on_seconds = sum(best_off), sum(best_on)


def corpus_docs(corpus: Path) -> list[Doc]:
    by_host: dict[str, list[Doc]] = defaultdict(list)
    for case in load(corpus):
        if case.url:
            host = urlsplit(case.url).hostname or ""
            by_host[host].append(Doc(host, case.url, case.html, case.body))
    return [d for docs in by_host.values() if len(docs) >= 2 for d in docs]


def run_corpus(corpus: Path) -> Result:
    docs = corpus_docs(corpus)
    learner = Learner(min_pages=2)
    empty = HostProfile("", 0, frozenset())
    seen: set[str] = set()
    for d in docs:  # learn first: every page of every host, each URL once
        if d.url in seen:
            continue
        seen.add(d.url)
        result = extract(d.html, d.url, profile=empty)
        if isinstance(result, Extracted):
            learner.add(d.host, result.page_blocks)
    # A block counts as chrome on a host only when it is on every one of its pages here (or
    # every page that has its slot).
    profiles = {h: learner.on_every_page(h) for h in learner.pages}
    off, on = Score(), Score()
    for d in docs:
        off.add(body_of(d.html, d.url, None), d.gold)
        on.add(body_of(d.html, d.url, profiles.get(d.host)), d.gold)
    name = f"corpus, {len(profiles)} hosts"
    return Result(name, off, on, docs, profiles.get)


def demo_docs(n: int) -> list[Doc]:
    site = DemoSite(DemoConfig(n_articles=n))
    base = "https://demo.example"
    docs = []
    for path in site.article_paths():
        story = site.story(site.story_index(path) or 0)
        gold = "\n\n".join([story.lead, *(b.text for b in story.blocks)])
        body = site.render(path, base_url=base).body
        docs.append(Doc("demo.example", base + path, body, gold))
    return docs


def run_demo(n: int) -> Result:
    docs = demo_docs(n)
    learner = Learner(min_pages=3)
    off, on = Score(), Score()
    for d in docs:  # as a crawl: extract with what earlier pages taught, then learn
        profile = learner.profile(d.host)
        result = extract(d.html, d.url, profile=profile)
        body = result.body if isinstance(result, Extracted) else ""
        lead = result.lead if isinstance(result, Extracted) and result.lead else ""
        on.add("\n\n".join(x for x in (lead, body) if x), d.gold)
        if isinstance(result, Extracted):
            learner.add(d.host, result.page_blocks)
        generic = extract(d.html, d.url)
        g_body = generic.body if isinstance(generic, Extracted) else ""
        g_lead = generic.lead if isinstance(generic, Extracted) and generic.lead else ""
        off.add("\n\n".join(x for x in (g_lead, g_body) if x), d.gold)
    final = learner.profile("demo.example")
    return Result("demo site, 6 templates", off, on, docs, lambda h: final)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--demo-articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = [run_corpus(args.corpus), run_demo(args.demo_articles)]
    time_both(results, args.rounds)
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.processor() or platform.machine()};"
        f" Python {platform.python_version()}; min_share {MIN_SHARE}; per page the best of"
        f" {args.rounds} rounds, off and on back to back (CPU time)\n"
    )
    print(
        "| set | mode | pages | leaked paragraphs | pages with leaks | body P | body R | body F1 "
        "| pages/s (1 core) |\n|---|---|---|---|---|---|---|---|---|"
    )
    for r in results:
        print(r.off.row(r.name, "learning off", r.off_seconds))
        print(r.on.row(r.name, "learning on", r.on_seconds))
    off = sum((r.off for r in results), Score())
    on = sum((r.on for r in results), Score())
    off_s = sum(r.off_seconds for r in results)
    on_s = sum(r.on_seconds for r in results)
    print(off.row("both", "learning off", off_s))
    print(on.row("both", "learning on", on_s))
    print()
    for name, a, b, sa, sb in [
        *((r.name, r.off, r.on, r.off_seconds, r.on_seconds) for r in results),
        ("both", off, on, off_s, on_s),
    ]:
        leak = b.leaked_paragraphs / a.leaked_paragraphs if a.leaked_paragraphs else 1.0
        print(
            f"{name}: leakage x{leak:.2f} (floor 0.50), recall {b.recall - a.recall:+.4f} "
            f"(floor -0.005), speed {sa / sb - 1:+.1%} (floor -20%)"
        )


if __name__ == "__main__":
    main()
