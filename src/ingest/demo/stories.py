"""Deterministic, lazy generation of the demo site's stories (ground truth).

A story is a pure function of ``(seed, n_articles, syndicated_every, index)``: nothing is built up
front, so a catalogue of 100,000 stories costs no memory until a story is asked for.

Indices ``0 .. n_articles-1`` are original stories, published in index order over the 60 days
that end two days before :data:`REFERENCE_DATE`. Indices ``n_articles .. n_articles+m-1`` are the
syndicated copies: copy ``j`` republishes original ``(j + 1) * syndicated_every - 1`` on another
template, a little later, under another URL. Both sequences are sorted by publication time.
"""

from __future__ import annotations

import heapq
import itertools
import random
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ingest.demo import prose, vocab
from ingest.model import Block

__all__ = [
    "COLUMNISTS",
    "REFERENCE_DATE",
    "SITE_NAME",
    "TEMPLATES",
    "WIRE",
    "DemoStory",
    "StoryCatalogue",
    "StoryRef",
]

#: The fixed "now" of the demo site. Nothing in the demo reads the real clock.
REFERENCE_DATE = datetime(2025, 6, 30, 18, 0, tzinfo=UTC)
SITE_NAME = "The Meridian Ledger"
#: The listing section of the syndicated copies.
WIRE = "wire"
TEMPLATES: tuple[str, ...] = ("chronicle", "portal", "react", "magazine", "diario", "kurier")
#: The magazine's columnists: every magazine story is one of their columns (and its page ends
#: with the columnist's bio, see ``ingest.demo.templates.house``).
COLUMNISTS: tuple[str, ...] = ("Ana Costa", "Tomasz Wrona", "Hanna Lehto")

#: Templates a syndicated copy may use: those that carry JSON-LD (the copy has its own).
_COPY_TEMPLATES = ("chronicle", "portal", "react", "diario")
_SPAN = timedelta(days=60)
# Originals end two days before the reference date, so that no story (copies come up to 8 hours
# later) is dated "today" in any time zone: the header widgets always show another date.
_START = REFERENCE_DATE - timedelta(days=2) - _SPAN
_MAX_COPY_DELAY = timedelta(hours=8)
# Each revision of the site updates one in ten originals (a seeded residue class of the index).
_UPDATE_CYCLE = 10
_CREDITS = ("afp", "reuters", "ap", "efe", "staff photo", "getty images", "epa")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.”]) (?=[A-Z“])")
_FOLD = str.maketrans({"ø": "o", "ł": "l", "æ": "ae", "ß": "ss", "đ": "d"})


@dataclass(frozen=True, slots=True)
class StoryRef:
    """The cheap part of a story: enough to list or link it without generating its body."""

    id: int
    path: str
    template: str
    title: str
    published: datetime
    section: str
    syndicated_of: int | None = None
    modified: datetime | None = None

    @property
    def lastmod(self) -> datetime:
        return self.modified or self.published


@dataclass(frozen=True, slots=True)
class DemoStory:
    """The ground truth of one article page. ``published`` is aware (UTC)."""

    id: int
    path: str
    template: str
    title: str
    lead: str
    blocks: tuple[Block, ...]
    authors: tuple[str, ...]
    published: datetime
    modified: datetime | None
    section: str
    tags: tuple[str, ...]
    image_url: str
    image_caption: str
    image_credit: str
    syndicated_of: int | None = None
    language: str = "en"

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """The text of the body's ``p`` blocks."""
        return tuple(b.text for b in self.blocks if b.kind == "p")

    @property
    def body(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)

    @property
    def ref(self) -> StoryRef:
        return StoryRef(
            id=self.id,
            path=self.path,
            template=self.template,
            title=self.title,
            published=self.published,
            section=self.section,
            syndicated_of=self.syndicated_of,
            modified=self.modified,
        )


def slugify(text: str, *, words: int = 8) -> str:
    """ASCII slug of the first ``words`` words (accents folded: "Malmö" -> "malmo")."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii")
    return "-".join(_SLUG_DROP.sub(" ", ascii_text).split()[:words])


def story_path(template: str, section: str, published: datetime, slug: str, ident: int) -> str:
    """The URL path of an article on ``template``; every variant ends with the story id."""
    d = published
    if template == "portal":
        return f"/{section}/{d:%Y/%m/%d}/{slug}-{ident}.html"
    if template == "react":
        return f"/stories/{slug}-{ident}"
    if template == "magazine":
        return f"/magazine/{d:%Y/%m}/{slug}-{ident}/"
    if template == "diario":
        return f"/noticias/{section}/{d:%Y-%m-%d}/{slug}-{ident}.html"
    if template == "kurier":
        return f"/en/{section}/{slug}-{ident}.html"
    return f"/{section}/{d:%Y/%m/%d}/{slug}-{ident}"


class StoryCatalogue:
    """Generates stories on demand. Holds only its configuration (no per-story state)."""

    def __init__(
        self, *, seed: int, n_articles: int, syndicated_every: int, revision: int = 0
    ) -> None:
        if n_articles < 1:
            raise ValueError("n_articles must be at least 1")
        if revision < 0:
            raise ValueError("revision must not be negative")
        self.seed = seed
        self.revision = revision
        self.n_articles = n_articles
        self.syndicated_every = syndicated_every
        self.n_copies = n_articles // syndicated_every if syndicated_every > 0 else 0
        self._spacing = _SPAN / n_articles
        rng = self._rng("staff")
        self.staff: tuple[str, ...] = tuple(
            f"{rng.choice(vocab.FIRST_NAMES)} {rng.choice(vocab.LAST_NAMES)}" for _ in range(24)
        )
        order = list(range(_UPDATE_CYCLE))
        self._rng("revisions").shuffle(order)
        self._update_class = tuple(order)  # revision r updates key(i) == _update_class[r-1 % 10]

    def __len__(self) -> int:
        return self.n_articles + self.n_copies

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def original_of_copy(self, copy_index: int) -> int:
        return (copy_index + 1) * self.syndicated_every - 1

    def copy_of(self, original: int) -> int | None:
        """The index of ``original``'s syndicated copy, or ``None`` when it has none."""
        k = self.syndicated_every
        if k <= 0 or (original + 1) % k != 0 or original >= self.n_articles:
            return None
        return self.n_articles + (original + 1) // k - 1

    def updates(self, i: int) -> tuple[int, ...]:
        """The revisions (``1 .. revision``) at which original ``i`` was updated."""
        first = self._update_class.index(_update_key(i)) + 1
        return tuple(range(first, self.revision + 1, _UPDATE_CYCLE))

    def updated_in_revision(self) -> int:
        """How many originals the current revision changed (0 at revision 0)."""
        if self.revision == 0:
            return 0
        key = self._update_class[(self.revision - 1) % _UPDATE_CYCLE]
        full, rest = divmod(self.n_articles, _UPDATE_CYCLE)  # one per full block of ten
        tail = range(full * _UPDATE_CYCLE, full * _UPDATE_CYCLE + rest)
        return full + sum(1 for i in tail if _update_key(i) == key)

    def ref(self, i: int) -> StoryRef:
        """The cheap description of story ``i`` (original or copy)."""
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i >= self.n_articles:
            return self._copy_ref(i)
        return self._original(i)[0]

    def _original(self, i: int) -> tuple[StoryRef, prose.Cast]:
        rng = self._rng("meta", i)
        section = vocab.SECTIONS[i % len(vocab.SECTIONS)]
        published = _START + self._spacing * (i + 0.9 * rng.random())
        published = published.replace(microsecond=0)
        template = rng.choice(TEMPLATES)
        cast = prose.make_cast(rng, section)
        title = prose.headline(rng, cast)
        path = story_path(template, section, published, slugify(title), i)
        mod_rng = self._rng("modified", i)
        modified = None
        if mod_rng.random() < 0.3:
            modified = published + timedelta(minutes=mod_rng.randint(20, 600))
        updates = self.updates(i)
        if updates:
            # halfway to the reference date, then halfway again: later with every revision
            room = REFERENCE_DATE - timedelta(hours=1) - published
            modified = (published + room * (1 - 0.5 ** updates[-1])).replace(microsecond=0)
        return StoryRef(i, path, template, title, published, section, None, modified), cast

    def _copy_ref(self, i: int) -> StoryRef:
        j = i - self.n_articles
        orig = self.ref(self.original_of_copy(j))
        rng = self._rng("copy", j)
        cap = min(_MAX_COPY_DELAY, self._spacing * (self.syndicated_every - 1))
        published = (orig.published + cap * (0.2 + 0.8 * rng.random())).replace(microsecond=0)
        others = [t for t in _COPY_TEMPLATES if t != orig.template]
        template = others[j % len(others)]
        title = _rewrite_headline(rng, orig.title)
        path = story_path(template, orig.section, published, slugify(title), i)
        modified = None if orig.modified is None else orig.modified + (published - orig.published)
        return StoryRef(i, path, template, title, published, orig.section, orig.id, modified)

    def iter_refs_desc(self, *, copies: bool) -> Iterator[StoryRef]:
        """Originals (or copies) from the newest to the oldest, lazily."""
        lo, hi = (self.n_articles, len(self)) if copies else (0, self.n_articles)
        for i in range(hi - 1, lo - 1, -1):
            yield self.ref(i)

    def latest(self, count: int) -> list[StoryRef]:
        """The ``count`` newest articles (originals and copies), newest first."""
        merged = heapq.merge(
            self.iter_refs_desc(copies=False),
            self.iter_refs_desc(copies=True),
            key=lambda r: (r.published, r.id),
            reverse=True,
        )
        return list(itertools.islice(merged, count))

    def section_size(self, section: str) -> int:
        """How many stories a section lists (``wire`` lists the syndicated copies)."""
        if section == WIRE:
            return self.n_copies
        k = vocab.SECTIONS.index(section)
        return 0 if self.n_articles <= k else (self.n_articles - 1 - k) // len(vocab.SECTIONS) + 1

    def section_refs(self, section: str, *, start: int, count: int) -> list[StoryRef]:
        """Entries ``start .. start+count-1`` of a section listing, newest first."""
        size = self.section_size(section)
        stop = min(size, start + count)
        if section == WIRE:
            return [self.ref(len(self) - 1 - r) for r in range(start, stop)]
        k = vocab.SECTIONS.index(section)
        step = len(vocab.SECTIONS)
        top = k + step * (size - 1)
        return [self.ref(top - step * r) for r in range(start, stop)]

    def story(self, i: int) -> DemoStory:
        """The full ground truth of story ``i``."""
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i >= self.n_articles:
            ref = self._copy_ref(i)
            assert ref.syndicated_of is not None
            return self._copy_story(ref, self.story(ref.syndicated_of))
        ref, cast = self._original(i)
        body_rng = self._rng("body", i)
        lead = prose.standfirst(body_rng, cast)
        blocks = _body(body_rng, cast)
        for r in self.updates(i):
            text = prose.paragraphs(self._rng("update", i, r), cast, [2])[0]
            blocks = (*blocks, Block("p", f"Update: {text}"))
        authors = tuple(body_rng.sample(self.staff, k=body_rng.choice((1, 1, 2))))
        if ref.template == "magazine":
            authors = (COLUMNISTS[i % len(COLUMNISTS)],)
        tags = (ref.section, *body_rng.sample(vocab.TAG_POOL, k=body_rng.randint(1, 3)))
        caption = (
            f"{cast.main.name} arrives at the {cast.org} offices in {cast.place} "
            f"before the {cast.event} over {cast.topic}."
        )
        return DemoStory(
            id=i,
            path=ref.path,
            template=ref.template,
            title=ref.title,
            lead=lead,
            blocks=blocks,
            authors=authors,
            published=ref.published,
            modified=ref.modified,
            section=ref.section,
            tags=tags,
            image_url=f"/media/{ref.published:%Y/%m}/{i}-{slugify(ref.title, words=3)}.jpg",
            image_caption=caption,
            image_credit=body_rng.choice(_CREDITS),
        )

    def _copy_story(self, ref: StoryRef, orig: DemoStory) -> DemoStory:
        blocks = list(orig.blocks)
        last = blocks[-1]
        sentences = _SENTENCE_END.split(last.text)
        if last.kind == "p" and len(sentences) > 1:
            blocks[-1] = Block("p", " ".join(sentences[:-1]))  # the partner trims the ending
        note = f"Editor's note: first published by {SITE_NAME} on {orig.published:%d %B %Y, %H:%M}."
        blocks.append(Block("p", note))
        return DemoStory(
            id=ref.id,
            path=ref.path,
            template=ref.template,
            title=ref.title,
            lead=orig.lead,
            blocks=tuple(blocks),
            authors=orig.authors,
            published=ref.published,
            modified=ref.modified,
            section=ref.section,
            tags=orig.tags,
            image_url=f"/media/wire/{ref.id}.jpg",
            image_caption=orig.image_caption,
            image_credit=orig.image_credit,
            syndicated_of=orig.id,
        )


def _update_key(i: int) -> int:
    """Which revisions update original ``i`` (mixed so that it is not ``i``'s residue alone,
    which would single out the originals that have syndicated copies)."""
    return (i + i // _UPDATE_CYCLE) % _UPDATE_CYCLE


def _rewrite_headline(rng: random.Random, title: str) -> str:
    form = rng.randrange(4)
    if form == 0:
        return f"{title}, officials say"
    if form == 1:
        return f"What we know: {title[0].lower()}{title[1:]}"
    if form == 2:
        return f"{title} (updated)"
    return f"Live: {title[0].lower()}{title[1:]}"


def _body(rng: random.Random, cast: prose.Cast) -> tuple[Block, ...]:
    """4-12 paragraphs, 0-2 subheadings (never first) and an optional list or quote."""
    n_paras = rng.randint(4, 12)
    sizes = [rng.randint(2, 4) for _ in range(n_paras)]
    blocks = [Block("p", text) for text in prose.paragraphs(rng, cast, sizes)]
    n_heads = rng.choice((0, 1, 1, 2)) if n_paras >= 5 else 0
    positions = sorted(rng.sample(range(2, n_paras), k=n_heads), reverse=True)
    heads: set[str] = set()
    for pos in positions:
        head = prose.subheading(rng, cast)
        while head in heads:  # an article does not repeat a subheading
            head = prose.subheading(rng, cast)
        heads.add(head)
        blocks.insert(pos, Block("h", head, level=2))
    extra = rng.random()
    if extra < 0.3:
        blocks.insert(len(blocks) - 1, Block("quote", prose.quote(rng, cast)))
    elif extra < 0.55:
        at = len(blocks) - 1
        blocks[at:at] = [Block("li", item) for item in prose.list_items(rng, cast)]
    return tuple(blocks)
