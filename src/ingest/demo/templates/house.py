"""The demo site's own chrome: boxes that only this site prints, inside the article's body.

Real sites carry chrome that no generic rule can know: a newsletter box in the language of a
sister edition, a "we are reader-funded" appeal with no link in it, a columnist's bio under
every piece by that columnist. Each template here has one such box, in its own words and
markup, with a few variants that rotate from story to story (so each variant repeats across
pages, as real boxes do, but no page shows all of them). None of it is in a story's ground truth
(``DemoStory.blocks``): a parser that only knows generic rules lets it through, and one that
learns what repeats on the site's pages can take it out.

=========  ===========================================================================
chronicle  an Indonesian box (the newsletter, the podcast, the tip line): a label ``<span>``
           and a ``<p>`` in a ``div``, after the second paragraph
portal     an English reader-funding appeal with no links (``div > p``), after the third
           paragraph
react      a Finnish strip (newsletter, sister edition, podcast): a label ``div`` and a text
           ``div``, after the first paragraph
magazine   the columnist's bio closing the body (``p.sig``); every magazine story is by one
           of the three :data:`~ingest.demo.stories.COLUMNISTS`
diario     a Spanish box (newsletter, podcast, tip line) before the last paragraph
kurier     a German box (reader tips, newsletter, podcast) after the first paragraph
=========  ===========================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from ingest.demo.stories import COLUMNISTS, DemoStory
from ingest.demo.templates.common import css, esc

__all__ = [
    "after_paragraph",
    "before_last_paragraph",
    "house_blocks",
    "house_box",
    "place",
]

_T = TypeVar("_T")

#: (label, text) variants of the Indonesian box on "chronicle".
_INDONESIAN = (
    (
        "Ledger Pagi",
        "Ringkasan berita terpenting setiap pagi pukul 06.00 WIB, langsung ke kotak masuk Anda. "
        "Gratis dan bisa berhenti kapan saja.",
    ),
    (
        "Siniar Ledger Sore",
        "Tiga berita utama dalam dua puluh menit, dibacakan oleh redaksi kami setiap hari kerja "
        "pukul 17.00.",
    ),
    (
        "Kirim informasi",
        "Punya informasi untuk redaksi? Kirim pesan terenkripsi melalui kanal aman kami. "
        "Identitas Anda kami lindungi sepenuhnya.",
    ),
)
#: The reader-funding appeal on "portal" (no links, and none of the words appeals use).
_FUNDING = (
    "This story was free to read. The Ledger has no owner and no shareholders: 38,000 readers "
    "pay for our reporting, and every gift, however small, keeps it open to everyone.",
    "Reporting like this takes weeks. If you value it, please consider a monthly gift to the "
    "Ledger Trust: it pays for our reporters in twelve cities.",
    "Readers like you keep the Meridian Ledger independent. A gift of any size pays for the next "
    "story, and you can cancel at any time.",
)
#: (label, text) variants of the Finnish strip on "react".
_FINNISH = (
    (
        "Uutiskirje",
        "Tilaa Ledgerin aamukirje: päivän tärkeimmät uutiset sähköpostiisi joka arkiaamu kello "
        "seitsemän.",
    ),
    (
        "Nyt myös suomeksi",
        "Lue päivän tärkeimmät uutiset omalla kielelläsi Ledgerin sovelluksessa.",
    ),
    (
        "Podcast",
        "Kuuntele Ledgerin uutispodcast joka arkipäivä: kolme aihetta, kaksikymmentä minuuttia.",
    ),
)
#: The Spanish box on "diario".
_SPANISH = (
    "Recibe cada mañana en tu correo las cinco noticias que marcarán el día, elegidas por nuestra "
    "redacción. Es gratis.",
    "Escucha «El Diario en diez minutos», nuestro pódcast de actualidad, de lunes a viernes desde "
    "las siete de la mañana.",
    "¿Sabes algo que debamos contar? Escribe a la redacción de forma confidencial: protegemos "
    "siempre a nuestras fuentes.",
)
#: The German box on "kurier".
_GERMAN = (
    "Sie haben etwas beobachtet? Schicken Sie uns Ihre Hinweise, Fotos und Videos – vertraulich "
    "und rund um die Uhr.",
    "Der Kurier am Morgen: jeden Werktag um sechs Uhr die wichtigsten Nachrichten aus der Region "
    "in Ihrem Postfach.",
    "Hören Sie auch unseren Podcast „Kurier am Abend“ – werktags ab 17 Uhr in allen gängigen Apps.",
)
#: The bio of each of the magazine's columnists (in the order of ``COLUMNISTS``).
_BIOS = (
    "{name} writes the Slow Lane column from Lisbon every other week. Letters to the column go "
    "to the magazine desk.",
    "{name} has kept the Field Notes column since 2009 and walks a different coast for it every "
    "summer.",
    "{name} writes about food, markets and the people behind them; the Table column appears "
    "here every month.",
)


def _pick(story: DemoStory, variants: Sequence[_T]) -> _T:
    return variants[story.id % len(variants)]


def house_blocks(story: DemoStory) -> tuple[str, ...]:
    """The text blocks of the house chrome on ``story``'s page, as a parser splits them."""
    template = story.template
    if template == "chronicle":
        return _pick(story, _INDONESIAN)
    if template == "portal":
        return (_pick(story, _FUNDING),)
    if template == "react":
        return _pick(story, _FINNISH)
    if template == "magazine":
        name = story.authors[0]
        return (_BIOS[COLUMNISTS.index(name)].format(name=name),) if name in COLUMNISTS else ()
    if template == "diario":
        return (_pick(story, _SPANISH),)
    if template == "kurier":
        return (_pick(story, _GERMAN),)
    return ()


def house_box(story: DemoStory) -> str:
    """The HTML of the house chrome on ``story``'s page ("" when it has none)."""
    texts = tuple(esc(t) for t in house_blocks(story))
    if not texts:
        return ""
    template = story.template
    if template == "chronicle":
        label, text = texts
        return (
            f'<div class="sisipan-redaksi"><span class="sisipan-label">{label}</span>'
            f"<p>{text}</p></div>"
        )
    if template == "portal":
        return f'<div class="ledger-trust"><p>{texts[0]}</p></div>'
    if template == "react":
        label, text = texts
        return (
            f'<div class="{css("react", "strip")}"><div class="{css("react", "strip-label")}">'
            f'{label}</div><div class="{css("react", "strip-text")}">{text}</div></div>'
        )
    if template == "magazine":
        return f'<p class="sig"><i>{texts[0]}</i></p>'
    if template == "diario":
        return f'<div class="boletin-diario"><p>{texts[0]}</p></div>'
    return f'<div class="leserhinweis"><p>{texts[0]}</p></div>'


def after_paragraph(groups: Sequence[tuple[str, tuple[str, ...]]], n: int) -> int:
    """The index right after the ``n``-th paragraph group (1-based), or the end."""
    seen = 0
    for k, (kind, _texts) in enumerate(groups):
        seen += kind == "p"
        if seen == n:
            return k + 1
    return len(groups)


def before_last_paragraph(groups: Sequence[tuple[str, tuple[str, ...]]]) -> int:
    """The index of the last paragraph group (the box goes right before it)."""
    paras = [k for k, (kind, _texts) in enumerate(groups) if kind == "p"]
    return paras[-1] if paras else len(groups)


def place(parts: list[str], inserts: Sequence[tuple[int, str]]) -> list[str]:
    """``parts`` (one per body group) with each ``(index, html)`` inserted before the group at
    ``index``; inserts at the same index keep their order."""
    out = list(parts)
    for _position, index, html in sorted(
        ((k, index, html) for k, (index, html) in enumerate(inserts)),
        key=lambda item: (item[1], item[0]),
        reverse=True,
    ):
        out.insert(index, html)
    return out
