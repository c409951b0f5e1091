"""Per-site extraction rules: CSS selectors from ``config/sites/*.yaml``, matched by host.

Rules are data, not code: a site a user chooses to tune gets selectors for ``body``, ``remove``,
``title``, ``date`` and ``authors``. The generic extractor never depends on them. A rule file::

    name: example-news
    hosts: [news.example.com, "*.example.org"]
    body: ["article .story-body"]        # one or more selectors, all matches in order
    remove: [".inline-promo", ".newsletter-signup"]
    title: "h1.story-title"
    date: "time.published"               # datetime/content attribute, else the text
    authors: ".byline a"                 # every match is one author string

``load_rules`` and ``check_rules`` read files (their only side effect) and raise ``ConfigError``
for an unreadable or invalid rule file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import yaml
from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from ingest.errors import ConfigError

if TYPE_CHECKING:
    from ingest.model import Extracted, NotArticle

__all__ = ["RuleCheck", "RuleSet", "SelectorCheck", "SiteRules", "check_rules", "load_rule_file",
           "load_rules", "parse_rules"]  # fmt: skip

_FIELDS = ("name", "hosts", "body", "remove", "title", "date", "authors")


@dataclass(frozen=True, slots=True)
class SiteRules:
    """Selectors for one site. ``hosts`` are exact host names or ``*.domain`` wildcards."""

    hosts: tuple[str, ...]
    body: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    title: str | None = None
    date: str | None = None
    authors: str | None = None
    name: str = ""

    def matches(self, host: str) -> bool:
        host = host.lower().rstrip(".").removeprefix("www.")
        for pattern in self.hosts:
            pattern = pattern.lower().removeprefix("www.")
            if pattern.startswith("*."):
                if host == pattern[2:] or host.endswith(pattern[1:]):
                    return True
            elif host == pattern:
                return True
        return False


@dataclass(frozen=True, slots=True)
class RuleSet:
    """All loaded site rules; the first whose host pattern matches wins."""

    rules: tuple[SiteRules, ...] = ()

    def for_url(self, url: str | None) -> SiteRules | None:
        if not url:
            return None
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            return None
        return next((r for r in self.rules if host and r.matches(host)), None)


def _selectors(value: object, key: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise ConfigError(f"{where}: '{key}' must be a CSS selector or a list of selectors")
    for selector in items:
        try:
            LexborHTMLParser("<p></p>").css(selector)
        except (SelectolaxError, ValueError, TypeError) as exc:
            raise ConfigError(f"{where}: invalid CSS selector in '{key}': {selector!r}") from exc
    return tuple(s.strip() for s in items)


def _one(value: object, key: str, where: str) -> str | None:
    found = _selectors(value, key, where)
    if len(found) > 1:
        return ", ".join(found)
    return found[0] if found else None


def parse_rules(data: object, where: str = "rules") -> SiteRules:
    """Validate one rule mapping (as loaded from YAML). Raises ``ConfigError``."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: a rule file must be a mapping with 'hosts' and selectors")
    unknown = sorted(set(map(str, data)) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}; allowed: {list(_FIELDS)}")
    hosts = data.get("hosts")
    if isinstance(hosts, str):
        hosts = [hosts]
    if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) for h in hosts):
        raise ConfigError(f"{where}: 'hosts' must list at least one host name")
    return SiteRules(
        hosts=tuple(h.strip().lower() for h in hosts),
        body=_selectors(data.get("body"), "body", where),
        remove=_selectors(data.get("remove"), "remove", where),
        title=_one(data.get("title"), "title", where),
        date=_one(data.get("date"), "date", where),
        authors=_one(data.get("authors"), "authors", where),
        name=str(data.get("name") or ""),
    )


def load_rule_file(path: Path) -> SiteRules:
    """Read and validate one rule file. Raises ``ConfigError``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read rule file: {exc}") from exc
    return parse_rules(data, str(path))


def load_rules(directory: Path) -> RuleSet:
    """Load every ``*.yaml``/``*.yml`` rule file of ``directory`` (sorted by name)."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}: not a directory of site rules")
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    return RuleSet(tuple(load_rule_file(p) for p in files))


@dataclass(frozen=True, slots=True)
class SelectorCheck:
    """What one selector of a rule matched in a page."""

    field: str
    selector: str
    matches: int
    sample: str = ""


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """The report of ``check_rules``: host match, selector matches, and the extraction result."""

    rules: SiteRules
    url: str | None
    host_matches: bool | None
    selectors: tuple[SelectorCheck, ...]
    result: Extracted | NotArticle
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def _sample(tree: LexborHTMLParser, selector: str) -> tuple[int, str]:
    nodes = tree.css(selector)
    if not nodes:
        return 0, ""
    text = " ".join(nodes[0].text(separator=" ").split())
    return len(nodes), text[:120]


def check_rules(rules_file: Path, html_file: Path, url: str | None) -> RuleCheck:
    """Apply one rule file to a saved page: which selectors matched what, and the article.

    Reads both files; raises ``ConfigError`` when the rule file is invalid or a file is unreadable.
    """
    from ingest.extract import extract  # noqa: PLC0415 - extract imports this module
    from ingest.extract.decode import decode_html  # noqa: PLC0415

    rules = load_rule_file(rules_file)
    try:
        html = decode_html(html_file.read_bytes())
    except OSError as exc:
        raise ConfigError(f"{html_file}: cannot read page: {exc}") from exc
    tree = LexborHTMLParser(html)
    checks: list[SelectorCheck] = []
    problems: list[str] = []
    pairs = [("body", s) for s in rules.body] + [("remove", s) for s in rules.remove]
    pairs += [(f, s) for f, s in (("title", rules.title), ("date", rules.date),
                                  ("authors", rules.authors)) if s]  # fmt: skip
    for name, selector in pairs:
        count, sample = _sample(tree, selector)
        checks.append(SelectorCheck(name, selector, count, sample))
        if count == 0 and name != "remove":
            problems.append(f"{name} selector {selector!r} matched nothing")
    host_ok = RuleSet((rules,)).for_url(url) is not None if url else None
    if host_ok is False:
        problems.append(f"no host pattern of {list(rules.hosts)} matches {url}")
    result = extract(html, url, rules=rules)
    if not hasattr(result, "blocks"):
        problems.append(f"not an article: {getattr(result, 'reason', '')}")
    return RuleCheck(rules, url, host_ok, tuple(checks), result, tuple(problems))
