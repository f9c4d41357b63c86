// Stop Press editor's desk console. Plain JS, no dependencies. Every piece of story or editor text is put
// into the page with textContent, never as HTML: headlines come from outside sources.
// The editor's key lives in sessionStorage (this tab only) and travels in the Authorization header only.

const KEY_ITEM = "stoppress-editor-key";
const LEVEL_RANK = { flash: 0, breaking: 1, urgent: 2, normal: 3 };
const STATE_RANK = { shown: 0, killed: 1, hidden: 2, withdrawn: 3 };
const STATE_TEXT = { shown: "on the ticker", killed: "killed", hidden: "hidden", withdrawn: "withdrawn by source" };
const CONFIRM = {
  kill: (s) => `Kill “${headlineOf(s)}”? It leaves every ticker, feed and bot at once.`,
  merge: (s, body) => `Merge “${headlineOf(s)}” into story ${body.into}? Its items move there and it leaves the ticker.`,
  level: (s, body) => body.level === "flash" ? `Make “${headlineOf(s)}” a FLASH on every ticker?` : null,
};
const UNDO = { killed: ["restore", {}], level: ["clear", { clear: ["level"] }], hold: ["clear", { clear: ["hold"] }],
  pin: ["unpin", {}], edit: ["clear", { clear: ["edit"] }] };

const $ = (id) => document.getElementById(id);
const state = { key: null, editor: null, stories: new Map(), log: new Map(), selected: null, full: new Map(),
  abort: null, retry: 0, drawn: false };

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function headlineOf(story) {
  return story.view ? story.view.headline : (story.headline || story.story_id);
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString("en-GB", { hour12: false }) : "";
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${state.key}` };
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let json = null;
  try { json = await response.json(); } catch { json = null; }
  if (response.status === 401) signOut("Your key was not accepted; sign in again.");
  return { status: response.status, body: json, retryAfter: Number(response.headers.get("Retry-After")) || 1 };
}

// --- signing in and out ------------------------------------------------------------------------------------

async function signIn(key) {
  state.key = key;
  const answer = await api("GET", "/v1/desk/whoami");
  if (answer.status !== 200) {
    state.key = null;
    $("key-error").textContent = answer.body?.detail || `The desk answered ${answer.status}`;
    return;
  }
  sessionStorage.setItem(KEY_ITEM, key);
  state.editor = answer.body.editor;
  $("sign-in").hidden = true;
  $("desk").hidden = false;
  $("sign-out").hidden = false;
  $("key").value = "";
  $("key-error").textContent = "";
  follow();
}

function signOut(message) {
  sessionStorage.removeItem(KEY_ITEM);
  state.key = null;
  state.editor = null;
  if (state.abort) state.abort.abort();
  $("desk").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in").hidden = false;
  setFeed("signed-out", "Not signed in");
  $("key-error").textContent = message || "";
  $("key").focus();
}

function setFeed(kind, text) {
  const feed = $("feed-state");
  feed.dataset.state = kind;
  feed.textContent = text;
}

// --- the live stream ---------------------------------------------------------------------------------------

async function follow() {
  if (!state.key) return;
  const abort = new AbortController();
  state.abort = abort;
  setFeed("connecting", "Connecting…");
  try {
    const response = await fetch("/v1/desk/stream", {
      headers: { Authorization: `Bearer ${state.key}` }, signal: abort.signal, cache: "no-store",
    });
    if (response.status === 401) return signOut("Your key was not accepted; sign in again.");
    if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        dispatch(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
      }
    }
  } catch (error) {
    if (abort.signal.aborted) return;
  }
  if (!state.key || abort.signal.aborted) return;
  state.retry = Math.min(state.retry + 1, 5);
  const wait = Math.min(10000, 500 * 2 ** state.retry) * (0.5 + Math.random() / 2);
  setFeed("reconnecting", `Reconnecting in ${Math.round(wait / 1000)} s…`);
  setTimeout(follow, wait);
}

function dispatch(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
  }
  if (!data.length) return;
  const payload = JSON.parse(data.join("\n"));
  if (event === "snapshot") {
    state.retry = 0;
    state.stories = new Map(payload.stories.map((story) => [story.story_id, story]));
    state.log = new Map(payload.log.map((entry) => [entry.command.command_id, entry]));
    setFeed("live", `Live — signed in as ${payload.editor}`);
  } else if (event === "story") {
    state.stories.set(payload.story_id, payload);
    state.full.set(payload.story_id, payload);
  } else if (event === "gone") {
    state.stories.delete(payload.story_id);
    state.full.delete(payload.story_id);
  } else if (event === "log") {
    state.log.set(payload.command.command_id, payload);
  }
  schedule();
}

let pending = false;
function schedule() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; draw(); });
}

// --- drawing -----------------------------------------------------------------------------------------------

function order(a, b) {
  const pinA = a.overrides.pin ? Date.parse(a.overrides.pin.at) : 0;
  const pinB = b.overrides.pin ? Date.parse(b.overrides.pin.at) : 0;
  return (pinB - pinA) || (LEVEL_RANK[a.level] - LEVEL_RANK[b.level]) || (STATE_RANK[a.state] - STATE_RANK[b.state])
    || (b.score - a.score) || (Date.parse(b.updated_at) - Date.parse(a.updated_at));
}

function matches(story, filters) {
  if (filters.state && story.state !== filters.state) return false;
  if (filters.level && story.level !== filters.level) return false;
  const q = filters.q.trim().toLowerCase();
  if (q && !headlineOf(story).toLowerCase().includes(q) && !story.story_id.includes(q)
      && !(story.headline || "").toLowerCase().includes(q)) return false;
  return true;
}

function overrideNames(story) {
  return ["killed", "level", "hold", "pin", "edit"].filter((name) => story.overrides[name]);
}

function draw() {
  const form = new FormData($("filters"));
  const filters = { state: form.get("state") || "", level: form.get("level") || "", q: String(form.get("q") || "") };
  const stories = [...state.stories.values()].sort(order);
  const shown = stories.filter((story) => matches(story, filters));
  $("story-count").textContent = `${shown.length} of ${stories.length}`;
  const body = document.querySelector("#stories tbody");
  const rows = shown.map((story) => {
    const row = el("tr");
    row.tabIndex = 0;
    row.dataset.storyId = story.story_id;
    row.dataset.state = story.state;
    row.dataset.level = story.level;
    if (story.story_id === state.selected) row.setAttribute("aria-selected", "true");
    const level = el("td", story.level.toUpperCase(), "level");
    if (story.machine_level !== story.level) level.append(el("small", ` machine: ${story.machine_level}`));
    const headline = el("td", headlineOf(story), "headline");
    if (story.overrides.pin) headline.prepend(el("span", "📌 ", "pin"));
    row.append(level, el("td", STATE_TEXT[story.state], "state"), headline, el("td", story.score.toFixed(1)),
      el("td", story.sources), el("td", overrideNames(story).join(", ")));
    row.addEventListener("click", () => select(story.story_id));
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(story.story_id, true); }
      if (event.key === "ArrowDown") { event.preventDefault(); row.nextElementSibling?.focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); row.previousElementSibling?.focus(); }
    });
    return row;
  });
  const focused = document.activeElement?.dataset?.storyId;
  body.replaceChildren(...rows);
  if (focused) body.querySelector(`tr[data-story-id="${CSS.escape(focused)}"]`)?.focus();
  const ids = $("story-ids");
  ids.replaceChildren(...stories.filter((s) => s.story_id !== state.selected).slice(0, 200).map((s) => {
    const option = el("option");
    option.value = s.story_id;
    option.label = headlineOf(s);
    return option;
  }));
  drawDetail();
  drawHistory();
}

function drawDetail() {
  const story = state.full.get(state.selected) || state.stories.get(state.selected);
  $("detail-body").hidden = !story;
  if (!story) {
    $("detail-title").textContent = state.selected ? "This story has ended" : "Choose a story";
    return;
  }
  $("detail-title").textContent = headlineOf(story);
  $("detail-id").textContent = story.story_id;
  $("detail-state").textContent = STATE_TEXT[story.state];
  $("detail-state").dataset.state = story.state;
  $("detail-shown").textContent = story.view ? story.view.headline : "nothing: it is not on the ticker";
  $("detail-lead").textContent = story.headline || "no showable item";
  $("detail-level").textContent = story.machine_level === story.level
    ? story.level : `${story.level} (the machine says ${story.machine_level})`;
  const terms = story.score_terms;
  $("detail-score").textContent = terms
    ? `${story.score.toFixed(1)} = 100 × decay ${terms.decay.toFixed(2)} × (0.35·urgency ${terms.urgency.toFixed(2)}`
      + ` + 0.15·authority ${terms.authority.toFixed(2)} + 0.30·corroboration ${terms.corroboration.toFixed(2)}`
      + ` + 0.20·velocity ${terms.velocity.toFixed(2)}) — ${story.sources} independent sources`
    : `${story.score.toFixed(1)}`;
  const evidence = Object.entries(story.evidence).map(([level, at]) => `${level} earned ${when(at)}`);
  $("detail-evidence").textContent = evidence.length ? evidence.join("; ") : "none: normal";
  const overrides = $("detail-overrides");
  const items = [];
  for (const name of overrideNames(story)) {
    const mark = story.overrides[name];
    let what = { killed: "Killed", level: `Level set to ${mark.level}`, hold: `Held at most ${mark.level}`,
      pin: "Pinned", edit: `Headline corrected to “${mark.headline}”` }[name];
    if (mark.until) what += ` until ${when(mark.until)}`;
    if (name === "edit" && mark.stale) what += " — the lead has changed since: check it";
    const item = el("li", `${what} by ${mark.editor} at ${when(mark.at)}: ${mark.reason}`);
    const undo = el("button", "Undo");
    undo.type = "button";
    undo.addEventListener("click", () => act(UNDO[name][0], UNDO[name][1]));
    item.append(" ", undo);
    items.push(item);
  }
  for (const merged of story.merged) {
    const item = el("li", `Story ${merged} was merged into this one`);
    const undo = el("button", "Split it back out");
    undo.type = "button";
    undo.addEventListener("click", () => act("split", { item: merged }));
    item.append(" ", undo);
    items.push(item);
  }
  if (!items.length) items.push(el("li", "None: the machine decides."));
  overrides.replaceChildren(...items);
  $("member-count").textContent = `${story.member_count}`;
  $("members").replaceChildren(...story.members.map((member) => {
    const row = el("tr");
    const headline = el("td", member.headline);
    if (member.status !== "usable") headline.append(el("small", ` (${member.status})`));
    row.append(headline, el("td", member.source_name), el("td", member.version), el("td", member.urgency),
      el("td", when(member.joined_at)));
    return row;
  }));
  const split = document.querySelector("#actions select[name=item]");
  const chosen = split.value;
  split.replaceChildren(...story.members.map((member) => {
    const option = el("option", `${member.source_name}: ${member.headline}`.slice(0, 120));
    option.value = member.item_id;
    return option;
  }));
  if (chosen) split.value = chosen;
}

function drawHistory() {
  const entries = [...state.log.values()].sort((a, b) => Date.parse(b.command.issued_at) - Date.parse(a.command.issued_at));
  $("history").replaceChildren(...entries.slice(0, 200).map((entry) => {
    const { command, outcome } = entry;
    const item = el("li");
    item.dataset.outcome = outcome ? String(outcome.code) : "pending";
    const story = state.stories.get(command.story_id);
    item.append(el("time", when(command.issued_at)), " ", el("strong", command.editor), " ",
      el("span", command.action + (command.level ? ` ${command.level}` : "") + (command.into ? ` into ${command.into}` : "")),
      " ", el("span", story ? `“${headlineOf(story)}”` : command.story_id, "story"), " — ",
      el("em", command.reason), " → ",
      el("span", outcome ? `${outcome.code === 200 ? "applied" : "refused"}: ${outcome.message}` : "waiting", "result"));
    return item;
  }));
}

// --- acting ------------------------------------------------------------------------------------------------

async function select(storyId, focusDetail) {
  state.selected = storyId;
  draw();
  if (focusDetail) $("detail").focus();
  const answer = await api("GET", `/v1/desk/stories/${encodeURIComponent(storyId)}`);
  if (answer.status === 200) {
    state.full.set(storyId, answer.body.story);
    for (const entry of answer.body.log) state.log.set(entry.command.command_id, entry);
    schedule();
  }
}

function bodyFor(action, form) {
  const body = {};
  if (action === "level" || action === "hold") body.level = form.get("level");
  if (action === "level" && form.get("for_s")) body.for_s = Number(form.get("for_s"));
  if (action === "edit") {
    body.headline = String(form.get("headline") || "");
    if (form.get("url")) body.url = String(form.get("url"));
  }
  if (action === "clear-edit") body.clear = ["edit"];
  if (action === "merge") body.into = String(form.get("into") || "").trim();
  if (action === "split") body.item = String(form.get("item") || "");
  return body;
}

function confirmed(text) {
  const dialog = $("confirm");
  $("confirm-text").textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "cancel";
    dialog.showModal();
  });
}

async function act(action, extra) {
  const story = state.stories.get(state.selected);
  const form = new FormData($("actions"));
  const answerLine = $("answer");
  const reason = String(form.get("reason") || "").trim();
  if (!story) return;
  if (!reason) {
    answerLine.textContent = "Give a reason first: it goes into the log.";
    answerLine.dataset.kind = "refused";
    document.querySelector("#actions input[name=reason]").focus();
    return;
  }
  const body = { reason, ...bodyFor(action, form), ...(extra || {}) };
  const verb = action === "clear-edit" ? "clear" : action;
  const question = CONFIRM[verb]?.(story, body);
  if (question && !(await confirmed(question))) return;
  body.command_id = crypto.randomUUID().replaceAll("-", "");
  answerLine.textContent = "Sending…";
  answerLine.dataset.kind = "pending";
  let answer = await api("POST", `/v1/desk/stories/${encodeURIComponent(story.story_id)}/${verb}`, body);
  for (let attempt = 0; attempt < 3 && (answer.status === 503 || answer.status === 429); attempt += 1) {
    answerLine.textContent = `Not confirmed yet; sending again in ${answer.retryAfter} s…`;
    await new Promise((resolve) => setTimeout(resolve, answer.retryAfter * 1000));
    answer = await api("POST", `/v1/desk/stories/${encodeURIComponent(story.story_id)}/${verb}`, body);
  }
  if (answer.status === 200) {
    answerLine.textContent = `Applied: ${answer.body.message}${answer.body.created ? ` (story ${answer.body.created})` : ""}`;
    answerLine.dataset.kind = "applied";
  } else {
    answerLine.textContent = `Refused (${answer.status}): ${answer.body?.detail || "no reason given"}`;
    answerLine.dataset.kind = "refused";
  }
}

// --- wiring ------------------------------------------------------------------------------------------------

function start() {
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("key").value.trim();
    if (key) signIn(key);
  });
  $("sign-out").addEventListener("click", () => signOut());
  $("filters").addEventListener("input", schedule);
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("actions").addEventListener("submit", (event) => event.preventDefault());
  for (const button of document.querySelectorAll("#actions button[data-action]")) {
    button.addEventListener("click", () => act(button.dataset.action));
  }
  const saved = sessionStorage.getItem(KEY_ITEM);
  if (saved) signIn(saved);
  else $("key").focus();
}

start();
