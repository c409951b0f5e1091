"""Author names: split "By A and B", drop roles, dates, e-mail addresses and "Staff" (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.extract.dom import clean

__all__ = ["clean_authors"]

_PREFIX = re.compile(
    r"^(?:(?:written|reported|text|texto|story|words|photos?)\s+)?"
    r"(?:by|from|von|vom|por|par|av|af|door|od|autor(?:in|a)?|author|texte?|texto|"
    r"redakce|redaktion|reporter|escrito por|publicado por|posted by|bron)\s*[:.]?\s+",
    re.IGNORECASE,
)
_SPLIT = re.compile(
    r"\s*(?:,|;|\||/|&|\+|\band\b|\bund\b|(?-i:\by\b)|\bet\b|(?-i:\be\b)|\bog\b|\boch\b|\ben\b|(?-i:\bi\b)|"
    r"\bve\b|\boraz\b|(?-i:\ba\b)|\bи\b|、|・|，)\s*",
    re.IGNORECASE,
)
_LOWER_PREFIX = re.compile(r"^(?:di|de|da|dal|della)\s+(?=[A-ZÀ-Ý])")
_EMAIL = re.compile(r"\S+@\S+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_DATE_TAIL = re.compile(
    r"\s*(?:[|,–—-]\s*)?(?:updated|published|aktualisiert|veröffentlicht|actualizado|"
    r"publicado|mis à jour|publié|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}|"
    r"\d{1,2}:\d{2}).*$",
    re.IGNORECASE,
)
_ROLE_TAIL = re.compile(
    r"\s*[,(–—-]\s*(?:senior |chief |staff |special |deputy )?(?:correspondent|reporter|editor|"
    r"writer|columnist|contributor|redakteur(?:in)?|korrespondent(?:in)?|journalist(?:in)?|"
    r"corresponsal|redactor|redactora|envoyé spécial|special to)\b.*$",
    re.IGNORECASE,
)
_NOT_NAMES = frozenset(
    {
        "staff", "staff writer", "staff reporter", "editor", "editors", "admin", "administrator",
        "redaktion", "redacción", "rédaction", "redazione", "anonymous", "unknown", "guest",
        "team", "newsroom", "desk", "correspondent", "reporter", "the editors", "web desk",
        "online", "more", "and", "by", "von", "por", "par", "skip to content", "ma", "md", "phd",
        "mba", "rn", "mph", "dr", "author", "authors", "autor", "autorin", "autoren",
    }
)  # fmt: skip
_MAX_NAMES = 12
_NOT_PERSON = re.compile(
    r"\b(?:images?|photos?|fotos?|getty|istock(?:photo)?|shutterstock|picture alliance|"
    r"skip|menu|read more|share|follow|folgen|newsletter|subscribe|login|sign in|editor|"
    r"technologist|correspondent|reporter|writer|columnist|contributor|redakteur(?:in)?|"
    r"journalist(?:in)?|agenturen|agencies|quelle|source|stand|updated|aktualisiert|bearbeiten|"
    r"themen|topics|edit|profile|profil|mehr|more|authors?|autoren|guide)\b",
    re.IGNORECASE,
)
#: Role words written after a name in Korean, Japanese and Chinese bylines ("신현주 기자").
_CJK_ROLE = re.compile(r"\s*(?:기자|특파원|논설위원|선임기자|記者|记者|特派員|特派员|編集委員)$")
_WITH = re.compile(r"\(\s*(?:with|avec|mit|con|com|met|med)\s+", re.IGNORECASE)
_PARENS = re.compile(r"\([^)]{0,40}\)?")


def _one(name: str) -> str:
    name = clean(_URL.sub(" ", _EMAIL.sub(" ", name)))
    name = _DATE_TAIL.sub("", name)
    name = _CJK_ROLE.sub("", _ROLE_TAIL.sub("", name))
    name = _LOWER_PREFIX.sub("", _PREFIX.sub("", name))
    return clean(name.strip(" .,:;|-–—()[]\"'«»“”"))


def _plausible(name: str) -> bool:
    if not 2 <= len(name) <= 60 or name.casefold() in _NOT_NAMES:
        return False
    if any(ch.isdigit() for ch in name) or "@" in name or _NOT_PERSON.search(name):
        return False
    words = name.split()
    return 1 <= len(words) <= 6


def clean_authors(raw: Iterable[str]) -> tuple[str, ...]:
    """Split, clean and deduplicate author strings, keeping their order."""
    out: list[str] = []
    seen: set[str] = set()
    for value in raw:
        value = _WITH.sub(", ", clean(value))  # "A (with B and C)" credits B and C too
        value = _PREFIX.sub("", _PARENS.sub(" ", value))
        for part in _SPLIT.split(value):
            name = _one(part)
            key = name.casefold()
            if _plausible(name) and key not in seen:
                seen.add(key)
                out.append(name)
                if len(out) >= _MAX_NAMES:
                    return tuple(out)
    return tuple(out)
