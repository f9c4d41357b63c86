"""The live operations dashboard on the real stack: metrics over /v1/ops/sse, stories over the widget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from stoppress.cli.stack import Stack
from tests.browser.publishing import published, unique_guid

pytestmark = pytest.mark.browser

NUMBER = re.compile(r"^\d[\d,]*(\.\d+)?$")
REPORTS_MS = 15_000
"""Services publish a MetricsSnapshot every 2 s; allow for start-up and a missed tick or two."""


def test_dashboard_shows_live_metrics_and_top_stories(
    stack: Stack, page: Page, front_page_news: tuple[tuple[int, str], ...], screenshots: Path
) -> None:
    headline = "Tram services resume across Manchester after power fault"
    published(stack, unique_guid("dash"), headline, urgency=2)
    page.goto(f"{stack.config.push_url}/dashboard")

    expect(page.locator("#feed-state")).to_have_attribute("data-state", "live", timeout=REPORTS_MS)
    for service in ("ingest", "ticker", "push"):
        reporting = page.locator(f'#instances tr[data-service="{service}"][data-stale="false"]')
        expect(reporting.first).to_be_visible(timeout=REPORTS_MS)
    expect(page.locator("#stories tr[data-story-id]").first).to_be_visible()
    expect(page.locator("#stories")).to_contain_text(headline)
    expect(page.locator("#stories .badge").first).to_have_text(re.compile("flash|breaking|urgent|normal"))

    for follow_up in ("Harbour wall repairs finish early in Whitby", "New cycle path links Bath and Bristol"):
        published(stack, unique_guid("dash"), follow_up, urgency=4)
    clients = page.locator("#kpi-clients [data-value]")
    expect(clients).to_have_text(NUMBER, timeout=REPORTS_MS)
    assert int(clients.inner_text().replace(",", "")) >= 1  # at least this page's own widget
    expect(page.locator("#kpi-clients [data-detail]")).to_contain_text("WS")
    expect(page.locator("#kpi-latency [data-value]")).to_have_text(NUMBER, timeout=REPORTS_MS)
    expect(page.locator("#p99")).to_have_text(re.compile(r"ms$"))
    expect(page.locator("#kpi-ingest [data-value]")).to_have_text(NUMBER, timeout=REPORTS_MS)
    expect(page.locator("#kpi-slow [data-value]")).to_have_text(NUMBER)

    page.wait_for_timeout(6_000)  # a few more reports, so the sparklines have a shape
    page.screenshot(path=str(screenshots / "dashboard.png"), full_page=True)
