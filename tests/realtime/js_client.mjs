// The stock socket.io-client from npm, driven by tests/realtime/test_js_client.py.
// Usage: node js_client.mjs URL TOKEN [SHIPMENT_ID [SINCE_EVENT_ID]]
// Prints one JSON object per line for everything it sees; exits after JS_CLIENT_SECONDS.
// JS_REAUTH_TOKEN: after subscribing, send it with "reauth" (stays connected past expiry).
// JS_RECONNECT_TOKEN: when the server closes the connection (token expired), connect
// again with it; `auth` is a function, so every (re)connection sends the current token.
import { io } from "socket.io-client";

const [url, token, shipmentId, since] = process.argv.slice(2);
const out = (event, data) => process.stdout.write(JSON.stringify({ event, data }) + "\n");
let current = token;
let lastEventId = since ? Number(since) : undefined;
const socket = io(url, {
  auth: (cb) => cb(current ? { token: current } : {}),
  transports: ["websocket"],
  reconnection: false,
});

socket.on("connect", async () => {
  out("connect", null);
  if (shipmentId) {
    const request = { shipment_id: shipmentId };
    if (lastEventId !== undefined) request.since_event_id = lastEventId;
    out("ack", await socket.emitWithAck("subscribe", request));
    if (process.env.JS_REAUTH_TOKEN) {
      const fresh = { token: process.env.JS_REAUTH_TOKEN };
      out("reauth", await socket.emitWithAck("reauth", fresh));
    }
  }
});
socket.on("connect_error", (err) => {
  out("connect_error", err.message);
  process.exit(0);
});
socket.on("disconnect", (reason) => {
  out("disconnect", reason);
  // The server closed it (e.g. the token expired): the client does not retry by itself.
  if (reason === "io server disconnect" && process.env.JS_RECONNECT_TOKEN) {
    current = process.env.JS_RECONNECT_TOKEN;
    socket.connect();
  }
});
socket.on("shipment:updated", (data) => {
  lastEventId = data.event_id;
  out("shipment:updated", data);
});
for (const name of ["shipment:location", "message:new", "message:read", "error"]) {
  socket.on(name, (data) => out(name, data));
}
setTimeout(() => {
  socket.close();
  process.exit(0);
}, Number(process.env.JS_CLIENT_SECONDS || 5) * 1000);
