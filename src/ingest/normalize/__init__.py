"""Normalisation (pure): clean text, UTC dates, canonical URLs, authors, language, keys.

Submodules are imported directly (``from ingest.normalize.article import normalize_article``);
this package module imports nothing so that importing one part stays cheap.
"""
