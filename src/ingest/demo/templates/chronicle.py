"""Template "chronicle": the structure of the seed page (a WordPress-style news theme).

Header "today" date widget (never the article's date), breadcrumbs Home > Section > title,
the headline repeated in a sticky bar, a captioned photo ("caption. / afp"), the standfirst,
paragraphs with an inline teaser cut short in the middle and h2 subheadings, then a
"Recent posts" list. Dates and authors are only in JSON-LD and OpenGraph.
"""

from __future__ import annotations

from ingest.demo.templates.common import (
    ArticleContext,
    esc,
    grouped,
    inline,
    jsonld,
    news_article_ld,
    og_meta,
    recent_list,
    section_nav,
    teaser_slot,
    teaser_text,
    widget_date,
)
from ingest.demo.templates.house import after_paragraph, house_box, place

__all__ = ["render"]

_HOURS = 1.0


def _body(ctx: ArticleContext) -> str:
    groups = grouped(ctx.story.blocks)
    parts: list[str] = []
    for k, (kind, texts) in enumerate(groups):
        if kind == "h":
            parts.append(f'<h2 class="wp-block-heading">{esc(texts[0])}</h2>')
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{esc(t)}</li>" for t in texts) + "</ul>")
        elif kind == "quote":
            parts.append(f'<blockquote class="wp-block-quote"><p>{esc(texts[0])}</p></blockquote>')
        else:
            link = f' href="/section/{ctx.story.section}"'
            text = inline(texts[0], tag="a", attrs=link) if k % 2 else esc(texts[0])
            parts.append(f"<p>{text}</p>")
    inserts = [(after_paragraph(groups, 2), house_box(ctx.story))]
    if ctx.teaser is not None:
        teaser = (
            '<div class="related-inline"><a class="related-inline__link" '
            f'href="{esc(ctx.teaser.path)}">{esc(teaser_text(ctx.teaser.title))}</a></div>'
        )
        inserts.append((teaser_slot(groups), teaser))
    return "\n".join(place(parts, inserts))


def render(ctx: ArticleContext) -> str:
    s = ctx.story
    section = s.section.title()
    cookie = ""
    if ctx.partner:
        cookie = '<div class="partner-ribbon">Syndicated content from our partners</div>'
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(s.title)} | {esc(ctx.site_name)}</title>
<meta name="description" content="{esc(s.lead)}">
<link rel="canonical" href="{esc(ctx.url)}">
{og_meta(ctx, hours=_HOURS)}
<link rel="stylesheet" href="/assets/chronicle.css">
{jsonld(news_article_ld(ctx, hours=_HOURS))}
</head>
<body class="post-template-default single single-post">
{cookie}
<header id="masthead" class="site-header">
<div class="top-bar"><span class="today-date">{widget_date(ctx.today)}</span>
<ul class="social"><li><a href="#">Facebook</a></li><li><a href="#">Twitter</a></li></ul></div>
<div class="site-branding"><a href="/" rel="home">{esc(ctx.site_name)}</a></div>
<nav id="site-navigation" class="main-navigation">{section_nav()}</nav>
</header>
<div id="content" class="site-content">
<div class="breadcrumbs"><a href="/">Home</a><a href="/section/{s.section}">{section}</a><span \
class="breadcrumb_last">{esc(s.title)}</span></div>
<div class="sticky-share" aria-hidden="true"><span class="sticky-title">{esc(s.title)}</span></div>
<main id="main" class="site-main">
<div class="post-header"><h1 class="entry-title">{esc(s.title)}</h1></div>
<figure class="post-thumbnail"><img src="{esc(s.image_url)}" alt="{esc(s.image_caption)}" \
width="1200" height="675"><figcaption>{esc(s.image_caption)} / {esc(s.image_credit)}</figcaption>\
</figure>
<div class="entry-excerpt"><p>{esc(s.lead)}</p></div>
<div class="entry-content">
{_body(ctx)}
</div>
</main>
<aside class="widget-area"><section class="widget widget_recent_entries">
<h2 class="widget-title">Recent posts</h2><ul>{recent_list(ctx.recent)}</ul></section></aside>
</div>
<footer class="site-footer"><p>&copy; {ctx.today.year} {esc(ctx.site_name)}. All rights \
reserved.</p><ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li>\
<li><a href="/privacy">Privacy policy</a></li></ul></footer>
</body>
</html>
"""
