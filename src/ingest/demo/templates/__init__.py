"""Article templates of the demo site: one module per template, each ``render(ctx) -> str``."""

from __future__ import annotations

from collections.abc import Callable

from ingest.demo.templates import chronicle, diario, kurier, magazine, portal, react
from ingest.demo.templates.common import ArticleContext

__all__ = ["ENCODINGS", "RENDERERS", "ArticleContext", "encode_article", "render_article"]

RENDERERS: dict[str, Callable[[ArticleContext], str]] = {
    "chronicle": chronicle.render,
    "portal": portal.render,
    "react": react.render,
    "magazine": magazine.render,
    "diario": diario.render,
    "kurier": kurier.render,
}


#: Templates served in a legacy encoding (all others are UTF-8).
ENCODINGS: dict[str, str] = {"magazine": magazine.ENCODING}


def encode_article(ctx: ArticleContext) -> tuple[str, bytes]:
    """``(charset, body)`` of ``ctx.story``'s page in its template's encoding."""
    charset = ENCODINGS.get(ctx.story.template, "utf-8")
    return charset, render_article(ctx).encode(charset, "xmlcharrefreplace")


def render_article(ctx: ArticleContext) -> str:
    """The HTML of ``ctx.story`` on its own template."""
    return RENDERERS[ctx.story.template](ctx)
