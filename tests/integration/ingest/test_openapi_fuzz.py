"""Schemathesis against the served OpenAPI description, on a real ingest process and the real broker.

Generated requests (valid and invalid bodies, both media types) must never
get a 5xx, and every answer must match the description: its status codes,
content types, headers and body schemas. Bounded: 150 generated requests
per generation mode for ``POST /v1/headlines``, a few for each GET.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.ingest.conftest import FAST_KEY, RunningIngest

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def served_schema(ingest: RunningIngest) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{ingest.url}/v1/openapi.json")


@pytest.mark.parametrize(
    ("method", "path", "mode", "examples"),
    [
        ("POST", "/v1/headlines", GenerationMode.POSITIVE, 150),
        ("POST", "/v1/headlines", GenerationMode.NEGATIVE, 150),
        ("GET", "/v1/openapi.json", GenerationMode.POSITIVE, 5),
        ("GET", "/healthz", GenerationMode.POSITIVE, 5),
        ("GET", "/readyz", GenerationMode.POSITIVE, 5),
        ("GET", "/metrics", GenerationMode.POSITIVE, 5),
    ],
)
def test_no_server_errors_and_answers_match_the_description(
    served_schema: schemathesis.BaseSchema, ingest: RunningIngest, *, method: str, path: str, mode: GenerationMode,
    examples: int,
) -> None:
    operation = served_schema[path][method]

    @given(operation.as_strategy(mode))
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(base_url=ingest.url, headers={"Authorization": f"Bearer {FAST_KEY}"}, checks=CHECKS,
                               timeout=10)

    check()
