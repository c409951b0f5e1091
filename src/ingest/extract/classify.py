"""Is this page an article? Block, captcha, consent, error and listing pages (pure)."""

from __future__ import annotations

import re

from ingest.extract.metadata import Meta

__all__ = ["ARTICLE_WORDS", "TEXT_READ", "page_problem", "result_problem"]

_CAPTCHA = re.compile(
    r"captcha|verify (?:that )?you are (?:a )?human|are you a robot|i'?m not a robot|"
    r"unusual traffic|checking your browser|checking if the site connection is secure|"
    r"just a moment\.\.\.|bot verification|press (?:&|and) hold|human verification",
    re.IGNORECASE,
)
_BLOCKED = re.compile(
    r"access denied|access to this page has been denied|request blocked|you have been blocked|"
    r"sorry, you have been blocked|403 forbidden|attention required|pardon our interruption|"
    r"zugriff verweigert|acceso denegado|accès refusé|not available in your (?:country|region)",
    re.IGNORECASE,
)
_CONSENT = re.compile(
    r"cookie|consent|privacy|datenschutz|zustimm|einwillig|consentimiento|consentement|"
    r"gdpr|personal data|tracking",
    re.IGNORECASE,
)
_ACCEPT = re.compile(
    r"\baccept|\bagree|akzeptier|zustimmen|einverstanden|aceptar|accepter|accetta|godta|"
    r"acceptera|manage (?:options|preferences|settings)|consent",
    re.IGNORECASE,
)
_ERROR = re.compile(
    r"\b(?:404|410|500|502|503)\b|page not found|not found|error|seite nicht gefunden|"
    r"nicht gefunden|fehler|página no encontrada|no encontrada|page introuvable|introuvable|"
    r"pagina non trovata|non trovata|side ikke funnet|sidan hittades inte|service unavailable|"
    r"does(?:n't| not) exist|no longer available|nicht mehr verfügbar",
    re.IGNORECASE,
)
_SHORT_PAGE = 2_500
#: A result with this many words of body is an article whatever else the page shows.
ARTICLE_WORDS = 150
#: The checks read at most this many characters of the page's text (a page with more text
#: than this is neither a wall nor an error page by its text alone).
TEXT_READ = 6_000
_MIN_WORDS = 40


def page_problem(visible: str, title: str) -> tuple[str, str] | None:
    """A reason from the page text alone (before extraction), or ``None``."""
    if not visible.strip() and not title.strip():
        return "empty", "no visible text"
    if len(visible) < _SHORT_PAGE:
        head = f"{title}\n{visible}"
        if _CAPTCHA.search(head):
            return "captcha", _CAPTCHA.search(head).group(0)  # type: ignore[union-attr]
        if _BLOCKED.search(head):
            return "blocked", _BLOCKED.search(head).group(0)  # type: ignore[union-attr]
    return None


def result_problem(
    words: int, meta: Meta, visible: str, title: str, headline_links: int
) -> tuple[str, str] | None:
    """A reason from the extraction result (too little article text), or ``None``."""
    if words >= ARTICLE_WORDS:
        return None
    if title and _ERROR.search(title) and words < 80:
        return "error_page", title[:120]
    short = len(visible) < TEXT_READ
    if short and _CONSENT.search(visible) and _ACCEPT.search(visible) and words < 80:
        return "consent_wall", "consent prompt without article text"
    if not meta.ld.found and _listing(meta, headline_links):
        return "listing", "many headline links, little running text"
    if words < _MIN_WORDS and not meta.ld.body:
        if words == 0 and not visible.strip():
            return "empty", "no text"
        return "too_short", f"{words} words"
    return None


def _listing(meta: Meta, headline_links: int) -> bool:
    return meta.ld.listing or headline_links >= 8 or meta.og_type in ("website", "object")
