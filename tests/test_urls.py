"""URL hygiene: only http(s) survives, and one page has one canonical form."""

from __future__ import annotations

import pytest

from gazette.urls import canonical_url, safe_url, tracking_params


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        # http becomes https; host lower-case and without www.; default ports dropped
        ("HTTP://WWW.Dashbit.CO/blog/x", "https://dashbit.co/blog/x"),
        ("https://dashbit.co:443/blog/x", "https://dashbit.co/blog/x"),
        ("http://dashbit.co:80/blog/x", "https://dashbit.co/blog/x"),
        ("https://dashbit.co:8443/blog/x", "https://dashbit.co:8443/blog/x"),
        # tracking parameters and fragments identify a click, not a page
        (
            "https://dashbit.co/blog/x?utm_source=tw&utm_medium=social&utm_campaign=c",
            "https://dashbit.co/blog/x",
        ),
        ("https://dashbit.co/blog/x?fbclid=IwAR0abc", "https://dashbit.co/blog/x"),
        ("https://dashbit.co/blog/x?ref=elixirstatus", "https://dashbit.co/blog/x"),
        ("https://dashbit.co/blog/x#comments", "https://dashbit.co/blog/x"),
        # the trailing slash: dropped, except for the root path
        ("https://dashbit.co/blog/", "https://dashbit.co/blog"),
        ("https://dashbit.co/", "https://dashbit.co/"),
        ("https://dashbit.co", "https://dashbit.co/"),
        # remaining parameters sorted, so their order does not matter
        (
            "https://news.ycombinator.com/item?id=1&b=2&a=3",
            "https://news.ycombinator.com/item?a=3&b=2&id=1",
        ),
        # credentials never take part in the comparison
        ("https://user:secret@hex.pm/packages/oban", "https://hex.pm/packages/oban"),
        ("http://[::1]:8080/a/", "https://[::1]:8080/a"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_the_same_page_from_two_sources_has_one_canonical_url() -> None:
    from_reddit = "http://www.dashbit.co/blog/elixir-types/?utm_source=reddit#top"
    from_hn = "https://dashbit.co/blog/elixir-types?ref=hn"
    assert canonical_url(from_reddit) == canonical_url(from_hn)


def test_canonical_url_keeps_what_is_not_a_web_address() -> None:
    assert canonical_url("mailto:jose@example.org") == "mailto:jose@example.org"
    assert canonical_url("not a url") == "not a url"


@pytest.mark.parametrize(
    "hostile",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript:alert(1)",
        "java\tscript:alert(1)",
        " javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//",
        "",
    ],
)
def test_safe_url_drops_everything_but_http(hostile: str) -> None:
    assert safe_url(hostile) == ""
    assert safe_url(hostile, "https://elixirforum.com/t/x/1") in (
        "",
        "https://elixirforum.com/t/x/1",
    )


def test_safe_url_resolves_relative_links_against_the_base() -> None:
    base = "https://github.com/Shopify/Timber/releases.atom"
    assert safe_url("/Shopify/Timber/releases/tag/v2.0.2", base) == (
        "https://github.com/Shopify/Timber/releases/tag/v2.0.2"
    )
    assert safe_url("https://hex.pm/packages/oban") == "https://hex.pm/packages/oban"


def test_tracking_params_are_named() -> None:
    assert tracking_params("https://x.org/?utm_source=a&id=3&fbclid=z") == ["utm_source", "fbclid"]
