from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from stoppress.push.refusals import Forbidden, Unauthorised
from stoppress.push.tokens import AUDIENCE, authorise, issue_token

SECRET = "s" * 40
NOW = datetime.now(UTC)  # tokens below live for hours: the suite may run long after collection
INTERNAL = frozenset({"internal"})


def test_public_filters_need_no_token() -> None:
    assert authorise(frozenset(), None, None) is None


def test_valid_token_allows_its_categories() -> None:
    token = issue_token(SECRET, ["internal"], 3600, "desk-7", NOW)
    assert authorise(INTERNAL, token, SECRET) == "desk-7"


def test_wildcard() -> None:
    assert authorise(frozenset({"embargo"}), issue_token(SECRET, ["*"], 3600, "ops", NOW), SECRET) == "ops"


@pytest.mark.parametrize(
    ("token", "secret", "message"),
    [
        (None, SECRET, "need a token"),
        ("not-a-jwt", SECRET, "not valid"),
        (issue_token("x" * 40, ["internal"], 3600, "a", NOW), SECRET, "not valid"),
        (issue_token(SECRET, ["internal"], 3600, "a", NOW - timedelta(hours=3)), SECRET, "expired"),
        (jwt.encode({"aud": "other", "exp": NOW + timedelta(hours=3)}, SECRET, algorithm="HS256"), SECRET,
         "not valid"),
        (jwt.encode({"aud": AUDIENCE}, SECRET, algorithm="HS256"), SECRET, "not valid"),
        (issue_token(SECRET, ["internal"], 3600, "a", NOW), None, "disabled"),
    ],
)
def test_missing_or_bad_tokens_are_4001(token: str | None, secret: str | None, message: str) -> None:
    with pytest.raises(Unauthorised, match=message) as caught:
        authorise(INTERNAL, token, secret)
    assert caught.value.close_code == 4001


def test_token_without_the_category_is_4003() -> None:
    token = issue_token(SECRET, ["embargo"], 3600, "a", NOW)
    with pytest.raises(Forbidden, match="internal") as caught:
        authorise(INTERNAL, token, SECRET)
    assert caught.value.close_code == 4003


def test_unsigned_tokens_are_refused() -> None:
    claims = {"aud": AUDIENCE, "exp": NOW + timedelta(hours=3), "categories": ["*"]}
    token = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(Unauthorised):
        authorise(INTERNAL, token, SECRET)
