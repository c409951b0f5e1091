from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.errors import ConfigError
from ingest.normalize.dates import parse_date, to_utc

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PLUS2 = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-03T10:00:00Z", datetime(2024, 5, 3, 10, tzinfo=UTC)),
        ("2024-05-03T10:00:00z", datetime(2024, 5, 3, 10, tzinfo=UTC)),
        ("2024-05-03T10:00:00+02:00", datetime(2024, 5, 3, 10, tzinfo=PLUS2)),
        ("2024-05-03T10:00:00+0200", datetime(2024, 5, 3, 10, tzinfo=PLUS2)),
        ("2024-05-03T10:00:00.123456789+02", datetime(2024, 5, 3, 10, 0, 0, 123456, tzinfo=PLUS2)),
        ("2024-05-03T10:00", datetime(2024, 5, 3, 10)),
        ("2024-05-03 10:00:00", datetime(2024, 5, 3, 10)),
        ("2024-05-03 10:00:00 UTC", datetime(2024, 5, 3, 10, tzinfo=UTC)),
        ("2024-05-03", datetime(2024, 5, 3)),
        ("20240503", datetime(2024, 5, 3)),
        ("20240503T100000Z", datetime(2024, 5, 3, 10, tzinfo=UTC)),
        ("20240503100000", datetime(2024, 5, 3, 10)),
        ("1714730400", datetime(2024, 5, 3, 10, tzinfo=UTC)),
        ("1714730400000", datetime(2024, 5, 3, 10, tzinfo=UTC)),
        ("Fri, 03 May 2024 10:00:00 GMT", datetime(2024, 5, 3, 10, tzinfo=UTC)),
        ("Fri, 03 May 2024 10:00:00 +0200", datetime(2024, 5, 3, 10, tzinfo=PLUS2)),
        ("Fri, 3 May 2024 10:00:00 -0000", datetime(2024, 5, 3, 10, tzinfo=UTC)),
        ("3 May 2024", datetime(2024, 5, 3)),
        ("May 3, 2024", datetime(2024, 5, 3)),
        ("Friday, May 3rd, 2024 at 10:15 PM", datetime(2024, 5, 3, 22, 15)),
        ("May 3, 2024 12:05 a.m.", datetime(2024, 5, 3, 0, 5)),
        ("3. Mai 2024, 10:00 Uhr", datetime(2024, 5, 3, 10)),
        ("Freitag, 3. März 2024 um 10.00 Uhr", datetime(2024, 3, 3, 10)),
        ("3 de mayo de 2024", datetime(2024, 5, 3)),
        ("3 mai 2024 à 10h00", datetime(2024, 5, 3, 10)),
        ("1er janvier 2020", datetime(2020, 1, 1)),
        ("03.05.2024 10:00", datetime(2024, 5, 3, 10)),
        ("2024/05/03", datetime(2024, 5, 3)),
        ("05/13/2024", datetime(2024, 5, 13)),
        ("13/05/2024", datetime(2024, 5, 13)),
        ("3 May 2024 10:00 CEST", datetime(2024, 5, 3, 10, tzinfo=PLUS2)),
        ("3 May 2024 10:00 +02:00", datetime(2024, 5, 3, 10, tzinfo=PLUS2)),
    ],
)
def test_parse_date(text: str, expected: datetime) -> None:
    got = parse_date(text)
    assert got == expected
    assert got is not None and (got.tzinfo is None) == (expected.tzinfo is None)


@pytest.mark.parametrize(
    "text",
    ["", "   ", None, "junk", "2024-13-45", "2024-05-03T25:00", "03/05/2024", "yesterday", "12345"],
)
def test_unparseable_or_ambiguous(text: str | None) -> None:
    assert parse_date(text) is None


def test_naive_date_takes_source_zone() -> None:
    value, reason = to_utc(datetime(2024, 5, 3, 10), default_tz="Europe/Berlin", now=NOW)
    assert reason is None
    assert value == datetime(2024, 5, 3, 8, tzinfo=UTC)
    assert value is not None and value.utcoffset() == timedelta(0)


def test_aware_date_is_converted() -> None:
    value, _ = to_utc(
        datetime(2024, 5, 3, 10, tzinfo=PLUS2), default_tz="America/New_York", now=NOW
    )
    assert value == datetime(2024, 5, 3, 8, tzinfo=UTC)
    assert value is not None and value.isoformat() == "2024-05-03T08:00:00+00:00"


def test_future_and_ancient_dates_are_dropped() -> None:
    assert to_utc(NOW + timedelta(days=2), default_tz="UTC", now=NOW) == (None, "future")
    assert to_utc(NOW + timedelta(hours=23), default_tz="UTC", now=NOW)[1] is None
    assert to_utc(
        NOW + timedelta(hours=2), default_tz="UTC", now=NOW, future_tolerance=timedelta(hours=1)
    ) == (None, "future")
    assert to_utc(datetime(1989, 12, 31), default_tz="UTC", now=NOW) == (None, "before_1990")
    assert to_utc(None, default_tz="UTC", now=NOW) == (None, None)


def test_unknown_zone_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        to_utc(datetime(2024, 5, 3), default_tz="Mars/Olympus", now=NOW)


@given(st.datetimes(min_value=datetime(1990, 1, 2), max_value=datetime(2024, 5, 30)))
def test_iso_round_trip(dt: datetime) -> None:
    aware = dt.replace(tzinfo=UTC)
    assert parse_date(aware.isoformat()) == aware
    assert to_utc(parse_date(aware.isoformat()), default_tz="UTC", now=NOW) == (aware, None)


@given(st.text(max_size=40))
def test_parse_date_never_raises(text: str) -> None:
    parse_date(text)


@given(
    st.datetimes(min_value=datetime(1980, 1, 1), max_value=datetime(2030, 1, 1)),
    st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]),
)
def test_to_utc_is_aware_utc_or_dropped_with_reason(dt: datetime, zone: str) -> None:
    value, reason = to_utc(dt, default_tz=zone, now=NOW)
    if value is None:
        assert reason in ("future", "before_1990")
    else:
        assert reason is None
        assert value.utcoffset() == timedelta(0)
        assert datetime(1990, 1, 1, tzinfo=UTC) <= value <= NOW + timedelta(days=1)
