"""The shortcuts of the metadata and standfirst lookups find what the plain searches find."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest.extract.dom import HEADLINE_SELECTORS, clean, headline_node
from ingest.extract.jsonld import read_scripts
from ingest.extract.lead import _HINTS
from ingest.extract.metadata import _BYLINE_GROUPS, _byline_groups
from ingest.extract.vocabulary import EMBED_PLACEHOLDER, PROMPT

BYLINES = """<body>
<div itemprop="author"><span itemprop="name">Ann Lee</span><i itemprop=name>B</i></div>
<a rel="author" href="/Autoren/jane/">Jane Doe</a>
<a href="https://x.test/WRITERS/bob/columnist/">Bob Roe</a><a href="/auth/x">no</a>
<a href="/redaK\u212ateur/x">not ASCII</a><a href="/Redakteur/y">Eve Poe</a>
<a href="/Contributors/ann">Ann Ray</a><a href="/reporter/cy">Cy Lo</a>
<a href="/editors/x">Di Mo</a>
<p class="Byline">By Max Muster</p><p class="authority author">Al Smith</p>
<p class="x-AUTHOR">Jo King</p><p class="beauty">no</p>
<p class="autor signature" data-testid="PostAuthor">Li Wu</p><p class="auteur">Zoe Ng</p>
<p data-testid="author-name">Kim Ko</p><p class="sign">no</p>
</body>"""


def _ids(nodes: list) -> list[int]:
    return [n.mem_id for n in nodes][:12]


@pytest.mark.parametrize("html", [BYLINES, "<body><p class=author>A B</p></body>", "<body></body>"])
def test_byline_groups_find_what_the_selectors_find(html: str) -> None:
    body = LexborHTMLParser(html).body
    assert body is not None
    expected = [_ids(body.css(group)) for group in _BYLINE_GROUPS]
    found = [_ids(group) for group in _byline_groups(body)]
    if not body.css("[itemprop=author]"):
        found = [[], [], *found]
    assert found == expected


def _plain_headline(root: LexborNode, title: str | None) -> LexborNode | None:
    """The headline search written plainly: the h1/h2/headline whose text is the title, else
    the first h1."""
    first = root.css_first("h1")
    if title:
        for node in root.css(":is(h1, h2, [itemprop=headline])")[:30]:
            if clean(node.text()) == title:
                return node
    return first


HEADLINES = """<body><h2>Teaser</h2><div itemprop="headline">The Title</div><h1>Logo</h1>
<h2> The  Title </h2><h1>Other</h1></body>"""


@pytest.mark.parametrize("title", [None, "", "The Title", "Other", "Logo", "Missing"])
@pytest.mark.parametrize("html", [HEADLINES, "<body><h2>x</h2></body>", "<body></body>"])
def test_headline_node_is_the_plain_search(html: str, title: str | None) -> None:
    body = LexborHTMLParser(html).body
    assert body is not None
    expected, found = _plain_headline(body, title), headline_node(body, title)
    assert (found and found.mem_id) == (expected and expected.mem_id)
    # the same from a caller's own walk (``HEADLINE_SELECTORS`` joined with another selector)
    walked = [n for n in body.css(f":is(figure, {HEADLINE_SELECTORS})") if n.tag != "figure"]
    given = headline_node(body, title, walked)
    assert (given and given.mem_id) == (expected and expected.mem_id)


@pytest.mark.parametrize(
    "text",
    [
        "this embed is provided by a third party",
        "already a subscriber? log in",
        "inhalte von youtube anzeigen",
        "now playing: the evening news",
        "suscríbete para seguir leyendo",
        "enable javascript to watch",
    ],
)
def test_lead_hints_cover_prompts_and_placeholders(text: str) -> None:
    assert PROMPT.search(text) or EMBED_PLACEHOLDER.search(text)
    assert _HINTS.search(text)


def test_jsonld_article_type_in_a_list_wins_over_listing() -> None:
    html = """<script type="application/ld+json">[
      {"@type": "ItemList", "itemListElement": [1, 2, 3]},
      {"@type": ["WebPage", "NewsArticle"], "headline": "A"},
      {"@type": "https://schema.org/BlogPosting", "headline": "B", "articleBody": "x"}
    ]</script>"""
    tree = LexborHTMLParser(html)
    ld = read_scripts(tree.css('script[type="application/ld+json"]'))
    assert (ld.headline, ld.listing) == ("B", True)
