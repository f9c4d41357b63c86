"""Fixtures for the client's integration tests: private ticker topics and a real gateway process."""

from tests.support.gateway import gateway, gateway_env, topics

__all__ = ["gateway", "gateway_env", "topics"]
