from __future__ import annotations

import socket
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.errors import ConfigError
from ingest.fetch.guard import AddressGuard, BlockedAddressError, GuardedResolver, InvalidURLError


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "169.254.1.1",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 carrying 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    ],
)
def test_private_and_special_addresses_are_refused_by_default(address: str) -> None:
    assert not AddressGuard().is_allowed(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert AddressGuard().is_allowed(address)


def test_allow_networks_opens_only_the_listed_ranges() -> None:
    guard = AddressGuard(allow_networks=["127.0.0.0/8"])
    assert guard.is_allowed("127.0.0.1")
    assert guard.is_allowed("::ffff:127.0.0.2")
    assert not guard.is_allowed("10.0.0.1")
    assert not guard.is_allowed("169.254.169.254")


def test_allow_private_still_refuses_metadata_unless_listed() -> None:
    guard = AddressGuard(allow_private=True)
    assert guard.is_allowed("10.0.0.1")
    assert not guard.is_allowed("169.254.169.254")
    assert not guard.is_allowed("fd00:ec2::254")
    assert AddressGuard(allow_networks=["169.254.169.254/32"]).is_allowed("169.254.169.254")


def test_bad_network_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        AddressGuard(allow_networks=["not-a-cidr"])


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/x",
        "gopher://example.com/",
        "http://user:secret@example.com/",
        "http://user@example.com/",
        "http:///nohost",
        "javascript:alert(1)",
        "http://example.com:99999/",
    ],
)
def test_shape_check_refuses(url: str) -> None:
    with pytest.raises(InvalidURLError):
        AddressGuard.check_shape(url)


def test_shape_check_accepts_http_and_https() -> None:
    assert AddressGuard.check_shape("https://example.com/a?b=1").host == "example.com"


def test_check_literal() -> None:
    guard = AddressGuard()
    guard.check_literal("example.com")  # names are checked on resolution
    guard.check_literal("8.8.8.8")
    with pytest.raises(BlockedAddressError):
        guard.check_literal("169.254.169.254")
    with pytest.raises(BlockedAddressError):
        guard.check_literal("[::1]")


def _fake_dns(table: dict[str, list[str]]) -> Any:
    async def getaddrinfo(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        out = []
        for ip in table[host]:
            fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
            addr = (ip, port, 0, 0) if fam == socket.AF_INET6 else (ip, port)
            out.append((fam, socket.SOCK_STREAM, 6, "", addr))
        return out

    return getaddrinfo


DNS = {
    "public.test": ["93.184.216.34"],
    "rebind.test": ["10.0.0.5"],
    "mixed.test": ["10.0.0.5", "93.184.216.34"],
    "meta.test": ["169.254.169.254"],
}


async def test_resolve_refuses_names_that_point_inside() -> None:
    guard = AddressGuard(getaddrinfo=_fake_dns(DNS))
    with pytest.raises(BlockedAddressError):
        await guard.resolve("rebind.test", 80)
    with pytest.raises(BlockedAddressError):
        await guard.check_url("http://meta.test/latest/meta-data/")
    with pytest.raises(socket.gaierror):
        await guard.check_url("http://nowhere.test/")
    assert (await guard.check_url("http://public.test/a")).host == "public.test"


async def test_guarded_resolver_returns_only_allowed_addresses() -> None:
    resolver = GuardedResolver(AddressGuard(getaddrinfo=_fake_dns(DNS)))
    results = await resolver.resolve("mixed.test", 443)
    assert [r["host"] for r in results] == ["93.184.216.34"]
    assert results[0]["port"] == 443
    assert results[0]["hostname"] == "mixed.test"
    with pytest.raises(BlockedAddressError):
        await resolver.resolve("rebind.test", 80)
    await resolver.close()


PRIVATE_V4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16"]


@given(st.sampled_from(PRIVATE_V4), st.integers(min_value=0, max_value=2**32 - 1))
def test_any_private_ipv4_and_its_mapped_form_are_refused(cidr: str, n: int) -> None:
    import ipaddress

    net = ipaddress.ip_network(cidr)
    ip = net[n % net.num_addresses]
    guard = AddressGuard()
    assert not guard.is_allowed(ip)
    assert not guard.is_allowed(f"::ffff:{ip}")
    assert AddressGuard(allow_networks=[cidr]).is_allowed(ip)
