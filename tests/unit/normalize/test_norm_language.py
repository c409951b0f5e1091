from __future__ import annotations

import pytest

from ingest.normalize.language import detect_language, normalize_code

EN = (
    "The city council voted on Tuesday to approve a new budget for public transport, "
    "including more frequent buses and a second tram line that will connect the harbour "
    "with the university campus. Opponents said the plan was too expensive for residents."
)
DE = (
    "Der Stadtrat hat am Dienstag einen neuen Haushalt für den öffentlichen Nahverkehr "
    "beschlossen, mit häufigeren Bussen und einer zweiten Straßenbahnlinie, die den Hafen mit "
    "dem Universitätsgelände verbinden soll. Kritiker halten den Plan für zu teuer."
)
JA = (
    "市議会は火曜日、公共交通機関の新しい予算を承認した。"
    "バスの本数を増やし、港と大学を結ぶ路面電車を新設する。"
)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en-US", "en"),
        ("DE_at", "de"),
        ("pt-BR", "pt"),
        ("eng", "en"),
        ("iw", "he"),
        ("", None),
        (None, None),
        ("x", None),
        ("english", None),
        ("zzz", None),
    ],
)
def test_normalize_code(code: str | None, expected: str | None) -> None:
    assert normalize_code(code) == expected


def test_detects_when_undeclared() -> None:
    assert detect_language(EN, None) == "en"
    assert detect_language(DE, None) == "de"
    assert detect_language(JA, None) == "ja"


def test_keeps_correct_declaration() -> None:
    assert detect_language(DE, "de-DE") == "de"


def test_overrules_wrong_declaration_on_long_text() -> None:
    assert detect_language(DE, "en") == "de"
    assert detect_language(EN, "fr") == "en"


def test_short_text_keeps_declaration_or_none() -> None:
    assert detect_language("Hallo Welt", "en") == "en"
    assert detect_language("Hallo Welt", None) is None
