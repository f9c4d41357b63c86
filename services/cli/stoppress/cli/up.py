"""``stoppress up``: the whole stack on this machine, until Ctrl-C.

Starts a local Kafka broker (unless one is given; ``--brokers 3``: a cluster of
three), creates the topics, starts ticker, push, the editor's desk and ingest as
separate processes, prints the URLs, the demo source's API key and the demo
editor's key, and with ``--demo`` replays real headlines so the page comes
alive. Ctrl-C (or any service dying) stops everything, every Kafka node
included; a Kafka node that dies is reported and started again while the
services carry on (``stoppress.cli.localcluster``).
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from stoppress.cli.localcluster import LocalKafkaCluster
from stoppress.cli.localkafka import LocalKafka, LocalKafkaError
from stoppress.cli.processes import ServiceError, ServiceProcess
from stoppress.cli.stack import Stack, StackConfig

REPO_ROOT = Path(__file__).resolve().parents[4]
DEMO_FILE = REPO_ROOT / "deploy" / "demo" / "uci-news-dev.csv"


class UpSettings(BaseSettings):
    """What ``stoppress up`` takes from the environment."""

    model_config = SettingsConfigDict(env_prefix="STOPPRESS_", extra="ignore")

    demo_key: str | None = Field(None, description="API key of the local 'demo' source; generated when unset")
    demo_editor_key: str | None = Field(
        None, description="Key of the desk's 'demo-editor'; generated when unset"
    )
    kafka_bootstrap: str | None = Field(
        None,
        validation_alias=AliasChoices("STOPPRESS_KAFKA_BOOTSTRAP"),
        description="Use this broker instead of starting a local one",
    )


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "up",
        help="run the whole stack locally (broker, ingest, ticker, push) until Ctrl-C",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--demo", action="store_true", help="replay real headlines so the page comes alive")
    parser.add_argument("--demo-file", type=Path, default=DEMO_FILE, help="CSV to replay with --demo")
    parser.add_argument("--speed", type=float, default=60.0, help="replay time compression with --demo (x)")
    parser.add_argument("--data-dir", type=Path, default=Path("var"), help="where the broker and services keep state")
    parser.add_argument(
        "--brokers",
        type=int,
        help="local Kafka nodes: 1 (default), or 3 for a cluster that survives losing one "
        "(ports 9092/9093, 9094/9095, 9096/9097; storage in DATA_DIR/kafka/node-N)",
    )
    parser.set_defaults(func=run)


def _say(message: str) -> None:
    print(f"stoppress up: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop like Ctrl-C: services and broker too
    settings = UpSettings()
    demo_key = settings.demo_key or secrets.token_urlsafe(24)
    demo_editor_key = settings.demo_editor_key or secrets.token_urlsafe(24)
    data_dir: Path = args.data_dir.resolve()
    broker: LocalKafkaCluster | None = None
    stack: Stack | None = None
    replay: ServiceProcess | None = None
    try:
        if settings.kafka_bootstrap:
            if args.brokers is not None:
                raise LocalKafkaError("--brokers starts local Kafka nodes: unset STOPPRESS_KAFKA_BOOTSTRAP to use it")
            bootstrap = settings.kafka_bootstrap
            _say(f"using the Kafka broker at {bootstrap}")
        else:
            broker = LocalKafkaCluster(data_dir / "kafka", args.brokers or 1)
            what = "broker" if len(broker.nodes) == 1 else f"cluster of {len(broker.nodes)} nodes"
            _say(f"starting a local Kafka {what} (the first run downloads its jars from Maven Central)")
            broker.ensure_jars()
            broker.start()
            broker.wait_ready(say=_say)
            bootstrap = broker.bootstrap
        _say(f"Kafka ready at {bootstrap}; creating topics")
        LocalKafka.create_topics_on(bootstrap)
        config = StackConfig(bootstrap=bootstrap, demo_key=demo_key, data_dir=data_dir, demo_editor_key=demo_editor_key)
        stack = Stack(config)
        _say("starting ticker, push, desk and ingest")
        stack.start()
        if args.demo:
            replay = _start_replay(args, config)
        _print_welcome(config, demo_key, demo_editor_key, args.demo)
        return _watch(stack, replay, broker)
    except ServiceError as exc:
        _say(f"a service failed to start: {exc}")
        return 1
    except LocalKafkaError as exc:
        _say(str(exc))
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(replay, stack, broker)


def _stop(replay: ServiceProcess | None, stack: Stack | None, broker: LocalKafkaCluster | None) -> None:
    """Stop the replay, the services (ingest first), then the broker, each gracefully.

    Ctrl-C (or SIGTERM) again meanwhile kills what is left at once, the services
    before the broker, so no service is left talking to a broker that has gone;
    further ones are ignored until everything is down.
    """
    _say("stopping (Ctrl-C again to kill everything at once)")
    services = ([] if replay is None else [replay]) + ([] if stack is None else list(reversed(stack.services)))
    try:
        for service in services:
            service.stop()
        if broker is not None:
            broker.stop()
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _say("killing what is left")
        for service in services:
            service.kill()
        if broker is not None:
            for node in broker.nodes:
                node.kill()
    _say("stopped")


def _start_replay(args: argparse.Namespace, config: StackConfig) -> ServiceProcess:
    demo_file: Path = args.demo_file
    if not demo_file.exists():
        raise ServiceError(f"demo file {demo_file} not found; pass --demo-file PATH")
    replay = ServiceProcess(
        "replay",
        "stoppress.cli.main",
        {"STOPPRESS_DEMO_KEY": config.demo_key},
        health_url=f"{config.ingest_url}/healthz",
        args=("replay", str(demo_file), "--speed", str(args.speed), "--loop", "--url", config.ingest_url),
    )
    replay.start()
    return replay


def _print_welcome(config: StackConfig, demo_key: str, demo_editor_key: str, demo: bool) -> None:
    lines = [
        "",
        "  Stop Press is up.",
        f"    portal page      {config.push_url}/",
        f"    dashboard        {config.push_url}/dashboard",
        f"    WebSocket        {config.ws_url}",
        f"    SSE              {config.push_url}/v1/sse",
        f"    ingest API       {config.ingest_url}/v1/headlines  (OpenAPI: {config.ingest_url}/v1/openapi.json)",
        f"    editor's desk    {config.desk_url}/desk  (API: {config.desk_url}/v1/openapi.json)",
        f"    demo source key  {demo_key}",
        f"    demo editor key  {demo_editor_key}",
        "",
        "  Try, in another terminal:",
        f"    STOPPRESS_DEMO_KEY={demo_key} stoppress post 'Hello from Stop Press' --urgency 2",
        "    stoppress tail",
        f"    STOPPRESS_EDITOR_KEY={demo_editor_key} stoppress desk list",
        "",
        "  Replaying real headlines (--demo)." if demo else "  Add --demo to replay real headlines.",
        "  Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)


def _watch(stack: Stack, replay: ServiceProcess | None, broker: LocalKafkaCluster | None) -> int:
    """Block until Ctrl-C (exit 0) or until a service dies (exit 1); restart Kafka nodes that die."""
    while True:
        if broker is not None:
            broker.tend(_say)
        for service in stack.services:
            if service.returncode is not None:
                _say(f"{service.name} exited with code {service.returncode}; stopping the stack")
                return 1
        if replay is not None and replay.returncode not in (None, 0):
            _say(f"the demo replay exited with code {replay.returncode}; the stack keeps running")
            replay = None
        time.sleep(0.5)
