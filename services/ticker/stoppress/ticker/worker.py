"""Assemble the ticker worker from its parts and run it until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging

import faust

from stoppress.shared import collector, eventloop
from stoppress.shared.replication import Replication
from stoppress.ticker.agents import TickerAgents
from stoppress.ticker.app import create_app
from stoppress.ticker.clock import TickerClock
from stoppress.ticker.gaps import GapReader
from stoppress.ticker.group import GroupOffsets
from stoppress.ticker.provision import ensure_topics
from stoppress.ticker.published import EventLog
from stoppress.ticker.settings import TickerSettings
from stoppress.ticker.tables import declare_tables
from stoppress.ticker.telemetry import TickerMetrics
from stoppress.ticker.topics import declare_topics
from stoppress.ticker.web import TickerWeb

log = logging.getLogger(__name__)


def build_app(settings: TickerSettings, replication: Replication) -> faust.App:
    """The faust app with its topics, tables, agents, clock and web service attached."""
    app = create_app(settings, replication)
    topics = declare_topics(app, settings)
    tables = declare_tables(app, settings)
    lag_topics = {topics.raw.get_topic_name(), topics.desk.get_topic_name()}

    def lag() -> dict[str, int]:
        records: dict[str, int] = {}
        try:
            assignment = app.consumer.assignment()
        except Exception:  # no consumer yet (starting) or it is being rebuilt: nothing to report
            return records
        for tp in assignment:
            handled = agents.next_offsets.get((tp.topic, tp.partition))
            if tp.topic not in lag_topics or handled is None:
                continue
            try:
                highwater = app.consumer.highwater(tp)
            except Exception:  # not fetched yet
                continue
            if highwater is None:  # not fetched yet
                continue
            records[tp.topic] = records.get(tp.topic, 0) + max(0, highwater - handled)
        return records

    metrics = TickerMetrics(lag)
    agents = TickerAgents(
        app,
        topics,
        tables,
        authority=settings.authority_book(),
        policy=settings.desk_policy(),
        metrics=metrics,
        published=EventLog(settings.kafka_bootstrap, settings.events_topic, f"{settings.instance}-read-back"),
        group=GroupOffsets(settings.kafka_bootstrap, settings.app_id, f"{settings.instance}-offsets"),
        gaps=GapReader(settings.kafka_bootstrap, f"{settings.instance}-gaps"),
        stall_after_s=settings.stall_after_s,
        bundle_headlines=settings.bundle_headlines,
    )
    agents.register()
    app.task(_freeze_startup)
    clock = TickerClock(app, settings, topics.desk.get_topic_name())
    app.service(clock)  # type: ignore[arg-type]  # faust also takes an instance (App._prepare_subservice)
    app.web_server(TickerWeb(app, settings, metrics))
    return app


async def _freeze_startup() -> None:
    """Once faust has started (tables recovered), keep what start-up loaded out of later GC walks."""
    collector.freeze_startup()


def run_worker(settings: TickerSettings) -> None:
    """Run one worker in this process until SIGTERM/SIGINT; faust stops it cleanly (commits, closes)."""
    collector.tune()
    eventloop.install(settings.event_loop)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    replication = loop.run_until_complete(ensure_topics(settings))
    app = build_app(settings, replication)
    where = {"kafka": settings.kafka_bootstrap, "web_port": settings.web_port}
    log.info("ticker worker starting", extra=where)
    worker = faust.Worker(
        app, loop=loop, loglevel=settings.log_level, quiet=True, override_logging=False, redirect_stdouts=False
    )
    worker.execute_from_commandline()
