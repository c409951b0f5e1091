"""The connector under :class:`~ingest.fetch.client.HttpFetcher`: aiohttp's, with a cheaper
read timeout.

aiohttp enforces ``ClientTimeout.sock_read`` by cancelling its timer and arming a new one when
a request has been sent and on every chunk received (``ResponseHandler._reschedule_timeout``):
two or three timers per small response, each a heap entry and a cancellation.
:class:`LazyReadTimeoutHandler` keeps the same rule -- a response fails with
``SocketTimeoutError`` when no byte arrived for ``sock_read`` seconds while it was awaited --
with a deadline instead: a chunk only moves the deadline forward, and one timer per connection
checks it. When the timer fires early (bytes came in meanwhile) it is re-armed for the rest of
the time; when nothing is being read (the connection is idle in the pool) it lapses. So a
keep-alive connection serving many small responses arms about one timer per ``sock_read``
seconds instead of two or three per response.

The handler replaces aiohttp's protocol factory, an internal of ``TCPConnector``. When that
internal is not what this module expects (another aiohttp version), the connector keeps
aiohttp's own handler: the timeout is then enforced exactly as before, only dearer.
:func:`lazy_read_timeout_active` says which one a connector uses; a test asserts it.
"""

from __future__ import annotations

import functools
from typing import Any

import aiohttp
from aiohttp.client_proto import ResponseHandler

__all__ = ["FetchConnector", "LazyReadTimeoutHandler", "lazy_read_timeout_active"]

#: A timer that fires this close to its deadline counts as expired (asyncio runs timers
#: that are due within the clock resolution, so "early" by a hair is not data arriving).
_SLACK = 0.001


class LazyReadTimeoutHandler(ResponseHandler):
    """``ResponseHandler`` whose read timeout is a deadline checked by one lazy timer."""

    #: loop time by which the next byte must arrive; None while no read is being timed
    _read_deadline: float | None = None
    #: when the armed timer (``_read_timeout_handle``) fires
    _read_timer_at = 0.0

    def _reschedule_timeout(self) -> None:
        timeout = self._read_timeout
        if not timeout:
            self._drop_timeout()
            return
        deadline = self._read_deadline = self._loop.time() + timeout
        handle = self._read_timeout_handle
        if handle is not None:
            if self._read_timer_at <= deadline + _SLACK:
                return  # fires by the deadline and re-arms itself if bytes came meanwhile
            handle.cancel()  # a shorter timeout than the armed one: arm for this deadline
        self._arm(deadline)

    def _arm(self, when: float) -> None:
        self._read_timer_at = when
        self._read_timeout_handle = self._loop.call_at(when, self._check_read_timeout)

    def _drop_timeout(self) -> None:
        # Nothing is timed any more; an armed timer finds no deadline and lapses.
        self._read_deadline = None

    def _check_read_timeout(self) -> None:
        self._read_timeout_handle = None
        deadline = self._read_deadline
        if deadline is None:
            return
        if deadline - self._loop.time() > _SLACK:  # bytes arrived since the timer was armed
            self._arm(deadline)
            return
        self._read_deadline = None
        self._on_read_timeout()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._read_deadline = None
        handle = self._read_timeout_handle
        if handle is not None:  # a closed connection keeps no timer (nor itself) alive
            handle.cancel()
            self._read_timeout_handle = None
        super().connection_lost(exc)


def _hook_points_present() -> bool:
    return all(
        callable(getattr(ResponseHandler, name, None))
        for name in ("_reschedule_timeout", "_drop_timeout", "_on_read_timeout", "connection_lost")
    )


class FetchConnector(aiohttp.TCPConnector):
    """``TCPConnector`` whose connections use :class:`LazyReadTimeoutHandler`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        factory = getattr(self, "_factory", None)
        if (
            isinstance(factory, functools.partial)
            and factory.func is ResponseHandler
            and _hook_points_present()
        ):
            lazy = functools.partial(LazyReadTimeoutHandler, *factory.args, **factory.keywords)
            self._factory = lazy  # type: ignore[assignment]  # a ResponseHandler subclass


def lazy_read_timeout_active(connector: aiohttp.BaseConnector) -> bool:
    """True when ``connector`` creates :class:`LazyReadTimeoutHandler` connections."""
    factory = getattr(connector, "_factory", None)
    return isinstance(factory, functools.partial) and factory.func is LazyReadTimeoutHandler
