"""Text-level filtering of extracted blocks: title/lead repeats, bylines, dates, teasers (pure)."""

from __future__ import annotations

import re

from ingest.extract.dates import parse_any_date
from ingest.extract.dom import text_weight
from ingest.extract.vocabulary import (
    APPEAL,
    APPEAL_HINTS,
    AUTHOR_BIO,
    BYLINE_PREFIX,
    CHROME_HEADING_PREFIX,
    CHROME_PREFIX,
    COMMENTS_OPENER,
    CONTROL_LINE,
    EMBED_HINTS,
    EMBED_PLACEHOLDER,
    INTERFACE_LINE,
    PROMPT,
    PROMPT_HINTS,
    any_of,
    credit_line,
    is_chrome_heading,
)
from ingest.model import Block

__all__ = ["filter_blocks"]

#: A template marker left in a page instead of content ("$$ARTICLEAD$$", "{{ad_slot}}").
_PLACEHOLDER = re.compile(r"(\$\$|\{\{|\[\[|%%|##|<%)\s*[\w.:-]{1,40}\s*(\$\$|\}\}|\]\]|%%|##|%>)$")

_COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright\b)|all rights reserved|alle rechte vorbehalten")
_DATE_LINE = re.compile(
    r"^(?:(?:published|updated|posted|last updated|veröffentlicht|aktualisiert|actualizado|"
    r"publicado|publié|mis à jour|pubblicato|aggiornato|stand)\b[:\s]*)?"
    r"[\w\s.,:/|-]{0,50}\d{1,4}[\w\s.,:/|-]{0,50}$",
    re.IGNORECASE,
)
_SHORT = 80
_KEY_LIMIT = 1200  # titles and leads are shorter than this
_LATE = 0.6
#: A comment section's opening line ends the body from this share of the text on, after at
#: least ``_COMMENTS_AFTER`` substantial paragraphs.
_COMMENTS_LATE = 0.15
_COMMENTS_AFTER = 3
#: A chrome heading opens a box inside the story when at most ``_BOX_BLOCKS`` blocks shorter
#: than ``_BOX_TEXT`` characters follow it and then ``_RESUME_RUN`` substantial paragraphs of at
#: least ``_RESUME_CHARS`` characters together.
_BOX_BLOCKS = 4
_BOX_TEXT = 200
_RESUME_RUN = 3
_RESUME_CHARS = 400
#: A heading of six words or more after a chrome heading is the next story's headline.
_HEADLINE_SPACES = 5


_NON_WORD = re.compile(r"\W+")
#: The ASCII characters ``\W`` matches (all but letters, digits and ``_``).
_ASCII_NON_WORD = bytes(c for c in range(128) if not (chr(c).isalnum() or chr(c) == "_"))


def _key(text: str) -> str:
    """``text`` case-folded, without non-word characters (to compare blocks to title and lead)."""
    if text.isascii():  # the same without a regex pass: casefold() is lower() on ASCII
        return text.encode().lower().translate(None, _ASCII_NON_WORD).decode()
    return _NON_WORD.sub("", text.casefold())


def _is_date_line(text: str) -> bool:
    return len(text) < 60 and bool(_DATE_LINE.match(text)) and parse_any_date(text) is not None


class _Repeats:
    """Tells blocks that are the title or the lead again (or have no word characters).

    A block's key costs a pass over its text, so it is built only for a block whose size is
    near a key's length and whose first character can begin one of the keys.
    """

    __slots__ = ("bounds", "heads", "keys")

    def __init__(self, title_key: str, lead_key: str) -> None:
        self.keys = (title_key, lead_key, "")
        self.heads = (title_key[:1], lead_key[:1])
        self.bounds = (
            0.5 * len(title_key),
            2 * len(title_key) + 10,
            0.5 * len(lead_key),
            2 * len(lead_key) + 10,
        )

    def __call__(self, text: str, size: int) -> bool:
        low1, high1, low2, high2 = self.bounds
        if size > _KEY_LIMIT or not (low1 <= size <= high1 or low2 <= size <= high2):
            return False
        first = text[:1]
        if (
            first.isascii()
            and (first.isalnum() or first == "_")
            and first.lower() not in self.heads
        ):
            return False  # the block's key would begin with this character, lower-cased
        return _key(text) in self.keys


def _hinted(low: str, hints: tuple[str, ...]) -> bool:
    """A cheap pre-check before a large regex: plain substring tests run in C and beat one
    regex alternation of the same words by far (on short texts a trie does better: ``any_of``)."""
    return any(map(low.__contains__, hints))


_COPYRIGHT_HINTS = ("©", "(c)", "copyright", "rights reserved", "rechte vorbehalten")
#: The hints of all checks in ``_promotion``: one search rules them all out for most blocks.
_SHORT_HINTS = any_of(EMBED_HINTS, PROMPT_HINTS, APPEAL_HINTS, _COPYRIGHT_HINTS)


def _promotion(low: str, size: int) -> bool:
    """An embed placeholder, a subscription prompt, an appeal or a copyright line (``low``:
    the lower-cased text of a block shorter than 250 characters)."""
    return bool(
        (_hinted(low, EMBED_HINTS) and EMBED_PLACEHOLDER.search(low))
        or (size < 160 and PROMPT.search(low))
        or (_hinted(low, APPEAL_HINTS) and APPEAL.search(low))
        or (size < 200 and _hinted(low, _COPYRIGHT_HINTS) and _COPYRIGHT.search(low))
    )


def _drop(block: Block, repeats: _Repeats) -> bool:
    """True for a block that is not article text. Below 250 characters every check is pure
    and a hit drops the block, so their order only matters for speed."""
    text = block.text
    size = len(text)
    if repeats(text, size):
        return True
    if size >= 250:
        if size >= 600:
            return False
        low = text.lower()
        appeal = _hinted(low, APPEAL_HINTS) and APPEAL.search(low) is not None
        embed = _hinted(low, EMBED_HINTS) and EMBED_PLACEHOLDER.search(low) is not None
        return appeal or embed or _caption(low, size)
    if is_chrome_heading(text) or (size < 60 and _comments_opener(text)):
        return True
    if (
        size < 120
        and (block.kind == "h" or text.endswith(":") or _heading_like(text, size))
        and CHROME_HEADING_PREFIX.match(text)
    ):
        return True  # "Recommended videos", "Mehr zum Thema finden Sie hier:", "Most read in ..."
    if not text[:1].isalpha() and not any(ch.isalpha() for ch in text):
        return True  # ids, counters, stray numbers
    if size < 60 and text[0] in "${[%#<" and _PLACEHOLDER.match(text):
        return True  # a template marker left in the page: "$$ARTICLEAD$$", "{{ad_slot}}"
    low = text.lower()
    if _SHORT_HINTS.search(low) is not None and _promotion(low, size):
        return True
    if credit_line(low) or _caption(low, size):
        return True  # a credit, or a caption: "… Pa. (AP Photo/Alex Brandon)", "(v.l.n.r.) …"
    if size < 50 and INTERFACE_LINE.match(text.strip(" .:!›»>")):
        return True
    if size < 40 and block.kind == "p" and _DATELINE.match(text):
        return True  # "Berlin.": a dateline set apart from the paragraph it opens
    if size < 20 and block.kind != "li" and CONTROL_LINE.match(text.strip(" .:!›»>")):
        return True  # "facebook", "Link copied", "Log in": a share bar's or a prompt's labels
    if len(text) < 250 and CHROME_PREFIX.match(text):
        return True
    if size < 200 and _hinted(low, _COPYRIGHT_HINTS) and _COPYRIGHT.search(low):
        return True
    if block.kind != "h" and len(text) < _SHORT and BYLINE_PREFIX.match(text) and \
            not text.endswith((".", "!", "?", "\"", "”")):  # fmt: skip
        return True
    return _is_date_line(text)


#: A photo credit in brackets that ends a block: the block is an image's caption.
_CAPTION_CREDIT = re.compile(  # one literal "(" first: the regex engine then skips to it
    r"\((?:(?:[\w .'’-]{0,30}\s)?(?:photo|foto|bild|image|picture)s?\s*(?:/|:|by\b|von\b)"
    r"\s*[^()]{2,80}"
    # "(Mohamed El Saife/CBC)": a photographer's name and the outlet
    r"|(?:[\w.'’-]+ ){1,3}[\w.'’-]+\s*/\s*[^()/]{2,60})\)\.?$"
)

#: Labels a caption opens with when its markup is gone ("Media caption Barack Obama: …").
_CAPTION_LABELS = ("media caption", "image caption", "image source", "bildunterschrift")
#: A credit run into the caption's last sentence: "… in Flushing, Queens.CreditKirsten Luce".
_GLUED_CREDIT = re.compile(r"[.!?”\"]\s*credit\s*:?\s*[^.!?]{2,80}$")
#: A wire caption's phrase: "… in this picture obtained from social media", "in this handout
#: photo taken on …".
_IN_THIS_PICTURE = re.compile(
    r"\bin this (?:\w+ ){0,2}(?:picture|photo|photograph|image|illustration|screen ?grab)\b"
)
#: A Korean caption's credit after its last sentence: "… 인사하고 있다. 뉴스1",
#: "… 있다. 홍길동 기자".
_KOREAN_CREDIT = re.compile(
    r"[.。]\s*(?:(?:ap|afp|epa|로이터|신화)\s*)?(?:연합뉴스|뉴시스|뉴스1|[가-힣]{2,4} 기자)$"
)
#: A caption's note that its picture is an archive or symbol image.
_ARCHIVE_MARKS = ("(archivbild)", "(archivfoto)", "(symbolbild)", "(file photo)", "(file)")
#: A credit line "source/photographer": "mbl.is/Atli Steinn", "Ljósmynd/Aðsend", "Foto/Jane Doe".
_SLASH_CREDIT = re.compile(
    r"(?:[\w-]+\.[a-z]{2,}|fotos?|photos?|bild|ljósmynd|skjáskot|kuva|zdjęcie|screenshot)"
    r"\s*/\s*\w[^.!?/]{1,40}$"
)
#: A Japanese photo credit closing a caption: "（潟沼義樹撮影）", "(共同通信社撮影)".
_SHOT_BY = ("撮影）", "撮影)")
#: A caption that opens by pointing at the picture: "Pictured: …", "Pictured from left, are …".
_PICTURED = re.compile(
    r"pictured(?:\s*:|\s+(?:above|below|left|right|from left|"
    r"at the (?:back|front|left|right|cent(?:re|er)))\b)"
)
#: Who is who in a group photo: "(v.l.n.r.)", "(von links nach rechts)", "(from left)", "(l-r)".
_LEFT_TO_RIGHT = re.compile(
    r"\((?:v\.\s?l\.(?:\s?n\.\s?r\.)?|von li(?:nks)?\.? nach re(?:chts)?\.?|"
    r"(?:from )?l(?:eft)?\.?\s?(?:-|–|to)\s?r(?:ight)?\.?|from left)\)"
)


def _caption(low: str, size: int) -> bool:
    """An image caption whose markup is gone, told by its wording: a credit at its end (in
    brackets, run into the last sentence, a Japanese or Korean credit, an archive mark), a
    credit line of its own ("source/photographer"), an opening label ("Media caption",
    "Pictured: …"), a wire caption's "in this picture", or who is who from left to right
    (``low``: the lower-cased text of a block of ``size`` characters)."""
    if low[-1] in ")）." and (
        _CAPTION_CREDIT.search(low, size - 120) is not None or low.endswith(_SHOT_BY)
    ):
        return True
    if low.endswith(_ARCHIVE_MARKS):
        return True
    if not low.isascii() and _KOREAN_CREDIT.search(low, size - 40) is not None:
        return True
    if size < 60 and "/" in low and _SLASH_CREDIT.match(low) is not None:
        return True
    if low.startswith(_CAPTION_LABELS) or (low.startswith("pictured") and _PICTURED.match(low)):
        return True
    if "credit" in low and _GLUED_CREDIT.search(low, size - 100) is not None:
        return True
    if "in this" in low and size < 400 and _IN_THIS_PICTURE.search(low) is not None:
        return True
    return ("(v" in low or "(l" in low or "(f" in low) and _LEFT_TO_RIGHT.search(low) is not None


#: A dateline on a line of its own: one to three capitalised words and a full stop.
_DATELINE = re.compile(r"^[A-ZÀ-Þ][\w'’.-]*(?:[ /-][A-ZÀ-Þ][\w'’.-]*){0,2}\.$")


def _heading_like(text: str, size: int) -> bool:
    """A short line that is no sentence: a heading whose markup does not say so."""
    return size < 50 and not text.endswith((".", "!", "?")) and text.count(" ") < 6


def _holds_title(text: str, title_key: str) -> bool:
    key = _key(text)
    return len(title_key) >= 10 and len(key) < 3 * len(title_key) and title_key in key


def _ends_article(block: Block) -> bool:
    if block.kind != "p" and is_chrome_heading(block.text):
        return True
    return (
        block.kind == "h" and len(block.text) < 50 and bool(CHROME_HEADING_PREFIX.match(block.text))
    )


def _story_resumes(blocks: list[Block], head: int) -> int:
    """Where the story goes on after a chrome heading at ``head`` that only opens a box inside
    it ("Related Article" and a linked headline, mid-story): the index of the first of
    ``_RESUME_RUN`` consecutive substantial paragraphs within ``_BOX_BLOCKS`` short blocks of the
    heading; -1 when none follows, and the heading ends the article. A list of teasers (short
    headlines between short summaries) never holds such a run."""
    end = min(len(blocks), head + 1 + _BOX_BLOCKS + _RESUME_RUN)
    start = head + 1
    while start < end:
        run = blocks[start : start + _RESUME_RUN]
        if (
            len(run) == _RESUME_RUN
            and all(b.kind == "p" and _good(b) for b in run)
            and sum(len(b.text) for b in run) >= _RESUME_CHARS
        ):
            return start
        block = blocks[start]
        if len(block.text) >= _BOX_TEXT:
            return -1  # a long block that is not the story's: the box is no small one
        if block.kind == "h" and block.text.count(" ") >= _HEADLINE_SPACES:
            return -1  # a headline: the next story (an endless page), not this one's subheading
        start += 1
    return -1


def _opens_comments(block: Block, out: list[Block]) -> bool:
    """True for the line that opens a comment section ("There are 13 comments", "View comments
    (27)") once the article has had its text: a comment count in the page header, above the
    story, does not end it."""
    text = block.text
    if len(text) > 60 or not _comments_opener(text):
        return False
    return _after_article(out)


#: The head of a comment as blog software writes it: "Jane Doe says:", "Max sagt:".
_COMMENT_HEAD = re.compile(
    r"^[^\W\d][\w .'’-]{0,40}\s(?:says|sagt|dice|dit|zegt|skriver|pisze)\s?:$"
)
_COMMENT_HEADS = 3


def _first_comment(blocks: list[Block]) -> int:
    """The index of the first of ``_COMMENT_HEADS`` or more comment heads ("Jane Doe says:"),
    else -1: a line or two like it may introduce quotes in a story, more are a thread."""
    heads = [i for i, b in enumerate(blocks) if len(b.text) < 60 and _COMMENT_HEAD.match(b.text)]
    return heads[0] if len(heads) >= _COMMENT_HEADS else -1


#: A short line that is no sentence, repeated this many times in a body, is a label ("Article
#: content" for screen readers, "Story continues below" under each ad slot), not text.
_LABEL_REPEATS = 3
_LABEL_CHARS = 40


def _labels(blocks: list[Block]) -> frozenset[str]:
    """The texts of ``_LABEL_REPEATS`` or more short blocks that are not sentences nor headings:
    what a page repeats between its paragraphs. No article repeats a line so."""
    counts: dict[str, int] = {}
    for block in blocks:
        text = block.text
        if len(text) <= _LABEL_CHARS and block.kind != "h":
            counts[text] = counts.get(text, 0) + 1
    return frozenset(
        text
        for text, n in counts.items()
        if n >= _LABEL_REPEATS and not text.endswith(_SENTENCE_END)
    )


#: List items that are a control's label ("E-Mail", "Drucken", "Twitter") in a run this long
#: are a share bar, when one of them is no network's name: a story may list networks.
_CONTROL_RUN = 3
_NETWORKS = frozenset(
    {
        "facebook", "twitter", "x", "linkedin", "whatsapp", "telegram", "pinterest", "reddit",
        "line", "flipboard", "xing", "bluesky", "threads", "messenger",
    }
)  # fmt: skip


def _control_runs(blocks: list[Block]) -> set[int]:
    """The indexes of list items in runs of ``_CONTROL_RUN`` or more that are all controls'
    labels (``CONTROL_LINE``): a share bar written as a list."""
    found: set[int] = set()
    run: list[int] = []
    for i, block in enumerate([*blocks, Block("p", "")]):
        text = block.text
        if block.kind == "li" and len(text) < 20 and CONTROL_LINE.match(text.strip(" .:!›»>")):
            run.append(i)
            continue
        if len(run) >= _CONTROL_RUN and any(
            blocks[j].text.strip(" .:!›»>").lower() not in _NETWORKS for j in run
        ):
            found.update(run)
        run = []
    return found


def _after_article(out: list[Block]) -> bool:
    return sum(1 for b in out if _good(b)) >= _COMMENTS_AFTER


def _comments_opener(text: str) -> bool:
    return COMMENTS_OPENER.match(text.strip(" :.")) is not None


def _trim_bio(out: list[Block]) -> None:
    """Drop an author bio among the last blocks."""
    for i in range(len(out) - 1, max(-1, len(out) - 3), -1):
        if out[i].kind == "p" and len(out[i].text) < 400 and AUTHOR_BIO.match(out[i].text):
            del out[i]


_GOOD = 90


_SENTENCE_END = (".", "!", "?", '"', "”", "»", "“", "。", "！", "？", ")", ":")


def _good(block: Block) -> bool:
    if block.kind not in ("p", "quote", "pre"):
        return False
    text = block.text
    if len(text) >= _GOOD:  # the weight is at least the length: no need to count CJK
        return True
    return text_weight(text) >= _GOOD or (text.endswith(_SENTENCE_END) and len(text.split()) >= 5)


def trim_edges(blocks: list[Block]) -> list[Block]:
    """Drop short blocks after the last substantial paragraph (credits, labels, teaser
    leftovers); list items and quotes that continue the text stay."""
    last = max((i for i, b in enumerate(blocks) if _good(b)), default=-1)
    if last < 0:
        return blocks
    end = last + 1
    while end < len(blocks) and blocks[end].kind in ("li", "quote", "pre"):
        end += 1
    first = next(i for i, b in enumerate(blocks) if _good(b))
    head = [b for b in blocks[:first] if b.kind != "p"]
    tail = blocks[last + 1 : end]
    return _unless_menu(head) + blocks[first : last + 1] + _unless_menu(tail)


#: A run of at least this many list items of a few words each, outside the story's text, is a
#: menu or a tag list ("Politics & Government", "Arial", "Top"), not a list the story continues.
_MENU_ITEMS = 3
_MENU_ITEM_CHARS = 30
_FULL_STOPS = (".", "!", "?", "。", "！", "？")


def _unless_menu(edge: list[Block]) -> list[Block]:
    """``edge`` (blocks before the first or after the last substantial paragraph) without its
    list items when they are all short labels and there are ``_MENU_ITEMS`` or more."""
    items = [b for b in edge if b.kind == "li"]
    if len(items) < _MENU_ITEMS or any(
        len(b.text) > _MENU_ITEM_CHARS or b.text.endswith(_FULL_STOPS) for b in items
    ):
        return edge
    return [b for b in edge if b.kind != "li"]


def filter_blocks(blocks: list[Block], title: str | None, lead: str | None) -> list[Block]:
    """Drop repeated title/lead, chrome lines, bylines, date lines, duplicates and a trailing
    heading with nothing under it."""
    title_key = _key(title or "") or "\0"
    lead_key = _key(lead or "") or "\0"
    repeats = _Repeats(title_key, lead_key)
    out: list[Block] = []
    seen: set[tuple[str, str]] = set()
    total = sum(len(b.text) for b in blocks)
    first_comment = _first_comment(blocks)
    labels = _labels(blocks)
    controls = _control_runs(blocks)
    done = 0
    resume = -1
    for i, block in enumerate(blocks):
        done += len(block.text)
        if i < resume:
            continue  # a box inside the story, headed like chrome
        if done > _LATE * total and _ends_article(block):
            resume = _story_resumes(blocks, i)
            if resume < 0:
                break  # "Related", "More from ..." late in the body: the article has ended
            continue
        if done > _COMMENTS_LATE * total and (
            _opens_comments(block, out) or (i == first_comment and _after_article(out))
        ):
            break  # the comments, which may outweigh the article, start here
        if _drop(block, repeats) or (labels and block.text in labels) or i in controls:
            continue
        if not out and block.kind == "h" and _holds_title(block.text, title_key):
            continue  # kicker + headline repeated above the body
        ident = (block.kind, block.text)
        if ident in seen and len(block.text) > 20:
            continue
        seen.add(ident)
        out.append(block)
    _trim_bio(out)
    out = trim_edges(out)
    while out and out[-1].kind == "h":
        out.pop()
    return out
