// A shipment's message thread (the _messages.html partial): loads the thread from the
// API, sends through the API (the form still posts without JavaScript), and shows
// messages as they arrive. The page owns its one followShipment() call per shipment,
// so mountThread() returns { onMessage } for the page to pass as the `message` handler;
// pages with no other use for live updates pass { follow: true } instead.
import { announce, api, label } from "./api.js";
import { when } from "./format.js";
import { followShipment } from "./live.js";


function item(message, userId) {
  const li = document.createElement("li");
  li.dataset.messageId = String(message.id);
  if (userId && message.author_id === userId) li.className = "mine";
  const from = document.createElement("span");
  from.className = "from";
  from.textContent = `${message.author_name || "Someone"} `;
  const role = document.createElement("span");
  role.className = "muted";
  role.textContent = `(${label(message.author_role)})`;
  from.append(role);
  const body = document.createElement("p");
  body.className = "body";
  body.textContent = message.body;
  const time = document.createElement("time");
  time.className = "muted";
  time.dateTime = message.created_at;
  time.textContent = when(message.created_at);
  li.append(from, body, time);
  return li;
}

// `send(shipmentId, body)`, when given, stores the message (the driver's outbox) and
// returns its outbox item; the message shows as waiting until settle() is called.
export function mountThread(section, { follow = false, send = null } = {}) {
  const shipmentId = section.dataset.shipmentId;
  const userId = section.dataset.userId ?? "";
  const list = section.querySelector("ol.messages");
  const empty = section.querySelector(".empty-thread");
  const form = section.querySelector("#message-form");
  const textarea = form.querySelector("textarea");
  const error = section.querySelector("#message-error");
  const base = `/api/shipments/${shipmentId}/messages`;
  let lastRead = 0;
  let readTimer = null;

  function add(message, { scroll = true } = {}) {
    if (list.querySelector(`li[data-message-id="${message.id}"]`)) return false;
    list.append(item(message, userId));
    if (empty) empty.hidden = true;
    if (scroll) list.scrollTop = list.scrollHeight;
    return true;
  }

  // Tell the server what this reader has seen (debounced; the pointer never moves back).
  function markRead(id) {
    if (id <= lastRead) return;
    lastRead = id;
    clearTimeout(readTimer);
    readTimer = setTimeout(() => {
      api(`${base}/read`, { method: "POST", json: { up_to_id: lastRead } }).catch(() => {});
    }, 500);
  }

  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
    if (text) {
      textarea.setAttribute("aria-invalid", "true");
      textarea.setAttribute("aria-describedby", error.id);
    } else {
      textarea.removeAttribute("aria-invalid");
      textarea.removeAttribute("aria-describedby");
    }
  }

  async function load() {
    let cursor = null;
    do {
      const query = cursor ? `?limit=200&cursor=${encodeURIComponent(cursor)}` : "?limit=200";
      const page = await api(`${base}${query}`);
      page.items.forEach((m) => add(m, { scroll: false }));
      cursor = page.next_cursor;
      const newest = page.items.at(-1);
      if (newest && page.unread_count) markRead(newest.id);
    } while (cursor);
    list.scrollTop = list.scrollHeight;
    section.dataset.loaded = "true";
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = textarea.value;
    if (!body.trim()) {
      showError("Message: write something to send.");
      textarea.focus();
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    if (send) {
      const queued = await send(shipmentId, body);
      const li = item({ id: 0, body, author_role: "driver", author_name: "You", author_id: userId, created_at: queued.at }, userId);
      li.dataset.outboxId = String(queued.id);
      li.classList.add("waiting");
      li.querySelector("time").textContent += " · waiting to send";
      list.append(li);
      if (empty) empty.hidden = true;
      textarea.value = "";
      showError("");
      announce("Message saved on this phone; it is sent as soon as there is signal.");
      return;
    }
    button.disabled = true;
    try {
      const message = await api(base, { method: "POST", json: { body } });
      add(message);
      textarea.value = "";
      showError("");
      announce("Message sent");
    } catch (err) {
      showError(err.message);
    } finally {
      button.disabled = false;
    }
  });

  function onMessage(event) {
    const message = { ...event, id: event.message_id ?? event.id };
    if (add(message) && message.author_id !== userId) {
      announce(`New message from ${message.author_name || "someone"}: ${message.body}`);
      markRead(message.id);
    }
  }

  // A queued message was sent (message) or refused (problem).
  function settle(outboxId, message, problem) {
    const waiting = list.querySelector(`li[data-outbox-id="${outboxId}"]`);
    if (message) {
      waiting?.remove();
      add(message);
    } else if (waiting) {
      waiting.querySelector("time").textContent += ` · not sent: ${problem}`;
    }
  }

  load().catch((err) => showError(navigator.onLine ? `Could not load the thread: ${err.message}` : ""));
  if (follow) followShipment(shipmentId, { message: onMessage });
  return { onMessage, settle };
}
