// The shipment page, live: status, map (route, track, truck), ETA, timeline, proof of
// delivery and the message thread, all following the shipment's real-time events.
import { announce, api, label } from "./api.js";
import { distance, when } from "./format.js";
import { followShipment } from "./live.js";
import { createMap, dot, fit, line, route, truckMarker, turnTruck } from "./map.js";

const page = document.getElementById("shipment");
const shipmentId = page.dataset.shipmentId;
const isStaff = ["admin", "dispatcher"].includes(document.body.dataset.role);
const LOADED = ["PICKED_UP", "IN_TRANSIT"];

function readJson(name, fallback) {
  try {
    return JSON.parse(page.dataset[name] ?? "") ?? fallback;
  } catch {
    return fallback;
  }
}

// --- map -------------------------------------------------------------------------
let map = null;
let truck = null;
let trackLine = null;

// "12 min ago" for a fix, as a person says it.
function ago(iso) {
  if (!iso) return "";
  const minutes = Math.max(0, Math.round((Date.now() - new Date(iso)) / 60000));
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} days ago`;
}

// "7 mi E of Joplin, MO" from the event's nearest place, worded as the server words it
// (places/nearby.in_words).
function nearText(event) {
  const near = event.near;
  if (!near) return "far from any town";
  return near.km < 2 ? `in ${near.place}` : `${distance(near.km)} ${near.direction} of ${near.place}`;
}

function truckLabel(at) {
  return at ? `Truck, seen ${ago(at)}` : "Truck";
}

function drawMap() {
  const element = document.getElementById("map");
  if (!element) return;
  const stops = readJson("stops", []);
  const track = readJson("track", []);
  const last = readJson("truck", null);
  map = createMap(element);
  const drawn = route(map, readJson("route", []), stops);
  stops.forEach((s) =>
    dot(map, [s.lat, s.lng], {
      color: s.kind === "pickup" ? "#1a7f37" : "#b42318",
      label: s.label,
      permanent: true,
    }),
  );
  if (track.length > 1) trackLine = line(map, track, { color: "#0b5cad", dashed: false });
  const at = last ? [last.lat, last.lng] : null;
  if (at) truck = truckMarker(map, at, { heading: last.heading, label: truckLabel(last.at) });
  fit(map, [...drawn, ...track, ...(at ? [at] : [])]);
}

function moveTruck(event) {
  const status = page.dataset.status;
  if (!isStaff && !LOADED.includes(status)) return;
  const at = [event.lat, event.lng];
  if (map) {
    if (truck) {
      truck.setLatLng(at);
      turnTruck(truck, event.heading);
      truck.setTooltipContent(truckLabel(event.at));
    } else truck = truckMarker(map, at, { heading: event.heading, label: truckLabel(event.at) });
    if (trackLine) trackLine.addLatLng(at);
  }
  const text = document.getElementById("position-text");
  if (text) {
    text.textContent = `Truck last seen ${nearText(event)} · ${ago(event.at)} (${when(event.at)}).`;
  }
  if (event.eta) showEta({ eta: event.eta });
}

// --- ETA, status, timeline, proof -------------------------------------------------
function showEta(estimate) {
  const element = document.getElementById("eta");
  if (!element || !estimate?.eta) return;
  const where = estimate.next_stop_sequence ? ` at stop ${estimate.next_stop_sequence}` : "";
  const left =
    estimate.distance_remaining_km != null
      ? ` (${distance(estimate.distance_remaining_km)} to go)`
      : "";
  element.replaceChildren(`ETA${where}: `);
  const strong = document.createElement("strong");
  strong.textContent = when(estimate.eta);
  element.append(strong, `${left}.`);
}

async function refreshEta() {
  try {
    showEta(await api(`/api/shipments/${shipmentId}/eta`));
  } catch {
    // the ETA is a nicety; the status and timeline still update
  }
}

async function fragment(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  const holder = document.createElement("template");
  holder.innerHTML = await response.text();
  return holder.content;
}

// Events can come in quick succession and their fetches answer in any order: only the
// newest request's answer is shown (it was asked for after the newest event).
let timelineRequests = 0;

async function refreshTimeline() {
  const mine = ++timelineRequests;
  const content = await fragment(`/app/shipments/${shipmentId}/timeline`);
  if (mine === timelineRequests) document.getElementById("timeline")?.replaceWith(content);
}

async function showProof() {
  const slot = document.getElementById("proof-slot");
  if (slot && !document.getElementById("proof")) {
    slot.replaceChildren(await fragment(`/app/shipments/${shipmentId}/proof`));
  }
}

function showStatus(status) {
  if (!status || status === page.dataset.status) return;
  page.dataset.status = status;
  const badge = document.querySelector('[data-testid="shipment-status"]');
  badge.className = `badge status-${status.toLowerCase()}`;
  badge.dataset.status = status;
  badge.textContent = label(status);
  announce(`Status: ${label(status)}`);
  const cancellable = status === "PENDING" || (isStaff && status === "ASSIGNED");
  if (!cancellable) closeCancel(status);
}

// The load moved on while the cancel form was open. An untouched form just goes; one
// being typed in stays, its reason kept to copy, with what happened and no button.
function closeCancel(status) {
  const section = document.getElementById("cancel");
  if (!section) return;
  const reason = section.querySelector("textarea");
  if (!reason?.value.trim() && document.activeElement !== reason) {
    section.remove();
    return;
  }
  section.querySelector('button[type="submit"]')?.remove();
  reason.readOnly = true;
  let said = document.getElementById("cancel-gone");
  if (!said) {
    said = document.createElement("p");
    said.id = "cancel-gone";
    said.className = "error cancel-gone";
    said.setAttribute("role", "alert");
    section.querySelector("form").after(said);
  }
  said.textContent = `While you were typing, the shipment became ${label(status).toLowerCase()}: it can no longer be cancelled here. Your reason is kept above; send it as a message to the carrier.`;
}

async function onUpdated(event) {
  showStatus(event.status);
  await refreshTimeline().catch(() => {});
  if (event.status === "DELIVERED") await showProof().catch(() => {});
  if (LOADED.includes(event.status) || event.status === "ASSIGNED") await refreshEta();
}

// --- messages (the thread partial's own module, when it is there) ------------------
let thread = null;

async function mountMessages() {
  const section = document.getElementById("messages");
  if (!section) return;
  try {
    const { mountThread } = await import("./messages.js");
    thread = (await mountThread(section)) ?? null;
  } catch (error) {
    console.warn("message thread not enhanced", error);
  }
}

try {
  drawMap();
} catch (error) {
  console.warn("map unavailable", error);
}
const ready = mountMessages();
followShipment(
  shipmentId,
  {
    updated: onUpdated,
    location: moveTruck,
    message: (event) => ready.then(() => thread?.onMessage?.(event)),
    read: (event) => ready.then(() => thread?.onRead?.(event)),
  },
  Number(page.dataset.lastEventId) || 0,
);
