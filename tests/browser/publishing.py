"""Publishing headlines the way an editor's CMS does: ``POST /v1/headlines`` on ingest with the demo key."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from stoppress.cli.stack import Stack


@dataclass(frozen=True)
class Answer:
    """Ingest's HTTP status and JSON body."""

    status: int
    body: dict[str, Any]


def unique_guid(prefix: str) -> str:
    """A guid no other test (or earlier run on the same broker) has used."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def publish(stack: Stack, guid: str, headline: str, *, urgency: int = 5, version: int = 1,
            pubstatus: str = "usable", url: str | None = None) -> Answer:
    """POST one canonical item as the demo source; returns the answer, also when it is a refusal."""
    item: dict[str, Any] = {"guid": guid, "headline": headline, "urgency": urgency, "version": version,
                            "pubstatus": pubstatus, "language": "en"}
    if url is not None:
        item["url"] = url
    request = urllib.request.Request(
        f"{stack.config.ingest_url}/v1/headlines",
        data=json.dumps(item).encode(),
        headers={"Authorization": f"Bearer {stack.config.demo_key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, json.loads(response.read() or b"{}"))
    except urllib.error.HTTPError as refused:
        return Answer(refused.code, json.loads(refused.read() or b"{}"))


def published(stack: Stack, guid: str, headline: str, **fields: Any) -> None:
    """:func:`publish` and insist on ingest's 202 (the broker has the headline)."""
    answer = publish(stack, guid, headline, **fields)
    assert answer.status == 202, f"ingest refused {headline!r}: {answer.status} {answer.body}"
