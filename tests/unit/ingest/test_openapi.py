"""The OpenAPI description follows the shared model and says what the API really does."""

from __future__ import annotations

import schemathesis

from stoppress.ingest.openapi import openapi_document, submission_schema
from stoppress.ingest.sanitize import CLIENT_FIELDS, SET_BY_INGEST
from stoppress.ingest.settings import IngestSettings
from stoppress.shared.models import Headline


def test_the_item_schema_is_the_headline_model_minus_what_ingest_sets() -> None:
    schema = submission_schema()
    fields = set(schema["properties"])
    assert fields == set(CLIENT_FIELDS)
    assert not fields & SET_BY_INGEST
    assert fields - {"guid", "format", "source_name"} <= set(Headline.model_fields)
    assert schema["required"] == ["headline"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["urgency"]["maximum"] == 9


def test_limits_after_cleaning_are_described_and_wire_limits_enforced() -> None:
    headline = submission_schema()["properties"]["headline"]
    assert "1-300 characters" in headline["description"]
    assert headline["maxLength"] == 4000


def test_the_document_is_openapi_3_1_with_this_replicas_limits() -> None:
    document = openapi_document(IngestSettings(max_batch_items=50, max_body_bytes=4096))
    assert document["openapi"] == "3.1.0"
    assert document["components"]["schemas"]["Batch"]["properties"]["items"]["maxItems"] == 50
    responses = document["paths"]["/v1/headlines"]["post"]["responses"]
    assert {"202", "207", "401", "403", "413", "415", "422", "429", "503", "default"} <= set(responses)
    assert "Retry-After" in responses["503"]["headers"]
    loaded = schemathesis.openapi.from_dict(document)
    assert loaded["/v1/headlines"]["POST"].label == "POST /v1/headlines"
    assert loaded["/readyz"]["GET"].label == "GET /readyz"
