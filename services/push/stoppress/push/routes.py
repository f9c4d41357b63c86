"""Every HTTP route of the gateway, answered in websockets' ``process_request`` hook.

Returning ``None`` lets ``/v1/ws`` continue to the WebSocket handshake, once
the request is admitted (shutdown, Origin, connection caps and rate): a refused
WebSocket client gets a plain problem+json answer (503, 403, 429) and costs no
upgrade. Any other path gets a complete HTTP response here. SSE streams are the exception:
their handler writes the response head and events straight to the transport
and returns only when the client has gone (so websockets never sends a
response of its own on that connection). Errors are problem+json with a
readable ``detail``; nothing a client sends can cause a 5xx.
"""

from __future__ import annotations

import asyncio
import email.utils
import http
import math
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import orjson
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from stoppress.push import sse
from stoppress.push.atom import CONTENT_TYPE as ATOM_CONTENT_TYPE
from stoppress.push.atom import FEED_LEVELS, atom_feed
from stoppress.push.filters import Filter
from stoppress.push.outlet import GatewayConnection
from stoppress.push.refusals import Refusal
from stoppress.shared.metrics import render

if TYPE_CHECKING:
    from stoppress.push.gateway import Gateway

WS_PATH = "/v1/ws"
JSON = "application/json"
DEFAULT_RETRY_AFTER_S = 2
"""``Retry-After`` of a 429 or 503 whose refusal names no time of its own."""


def response(
    status: int, body: bytes, content_type: str, headers: list[tuple[str, str]] | None = None
) -> Response:
    """A complete HTTP/1.1 response (the connection closes after it)."""
    all_headers = Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Connection", "close"),
            ("Content-Length", str(len(body))),
            *([("Content-Type", content_type)] if content_type else []),
            *(headers or []),
        ]
    )
    return Response(status, http.HTTPStatus(status).phrase, all_headers, body)


def problem(refusal: Refusal, headers: list[tuple[str, str]] | None = None) -> Response:
    """RFC 9457 problem+json for a refusal."""
    body = orjson.dumps(
        {
            "type": "about:blank",
            "title": http.HTTPStatus(refusal.http_status).phrase,
            "status": refusal.http_status,
            "code": refusal.error_code,
            "detail": refusal.reason,
        }
    )
    extra = list(headers or [])
    if refusal.http_status in (429, 503):
        wait_s = DEFAULT_RETRY_AFTER_S if refusal.retry_after_s is None else refusal.retry_after_s
        extra.append(("Retry-After", str(max(1, math.ceil(wait_s)))))
    return response(refusal.http_status, body, "application/problem+json", extra)


def cors(gateway: Gateway, request: Request) -> list[tuple[str, str]]:
    """Let allowed browser origins read REST and SSE answers."""
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") in gateway.allowed_origins:
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    return [("Vary", "Origin")]


async def process_request(gateway: Gateway, connection: GatewayConnection, request: Request) -> Response | None:
    """Route one HTTP request; ``None`` continues the WebSocket handshake on ``/v1/ws``."""
    parts = urlsplit(request.path)
    path = parts.path
    if path == WS_PATH:
        return _admit_websocket(gateway, connection, request)
    params = parse_qs(parts.query, keep_blank_values=False)
    try:
        if path == "/healthz":
            return response(200, b'{"status":"ok"}', JSON)
        if path == "/readyz":
            return _readyz(gateway)
        if path == "/metrics":
            body, content_type = render(gateway.instruments.registry)
            return response(200, body, content_type)
        if path == "/v1/stories":
            return _stories(gateway, request, params)
        if path == "/v1/feed.atom":
            return _atom(gateway, request)
        if path == "/v1/sse":
            return await _sse(gateway, connection, request, params)
        if path == "/v1/ops/sse":
            return await _ops_sse(gateway, connection, request)
        file = gateway.static.resolve(path)
        if file is not None:
            answer = gateway.static.answer(
                file, path, request.headers.get("Accept-Encoding", ""), request.headers.get("If-None-Match")
            )
            return response(answer.status, answer.body, "", answer.headers)
    except Refusal as refusal:
        gateway.instruments.refusals.labels(refusal.error_code).inc()
        return problem(refusal, cors(gateway, request))
    missing = {"type": "about:blank", "title": "Not Found", "status": 404, "code": "not_found",
            "detail": f"no such resource: {path[:200]}"}
    return response(404, orjson.dumps(missing), "application/problem+json")


def _admit_websocket(gateway: Gateway, connection: GatewayConnection, request: Request) -> Response | None:
    """Admit a WebSocket before its upgrade (``None``: go on with the handshake), or answer the refusal.

    The slot taken here is given back when the TCP connection is gone, whatever
    happened in between (handshake refused by websockets, client gone during
    the upgrade, or the session's normal end), so every admission is released
    exactly once.
    """
    address = gateway.client_address(connection.remote_address, request.headers)
    try:
        gateway.admit(request.headers, address, "ws")
    except Refusal as refusal:
        gateway.instruments.refusals.labels(refusal.error_code).inc()
        return problem(refusal, cors(gateway, request))
    connection.admitted_address = address  # released in GatewayConnection.connection_lost (no closure per client)
    return None


def _readyz(gateway: Gateway) -> Response:
    ready = not gateway.shutting_down  # the gateway only listens once its snapshot state is loaded
    body = orjson.dumps(
        {"ready": ready, "instance": gateway.settings.instance, "stories": len(gateway.state),
         "events_in_memory": len(gateway.ring), "cursor": gateway.streamer.current_cursor()}
    )
    return response(200 if ready else 503, body, JSON, [("Cache-Control", "no-store")])


def _stories(gateway: Gateway, request: Request, params: dict[str, list[str]]) -> Response:
    subscription = gateway.query_subscription(params, request.headers)
    stories = gateway.state.matching(subscription, gateway.restricted, gateway.settings.snapshot_limit)
    body = orjson.dumps(
        {"cursor": gateway.streamer.current_cursor(), "count": len(stories), "filter": subscription.as_dict(),
         "stories": [story.model_dump(mode="python") for story in stories]},
        option=orjson.OPT_UTC_Z,
    )
    return response(200, body, JSON, [("Cache-Control", "no-store"), *cors(gateway, request)])


def _atom(gateway: Gateway, request: Request) -> Response:
    breaking = Filter(levels=FEED_LEVELS)
    stories = gateway.state.matching(breaking, gateway.restricted, gateway.settings.snapshot_limit)
    host = request.headers.get("Host", f"127.0.0.1:{gateway.port}")
    body = atom_feed(stories, f"http://{host}/v1/feed.atom", gateway.started_at)
    return response(200, body, ATOM_CONTENT_TYPE, [("Cache-Control", "public, max-age=10"), *cors(gateway, request)])


def _last_event_id(request: Request, params: dict[str, list[str]]) -> str | None:
    header = request.headers.get("Last-Event-ID")
    if header:
        return header.strip()
    for name in ("lastEventId", "cursor"):
        if params.get(name):
            return params[name][0]
    return None


async def _sse(
    gateway: Gateway, connection: GatewayConnection, request: Request, params: dict[str, list[str]]
) -> Response:
    """``/v1/sse``: the same stream as the WebSocket, as Server-Sent Events."""
    address = gateway.client_address(connection.remote_address, request.headers)
    subscription = gateway.query_subscription(params, request.headers)
    gateway.admit(request.headers, address, "sse")
    outlet = gateway.outlet(connection, "sse", address)
    try:
        connection.transport.write(sse.response_head(cors(gateway, request)))
        connection.transport.write(sse.retry_hint(gateway.settings.sse_retry_ms))
        outlet.send(sse.sse_event("welcome", gateway.welcome()), None)
        await gateway.streamer.start(outlet, subscription, _last_event_id(request, params))
        await asyncio.shield(connection.connection_lost_waiter)
    finally:
        gateway.hub.detach(outlet)
        gateway.release(address, "sse")
        if not connection.transport.is_closing():
            connection.transport.abort()
    return response(200, b"", "")  # never sent: the connection is closed by now


async def _ops_sse(gateway: Gateway, connection: GatewayConnection, request: Request) -> Response:
    """``/v1/ops/sse``: every service's latest MetricsSnapshot, then each new one (``event: metrics``)."""
    address = gateway.client_address(connection.remote_address, request.headers)
    gateway.admit(request.headers, address, "sse")
    outlet = gateway.outlet(connection, "sse", address)
    try:
        connection.transport.write(sse.response_head(cors(gateway, request)))
        connection.transport.write(sse.retry_hint(gateway.settings.sse_retry_ms))
        gateway.ops.watch(outlet)
        await asyncio.shield(connection.connection_lost_waiter)
    finally:
        gateway.ops.unwatch(outlet)
        gateway.release(address, "sse")
        if not connection.transport.is_closing():
            connection.transport.abort()
    return response(200, b"", "")
