// The driver's outbox on the phone: every action is written to IndexedDB first (with its
// device time and an Idempotency-Key), then sent in order, now or when signal returns
// (the `online` event, Background Sync, the next page load, retries with backoff). The
// page says what is waiting and when it last sent; a refusal stays listed, in words,
// until the driver discards it.
import { openDB } from "/static/vendor/idb/index.js";
import { announce, csrfToken } from "./api.js";
import "./outbox_drain.js";

const { DB, DB_VERSION, SYNC_TAG, upgrade } = self.FreightOutbox;
const MAX_FIXES = 500; // the tracking API's batch size
const BACKOFF_MS = [2_000, 5_000, 15_000, 30_000, 60_000];

const box = document.getElementById("outbox");
const statusLine = document.getElementById("outbox-status");
const keptList = document.getElementById("outbox-kept");
const userId = box?.dataset.userId || "";
const listeners = new Set();
let dbPromise = null;
let draining = null;
let again = false;
let failures = 0;
let retryTimer = null;
let signedOut = false;

function db() {
  dbPromise ??= openDB(DB, DB_VERSION, { upgrade });
  return dbPromise;
}

const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

// Hear every outcome: fn(item, {ok, data} | {kept, problem} | {asked, problem}).
export function onResult(fn) {
  listeners.add(fn);
}

// Store an action; it is sent as soon as the queue before it has gone.
// `strict`: warnings are asked before it lands (only when it is sent right away).
export async function enqueue(action) {
  const store = await db();
  const waiting = (await store.getAll("outbox")).some((i) => i.state === "waiting");
  const item = {
    ...action,
    headers: { "Idempotency-Key": crypto.randomUUID(), ...(action.headers ?? {}) },
    at: action.at ?? new Date().toISOString(),
    state: "waiting",
    userId,
    csrf: csrfToken,
    strict: Boolean(action.strict) && navigator.onLine && !waiting,
  };
  if (item.strict) item.headers.Prefer = "handling=strict";
  item.id = await store.add("outbox", item);
  await refresh();
  drainSoon();
  return item;
}

// One GPS fix: it joins the newest batch of fixes while that batch is still waiting.
// Answers how many changes and fixes are waiting now.
export async function addFix(fix) {
  const store = await db();
  const tx = store.transaction("outbox", "readwrite");
  const cursor = await tx.store.openCursor(null, "prev");
  const last = cursor?.value;
  if (last && last.kind === "positions" && !last.sealed && last.json.positions.length < MAX_FIXES) {
    last.json.positions.push(fix);
    await cursor.update(last);
  } else {
    await tx.store.add({
      kind: "positions",
      label: "Location",
      url: "/api/tracking/positions",
      json: { positions: [fix] },
      headers: { "Idempotency-Key": crypto.randomUUID() },
      at: fix.recorded_at,
      state: "waiting",
      userId,
      csrf: csrfToken,
    });
  }
  await tx.done;
  return refresh(); // {changes, fixes} waiting
}

// What is stored for one load (the page re-applies queued steps after a reload).
export async function itemsFor(shipmentId) {
  return (await (await db()).getAll("outbox")).filter((i) => i.shipmentId === shipmentId);
}

export async function discard(id) {
  await (await db()).delete("outbox", id);
  await refresh();
}

// Send now unless a send is under way (then once more after it).
export function drainSoon() {
  if (draining) {
    again = true;
    return draining;
  }
  clearTimeout(retryTimer);
  draining = (async () => {
    do {
      again = false;
      const result = await self.FreightOutbox.drain(await db(), {
        csrf: csrfToken, userId, askWarnings: true, onResult: tell,
      });
      signedOut = Boolean(result.signedOut);
      if (result.stalled) {
        scheduleRetry();
        break;
      }
      failures = 0;
    } while (again);
    draining = null;
    await refresh();
  })();
  return draining;
}

function scheduleRetry() {
  const wait = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)];
  failures += 1;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(drainSoon, wait);
  navigator.serviceWorker?.ready
    .then((registration) => registration.sync?.register(SYNC_TAG))
    .catch(() => {}); // no Background Sync here: the retries and the `online` event do it
}

function tell(item, outcome) {
  for (const fn of listeners) fn(item, outcome);
  if (outcome.kept) announce(`Not accepted: ${item.label}. ${outcome.problem}`);
  refresh();
}

// The status line ("3 changes waiting to send · last sent 14:05") and the kept list.
export async function refresh() {
  if (!box) return {};
  const store = await db();
  const items = await store.getAll("outbox");
  const lastSync = await store.get("meta", "lastSync");
  const waiting = items.filter((i) => i.state === "waiting");
  const changes = waiting.filter((i) => i.kind !== "positions").length;
  const fixes = waiting.filter((i) => i.kind === "positions").reduce((n, i) => n + i.json.positions.length, 0);
  const parts = [];
  if (changes) parts.push(`${changes} ${changes === 1 ? "change" : "changes"}`);
  if (fixes) parts.push(`${fixes} ${fixes === 1 ? "location" : "locations"}`);
  let text = parts.length ? `${parts.join(" and ")} waiting to send` : "Everything is sent";
  if (parts.length && signedOut) text += ": sign in again to send them";
  else if (parts.length && !navigator.onLine) text += ": no signal, they go when it is back";
  if (lastSync) text += ` · last sent ${time(lastSync)}`;
  statusLine.textContent = `${text}.`;
  box.dataset.waiting = String(changes);
  box.dataset.waitingFixes = String(fixes);
  keptList.replaceChildren(...items.filter((i) => i.state === "kept").map(keptItem));
  box.hidden = !(parts.length || lastSync || keptList.children.length);
  return { changes, fixes };
}

function keptItem(item) {
  const li = document.createElement("li");
  li.dataset.outboxId = String(item.id);
  const what = document.createElement("strong");
  what.textContent = `Kept: ${item.label} (${time(item.at)} on this phone)`;
  const why = document.createElement("span");
  why.textContent = ` — ${item.problem}`;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = "Discard";
  button.setAttribute("aria-label", `Discard ${item.label}`);
  button.addEventListener("click", () => discard(item.id).then(() => announce(`${item.label} discarded.`)));
  li.append(what, why, " ", button);
  return li;
}

export function start() {
  window.addEventListener("online", () => {
    failures = 0;
    drainSoon();
  });
  window.addEventListener("offline", refresh);
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type === "outbox-drain") drainSoon();
  });
  refresh().then(drainSoon);
}
