// The stock socket.io-client from npm, driven by tests/realtime/test_js_client.py.
// Usage: node js_client.mjs URL TOKEN [SHIPMENT_ID [SINCE_EVENT_ID]]
// Prints one JSON object per line for everything it sees; exits after JS_CLIENT_SECONDS.
import { io } from "socket.io-client";

const [url, token, shipmentId, since] = process.argv.slice(2);
const out = (event, data) => process.stdout.write(JSON.stringify({ event, data }) + "\n");
const socket = io(url, {
  auth: token ? { token } : {},
  transports: ["websocket"],
  reconnection: false,
});

socket.on("connect", async () => {
  out("connect", null);
  if (shipmentId) {
    const request = { shipment_id: shipmentId };
    if (since) request.since_event_id = Number(since);
    out("ack", await socket.emitWithAck("subscribe", request));
  }
});
socket.on("connect_error", (err) => {
  out("connect_error", err.message);
  process.exit(0);
});
for (const name of ["shipment:updated", "shipment:location", "message:new", "message:read"]) {
  socket.on(name, (data) => out(name, data));
}
setTimeout(() => {
  socket.close();
  process.exit(0);
}, Number(process.env.JS_CLIENT_SECONDS || 5) * 1000);
