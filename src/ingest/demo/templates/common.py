"""Shared pieces of the demo site's article templates: escaping, metadata and chrome."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from html import escape

from ingest.demo.stories import SITE_NAME, DemoStory, StoryRef
from ingest.demo.vocab import SECTIONS
from ingest.model import Block

__all__ = [
    "PARTNER_NAME",
    "ArticleContext",
    "byline",
    "css",
    "esc",
    "grouped",
    "inline",
    "iso",
    "jsonld",
    "news_article_ld",
    "og_meta",
    "recent_list",
    "section_nav",
    "teaser_slot",
    "teaser_text",
    "widget_date",
]

PARTNER_NAME = "Ledger Wire Partners"


@dataclass(frozen=True, slots=True)
class ArticleContext:
    """Everything an article template needs: the story plus the links its chrome shows."""

    story: DemoStory
    base_url: str
    today: date
    recent: tuple[StoryRef, ...]
    teaser: StoryRef | None

    @property
    def url(self) -> str:
        return self.base_url + self.story.path

    @property
    def partner(self) -> bool:
        """True for a syndicated copy: its chrome names the partner site."""
        return self.story.syndicated_of is not None

    @property
    def site_name(self) -> str:
        return PARTNER_NAME if self.partner else SITE_NAME

    def absolute(self, path: str) -> str:
        return self.base_url + path


def esc(text: str) -> str:
    return escape(text, quote=True)


def iso(moment: datetime, hours: float) -> str:
    """``moment`` in ISO 8601 at a fixed UTC offset of ``hours`` (0 gives a ``Z`` suffix)."""
    text = moment.astimezone(timezone(timedelta(hours=hours))).isoformat()
    return text.replace("+00:00", "Z")


def css(*parts: object) -> str:
    """A CSS-in-JS style class name (``css-1x2y3a``) derived from ``parts``."""
    digest = hashlib.sha1(":".join(map(str, parts)).encode(), usedforsecurity=False)
    return "css-" + digest.hexdigest()[:6]


def jsonld(obj: object) -> str:
    text = json.dumps(obj, ensure_ascii=False, indent=None).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def news_article_ld(
    ctx: ArticleContext, *, hours: float, author_list: bool = True, kind: object = "NewsArticle"
) -> dict[str, object]:
    """A schema.org NewsArticle for the page (the copy's points to itself, like a partner's)."""
    story = ctx.story
    people = [{"@type": "Person", "name": a} for a in story.authors]
    author: object = people if author_list or len(people) > 1 else people[0]
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": kind,
        "mainEntityOfPage": {"@type": "WebPage", "@id": ctx.url},
        "headline": story.title,
        "description": story.lead,
        "image": [ctx.absolute(story.image_url)],
        "datePublished": iso(story.published, hours),
        "author": author,
        "publisher": {"@type": "Organization", "name": ctx.site_name},
        "articleSection": story.section.title(),
        "keywords": ", ".join(story.tags),
        "inLanguage": story.language,
    }
    if story.modified is not None:
        data["dateModified"] = iso(story.modified, hours)
    return data


def og_meta(ctx: ArticleContext, *, hours: float, published: bool = True) -> str:
    story = ctx.story
    tags = [
        ("og:type", "article"),
        ("og:site_name", ctx.site_name),
        ("og:title", story.title),
        ("og:description", story.lead),
        ("og:url", ctx.url),
        ("og:image", ctx.absolute(story.image_url)),
    ]
    if published:
        tags.append(("article:published_time", iso(story.published, hours)))
        if story.modified is not None:
            tags.append(("article:modified_time", iso(story.modified, hours)))
    tags.append(("article:section", story.section.title()))
    tags.extend(("article:tag", tag) for tag in story.tags)
    return "\n".join(f'<meta property="{k}" content="{esc(v)}">' for k, v in tags)


def byline(authors: Sequence[str], *, prefix: str = "By", conj: str = "and") -> str:
    """``By A``, ``By A and B`` (plain text)."""
    names = list(authors)
    if len(names) <= 1:
        return f"{prefix} {''.join(names)}"
    return f"{prefix} {', '.join(names[:-1])} {conj} {names[-1]}"


def teaser_text(title: str) -> str:
    """A headline cut short in the middle, as inline teasers show it."""
    words = title.split()
    return " ".join(words[: max(2, (len(words) * 2) // 3)])


def section_nav(*, labels: dict[str, str] | None = None) -> str:
    items = "".join(
        f'<li><a href="/section/{s}">{esc((labels or {}).get(s, s.title()))}</a></li>'
        for s in SECTIONS
    )
    return f"<ul>{items}</ul>"


def grouped(blocks: Sequence[Block]) -> list[tuple[str, tuple[str, ...]]]:
    """Blocks with consecutive list items merged: ``("p"|"h"|"quote"|"ul", texts)``."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for block in blocks:
        if block.kind == "li" and out and out[-1][0] == "ul":
            out[-1] = ("ul", (*out[-1][1], block.text))
        elif block.kind == "li":
            out.append(("ul", (block.text,)))
        else:
            out.append((block.kind, (block.text,)))
    return out


def teaser_slot(groups: Sequence[tuple[str, tuple[str, ...]]]) -> int:
    """Where an inline teaser goes: after the paragraph nearest the middle of the body."""
    paras = [k for k, (kind, _) in enumerate(groups) if kind == "p"]
    return paras[len(paras) // 2] + 1 if len(paras) > 1 else len(groups)


def recent_list(refs: Sequence[StoryRef], *, item_class: str = "") -> str:
    attr = f' class="{item_class}"' if item_class else ""
    return "".join(f'<li{attr}><a href="{esc(r.path)}">{esc(r.title)}</a></li>' for r in refs)


def widget_date(day: date) -> str:
    """The header's "today" widget, e.g. ``Monday, June 30, 2025``."""
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


_MID_NAME = re.compile(r"(?<=[a-z,] )([A-Z][a-z]{5,})\b")


def inline(text: str, *, tag: str, attrs: str = "") -> str:
    """Escaped ``text`` with its first mid-sentence capitalised word wrapped in ``<tag>``, as
    article bodies carry links and emphasis; the text content is unchanged."""
    return _MID_NAME.sub(lambda m: f"<{tag}{attrs}>{m.group(1)}</{tag}>", esc(text), count=1)
