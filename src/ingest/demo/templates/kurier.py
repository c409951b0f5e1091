"""Template "kurier": the English service of a German regional paper, with German chrome.

Metadata is schema.org *microdata* (``itemprop`` attributes) rather than JSON-LD, plus
``<meta name="date">``; the visible date reads "29.06.2025, 14:05 Uhr" and the byline "Von A und
B". A "Mehr zum Thema" box sits inside the article body and "Meistgelesen" in the sidebar.
"""

from __future__ import annotations

from datetime import timedelta, timezone

from ingest.demo.templates.common import (
    ArticleContext,
    byline,
    esc,
    grouped,
    inline,
    iso,
    recent_list,
    section_nav,
    teaser_slot,
    teaser_text,
)
from ingest.demo.templates.house import after_paragraph, house_box, place

__all__ = ["render"]

_HOURS = 2.0
_LABELS = {
    "world": "Welt",
    "politics": "Politik",
    "business": "Wirtschaft",
    "technology": "Digital",
    "science": "Wissen",
    "health": "Gesundheit",
    "sport": "Sport",
    "culture": "Kultur",
}


def _body(ctx: ArticleContext) -> str:
    groups = grouped(ctx.story.blocks)
    parts: list[str] = []
    for k, (kind, texts) in enumerate(groups):
        if kind == "h":
            parts.append(f'<h3 class="zwischentitel">{esc(texts[0])}</h3>')
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{esc(t)}</li>" for t in texts) + "</ul>")
        elif kind == "quote":
            parts.append(f"<blockquote><p>{esc(texts[0])}</p></blockquote>")
        else:
            text = inline(texts[0], tag="em") if k % 2 else esc(texts[0])
            parts.append(f"<p>{text}</p>")
    more = recent_list(ctx.recent[:2])
    if ctx.teaser is not None:
        more = (
            f'<li><a href="{esc(ctx.teaser.path)}">{esc(teaser_text(ctx.teaser.title))}</a></li>'
            + more
        )
    box = f'<div class="mehr-zum-thema"><h4>Mehr zum Thema</h4><ul>{more}</ul></div>'
    inserts = [(after_paragraph(groups, 1), house_box(ctx.story)), (teaser_slot(groups), box)]
    return "\n".join(place(parts, inserts))


def render(ctx: ArticleContext) -> str:
    s = ctx.story
    local = s.published.astimezone(timezone(timedelta(hours=_HOURS)))
    label = _LABELS.get(s.section, s.section.title())
    authors = "".join(
        f'<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
        f'<meta itemprop="name" content="{esc(a)}"></span>'
        for a in s.authors
    )
    modified = ""
    if s.modified is not None:
        modified = f'<meta itemprop="dateModified" content="{iso(s.modified, _HOURS)}">'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(s.title)} - {esc(ctx.site_name)} (English)</title>
<meta name="date" content="{iso(s.published, _HOURS)}">
<meta name="description" content="{esc(s.lead)}">
<link rel="canonical" href="{esc(ctx.url)}">
<meta property="og:title" content="{esc(s.title)}">
<meta property="og:type" content="article">
</head>
<body>
<div id="consent-layer"><p>Wir verwenden Cookies und ähnliche Technologien. Mit "Alle \
akzeptieren" stimmen Sie der Verarbeitung zu.</p><button>Alle akzeptieren</button> \
<button>Einstellungen</button></div>
<header class="kopf"><a class="logo" href="/">{esc(ctx.site_name)}</a>
<nav class="ressorts">{section_nav(labels=_LABELS)}</nav></header>
<ol class="brotkrumen"><li><a href="/">Startseite</a></li><li><a href="/section/{s.section}">\
{label}</a></li></ol>
<main>
<article itemscope itemtype="https://schema.org/NewsArticle">
<meta itemprop="datePublished" content="{iso(s.published, _HOURS)}">{modified}
<span class="dachzeile">{label}</span>
<h1 itemprop="headline">{esc(s.title)}</h1>
<p class="vorspann" itemprop="description"><strong>{esc(s.lead)}</strong></p>
<div class="autor">{esc(byline(s.authors, prefix="Von", conj="und"))}{authors} \
<span class="datum">{local:%d.%m.%Y, %H:%M} Uhr</span></div>
<figure itemprop="image" itemscope itemtype="https://schema.org/ImageObject"><img \
itemprop="url" src="{esc(s.image_url)}" alt=""><figcaption><span itemprop="caption">\
{esc(s.image_caption)}</span> <span class="bildnachweis">Foto: {esc(s.image_credit)}</span>\
</figcaption></figure>
<div class="artikeltext" itemprop="articleBody">
{_body(ctx)}
</div>
<div class="teilen">Artikel teilen: <a href="#">Facebook</a> <a href="#">X</a> \
<a href="#">E-Mail</a></div>
</article>
<aside class="spalte"><h3>Meistgelesen</h3><ol>{recent_list(ctx.recent)}</ol></aside>
</main>
<footer class="fuss"><a href="/about">Impressum</a> <a href="/privacy">Datenschutz</a> \
<a href="/contact">Kontakt</a> <p>&copy; {ctx.today.year} {esc(ctx.site_name)}</p></footer>
</body>
</html>
"""
