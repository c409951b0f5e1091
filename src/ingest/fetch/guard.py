"""SSRF guard: which URLs and addresses the fetcher may connect to.

:class:`AddressGuard` checks a URL's shape (http/https, no credentials, a host) and every
address its host resolves to. :class:`GuardedResolver` plugs the guard into aiohttp's
connector, so the check applies to the very addresses the connection uses, on the first
request and on every redirect hop (no DNS rebinding between check and connect).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from ingest.errors import ConfigError

__all__ = [
    "AddressGuard",
    "BlockedAddressError",
    "GetAddrInfo",
    "GuardedResolver",
    "InvalidURLError",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``loop.getaddrinfo``-shaped resolver; tests inject a fake that maps names to addresses.
GetAddrInfo = Callable[..., Awaitable[list[tuple[Any, ...]]]]

_METADATA = (
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("fd00:ec2::254"),  # AWS IPv6
)
_EXTRA_BLOCKED = (
    ipaddress.ip_network("100.64.0.0/10"),  # carrier-grade NAT, not is_private on 3.11
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64 can reach IPv4 private space
    ipaddress.ip_network("64:ff9b:1::/48"),
)
_SCHEMES = frozenset({"http", "https"})
_LITERAL_MEMO = 4096


class BlockedAddressError(OSError):
    """The host resolves only to addresses the guard refuses. An ``OSError`` so that aiohttp's
    connector wraps it (``ClientConnectorDNSError.os_error``) instead of losing it."""


class InvalidURLError(ValueError):
    """The URL is not something the fetcher will ever request (scheme, credentials, no host)."""


class AddressGuard:
    """Refuses loopback, private, link-local, multicast, reserved, unspecified and cloud-metadata
    addresses unless ``allow_private`` is set or the address is inside ``allow_networks``.

    IPv4-mapped and 6to4/Teredo IPv6 addresses are judged by the IPv4 address they carry.
    Metadata addresses are refused even with ``allow_private``, unless a network in
    ``allow_networks`` covers them explicitly.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        allow_networks: Iterable[str] = (),
        getaddrinfo: GetAddrInfo | None = None,
    ) -> None:
        self._allow_private = allow_private
        try:
            self._allowed: tuple[IPNetwork, ...] = tuple(
                ipaddress.ip_network(n, strict=False) for n in allow_networks
            )
        except ValueError as exc:
            raise ConfigError(f"fetch.allow_networks: {exc}") from exc
        self._getaddrinfo = getaddrinfo
        #: host -> "" (allowed or a name) or the refusal message; hosts repeat a lot
        self._literals: dict[str, str] = {}

    def is_allowed(self, address: str | IPAddress) -> bool:
        """True when a connection to ``address`` is permitted."""
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        if isinstance(ip, ipaddress.IPv6Address):
            embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
            if embedded is not None:
                ip = embedded
        if any(ip in net for net in self._allowed):
            return True
        if ip in _METADATA:
            return False
        if self._allow_private:
            return not (ip.is_multicast or ip.is_unspecified)
        return not (
            ip.is_loopback
            or ip.is_private
            or ip.is_link_local
            or ip.is_multicast
            or ip.is_reserved
            or ip.is_unspecified
            or not ip.is_global
            or any(ip in net for net in _EXTRA_BLOCKED)
        )

    @staticmethod
    def check_shape(url: str | URL) -> URL:
        """Parse ``url`` and refuse what is never fetched. Raises :class:`InvalidURLError`."""
        try:
            parsed = url if isinstance(url, URL) else URL(url)
        except (ValueError, TypeError) as exc:
            raise InvalidURLError(f"unparseable URL: {exc}") from exc
        if parsed.scheme not in _SCHEMES:
            raise InvalidURLError(f"scheme {parsed.scheme!r} is not http(s)")
        if parsed.user is not None or parsed.password is not None:
            raise InvalidURLError("credentials in URLs are refused")
        if not parsed.host:
            raise InvalidURLError("URL has no host")
        try:
            _ = parsed.port
        except ValueError as exc:
            raise InvalidURLError(f"bad port: {exc}") from exc
        return parsed

    def check_literal(self, host: str) -> None:
        """If ``host`` is an IP literal, refuse it when blocked. Names are checked on resolve.

        Raises :class:`BlockedAddressError`.
        """
        verdict = self._literals.get(host)
        if verdict is None:
            try:
                ip = ipaddress.ip_address(host.strip("[]"))
            except ValueError:
                verdict = ""  # a name: checked when it is resolved
            else:
                verdict = "" if self.is_allowed(ip) else f"address {ip} is not allowed"
            if len(self._literals) >= _LITERAL_MEMO:
                self._literals.clear()
            self._literals[host] = verdict
        if verdict:
            raise BlockedAddressError(verdict)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[tuple[Any, ...]]:
        """Resolve ``host`` and keep only allowed addresses (``getaddrinfo`` tuples).

        Raises :class:`BlockedAddressError` when nothing allowed is left, ``OSError`` (e.g.
        ``socket.gaierror``) when the name does not resolve.
        """
        lookup = self._getaddrinfo or asyncio.get_running_loop().getaddrinfo
        infos = await lookup(host, port, type=socket.SOCK_STREAM, family=family)
        allowed = [info for info in infos if self.is_allowed(str(info[4][0]).split("%", 1)[0])]
        if not allowed:
            shown = sorted({str(info[4][0]) for info in infos})
            raise BlockedAddressError(f"{host} resolves to refused address(es) {shown}")
        return allowed

    async def check_url(self, url: str | URL) -> URL:
        """Full pre-flight check of a user-supplied URL: shape, then every resolved address.

        Raises :class:`InvalidURLError`, :class:`BlockedAddressError` or ``OSError``.
        """
        parsed = self.check_shape(url)
        host = parsed.host or ""
        self.check_literal(host)
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            await self.resolve(host, parsed.port or 0)
        return parsed


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that only ever returns addresses the guard allows."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        infos = await self._guard.resolve(host.rstrip("."), port, family)
        return _to_results(host, port, infos)

    async def close(self) -> None:
        return None


def _to_results(host: str, port: int, infos: Sequence[tuple[Any, ...]]) -> list[ResolveResult]:
    results: list[ResolveResult] = []
    seen: set[tuple[str, int]] = set()
    for family, _, proto, _, address in infos:
        ip = str(address[0])
        key = (ip, int(address[1]) or port)
        if key in seen:
            continue
        seen.add(key)
        results.append(
            {
                "hostname": host,
                "host": ip,
                "port": key[1],
                "family": family,
                "proto": proto,
                "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            }
        )
    return results
