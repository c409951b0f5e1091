from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.normalize.urls import (
    canonicalize,
    choose_canonical,
    host_of,
    same_site,
    site_of,
    url_key,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Example.COM/a", "http://www.example.com/a"),
        ("https://example.com", "https://example.com/"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/a/b/..", "https://example.com/a/"),
        ("https://example.com/../../a", "https://example.com/a"),
        ("https://example.com/%7euser/%2e%2e/x", "https://example.com/x"),
        ("https://example.com/a%2fb", "https://example.com/a%2Fb"),
        ("https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"),
        ("https://example.com/café", "https://example.com/caf%C3%A9"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/100%", "https://example.com/100%25"),
        ("https://example.com./a", "https://example.com/a"),
        ("https://user:secret@example.com/a", "https://example.com/a"),
        ("  https://example.com/a\n", "https://example.com/a"),
        ("https://exa\tmple.com/a", "https://example.com/a"),
        ("https://bücher.de/x", "https://xn--bcher-kva.de/x"),
        ("https://[2001:DB8::0001]:8080/", "https://[2001:db8::1]:8080/"),
    ],
)
def test_canonicalize_normalises(url: str, expected: str) -> None:
    assert canonicalize(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://e.com/a?b=2&a=1", "https://e.com/a?a=1&b=2"),
        ("https://e.com/a?utm_source=rss&utm_medium=feed&id=7", "https://e.com/a?id=7"),
        ("https://e.com/a?UTM_Campaign=x", "https://e.com/a"),
        ("https://e.com/a?fbclid=abc&gclid=1&dclid=2&msclkid=3", "https://e.com/a"),
        (
            "https://e.com/a?mc_cid=1&mc_eid=2&_ga=3&igshid=4&yclid=5&ref_src=twsrc",
            "https://e.com/a",
        ),
        ("https://e.com/a?utm%5Fsource=x&p=1", "https://e.com/a?p=1"),
        ("https://e.com/a?x=1&&y=2&", "https://e.com/a?x=1&y=2"),
        ("https://e.com/a?tag=b&tag=a", "https://e.com/a?tag=b&tag=a"),
        ("https://e.com/a?q=a+b&r=%7e", "https://e.com/a?q=a+b&r=~"),
        ("https://e.com/a?q=x%3dy", "https://e.com/a?q=x%3Dy"),
        ("https://e.com/a?empty=&flag", "https://e.com/a?empty=&flag"),
        ("https://e.com/a?", "https://e.com/a"),
        ("https://e.com/a?JSESSIONID=abc&x=1", "https://e.com/a?x=1"),
        ("https://e.com/a;jsessionid=0A1B2C?x=1", "https://e.com/a?x=1"),
        ("https://e.com/a;jsessionid=0A1B2C/b", "https://e.com/a/b"),
        ("https://e.com/a;v=2", "https://e.com/a;v=2"),
    ],
)
def test_canonicalize_query(url: str, expected: str) -> None:
    assert canonicalize(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "javascript:void(0)",
        "JavaScript:alert(1)",
        "mailto:desk@example.com",
        "data:text/html,<p>x</p>",
        "tel:+441234",
        "ftp://example.com/file",
        "http://",
        "https:///path",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "http://example.com:abc/",
        "http://[::zz]/",
        "http://-bad-.com/",
        "",
        "   ",
        "#top",
    ],
)
def test_canonicalize_rejects(url: str) -> None:
    assert canonicalize(url) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/world/2024/story", "https://news.example.com/world/2024/story"),
        ("story-2", "https://news.example.com/section/story-2"),
        ("../politics/", "https://news.example.com/politics/"),
        ("//cdn.example.com/x", "https://cdn.example.com/x"),
        ("?page=2", "https://news.example.com/section/index?page=2"),
        ("http://other.org/x", "http://other.org/x"),
    ],
)
def test_canonicalize_resolves_against_base(url: str, expected: str) -> None:
    assert canonicalize(url, base="https://news.example.com/section/index") == expected


def test_canonicalize_fragment_only_resolves_to_base_page() -> None:
    assert canonicalize("#comments", base="https://e.com/a?x=1") == "https://e.com/a?x=1"


def test_url_key_is_sha1_hex_and_stable() -> None:
    key = url_key("https://example.com/a")
    assert len(key) == 40
    assert key == url_key("https://example.com/a")
    assert key != url_key("https://example.com/b")
    assert all(c in "0123456789abcdef" for c in key)


def test_url_key_known_value() -> None:
    expected = hashlib.sha1(b"https://example.com/a").hexdigest()
    assert url_key("https://example.com/a") == expected


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://WWW.Example.com:8080/a", "www.example.com"),
        ("https://bücher.de/", "xn--bcher-kva.de"),
        ("not a url", ""),
        ("mailto:x@y.z", ""),
    ],
)
def test_host_of(url: str, host: str) -> None:
    assert host_of(url) == host


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("https://www.example.com/a", "https://example.com/b", True),
        ("https://m.example.com/a", "http://www.example.com/b", True),
        ("https://amp.example.com/a", "https://example.com/b", True),
        ("https://example.com/a", "https://example.com:8080/b", True),
        ("https://news.example.com/a", "https://example.com/b", False),
        ("https://example.com/a", "https://example.org/a", False),
        ("https://evil-example.com/", "https://example.com/", False),
        ("not a url", "not a url", False),
    ],
)
def test_same_site(a: str, b: str, expected: bool) -> None:
    assert same_site(a, b) is expected
    assert same_site(b, a) is expected


def test_site_of_keeps_two_label_hosts() -> None:
    assert site_of("https://m.co/") == "m.co"
    assert site_of("https://www.example.co.uk/") == "example.co.uk"


def test_choose_canonical_honours_same_site_declaration() -> None:
    page = "https://www.example.com/story?utm_source=tw"
    assert choose_canonical(page, "https://example.com/story") == "https://example.com/story"


def test_choose_canonical_resolves_relative_declaration() -> None:
    page = "https://example.com/news/story-1?page=2"
    assert choose_canonical(page, "/news/story-1") == "https://example.com/news/story-1"


def test_choose_canonical_ignores_other_site() -> None:
    page = "https://example.com/story#x"
    assert choose_canonical(page, "https://aggregator.net/story") == "https://example.com/story"


def test_choose_canonical_ignores_home_page_declared_by_an_article() -> None:
    page = "https://example.com/2024/03/05/story"
    assert choose_canonical(page, "https://www.example.com/") == page
    assert choose_canonical("https://example.com/?p=1", "https://example.com/") == (
        "https://example.com/?p=1"
    )
    assert choose_canonical("https://www.example.com/", "https://example.com") == (
        "https://example.com/"
    )


@pytest.mark.parametrize("declared", [None, "", "javascript:void(0)", "mailto:x@y.z"])
def test_choose_canonical_falls_back_to_page(declared: str | None) -> None:
    assert choose_canonical("HTTPS://Example.com/a/", declared) == "https://example.com/a/"


_url_chars = st.sampled_from(
    [*list("abcXYZ019-._~%/?#&=+ :@!$'()*,;[]é\\ü"), "%2e", "%7E", "%41", "%zz", "..", "./"]
)
_text = st.lists(_url_chars, max_size=25).map("".join)


@settings(max_examples=400, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
    host=st.sampled_from(
        ["example.com", "WWW.Example.COM", "bücher.de", "[::1]", "e.com:80", "e.com:8080", "x"]
    ),
    rest=_text,
)
def test_canonicalize_is_idempotent(scheme: str, host: str, rest: str) -> None:
    url = f"{scheme}://{host}/{rest}" if scheme else rest
    once = canonicalize(url, base="https://base.example.org/dir/page")
    if once is not None:
        assert canonicalize(once) == once
        assert canonicalize(once, base="https://other.example/") == once


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_canonicalize_never_raises_and_is_idempotent_on_arbitrary_text(text: str) -> None:
    once = canonicalize(text, base="https://example.com/a/b")
    if once is not None:
        assert once.startswith(("http://", "https://"))
        assert canonicalize(once) == once
