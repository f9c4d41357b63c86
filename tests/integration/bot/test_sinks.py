"""Each sink against a real local HTTP server: what it sends, and how it reports failures."""

from __future__ import annotations

import aiohttp
import pytest

from stoppress.bot.sinks import MastodonSink, OutgoingPost, SinkError, WebhookSink
from stoppress.bot.textlength import PLATFORMS
from stoppress.cli.processes import free_port
from tests.integration.bot.conftest import TOKEN
from tests.integration.bot.standins import Failure, MastodonStandIn, WebhookReceiver
from tests.integration.push.harness import story

SECRET = b"webhook-secret"


def outgoing(
    kind: str = "new", in_reply_to: str | None = None, key: str = "stoppress:s1:new:1", take_back: tuple[str, ...] = ()
) -> OutgoingPost:
    return OutgoingPost(
        text="BREAKING: Quake hits Tokyo\nhttps://news.example/s1",
        kind=kind,  # type: ignore[arg-type]
        story=story("s1", language="en-GB"),
        in_reply_to=in_reply_to,
        idempotency_key=key,
        take_back=take_back,
    )


def takeback(*ids: str) -> OutgoingPost:
    return outgoing("takeback", in_reply_to=ids[0], key="stoppress:s1:takeback:3", take_back=ids)


async def test_mastodon_posts_a_status_and_threads_a_reply_under_it(
    http: aiohttp.ClientSession, mastodon: MastodonStandIn
) -> None:
    sink = MastodonSink(http, mastodon.base_url + "/", TOKEN, visibility="unlisted")
    first = await sink.publish(outgoing())
    reply = await sink.publish(outgoing("correction", in_reply_to=first, key="stoppress:s1:correction:2"))
    assert [s["in_reply_to_id"] for s in mastodon.statuses] == [None, first]
    assert mastodon.statuses[1]["id"] == reply
    assert mastodon.statuses[0]["visibility"] == "unlisted"
    assert mastodon.statuses[0]["language"] == "en"


async def test_mastodon_a_retried_post_with_the_same_idempotency_key_is_not_duplicated(
    http: aiohttp.ClientSession, mastodon: MastodonStandIn
) -> None:
    sink = MastodonSink(http, mastodon.base_url, TOKEN)
    assert await sink.publish(outgoing()) == await sink.publish(outgoing())
    assert len(mastodon.statuses) == 1


@pytest.mark.parametrize(
    ("failure", "retryable", "retry_after"),
    [
        (Failure(503, {"Retry-After": "7"}), True, 7.0),
        (Failure(502), True, None),
        (Failure(429, {"Retry-After": "3"}), True, 3.0),
        (Failure(422), False, None),
    ],
)
async def test_mastodon_failures_say_whether_to_retry_and_when(
    http: aiohttp.ClientSession, mastodon: MastodonStandIn, failure: Failure, retryable: bool, retry_after: float | None
) -> None:
    mastodon.failures.append(failure)
    with pytest.raises(SinkError) as caught:
        await MastodonSink(http, mastodon.base_url, TOKEN).publish(outgoing())
    assert (caught.value.retryable, caught.value.retry_after) == (retryable, retry_after)
    assert f"HTTP {failure.status}" in str(caught.value)


async def test_mastodon_a_wrong_token_is_not_retried(http: aiohttp.ClientSession, mastodon: MastodonStandIn) -> None:
    with pytest.raises(SinkError, match=r"HTTP 401: .*access token is invalid") as caught:
        await MastodonSink(http, mastodon.base_url, "wrong").publish(outgoing())
    assert not caught.value.retryable


async def test_mastodon_take_back_deletes_each_status_newest_first_and_one_already_gone_is_done(
    http: aiohttp.ClientSession, mastodon: MastodonStandIn
) -> None:
    sink = MastodonSink(http, mastodon.base_url, TOKEN)
    other = await sink.publish(outgoing(key="stoppress:s2:new:1"))
    first = await sink.publish(outgoing())
    reply = await sink.publish(outgoing("correction", in_reply_to=first, key="stoppress:s1:correction:2"))
    await sink.take_back(takeback(first, reply, "404404"))
    assert [s["id"] for s in mastodon.deleted] == [reply, first]
    assert [s["id"] for s in mastodon.statuses] == [other]
    await sink.take_back(takeback(first, reply, "404404"))
    assert [answer for _, answer in mastodon.deletions] == [404, 200, 200, 404, 404, 404], "a repeat is harmless"


@pytest.mark.parametrize(
    ("failure", "retryable", "retry_after"),
    [(Failure(503), True, None), (Failure(429, {"Retry-After": "3"}), True, 3.0), (Failure(403), False, None)],
)
async def test_mastodon_take_back_failures_say_whether_to_retry_like_posts(
    http: aiohttp.ClientSession, mastodon: MastodonStandIn, failure: Failure, retryable: bool, retry_after: float | None
) -> None:
    sink = MastodonSink(http, mastodon.base_url, TOKEN)
    first = await sink.publish(outgoing())
    mastodon.failures.append(failure)
    with pytest.raises(SinkError) as caught:
        await sink.take_back(takeback(first))
    assert (caught.value.retryable, caught.value.retry_after) == (retryable, retry_after)
    await sink.take_back(takeback(first))
    assert mastodon.statuses == []


async def test_an_unreachable_server_is_worth_retrying(http: aiohttp.ClientSession) -> None:
    with pytest.raises(SinkError, match="unreachable") as caught:
        await MastodonSink(http, f"http://127.0.0.1:{free_port()}", TOKEN).publish(outgoing())
    assert caught.value.retryable


async def test_the_webhook_receiver_verifies_our_signature_and_gets_the_whole_story(
    http: aiohttp.ClientSession,
) -> None:
    receiver = WebhookReceiver(SECRET)
    await receiver.start()
    try:
        post_id = await WebhookSink(http, receiver.url, SECRET, PLATFORMS["x"]).publish(outgoing())
        with pytest.raises(SinkError, match="HTTP 401") as caught:
            await WebhookSink(http, receiver.url, b"not-the-secret", PLATFORMS["x"]).publish(outgoing())
    finally:
        await receiver.stop()
    assert post_id == "stoppress:s1:new:1"
    assert not caught.value.retryable
    (delivery,) = receiver.deliveries
    assert delivery["id"] == delivery["idempotency_key_header"] == post_id
    assert (delivery["kind"], delivery["in_reply_to"], delivery["reason"], delivery["take_back"]) == (
        "new", None, None, [])
    assert delivery["story"]["story_id"] == "s1"
    assert delivery["text"].startswith("BREAKING: ")
    assert receiver.rejected == 1


async def test_the_webhook_take_back_is_a_signed_retraction_saying_killed_with_the_ids_to_withdraw(
    http: aiohttp.ClientSession,
) -> None:
    receiver = WebhookReceiver(SECRET)
    await receiver.start()
    try:
        await WebhookSink(http, receiver.url, SECRET, PLATFORMS["x"]).take_back(takeback("r-1", "r-2"))
    finally:
        await receiver.stop()
    (delivery,) = receiver.deliveries
    assert (delivery["kind"], delivery["reason"]) == ("retraction", "killed")
    assert delivery["take_back"] == ["r-1", "r-2"] and delivery["in_reply_to"] == "r-1"
    assert delivery["id"] == delivery["idempotency_key_header"] == "stoppress:s1:takeback:3"
