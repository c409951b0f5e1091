"""Template "magazine": an older blog-style magazine.

Paragraphs are separated by ``<br><br>`` inside one ``div`` (no ``<p>``), subheadings are
``<h3>``, lists and quotes are ``<ul>``/``<blockquote>``. No JSON-LD: the date is in a
``<time datetime>`` element and the author in ``<meta name="author">`` and a "By A and B" line.
Chrome: tag cloud, "You might also like" grid, comment count and a blogroll. Served as
windows-1252, declared in the Content-Type header and a ``<meta http-equiv>``.
"""

from __future__ import annotations

from ingest.demo.templates.common import (
    ArticleContext,
    byline,
    esc,
    grouped,
    inline,
    iso,
    og_meta,
    recent_list,
    teaser_slot,
    teaser_text,
)
from ingest.demo.templates.house import house_box

__all__ = ["ENCODING", "render"]

_HOURS = 2.0
#: The magazine's CMS predates UTF-8: characters outside the code page become ``&#NNN;``.
ENCODING = "windows-1252"


def _body(ctx: ArticleContext) -> str:
    groups = grouped(ctx.story.blocks)
    parts: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            parts.append("<br><br>\n".join(run) + "<br><br>")
            run.clear()

    teaser_at = teaser_slot(groups) if ctx.teaser is not None else -1
    for k, (kind, texts) in enumerate(groups):
        if k == teaser_at and ctx.teaser is not None:
            flush()
            parts.append(
                f'<div class="see-also">&raquo; <a href="{esc(ctx.teaser.path)}">'
                f"{esc(teaser_text(ctx.teaser.title))}</a></div>"
            )
        if kind == "p":
            run.append(inline(texts[0], tag="b") if k % 2 else esc(texts[0]))
            continue
        flush()
        if kind == "h":
            parts.append(f"<h3>{esc(texts[0])}</h3>")
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{esc(t)}</li>" for t in texts) + "</ul>")
        else:
            parts.append(f"<blockquote>{esc(texts[0])}</blockquote>")
    flush()
    if teaser_at >= len(groups) and ctx.teaser is not None:
        parts.append(
            f'<div class="see-also">&raquo; <a href="{esc(ctx.teaser.path)}">'
            f"{esc(teaser_text(ctx.teaser.title))}</a></div>"
        )
    parts.append(house_box(ctx.story))
    return "\n".join(parts)


def render(ctx: ArticleContext) -> str:
    s = ctx.story
    tags = " ".join(f'<a class="tag" href="/tag/{esc(t)}">#{esc(t)}</a>' for t in s.tags)
    authors = ", ".join(s.authors)
    return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset={ENCODING}">
<title>{esc(ctx.site_name)} Magazine :: {esc(s.title)}</title>
<meta name="author" content="{esc(authors)}">
<meta name="keywords" content="{esc(", ".join(s.tags))}">
<link rel="canonical" href="{esc(ctx.url)}">
{og_meta(ctx, hours=_HOURS, published=False)}
</head>
<body bgcolor="#fdfaf3">
<table width="100%" class="masthead"><tr><td><a href="/"><img src="/assets/logo.gif" \
alt="{esc(ctx.site_name)} Magazine"></a></td><td align="right"><a href="/feed.xml">RSS</a> | \
<a href="/about">About</a></td></tr></table>
<div id="wrapper">
<div class="post">
<h2 class="post-title">{esc(s.title)}</h2>
<div class="post-meta">{esc(byline(s.authors))} &middot; <time \
datetime="{iso(s.published, _HOURS)}">{s.published:%d.%m.%Y}</time> &middot; \
<a href="#comments">12 comments</a></div>
<div class="intro"><b>{esc(s.lead)}</b></div>
<div class="photo"><img src="{esc(s.image_url)}" width="600"><br><small>{esc(s.image_caption)} \
(Photo: {esc(s.image_credit)})</small></div>
<div class="post-body">
{_body(ctx)}
</div>
<div class="post-tags">Tags: {tags}</div>
</div>
<div class="also-like"><h4>You might also like</h4><ul>{recent_list(ctx.recent)}</ul></div>
<div id="sidebar"><h4>Blogroll</h4><ul><li><a href="/section/culture">Culture desk</a></li>\
<li><a href="/section/science">Science notes</a></li></ul></div>
<a name="comments"></a><div class="comments-closed">Comments are closed for this post.</div>
</div>
<div class="footer">Powered by our own CMS since 2004 &middot; {esc(ctx.site_name)}</div>
</body>
</html>
"""
