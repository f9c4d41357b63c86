"""The webhook signature: what a receiver checks."""

from __future__ import annotations

import hashlib
import hmac

from stoppress.bot.sinks.webhook import sign, verify_signature

SECRET = b"shared-secret"
BODY = b'{"id":"stoppress:s1:new:1"}'


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET, b"1764165600." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1764165600, BODY) == f"sha256={expected}"


def test_a_receiver_accepts_a_fresh_genuine_request() -> None:
    signature = sign(SECRET, 1000, BODY)
    assert verify_signature(SECRET, BODY, "1000", signature, now=1100.0)


def test_a_receiver_refuses_tampering_a_wrong_secret_and_replays() -> None:
    signature = sign(SECRET, 1000, BODY)
    assert not verify_signature(SECRET, BODY + b" ", "1000", signature, now=1000.0)
    assert not verify_signature(b"other", BODY, "1000", signature, now=1000.0)
    assert not verify_signature(SECRET, BODY, "1001", signature, now=1000.0)
    assert not verify_signature(SECRET, BODY, "1000", signature, now=1000.0 + 301)
    assert not verify_signature(SECRET, BODY, "-1000", signature, now=1000.0)
