"""Template "diario": the English edition of a Spanish outlet, with Spanish chrome.

The body is in English; the chrome is not: "Inicio" breadcrumbs, a date widget in Spanish,
"Por A y B", "Mehr zum Thema"-style inline links ("Te puede interesar"), and "Lo más leído" and
"Entradas recientes" lists. JSON-LD uses a ``@type`` list and a +02:00 offset.
"""

from __future__ import annotations

from datetime import date

from ingest.demo.templates.common import (
    ArticleContext,
    byline,
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
from ingest.demo.templates.house import before_last_paragraph, house_box, place

__all__ = ["render"]

_HOURS = 2.0
_DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
)  # fmt: skip
_LABELS = {
    "world": "Internacional",
    "politics": "Política",
    "business": "Economía",
    "technology": "Tecnología",
    "science": "Ciencia",
    "health": "Salud",
    "sport": "Deportes",
    "culture": "Cultura",
}


def _fecha(day: date) -> str:
    return f"{_DAYS[day.weekday()]}, {day.day} de {_MONTHS[day.month - 1]} de {day.year}"


def _body(ctx: ArticleContext) -> str:
    groups = grouped(ctx.story.blocks)
    parts: list[str] = []
    for k, (kind, texts) in enumerate(groups):
        if kind == "h":
            parts.append(f'<h2 class="subtitulo">{esc(texts[0])}</h2>')
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{esc(t)}</li>" for t in texts) + "</ul>")
        elif kind == "quote":
            parts.append(f'<blockquote class="cita"><p>{esc(texts[0])}</p></blockquote>')
        else:
            text = inline(texts[0], tag="strong") if k % 3 == 1 else esc(texts[0])
            parts.append(f'<p class="parrafo">{text}</p>')
    inserts = [(before_last_paragraph(groups), house_box(ctx.story))]
    if ctx.teaser is not None:
        inserts.append(
            (
                teaser_slot(groups),
                f'<aside class="te-puede-interesar"><span>Te puede interesar</span> '
                f'<a href="{esc(ctx.teaser.path)}">{esc(teaser_text(ctx.teaser.title))}</a>'
                "</aside>",
            )
        )
    return "\n".join(place(parts, inserts))


def render(ctx: ArticleContext) -> str:
    s = ctx.story
    label = _LABELS.get(s.section, s.section.title())
    ld = news_article_ld(ctx, hours=_HOURS, kind=["NewsArticle"])
    return f"""<!DOCTYPE html>
<html lang="en" prefix="og: http://ogp.me/ns#">
<head>
<meta charset="utf-8">
<title>{esc(s.title)} | {esc(ctx.site_name)} English</title>
<link rel="canonical" href="{esc(ctx.url)}">
<meta property="og:locale" content="en_GB">
{og_meta(ctx, hours=_HOURS)}
{jsonld(ld)}
</head>
<body class="noticia">
<div class="aviso-cookies">Utilizamos cookies propias y de terceros. <a href="/privacy">Más \
información</a> <button>Aceptar</button></div>
<header class="cabecera"><div class="fecha-hoy">{_fecha(ctx.today)}</div>
<a class="marca" href="/">{esc(ctx.site_name)} <small>English edition</small></a>
<nav class="menu">{section_nav(labels=_LABELS)}</nav></header>
<nav class="migas"><a href="/">Inicio</a> &rsaquo; <a href="/section/{s.section}">{label}</a></nav>
<article class="articulo">
<h1 class="titular">{esc(s.title)}</h1>
<h2 class="entradilla">{esc(s.lead)}</h2>
<div class="autor">{esc(byline(s.authors, prefix="Por", conj="y"))} \
<time datetime="{iso(s.published, _HOURS)}">{s.published:%d/%m/%Y %H:%M}</time></div>
<figure class="foto"><img src="{esc(s.image_url)}" alt=""><figcaption>{esc(s.image_caption)} \
/ {esc(s.image_credit.upper())}</figcaption></figure>
<div class="cuerpo">
{_body(ctx)}
</div>
<div class="compartir">Compartir: <a href="#">Facebook</a> <a href="#">Twitter</a> \
<a href="#">WhatsApp</a></div>
</article>
<aside class="lateral"><h3>Lo más leído</h3><ol>{recent_list(ctx.recent[:4])}</ol>
<h3>Entradas recientes</h3><ul>{recent_list(ctx.recent)}</ul></aside>
<footer class="pie"><p>&copy; {ctx.today.year} {esc(ctx.site_name)}. Todos los derechos \
reservados.</p><a href="/about">Quiénes somos</a> <a href="/contact">Contacto</a></footer>
</body>
</html>
"""
