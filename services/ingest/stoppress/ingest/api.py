"""The HTTP edge: ``POST /v1/headlines``, the OpenAPI description, health, readiness and metrics.

Handlers are thin: they authenticate, rate-limit and read the body, hand
the rest to the pure core (:mod:`~stoppress.ingest.submission`,
:mod:`~stoppress.ingest.sanitize`), publish what passed, and translate
:class:`~stoppress.ingest.problems.RefusalError` and
:class:`~stoppress.ingest.problems.BrokerUnavailableError` into problem+json.
A 202 is only ever sent after the broker acknowledged.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from aiohttp import web

from stoppress.ingest.metrics import IngestMetrics, RefusalReason
from stoppress.ingest.openapi import openapi_document
from stoppress.ingest.problems import PROBLEM_CONTENT_TYPE, BrokerUnavailableError, Problem, RefusalError
from stoppress.ingest.publisher import HeadlinePublisher
from stoppress.ingest.settings import IngestSettings
from stoppress.ingest.sources import Source, SourceRegistry
from stoppress.ingest.submission import format_for_media_type, headline_from_item, parse_submission
from stoppress.shared.keys import hash_key, key_label
from stoppress.shared.metrics import render
from stoppress.shared.models import Headline
from stoppress.shared.ratelimit import RateLimiter, retry_after_header

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_REASON_BY_STATUS: dict[int, RefusalReason] = {
    401: "unauthorized",
    403: "forbidden",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_item",
    429: "rate_limited",
    503: "broker_unavailable",
}


@dataclass
class ApiContext:
    """What the handlers work with; built once by the service and shared by all requests."""

    settings: IngestSettings
    sources: SourceRegistry
    publisher: HeadlinePublisher
    metrics: IngestMetrics
    limiter: RateLimiter = field(default_factory=RateLimiter)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    monotonic: Callable[[], float] = time.monotonic
    new_guid: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)


CONTEXT = web.AppKey("context", ApiContext)
OPENAPI = web.AppKey("openapi", bytes)


def build_app(context: ApiContext) -> web.Application:
    """The aiohttp application with every route and the problem+json middleware."""
    app = web.Application(client_max_size=context.settings.max_body_bytes, middlewares=[_problem_middleware])
    app[CONTEXT] = context
    app[OPENAPI] = orjson.dumps(openapi_document(context.settings))
    app.router.add_post("/v1/headlines", post_headlines)
    app.router.add_get("/v1/openapi.json", get_openapi)
    app.router.add_get("/healthz", get_healthz)
    app.router.add_get("/readyz", get_readyz)
    app.router.add_get("/metrics", get_metrics)
    return app


async def post_headlines(request: web.Request) -> web.Response:
    """Accept one item or a batch; 202 only for what the broker acknowledged."""
    context = request.app[CONTEXT]
    started = time.perf_counter()
    source, key_hash = _authenticate(request, context.sources)
    _rate_limit(context, source, key_hash)
    mime_type = request.content_type if "Content-Type" in request.headers else ""
    default_format = format_for_media_type(mime_type, request.charset)
    submission = parse_submission(await _read_body(request, context.settings), default_format,
                                  context.settings.max_batch_items)
    now = context.clock()
    tolerance = timedelta(seconds=context.settings.future_tolerance_s)
    outcomes: list[Headline | Problem] = []
    for item in submission.items:
        try:
            outcomes.append(headline_from_item(item, submission.default_format, source, context.sources, now,
                                               default_guid=context.new_guid(), future_tolerance=tolerance))
        except RefusalError as refused:
            outcomes.append(refused.problem)
    results = await _publish(context, outcomes)
    for result in results:
        if isinstance(result, Problem):
            context.metrics.count_refused(_REASON_BY_STATUS.get(result.status, "invalid_item"))
    accepted = sum(1 for result in results if isinstance(result, Headline))
    context.metrics.count_accepted("http", accepted)
    if submission.batch:
        response = _batch_response(results, context.settings.retry_after_s)
    else:
        response = _single_response(results[0])
    if accepted:
        context.metrics.observe_latency("batch" if submission.batch else "single", time.perf_counter() - started)
    return response


async def _publish(context: ApiContext, outcomes: list[Headline | Problem]) -> list[Headline | Problem]:
    """Publish the valid headlines; each becomes itself (acknowledged) or a 503 problem."""
    valid = [outcome for outcome in outcomes if isinstance(outcome, Headline)]
    if not valid:
        return outcomes
    failures = iter(await context.publisher.publish_all(valid))
    results: list[Headline | Problem] = []
    for outcome in outcomes:
        if isinstance(outcome, Headline):
            failure = next(failures)
            results.append(outcome if failure is None else _unavailable(failure, context.settings.retry_after_s))
        else:
            results.append(outcome)
    if any(isinstance(r, Problem) and r.status == 503 for r in results):
        log.warning("broker unavailable: answered 503 to %s", _label(valid))
    return results


def _label(headlines: list[Headline]) -> str:
    """A short description of what was refused, for logs (ids, never keys)."""
    first = headlines[0].id
    return first if len(headlines) == 1 else f"{first} and {len(headlines) - 1} more"


def _unavailable(failure: BrokerUnavailableError, retry_after_s: int) -> Problem:
    return Problem(503, "broker-unavailable", "The broker did not acknowledge the write; retry later",
                   str(failure), headers={"Retry-After": str(retry_after_s)})


def _single_response(result: Headline | Problem) -> web.Response:
    if isinstance(result, Problem):
        return problem_response(result)
    return _json_response(202, _accepted_json(result))


def _batch_response(results: list[Headline | Problem], retry_after_s: int) -> web.Response:
    """202 all accepted; 207 some accepted; else the refusal status, each item saying why."""
    items: list[dict[str, Any]] = []
    for index, result in enumerate(results):
        if isinstance(result, Headline):
            items.append({"index": index, "status": 202, **_accepted_json(result)})
        else:
            items.append({"index": index, "status": result.status, "problem": result.as_json()})
    statuses = {item["status"] for item in items}
    accepted = sum(1 for item in items if item["status"] == 202)
    unavailable = 503 in statuses
    headers = {"Retry-After": str(retry_after_s)} if unavailable else {}
    summary = {"accepted": accepted, "refused": len(items) - accepted}
    if accepted == len(items):
        return _json_response(202, {**summary, "items": items})
    if accepted:
        return _json_response(207, {**summary, "items": items}, headers)
    status = 503 if unavailable else 422 if 422 in statuses else max(statuses)
    problem = Problem(status, "batch-refused", "No item of the batch was accepted",
                      "every item was refused; see items[].problem", extra={**summary, "items": items})
    return problem_response(problem, headers)


def _accepted_json(headline: Headline) -> dict[str, Any]:
    return {
        "id": headline.id,
        "version": headline.version,
        "source": headline.source,
        "received_at": headline.received_at.isoformat(),
    }


def _authenticate(request: web.Request, sources: SourceRegistry) -> tuple[Source, str]:
    """The source whose key is in ``Authorization: Bearer KEY``; 401 without a known key, 403 if disabled."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise RefusalError(Problem(401, "unauthorized", "Unauthorized",
                              "send the source's API key as 'Authorization: Bearer KEY'",
                              headers={"WWW-Authenticate": 'Bearer realm="stoppress"'}))
    key_hash = hash_key(key)
    source = sources.by_key(key)
    if source is None:
        log.info("unknown API key", extra={"key": key_label(key_hash)})
        raise RefusalError(Problem(401, "unauthorized", "Unauthorized", "the API key is not known",
                              headers={"WWW-Authenticate": 'Bearer realm="stoppress", error="invalid_token"'}))
    if not source.enabled:
        raise RefusalError(Problem(403, "forbidden", "Forbidden", f"source '{source.slug}' is disabled"))
    return source, key_hash


def _rate_limit(context: ApiContext, source: Source, key_hash: str) -> None:
    rate = source.rate_per_s or context.settings.rate_per_s
    burst = source.rate_burst or context.settings.rate_burst
    wait_s = context.limiter.acquire(key_hash, rate, burst, context.monotonic())
    if wait_s > 0:
        raise RefusalError(Problem(429, "rate-limited", "Too many requests",
                              f"this key may send {rate:g} requests per second (bursts of {burst})",
                              headers={"Retry-After": retry_after_header(wait_s)}))


async def _read_body(request: web.Request, settings: IngestSettings) -> bytes:
    limit = settings.max_body_bytes
    too_large = Problem(413, "too-large", "Request body too large", f"a request body may be at most {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise RefusalError(too_large)
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise RefusalError(too_large) from None


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> web.Response:
    """The problem+json response, with the headers the problem calls for (``Retry-After``, ...)."""
    return web.Response(status=problem.status, body=orjson.dumps(problem.as_json()),
                        content_type=PROBLEM_CONTENT_TYPE, headers={**problem.headers, **(headers or {})})


def _json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(body), content_type="application/json", headers=headers)


async def get_openapi(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 description of this API."""
    return web.Response(body=request.app[OPENAPI], content_type="application/json")


async def get_healthz(_request: web.Request) -> web.Response:
    """200 while the process serves HTTP (liveness)."""
    return _json_response(200, {"status": "ok"})


async def get_readyz(request: web.Request) -> web.Response:
    """200 when the broker answers right now, else 503: whether to send this replica traffic."""
    context = request.app[CONTEXT]
    if await context.publisher.broker_reachable():
        return _json_response(200, {"status": "ready"})
    return problem_response(Problem(503, "not-ready", "Not ready", "the broker is not reachable",
                                    headers={"Retry-After": str(context.settings.retry_after_s)}))


async def get_metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition of this replica's metrics."""
    body, content_type = render(request.app[CONTEXT].metrics.registry)
    return web.Response(body=body, headers={"Content-Type": content_type})


@web.middleware
async def _problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every refusal as problem+json: ours (:class:`RefusalError`) and aiohttp's own (404, 405, ...)."""
    try:
        return await handler(request)
    except RefusalError as refused:
        problem = refused.problem
        reason = "invalid_json" if problem.kind == "invalid-json" else _REASON_BY_STATUS.get(problem.status)
        if reason is not None:
            request.app[CONTEXT].metrics.count_refused(reason)
        return problem_response(problem)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow",)}
        return problem_response(
            Problem(exc.status, "http-error", exc.reason, exc.text or exc.reason or "request refused"), headers
        )
