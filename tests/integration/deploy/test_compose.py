"""docker-compose.yml held against the code, since there is no Docker engine here to run it.

For ingest, ticker, push and the desk: the image runs the service's module; every
``STOPPRESS_*`` variable set for it (compose and Dockerfile) is a real field of
its settings class and validates; it listens on ``0.0.0.0`` on the port that
compose exposes, the healthcheck probes and Prometheus scrapes; the
healthcheck and metrics paths answer 200 on the real services (the session
stack); state folders belong to the unprivileged user. Around them: the
three Kafka nodes (one quorum, one cluster id, the local launcher's
replication and failure-detection settings), the topic-creating one-shot
(run here against the real broker), replicas, restart policies, pinned
images, start order, the nginx upstreams and the Prometheus and Grafana wiring.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from stoppress.cli.localkafka import DEPLOY_DIR, LocalKafka, cluster_settings
from stoppress.cli.stack import Stack
from stoppress.desk.settings import DeskSettings
from stoppress.ingest.settings import IngestSettings
from stoppress.push.settings import PushSettings
from stoppress.shared.topics import TOPICS
from stoppress.ticker.settings import TickerSettings
from tests.integration.deploy.manifests import (
    PROMETHEUS,
    REPO,
    Directive,
    dockerfile_stages,
    health_url,
    load_compose,
    load_yaml,
    nginx_config,
)

SETTINGS: dict[str, type[BaseSettings]] = {
    "ingest": IngestSettings, "ticker": TickerSettings, "push": PushSettings, "desk": DeskSettings,
}
PORT_FIELD = {"ingest": "port", "ticker": "web_port", "push": "port", "desk": "port"}
STATE_FIELDS = {"ingest": ("state_dir",), "ticker": ("data_dir",), "push": (), "desk": ()}
BEHIND_THE_PROXY = ("push", "ingest", "desk")
LONG_RUNNING_RESTART = {"unless-stopped", "always"}
PINNED = re.compile(r"^[\w./-]+:v?\d+\.\d+\.\d+(-[\w.]+)?$")
INTERPOLATION = re.compile(r"\$\{[^}]*\}")
KAFKA_NODES = ("kafka-1", "kafka-2", "kafka-3")
KAFKA_BOOTSTRAP = ",".join(f"{node}:9092" for node in KAFKA_NODES)

COMPOSE = load_compose()
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]


def env_names(settings: type[BaseSettings]) -> set[str]:
    """Every environment variable name ``settings`` reads (its prefix + field name, or its aliases)."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    names = set()
    for name, info in settings.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {str(choice).upper() for choice in alias.choices if str(choice).isupper()}
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(f"{prefix}{name}".upper())
    return names


def service_env(name: str) -> dict[str, str]:
    """What the container sees: the image's ENV, then compose's ``environment`` (compose interpolation filled)."""
    stage = dockerfile_stages()[SERVICES[name]["build"]["target"]]
    compose_env = {key: INTERPOLATION.sub("compose-demo-key-0123456789", str(value))
                   for key, value in SERVICES[name].get("environment", {}).items()}  # fmt: skip
    return {**stage.env, **compose_env}


def settings_from(env: dict[str, str], settings: type[BaseSettings], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Build ``settings`` exactly as the container would, from ``env`` alone."""
    for key in list(os.environ):
        if key.startswith("STOPPRESS_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return settings()


def exposed_port(name: str) -> int:
    ports = [int(port) for port in SERVICES[name].get("expose", [])]
    assert len(ports) == 1, f"{name} should expose exactly one port, got {ports}"
    return ports[0]


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode(errors="replace")


@pytest.mark.parametrize("name", SETTINGS)
def test_each_service_image_runs_its_own_module_as_an_unprivileged_user(name: str) -> None:
    build = SERVICES[name]["build"]
    assert (build["context"], build["dockerfile"]) == (".", "deploy/docker/Dockerfile")
    stage = dockerfile_stages()[build["target"]]
    assert stage.cmd == ["python", "-m", f"stoppress.{name}"]
    assert callable(importlib.import_module(f"stoppress.{name}.__main__").main)
    assert any(f"/src/services/{name}" in run for run in stage.runs), f"the {name} image must install its service"
    assert stage.user not in (None, "root", "0")
    assert exposed_port(name) in stage.expose


@pytest.mark.parametrize("name", SETTINGS)
def test_every_variable_is_a_real_setting_and_the_ports_agree(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = service_env(name)
    settings_class = SETTINGS[name]
    unknown = {key for key in env if key.startswith("STOPPRESS_")} - env_names(settings_class)
    assert not unknown, f"{name}: not settings of {settings_class.__name__}: {sorted(unknown)}"
    settings = settings_from(env, settings_class, monkeypatch)
    host = getattr(settings, "web_host" if name == "ticker" else "host")
    assert host == "0.0.0.0", f"{name} must listen on every interface of its container, not {host}"
    port = getattr(settings, PORT_FIELD[name])
    assert port == exposed_port(name) == health_url(SERVICES[name])[0]
    assert settings.kafka_bootstrap == KAFKA_BOOTSTRAP
    assert settings.log_format == "json"
    for state_field in STATE_FIELDS[name]:
        folder = Path(getattr(settings, state_field))
        assert folder.is_absolute(), f"{name}.{state_field} must not depend on the working directory"
        owned = [run for run in dockerfile_stages()["base"].runs if "chown" in run]
        assert any(str(parent) in run for run in owned for parent in folder.parents if str(parent) != "/"), (
            f"{name}.{state_field} ({folder}) is not in a folder the image gives to its user"
        )


def test_healthchecks_and_metrics_probe_routes_the_services_serve(stack: Stack) -> None:
    local = {"ingest": stack.config.ingest_url, "ticker": stack.config.ticker_url, "push": stack.config.push_url,
             "desk": stack.config.desk_url}
    for name, base_url in local.items():
        _, path = health_url(SERVICES[name])
        assert get(f"{base_url}{path}")[0] == 200, f"{name}: healthcheck path {path}"
        status, text = get(f"{base_url}/metrics")
        assert status == 200 and f"stoppress_{name}_" in text, f"{name}: /metrics"


def test_replicas_restart_policies_pinned_images_and_start_order() -> None:
    for name in SETTINGS:
        assert SERVICES[name]["deploy"]["replicas"] == 2, f"{name} runs as two replicas"
        assert SERVICES[name]["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    for name, service in SERVICES.items():
        policy = service.get("restart")
        expected = {"no", "on-failure"} if name == "topics" else LONG_RUNNING_RESTART
        assert policy in expected, f"{name}: restart {policy!r}"
        if "image" in service:
            assert PINNED.match(service["image"]), f"{name}: image {service['image']} is not pinned to a release"
        else:
            assert service["build"]["target"] in dockerfile_stages(), f"{name}: unknown build target"
        if name not in ("topics", "prometheus", "grafana"):
            assert "healthcheck" in service, f"{name} has no healthcheck"
    stages = dockerfile_stages()
    for stage in stages.values():
        assert stage.base in stages or PINNED.match(stage.base), f"Dockerfile: FROM {stage.base} is not pinned"
    assert {node: SERVICES["topics"]["depends_on"][node]["condition"] for node in KAFKA_NODES} == dict.fromkeys(
        KAFKA_NODES, "service_healthy"
    ), "topics are created once every node is up, so that their replication counts all three"
    assert {dep: cond["condition"] for dep, cond in SERVICES["proxy"]["depends_on"].items()} == dict.fromkeys(
        BEHIND_THE_PROXY, "service_healthy"
    )


def test_kafka_is_three_kraft_nodes_set_up_as_the_local_launcher_sets_up_a_cluster() -> None:
    envs = {node: {key: str(value) for key, value in SERVICES[node]["environment"].items()} for node in KAFKA_NODES}
    voters = ",".join(f"{k}@{node}:9093" for k, node in enumerate(KAFKA_NODES, 1))
    volumes = set()
    for k, (node, env) in enumerate(envs.items(), 1):
        assert SERVICES[node]["image"].split(":")[1] == LocalKafka(REPO / "var" / "unused").kafka_version
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert env["KAFKA_NODE_ID"] == str(k)
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{node}:9092"
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == voters, "every node knows the whole quorum"
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", "topics come from the one-shot, with their specs"
        for key, value in cluster_settings(len(KAFKA_NODES)).items():
            assert env.get(f"KAFKA_{key.upper().replace('.', '_')}") == value, f"{node}: {key} must be {value}"
        volume, _, mounted_at = SERVICES[node]["volumes"][0].partition(":")
        assert volume in COMPOSE["volumes"] and mounted_at == env["KAFKA_LOG_DIRS"], "the log dirs are on a volume"
        volumes.add(volume)
    assert len({env["CLUSTER_ID"] for env in envs.values()}) == 1, "one cluster id, or the nodes never meet"
    assert len(volumes) == len(KAFKA_NODES), "each node keeps its own copy"
    assert (DEPLOY_DIR / "pom.xml").exists()


async def test_topics_one_shot_creates_the_stop_press_topics(kafka: LocalKafka) -> None:
    topics = SERVICES["topics"]
    command = [*topics["entrypoint"], *topics["command"]]
    assert command[0] == "python" and KAFKA_BOOTSTRAP in command
    local = [sys.executable, *(kafka.bootstrap if word == KAFKA_BOOTSTRAP else word for word in command[1:])]
    result = await asyncio.to_thread(subprocess.run, local, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        described = {topic["topic"]: len(topic["partitions"]) for topic in await admin.describe_topics()}
    finally:
        await admin.close()
    assert {spec.name: described.get(spec.name) for spec in TOPICS} == {spec.name: spec.partitions for spec in TOPICS}


def test_nginx_sends_each_port_to_every_replica_of_its_service(monkeypatch: pytest.MonkeyPatch) -> None:
    http = nginx_config().first("http")
    upstreams = {block.args[0]: block.first("server").args[0] for block in http.all("upstream")}
    servers: dict[int, Directive] = {int(server.first("listen").args[0]): server for server in http.all("server")
                                     if server.children}  # fmt: skip
    published = {int(mapping.split(":")[1]) for mapping in SERVICES["proxy"]["ports"]}
    assert set(servers) == published
    for port, server in servers.items():
        location = server.first("location")
        upstream = location.first("proxy_pass").args[0].removeprefix("http://")
        host, _, upstream_port = upstreams[upstream].partition(":")
        assert host in SETTINGS and int(upstream_port) == exposed_port(host) == port, f"listen {port} → {upstream}"
        headers = {d.args[0].lower(): d.args[1] for d in location.all("proxy_set_header")}
        assert headers["x-forwarded-for"] == "$remote_addr", "X-Forwarded-For must be set, not appended to"
        assert location.first("proxy_http_version").args == ["1.1"]
        if host == "push":
            push = settings_from(service_env("push"), PushSettings, monkeypatch)
            assert push.trust_forwarded_for, "behind the proxy, push must take the reader's address from the proxy"
            assert (headers["upgrade"], headers["connection"]) == ("$http_upgrade", "$connection_upgrade")
            assert location.first("proxy_buffering").args == ["off"], "SSE must not wait in a proxy buffer"
            assert _seconds(location.first("proxy_read_timeout").args[0]) > 3 * push.heartbeat_s
        else:
            behind = settings_from(service_env(host), SETTINGS[host], monkeypatch)
            assert _bytes(server.first("client_max_body_size").args[0]) >= behind.max_body_bytes
        if host == "desk":
            assert location.first("proxy_buffering").args == ["off"], "the consoles' stream must not be buffered"
            desk = settings_from(service_env("desk"), DeskSettings, monkeypatch)
            assert _seconds(location.first("proxy_read_timeout").args[0]) > 3 * desk.heartbeat_s


def test_prometheus_scrapes_every_replica_and_grafana_reads_prometheus() -> None:
    mounted = SERVICES["prometheus"]["volumes"][0].split(":")
    assert (REPO / mounted[0]).resolve() == PROMETHEUS
    jobs = load_yaml(PROMETHEUS)["scrape_configs"]
    targets = {}
    for job in jobs:
        (discovery,) = job["dns_sd_configs"]
        (name,) = discovery["names"]
        targets[name] = discovery["port"]
        assert job.get("metrics_path", "/metrics") == "/metrics"
    assert targets == {name: exposed_port(name) for name in SETTINGS}
    datasource = load_yaml(REPO / "deploy/grafana/provisioning/datasources/prometheus.yml")["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090" and "prometheus" in SERVICES
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (REPO / source).exists(), f"bind mount {source} does not exist"


def _seconds(value: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", value).groups()  # type: ignore[union-attr]
    return int(number) * units[unit or "s"]


def _bytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]
