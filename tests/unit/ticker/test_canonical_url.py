"""canonical_url: one string per article however feeds decorate its URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from stoppress.ticker.canonical_url import TRACKING_PARAMS, TRACKING_PREFIXES, canonical_url


def test_lowercases_scheme_and_host_but_not_path() -> None:
    assert canonical_url("HTTPS://News.Example.COM/World/Story-1") == "https://news.example.com/World/Story-1"


def test_drops_default_ports_only() -> None:
    assert canonical_url("http://example.com:80/a") == "http://example.com/a"
    assert canonical_url("https://example.com:443/a") == "https://example.com/a"
    assert canonical_url("https://example.com:8443/a") == "https://example.com:8443/a"


def test_drops_fragment_and_trailing_slashes() -> None:
    assert canonical_url("https://example.com/a/b///#comments") == "https://example.com/a/b"
    assert canonical_url("https://example.com/") == canonical_url("https://example.com")


def test_drops_tracking_parameters_and_sorts_the_rest() -> None:
    url = "https://example.com/story?utm_source=rss&b=2&fbclid=XYZ&a=1&gclid=1&UTM_Medium=x&mc_cid=9"
    assert canonical_url(url) == "https://example.com/story?a=1&b=2"


def test_keeps_repeated_keys_in_their_order() -> None:
    assert canonical_url("https://example.com/?tag=z&id=1&tag=a") == "https://example.com?id=1&tag=z&tag=a"


def test_keeps_blank_values_and_userinfo() -> None:
    assert canonical_url("https://user@example.com/p?flag=") == "https://user@example.com/p?flag="


def test_ipv6_host_keeps_brackets() -> None:
    assert canonical_url("http://[::1]:8080/x/") == "http://[::1]:8080/x"


def test_unparseable_input_comes_back_stripped() -> None:
    assert canonical_url("  not a url ") == "not a url"
    assert canonical_url("http://example.com:99999/x") == "http://example.com:99999/x"


_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
_KEY = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8).filter(
    lambda k: k not in TRACKING_PARAMS and not k.startswith(TRACKING_PREFIXES)
)
_VALUE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~ ", max_size=8)
_TRACKING = st.sampled_from(["utm_source", "utm_campaign", "fbclid", "gclid", "msclkid", "mc_eid"])


@st.composite
def article_urls(draw: st.DrawFn) -> tuple[str, str, list[tuple[str, str]]]:
    """(scheme://host, path, query params) with distinct non-tracking keys."""
    scheme = draw(st.sampled_from(["http", "https"]))
    host = ".".join(draw(st.lists(_LABEL, min_size=2, max_size=3)))
    path = "".join("/" + seg for seg in draw(st.lists(_LABEL, max_size=3)))
    keys = draw(st.lists(_KEY, max_size=4, unique=True))
    params = [(k, draw(_VALUE)) for k in keys]
    return f"{scheme}://{host}", path, params


def _build(base: str, path: str, params: list[tuple[str, str]], suffix: str = "") -> str:
    query = "&".join(f"{k}={v.replace(' ', '+')}" for k, v in params)
    return f"{base}{path}{suffix}" + (f"?{query}" if query else "")


@given(article_urls())
def test_is_idempotent(parts: tuple[str, str, list[tuple[str, str]]]) -> None:
    once = canonical_url(_build(*parts))
    assert canonical_url(once) == once


@given(article_urls(), st.data())
def test_decorations_do_not_change_the_canonical_form(
    parts: tuple[str, str, list[tuple[str, str]]], data: st.DataObject
) -> None:
    base, path, params = parts
    plain = canonical_url(_build(base, path, params))
    tracking = [(k, "x") for k in data.draw(st.lists(_TRACKING, max_size=3))]
    shuffled = data.draw(st.permutations(params + tracking))
    decorated = _build(base.upper(), path, list(shuffled), suffix=data.draw(st.sampled_from(["", "/", "//"])))
    decorated += data.draw(st.sampled_from(["", "#top", "#"]))
    assert canonical_url(decorated) == plain


@given(article_urls())
def test_result_has_no_fragment_or_tracking(parts: tuple[str, str, list[tuple[str, str]]]) -> None:
    base, path, params = parts
    result = urlsplit(canonical_url(_build(base, path, [*params, ("utm_term", "t")]) + "#frag"))
    assert result.fragment == ""
    assert "utm_" not in result.query
