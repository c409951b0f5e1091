"""Translating what went wrong (an exception, a status) into a :class:`FetchFailure`.

This is the edge where aiohttp, socket and guard exceptions stop: callers only ever see
``FetchFailure`` values with a stable ``reason`` code (:class:`~ingest.fetch.base.Reason`).
"""

from __future__ import annotations

import asyncio
import socket
from datetime import datetime

import aiohttp

from ingest.fetch.base import Reason
from ingest.fetch.body import BodyError
from ingest.fetch.guard import BlockedAddressError, InvalidURLError
from ingest.fetch.policies import RETRYABLE_STATUSES
from ingest.model import FetchFailure

__all__ = ["failure_for_exception", "failure_for_status"]

_PERMANENT_DNS = frozenset(
    code
    for code in (
        getattr(socket, "EAI_NONAME", None),
        getattr(socket, "EAI_NODATA", None),
        getattr(socket, "EAI_FAIL", None),
    )
    if code is not None
)


def failure_for_status(url: str, status: int, when: datetime, detail: str = "") -> FetchFailure:
    """``http_<status>``; retryable for 429 and 5xx, final for every other status."""
    return FetchFailure(
        url=url,
        reason=f"http_{status}",
        detail=detail,
        retryable=status in RETRYABLE_STATUSES,
        status=status,
        fetched_at=when,
    )


def _classify(exc: BaseException) -> tuple[Reason, bool, str]:
    if isinstance(exc, BodyError):
        return exc.reason, False, exc.detail
    if isinstance(exc, BlockedAddressError):
        return Reason.BLOCKED_ADDRESS, False, str(exc)
    if isinstance(exc, InvalidURLError | aiohttp.InvalidURL):
        return Reason.INVALID_URL, False, str(exc)
    if isinstance(exc, aiohttp.ClientConnectorDNSError | socket.gaierror):
        inner = exc.os_error if isinstance(exc, aiohttp.ClientConnectorDNSError) else exc
        if isinstance(inner, BlockedAddressError):
            return Reason.BLOCKED_ADDRESS, False, str(inner)
        permanent = isinstance(inner, socket.gaierror) and inner.errno in _PERMANENT_DNS
        return Reason.DNS_ERROR, not permanent, str(inner)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return Reason.TLS_ERROR, False, str(exc)
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return Reason.TIMEOUT, True, type(exc).__name__
    if isinstance(exc, aiohttp.ClientResponseError):
        return Reason.PROTOCOL_ERROR, False, exc.message or type(exc).__name__
    if isinstance(exc, aiohttp.ClientPayloadError):
        return Reason.CONNECTION_ERROR, True, f"body cut short: {exc}"
    if isinstance(exc, aiohttp.ClientError | OSError):
        return Reason.CONNECTION_ERROR, True, f"{type(exc).__name__}: {exc}"
    raise TypeError(f"no fetch outcome for {type(exc).__name__}") from exc


def failure_for_exception(url: str, exc: BaseException, when: datetime) -> FetchFailure:
    """The outcome for an exception raised while fetching ``url``.

    Raises ``TypeError`` (chained) for exceptions that are bugs rather than fetch outcomes.
    """
    reason, retryable, detail = _classify(exc)
    return FetchFailure(
        url=url, reason=reason.value, detail=detail[:500], retryable=retryable, fetched_at=when
    )
