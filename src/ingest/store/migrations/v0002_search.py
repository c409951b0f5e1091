"""Full-text search: an FTS5 index on SQLite, a tsvector table with a GIN index on PostgreSQL.

SQLite: ``articles_fts`` is an external-content FTS5 table over ``articles(title, lead, body)``
kept in sync by triggers. PostgreSQL: ``article_search`` holds one ``tsvector`` per article
(title weight A, lead B, body C) built with a text search configuration chosen from the
article's language by the immutable function ``ingest_ts_config``; triggers keep it in sync.
Both are filled from the rows already stored.
"""

from __future__ import annotations

from sqlalchemy import Connection

VERSION = 2
NAME = "search"

# ISO 639-1 code -> PostgreSQL text search configuration (frozen with this migration).
_PG_CONFIGS = {
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

_SQLITE = [
    """CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, lead, body,
        content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, lead, body)
        VALUES (new.id, new.title, new.lead, new.body);
    END""",
    """CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, lead, body)
        VALUES ('delete', old.id, old.title, old.lead, old.body);
    END""",
    """CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, lead, body ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, lead, body)
        VALUES ('delete', old.id, old.title, old.lead, old.body);
        INSERT INTO articles_fts(rowid, title, lead, body)
        VALUES (new.id, new.title, new.lead, new.body);
    END""",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]


def _pg_config_function() -> str:
    cases = "\n".join(
        f"        WHEN '{code}' THEN '{name}'::regconfig" for code, name in _PG_CONFIGS.items()
    )
    return f"""CREATE OR REPLACE FUNCTION ingest_ts_config(lang text) RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE lower(split_part(split_part(coalesce(lang, ''), '-', 1), '_', 1))
{cases}
        ELSE 'simple'::regconfig
    END
    $$"""


_PG = [
    _pg_config_function(),
    """CREATE OR REPLACE FUNCTION ingest_article_tsv(
        cfg regconfig, title text, lead text, body text
    ) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector(cfg, coalesce(title, '')), 'A')
        || setweight(to_tsvector(cfg, coalesce(lead, '')), 'B')
        || setweight(to_tsvector(cfg, coalesce(body, '')), 'C')
    $$""",
    """CREATE TABLE article_search (
        article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        config regconfig NOT NULL,
        tsv tsvector NOT NULL
    )""",
    "CREATE INDEX ix_article_search_tsv ON article_search USING GIN (tsv)",
    """CREATE FUNCTION ingest_article_search_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO article_search (article_id, config, tsv)
        VALUES (
            NEW.id,
            ingest_ts_config(NEW.language),
            ingest_article_tsv(ingest_ts_config(NEW.language), NEW.title, NEW.lead, NEW.body)
        )
        ON CONFLICT (article_id) DO UPDATE SET config = EXCLUDED.config, tsv = EXCLUDED.tsv;
        RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER articles_search_ai AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION ingest_article_search_sync()""",
    """CREATE TRIGGER articles_search_au AFTER UPDATE OF title, lead, body, language ON articles
    FOR EACH ROW EXECUTE FUNCTION ingest_article_search_sync()""",
    """INSERT INTO article_search (article_id, config, tsv)
    SELECT id, ingest_ts_config(language),
        ingest_article_tsv(ingest_ts_config(language), title, lead, body)
    FROM articles""",
]


def upgrade(conn: Connection) -> None:
    statements = _SQLITE if conn.dialect.name == "sqlite" else _PG
    for statement in statements:
        conn.exec_driver_sql(statement)
