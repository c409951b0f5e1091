"""The shortcuts of the block filters give the answers of the plain checks they stand in for."""

from __future__ import annotations

import re

import pytest

from ingest.extract.filters import _SHORT_HINTS, _key, _Repeats
from ingest.extract.guide import _HAS_CJK, _TOKEN, _WORD, _tokens
from ingest.extract.vocabulary import (
    APPEAL_HINTS,
    EMBED_HINTS,
    PROMPT,
    PROMPT_HINTS,
    any_of,
)

TEXTS = [
    "",
    "...",
    "Hello, World!",
    "hello_world 42",
    "Straße in Köln: Grüße",
    "İstanbul’da SON DAKİKA",
    "東京で会見 2024年5月3日",
    "Subscribe now to read on",
    "Content is loading; please enable JavaScript to view",
    "It's the ﬁnal word",
    "«Quote» – end.",
]


@pytest.mark.parametrize("text", TEXTS)
def test_key_is_the_casefolded_word_characters(text: str) -> None:
    assert _key(text) == re.sub(r"\W+", "", text.casefold())


@pytest.mark.parametrize(
    "text",
    ["", "abonn", "we support you", "co", "comment", "contenuto esterno", "a video!", "Inbox"],
)
def test_any_of_finds_what_substring_tests_find(text: str) -> None:
    words = (*EMBED_HINTS, *APPEAL_HINTS, "co", "comment", "contenu")
    assert (any_of(words).search(text) is not None) == any(w in text for w in words)


def test_any_of_shares_prefixes() -> None:
    assert any_of(("content", "contenu", "comment")).pattern == "co(?:mment|nten(?:t|u))"


@pytest.mark.parametrize(
    "line",
    [
        "subscribe", "subscription", "subscribers", "sign in", "sign up", "log in", "login",
        "register now", "create an account", "create a free account", "unlock",
        "already a subscriber", "abonnieren", "abonnement", "abonnenten", "probeabo",
        "jetzt testen", "jetzt bestellen", "anmelden", "registrieren", "suscríbete",
        "suscribete", "suscriptores", "inicia sesión", "inicia sesion", "abonnez-vous", "abonnés",
        "se connecter", "abbonati", "accedi", "assine", "cadastre-se", "logg inn", "abonner",
        "prenumerera",
    ],
)  # fmt: skip
def test_every_prompt_holds_a_prompt_hint(line: str) -> None:
    assert PROMPT.search(line) is not None
    assert any(hint in line for hint in PROMPT_HINTS)
    assert _SHORT_HINTS.search(f"please {line} today") is not None


@pytest.mark.parametrize(
    "title", ["", "Breaking: the news", "Über alles", "_under", "2024 in review"]
)
@pytest.mark.parametrize(
    "text", [*TEXTS, "breaking the news", "Breaking — the NEWS!", "über Alles"]
)
def test_repeats_matches_the_plain_key_comparison(title: str, text: str) -> None:
    title_key = _key(title) or "\0"
    lead_key = _key("The lead of the story, in one sentence.") or "\0"
    size = len(text)
    plain = any(0.5 * len(k) <= size <= 2 * len(k) + 10 for k in (title_key, lead_key)) and (
        _key(text) in (title_key, lead_key, "")
    )
    assert _Repeats(title_key, lead_key)(text, size) == plain


@pytest.mark.parametrize(
    "text", [*TEXTS, "Mr. O'Neil's 3rd-quarter_results: +4.5% (est.)", "a\tb\nc"]
)
def test_tokens_are_the_word_runs(text: str) -> None:
    folded = text.casefold()
    expected = (_TOKEN if _HAS_CJK.search(folded) else _WORD).findall(folded)
    assert _tokens(text) == expected


def test_every_embed_placeholder_phrase_passes_the_hint_check() -> None:
    from ingest.extract.vocabulary import EMBED_HINTS, EMBED_PLACEHOLDER

    phrases = [
        "this embed is hosted by a third party.",
        "this content is provided by instagram.",
        "externer inhalt",
        "your browser does not support the video tag.",
        "enable javascript to watch this video",
        "we apologize, but this video has failed to load.",
        "player wird geladen",
    ]
    for phrase in phrases:
        assert EMBED_PLACEHOLDER.search(phrase)
        assert any(hint in phrase for hint in EMBED_HINTS), phrase
