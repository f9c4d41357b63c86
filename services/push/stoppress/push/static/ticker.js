/*! Stop Press ticker widget: <stop-press-ticker>. Plain JS, no build step.
 * Embedding, attributes and styling: docs/widget.md. Protocol: docs/protocol.md.
 * Headlines are untrusted: inserted with textContent only; links only for http(s) URLs.
 * The file is pure ASCII (non-ASCII text is escaped) so it works on pages in any charset. */
(() => {
  "use strict";
  const TAG = "stop-press-ticker";
  if (customElements.get(TAG)) return;

  const script = document.currentScript;
  const SCRIPT_ORIGIN = (() => {
    try { return new URL(script.src).origin; } catch { return location.origin; }
  })();
  const RANK = { flash: 0, breaking: 1, urgent: 2, normal: 3 };
  const FILTERS = ["levels", "categories", "regions", "languages"];
  // Policy violation (a filter attribute the server refuses), unauthorised, forbidden: retrying cannot help.
  const NO_RETRY = [1008, 4001, 4003];
  const TOO_MANY = 4029;
  // WebSocket ended this many times in a row before the server's welcome, and never worked on this page:
  // assume a proxy or firewall blocks it. Once WebSocket has worked, failures mean the server is away.
  const WS_FAILURES_BEFORE_SSE = 2;
  const BACKOFF_BASE_MS = 500;
  const BACKOFF_CAP_MS = 30000;
  // After 4029 the server asked us to slow down. So it may have when a link fails before it opens: the gateway
  // answers over-limit (429) and shutting-down (503) requests with a plain HTTP status, which the browser hides
  // from scripts (close 1006, or an EventSource error), like a network failure. That counts for SSE always, and
  // for WebSocket once it has worked on this page (before that, it may be a proxy blocking it: fall back fast).
  const BUSY_BASE_MS = 5000;
  const HEARTBEAT_MS = 30000; // until the server's welcome says otherwise
  const POLITE_GAP_MS = 20000; // at most one polite announcement per 20 s: screen readers stay usable
  const MAX_SHOWN = 20;
  const MAX_SEEN = 2000;

  const CSS = `
:host{display:block;container-type:inline-size;--sp-bg:#121212;--sp-fg:#fff;--sp-label-bg:#c8102e;--sp-label-fg:#fff;--sp-flash:#ffd400;
--sp-breaking:#ff6b6b;--sp-urgent:#ffb347;--sp-muted:rgba(255,255,255,.65);--sp-height:2.75rem;--sp-font:inherit;
--sp-radius:0;font-family:var(--sp-font);contain:content}
:host([hidden]){display:none}
.bar{display:flex;align-items:stretch;min-height:var(--sp-height);background:var(--sp-bg);color:var(--sp-fg);
border-radius:var(--sp-radius);overflow:hidden;line-height:1.3}
.label{flex:none;display:flex;align-items:center;padding:0 .9em;background:var(--sp-label-bg);color:var(--sp-label-fg);
font-weight:800;letter-spacing:.08em;font-size:.85em;text-transform:uppercase}
.view{position:relative;flex:1;min-width:0;overflow:hidden}
.msg,.item{position:absolute;inset:0;display:flex;align-items:center;gap:.6em;padding:0 1em;white-space:nowrap}
.msg{color:var(--sp-muted);margin:0}
.msg[hidden]{display:none}
.item{visibility:hidden;opacity:0;transform:translateY(60%);transition:opacity .35s,transform .35s,visibility 0s .35s}
.item.on{visibility:visible;opacity:1;transform:none;transition:opacity .35s,transform .35s}
.scroll .item,.static .item{position:static;visibility:visible;opacity:1;transform:none;padding:0 1.5em 0 0}
.scroll ul,.static ul{display:flex;height:100%;align-items:center;padding-left:1em}
.static ul{overflow-x:auto}
ul{list-style:none;margin:0;padding:0;height:100%}
.lvl{flex:none;font-size:.72em;font-weight:800;letter-spacing:.06em;padding:.15em .45em;border-radius:2px;
border:1px solid currentColor}
.lvl:empty{display:none}
[data-level=flash] .lvl{background:var(--sp-flash);border-color:var(--sp-flash);color:#000}
[data-level=flash] .hl{color:var(--sp-flash);font-weight:700}
[data-level=breaking] .lvl{color:var(--sp-breaking)}
[data-level=breaking] .hl{font-weight:700}
[data-level=urgent] .lvl{color:var(--sp-urgent)}
.hl{color:inherit;text-decoration:none;overflow:hidden;text-overflow:ellipsis}
a.hl:hover,a.hl:focus-visible{text-decoration:underline}
a:focus-visible,button:focus-visible{outline:2px solid var(--sp-flash);outline-offset:2px}
.meta,time{flex:none;color:var(--sp-muted);font-size:.8em;font-variant-numeric:tabular-nums}
.side{flex:none;display:flex;align-items:center;gap:.5em;padding:0 .6em}
.status,.count{font-size:.75em;color:var(--sp-muted);font-variant-numeric:tabular-nums}
.count:empty{display:none}
.status:empty{display:none}
.status::before{content:"";display:inline-block;width:.5em;height:.5em;border-radius:50%;margin-right:.4em;
background:var(--sp-urgent)}
button{font:inherit;color:var(--sp-muted);background:none;border:0;padding:.3em;cursor:pointer;display:flex}
button:hover{color:var(--sp-fg)}
button[hidden]{display:none}
svg{width:1em;height:1em;fill:currentColor}
:host([data-state=reconnecting]) .view{opacity:.7}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (prefers-reduced-motion:reduce){.item,.item.on{transition:none;transform:none}}
@container (max-width:36rem){.label{padding:0 .6em;font-size:.75em}
.item time,.item .meta,.count,[data-level=breaking] .lvl,[data-level=urgent] .lvl{display:none}
.rotate .item{white-space:normal;padding:0 .7em}.rotate .hl{display:-webkit-box;-webkit-line-clamp:2;
-webkit-box-orient:vertical;font-size:.9em;line-height:1.25}}
`;
  const PAUSE = '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M4 3h3v10H4zm5 0h3v10H9z"/></svg>';
  const PLAY = '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M4 2l10 6-10 6z"/></svg>';

  /** The URL as a string if it is absolute http(s), else null: nothing else may become a link. */
  function safeHref(url) {
    if (typeof url !== "string") return null;
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch { return null; }
  }

  /** When an editor pinned the story (ms since the epoch), or 0 if it is not pinned. */
  function pinnedAt(story) {
    return (story.pinned_at && Date.parse(story.pinned_at)) || 0;
  }

  /** Best first, as the gateway orders snapshots: pinned stories first, the latest pin first; then level,
   * then score, then the most recently updated. */
  function byRank(a, b) {
    return pinnedAt(b) - pinnedAt(a) || (RANK[a.level] ?? 9) - (RANK[b.level] ?? 9) || b.score - a.score ||
      String(b.updated_at).localeCompare(String(a.updated_at));
  }

  /** Full jitter: a random delay in [0, min(cap, base * 2^attempt)) ms. */
  function backoffMs(attempt, base) {
    return Math.random() * Math.min(BACKOFF_CAP_MS, base * 2 ** Math.min(attempt, 16));
  }

  function el(tag, cls) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    return node;
  }

  class StopPressTicker extends HTMLElement {
    static get observedAttributes() {
      return ["server", "label", "mode", "interval", "transport", "token", ...FILTERS];
    }

    /** The one rule for links, shared with pages that show stories themselves (e.g. the dashboard). */
    static safeHref(url) { return safeHref(url); }

    constructor() {
      super();
      const root = this.attachShadow({ mode: "open" });
      root.innerHTML = `<style>${CSS}</style><div class="bar" part="bar" role="region"><span class="label" part="label"></span>` +
        `<div class="view" part="viewport"><p class="msg" part="message">Loading latest headlines\u2026</p>` +
        `<ul part="list"></ul></div><div class="side"><span class="status" part="status" role="status"></span>` +
        `<span class="count" part="count" aria-hidden="true"></span>` +
        `<button type="button" part="toggle" hidden></button></div>` +
        `<div class="sr" aria-live="polite"></div><div class="sr" aria-live="assertive"></div></div>`;
      const $ = (s) => root.querySelector(s);
      this._ui = {
        bar: $(".bar"), label: $(".label"), view: $(".view"), msg: $(".msg"), list: $("ul"), status: $(".status"),
        count: $(".count"), toggle: $("button"), polite: $("[aria-live=polite]"),
        assertive: $("[aria-live=assertive]"),
      };
      this._stories = new Map(); // story_id -> StoryView
      this._items = new Map(); // story_id -> <li>
      this._seen = new Set(); // event_ids already applied (bounded)
      this._cursor = null;
      this._current = null; // story_id shown in rotate mode
      this._latestPin = 0; // the latest pin time shown (ms)
      this._paused = false;
      this._hovered = false;
      this._lastPolite = 0;
      this._motion = matchMedia("(prefers-reduced-motion: reduce)");
      this._onMotion = () => this._layout();
      const hover = (on) => () => { this._hovered = on; this._syncMotion(); };
      this._ui.view.addEventListener("mouseenter", hover(true));
      this._ui.view.addEventListener("mouseleave", hover(false));
      this._ui.view.addEventListener("focusin", hover(true));
      this._ui.view.addEventListener("focusout", hover(false));
      this._ui.toggle.addEventListener("click", () => { this._paused = !this._paused; this._syncMotion(); });
    }

    /** The current stories, best first (copies of the server's StoryView objects). */
    get stories() { return [...this._stories.values()].sort(byRank).map((s) => ({ ...s })); }

    /** The last cursor received: opaque, used to resume without gaps. */
    get cursor() { return this._cursor; }

    connectedCallback() {
      this._started = true;
      this._label(this.getAttribute("label"));
      if (!this._stories.size) this._setState("loading");
      this._motion.addEventListener("change", this._onMotion);
      this._layout();
      this._connect();
    }

    disconnectedCallback() {
      this._started = false;
      this._motion.removeEventListener("change", this._onMotion);
      this._disconnect();
      clearInterval(this._rotation);
      this._rotation = null;
      if (this._scroller) this._scroller.cancel();
      this._scroller = null;
    }

    attributeChangedCallback(name, old, value) {
      if (!this._started || old === value) return; // before connectedCallback: it reads every attribute
      if (name === "label") this._label(value);
      else if (name === "mode" || name === "interval") this._layout(true);
      else { // a new server or filter is a new subscription: start from a fresh snapshot
        this._cursor = null;
        this._wsFailures = 0;
        this._disconnect();
        this._connect();
      }
    }

    _label(text) {
      this._ui.label.textContent = text || "BREAKING";
      this._ui.bar.setAttribute("aria-label", `${this._ui.label.textContent} headlines`);
    }

    // ---- connection -----------------------------------------------------------------------------------------

    _base() {
      const url = new URL(this.getAttribute("server") || SCRIPT_ORIGIN, location.href);
      const secure = url.protocol === "https:" || url.protocol === "wss:";
      const path = url.pathname.replace(/\/$/, "");
      return { ws: `${secure ? "wss" : "ws"}://${url.host}${path}`, http: `${secure ? "https" : "http"}://${url.host}${path}` };
    }

    _query() {
      const params = new URLSearchParams();
      for (const name of FILTERS) {
        const value = (this.getAttribute(name) || "").trim();
        if (value) params.set(name, value);
      }
      const token = this.getAttribute("token");
      if (token) params.set("token", token);
      if (this._cursor) params.set("cursor", this._cursor);
      const text = params.toString();
      return text ? `?${text}` : "";
    }

    _useSse() {
      return this.getAttribute("transport") === "sse" || typeof WebSocket !== "function" ||
        (!this._wsWorked && (this._wsFailures || 0) >= WS_FAILURES_BEFORE_SSE);
    }

    _connect() {
      clearTimeout(this._retryTimer);
      this._stopped = false;
      this._refusal = null;
      this._welcomed = false;
      let base;
      try { base = this._base(); } catch {
        this._setState("offline", "Invalid server address");
        return;
      }
      if (this._useSse()) this._openSse(base.http);
      else this._openWs(base.ws);
    }

    _openWs(base) {
      const ws = new WebSocket(`${base}/v1/ws${this._query()}`);
      const link = this._link = { transport: "ws", close: () => ws.close(1000) };
      this.dataset.transport = "ws";
      ws.onopen = () => { link.opened = true; if (this._link === link) this._watch(); };
      ws.onmessage = (e) => { if (this._link === link) this._receive(e.data); };
      ws.onclose = (e) => {
        if (this._link !== link) return; // an old socket closing late: its replacement is already running
        if (!this._welcomed) this._wsFailures = (this._wsFailures || 0) + 1;
        this._dropped(e.code, e.reason || this._refusal?.message, !link.opened && this._wsWorked);
      };
    }

    _openSse(base) {
      const source = new EventSource(`${base}/v1/sse${this._query()}`);
      const link = this._link = { transport: "sse", close: () => source.close() };
      this.dataset.transport = "sse";
      source.onopen = () => { link.opened = true; if (this._link === link) this._watch(); };
      for (const type of ["welcome", "snapshot", "event", "recovered", "ping", "error"]) {
        source.addEventListener(type, (e) => { if (this._link === link) this._receive(e.data, type); });
      }
      // EventSource would retry by itself without jitter and without our cursor in the URL: take over.
      // SSE has no close codes, so a refusal's code comes from the `error` message sent before the end.
      source.onerror = () => {
        source.close();
        const refusal = this._refusal || {};
        if (this._link === link) this._dropped(refusal.close_code || 0, refusal.message || "", !link.opened);
      };
    }

    _disconnect() {
      this._stopped = true;
      clearTimeout(this._retryTimer);
      clearTimeout(this._watchdog);
      if (this._link) this._link.close();
      this._link = null;
    }

    /** Restart the heartbeat watchdog: a link silent for 2.5 heartbeats is dead even if the socket says open. */
    _watch() {
      clearTimeout(this._watchdog);
      // SSE heartbeats may be comments, which scripts never see: only watch an SSE link that sends ping events.
      if (!this._link || (this._link.transport === "sse" && !this._link.pinged)) return;
      this._watchdog = setTimeout(() => {
        if (this._link) this._link.close();
        this._dropped(4000, "heartbeat missed");
      }, (this._heartbeatMs || HEARTBEAT_MS) * 2.5);
    }

    /** The link ended with `code`; `refused`: it failed before it opened, probably refused (see BUSY_BASE_MS). */
    _dropped(code, reason, refused = false) {
      clearTimeout(this._watchdog);
      this._link = null;
      if (this._stopped) return;
      if (NO_RETRY.includes(code)) {
        this._setState("offline", reason || "Live updates unavailable");
        return;
      }
      this._setState("reconnecting");
      this._attempt = (this._attempt || 0) + 1;
      const busy = code === TOO_MANY || refused;
      const delay = backoffMs(this._attempt - 1, busy ? BUSY_BASE_MS : BACKOFF_BASE_MS);
      this._retryTimer = setTimeout(() => this._connect(), busy ? BUSY_BASE_MS + delay : delay);
    }

    // ---- protocol ------------------------------------------------------------------------------------------

    _receive(data, sseType) {
      let msg;
      try { msg = JSON.parse(data); } catch { return; }
      if (!msg || typeof msg !== "object" || !this._link) return;
      const type = msg.type || sseType;
      if (type === "ping") this._link.pinged = true;
      this._watch();
      if (type === "welcome") {
        this._welcomed = true;
        if (this._link?.transport === "ws") { this._wsWorked = true; this._wsFailures = 0; }
        const seconds = Number(msg.heartbeat_s);
        if (seconds > 0) { this._heartbeatMs = seconds * 1000; this._watch(); }
      } else if (type === "snapshot") this._applySnapshot(msg);
      else if (type === "event") this._applyEvent(msg);
      else if (type === "recovered") { this._remember(msg.cursor); this._live(); }
      else if (type === "error") this._refusal = msg;
    }

    _remember(cursor) { if (typeof cursor === "string" && cursor) this._cursor = cursor; }

    _live() {
      this._attempt = 0;
      this._setState("live");
    }

    _applySnapshot(msg) {
      this._stories.clear();
      for (const story of Array.isArray(msg.stories) ? msg.stories : []) {
        if (story && typeof story.story_id === "string") this._stories.set(story.story_id, story);
      }
      this._remember(msg.cursor);
      this._render();
      this._live();
      this._emit("snapshot", { stories: this.stories, recovered: msg.recovered === true });
    }

    _applyEvent(msg) {
      const event = msg.event;
      const story = event && event.story;
      if (!story || typeof story.story_id !== "string") return;
      this._remember(msg.cursor);
      if (this._seen.has(event.event_id)) return;
      this._seen.add(event.event_id);
      if (this._seen.size > MAX_SEEN) this._seen.delete(this._seen.values().next().value);
      const known = this._stories.get(story.story_id);
      if (known && known.revision > story.revision) return; // an older revision than the one shown
      // matches:false = the story changed so that it left this subscription's filter.
      const gone = event.type === "story.retract" || event.type === "story.expire" || msg.matches === false;
      if (gone) this._stories.delete(story.story_id);
      else this._stories.set(story.story_id, story);
      const escalated = !gone && (!known || RANK[story.level] < RANK[known.level]);
      this._render(escalated ? story : null);
      this._emit("event", { event, cursor: this._cursor });
    }

    _emit(name, detail) { this.dispatchEvent(new CustomEvent(`stoppress:${name}`, { detail })); }

    _setState(state, note) {
      if (this.dataset.state === state && !note) return;
      this.dataset.state = state;
      this._ui.status.textContent = state === "reconnecting" ? "Reconnecting\u2026" : state === "offline" ? note : "";
      this._emit("state", { state, transport: this.dataset.transport });
    }

    // ---- rendering ------------------------------------------------------------------------------------------

    /** Bring the list in line with the stories; `fresh` is a newly arrived story to show and maybe announce. */
    _render(fresh) {
      const { list, msg } = this._ui;
      const top = [...this._stories.values()].sort(byRank).slice(0, MAX_SHOWN);
      const keep = new Set(top.map((s) => s.story_id));
      for (const [id, li] of this._items) if (!keep.has(id)) { li.remove(); this._items.delete(id); }
      top.forEach((story, index) => {
        let li = this._items.get(story.story_id);
        if (!li) { li = this._item(); this._items.set(story.story_id, li); }
        this._fill(li, story);
        if (list.children[index] !== li) list.insertBefore(li, list.children[index] || null);
      });
      msg.hidden = top.length > 0;
      if (!top.length) msg.textContent = "No breaking news right now";
      // A pin newer than any seen takes the bar at once (an unpin just lets the rotation go on).
      const pinned = top.length > 0 && pinnedAt(top[0]) > this._latestPin;
      if (pinned) {
        this._latestPin = pinnedAt(top[0]);
        this._current = top[0].story_id;
      }
      const urgent = fresh && RANK[fresh.level] <= RANK.breaking && keep.has(fresh.story_id);
      if (urgent) {
        this._announce(fresh);
        this._current = fresh.story_id;
      }
      if (!this._items.has(this._current)) this._current = top.length ? top[0].story_id : null;
      this._layout(urgent || pinned);
    }

    _item() {
      const li = el("li", "item");
      li.setAttribute("part", "item");
      li.append(el("span", "lvl"), el("time"), el("span", "hl"), el("span", "meta"));
      return li;
    }

    _fill(li, story) {
      const level = RANK[story.level] === undefined ? "normal" : story.level;
      li.dataset.level = level;
      li.dataset.storyId = story.story_id;
      li.querySelector(".lvl").textContent = level === "normal" ? "" : level.toUpperCase();
      const time = li.querySelector("time");
      const when = new Date(story.updated_at);
      time.textContent = isNaN(when) ? "" : when.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
      time.dateTime = isNaN(when) ? "" : when.toISOString();
      const href = safeHref(story.url);
      let hl = li.querySelector(".hl");
      if ((hl.tagName === "A") !== Boolean(href)) {
        const swap = el(href ? "a" : "span", "hl");
        hl.replaceWith(swap);
        hl = swap;
      }
      hl.textContent = String(story.headline || "");
      hl.title = hl.textContent;
      if (href) { hl.href = href; hl.rel = "noopener"; }
      const sources = Number(story.sources) || 1;
      li.querySelector(".meta").textContent = sources > 1 ? `${sources} sources` : "";
    }

    _announce(story) {
      const now = Date.now();
      const flash = story.level === "flash";
      if (!flash && now - this._lastPolite < POLITE_GAP_MS) return;
      if (!flash) this._lastPolite = now;
      const region = flash ? this._ui.assertive : this._ui.polite;
      region.textContent = `${story.level === "flash" ? "Flash" : "Breaking"}: ${story.headline}`;
    }

    /** Arrange the items for the mode: rotate (one at a time), scroll (marquee) or static (reduced motion). */
    _layout(restart) {
      const reduced = this._motion.matches;
      let mode = this.getAttribute("mode") === "scroll" ? "scroll" : "rotate";
      if (mode === "scroll" && reduced) mode = "static";
      this._mode = mode;
      this._ui.view.className = `view ${mode}`;
      this._show();
      this._ui.toggle.hidden = mode === "static" || this._items.size < 2;
      if (mode !== "scroll" && this._scroller) { this._scroller.cancel(); this._scroller = null; }
      if (mode === "scroll" && (restart || !this._scroller)) this._scroll();
      if (mode === "rotate" && (restart || !this._rotation)) {
        clearInterval(this._rotation);
        const seconds = Number(this.getAttribute("interval")) || 6;
        this._rotation = setInterval(() => this._next(), Math.max(2, seconds) * 1000);
      }
      if (mode !== "rotate") { clearInterval(this._rotation); this._rotation = null; }
      this._syncMotion();
    }

    _next() {
      if (this._paused || this._hovered || this._items.size < 2) return;
      const ids = [...this._ui.list.children].map((li) => li.dataset.storyId); // best first, as shown
      this._current = ids[(ids.indexOf(this._current) + 1) % ids.length];
      this._show();
    }

    /** Mark the visible item(s) and the "2/7" position shown in rotate mode. */
    _show() {
      const rotate = this._mode === "rotate";
      let position = 0;
      [...this._ui.list.children].forEach((li, index) => {
        const on = !rotate || li.dataset.storyId === this._current;
        li.classList.toggle("on", on);
        if (on) position = index + 1;
      });
      this._ui.count.textContent = rotate && this._items.size > 1 ? `${position}/${this._items.size}` : "";
    }

    /** One marquee pass from the right edge until the list has left on the left; then again, re-measured. */
    _scroll() {
      if (this._scroller) this._scroller.cancel();
      const width = this._ui.view.clientWidth;
      const length = this._ui.list.scrollWidth;
      const speed = 80; // px/s: readable without chasing the text
      this._scroller = this._ui.list.animate(
        [{ transform: `translateX(${width}px)` }, { transform: `translateX(${-length}px)` }],
        { duration: ((width + length) / speed) * 1000 || 1000 },
      );
      this._scroller.onfinish = () => { this._scroller = null; if (this._mode === "scroll") this._scroll(); };
      this._syncMotion();
    }

    _syncMotion() {
      const held = this._paused || this._hovered;
      if (this._scroller) held ? this._scroller.pause() : this._scroller.play();
      const toggle = this._ui.toggle;
      toggle.innerHTML = this._paused ? PLAY : PAUSE;
      toggle.setAttribute("aria-label", this._paused ? "Play headlines" : "Pause headlines");
      toggle.setAttribute("aria-pressed", String(this._paused));
    }
  }

  customElements.define(TAG, StopPressTicker);
})();
