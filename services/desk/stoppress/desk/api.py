"""The HTTP edge of the editor's desk: the command API, the story list, the audit log, the console's stream.

Handlers are thin: they authenticate the editor (``Authorization: Bearer
KEY``, an editor's key, never a source's), rate-limit per editor, hand the
body to the pure :func:`~stoppress.desk.commands.command_from_body`, send the
command and wait for the ticker's outcome. A command is answered only once
the ticker has applied or refused it, within ``answer_timeout_s`` (2 s):
200 with the outcome (and the cursor of the event it caused), or the
outcome's 404/409/422 as problem+json, or 503 with ``Retry-After`` when the
broker or the ticker cannot confirm in time; the 503 names the command id,
and sending the same ``command_id`` again is always safe. Nothing a client
sends can cause a 5xx.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from stoppress.desk.answers import Answers
from stoppress.desk.board import Board
from stoppress.desk.commands import command_from_body
from stoppress.desk.editors import Editor, EditorRegistry
from stoppress.desk.feed import BrokerUnavailableError, DeskFeed
from stoppress.desk.live import Watchers, sse
from stoppress.desk.metrics import DeskMetrics
from stoppress.desk.openapi import openapi_document
from stoppress.desk.problems import RefusedError, refused
from stoppress.desk.settings import DeskSettings
from stoppress.shared.keys import hash_key, key_label
from stoppress.shared.metrics import render
from stoppress.shared.models import DESK_ACTIONS, LEVELS, DeskOutcome, DeskStory
from stoppress.shared.problems import PROBLEM_CONTENT_TYPE, Problem
from stoppress.shared.ratelimit import RateLimiter, retry_after_header

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SUMMARY_MEMBERS = 5
"""Members listed per story in lists and the stream's snapshot (a story's own page lists up to 50)."""
SNAPSHOT_STORIES = 1000
_OUTCOME_KINDS = {404: "unknown-story", 409: "conflict", 422: "invalid-command"}
_STATES = ("shown", "hidden", "killed", "withdrawn")
CONSOLE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "application/javascript; charset=utf-8",
                  ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


@dataclass
class DeskContext:
    """What the handlers work with; built once by the service and shared by all requests."""

    settings: DeskSettings
    editors: EditorRegistry
    board: Board
    answers: Answers
    watchers: Watchers
    feed: DeskFeed
    metrics: DeskMetrics
    limiter: RateLimiter = field(default_factory=RateLimiter)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    new_id: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)


CONTEXT = web.AppKey("context", DeskContext)
OPENAPI = web.AppKey("openapi", bytes)


def build_app(context: DeskContext) -> web.Application:
    """The aiohttp application with every route and the problem+json middleware."""
    app = web.Application(client_max_size=context.settings.max_body_bytes, middlewares=[_problem_middleware])
    app[CONTEXT] = context
    app[OPENAPI] = orjson.dumps(openapi_document(context.settings))
    app.router.add_get("/", get_root)
    app.router.add_get("/desk", get_console)
    app.router.add_get("/desk/{name}", get_console_file)
    app.router.add_get("/v1/desk/whoami", get_whoami)
    app.router.add_get("/v1/desk/stories", get_stories)
    app.router.add_get("/v1/desk/stories/{story_id}", get_story)
    app.router.add_post("/v1/desk/stories/{story_id}/{action}", post_command)
    app.router.add_get("/v1/desk/log", get_log)
    app.router.add_get("/v1/desk/stream", get_stream)
    app.router.add_get("/v1/openapi.json", get_openapi)
    app.router.add_get("/healthz", get_healthz)
    app.router.add_get("/readyz", get_readyz)
    app.router.add_get("/metrics", get_metrics)
    return app


async def post_command(request: web.Request) -> web.Response:
    """Send one command and answer with the ticker's outcome (see the module docstring)."""
    context = request.app[CONTEXT]
    started = time.monotonic()
    action = request.match_info["action"]
    editor = _authenticate(request, context)
    _rate_limit(context, editor, "commands")
    if action not in DESK_ACTIONS:
        raise refused(404, "unknown-action", "Unknown action", f"{action!r} is not one of {', '.join(DESK_ACTIONS)}")
    _ready(context)
    body = await request.read()
    story = await _story(context, request.match_info["story_id"])
    command = command_from_body(action, story, body, editor=editor.name, now=context.clock(), new_id=context.new_id)
    if command.into is not None:
        into = await _story(context, command.into)
        if into.desk != story.desk:
            raise refused(409, "conflict", "Conflict", f"stories in different languages ({story.desk}, "
                          f"{into.desk}) cannot be merged", command_id=command.command_id)  # fmt: skip
    earlier = context.board.outcome(command.command_id)
    if earlier is None:
        earlier = await _sent_and_decided(context, command.command_id, lambda: context.feed.send(command), started)
    context.metrics.commands.labels(action=action, answer=str(earlier.code)).inc()
    context.metrics.answer.observe(time.monotonic() - started)
    return _answer(earlier)


async def _sent_and_decided(
    context: DeskContext, command_id: str, send: Callable[[], Awaitable[None]], started: float
) -> DeskOutcome:
    """Send the command, then wait for its outcome until ``answer_timeout_s`` after ``started``; 503 otherwise."""
    settings = context.settings
    waiter = context.answers.expect(command_id)
    unconfirmed = {"command_id": command_id, "retry": "send the same command_id again: it is applied at most once"}
    try:
        await send()
    except BrokerUnavailableError as exc:
        context.answers.forget(command_id)
        raise _unavailable(context, f"{exc}", unconfirmed) from None
    remaining = settings.answer_timeout_s - (time.monotonic() - started)
    try:
        async with asyncio.timeout(max(0.0, remaining)):
            return await asyncio.shield(waiter)
    except TimeoutError:
        context.answers.forget(command_id)
        detail = f"the ticker did not confirm the command within {settings.answer_timeout_s:g} s"
        raise _unavailable(context, detail, unconfirmed) from None


def _answer(outcome: DeskOutcome) -> web.Response:
    body = outcome.model_dump(mode="json")
    if outcome.applied:
        return _json_response(200, body)
    problem = Problem(outcome.code, _OUTCOME_KINDS[outcome.code], "The desk refused the command", outcome.message,
                      extra={"command_id": outcome.command_id, "outcome": body})  # fmt: skip
    return problem_response(problem)


def _unavailable(context: DeskContext, detail: str, extra: dict[str, Any]) -> RefusedError:
    context.metrics.refused.labels(status="503").inc()
    retry = str(context.settings.retry_after_s)
    return RefusedError(Problem(503, "not-confirmed", "Not confirmed; retry", detail, headers={"Retry-After": retry},
                                extra=extra))  # fmt: skip


async def get_stories(request: web.Request) -> web.Response:
    """Live stories in console order; ``state`` and ``level`` filter (comma-separated), ``limit`` caps."""
    context = request.app[CONTEXT]
    _rate_limit(context, _authenticate(request, context), "reads")
    _ready(context)
    states = _choices(request, "state", _STATES)
    levels = _choices(request, "level", LEVELS)
    limit = _int_param(request, "limit", 500, 1, 5000)
    stories = context.board.listing(states, levels, limit)
    return _json_response(200, {"count": len(stories), "stories": [_summary(s) for s in stories]})


async def get_story(request: web.Request) -> web.Response:
    """One live story with its members (up to 50) and its audit log."""
    context = request.app[CONTEXT]
    _rate_limit(context, _authenticate(request, context), "reads")
    _ready(context)
    story_id = request.match_info["story_id"]
    story = context.board.stories.get(story_id)
    if story is None:
        raise refused(404, "unknown-story", "Unknown story", f"no live story {story_id!r} (unknown, or it ended)")
    log_entries = [entry.as_json() for entry in context.board.entries(story_id=story_id)]
    return _json_response(200, {"story": story.model_dump(mode="json"), "log": log_entries})


async def get_log(request: web.Request) -> web.Response:
    """The audit log, newest first: ``story_id`` and ``editor`` filter, ``limit`` caps (most recent entries only)."""
    context = request.app[CONTEXT]
    _rate_limit(context, _authenticate(request, context), "reads")
    _ready(context)
    limit = _int_param(request, "limit", 100, 1, context.settings.log_entries)
    entries = context.board.entries(request.query.get("story_id"), request.query.get("editor"), limit)
    return _json_response(200, {"count": len(entries), "entries": [entry.as_json() for entry in entries]})


async def get_whoami(request: web.Request) -> web.Response:
    """The editor a key belongs to (the console checks a key with it)."""
    context = request.app[CONTEXT]
    editor = _authenticate(request, context)
    _rate_limit(context, editor, "reads")
    return _json_response(200, {"editor": editor.name, "display_name": editor.display_name or editor.name})


async def get_stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events for the console: a snapshot, then every change (see :mod:`stoppress.desk.live`)."""
    context = request.app[CONTEXT]
    editor = _authenticate(request, context)
    _rate_limit(context, editor, "reads")
    _ready(context)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})  # fmt: skip
    await response.prepare(request)
    queue = context.watchers.open()
    context.metrics.consoles.inc()
    try:
        board = context.board
        snapshot = {
            "editor": editor.name,
            "stories": [_summary(story) for story in board.listing(limit=SNAPSHOT_STORIES)],
            "log": [entry.as_json() for entry in board.entries(limit=200)],
        }
        await response.write(sse("snapshot", snapshot))
        while True:
            try:
                async with asyncio.timeout(context.settings.heartbeat_s):
                    frame = await queue.get()
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if frame is None:
                break
            await response.write(frame)
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        context.watchers.close(queue)
        context.metrics.consoles.dec()
    return response


async def get_console(request: web.Request) -> web.Response:
    """The editors' console page (it asks for the key itself and keeps it for the browser tab only)."""
    return _static(request.app[CONTEXT].settings, "desk.html")


async def get_console_file(request: web.Request) -> web.Response:
    """The console's script and style sheet."""
    return _static(request.app[CONTEXT].settings, request.match_info["name"])


def _static(settings: DeskSettings, name: str) -> web.Response:
    root = settings.static_dir.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file() or path.suffix not in _CONTENT_TYPES:
        raise refused(404, "not-found", "Not Found", f"no file {name!r} here")
    return web.Response(body=path.read_bytes(), headers={"Content-Type": _CONTENT_TYPES[path.suffix],
                                                         **CONSOLE_HEADERS})  # fmt: skip


async def get_root(_request: web.Request) -> web.Response:
    """The console lives at ``/desk``."""
    raise web.HTTPFound("/desk")


async def get_openapi(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 description of this API."""
    return web.Response(body=request.app[OPENAPI], content_type="application/json")


async def get_healthz(_request: web.Request) -> web.Response:
    """200 while the process serves HTTP (liveness)."""
    return _json_response(200, {"status": "ok"})


async def get_readyz(request: web.Request) -> web.Response:
    """200 once the desk has read its topics, else 503."""
    context = request.app[CONTEXT]
    if context.feed.ready.is_set():
        return _json_response(200, {"status": "ready", "stories": len(context.board.stories)})
    return problem_response(Problem(503, "not-ready", "Not ready", "still reading the desk topics",
                                    headers={"Retry-After": str(context.settings.retry_after_s)}))  # fmt: skip


async def get_metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition of this replica's metrics."""
    body, content_type = render(request.app[CONTEXT].metrics.registry)
    return web.Response(body=body, headers={"Content-Type": content_type})


async def _story(context: DeskContext, story_id: str) -> DeskStory:
    """The live story ``story_id``, waiting up to ``story_wait_s`` for one just made; 404 if there is none."""
    deadline = time.monotonic() + context.settings.story_wait_s
    while True:
        story = context.board.stories.get(story_id)
        if story is not None:
            return story
        if time.monotonic() >= deadline:
            raise refused(404, "unknown-story", "Unknown story",
                          f"no live story {story_id[:128]!r} (unknown, or it ended)")  # fmt: skip
        await asyncio.sleep(0.05)


def _authenticate(request: web.Request, context: DeskContext) -> Editor:
    """The editor whose key is in ``Authorization: Bearer KEY``; 401 without a known key, 403 if disabled."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise RefusedError(Problem(401, "unauthorized", "Unauthorized",
                                   "send an editor's key as 'Authorization: Bearer KEY'",
                                   headers={"WWW-Authenticate": 'Bearer realm="stoppress-desk"'}))  # fmt: skip
    editor = context.editors.by_key(key)
    if editor is None:
        log.info("unknown editor key", extra={"key": key_label(hash_key(key))})
        raise RefusedError(Problem(401, "unauthorized", "Unauthorized",
                                   "this is not an editor's key (a source's key cannot command the desk)",
                                   headers={"WWW-Authenticate": 'Bearer realm="stoppress-desk", '
                                                                'error="invalid_token"'}))  # fmt: skip
    if not editor.enabled:
        raise refused(403, "forbidden", "Forbidden", f"editor {editor.name!r} is disabled")
    return editor


def _rate_limit(context: DeskContext, editor: Editor, kind: str) -> None:
    settings = context.settings
    if kind == "commands":
        rate = editor.commands_per_s or settings.commands_per_s
        burst = editor.commands_burst or settings.commands_burst
    else:
        rate, burst = settings.reads_per_s, settings.reads_burst
    wait_s = context.limiter.acquire(f"{kind}:{editor.name}", rate, burst, time.monotonic())
    if wait_s > 0:
        raise RefusedError(Problem(429, "rate-limited", "Too many requests",
                                   f"an editor may send {rate:g} {kind} per second (bursts of {burst})",
                                   headers={"Retry-After": retry_after_header(wait_s)}))  # fmt: skip


def _ready(context: DeskContext) -> None:
    if not context.feed.ready.is_set():
        raise RefusedError(Problem(503, "not-ready", "Not ready", "the desk is still reading its topics",
                                   headers={"Retry-After": str(context.settings.retry_after_s)}))  # fmt: skip


def _choices(request: web.Request, name: str, allowed: tuple[str, ...]) -> list[str]:
    raw = request.query.get(name, "")
    chosen = [value.strip() for value in raw.split(",") if value.strip()]
    wrong = [value for value in chosen if value not in allowed]
    if wrong:
        listed = ", ".join(repr(w[:40]) for w in wrong[:5])
        raise refused(422, "invalid-query", "Invalid query", f"{name}: {listed} not among {', '.join(allowed)}")
    return chosen


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise refused(422, "invalid-query", "Invalid query", f"{name} must be a whole number from {low} to {high}")
    return value


def _summary(story: DeskStory) -> dict[str, Any]:
    summary = story.model_dump(mode="json")
    summary["members"] = summary["members"][:SUMMARY_MEMBERS]
    return summary


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> web.Response:
    """The problem+json response, with the headers the problem calls for (``Retry-After``, ...)."""
    return web.Response(status=problem.status, body=orjson.dumps(problem.as_json()),
                        content_type=PROBLEM_CONTENT_TYPE, headers={**problem.headers, **(headers or {})})  # fmt: skip


def _json_response(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(body), content_type="application/json")


@web.middleware
async def _problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every refusal as problem+json: ours (:class:`RefusedError`) and aiohttp's own (404, 405, 413, ...)."""
    try:
        return await handler(request)
    except RefusedError as exc:
        problem = exc.problem
        if problem.status != 503:
            request.app[CONTEXT].metrics.refused.labels(status=str(problem.status)).inc()
        return problem_response(problem)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow",)}
        return problem_response(
            Problem(exc.status, "http-error", exc.reason, exc.text or exc.reason or "request refused"), headers
        )
