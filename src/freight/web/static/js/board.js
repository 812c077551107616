// The dispatch board: assign with the picker or by dragging a load onto a driver (both
// through the JSON API, refusals shown next to the load), merge the board's live
// fragment in whenever a dispatch:board event arrives (a load, a message, a driver or a
// vehicle changed) and after a reconnect, apply plans, and draw the map. The table's
// filters, sorting and keys are in board_table.js.
import { announce, api } from "./api.js";
import { applyFilters, forgetPickers } from "./board_table.js";
import { followBoard } from "./live.js";
import { createMap, dot, fit, line } from "./map.js";
import { refreshUnread } from "./nav.js";

const mapElement = document.getElementById("board-map");
const map = mapElement ? createMap(mapElement) : null;
let drawn = [];
let refreshTimer = null;

const loadItem = (id) =>
  document.querySelector(`#pending-loads > tr[data-shipment-id="${CSS.escape(id)}"]`);

function sentence(text) {
  const trimmed = String(text).trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

// The refusal next to the load (the page renders the paragraph only when it has one).
function showRefusal(item, text) {
  let error = item.querySelector(".assign-error");
  if (!error && !text) return;
  if (!error) {
    error = document.createElement("p");
    error.className = "field-error assign-error";
    error.id = `assign-error-${item.dataset.shipmentId}`;
    error.setAttribute("role", "alert");
    item.querySelector("td.assign").append(error);
  }
  error.textContent = text;
  error.hidden = !text;
  const select = item.querySelector("select");
  if (text) select?.setAttribute("aria-describedby", error.id);
  else select?.removeAttribute("aria-describedby");
}

async function assign(item, driverId) {
  const { shipmentId, reference } = item.dataset;
  if (!driverId) {
    showRefusal(item, "Choose a driver for this load.");
    return;
  }
  item.setAttribute("aria-busy", "true");
  try {
    await api(`/api/shipments/${shipmentId}/assign`, {
      method: "POST",
      json: { driver_id: driverId },
      headers: { Prefer: "handling=strict" }, // warnings are asked before it lands
    });
    showRefusal(item, "");
    announce(`${reference} is assigned.`);
    if (item.contains(document.activeElement)) document.getElementById("loads-heading")?.focus();
    item.remove();
    scheduleRefresh(0);
  } catch (err) {
    if (err.problem?.code === "warnings_not_acknowledged") return askAboutWarnings(item, driverId);
    showRefusal(item, sentence(err.message));
    announce(`${reference} was not assigned: ${err.message}`);
  } finally {
    item.removeAttribute("aria-busy");
  }
}

// The server shows the warnings with a reason field (board_warning.html): post the
// picker as a plain form, as it would be without this script.
function askAboutWarnings(item, driverId) {
  const form = item.querySelector("form.picker");
  const picked = form.elements.driver_id;
  picked.value = driverId;
  if (picked.value !== driverId) {
    picked.disabled = true; // dropped on a driver the picker does not list
    form.append(Object.assign(document.createElement("input"), { type: "hidden", name: "driver_id", value: driverId }));
  }
  form.submit();
}

// --- the picker, plan apply: enhanced form submits ----------------------------------
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.matches("#pending-loads .picker")) {
    if (event.submitter?.getAttribute("formaction")) return; // Offer: the server's form
    event.preventDefault();
    const driverId = form.elements.driver_id.value;
    if (driverId === "waterfall") {
      showRefusal(form.closest("tr"), "Choose one driver to assign; the best drivers in turn are for Offer.");
      return;
    }
    assign(form.closest("tr"), driverId);
  } else if (form.id === "apply-form") {
    event.preventDefault();
    applyPlan(form, event.submitter?.value === "all");
  }
});

// --- drag and drop: a load onto a driver ---------------------------------------------
document.addEventListener("dragstart", (event) => {
  const item = event.target.closest?.("#pending-loads > tr[data-shipment-id]");
  if (!item) return;
  event.dataTransfer.setData("application/x-freight-load", item.dataset.shipmentId);
  event.dataTransfer.setData("text/plain", item.dataset.reference);
  event.dataTransfer.effectAllowed = "move";
  item.classList.add("dragging");
  document.body.classList.add("dragging-load");
});

document.addEventListener("dragend", (event) => {
  event.target.closest?.("tr")?.classList.remove("dragging");
  document.body.classList.remove("dragging-load");
  document.querySelectorAll(".drop-target").forEach((el) => el.classList.remove("drop-target"));
});

function driverUnder(event) {
  return event.target.closest?.("#available-drivers > tr[data-driver-id]");
}

document.addEventListener("dragover", (event) => {
  const driver = driverUnder(event);
  if (!driver || !event.dataTransfer.types.includes("application/x-freight-load")) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "move";
  driver.classList.add("drop-target");
});

document.addEventListener("dragleave", (event) => {
  const driver = driverUnder(event);
  if (driver && !driver.contains(event.relatedTarget)) driver.classList.remove("drop-target");
});

document.addEventListener("drop", (event) => {
  const driver = driverUnder(event);
  if (!driver) return;
  event.preventDefault();
  driver.classList.remove("drop-target");
  const item = loadItem(event.dataTransfer.getData("application/x-freight-load"));
  if (item) assign(item, driver.dataset.driverId);
});

// --- live: merge the server-rendered fragment ------------------------------------------
function scheduleRefresh(delay = 250) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, delay);
}

// Refreshes can overlap and answer in any order: only the newest one's answer is merged.
let refreshes = 0;

async function refresh() {
  const mine = ++refreshes;
  clearTimeout(refreshTimer);
  const response = await fetch(`/app/dispatch/live${location.search}`, {
    credentials: "same-origin",
    headers: { Accept: "text/html" },
  }).catch(() => null);
  if (!response?.ok) return;
  const html = await response.text();
  if (mine !== refreshes) return;
  const fresh = new DOMParser().parseFromString(html, "text/html");
  mergeLoads(fresh.getElementById("pending-loads"));
  replaceList(fresh.getElementById("moving-loads"));
  replaceList(fresh.getElementById("available-drivers"));
  replaceList(fresh.getElementById("active-loads"));
  for (const count of document.querySelectorAll("[data-count-for]")) {
    const list = document.getElementById(count.dataset.countFor);
    if (!list) continue;
    const pending = count.dataset.countFor === "pending-loads" ? " pending" : "";
    count.textContent = `(${list.dataset.count}${pending})`;
  }
  forgetPickers();
  applyFilters({ sort: true, address: false });
  refreshUnread();
  draw();
}

// Rows keep their place (and a half-made choice in their picker) unless they left; new
// rows come in where the server put them; a row being worked on is left alone.
function mergeLoads(fresh) {
  const list = document.getElementById("pending-loads");
  if (!fresh || !list) return;
  list.dataset.count = fresh.dataset.count;
  const wanted = [...fresh.querySelectorAll(":scope > tr[data-shipment-id]")];
  const ids = new Set(wanted.map((row) => row.dataset.shipmentId));
  for (const row of list.querySelectorAll(":scope > tr[data-shipment-id]")) {
    if (!ids.has(row.dataset.shipmentId)) {
      announce(`${row.dataset.reference} left the pending loads.`);
      if (row.contains(document.activeElement)) document.getElementById("loads-heading")?.focus();
      row.remove();
    }
  }
  let previous = null;
  for (const row of wanted) {
    let current = loadItem(row.dataset.shipmentId);
    if (!current) {
      current = document.adoptNode(row);
      if (previous) previous.after(current);
      else list.prepend(current);
      announce(`New pending load ${current.dataset.reference}.`);
    } else if (!current.contains(document.activeElement)) {
      const chosen = current.querySelector("select")?.value ?? "";
      const error = current.querySelector(".assign-error");
      const keepError = error && !error.hidden ? error.textContent : "";
      const selected = current.classList.contains("selected");
      const fresher = document.adoptNode(row);
      current.replaceWith(fresher);
      const select = fresher.querySelector("select");
      if (select && [...select.options].some((o) => o.value === chosen)) select.value = chosen;
      if (keepError) showRefusal(fresher, keepError);
      if (selected) fresher.classList.add("selected");
      current = fresher;
    }
    previous = current;
  }
  const empty = fresh.querySelector(":scope > tr.empty");
  list.querySelector(":scope > tr.empty")?.remove();
  if (empty) list.append(document.adoptNode(empty));
}

function replaceList(fresh) {
  const current = fresh && document.getElementById(fresh.id);
  if (!current || current.contains(document.activeElement)) return;
  current.replaceWith(document.adoptNode(fresh));
}

// --- plan apply ---------------------------------------------------------------------------
async function applyPlan(form, all) {
  const planId = form.closest("[data-plan-id]").dataset.planId;
  const ticked = [...form.querySelectorAll('input[name="shipment_ids"]:checked')].map((i) => i.value);
  const error = document.getElementById("plan-error");
  if (!all && !ticked.length) {
    error.textContent = "Tick at least one pair to apply, or apply the whole plan.";
    error.hidden = false;
    return;
  }
  error.hidden = true;
  try {
    const result = await api(`/api/dispatch/plans/${planId}/apply`, {
      method: "POST",
      ...(all ? {} : { json: { shipment_ids: ticked } }),
    });
    for (const pair of result.applied) outcome(form, pair.shipment_id, "Assigned", "ok");
    for (const pair of result.skipped) {
      outcome(form, pair.shipment_id, `Skipped: ${pair.skipped_because}`, "skipped");
    }
    form.querySelectorAll("input[type=checkbox], button").forEach((el) => (el.disabled = true));
    announce(`Plan applied: ${result.applied.length} assigned, ${result.skipped.length} skipped.`);
    scheduleRefresh(0);
  } catch (err) {
    error.textContent = sentence(err.message);
    error.hidden = false;
  }
}

function outcome(form, shipmentId, text, kind) {
  const target = form.querySelector(`li[data-shipment-id="${CSS.escape(shipmentId)}"] .outcome`);
  if (!target) return;
  target.textContent = text;
  target.classList.add(kind);
}

// --- the map -----------------------------------------------------------------------------
// data-lat/data-lng, or data-from-lat/... with prefix "from" (dataset.fromLat)
function point(el, prefix = "") {
  const key = (name) => (prefix ? `${prefix}${name[0].toUpperCase()}${name.slice(1)}` : name);
  const lat = Number.parseFloat(el.dataset[key("lat")]);
  const lng = Number.parseFloat(el.dataset[key("lng")]);
  return Number.isFinite(lat) && Number.isFinite(lng) ? [lat, lng] : null;
}

function draw() {
  if (!map) return;
  drawn.forEach((layer) => layer.remove());
  drawn = [];
  const all = [];
  // The map follows the table's filters: only the pickups of the loads shown.
  for (const el of document.querySelectorAll("#pending-loads > tr[data-shipment-id]:not([hidden])")) {
    const at = point(el);
    if (at) drawn.push(dot(map, at, { color: "#b35900", label: `${el.dataset.reference} pickup` }));
    if (at) all.push(at);
  }
  for (const el of document.querySelectorAll("#available-drivers > tr[data-driver-id]")) {
    const at = point(el);
    if (at) drawn.push(dot(map, at, { color: "#0b5cad", label: `${el.dataset.name} (available)` }));
    if (at) all.push(at);
  }
  for (const el of document.querySelectorAll("#active-loads > li[data-shipment-id]")) {
    const from = point(el, "from");
    const to = point(el, "to");
    if (from && to) drawn.push(line(map, [from, to], { color: "#6f42c1" }));
    const at = point(el);
    const who = el.dataset.driver ? ` · ${el.dataset.driver}` : "";
    if (at) drawn.push(dot(map, at, { color: "#6f42c1", label: `${el.dataset.reference}${who}` }));
    [from, to, at].filter(Boolean).forEach((p) => all.push(p));
  }
  const distinct = new Set(all.map((p) => p.join(",")));
  if (distinct.size === 1) map.setView(all[0], 8);
  else fit(map, all);
}

performance.mark("board:script");
applyFilters({ address: false });
performance.mark("board:filtered");
draw();
performance.mark("board:ready");
let drawTimer = null;
document.addEventListener("board:filtered", () => {
  clearTimeout(drawTimer);
  drawTimer = setTimeout(draw, 200);
});
// Every change arrives as an event; after a reconnect the fragment catches up on any missed.
followBoard(() => scheduleRefresh());
