"""Reading the live ticker widget from a test: what it shows, what it applied, where it connected."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

TICKER = "stop-press-ticker"

FIND_ITEM = """(text) => [...document.querySelector("stop-press-ticker").shadowRoot.querySelectorAll("li")]
  .find((li) => li.querySelector(".hl").textContent === text)"""

SHOWN_NOW = f"""(text) => {{
  const li = ({FIND_ITEM})(text);
  return Boolean(li && li.classList.contains("on") && li.checkVisibility({{visibilityProperty: true}}));
}}"""

RECORD_EVENTS = """() => {
  window.applied = [];
  document.querySelector("stop-press-ticker").addEventListener("stoppress:event",
    (e) => window.applied.push({id: e.detail.event.event_id, type: e.detail.event.type,
                                headline: e.detail.event.story.headline}));
}"""


def wait_live(page: Page, timeout_ms: float = 15_000) -> None:
    """Until the widget has its snapshot (or has recovered) and is live."""
    page.wait_for_selector(f'{TICKER}[data-state="live"]', state="attached", timeout=timeout_ms)


def wait_shown(page: Page, headline: str, timeout_ms: float) -> None:
    """Until ``headline`` is the item the BREAKING bar is showing (polled every animation frame)."""
    page.wait_for_function(SHOWN_NOW, arg=headline, timeout=timeout_ms)


def wait_gone(page: Page, headline: str, timeout_ms: float) -> None:
    page.wait_for_function(f"(text) => !({FIND_ITEM})(text)", arg=headline, timeout=timeout_ms)


def headlines(page: Page) -> list[str]:
    """The headlines the widget holds, best first (its ``stories`` property)."""
    found: list[str] = page.evaluate(f'document.querySelector("{TICKER}").stories.map((s) => s.headline)')
    return found


def applied_events(page: Page) -> list[dict[str, Any]]:
    """Events applied since :data:`RECORD_EVENTS` ran: id, type, headline."""
    events: list[dict[str, Any]] = page.evaluate("window.applied")
    return events


def item_html(page: Page, headline: str) -> dict[str, Any]:
    """The item showing ``headline``: its text, whether it is a link, and the elements inside it."""
    found: dict[str, Any] = page.evaluate(
        f"""(text) => {{
          const li = ({FIND_ITEM})(text);
          return {{text: li.querySelector(".hl").textContent, links: li.querySelectorAll("a").length,
                   tags: [...li.querySelectorAll("*")].map((el) => el.tagName.toLowerCase())}};
        }}""",
        headline,
    )
    return found
