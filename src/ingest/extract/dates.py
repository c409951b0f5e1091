"""Dates the metadata parser in ``normalize`` does not read: RFC 2822, numeric and written
dates in several languages, and dates in URLs. Pure; ``None`` when nothing is recognised."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

from ingest.normalize.dates import parse_date

__all__ = ["date_from_url", "parse_any_date"]

_MONTH_NAMES = (
    "january jan januar janvier janv enero ene gennaio gen janeiro januari stycznia leden ledna "
    "января ocak",
    "february feb februar février févr fevrier febrero febbraio fevereiro februari lutego únor "
    "února февраля şubat",
    "march mar märz maerz mars marzo março maart marca březen března марта mart",
    "april apr avril abril aprile kwietnia duben dubna апреля nisan",
    "may mai mayo maggio maio mei maj maja květen května мая mayıs",
    "june jun juni juin junio giugno junho czerwca červen června июня haziran",
    "july jul juli juillet julio luglio julho lipca červenec července июля temmuz",
    "august aug août aout agosto augusti sierpnia srpen srpna августа ağustos",
    "september sep sept septembre septiembre settembre setembro września září сентября eylül",
    "october oct oktober octobre octubre ottobre outubro okt października říjen října октября ekim",
    "november nov novembre noviembre novembro listopada listopad listopadu ноября kasım",
    "december dec dezember décembre decembre diciembre dicembre dezembro dic dez desember "
    "grudnia prosinec prosince декабря aralık",
)
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(_MONTH_NAMES, start=1):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)

_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_TIME = r"(?:[ ,T]+(?:at |um |à |a las )?(\d{1,2})[:.h](\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?)?"
_DMY_NUM = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b" + _TIME, re.IGNORECASE)
_YMD_NUM = re.compile(r"\b(\d{4})[/.](\d{1,2})[/.](\d{1,2})\b" + _TIME, re.IGNORECASE)
_ISO_SPACE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})" + _TIME)
_DMY_TEXT = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th|\.)?\s+(?:de\s+)?({_MONTH_RE})\.?,?\s+(?:de\s+)?(\d{{4}})"
    + _TIME,
    re.IGNORECASE,
)
_MDY_TEXT = re.compile(
    rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})" + _TIME, re.IGNORECASE
)
_CJK = re.compile(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]?" + _TIME)
_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:[/_.-]|$)"
    r"|/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)"
    r"|[/_-]((?:19|20)\d{2})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)"
)
_MAX_INPUT = 300


def _build(year: int, month: int, day: int, clock: tuple[str | None, ...]) -> datetime | None:
    hh, mm, ss, ampm = clock
    hour = int(hh) if hh else 0
    if ampm and hour < 12 and ampm.lower().startswith("p"):
        hour += 12
    if ampm and hour == 12 and ampm.lower().startswith("a"):
        hour = 0
    try:
        return datetime(year, month, day, hour, int(mm) if mm else 0, int(ss) if ss else 0)
    except ValueError:
        return None


def parse_any_date(text: str | None) -> datetime | None:
    """Parse ISO 8601, RFC 2822, ``03.05.2024``, ``2024/05/03``, ``3 May 2024``,
    ``May 3, 2024``, ``3. Mai 2024``, ``2024年5月3日`` (with an optional time)."""
    if not text:
        return None
    value = text.strip()[:_MAX_INPUT]
    iso = parse_date(value)
    if iso is not None:
        return iso
    if match := _ISO_SPACE.search(value):
        y, mo, d, *clock = match.groups()
        return _build(int(y), int(mo), int(d), tuple(clock))
    if value[:3].isalpha() and "," in value[:5]:
        try:
            return parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            pass
    if match := _DMY_TEXT.search(value):
        d, mon, y, *clock = match.groups()
        return _build(int(y), _MONTHS[mon.lower()], int(d), tuple(clock))
    if match := _MDY_TEXT.search(value):
        mon, d, y, *clock = match.groups()
        return _build(int(y), _MONTHS[mon.lower()], int(d), tuple(clock))
    if match := _DMY_NUM.search(value):
        d, mo, y, *clock = match.groups()
        return _build(int(y), int(mo), int(d), tuple(clock))
    if match := (_YMD_NUM.search(value) or _CJK.search(value)):
        y, mo, d, *clock = match.groups()
        return _build(int(y), int(mo), int(d), tuple(clock))
    return None


def date_from_url(url: str | None) -> datetime | None:
    """A date written in the URL path, e.g. ``/2024/05/03/`` or ``/20240503/``."""
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    match = _URL_DATE.search(path[:2000])
    if not match:
        return None
    groups = [g for g in match.groups() if g is not None]
    try:
        return datetime(int(groups[0]), int(groups[1]), int(groups[2]))
    except ValueError:
        return None
