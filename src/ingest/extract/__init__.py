"""The parser: one page's HTML (and URL) in, a clean ``Extracted`` article or a ``NotArticle`` out.

Generic first: structured data (JSON-LD ``articleBody``) where it is complete, semantic containers,
then text and link density; per-site ``SiteRules`` only when the caller passes them. Pure and
deterministic: no I/O, no clock, no environment. ``extract`` never raises.
"""

from __future__ import annotations

from ingest.extract.page import MAX_CHARS, extract_page
from ingest.extract.profile import HostProfile
from ingest.extract.rules import RuleSet, SiteRules, check_rules, load_rules
from ingest.model import Extracted, NotArticle

__all__ = ["MAX_CHARS", "RuleSet", "SiteRules", "check_rules", "extract", "load_rules"]


def extract(
    html: str | bytes,
    url: str | None = None,
    *,
    rules: SiteRules | None = None,
    profile: HostProfile | None = None,
) -> Extracted | NotArticle:
    """Extract the article of one page, or say why it is not one.

    ``profile`` is the page's host's learnt chrome (:mod:`ingest.extract.profile`): its
    blocks are removed first, and the page's own blocks come back in ``page_blocks``.

    Pure and deterministic; never raises: a document the parser cannot process comes back as
    ``NotArticle("not_html", ...)``.
    """
    try:
        return extract_page(html, url if isinstance(url, str) else None, rules, profile)
    except Exception as exc:
        return NotArticle("not_html", f"unparseable document ({type(exc).__name__})")
