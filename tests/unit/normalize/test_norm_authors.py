from __future__ import annotations

import pytest

from ingest.normalize.authors import clean_author, clean_authors

SURNAMES = ["De Rosa", "Da Silva", "Di Maio", "Byron Smith"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["By Jane Doe"], ("Jane Doe",)),
        (["BY  Jane\u00a0Doe "], ("Jane Doe",)),
        (["Von Max Muster, 03.05.2024"], ("Max Muster",)),
        (["Por María R. Sahuquillo"], ("María R. Sahuquillo",)),
        (["Par Jean Dupont"], ("Jean Dupont",)),
        (["di Marco Rossi"], ("Marco Rossi",)),
        (["av Kari Nordmann"], ("Kari Nordmann",)),
        (SURNAMES, tuple(SURNAMES)),
        (["Luiz da Silva"], ("Luiz da Silva",)),
        (["By Jane Doe and John Roe | Staff Writer"], ("Jane Doe", "John Roe")),
        (["Jane Doe; John Roe"], ("Jane Doe", "John Roe")),
        (["John Smith - Political Correspondent"], ("John Smith",)),
        (["Jane Doe (jane.doe@example.com)"], ("Jane Doe",)),
        (["jane@example.com"], ()),
        (["Staff"], ()),
        (["By Staff"], ()),
        (["Updated"], ()),
        (["Updated May 3, 2024 10:00 AM"], ()),
        (["May 3, 2024"], ()),
        (["@jsmith"], ()),
        (["https://example.com/authors/jane"], ()),
        (["", "   ", "---"], ()),
    ],
)
def test_clean_authors(raw: list[str], expected: tuple[str, ...]) -> None:
    assert clean_authors(raw) == expected


def test_order_kept_and_duplicates_removed_case_insensitively() -> None:
    assert clean_authors(["Zoe Zed", "Adam Ant", "zoe  zed", "ADAM ANT", "By Zoe Zed"]) == (
        "Zoe Zed",
        "Adam Ant",
    )


def test_outlets_and_non_latin_names_are_kept_unchanged() -> None:
    names = ["dpa", "Le Figaro et AFP", "srf/hosb", "大渡 美咲", "Bill MCCARTHY", "Dr. Max Kolter"]
    assert clean_authors(names) == tuple(names)


def test_overlong_strings_are_not_names() -> None:
    assert (
        clean_author("This is a whole sentence that someone put into the author field by mistake")
        is None
    )
