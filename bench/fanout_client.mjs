// Fan-out benchmark client: opens one socket.io connection per shipment id given on stdin
// (one id per line), subscribes, and records receipt time minus the event's server time
// for every shipment:updated, as [server time ms, latency ms]. Prints {"ready": n} once subscribed, then after SECONDS
// prints {"latencies_ms": [...]} and exits.  Usage: node fanout_client.mjs URL TOKEN SECONDS
import { io } from "socket.io-client";
import { createInterface } from "node:readline";

const [url, token, seconds] = process.argv.slice(2);
const ids = [];
for await (const line of createInterface({ input: process.stdin })) if (line.trim()) ids.push(line.trim());

const latencies = [];
const sockets = [];
async function open(shipmentId) {
  const socket = io(url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
  socket.on("shipment:updated", (data) => {
    const at = Date.parse(data.at);
    latencies.push([at, Date.now() - at]);
  });
  await new Promise((resolve, reject) => {
    socket.on("connect", resolve);
    socket.on("connect_error", reject);
  });
  const ack = await socket.timeout(20000).emitWithAck("subscribe", { shipment_id: shipmentId });
  if (!ack.ok) throw new Error(JSON.stringify(ack));
  sockets.push(socket);
}
for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map(open));
process.stdout.write(JSON.stringify({ ready: sockets.length }) + "\n");
setTimeout(() => {
  for (const s of sockets) s.close();
  // Exit only once the (large) line is flushed.
  process.stdout.write(JSON.stringify({ latencies_ms: latencies }) + "\n", () => process.exit(0));
}, Number(seconds) * 1000);
