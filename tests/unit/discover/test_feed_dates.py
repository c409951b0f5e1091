from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ingest.discover._dates import parse_feed_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 05 Mar 2024 08:30:00 +0000", datetime(2024, 3, 5, 8, 30, tzinfo=UTC)),
        ("Tue, 05 Mar 2024 08:30:00 GMT", datetime(2024, 3, 5, 8, 30, tzinfo=UTC)),
        ("05 Mar 2024 08:30 -0000", datetime(2024, 3, 5, 8, 30, tzinfo=UTC)),
        ("Tue, 5 Mar 24 08:30:00 +0200", datetime(2024, 3, 5, 6, 30, tzinfo=UTC)),
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        ("2024-03", datetime(2024, 3, 1, tzinfo=UTC)),
        ("2024-03-05T08:30Z", datetime(2024, 3, 5, 8, 30, tzinfo=UTC)),
        ("2024-03-05T08:30:15+01:00", datetime(2024, 3, 5, 7, 30, 15, tzinfo=UTC)),
        ("2024-03-05T08:30:15+0100", datetime(2024, 3, 5, 7, 30, 15, tzinfo=UTC)),
        ("2024-03-05 08:30:15", datetime(2024, 3, 5, 8, 30, 15, tzinfo=UTC)),
        ("  2024-03-05T08:30:15.5z \n", datetime(2024, 3, 5, 8, 30, 15, 500000, tzinfo=UTC)),
    ],
)
def test_parse_feed_date(text: str, expected: datetime) -> None:
    parsed = parse_feed_date(text)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is not None


def test_parse_feed_date_keeps_offset() -> None:
    parsed = parse_feed_date("2024-03-05T08:30:00-05:00")
    assert parsed is not None
    assert parsed.utcoffset() == timezone(timedelta(hours=-5)).utcoffset(None)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "yesterday",
        "2024-13-01",
        "2024-02-30T00:00:00Z",
        "Foo, 99 Bar 2024",
        "0001-01-01",
    ],
)
def test_parse_feed_date_rejects(text: str | None) -> None:
    assert parse_feed_date(text) is None
