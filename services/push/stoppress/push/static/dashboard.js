// Stop Press live operations dashboard.
// Metrics: every service instance's MetricsSnapshot, pushed over SSE from GET /v1/ops/sse (event: metrics).
// Stories: the <stop-press-ticker> element on the page (the public widget protocol), read through its
// `stories` property and its stoppress:* events. Nothing is polled; the 2 s tick only re-draws.
import { MetricsWindow, quantile, total } from "/static/opsmath.js";

/** The samples this page reads (docs/widget.md lists them); registered by each service's metrics module. */
const METRICS = {
  ingested: { service: "ingest", name: "stoppress_ingest_accepted_total" },
  lag: { service: "ticker", name: "stoppress_ticker_consumer_lag" },
  processing: { service: "ticker", name: "stoppress_ticker_processing_seconds" },
  latency: { service: "push", name: "stoppress_push_e2e_latency_seconds" },
  connections: { service: "push", name: "stoppress_push_connections", by: "transport" },
  slow: { service: "push", name: "stoppress_push_slow_consumer_disconnects_total" },
};
const TICK_MS = 2000;
const HISTORY_POINTS = 60;
const STALE_MS = 15000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30000;
const TOP_STORIES = 15;
/** One line per service in the instances table: its headline figures from its latest snapshot. */
const INSTANCE_FIGURES = {
  ingest: [["stoppress_ingest_accepted_total", "accepted"], ["stoppress_ingest_refused_total", "refused"]],
  ticker: [["stoppress_ticker_headlines_processed_total", "processed"], ["stoppress_ticker_consumer_lag", "waiting"]],
  push: [["stoppress_push_connections", "client", "clients"], ["stoppress_push_events_total", "event", "events"]],
  desk: [["stoppress_desk_commands_total", "command", "commands"], ["stoppress_desk_consoles", "console", "consoles"]],
};

const metrics = new MetricsWindow(60000, STALE_MS);
const history = { ingest: [], lag: [], latency: [], clients: [], slow: [] };
const $ = (id) => document.getElementById(id);

function text(node, value) {
  if (node.textContent !== value) node.textContent = value;
}

function format(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-GB");
  return value.toFixed(Number.isInteger(value) ? 0 : digits);
}

/** Seconds as milliseconds with as many decimals as are meaningful: "0.42 ms", "7.5 ms", "246 ms". */
function ms(seconds) {
  if (seconds === null) return "—";
  const value = seconds * 1000;
  return `${value.toFixed(value < 1 ? 2 : value < 100 ? 1 : 0)} ms`;
}

// ---- the ops stream --------------------------------------------------------------------------------------

let attempt = 0;

function connectOps() {
  const source = new EventSource("/v1/ops/sse");
  source.addEventListener("metrics", (event) => {
    let snapshot;
    try { snapshot = JSON.parse(event.data); } catch { return; }
    if (!snapshot || typeof snapshot.samples !== "object" || !snapshot.service) return;
    attempt = 0;
    const first = metrics.instances.size === 0;
    metrics.add(snapshot, Date.now());
    setFeedState("live", "Live");
    if (first) draw(false);
  });
  source.onerror = () => {
    source.close();
    setFeedState("reconnecting", "Reconnecting to metrics…");
    const delay = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt++, 16));
    setTimeout(connectOps, delay);
  };
}

function setFeedState(state, label) {
  const node = $("feed-state");
  node.dataset.state = state;
  text(node, label);
}

// ---- drawing ---------------------------------------------------------------------------------------------

function remember(series, value) {
  const points = history[series];
  points.push(value);
  if (points.length > HISTORY_POINTS) points.shift();
}

function spark(card, points) {
  const known = points.filter((p) => p !== null);
  const max = Math.max(1e-9, ...known);
  const step = 120 / (HISTORY_POINTS - 1);
  const offset = HISTORY_POINTS - points.length;
  const coords = points.map((p, i) => (p === null ? null : `${((offset + i) * step).toFixed(1)},${(30 - (p / max) * 26).toFixed(1)}`));
  card.querySelector("polyline").setAttribute("points", coords.filter(Boolean).join(" "));
}

function kpi(id, value, detail, series, tone) {
  const card = $(id);
  text(card.querySelector("[data-value]"), value);
  if (detail !== undefined) text(card.querySelector("[data-detail]"), detail);
  card.dataset.tone = tone || "";
  spark(card, history[series]);
}

function draw(record) {
  const now = Date.now();
  const m = METRICS;
  // A counter with no samples yet (no labelled child touched) is 0 while its service reports at all.
  const zeroIfLive = (service, value) => (value === null && metrics.live(service, now).length ? 0 : value);
  const ingestRate = zeroIfLive("ingest", metrics.rate(m.ingested.service, m.ingested.name, null, now));
  const lag = metrics.gauge(m.lag.service, m.lag.name, null, now);
  const processing = quantile(0.5, metrics.windowBuckets(m.processing.service, m.processing.name, null, now).buckets);
  const latency = metrics.windowBuckets(m.latency.service, m.latency.name, null, now);
  const p50 = quantile(0.5, latency.buckets);
  const byTransport = metrics.gaugeBy(m.connections.service, m.connections.name, m.connections.by, now);
  const clients = Object.keys(byTransport).length ? Object.values(byTransport).reduce((a, b) => a + b, 0) : null;
  const slow = zeroIfLive("push", metrics.gauge(m.slow.service, m.slow.name, null, now));
  const slowRate = metrics.rate(m.slow.service, m.slow.name, null, now);
  if (record) {
    remember("ingest", ingestRate);
    remember("lag", lag);
    remember("latency", p50 === null ? null : p50 * 1000);
    remember("clients", clients);
    remember("slow", slow);
  }
  kpi("kpi-ingest", format(ingestRate, 2), undefined, "ingest");
  kpi("kpi-lag", format(lag, 0), processing === null ? "Headlines waiting for the ticker"
    : `Waiting for the ticker · decided in ${ms(processing)} p50`, "lag", lag > 1000 ? "bad" : lag > 100 ? "warn" : "");
  kpi("kpi-latency", p50 === null ? "—" : ms(p50).slice(0, -3),
    `Ingest → gateway send · ${latency.windowed ? "last 60 s" : "since start"}`, "latency",
    p50 > 0.05 ? "warn" : "");
  const parts = Object.entries(byTransport).sort().map(([k, v]) => `${k.toUpperCase() || "?"} ${format(v, 0)}`);
  kpi("kpi-clients", format(clients, 0), parts.length ? parts.join(" · ") : "WebSocket · SSE", "clients");
  kpi("kpi-slow", format(slow, 0),
    slowRate ? `${format(slowRate * 60, 1)}/min in the last 60 s` : "Closed with 4008", "slow", slowRate ? "warn" : "");
  drawLatency(latency);
  drawInstances(now);
}

function drawLatency(latency) {
  text($("latency-scope"), latency.windowed ? "last 60 s" : "since start");
  text($("p50"), ms(quantile(0.5, latency.buckets)));
  text($("p90"), ms(quantile(0.9, latency.buckets)));
  text($("p99"), ms(quantile(0.99, latency.buckets)));
  const finite = latency.buckets.filter((b) => b.le !== Infinity);
  let highest = null;
  let previous = 0;
  const counts = finite.map((b) => {
    const inBucket = b.count - previous;
    previous = b.count;
    if (inBucket > 0) highest = b.le;
    return inBucket;
  });
  text($("pmax"), highest === null ? "—" : `≤ ${ms(highest)}`);
  const chart = $("histogram");
  const peak = Math.max(1, ...counts);
  chart.replaceChildren(...(counts.some((c) => c > 0) ? finite.map((b, i) => {
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.style.height = `${(counts[i] / peak) * 100}%`;
    bar.title = `≤ ${ms(b.le)}: ${counts[i]}`;
    const label = document.createElement("span");
    label.textContent = b.le < 1 ? `${Math.round(b.le * 1000)}` : `${b.le}s`;
    bar.append(label);
    return bar;
  }) : []));
}

function drawInstances(now) {
  const stale = (entry) => now - entry.seenAt > STALE_MS;
  const rows = [...metrics.instances.values()].sort((a, b) => a.service.localeCompare(b.service) ||
    stale(a) - stale(b) || a.instance.localeCompare(b.instance));
  if (!rows.length) return;
  $("instances").replaceChildren(...rows.map((entry) => {
    const age = Math.max(0, Math.round((now - entry.seenAt) / 1000));
    const tr = document.createElement("tr");
    tr.dataset.service = entry.service;
    tr.dataset.stale = String(stale(entry));
    const latest = entry.history[entry.history.length - 1].samples;
    const figures = (INSTANCE_FIGURES[entry.service] || [])
      .map(([name, one, many]) => [total(latest, name, null), one, many || one])
      .filter(([value]) => value !== null)
      .map(([value, one, many]) => `${format(value, 0)} ${value === 1 ? one : many}`);
    const cells = [entry.service, entry.instance, figures.join(" · "), age < 2 ? "just now" : `${age} s ago`];
    cells.forEach((value, i) => {
      const td = document.createElement("td");
      td.textContent = value;
      if (i === 0) td.className = "svc";
      if (i === 2) td.className = "figures";
      if (i === 3 && stale(entry)) td.className = "stale";
      tr.append(td);
    });
    return tr;
  }));
}

// ---- top stories (from the widget) -----------------------------------------------------------------------

function drawStories(ticker) {
  const safeHref = customElements.get("stop-press-ticker").safeHref;
  const stories = ticker.stories;
  text($("stories-count"), `${stories.length} live`);
  const rows = stories.slice(0, TOP_STORIES).map((story, index) => {
    const tr = document.createElement("tr");
    tr.dataset.storyId = story.story_id;
    const cell = (cls, content) => {
      const td = document.createElement("td");
      if (cls) td.className = cls;
      if (typeof content === "string") td.textContent = content;
      else td.append(content);
      tr.append(td);
      return td;
    };
    cell("num", String(index + 1));
    const badge = document.createElement("span");
    badge.className = `badge ${story.level}`;
    badge.textContent = story.level;
    cell("", badge);
    const href = safeHref(story.url);
    const headline = document.createElement(href ? "a" : "span");
    headline.textContent = story.headline;
    if (href) { headline.href = href; headline.rel = "noopener"; }
    const td = cell("headline", headline);
    if (story.source_names && story.source_names.length) {
      const names = document.createElement("span");
      names.className = "sources";
      names.textContent = story.source_names.join(", ");
      td.append(names);
    }
    cell("num", String(story.sources));
    cell("num", Number(story.score).toFixed(2));
    const when = new Date(story.updated_at);
    cell("", Number.isNaN(when.getTime()) ? "" : when.toLocaleTimeString("en-GB"));
    return tr;
  });
  if (!rows.length) {
    const tr = document.createElement("tr");
    tr.innerHTML = '<td colspan="6" class="empty">No live stories right now</td>';
    rows.push(tr);
  }
  $("stories").replaceChildren(...rows);
}

customElements.whenDefined("stop-press-ticker").then(() => {
  const ticker = $("stream");
  const redraw = () => drawStories(ticker);
  ticker.addEventListener("stoppress:snapshot", redraw);
  ticker.addEventListener("stoppress:event", redraw);
  if (ticker.dataset.state === "live") redraw();
});

connectOps();
setInterval(() => draw(true), TICK_MS);
