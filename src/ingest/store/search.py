"""Full-text search behind one interface: SQLite FTS5 (embedded) and PostgreSQL tsvector.

User text never reaches a query language: :func:`parse_query` keeps only word characters and
groups them into terms (a ``"quoted phrase"`` is one term); every term is then quoted (FTS5) or
bound as a parameter (PostgreSQL). All terms must match. Results are ranked (FTS5 ``bm25`` with
title > lead > body; PostgreSQL ``ts_rank_cd`` over weighted vectors) and carry a snippet whose
matches are wrapped in ``<mark>``; the rest of the snippet is HTML-escaped.

The index itself is built by migration ``v0002_search``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, column, func, literal_column, or_, table, text
from sqlalchemy.sql.elements import ColumnElement

from ingest.store.base import StoredArticle

__all__ = [
    "MAX_TERMS",
    "PG_CONFIGS",
    "Fts5Search",
    "PostgresSearch",
    "SearchHit",
    "SearchPlan",
    "SourceStats",
    "TextSearch",
    "parse_query",
    "pg_config",
    "render_snippet",
    "text_search_for",
]

#: Terms beyond this many are ignored (bounds the size of the generated query).
MAX_TERMS = 16
_MAX_TERM_WORDS = 8

_MARK_OPEN = "\ue000"
_MARK_CLOSE = "\ue001"

#: ISO 639-1 code -> PostgreSQL text search configuration; anything else uses ``simple``.
PG_CONFIGS: dict[str, str] = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}

_WORD = re.compile(r"\w+", re.UNICODE)
_PIECE = re.compile(r'"([^"]*)"?|(\S+)')


def parse_query(raw: str) -> tuple[tuple[str, ...], ...]:
    """Split user text into terms, each a tuple of words (a phrase when quoted).

    Only word characters survive, so operators, quotes, ``*``, ``:`` or parentheses typed by
    a user are never interpreted. Returns at most :data:`MAX_TERMS` terms; empty when the
    text holds no word.
    """
    terms: list[tuple[str, ...]] = []
    for match in _PIECE.finditer(raw):
        phrase, word = match.group(1), match.group(2)
        if phrase is not None:
            words = tuple(w.lower() for w in _WORD.findall(phrase))[:_MAX_TERM_WORDS]
            if words:
                terms.append(words)
        else:
            terms.extend((w.lower(),) for w in _WORD.findall(word or ""))
    unique = list(dict.fromkeys(terms))
    return tuple(unique[:MAX_TERMS])


def pg_config(language: str | None) -> str:
    """The PostgreSQL text search configuration for an article language (ISO code)."""
    if not language:
        return "simple"
    code = language.replace("_", "-").split("-", 1)[0].lower()
    return PG_CONFIGS.get(code, "simple")


def render_snippet(raw: str | None) -> str:
    """Escape a snippet for HTML, collapse its whitespace to single spaces and turn the
    database's match markers into ``<mark>``."""
    escaped = html.escape(" ".join((raw or "").split()), quote=False)
    return escaped.replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>")


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """A filtered article select extended with the match condition, a ``rank`` column (higher
    is better) and a ``snippet`` column, ordered by rank."""

    statement: Select[Any]


class TextSearch(Protocol):
    """Adds full-text matching to a select over ``articles`` (joined to ``clusters``)."""

    def plan(
        self,
        base: Select[Any],
        terms: tuple[tuple[str, ...], ...],
        *,
        language: str | None,
        articles_id: ColumnElement[Any],
    ) -> SearchPlan: ...


class Fts5Search:
    """SQLite FTS5 over ``articles_fts`` (title, lead, body)."""

    def plan(
        self,
        base: Select[Any],
        terms: tuple[tuple[str, ...], ...],
        *,
        language: str | None,
        articles_id: ColumnElement[Any],
    ) -> SearchPlan:
        fts = table("articles_fts", column("rowid"))
        expression = " AND ".join('"' + " ".join(words) + '"' for words in terms)
        rank: ColumnElement[Any] = literal_column("bm25(articles_fts, 10.0, 4.0, 1.0)")
        snippet: ColumnElement[Any] = literal_column(
            f"snippet(articles_fts, -1, '{_MARK_OPEN}', '{_MARK_CLOSE}', '…', 24)"
        )
        stmt = (
            base.add_columns((-rank).label("rank"), snippet.label("snippet"))
            .join(fts, fts.c.rowid == articles_id)
            .where(text("articles_fts MATCH :fts_query").bindparams(fts_query=expression))
            .order_by(rank, articles_id.desc())
        )
        return SearchPlan(stmt)


class PostgresSearch:
    """PostgreSQL full-text search over ``article_search.tsv`` (GIN indexed).

    Each row's vector was built with its language's configuration, so the query is the OR of
    the same terms under every configuration that could have been used (only the filtered
    language's and ``simple`` when a language filter is given).
    """

    def plan(
        self,
        base: Select[Any],
        terms: tuple[tuple[str, ...], ...],
        *,
        language: str | None,
        articles_id: ColumnElement[Any],
    ) -> SearchPlan:
        search = table("article_search", column("article_id"), column("tsv"), column("config"))
        configs = (
            sorted({pg_config(language), "simple"})
            if language
            else sorted({*PG_CONFIGS.values(), "simple"})
        )
        phrases = [" ".join(words) for words in terms]
        alternatives: list[ColumnElement[Any]] = []
        for config in configs:
            parts = [
                func.phraseto_tsquery(literal_column(f"'{config}'::regconfig"), phrase)
                for phrase in phrases
            ]
            combined: ColumnElement[Any] = parts[0]
            for part in parts[1:]:
                combined = combined.op("&&")(part)
            alternatives.append(combined)
        query = alternatives[0]
        for alternative in alternatives[1:]:
            query = query.op("||")(alternative)
        tsv = search.c.tsv
        rank = func.ts_rank_cd(tsv, query, 32)
        body = (
            literal_column("articles.title")
            .op("||")(". ")
            .op("||")(func.coalesce(literal_column("articles.lead"), ""))
            .op("||")(" ")
            .op("||")(literal_column("articles.body"))
        )
        snippet = func.ts_headline(
            search.c.config,
            body,
            query,
            f"StartSel={_MARK_OPEN}, StopSel={_MARK_CLOSE}, MaxWords=35, MinWords=15, "
            'MaxFragments=2, FragmentDelimiter=" … "',
        )
        stmt = (
            base.add_columns(rank.label("rank"), snippet.label("snippet"))
            .join(search, search.c.article_id == articles_id)
            .where(or_(tsv.op("@@")(query)))
            .order_by(rank.desc(), articles_id.desc())
        )
        return SearchPlan(stmt)


def text_search_for(dialect: str) -> TextSearch:
    """The search implementation for an SQLAlchemy dialect name."""
    return Fts5Search() if dialect == "sqlite" else PostgresSearch()


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: the article, its rank (higher is better) and an HTML snippet."""

    article: StoredArticle
    rank: float
    snippet: str


@dataclass(frozen=True, slots=True)
class SourceStats:
    """A source as the API shows it: stored articles, last fetch, URL outcomes (frontier)."""

    source: str
    articles: int = 0
    last_fetched: datetime | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
