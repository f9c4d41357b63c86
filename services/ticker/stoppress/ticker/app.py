"""Build the faust app of the ticker worker (and nothing else: topics, tables and agents live in their own modules)."""

from __future__ import annotations

import faust

from stoppress.shared.kafka import METADATA_MAX_AGE_MS
from stoppress.shared.replication import Replication
from stoppress.ticker.settings import TickerSettings
from stoppress.ticker.transport import (
    CONSUMER_REQUEST_TIMEOUT_S,
    PRODUCER_BATCH_BYTES,
    PRODUCER_REQUEST_TIMEOUT_S,
    PromptTransport,
)


def create_app(settings: TickerSettings, replication: Replication) -> faust.App:
    """A faust app configured from ``settings``; :func:`stoppress.ticker.worker.build_worker` wires it up.

    Values cross every topic as raw bytes (the house orjson codec does the
    rest), tables use the configured store (memory by default, rebuilt from
    their changelog topics on start), the web server is the ticker's own
    (``/metrics``, ``/healthz``, ``/readyz``), not faust's, the topics faust
    creates itself get ``replication``'s factor (as the worker's own topics,
    :mod:`stoppress.ticker.provision`), and the transport fetches promptly and
    writes idempotently (see :mod:`stoppress.ticker.transport`).
    """
    brokers = [f"kafka://{address.strip()}" for address in settings.kafka_bootstrap.split(",") if address.strip()]
    app = faust.App(
        settings.app_id,
        broker=brokers,
        store=settings.store,
        datadir=str(settings.data_dir),
        # At-least-once on purpose: faust's exactly_once does not cover the records
        # the worker sends to other topics (docs/ranking.md, "State, restarts and guarantees").
        processing_guarantee="at_least_once",
        topic_partitions=settings.desk_partitions,
        topic_replication_factor=replication.factor,
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=settings.commit_interval_s,
        broker_session_timeout=settings.session_timeout_s,
        broker_request_timeout=max(CONSUMER_REQUEST_TIMEOUT_S, settings.session_timeout_s),
        producer_request_timeout=PRODUCER_REQUEST_TIMEOUT_S,
        consumer_metadata_max_age_ms=METADATA_MAX_AGE_MS,
        producer_metadata_max_age_ms=METADATA_MAX_AGE_MS,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_s / 3),
        producer_acks=-1,
        # No linger: an event reaches the gateway one Kafka hop sooner (a 5 ms linger measured +4 ms p50 per
        # hop in bench/e2e); records produced while a request is in flight are still batched.
        producer_linger=0.0,
        producer_max_batch_size=PRODUCER_BATCH_BYTES,
        web_host=settings.web_host,
        web_port=settings.web_port,
        autodiscover=False,
        worker_redirect_stdouts=False,
    )
    app.transport = PromptTransport(app.conf.broker_consumer, app)
    return app
