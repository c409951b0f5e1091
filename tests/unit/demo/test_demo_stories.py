"""Ground truth of the demo site: determinism, shape, distinctness and syndicated copies."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta, timezone

import pytest

from ingest.demo import REFERENCE_DATE, TEMPLATES, DemoConfig, DemoSite
from ingest.demo.stories import StoryCatalogue

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _sentences(text: str) -> set[str]:
    return {s for s in _SENTENCE.split(text) if len(s.split()) >= 6}


def _jaccard(a: str, b: str, k: int = 5) -> float:
    """Jaccard similarity of word ``k``-shingles (what near-duplicate detection looks at)."""

    def shingles(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}

    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y)


def test_same_config_gives_same_stories() -> None:
    a, b = DemoSite(DemoConfig(seed=3)), DemoSite(DemoConfig(seed=3))
    assert [a.story(i) for i in range(len(a))] == [b.story(i) for i in range(len(b))]


def test_seed_changes_the_stories() -> None:
    a, b = DemoSite(DemoConfig(seed=1)), DemoSite(DemoConfig(seed=2))
    assert a.story(0).title != b.story(0).title
    assert a.story(0).paragraphs != b.story(0).paragraphs


def test_story_shape() -> None:
    site = DemoSite()
    for i in range(site.config.n_articles):
        story = site.story(i)
        paras = story.paragraphs
        assert 4 <= len(paras) <= 12, i
        assert sum(b.kind == "h" for b in story.blocks) <= 2
        assert story.blocks[0].kind == "p"
        assert 1 <= len(story.authors) <= 2
        assert story.published.tzinfo is not None
        assert story.published < REFERENCE_DATE - timedelta(days=2)
        assert story.published > REFERENCE_DATE - timedelta(days=63)
        assert story.section in story.tags
        assert story.image_caption and story.image_credit and story.image_url.startswith("/")
        assert story.template in TEMPLATES
        assert story.syndicated_of is None
        assert story.path.endswith((f"-{i}", f"-{i}.html", f"-{i}/"))


def test_no_story_is_dated_on_the_header_widgets_day() -> None:
    site = DemoSite(DemoConfig(n_articles=1000, syndicated_every=1))
    east = timezone(timedelta(hours=14))
    for i in (*range(990, 1000), *range(1990, 2000)):
        assert site.ref(i).published.astimezone(east).date() < site.today


def test_every_template_is_used_by_default() -> None:
    site = DemoSite()
    assert {site.story(i).template for i in range(len(site))} == set(TEMPLATES)


def test_originals_and_copies_are_in_publication_order() -> None:
    cat = StoryCatalogue(seed=7, n_articles=1000, syndicated_every=10)
    originals = [cat.ref(i).published for i in range(cat.n_articles)]
    copies = [cat.ref(i).published for i in range(cat.n_articles, len(cat))]
    assert originals == sorted(originals)
    assert copies == sorted(copies)
    assert len(copies) == 100


def test_distinct_stories_share_no_sentences() -> None:
    site = DemoSite(DemoConfig(n_articles=300, syndicated_every=0))
    owner: dict[str, int] = {}
    for i in range(0, 300, 2):
        story = site.story(i)
        for sentence in _sentences(story.body + " " + story.lead):
            assert owner.setdefault(sentence, i) == i, (sentence, owner[sentence], i)


def test_distinct_stories_have_little_shingle_overlap() -> None:
    site = DemoSite(DemoConfig(n_articles=80, syndicated_every=0))
    bodies = [site.story(i).body for i in range(80)]
    worst = max(_jaccard(bodies[i], bodies[j]) for i in range(80) for j in range(i + 1, 80, 7))
    assert worst < 0.2


def test_distinct_stories_have_distinct_titles() -> None:
    site = DemoSite(DemoConfig(n_articles=200, syndicated_every=0))
    titles = [site.story(i).title for i in range(200)]
    assert len(set(titles)) == len(titles)


def test_syndicated_copy_shares_most_text_with_its_original() -> None:
    site = DemoSite()
    copies = [site.story(i) for i in range(60, len(site))]
    assert len(copies) == 6
    for copy in copies:
        assert copy.syndicated_of is not None
        orig = site.story(copy.syndicated_of)
        assert copy.path != orig.path
        assert copy.template != orig.template
        assert copy.title != orig.title
        assert orig.title.lower().rstrip(".") in copy.title.lower()
        mine, theirs = _sentences(copy.body), _sentences(orig.body)
        shared = len(mine & theirs) / len(mine | theirs)
        assert shared >= 0.6, (copy.id, shared)
        assert _jaccard(copy.body, orig.body) >= 0.75
        assert copy.blocks[-1].text.startswith("Editor's note")
        assert copy.published > orig.published


def test_copy_index_mapping() -> None:
    cat = StoryCatalogue(seed=7, n_articles=60, syndicated_every=10)
    assert [cat.copy_of(i) for i in (8, 9, 19, 59)] == [None, 60, 61, 65]
    for j in range(cat.n_copies):
        assert cat.copy_of(cat.original_of_copy(j)) == cat.n_articles + j


def test_no_copies_when_disabled() -> None:
    site = DemoSite(DemoConfig(syndicated_every=0))
    assert len(site) == 60
    assert site.expected_counts()["syndicated"] == 0


def test_story_index_out_of_range() -> None:
    site = DemoSite()
    with pytest.raises(IndexError):
        site.story(len(site))
    with pytest.raises(ValueError, match="n_articles"):
        DemoSite(DemoConfig(n_articles=0))


def test_article_paths_cover_every_story_once() -> None:
    site = DemoSite()
    paths = list(site.article_paths())
    assert len(paths) == len(set(paths)) == site.expected_counts()["article_urls"] == 66
    assert all(site.story_index(p) == i for i, p in enumerate(paths))


def test_revision_updates_some_stories_in_place() -> None:
    before, after = DemoSite(), DemoSite(DemoConfig(revision=1))
    changed = [i for i in range(60) if before.story(i) != after.story(i)]
    assert len(changed) == after.expected_counts()["revision_updated_articles"] == 6
    for i in changed:
        old, new = before.story(i), after.story(i)
        assert (new.path, new.title, new.published) == (old.path, old.title, old.published)
        assert new.blocks[:-1] == old.blocks and new.blocks[-1].text.startswith("Update: ")
        assert new.modified is not None and new.modified > (old.modified or old.published)
        assert new.modified < REFERENCE_DATE
        copy = after.catalogue.copy_of(i)
        if copy is not None:
            assert after.story(copy).body != before.story(copy).body
            assert after.ref(copy).lastmod > before.ref(copy).lastmod
    assert before.expected_counts()["revision_updated_articles"] == 0


def test_later_revisions_update_other_stories() -> None:
    sites = [DemoSite(DemoConfig(n_articles=100, revision=r)) for r in range(4)]
    updated = [
        {i for i in range(100) if a.story(i) != b.story(i)} for a, b in itertools.pairwise(sites)
    ]
    assert all(len(u) == 10 for u in updated)
    assert not (updated[0] & updated[1]) and not (updated[1] & updated[2])
