// The driver's actions through the outbox (outbox.js), so they work without signal:
// status steps (shown at once as "Picked up (waiting to send)"), problem reports and
// answers to load offers. Also installs the service worker and saves the pages of the
// driver's current loads for offline use. The plain forms still post without JavaScript.
import { announce, label } from "./api.js";
import * as outbox from "./outbox.js";

const PAGES = "freight-driver-pages";
// What comes after a step, as driver.py's NEXT_STEP says (button label by status).
const AFTER = { PICKED_UP: ["IN_TRANSIT", "In transit"], IN_TRANSIT: null, RETURNED: null };
const STEP_WORDS = { PICKED_UP: "Picked up", IN_TRANSIT: "In transit", RETURNED: "Back at the shipper" };

// --- the app shell ----------------------------------------------------------------------
export async function installShell() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("/app/driver/sw.js", { scope: "/app/driver" });
    await navigator.serviceWorker.ready;
  } catch {
    return; // no worker (private mode, an old browser): the view works online as before
  }
  if (!navigator.onLine || !("caches" in window)) return;
  const pages = new Set([window.location.pathname, "/app/driver"]);
  document.querySelectorAll("#my-loads a.load-link").forEach((a) => pages.add(new URL(a.href).pathname));
  const cache = await caches.open(PAGES);
  for (const page of pages) {
    try {
      const response = await fetch(page, { credentials: "same-origin" });
      if (response.ok && !response.redirected) await cache.put(page, response);
    } catch {
      // lost signal half-way: the rest is saved next time
    }
  }
  document.body.dataset.offlineReady = "true";
}

// --- status steps -------------------------------------------------------------------------
const load = document.getElementById("load");
const statusText = document.getElementById("load-status");

// Show a queued step as if done: the status says it waits, the next step (or the proof
// of delivery) is offered.
function showStep(status, waiting) {
  if (!load) return;
  statusText.textContent = waiting ? `${label(status)} (waiting to send)` : label(status);
  load.dataset.status = status;
  const form = load.querySelector("form.step-form");
  const next = AFTER[status];
  if (form && next && !form.elements.override_reason) {
    form.elements.status.value = next[0];
    form.querySelector('button[type="submit"]').textContent = next[1];
  } else if (form && next === null) {
    form.closest("section").hidden = true;
  }
  if (status === "IN_TRANSIT") document.getElementById("pod-section")?.removeAttribute("hidden");
}

function stepForm(event) {
  const form = event.target;
  // A step sent back with warnings to confirm posts as a plain form, with its reason.
  if (!load || !form.matches("form.step-form") || form.elements.override_reason) return;
  event.preventDefault();
  const status = form.elements.status.value;
  const json = { status, at: new Date().toISOString() };
  if (form.elements.lat.value && form.elements.lng.value) {
    json.lat = Number(form.elements.lat.value);
    json.lng = Number(form.elements.lng.value);
  }
  const id = load.dataset.shipmentId;
  outbox.enqueue({
    kind: "step", shipmentId: id, label: STEP_WORDS[status] ?? label(status),
    url: `/api/shipments/${id}/transitions`, json, strict: true,
  });
  showStep(status, true);
  announce(`${label(status)}: saved on this phone, sending.`);
}

// --- problem reports and offers -------------------------------------------------------------
const reportedHere = new Set(); // problem reports sent from this page

function problemForm(event) {
  const form = event.target;
  // Nothing chosen: the plain form posts and the page says what is missing.
  if (!load || !form.closest("#problem") || !form.elements.problem?.value) return;
  event.preventDefault();
  const [kind, reason] = (form.elements.problem.value || ":").split(":");
  const fields = [["kind", kind], ["reason", reason ?? ""]];
  for (const name of ["pieces_affected", "note"]) {
    if (form.elements[name]?.value) fields.push([name, form.elements[name].value]);
  }
  const amount = form.elements.amount?.value;
  if (amount) fields.push(["amount_cents", String(Math.round(Number(amount.replace(/[^0-9.]/g, "")) * 100))]);
  for (const photo of form.elements.photos?.files ?? []) fields.push(["photos", photo, photo.name]);
  const receipt = form.elements.receipt?.files?.[0];
  if (receipt) fields.push(["receipt", receipt, receipt.name]);
  fields.push(["at", new Date().toISOString()]);
  const id = load.dataset.shipmentId;
  const words = form.elements.problem.selectedOptions[0]?.textContent ?? "Problem report";
  outbox.enqueue({
    kind: "problem", shipmentId: id, label: `Problem: ${words}`,
    url: `/api/shipments/${id}/exceptions`, form: fields,
  }).then((item) => reportedHere.add(item.id));
  form.reset();
  form.closest("details").open = false;
  announce("Problem report saved on this phone; it goes to dispatch as soon as there is signal.");
}

function offerForm(event) {
  const form = event.target;
  const found = form.closest("#offers") && form.action.match(/\/app\/driver\/offers\/([^/]+)\/(accept|decline)$/);
  if (!found) return;
  event.preventDefault();
  const [, offerId, verb] = found;
  const json = {};
  if (verb === "decline") {
    const reason = form.elements.reason?.value ?? "";
    const note = form.elements.note?.value.trim() ?? "";
    if (reason || note) json.reason = note ? `${reason || "Other"}: ${note}` : reason;
  }
  outbox.enqueue({
    kind: "offer", offerId, label: verb === "accept" ? "Accept the offered load" : "Decline the offered load",
    url: `/api/offers/${offerId}/${verb}`, json,
  });
  form.closest("[data-offer-id]")?.setAttribute("data-answer", verb);
  announce(`${verb === "accept" ? "Accepted" : "Declined"}: saved on this phone, sending.`);
}

outbox.onResult((item, outcome) => {
  if (item.kind === "step" && item.shipmentId === load?.dataset.shipmentId) {
    if (outcome.ok) showStep(outcome.data.status, false);
    if (outcome.asked) {
      // Online and warned: the plain form asks before the step lands, as without JavaScript.
      const form = load.querySelector("form.step-form");
      form.elements.status.value = item.json.status;
      form.submit();
    }
    if (outcome.kept) {
      // Back to what the server last said, with the refused step offered again.
      load.dataset.status = load.dataset.initialStatus;
      statusText.textContent = `${label(load.dataset.initialStatus)} (“${item.label}” was not accepted)`;
      const form = load.querySelector("form.step-form");
      if (form && !form.elements.override_reason) {
        form.elements.status.value = item.json.status;
        form.querySelector('button[type="submit"]').textContent = item.label;
        form.closest("section").hidden = false;
      }
      const deliverable = ["IN_TRANSIT", "ATTEMPT_FAILED"].includes(load.dataset.status);
      document.getElementById("pod-section")?.toggleAttribute("hidden", !deliverable);
    }
  }
  if (item.kind === "offer" && outcome.ok) {
    const accepted = item.label.startsWith("Accept");
    window.location.assign(accepted ? `/app/driver/loads/${outcome.data.shipment_id}` : "/app/driver");
  }
  if (item.kind === "offer" && outcome.kept) {
    // Said on the offer itself too, as the plain form's answer would.
    const card = document.querySelector(`#offers [data-offer-id="${item.offerId}"]`);
    card?.querySelector(".outbox-refusal")?.remove();
    const alert = document.createElement("p");
    alert.className = "error outbox-refusal";
    alert.setAttribute("role", "alert");
    alert.textContent = outcome.detail || outcome.problem;
    card?.querySelector("form")?.before(alert);
  }
  if (item.kind === "problem" && outcome.ok && item.shipmentId === load?.dataset.shipmentId) {
    announce("Reported. Dispatch has been told.");
    // What the report moved (a failed delivery), as the plain form's answer shows it.
    if (reportedHere.has(item.id)) window.location.assign(`/app/driver/loads/${item.shipmentId}?reported=1#problem`);
  }
});

export async function start() {
  document.addEventListener("submit", stepForm);
  document.addEventListener("submit", problemForm);
  document.addEventListener("submit", offerForm);
  if (load) {
    load.dataset.initialStatus = load.dataset.status;
    const queued = (await outbox.itemsFor(load.dataset.shipmentId)).filter((i) => i.kind === "step" && i.state === "waiting");
    for (const item of queued) showStep(item.json.status, true);
  }
  outbox.start();
}
