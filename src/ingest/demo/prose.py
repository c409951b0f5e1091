"""A small deterministic generator of English-ish news prose for the demo site.

Every function takes a seeded ``random.Random`` and a :class:`Cast` (the people, places and
subject of one story), so the same seed always yields the same text. Each sentence carries
story-specific names and freshly drawn numbers, so two distinct stories do not share sentences;
only the sentence skeletons repeat.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.demo import vocab

__all__ = [
    "Cast",
    "Person",
    "headline",
    "list_items",
    "make_cast",
    "paragraphs",
    "quote",
    "standfirst",
    "subheading",
]


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    role: str
    org: str

    @property
    def last(self) -> str:
        return self.name.rsplit(" ", 1)[-1]


@dataclass(frozen=True, slots=True)
class Cast:
    """Who and what one story is about."""

    section: str
    main: Person
    other: Person
    place: str
    country: str
    org: str
    topic: str
    event: str
    figure: int


def _person(rng: random.Random, section: str, org: str) -> Person:
    name = f"{rng.choice(vocab.FIRST_NAMES)} {rng.choice(vocab.LAST_NAMES)}"
    return Person(name=name, role=rng.choice(vocab.SECTION_ROLES[section]), org=org)


def _org(rng: random.Random) -> str:
    return f"{rng.choice(vocab.ORG_STEMS)} {rng.choice(vocab.ORG_KINDS)}"


def make_cast(rng: random.Random, section: str) -> Cast:
    """Draw the cast of one story in ``section``."""
    org = _org(rng)
    main = _person(rng, section, org)
    other = _person(rng, section, _org(rng))
    return Cast(
        section=section,
        main=main,
        other=other,
        place=rng.choice(vocab.PLACES),
        country=rng.choice(vocab.COUNTRIES),
        org=org,
        topic=rng.choice(vocab.SECTION_TOPICS[section]),
        event=rng.choice(vocab.SECTION_EVENTS[section]),
        figure=rng.randint(12, 4800),
    )


def _slots(rng: random.Random, cast: Cast) -> dict[str, str]:
    num = rng.randint(3, 950)
    return {
        "p1": cast.main.name,
        "p1l": cast.main.last,
        "r1": cast.main.role,
        "p2": cast.other.name,
        "p2l": cast.other.last,
        "r2": cast.other.role,
        "org": cast.org,
        "org2": cast.other.org,
        "place": cast.place,
        "country": cast.country,
        "topic": cast.topic,
        "event": cast.event,
        "fig": f"{cast.figure:,}",
        "num": str(num),
        "num2": str(rng.randint(2, 90) * 10 + num % 7),
        "few": str(rng.randint(2, 40)),
        "pct": f"{rng.randint(2, 78)}.{rng.randint(0, 9)}",
        "amount": f"{rng.randint(11, 990)} {rng.choice(vocab.AMOUNT_UNITS)}",
        "year": str(rng.randint(1987, 2019)),
        "when": rng.choice(vocab.TIME_WORDS),
        "attr": rng.choice(vocab.ATTRIBUTIONS),
        "verb": rng.choice(vocab.VERBS_PAST),
        "verb2": rng.choice(vocab.VERBS_PAST),
        "adj": rng.choice(vocab.ADJECTIVES),
        "adj2": rng.choice(vocab.ADJECTIVES),
        "conn": rng.choice(vocab.CONNECTIVES),
        "town": rng.choice(vocab.PLACES),
        "qo": rng.choice(vocab.QUOTE_OPENERS),
    }


_SENTENCES: tuple[str, ...] = (
    "The {adj} {event} in {place} has already affected {fig} people, {attr} the {org}.",
    "{p1}, the {r1} of the {org}, {verb} the plan {when} after {few} hours of talks.",
    "{conn} {p2l} said the dispute over {topic} had cost the region about {amount}.",
    "Officials in {country} counted {num} complaints linked to {topic} {when}.",
    "A spokesperson for the {org2} {verb} the figures, calling them {adj} but incomplete.",
    "{conn} residents of {town} reported queues of up to {num2} people outside public offices.",
    "Since {year}, the {org} has {verb} {num} separate proposals on {topic}.",
    "{p2}, the {r2}, told reporters that {pct} per cent of the budget was still unspent.",
    "The {event} follows a {adj2} month in which {topic} dominated debate in {country}.",
    "According to {p1l}, at least {num} staff were moved to {town} {when}.",
    "{conn} the {org2} {verb2} a review of {topic}, estimated to cost {amount}.",
    "Critics in {place} argue that the {adj} response to the {event} left {num2} families waiting.",
    "Turnout at the {place} meeting reached {pct} per cent, the highest since {year}.",
    "The {org} expects a decision on {topic} within {few} days, {p1l} added.",
    "{p2l} {verb} the timetable and warned that {num2} jobs in {town} depended on it.",
    "Data published {when} show a rise of {pct} per cent in cases linked to the {event}.",
    "{conn} {p1l} met {p2l} in {town}, where {num} delegates had gathered.",
    "Neither the {org} nor the {org2} {verb} the {amount} figure quoted by local media.",
    "In {year}, a similar {event} in {town} was settled only after {few} weeks.",
    "The ministry in {country} said {num2} inspectors would be sent to {place} {when}.",
    "Opposition groups {verb} the {adj} deal, saying {topic} deserved {few} more days of scrutiny.",
    "{p1} has led the {org} since {year} and oversaw {num} earlier rounds of {topic}.",
    "Local broadcasters in {town} showed {num2} people gathering near the {org2} offices.",
    "{conn} insurers put the bill for the {event} at roughly {amount}.",
    "An internal memo seen by reporters suggests {pct} per cent of cases in {place} were delayed.",
    "The {org2} said it had received {num} letters about {topic} from {country} alone.",
    "Asked about the {event}, {p2l} gave a {adj} answer and left after {few} minutes.",
    "{conn} a court in {place} {verb} an appeal lodged by {num2} residents.",
    "Analysts at the {org} see growth of {pct} per cent if {topic} is resolved before {year}.",
    "The last time {country} faced a {event} of this size, {num} people were displaced.",
    "{p1l} described the mood in {place} as {adj}, with {num2} volunteers on standby.",
    "Emergency funds worth {amount} were {verb} {when}, {attr} the {org2}.",
    "“{qo} {topic},” {p1l} said {when}, adding that {num} people had written to the {org}.",
    "“The {event} is not over,” said {p2}, the {r2}. “We have {num} cases open in {town}.”",
    "In the words of {p2l}, “nobody in {place} was told about the {amount} until it was spent.”",
    "“{num} families, {few} weeks, no answers,” read a banner outside the {org} in {place}.",
)


_AN = re.compile(r"\b([Aa]) (?=[aeiouAEIOU])")


def _fill(template: str, slots: dict[str, str]) -> str:
    """``template`` with its slots filled and "a" turned into "an" before a vowel."""
    return _AN.sub(r"\1n ", template.format(**slots))


def _sentence(rng: random.Random, cast: Cast) -> str:
    return _fill(rng.choice(_SENTENCES), _slots(rng, cast))


def paragraphs(rng: random.Random, cast: Cast, sizes: Sequence[int]) -> list[str]:
    """Paragraphs of ``sizes[k]`` sentences each, dealing sentence skeletons from a shuffled
    deck so that a story repeats a skeleton only after using all of them."""
    deck: list[int] = []
    out: list[str] = []
    for size in sizes:
        sentences: list[str] = []
        for _ in range(size):
            if not deck:
                deck = list(range(len(_SENTENCES)))
                rng.shuffle(deck)
            sentences.append(_fill(_SENTENCES[deck.pop()], _slots(rng, cast)))
        out.append(" ".join(sentences))
    return out


_HEADLINES: tuple[str, ...] = (
    "{p1l} {present} {topic} as the {event} in {place} drags on",
    "{org} {verb} {topic} after {few} days of {event}",
    "{place} {event} leaves {fig} people waiting on {topic}",
    "{p1} meets other leaders over {topic} in {place}",
    "{country} {present} {topic} after {adj} {event}",
    "Inside the {event} that shook the {org}",
    "{few} questions for {p2l} after the {place} {event}",
    "{org2} and {org} clash over {topic} in {country}",
)


def headline(rng: random.Random, cast: Cast) -> str:
    """A headline; it names the story's cast, so headlines rarely repeat."""
    slots = _slots(rng, cast)
    slots["present"] = rng.choice(vocab.VERBS_PRESENT)
    text = _fill(rng.choice(_HEADLINES), slots)
    return text[0].upper() + text[1:]


_STANDFIRSTS: tuple[str, ...] = (
    "The authorities admit that the {event} over {topic} has already involved {fig} people "
    "in {place}, with {num} formal complaints lodged {when}.",
    "{p1l} is under pressure in {country} as the {event} reaches day {num} and {topic} stalls.",
    "A {adj} {event} in {place} puts {topic} back at the top of the agenda for the {org}.",
    "Some {fig} people in {place} wait for answers while the {org} and the {org2} trade blame "
    "over {topic}.",
    "{p2l} says {pct} per cent of the money for {topic} has not reached {place}.",
)


def standfirst(rng: random.Random, cast: Cast) -> str:
    """The standfirst (lead): one or two summary sentences."""
    first = _fill(rng.choice(_STANDFIRSTS), _slots(rng, cast))
    first = first[0].upper() + first[1:]
    if rng.random() < 0.5:
        return first
    return f"{first} {_sentence(rng, cast)}"


_SUBHEADINGS: tuple[str, ...] = (
    "More dismissals at the {org}",
    "Refusal in {place}",
    "What {p2l} wants",
    "The cost of {topic}",
    "Questions in {town}",
    "A {adj} week for {p1l}",
    "Reaction in {country}",
)


def subheading(rng: random.Random, cast: Cast) -> str:
    return _fill(rng.choice(_SUBHEADINGS), _slots(rng, cast))


def quote(rng: random.Random, cast: Cast) -> str:
    """A pull quote in the voice of the story's main person."""
    slots = _slots(rng, cast)
    return (
        f"{slots['qo']} {cast.topic}, and the {slots['num']} families in {cast.place} "
        f"know it better than anyone."
    )


def list_items(rng: random.Random, cast: Cast) -> tuple[str, ...]:
    """Three to five short, distinct "key points" items."""
    count = rng.randint(3, 5)
    items: list[str] = []
    while len(items) < count:
        slots = _slots(rng, cast)
        item = rng.choice(
            (
                "{num} inspectors sent to {town}",
                "{amount} set aside for {topic}",
                "Talks with the {org2} resume {when}",
                "{pct} per cent of offices in {place} reopened",
                "Review of the {event} due within {few} days",
            )
        ).format(**slots)
        if item not in items:
            items.append(item)
    return tuple(items)
