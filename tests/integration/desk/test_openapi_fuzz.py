"""Schemathesis against the desk's served OpenAPI description, on a real desk process, ticker and broker.

Generated requests (valid and invalid bodies for every action, on a real story and on made-up ones) must
never get a 5xx, and every answer must match the description: status codes, content types, headers, bodies.
"""

from __future__ import annotations

import asyncio
import uuid
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

from stoppress.cli.stack import Stack
from stoppress.shared.models import DESK_ACTIONS
from tests.integration.desk.conftest import FAST_KEY, RunningDesk, new_story

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def served_schema(second_desk: RunningDesk) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{second_desk.url}/v1/openapi.json")


@pytest.fixture(scope="module")
def real_story(stack: Stack) -> str:
    return asyncio.run(new_story(stack, f"Schemathesis target: storm closes the Severn bridges {uuid.uuid4().hex[:6]}"))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("action", DESK_ACTIONS)
def test_commands_never_get_a_server_error_and_answers_match_the_description(
    served_schema: schemathesis.BaseSchema, second_desk: RunningDesk, real_story: str, action: str,
    mode: GenerationMode,
) -> None:
    operation = served_schema[f"/v1/desk/stories/{{story_id}}/{action}"]["POST"]

    @given(operation.as_strategy(mode))
    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case[Any]) -> None:
        if mode is GenerationMode.POSITIVE and case.path_parameters is not None:
            case.path_parameters["story_id"] = real_story
        case.call_and_validate(base_url=second_desk.url, headers={"Authorization": f"Bearer {FAST_KEY}"},
                               checks=CHECKS, timeout=10)  # fmt: skip

    check()


@pytest.mark.parametrize("path", ["/v1/desk/stories", "/v1/desk/stories/{story_id}", "/v1/desk/log",
                                  "/v1/desk/whoami"])
def test_reads_never_get_a_server_error(served_schema: schemathesis.BaseSchema, second_desk: RunningDesk,
                                        path: str) -> None:  # fmt: skip
    operation = served_schema[path]["GET"]

    @given(operation.as_strategy(GenerationMode.NEGATIVE if "{" not in path else GenerationMode.POSITIVE))
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(base_url=second_desk.url, headers={"Authorization": f"Bearer {FAST_KEY}"},
                               checks=CHECKS, timeout=10)  # fmt: skip

    check()
