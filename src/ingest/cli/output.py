"""Terminal output helpers: progress bar, summaries, article rendering."""

from __future__ import annotations

import json
import sys
import textwrap
from collections import Counter
from typing import Any, TextIO

from tqdm import tqdm

from ingest.model import OutcomeKind, Result
from ingest.pipeline.crawl import LearnSummary, Summary
from ingest.store.base import StoredArticle, article_record

__all__ = [
    "BarProgress",
    "learnt_line",
    "print_article",
    "print_json",
    "print_learnt",
    "print_summary",
]


class BarProgress:
    """A tqdm progress bar on stderr counting URLs settled, with live outcome counts.

    ``total``: the number of items is known in advance (``add_total`` is then ignored).
    ``note(label)`` counts an item that has no outcome (yet): a page fetched into a WARC, a
    page learnt from."""

    def __init__(
        self,
        *,
        enabled: bool = True,
        stream: TextIO | None = None,
        desc: str = "crawling",
        unit: str = "url",
        total: int | None = None,
    ) -> None:
        self._bar = tqdm(
            total=total or 0,
            unit=unit,
            desc=desc,
            disable=not enabled,
            file=stream or sys.stderr,
            dynamic_ncols=True,
            leave=True,
            mininterval=0.2,
        )
        self._fixed_total = total is not None
        self._stored = self._dups = self._failed = 0
        self._settled = False
        self._notes: Counter[str] = Counter()

    def add_total(self, n: int) -> None:
        if self._fixed_total:
            return
        self._bar.total = (self._bar.total or 0) + n
        self._bar.refresh()

    def advance(self, result: Result) -> None:
        if result.kind is OutcomeKind.STORED:
            self._stored += 1
        elif result.kind is OutcomeKind.DUPLICATE:
            self._dups += 1
        elif result.kind is OutcomeKind.FAILED:
            self._failed += 1
        self._settled = True
        self._postfix()
        self._bar.update(1)

    def note(self, label: str) -> None:
        self._notes[label] += 1
        self._postfix()
        self._bar.update(1)

    def _postfix(self) -> None:
        counts: dict[str, int] = dict(self._notes)
        if self._settled or not self._notes:
            counts.update(stored=self._stored, dup=self._dups, failed=self._failed)
        self._bar.set_postfix(counts, refresh=False)

    def close(self) -> None:
        self._bar.close()


def print_json(data: Any, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_summary(summary: Summary, *, elapsed: float, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    k = summary.count
    lines = [
        "",
        "Crawl summary",
        f"  discovery documents fetched  {summary.discovery_fetched}",
        f"  article URLs discovered      {summary.discovered}",
        f"  skipped (not due yet)        {summary.skipped_not_due}",
        f"  pages fetched                {summary.fetched}",
        f"  articles stored (new)        {k(OutcomeKind.STORED)}",
        f"    of which near-duplicates   {summary.near_duplicates} (grouped into clusters)",
        f"  articles updated             {k(OutcomeKind.UPDATED)}",
        f"  unchanged                    {k(OutcomeKind.UNCHANGED)}",
        f"  exact duplicates             {k(OutcomeKind.DUPLICATE)}",
        f"  not articles                 {k(OutcomeKind.NOT_ARTICLE)}",
        f"  disallowed                   {k(OutcomeKind.DISALLOWED)}",
        f"  failed                       {k(OutcomeKind.FAILED)}",
        f"  elapsed                      {elapsed:.1f} s",
    ]
    if summary.reasons:
        lines.append("  reasons:")
        lines.extend(f"    {key:<34} {n}" for key, n in sorted(summary.reasons.items()))
    out.write("\n".join(lines) + "\n")


_SKIPPED = {
    "not_article": "not articles",
    "same_url": "same URL again",
    "duplicate": "exact duplicates",
    "near_duplicate": "near-duplicates",
    "known": "already stored",
}


def learnt_line(learnt: LearnSummary) -> str:
    """One line on what the learning pass of a learn-first run counted."""
    hosts = ", ".join(f"{host} {n}" for host, n in learnt.counted.most_common(3))
    more = f", {learnt.hosts - 3} more" if learnt.hosts > 3 else ""
    skipped = ", ".join(f"{n} {_SKIPPED.get(k, k)}" for k, n in sorted(learnt.skipped.items()))
    return (
        f"learnt first: {learnt.counted_pages} of {learnt.pages} pages counted, "
        f"{learnt.hosts} host{'s' if learnt.hosts != 1 else ''}"
        + (f" ({hosts}{more})" if hosts else "")
        + (f"; skipped {skipped}" if skipped else "")
    )


def print_learnt(learnt: LearnSummary, stream: TextIO | None = None) -> None:
    """What the learning pass counted (before the crawl summary of a learn-first run)."""
    out = stream or sys.stdout
    lines = [
        "",
        "Learnt first (pass 1: counting only)",
        f"  pages read                   {learnt.pages}",
        f"  article pages counted        {learnt.counted_pages}",
        f"  hosts                        {learnt.hosts}",
    ]
    lines.extend(f"    {host:<26} {n}" for host, n in learnt.counted.most_common(10))
    if learnt.hosts > 10:
        lines.append(f"    ... and {learnt.hosts - 10} more hosts")
    lines.extend(
        f"  skipped: {_SKIPPED.get(k, k):<19} {n}" for k, n in sorted(learnt.skipped.items())
    )
    out.write("\n".join(lines) + "\n")


def print_article(article: StoredArticle, stream: TextIO | None = None) -> None:
    """A readable rendering of one clean article."""
    out = stream or sys.stdout
    rec = article_record(article)
    width = 88
    head = [
        f"# {rec['title']}",
        f"url:       {rec['url']}",
        f"published: {rec['published'] or '-'}    language: {rec['language'] or '-'}",
        f"authors:   {', '.join(rec['authors']) or '-'}",
        f"cluster:   {rec['cluster_id']}{' (canonical)' if rec['is_cluster_canonical'] else ''}"
        f"    words: {rec['word_count']}    version: {rec['version']}",
    ]
    for image in rec["images"][:1]:
        caption = " / ".join(x for x in (image["caption"], image["credit"]) if x)
        head.append(f"image:     {image['url']}" + (f"  [{caption}]" if caption else ""))
    body: list[str] = []
    if rec["lead"]:
        body.append(textwrap.fill(rec["lead"], width))
    for block in rec["blocks"]:
        if block["kind"] == "h":
            body.append("## " + block["text"])
        elif block["kind"] == "li":
            body.append(
                textwrap.fill(block["text"], width, initial_indent="  - ", subsequent_indent="    ")
            )
        elif block["kind"] == "quote":
            body.append(
                textwrap.fill(block["text"], width, initial_indent="  > ", subsequent_indent="  > ")
            )
        else:
            body.append(textwrap.fill(block["text"], width))
    out.write("\n".join(head) + "\n\n" + "\n\n".join(body) + "\n")
