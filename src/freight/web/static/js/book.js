// The booking form, enhanced: cities suggested as they are typed (place_picker.js), a
// live quote from POST /api/quotes follows the stops and equipment,
// stops are added and removed in place, and what is typed is kept as a draft.
import { api, announce } from "./api.js";
import { addStop, removeStop, renumber, stopSets } from "./booking_stops.js";
import { dropDraft, restoreDraft, saveDraft } from "./draft.js";
import { distance, money } from "./format.js";
import { cityTyped, input, lookUp } from "./place_picker.js";

// Where the quote's distance came from (the API's distance_source).
const SOURCES = { estimate: "estimated", osrm: "OSRM", valhalla: "Valhalla", graphhopper: "GraphHopper" };

const form = document.getElementById("booking");
const quote = document.getElementById("quote");

function stopsForQuote() {
  const stops = [];
  for (const fieldset of form.querySelectorAll("fieldset[data-stop]")) {
    const lat = Number.parseFloat(input(fieldset, "lat").value);
    const lng = Number.parseFloat(input(fieldset, "lng").value);
    if (Number.isFinite(lat) && Number.isFinite(lng)) {
      stops.push({ lat, lng, city: input(fieldset, "city").value.trim() || null });
    }
  }
  return stops;
}

function say(text, className = "muted") {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  quote.replaceChildren(p);
}

// A linehaul line by the kilometre is said in the organisation's distance unit.
function lineText(line) {
  if (line.kind !== "linehaul" || line.unit !== "km") return line.description;
  const equipment = form.elements.equipment_type.selectedOptions[0]?.textContent.trim().toLowerCase();
  return `Linehaul, ${distance(Number(line.quantity))}${equipment ? ` ${equipment}` : ""}`;
}

function showQuote(q) {
  const total = document.createElement("p");
  total.className = "total";
  total.dataset.testid = "quote-total";
  total.textContent = `Estimated price: ${money(q.total_cents, q.currency)}`;
  const detail = document.createElement("p");
  detail.className = "muted";
  const source = SOURCES[q.distance_source] || SOURCES.estimate;
  detail.textContent = `${distance(q.distance_km)} by road (${source})${q.tax_cents ? `, including ${money(q.tax_cents, q.currency)} tax` : ""}.`;
  const list = document.createElement("ul");
  for (const line of q.lines) {
    const item = document.createElement("li");
    item.textContent = `${lineText(line)}: ${money(line.amount_cents, q.currency)}`;
    list.append(item);
  }
  quote.replaceChildren(total, detail, list);
  announce(total.textContent);
}

let timer = null;
let asked = 0;

async function requestQuote() {
  const stops = stopsForQuote();
  if (stops.length < 2) {
    say("The price appears here as you fill in the stops.");
    return;
  }
  const ticket = ++asked;
  say("Pricing…");
  try {
    const q = await api("/api/quotes", {
      method: "POST",
      json: { equipment_type: form.elements.equipment_type.value, stops },
    });
    if (ticket === asked) showQuote(q);
  } catch (error) {
    if (ticket !== asked) return;
    if (error.status === 409) say("No rates are set yet: the price is confirmed after booking.");
    else say(`No quote: ${error.message}`, "field-error");
  }
}

function later() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    requestQuote();
    if (form.dataset.draftKey) saveDraft(form);
  }, 300);
}

form.addEventListener("input", (event) => {
  const fieldset = event.target.closest("fieldset[data-stop]");
  const role = event.target.dataset.role;
  if (fieldset && role === "city") cityTyped(fieldset, later);
  if (fieldset && (role === "lat" || role === "lng" || role === "region")) {
    delete event.target.dataset.auto;
  }
  later();
});
form.addEventListener("change", (event) => {
  if (event.target.name?.endsWith("-kind")) renumber(form);
  later();
});
form.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-role]");
  if (!button) return;
  const role = button.dataset.role;
  if (role !== "remove" && role !== "add-stop") return;
  event.preventDefault();
  if (role === "remove") {
    const place = button.closest("fieldset").querySelector("legend").textContent;
    removeStop(form, button.closest("fieldset"));
    announce(`${place} removed.`);
    stopSets(form)[0]?.querySelector("select")?.focus();
  } else {
    const added = addStop(form);
    added?.querySelector('[data-role="city"]')?.focus();
  }
  later();
});
form.addEventListener("submit", () => {
  if (form.dataset.draftKey) dropDraft(form);
  // Coordinates the page filled in from a picked city are the server's to find again from
  // the address (so the stop says it was placed by the geocoder, not typed).
  for (const field of form.querySelectorAll('[data-role="lat"][data-auto], [data-role="lng"][data-auto]')) {
    field.value = "";
  }
});

restoreDraft(form, addStop);
for (const fieldset of stopSets(form)) lookUp(fieldset, later);
requestQuote();
