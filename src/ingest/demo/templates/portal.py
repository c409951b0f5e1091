"""Template "portal": a classic news portal built around ``<article>``.

Cookie banner, share bar, a visible byline with ``<time datetime>``, a newsletter box and a
"Related" block *inside* ``<article>``, a "Most read" sidebar, a comments section and a large
footer. JSON-LD has a single author object when there is one author.
"""

from __future__ import annotations

from datetime import timedelta, timezone

from ingest.demo.templates.common import (
    ArticleContext,
    esc,
    grouped,
    inline,
    iso,
    jsonld,
    news_article_ld,
    og_meta,
    recent_list,
    section_nav,
    teaser_slot,
    teaser_text,
)
from ingest.demo.templates.house import after_paragraph, house_box, place

__all__ = ["render"]

_HOURS = -4.0

_COMMENTS = (
    ("reader_{id}", "Finally someone asks the obvious questions. Thanks for the reporting."),
    ("mk{id}", "I was there last week and it looked nothing like this."),
    ("anon{id}", "Who is paying for all of this in the end? We are."),
)


def _body(ctx: ArticleContext) -> str:
    groups = grouped(ctx.story.blocks)
    parts: list[str] = []
    for k, (kind, texts) in enumerate(groups):
        if kind == "h":
            parts.append(f"<h2>{esc(texts[0])}</h2>")
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{esc(t)}</li>" for t in texts) + "</ul>")
        elif kind == "quote":
            parts.append(f'<blockquote class="pullquote">{esc(texts[0])}</blockquote>')
        else:
            link = f' href="/tag/{ctx.story.tags[-1]}" class="internal"'
            text = inline(texts[0], tag="a", attrs=link) if k % 2 else esc(texts[0])
            parts.append(f'<p class="article-text">{text}</p>')
    inserts = [(after_paragraph(groups, 3), house_box(ctx.story))]
    if ctx.teaser is not None:
        inserts.append(
            (
                teaser_slot(groups),
                '<p class="read-also"><strong>Read also:</strong> '
                f'<a href="{esc(ctx.teaser.path)}">{esc(teaser_text(ctx.teaser.title))}</a></p>',
            )
        )
    return "\n".join(place(parts, inserts))


def _comments(ctx: ArticleContext) -> str:
    items = "".join(
        f'<li class="comment"><span class="comment-author">{esc(user.format(id=ctx.story.id))}'
        f'</span><p class="comment-text">{esc(text)}</p></li>'
        for user, text in _COMMENTS
    )
    return (
        f'<section id="comments" class="comments"><h3>Comments ({len(_COMMENTS)})</h3>'
        f'<ol class="comment-list">{items}</ol><form class="comment-form"><textarea name="c">'
        "</textarea><button>Post comment</button></form></section>"
    )


def _byline(ctx: ArticleContext) -> str:
    s = ctx.story
    names = " and ".join(
        f'<a rel="author" href="/about#staff-{k}">{esc(a)}</a>' for k, a in enumerate(s.authors)
    )
    shown = f"{s.published.astimezone(timezone(timedelta(hours=_HOURS))):%B %d, %Y}"
    return (
        f'<div class="byline">By {names} <span class="sep">|</span> '
        f'<time class="published" datetime="{iso(s.published, _HOURS)}">{shown}</time></div>'
    )


def render(ctx: ArticleContext) -> str:
    s = ctx.story
    most_read = recent_list(ctx.recent[::-1], item_class="most-read__item")
    related = recent_list(ctx.recent[:3])
    label = '<p class="kicker">Partner content</p>' if ctx.partner else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(s.title)} - {esc(ctx.site_name)}</title>
<link rel="canonical" href="{esc(ctx.url)}">
<meta name="description" content="{esc(s.lead)}">
{og_meta(ctx, hours=_HOURS)}
{jsonld(news_article_ld(ctx, hours=_HOURS, author_list=False))}
</head>
<body>
<div id="cookie-banner" class="cookie-consent" role="dialog"><p>We use cookies to improve your \
experience and to show you personalised advertising. By continuing to browse you accept our \
cookie policy.</p><button class="accept">Accept all</button><button class="reject">Manage \
preferences</button></div>
<header class="portal-header"><a class="logo" href="/">{esc(ctx.site_name)}</a>
<nav class="sections">{section_nav()}</nav>
<form class="search" action="/search"><input name="q" placeholder="Search"></form></header>
<div class="layout">
<article class="story">
{label}<h1 class="story-title">{esc(s.title)}</h1>
<p class="story-summary">{esc(s.lead)}</p>
{_byline(ctx)}
<div class="share-bar"><span>Share</span><a class="short-link" href="/r/{s.id}">Copy link</a>\
<a href="#">Facebook</a><a href="#">X</a>\
<a href="#">WhatsApp</a><a href="#">Email</a></div>
<figure class="lead-image"><img src="{esc(s.image_url)}" alt=""><figcaption>\
<span class="caption">{esc(s.image_caption)}</span> <span class="credit">Photo: \
{esc(s.image_credit.upper())}</span></figcaption></figure>
<div class="story-body">
{_body(ctx)}
</div>
<div class="newsletter-box"><h4>Get the morning briefing</h4><p>The five stories you need to \
know, in your inbox before 7am.</p><input type="email" placeholder="Your email"><button>Sign up\
</button></div>
<div class="tags">Topics: {", ".join(f'<a href="/tag/{esc(t)}">{esc(t)}</a>' for t in s.tags)}\
</div>
<aside class="related"><h3>Related</h3><ul>{related}</ul></aside>
</article>
<aside class="sidebar"><div class="most-read"><h3>Most read</h3><ol>{most_read}</ol></div>
<div class="ad-slot">Advertisement</div></aside>
</div>
{_comments(ctx)}
<footer class="portal-footer"><div class="footer-cols"><ul><li><a href="/about">About us</a>\
</li><li><a href="/contact">Contact</a></li><li><a href="/privacy">Privacy</a></li></ul>\
<p>&copy; {ctx.today.year} {esc(ctx.site_name)}. Reproduction prohibited.</p></div></footer>
</body>
</html>
"""
