"""The cleaning and validation rules of ingest: examples for each rule, properties over all text."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stoppress.ingest.problems import RefusalError
from stoppress.ingest.sanitize import (
    RAW_TEXT_MAX_CHARS,
    Attribution,
    UncleanTextError,
    build_headline,
    clamp_future,
    clean_tags,
    clean_text,
    clean_url,
    truncate_text,
)
from stoppress.shared.models import Headline

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TOLERANCE = timedelta(minutes=5)
DESK = Attribution("desk", "The Desk", 0.7)
TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def build(**fields: object) -> Headline:
    return build_headline(fields, DESK, NOW, default_guid="generated", future_tolerance=TOLERANCE)


def refusal(**fields: object) -> list[tuple[str, str]]:
    with pytest.raises(RefusalError) as caught:
        build(**fields)
    assert caught.value.problem.status == 422
    return [(error.field, error.rule) for error in caught.value.problem.errors]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Quake   hits\tthe\ncoast  ", "Quake hits the coast"),
        ("<b>Markets</b> <i>rally</i>", "Markets rally"),
        ("Tom &amp; Jerry &eacute;t&eacute;", "Tom & Jerry été"),
        ("<script>alert(1)</script>Budget passes", "Budget passes"),
        ("<style>p{}</style><p>Budget</p>", "Budget"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Vote", "Vote"),
        ("&amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt;", "bold"),
        ("a < b and c > d", "a < b and c > d"),
        ("AT&T profits", "AT&T profits"),
        ("bell\x07 and\x00 nul", "bell and nul"),
        ("rtl\u202eoverride\u200b", "rtloverride"),
        ("<!-- hidden -->shown", "shown"),
        ("<![CDATA[Inside]]>", "Inside"),
        ("non\u00a0breaking", "non breaking"),
        ("line\u2028separator", "line separator"),
        ("<img src=x onerror=alert(1)>Pictured", "Pictured"),
    ],
)
def test_clean_text_leaves_plain_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Case 742 <!DOCTYPE ~", "Case 742"),
        ("Case 742 <!DOCTYPE html> opens", "Case 742 opens"),
        ("<?xml version=\"1.0\"?>Vote <?php echo 1 ?>counted", "Vote counted"),
        ("Vote <?php echo", "Vote"),
        ("<!ELEMENT x ANY>Declared", "Declared"),
        ("Open <!-- never closed", "Open"),
        ("<!-->Empty comment", "Empty comment"),
        ("Half a tag </", "Half a tag /"),
        ("Half a tag after less-thans <<</", "Half a tag after less-thans /"),
        ("Ends in <b", "Ends in"),
        ("<![CDATA[unterminated <b>bold", "unterminated bold"),
        ("<svg><![CDATA[drawn]]></svg>Shown", "Shown"),
        ("<plaintext><b>raw</b>", "raw"),
        ("<textarea><i>typed</i></textarea>", "typed"),
        ("a<b", "a"),
        ("x <3 y", "x <3 y"),
        ("&lt;!DOCTYPE html&gt;Escaped", "Escaped"),
        ("&#60;?pi?&#62;Numeric", "Numeric"),
    ],
)
def test_no_markup_construct_survives(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


_NAMES = st.sampled_from(["b", "p", "a", "img", "br", "script", "style", "svg", "math", "title", "textarea", "xmp",
                          "plaintext", "noscript", "iframe", "template", "table", "tr", "select", "option", "x-y",
                          "SCRIPT", "Svg", "foo"])
_ATTRIBUTES = st.sampled_from(["", " x", " a=b", ' a="<b>"', " a='>'", ' onerror="alert(1)"', " a=\"", " /"])
_CONSTRUCTS = st.sampled_from([
    "<!--", "-->", "--!>", "<!-->", "<!--->", "<!DOCTYPE html>", "<!DOCTYPE ~", "<!doctype", "<!ELEMENT x>", "<!x",
    "<![CDATA[", "]]>", "<?xml ?>", "<?php", "?>", "<", ">", "</", "</>", "</ x>", "<!", "<?", "/>", "&", ";",
    "&lt;", "&LT;", "&lt", "&#60;", "&#x3c;", "&#X3C;", "&gt;", "&amp;", "&amp;lt;", "&amp;#60;", "&#0;", "&#x202e;",
    "\x00", "\x07", "\u202e", "\u200b", "\ufeff", "\n", " ",
])
_TAGS = st.builds(lambda slash, name, attributes, end: f"<{slash}{name}{attributes}{end}",
                  st.sampled_from(["", "/"]), _NAMES, _ATTRIBUTES, st.sampled_from([">", "/>", "", " "]))
_WORDS = st.text(alphabet="abcXYZ019 -=\"'", max_size=6)
HOSTILE_HTML = st.lists(st.one_of(_TAGS, _CONSTRUCTS, _WORDS), max_size=40).map("".join)
MARKUP_START = re.compile(r"<[A-Za-z!/?]")


@settings(max_examples=1000)
@given(HOSTILE_HTML)
def test_no_markup_survives_hostile_html(raw: str) -> None:
    try:
        clean = clean_text(raw)
    except UncleanTextError:
        return
    assert not MARKUP_START.search(clean)
    assert not CONTROL.search(clean)
    assert clean_text(clean) == clean


def test_markup_hidden_under_many_layers_of_entities_is_refused() -> None:
    nested = "&" + "amp;" * 6 + "lt;script&" + "amp;" * 6 + "gt;"
    with pytest.raises(UncleanTextError, match="nested"):
        clean_text(nested)


@given(st.text(max_size=400))
def test_clean_text_output_is_plain_collapsed_and_idempotent(raw: str) -> None:
    try:
        clean = clean_text(raw)
    except UncleanTextError:
        return
    assert not CONTROL.search(clean)
    assert not TAG.search(clean)
    assert clean == clean.strip()
    assert "  " not in clean
    assert clean_text(clean) == clean


@given(st.text(alphabet=st.characters(whitelist_categories=("L", "N")) | st.sampled_from(" .,:;'-!?"), max_size=200))
def test_ordinary_text_only_has_its_whitespace_tidied(raw: str) -> None:
    assert clean_text(raw) == " ".join(raw.split())


def test_text_too_long_to_read_is_refused_before_cleaning() -> None:
    assert refusal(headline="<b>" * 2000) == [("headline", "string_too_long")]
    assert refusal(headline="x", category="c" * 1001) == [("category", "string_too_long")]
    assert refusal(headline="x", subjects=["ok", "<b>" * 400]) == [("subjects.1", "string_too_long")]
    assert build(headline="x", summary="<p>" * 3_000 + "Summary").summary == "Summary"
    assert refusal(headline="x", summary="y" * 10_001) == [("summary", "string_too_long")]


@pytest.mark.parametrize("hostile", ["<script>" * 5000, "<style x" * 5000, "<a<b" * 10000, "&amp;" * 8000])
def test_hostile_markup_is_cleaned_in_linear_time(hostile: str) -> None:
    began = time.perf_counter()
    clean_text(hostile)
    assert time.perf_counter() - began < 0.5


@pytest.mark.parametrize("nested", ["<div>", "<dl><dd>", "&lt;div&gt;", "<ul><li>", "<p><div>"])
def test_the_deepest_nesting_a_summary_can_hold_is_cleaned_quickly(nested: str) -> None:
    """A tree builder's cost grows with the square of the depth: the read limit keeps it small."""
    summary = nested * (RAW_TEXT_MAX_CHARS["summary"] // len(nested))
    began = time.perf_counter()
    clean_text(summary)
    assert time.perf_counter() - began < 0.5


@given(st.text(min_size=1, max_size=600))
def test_any_headline_text_is_accepted_clean_or_refused_with_a_named_field(raw: str) -> None:
    try:
        headline = build(headline=raw)
    except RefusalError as refused:
        assert refused.problem.errors
        assert all(error.field == "headline" for error in refused.problem.errors)
        return
    assert 1 <= len(headline.headline) <= 300
    assert headline.headline == clean_text(raw)


@given(st.integers())
def test_urgency_outside_1_to_9_is_refused_naming_the_field(urgency: int) -> None:
    if 1 <= urgency <= 9:
        assert build(headline="x", urgency=urgency).urgency == urgency
    else:
        assert refusal(headline="x", urgency=urgency)[0][0] == "urgency"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "  javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example/x",
        "https://user:pw@example.com/",
        "java\tscript:alert(1)",
        "https://exa mple.com/",
    ],
)
def test_urls_other_than_plain_http_and_https_are_refused(url: str) -> None:
    assert refusal(headline="x", url=url) == [("url", "value_error")]


def test_url_entities_are_decoded_and_whitespace_trimmed() -> None:
    assert build(headline="x", url=" https://example.com/a?b=1&amp;c=2 ").url == "https://example.com/a?b=1&c=2"
    assert clean_url("   ") is None


@given(st.text(max_size=80))
def test_any_url_is_accepted_as_http_or_refused(url: str) -> None:
    try:
        headline = build(headline="x", url=url)
    except RefusalError as refused:
        assert [e.field for e in refused.problem.errors] == ["url"]
        return
    assert headline.url is None or headline.url.lower().startswith(("http://", "https://"))


def test_the_key_decides_the_source_and_ingest_sets_its_own_fields() -> None:
    headline = build(headline="Budget passes", guid=" item-7 ")
    assert (headline.id, headline.source, headline.source_name, headline.source_authority) == (
        "desk:item-7", "desk", "The Desk", 0.7,
    )
    assert headline.received_at == NOW
    assert build(headline="x").id == "desk:generated"


def test_fields_set_by_ingest_and_unknown_fields_are_refused() -> None:
    assert refusal(headline="x", received_at="2026-01-01T00:00:00Z", id="a:b", colour="red") == [
        ("received_at", "set_by_ingest"), ("id", "set_by_ingest"), ("colour", "unknown_field"),
    ]


def test_missing_and_emptied_headlines_name_the_field() -> None:
    assert refusal() == [("headline", "missing")]
    assert refusal(headline="<b> </b>") == [("headline", "empty_after_cleaning")]
    assert refusal(headline="x" * 301)[0] == ("headline", "string_too_long")
    assert build(headline="<b>" + "x" * 300 + "</b>").headline == "x" * 300


def test_summary_and_tags_are_cleaned() -> None:
    headline = build(headline="x", summary="<p>Long &amp; short</p>",
                     subjects=["<b>Politics</b>", "politics", " ", "Tax"], category=" <i>business</i> ", region="")
    assert headline.summary == "Long & short"
    assert headline.subjects == ["Politics", "Tax"]
    assert (headline.category, headline.region) == ("business", None)
    assert refusal(headline="x", summary="y" * 2001) == [("summary", "string_too_long")]
    assert refusal(headline="x", subjects=["ok", 5]) == [("subjects.1", "string_type")]


def test_guid_must_be_clean_text_of_bounded_length() -> None:
    assert refusal(headline="x", guid="a\nb") == [("guid", "no_control_characters")]
    assert refusal(headline="x", guid="g" * 401) == [("guid", "string_too_long")]
    assert refusal(headline="x", guid=["list"]) == [("guid", "string_type")]
    assert build(headline="x", guid=42).id == "desk:42"


def test_language_pubstatus_and_version_follow_the_contract() -> None:
    assert build(headline="x", language="pt-BR", pubstatus="withheld", version=3).version == 3
    assert refusal(headline="x", language="english") == [("language", "value_error")]
    assert refusal(headline="x", pubstatus="draft") == [("pubstatus", "literal_error")]
    assert build(headline="x", version=0).version == 0
    assert refusal(headline="x", version=-1) == [("version", "greater_than_equal")]
    assert refusal(headline="x", version=2**63) == [("version", "less_than_equal")]


def test_times_must_carry_a_zone_and_not_lie_in_the_future() -> None:
    soon = (NOW + timedelta(minutes=4)).isoformat()
    later = (NOW + timedelta(minutes=6)).isoformat()
    assert build(headline="x", first_created=soon).version_created == NOW + timedelta(minutes=4)
    assert refusal(headline="x", first_created=later) == [("first_created", "not_in_future")]
    assert refusal(headline="x", version_created=later, first_created=NOW.isoformat()) == [
        ("version_created", "not_in_future")
    ]
    assert refusal(headline="x", first_created="2026-11-26T11:00:00") == [("first_created", "value_error")]
    assert refusal(headline="x", first_created="yesterday") == [("first_created", "datetime_from_date_parsing")]


def test_an_embargo_may_lie_in_the_future() -> None:
    until = NOW + timedelta(days=2)
    assert build(headline="x", embargo_until=until.isoformat()).embargo_until == until


def test_a_version_cannot_be_created_before_the_item() -> None:
    earlier = (NOW - timedelta(hours=1)).isoformat()
    assert refusal(headline="x", first_created=NOW.isoformat(), version_created=earlier) == [
        ("version_created", "not_before_first_created")
    ]


def test_one_missing_time_defaults_to_the_other_and_both_to_now() -> None:
    earlier = NOW - timedelta(hours=1)
    assert build(headline="x", version_created=earlier.isoformat()).first_created == earlier
    headline = build(headline="x")
    assert headline.first_created == headline.version_created == NOW


def test_feed_helpers_truncate_at_words_and_clamp_future_times() -> None:
    assert truncate_text("one two three four", 12) == "one two…"
    assert len(truncate_text("x" * 50, 10)) == 10
    assert truncate_text("short", 10) == "short"
    assert clamp_future(NOW + timedelta(hours=1), NOW, TOLERANCE) == NOW
    assert clamp_future(NOW + timedelta(minutes=1), NOW, TOLERANCE) == NOW + timedelta(minutes=1)
    assert clean_tags(["A", "a", "<b></b>", "B"]) == ["A", "B"]
