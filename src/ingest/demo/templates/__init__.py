"""Article templates of the demo site: one module per template, each ``render(ctx) -> str``."""

from __future__ import annotations

from collections.abc import Callable

from ingest.demo.templates import chronicle, diario, kurier, magazine, portal, react
from ingest.demo.templates.common import ArticleContext

__all__ = ["RENDERERS", "ArticleContext", "render_article"]

RENDERERS: dict[str, Callable[[ArticleContext], str]] = {
    "chronicle": chronicle.render,
    "portal": portal.render,
    "react": react.render,
    "magazine": magazine.render,
    "diario": diario.render,
    "kurier": kurier.render,
}


def render_article(ctx: ArticleContext) -> str:
    """The HTML of ``ctx.story`` on its own template."""
    return RENDERERS[ctx.story.template](ctx)
