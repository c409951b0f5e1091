"""Template "react": a modern client-rendered site, all ``div`` soup and hashed class names.

No ``<article>``, no ``<time>``: the visible date is relative ("2 days ago", measured from the
site's fixed reference date), the byline is plain text "By A and B", and the real metadata sits
in a JSON-LD ``@graph`` and OpenGraph tags. A ``__NEXT_DATA__`` blob repeats the headline.
"""

from __future__ import annotations

import json

from ingest.demo.stories import REFERENCE_DATE
from ingest.demo.templates.common import (
    ArticleContext,
    byline,
    css,
    esc,
    grouped,
    inline,
    jsonld,
    news_article_ld,
    og_meta,
    teaser_slot,
    teaser_text,
)
from ingest.demo.templates.house import after_paragraph, house_box, place

__all__ = ["render"]

_HOURS = 0.0


def _c(name: str) -> str:
    return css("react", name)


def _body(ctx: ArticleContext) -> str:
    groups = grouped(ctx.story.blocks)
    parts: list[str] = []
    for k, (kind, texts) in enumerate(groups):
        if kind == "h":
            parts.append(f'<h2 class="{_c("h2")}">{esc(texts[0])}</h2>')
        elif kind == "ul":
            items = "".join(f'<li class="{_c("li")}">{esc(t)}</li>' for t in texts)
            parts.append(f'<ul class="{_c("ul")}">{items}</ul>')
        elif kind == "quote":
            parts.append(f'<div class="{_c("quote")}"><q>{esc(texts[0])}</q></div>')
        else:
            link = f' class="{_c("link")}" href="/section/{ctx.story.section}"'
            text = inline(texts[0], tag="a", attrs=link) if k % 2 else esc(texts[0])
            parts.append(f'<div class="{_c("pwrap")}"><p class="{_c("p")}">{text}</p></div>')
    inserts = [(after_paragraph(groups, 1), house_box(ctx.story))]
    if ctx.teaser is not None:
        inserts.append(
            (
                teaser_slot(groups),
                f'<div class="{_c("inline")}"><span class="{_c("label")}">Read more</span>'
                f'<a href="{esc(ctx.teaser.path)}">{esc(teaser_text(ctx.teaser.title))}</a></div>',
            )
        )
    return "\n".join(place(parts, inserts))


def _ago(ctx: ArticleContext) -> str:
    days = (REFERENCE_DATE - ctx.story.published).days
    return "Today" if days < 1 else f"{days} day{'s' if days != 1 else ''} ago"


def _graph(ctx: ArticleContext) -> dict[str, object]:
    article = news_article_ld(ctx, hours=_HOURS)
    del article["@context"]
    page = {"@type": "WebPage", "@id": ctx.url, "name": ctx.story.title}
    return {"@context": "https://schema.org", "@graph": [page, article]}


def _next_data(ctx: ArticleContext) -> str:
    props = {"props": {"pageProps": {"id": ctx.story.id, "headline": ctx.story.title}}}
    return json.dumps(props).replace("</", "<\\/")


def render(ctx: ArticleContext) -> str:
    s = ctx.story
    popular = "".join(
        f'<div class="{_c("pop")}"><span class="{_c("rank")}">{k + 1}</span>'
        f'<a href="{esc(r.path)}">{esc(r.title)}</a></div>'
        for k, r in enumerate(ctx.recent)
    )
    brand = esc(ctx.site_name)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>
<title>{esc(s.title)}</title>
<link rel="canonical" href="{esc(ctx.url)}"/>
{og_meta(ctx, hours=_HOURS)}
{jsonld(_graph(ctx))}
</head><body><div id="__next"><div class="{_c("app")}">
<div class="{_c("topnav")}"><a href="/" class="{_c("brand")}">{brand}</a>\
<div class="{_c("menu")}"><a href="/section/world">World</a><a href="/section/business">Business\
</a><a href="/section/technology">Tech</a></div><button class="{_c("sub")}">Subscribe</button></div>
<div class="{_c("ad")}">Advertisement</div>
<div class="{_c("main")}"><div class="{_c("col")}">
<div class="{_c("kicker")}"><a href="/section/{s.section}">{esc(s.section.upper())}</a></div>
<h1 class="{_c("h1")}" data-testid="headline">{esc(s.title)}</h1>
<div class="{_c("dek")}">{esc(s.lead)}</div>
<div class="{_c("meta")}"><div class="{_c("byline")}">{esc(byline(s.authors))}</div>\
<div class="{_c("date")}">{_ago(ctx)}</div></div>
<div class="{_c("media")}"><img src="{esc(s.image_url)}" alt="{esc(s.image_caption)}"/>\
<div class="{_c("cap")}">{esc(s.image_caption)} <span class="{_c("credit")}">\
{esc(s.image_credit.title())}</span></div></div>
<div class="{_c("body")}">
{_body(ctx)}
</div>
<div class="{_c("newsletter")}"><div>Sign up for Breaking News alerts</div>\
<input placeholder="Email address"/><button>Sign up</button></div>
</div><div class="{_c("rail")}"><div class="{_c("railhead")}">Most Popular</div>{popular}</div>
</div>
<div class="{_c("footer")}"><a href="/about">About</a><a href="/privacy">Privacy</a>\
<a href="/contact">Contact</a><div>&copy; {ctx.today.year} {brand}</div></div>
</div></div>
<script id="__NEXT_DATA__" type="application/json">{_next_data(ctx)}</script>
</body></html>
"""
