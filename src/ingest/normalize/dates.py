"""Date parsing and normalisation (pure).

:func:`parse_date` reads the date formats found in article metadata and bylines;
:func:`to_utc` applies the source's zone to naive values, converts to UTC and drops impossible
dates with a reason. Neither reads the clock: the current time is an argument.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ingest.errors import ConfigError

__all__ = ["EARLIEST", "parse_date", "resolve_zone", "to_utc"]

#: Dates before this instant are treated as extraction errors.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar jän jänner janvier janv enero ene gennaio gen janeiro januari",
        "february feb februar février févr fevrier fev febrero febbraio fevereiro februari",
        "march mar märz mär maerz mars marzo março maart",
        "april apr avril avr abril aprile",
        "may mai mayo maggio maio mei",
        "june jun juni juin junio giugno junho",
        "july jul juli juillet juil julio luglio julho",
        "august aug août aout agosto ago augustus",
        "september sep sept septembre septiembre set settembre setembro",
        "october oct oktober okt octobre octubre ottobre outubro",
        "november nov novembre noviembre novembro",
        "december dec dezember dez décembre déc decembre diciembre dic dicembre dezembro",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)

_ZONES = {
    "utc": 0, "gmt": 0, "z": 0, "ut": 0, "wet": 0, "west": 60, "bst": 60, "cet": 60,
    "cest": 120, "mez": 60, "mesz": 120, "eet": 120, "eest": 180, "msk": 180,
    "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420, "mdt": -360,
    "pst": -480, "pdt": -420, "ist": 330, "jst": 540, "kst": 540, "aest": 600, "aedt": 660,
}  # fmt: skip

_ISO = re.compile(
    r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T\s]+(\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?|(?:UTC|GMT)(?:[+-]\d{2}(?::?\d{2})?)?)?$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"^\d{8,14}$")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,4})([./-])(\d{1,2})\2(\d{2,4})(?!\d)")
_WORD = re.compile(r"[^\W\d_]+\.?")
_TIME = re.compile(
    r"(?<![\d.:])(\d{1,2})[:h.](\d{2})(?:[:.](\d{2}))?(?:[.,]\d+)?\s*(a\.?m\.?|p\.?m\.?)?(?![\d])",
    re.IGNORECASE,
)
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?\s*$", re.IGNORECASE)
_ZONE_WORD = re.compile(r"\b([A-Za-z]{1,4})\)?\s*$")


def parse_date(text: str | None) -> datetime | None:
    """Parse a date as found in metadata or bylines; ``None`` if unparseable or ambiguous.

    Reads ISO 8601 (extended and basic, ``Z``/offsets, a space instead of ``T``), RFC 822/1123,
    compact ``20240503`` / ``20240503100000``, Unix timestamps in seconds or milliseconds,
    numeric day-first dates (``03.05.2024``, ``3/5/2024`` only when unambiguous) and dates with
    English, German, Spanish, French, Italian, Portuguese or Dutch month names, with an
    optional time and zone. The result keeps the zone the text gave (timestamps are UTC) or is
    naive when it gave none.
    """
    if not text:
        return None
    value = " ".join(text.split())
    if not value:
        return None
    return _parse_iso(value) or _parse_digits(value) or _parse_rfc(value) or _parse_free(value)


def _zone(token: str | None) -> tzinfo | None:
    if not token:
        return None
    t = token.upper()
    if t in ("Z", "UTC", "GMT"):
        return UTC
    t = t.removeprefix("UTC").removeprefix("GMT")
    sign = -1 if t[0] == "-" else 1
    digits = t[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 18 or minutes > 59:
        raise ValueError("offset out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _parse_iso(value: str) -> datetime | None:
    m = _ISO.match(value)
    if m is None:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    try:
        micro = int((frac or "0")[:6].ljust(6, "0"))
        return datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0),
            int(second or 0), micro, tzinfo=_zone(zone),
        )  # fmt: skip
    except ValueError:
        return None


def _parse_digits(value: str) -> datetime | None:
    if not _DIGITS.match(value):
        return None
    n = len(value)
    try:
        if n == 8:
            return datetime(int(value[:4]), int(value[4:6]), int(value[6:8]))
        if n == 14:
            return datetime.strptime(value, "%Y%m%d%H%M%S")
        if n in (9, 10):
            return datetime.fromtimestamp(int(value), tz=UTC)
        if n in (12, 13):
            return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _parse_rfc(value: str) -> datetime | None:
    if "," not in value[:5] and not re.match(r"^\d{1,2} [A-Za-z]{3} \d{4} \d", value):
        return None
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if dt.tzinfo is None and re.search(r"[-+]0000\s*$", value):
        return dt.replace(tzinfo=UTC)  # "-0000" means "UTC, origin unknown"
    # A zone it does not know (CEST, +02:00) leaves the value naive: the free parser reads it.
    return dt if dt.tzinfo is not None else None


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        y += 2000 if y < 70 else 1900
    return y


def _date_part(value: str) -> tuple[int, int, int, str] | None:
    """(year, month, day, rest of the text) from a numeric or month-name date."""
    m = _NUMERIC.search(value)
    if m is not None:
        a, _, b, c = m.groups()
        rest = value[: m.start()] + " " + value[m.end() :]
        if len(a) == 4:
            return int(a), int(b), int(c), rest
        first, second = int(a), int(b)
        if m.group(2) == "/" and first <= 12 and second <= 12 and first != second:
            return None  # 03/05/2024: day-first or month-first cannot be told apart
        if m.group(2) == "/" and second > 12:
            first, second = second, first  # unambiguous month-first (US)
        return _year(c), second, first, rest
    month = None
    for w in _WORD.finditer(value):
        month = _MONTHS.get(w.group().rstrip(".").casefold())
        if month is not None:
            break
    if month is None:
        return None
    assert w is not None
    before, after = value[: w.start()], value[w.end() :]
    year_m = re.search(r"(?<!\d)(\d{4})(?!\d)", value)
    if year_m is None:
        return None
    day_m = re.search(r"(?<![\d:.])(\d{1,2})(?:st|nd|rd|th|er|º|\.)?(?![\d:])", before[-12:])
    if day_m is None:
        day_m = re.match(r"\s*(\d{1,2})(?:st|nd|rd|th)?(?![\d:])", after)
    if day_m is None:
        return None
    rest = value.replace(year_m.group(1), " ", 1)
    return int(year_m.group(1)), month, int(day_m.group(1)), rest


def _time_part(rest: str) -> tuple[int, int, int, tzinfo | None]:
    m = _TIME.search(rest)
    if m is None:
        return 0, 0, 0, None
    hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    meridiem = (m.group(4) or "").replace(".", "").lower()
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    tail = rest[m.end() :].strip()
    zone: tzinfo | None = None
    off = _OFFSET.search(tail)
    if off is not None:
        sign = -1 if off.group(1) == "-" else 1
        zone = timezone(sign * timedelta(hours=int(off.group(2)), minutes=int(off.group(3) or 0)))
    else:
        word = _ZONE_WORD.search(tail)
        if word is not None and word.group(1).lower() in _ZONES:
            zone = timezone(timedelta(minutes=_ZONES[word.group(1).lower()]))
    return hour, minute, second, zone


def _parse_free(value: str) -> datetime | None:
    date = _date_part(value)
    if date is None:
        return None
    year, month, day, rest = date
    try:
        hour, minute, second, zone = _time_part(rest)
        return datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None


def resolve_zone(zone: str | tzinfo) -> tzinfo:
    """A zone from an IANA name ("Europe/Berlin", "UTC") or a ``tzinfo``.

    Raises :class:`~ingest.errors.ConfigError` for an unknown name.
    """
    if isinstance(zone, tzinfo):
        return zone
    if zone.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"unknown time zone {zone!r}: use an IANA name such as 'Europe/Berlin'"
        ) from exc


def to_utc(
    dt: datetime | None,
    *,
    default_tz: str | tzinfo,
    now: datetime,
    future_tolerance: timedelta = timedelta(days=1),
) -> tuple[datetime | None, str | None]:
    """``dt`` as an aware UTC datetime, or ``(None, reason)`` when it is impossible.

    A naive ``dt`` is taken to be in ``default_tz``. Reasons: ``"future"`` (later than
    ``now + future_tolerance``), ``"before_1990"``. A naive ``now`` is taken as UTC.
    ``(None, None)`` when ``dt`` is ``None``. Raises ``ConfigError`` for an unknown zone name.
    """
    if dt is None:
        return None, None
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=resolve_zone(default_tz))
    try:
        value = dt.astimezone(UTC)
    except (OverflowError, ValueError):
        return None, "out_of_range"
    current = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    if value > current + future_tolerance:
        return None, "future"
    if value < EARLIEST:
        return None, "before_1990"
    return value, None
