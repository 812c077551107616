// The page's one socket.io connection (WebSocket transport), signed in by the session
// cookie plus the CSRF token. Followed shipments resubscribe after a reconnect with
// the last event id seen, so the server replays whatever was missed.
import { io } from "/static/vendor/socket.io-client/socket.io.esm.min.js";
import { announce, csrfToken } from "./api.js";

let socket = null;
const followed = new Map(); // shipment id -> { lastEventId, handlers }
let boardHandlers = [];

export function connection() {
  if (socket) return socket;
  socket = io({ auth: { csrf: csrfToken }, transports: ["websocket"] });
  let connectedBefore = false;
  socket.on("connect", () => {
    document.body.dataset.live = "on";
    announce("Live updates on");
    for (const [id, entry] of followed) subscribe(id, entry);
    if (boardHandlers.length) {
      // Board changes are not replayed: after a reconnect its followers catch up once.
      socket.emit("subscribe_dispatch", () => {
        if (connectedBefore) boardHandlers.forEach((handler) => handler({ type: "reconnected" }));
        connectedBefore = true;
      });
    } else {
      connectedBefore = true;
    }
  });
  socket.on("disconnect", () => {
    document.body.dataset.live = "off";
    announce("Live updates paused; reconnecting…");
  });
  socket.on("shipment:updated", (event) => deliver(event.shipment_id, "updated", event));
  socket.on("shipment:location", (event) => deliver(event.shipment_id, "location", event));
  socket.on("message:new", (event) => deliver(event.shipment_id, "message", event));
  socket.on("message:read", (event) => deliver(event.shipment_id, "read", event));
  socket.on("dispatch:board", (event) => boardHandlers.forEach((handler) => handler(event)));
  return socket;
}

function subscribe(id, entry) {
  const request = { shipment_id: id };
  if (entry.lastEventId) request.since_event_id = entry.lastEventId;
  socket.emit("subscribe", request, (ack) => {
    if (!ack?.ok) console.warn("subscribe refused", id, ack);
  });
}

function deliver(id, kind, event) {
  const entry = followed.get(id);
  if (!entry) return;
  if (event.event_id) entry.lastEventId = Math.max(entry.lastEventId, event.event_id);
  entry.handlers[kind]?.(event);
}

// Follow one shipment: handlers = { updated, location, message, read }.
export function followShipment(id, handlers, lastEventId = 0) {
  const entry = { lastEventId, handlers };
  followed.set(id, entry);
  const live = connection();
  if (live.connected) subscribe(id, entry);
}

// Follow the organisation's dispatch board (dispatchers and admins).
export function followBoard(handler) {
  boardHandlers.push(handler);
  const live = connection();
  if (live.connected) live.emit("subscribe_dispatch", () => {});
}
