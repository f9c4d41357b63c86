"""The local Stop Press stack: ingest, ticker, push and the editor's desk as separate processes on one broker.

One definition of "the stack" serves ``stoppress up``, the end-to-end test
fixtures and the benchmarks. The environment variable names below are the
services' own settings (see each service's ``settings.py``); this module only
chooses values for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stoppress.cli.processes import ServiceProcess

DEFAULT_PORTS = {"push": 8080, "ingest": 8081, "desk": 8082, "ticker": 6066}


@dataclass(frozen=True)
class StackConfig:
    """Where the stack's pieces listen and keep their state."""

    bootstrap: str
    demo_key: str
    data_dir: Path
    demo_editor_key: str | None = None
    """The key of the desk's ``demo-editor``; unset, the desk has no editor (configure them, docs/desk.md)."""
    host: str = "127.0.0.1"
    ingest_port: int = DEFAULT_PORTS["ingest"]
    ticker_port: int = DEFAULT_PORTS["ticker"]
    push_port: int = DEFAULT_PORTS["push"]
    desk_port: int = DEFAULT_PORTS["desk"]
    log_dir: Path | None = None
    """Unset: service output is echoed to the terminal behind ``[name]``."""

    @property
    def ingest_url(self) -> str:
        return f"http://{self.host}:{self.ingest_port}"

    @property
    def push_url(self) -> str:
        return f"http://{self.host}:{self.push_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.push_port}/v1/ws"

    @property
    def ticker_url(self) -> str:
        return f"http://{self.host}:{self.ticker_port}"

    @property
    def desk_url(self) -> str:
        return f"http://{self.host}:{self.desk_port}"


class Stack:
    """The four services of one local stack; start in dependency order, stop in reverse."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        common = {"STOPPRESS_KAFKA_BOOTSTRAP": config.bootstrap}
        self.ticker = self._service(
            "ticker",
            f"{config.ticker_url}/healthz",
            {
                **common,
                "STOPPRESS_TICKER_WEB_HOST": config.host,
                "STOPPRESS_TICKER_WEB_PORT": str(config.ticker_port),
                "STOPPRESS_TICKER_DATA_DIR": str(config.data_dir / "ticker"),
            },
        )
        self.push = self._service(
            "push",
            f"{config.push_url}/readyz",
            {**common, "STOPPRESS_PUSH_HOST": config.host, "STOPPRESS_PUSH_PORT": str(config.push_port)},
        )
        self.ingest = self._service(
            "ingest",
            f"{config.ingest_url}/healthz",
            {
                **common,
                "STOPPRESS_INGEST_HOST": config.host,
                "STOPPRESS_INGEST_PORT": str(config.ingest_port),
                "STOPPRESS_INGEST_DEMO_KEY": config.demo_key,
                "STOPPRESS_INGEST_STATE_DIR": str(config.data_dir / "ingest"),
            },
        )
        desk_env = {**common, "STOPPRESS_DESK_HOST": config.host, "STOPPRESS_DESK_PORT": str(config.desk_port)}
        if config.demo_editor_key:
            desk_env["STOPPRESS_DESK_DEMO_EDITOR_KEY"] = config.demo_editor_key
        self.desk = self._service("desk", f"{config.desk_url}/readyz", desk_env)

    def _service(self, name: str, health_url: str, env: dict[str, str]) -> ServiceProcess:
        log_path = None if self.config.log_dir is None else self.config.log_dir / f"{name}.log"
        return ServiceProcess(name, f"stoppress.{name}", env, health_url, log_path)

    @property
    def services(self) -> tuple[ServiceProcess, ...]:
        """Start order: the ticker first (it must be consuming before headlines arrive), ingest last."""
        return (self.ticker, self.push, self.desk, self.ingest)

    def start(self, timeout_s: float = 90.0) -> None:
        """Start every service and wait until each is healthy (ready, for push)."""
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            for service in self.services:
                service.start()
            for service in self.services:
                service.wait_healthy(timeout_s)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every service, ingest first, so nothing new enters a half-stopped pipeline."""
        for service in reversed(self.services):
            service.stop()
