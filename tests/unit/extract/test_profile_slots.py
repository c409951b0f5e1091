"""Site-aware chrome learning within slots (a block's structural context), in one walk.

The demo site serves six templates on one host, each with house chrome of its own in a few
rotating variants (``ingest.demo.templates.house``): every variant is on a few percent of the
host's pages but on a third of the pages that have its slot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pytest
from selectolax.lexbor import LexborNode

from ingest import extract
from ingest.demo.site import DemoConfig, DemoSite
from ingest.demo.templates.house import house_blocks
from ingest.extract import page as page_module
from ingest.extract import profile as learning
from ingest.extract.profile import (
    BlockStat,
    HostProfile,
    PageBlock,
    block_fingerprint,
    chrome_of,
    is_chrome,
    share,
)
from ingest.model import Extracted
from support.pages import story_page

BASE = "https://demo.example"
EMPTY = HostProfile("demo.example", 0, frozenset())


class Counts:
    """The store's counting in memory: distinct pages per key, first and last page index."""

    def __init__(self) -> None:
        self.pages = 0
        self.stats: dict[str, BlockStat] = {}

    def add(self, blocks: Sequence[PageBlock]) -> None:
        self.pages += 1
        for key in {b.fingerprint for b in blocks}:
            old = self.stats.get(key)
            self.stats[key] = (
                BlockStat(1, self.pages, self.pages)
                if old is None
                else BlockStat(old.count + 1, old.first_page, self.pages)
            )

    def profile(self, *, slots: bool = True) -> HostProfile:
        chrome = chrome_of(self.stats, min_pages=3, min_share=0.2)
        if not slots:
            chrome = frozenset(key for key in chrome if learning.SLOT_SEP not in key)
        return HostProfile("demo.example", self.pages, chrome)


@pytest.fixture(scope="module")
def demo() -> tuple[DemoSite, Counts]:
    """The demo site's originals, counted as a crawl counts them (copies are near-duplicates)."""
    site = DemoSite(DemoConfig(n_articles=90, syndicated_every=0))
    counts = Counts()
    for i in range(len(site)):
        result = extract(_html(site, i), BASE + site.ref(i).path, profile=EMPTY)
        assert isinstance(result, Extracted)
        counts.add(result.page_blocks)
    return site, counts


def _html(site: DemoSite, i: int) -> bytes:
    return site.render(site.ref(i).path, base_url=BASE).body


def test_share_is_taken_over_the_pages_that_have_the_slot() -> None:
    box = BlockStat(3, 1, 18)  # on 3 of the host's 18 pages since first seen
    slot = BlockStat(3, 1, 18)  # ... and on every page that has its slot
    assert share(box) == pytest.approx(3 / 18)
    assert share(box, slot) == 1.0
    assert not is_chrome(box, min_pages=3, min_share=0.2)
    assert is_chrome(box, min_pages=3, min_share=0.2, slot=slot)
    variant = BlockStat(4, 10, 70)  # one of three variants in a slot seen on 12 of 60 pages
    assert share(variant, BlockStat(12, 5, 64)) == pytest.approx((4 / 61) / (12 / 60))
    assert not is_chrome(BlockStat(2, 1, 2), min_pages=3, min_share=0.2, slot=slot)


def test_chrome_of_reads_fingerprints_slot_keys_and_counters() -> None:
    stats = {
        "aa": BlockStat(10, 1, 10),  # on every page: chrome anywhere
        "bb": BlockStat(3, 1, 30),  # rare on the host
        "s1:": BlockStat(3, 1, 30),  # the slot "s1" was on 3 pages...
        "s1:bb": BlockStat(3, 1, 30),  # ... and "bb" on each of them
        "s2:cc": BlockStat(5, 1, 10),  # its slot's counter was pruned: not decided
        "s3:": BlockStat(30, 1, 30),
        "s3:dd": BlockStat(3, 1, 30),  # a stock line in the body's slot: rare there too
    }
    assert chrome_of(stats, min_pages=3, min_share=0.2) == {"aa", "s1:bb"}


def test_page_keys_are_fingerprints_slot_keys_and_slot_counters(demo: tuple) -> None:
    site, _counts = demo
    portal = next(i for i in range(len(site)) if site.ref(i).template == "portal")
    result = extract(_html(site, portal), BASE + site.ref(portal).path, profile=EMPTY)
    assert isinstance(result, Extracted)
    (appeal,) = house_blocks(site.story(portal))
    fp = block_fingerprint("p", appeal)
    keys = {b.fingerprint: b.text for b in result.page_blocks}
    assert keys[fp] == appeal
    (scoped,) = [k for k in keys if k.endswith(learning.SLOT_SEP + fp)]
    slot = scoped.split(learning.SLOT_SEP)[0]
    assert keys[slot + learning.SLOT_SEP].endswith("div.story-body > div.ledger-trust > p")
    assert all(len(k) <= 32 for k in keys)  # the store's fingerprint column


def test_a_templates_house_box_is_learnt_in_its_slot_not_host_wide(demo: tuple) -> None:
    site, counts = demo
    seen = Counter(house_blocks(site.story(i)) for i in range(len(site)))
    with_slots, host_wide = counts.profile(), counts.profile(slots=False)
    for template in ("chronicle", "portal", "react", "magazine", "diario", "kurier"):
        i = next(
            k
            for k in range(len(site))
            if site.ref(k).template == template and seen[house_blocks(site.story(k))] >= 3
        )
        story = site.story(i)
        # a variant is on a few percent of the host's pages, a third of its slot's
        assert seen[house_blocks(story)] < 0.2 * len(site)
        url = BASE + story.path
        generic = extract(_html(site, i), url, profile=host_wide)
        learnt = extract(_html(site, i), url, profile=with_slots)
        assert isinstance(generic, Extracted) and isinstance(learnt, Extracted)
        assert all(text in generic.body for text in house_blocks(story)), template
        assert [(b.kind, b.text) for b in learnt.blocks] == [
            (b.kind, b.text) for b in story.blocks
        ], template


def test_learning_never_takes_an_articles_own_text(demo: tuple) -> None:
    """Every page was counted once (its own text is on one page): with everything the host
    taught, each article keeps every block the generic rules found, and loses only house
    chrome."""
    site, counts = demo
    profile = counts.profile()
    taken = 0
    for i in range(len(site)):
        story = site.story(i)
        url = BASE + story.path
        learnt = extract(_html(site, i), url, profile=profile)
        generic = extract(_html(site, i), url)
        assert isinstance(learnt, Extracted) and isinstance(generic, Extracted)
        house = set(house_blocks(story))
        own = [b for b in learnt.blocks if b.text not in house]
        assert own == [b for b in generic.blocks if b.text not in house], story.path
        assert all(text in learnt.body for text in story.paragraphs), story.path
        taken += len(generic.blocks) - len(learnt.blocks)
    assert taken > len(site)  # most pages lost their house box (one or two blocks each)


def test_cold_start_is_the_generic_result(demo: tuple) -> None:
    site, _counts = demo
    for i in range(0, len(site), 7):
        url = BASE + site.ref(i).path
        cold = extract(_html(site, i), url, profile=EMPTY)
        generic = extract(_html(site, i), url)
        assert isinstance(cold, Extracted) and isinstance(generic, Extracted)
        assert cold.blocks == generic.blocks and generic.page_blocks == ()


def test_a_bio_under_a_body_of_br_paragraphs_is_removed(demo: tuple) -> None:
    """The magazine's body has no ``<p>`` at all: the bio is its only paragraph element, and
    is still far less than half the article's text (the copy-of-a-page safety)."""
    site, counts = demo
    i = next(k for k in range(len(site)) if site.ref(k).template == "magazine")
    story = site.story(i)
    result = extract(_html(site, i), BASE + story.path, profile=counts.profile())
    assert isinstance(result, Extracted)
    assert house_blocks(story)[0] not in result.body
    assert result.body == story.body


# -- one walk removes what two walks removed ------------------------------------------------


def _two_walks(nodes: Sequence[LexborNode], profile: HostProfile) -> tuple[PageBlock, ...]:
    """The removal as it was before the walks were merged: one walk to fingerprint the
    region's blocks, a second to find the learnt ones again and remove them (host-wide
    fingerprints only, which is what ``profile`` holds here)."""
    counted = {
        block_fingerprint(node.tag or "", text)
        for region in nodes
        for node, text in learning._leaf_blocks(region)
        if len(text) <= 400
    }
    blocks = [pair for region in nodes for pair in learning._leaf_blocks(region)]

    def in_flow(node: LexborNode) -> bool:
        if node.tag != "p":
            return False
        for sibling in (
            learning._element_sibling(node, False),
            learning._element_sibling(node, True),
        ):
            if sibling is None or sibling.tag != "p":
                continue
            text = sibling.text(separator=" ").strip()
            if len(text) >= 80 and block_fingerprint("p", text) not in profile.chrome:
                return True
        return False

    doomed = [
        node
        for node, text in blocks
        if len(text) <= 400
        and block_fingerprint(node.tag or "", text) in profile.chrome
        and not in_flow(node)
    ]
    region_text = sum(len(node.text()) for node in nodes)
    if sum(len(n.text()) for n in doomed if n.tag == "p") > 0.5 * region_text:
        doomed = [node for node in doomed if node.tag != "p"]
    for node in doomed:
        node.decompose()
    return tuple(PageBlock(fp, "") for fp in counted)


def test_one_walk_removes_what_two_walks_removed(
    demo: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, counts = demo
    host_wide = counts.profile(slots=False)
    # host-wide chrome of the demo site (its house boxes are not), and a learnt widget
    widget = Counts()
    for n in range(2, 7):
        result = extract(story_page(n), "https://news.example.com/a", profile=EMPTY)
        assert isinstance(result, Extracted)
        widget.add(result.page_blocks)
    pages = [(_html(site, i), BASE + site.ref(i).path, host_wide) for i in range(0, 90, 3)]
    pages += [(story_page(n), "https://news.example.com/a", widget.profile()) for n in (1, 9)]
    pages += [(story_page(1), "https://news.example.com/a", widget.profile())]
    removed = 0
    for html, url, profile in pages:
        one = extract(html, url, profile=profile)
        with monkeypatch.context() as patch:
            patch.setattr(page_module, "learn_region", _two_walks)
            two = extract(html, url, profile=profile)
        assert isinstance(one, Extracted) and isinstance(two, Extracted)
        assert one.blocks == two.blocks, url
        fingerprints = {
            b.fingerprint for b in one.page_blocks if learning.SLOT_SEP not in b.fingerprint
        }
        assert fingerprints == {b.fingerprint for b in two.page_blocks}
        plain = extract(html, url)
        assert isinstance(plain, Extracted)
        removed += len(plain.blocks) - len(one.blocks)
    assert removed > 0  # the comparison covers pages where learning removed something
