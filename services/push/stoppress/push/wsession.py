"""One WebSocket client from upgrade to close: subscription, resume, then its messages.

Admission (shutdown, Origin, connection caps and rate) happened before the
upgrade, in :mod:`stoppress.push.routes`, which also releases the slot when the
connection is gone. Live events never pass through here — the hub writes them
straight to the outlet. This coroutine only reads the client's own messages
(``subscribe``, ``ping``), enforces the message rate and the subscribe
deadline, and turns every refusal into an ``error`` message plus a close code.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed

from stoppress.push import messages
from stoppress.push.filters import filter_from_fields, filter_from_query
from stoppress.push.frames import text_frame
from stoppress.push.limits import TokenBucket
from stoppress.push.outlet import GatewayConnection, Outlet, close_websocket
from stoppress.push.refusals import BadRequest, Refusal, TooMany
from stoppress.push.tokens import token_from

if TYPE_CHECKING:
    from stoppress.push.gateway import Gateway


async def refuse(connection: GatewayConnection, refusal: Refusal, grace_s: float) -> None:
    """Send ``error`` with the reason, close with the refusal's code, and wait (at most ``grace_s``) until closed."""
    close_websocket(connection, refusal.close_code, refusal.reason, text_frame(messages.error(refusal)), grace_s)
    await connection.wait_closed()


async def handle_websocket(gateway: Gateway, connection: GatewayConnection) -> None:
    """Serve one admitted ``/v1/ws`` connection until it closes."""
    request = connection.request
    assert request is not None  # the handler only runs after a successful handshake
    params = parse_qs(urlsplit(request.path).query)
    address = gateway.client_address(connection.remote_address, request.headers)
    headers = request.headers
    connection.forget_handshake()
    del request
    outlet = gateway.outlet(connection, "ws", address)
    try:
        outlet.send(text_frame(gateway.welcome()), None)
        deferred = params.get("subscribe") == ["message"]
        query_token = token_from(params, headers.get("Authorization"))
        if not deferred:
            subscription = gateway.subscription(filter_from_query(params), query_token)
            await gateway.streamer.start(outlet, subscription, _first(params, "cursor"))
        del params, headers
        await _read_messages(gateway, connection, outlet, query_token, subscribed=not deferred)
    except Refusal as refusal:
        gateway.instruments.refusals.labels(refusal.error_code).inc()
        gateway.hub.detach(outlet)
        outlet.closed = True
        await refuse(connection, refusal, gateway.settings.close_timeout_s)
    except ConnectionClosed:
        pass
    finally:
        gateway.hub.detach(outlet)
        outlet.closed = True


async def _read_messages(
    gateway: Gateway, connection: GatewayConnection, outlet: Outlet, query_token: str | None, subscribed: bool
) -> None:
    settings = gateway.settings
    bucket = TokenBucket(settings.messages_per_s, settings.message_burst, time.monotonic())
    while True:
        if subscribed:
            data = await connection.recv()
        else:
            try:
                async with asyncio.timeout(settings.subscribe_timeout_s):
                    data = await connection.recv()
            except TimeoutError:
                raise BadRequest(f"no 'subscribe' message within {settings.subscribe_timeout_s:g} s") from None
        if not bucket.take(time.monotonic()):
            raise TooMany(f"more than {settings.messages_per_s:g} messages per second")
        message = messages.parse_client_message(data)
        if isinstance(message, messages.ClientPing):
            outlet.send(text_frame(messages.pong(message.id, datetime.now(UTC))), None)
            continue
        token = message.token or query_token
        subscription = gateway.subscription(filter_from_fields(message.fields), token)
        gateway.hub.detach(outlet)
        await gateway.streamer.start(outlet, subscription, message.cursor)
        subscribed = True


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None
