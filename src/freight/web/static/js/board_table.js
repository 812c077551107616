// The board's loads table in the browser: filters, search and the pickup-date strip run on
// the rows already in the page (the server renders every row and the same filters, see
// web/board_rows.py) and are written back into the address bar, so a link or a reload
// keeps them; column headers sort; arrow keys choose a row, Enter opens the load, "a"
// opens its driver picker; a picker fetches the whole ranking of drivers when first used.
import { api } from "./api.js";
import { distance } from "./format.js";

const form = document.getElementById("board-filters");
const table = document.getElementById("loads-table");
const DEFAULTS = { status: "PENDING", sort: "pickup", dir: "asc" };
const rowsOf = (id) => [...document.querySelectorAll(`#${id} > tr[data-shipment-id]`)];
const allRows = () => [...rowsOf("pending-loads"), ...rowsOf("moving-loads")];

function state() {
  const data = new FormData(form);
  const value = (name) => String(data.get(name) ?? "").trim();
  return {
    q: value("q"),
    status: value("status") || DEFAULTS.status,
    equipment: value("equipment"),
    day: value("day"),
    date: value("date"),
    customer: value("customer"),
    lane: value("lane"),
    unread: data.get("unread") === "1",
    sort: value("sort") || DEFAULTS.sort,
    dir: value("dir") === "desc" ? "desc" : "asc",
  };
}

// The same test as BoardFilters.matches (anyDay: every filter but the date strip).
function matches(row, f, anyDay = false) {
  const d = row.dataset;
  const text = `${d.reference} ${d.customer} ${d.lane}`.toLowerCase();
  const words = f.q.toLowerCase().split(/\s+/).filter(Boolean);
  return (
    (f.status === "open" || d.status === f.status) &&
    (!f.equipment || d.equipment === f.equipment) &&
    (anyDay || !f.day || d.day === f.day) &&
    (!f.date || d.date === f.date) &&
    (!f.customer || d.customerId === f.customer) &&
    (!f.lane || d.lane === f.lane) &&
    (!f.unread || Number(d.unread) > 0) &&
    words.every((w) => text.includes(w))
  );
}

// The same key as Row.key: the column, then pickup time and reference.
function key(row, sort) {
  const d = row.dataset;
  const column = {
    pickup: "",
    reference: d.reference,
    customer: d.customer.toLowerCase(),
    lane: d.lane.toLowerCase(),
    equipment: d.equipment,
    weight: Number(d.weight),
  }[sort];
  return [column, d.pickup, d.reference];
}

function compare(a, b) {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

function sortBody(id, f) {
  const body = document.getElementById(id);
  if (!body) return;
  const sign = f.dir === "desc" ? -1 : 1;
  const rows = rowsOf(id).map((row) => [key(row, f.sort), row]);
  rows.sort((a, b) => sign * compare(a[0], b[0]));
  const empty = body.querySelector(":scope > tr.empty");
  body.replaceChildren(...rows.map(([, row]) => row), ...(empty ? [empty] : []));
}

// Other parameters (a shown plan's ?plan=) stay as they are.
function writeAddress(f) {
  const params = new URLSearchParams(location.search);
  for (const [name, value] of Object.entries(f)) {
    params.delete(name);
    if (value === true) params.set(name, "1");
    else if (value && value !== DEFAULTS[name]) params.set(name, value);
  }
  const query = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
}

// Show the rows the filters keep, count the strip, and sort; `sort` re-sorts too.
export function applyFilters({ sort = false, address = true } = {}) {
  if (!form || !table) return;
  const f = state();
  if (sort) {
    sortBody("pending-loads", f);
    sortBody("moving-loads", f);
  }
  const counts = { today: 0, tomorrow: 0, later: 0 };
  let late = 0;
  let shown = 0;
  for (const row of allRows()) {
    const keep = matches(row, f);
    row.hidden = !keep;
    if (keep) shown += 1;
    else row.classList.remove("selected");
    if (matches(row, f, true)) {
      counts[row.dataset.day] += 1;
      if (row.dataset.overdue) late += 1;
    }
  }
  const empty = document.querySelector("#pending-loads > tr.empty");
  if (empty) empty.hidden = rowsOf("pending-loads").some((row) => !row.hidden);
  for (const el of document.querySelectorAll("[data-day-count]")) {
    const day = el.dataset.dayCount;
    el.textContent = String(day ? counts[day] : counts.today + counts.tomorrow + counts.later);
  }
  const lateCount = document.querySelector("[data-late-count]");
  if (lateCount) {
    lateCount.textContent = `${late} late`;
    lateCount.hidden = !late;
  }
  for (const link of document.querySelectorAll(".day-strip a")) {
    if (link.dataset.day === f.day) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
  for (const th of table.querySelectorAll("thead th[data-sort]")) {
    if (th.dataset.sort === f.sort) th.setAttribute("aria-sort", f.dir === "asc" ? "ascending" : "descending");
    else th.removeAttribute("aria-sort");
  }
  const count = document.getElementById("shown-count");
  if (count) count.textContent = `${shown} shown`;
  if (address) writeAddress(f);
  document.dispatchEvent(new CustomEvent("board:filtered"));
}

function setField(name, value) {
  form.elements[name].value = value;
}

// --- the toolbar, the strip and the headers -----------------------------------------------
if (form && table) {
  document.body.dataset.board = "on";
  form.addEventListener("input", () => applyFilters());
  form.addEventListener("change", () => applyFilters());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    applyFilters();
  });
  document.querySelector(".day-strip")?.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-day]");
    if (!link) return;
    event.preventDefault();
    setField("day", link.dataset.day);
    applyFilters();
  });
  table.querySelector("thead").addEventListener("click", (event) => {
    const th = event.target.closest("th[data-sort]");
    if (!th || !event.target.closest("a")) return;
    event.preventDefault();
    const f = state();
    const flip = f.sort === th.dataset.sort && f.dir === "asc";
    setField("sort", th.dataset.sort);
    setField("dir", flip ? "desc" : "asc");
    applyFilters({ sort: true });
  });
}

// --- keyboard: a selected row ---------------------------------------------------------------
function visibleRows() {
  return allRows().filter((row) => !row.hidden);
}

function select(row) {
  for (const other of table.querySelectorAll("tr.selected")) other.classList.remove("selected");
  row.classList.add("selected");
  row.focus();
}

table?.addEventListener("keydown", (event) => {
  if (event.target.closest("select, input, button, textarea") || event.altKey || event.ctrlKey || event.metaKey) return;
  const row = event.target.closest("tr[data-shipment-id]");
  const rows = visibleRows();
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const at = row ? rows.indexOf(row) : -1;
    const next = event.key === "ArrowDown" ? rows[at + 1] ?? rows[rows.length - 1] : rows[Math.max(at - 1, 0)];
    if (next) select(next);
  } else if (event.key === "Enter" && row && event.target === row) {
    event.preventDefault();
    location.assign(`/app/shipments/${row.dataset.shipmentId}`);
  } else if ((event.key === "a" || event.key === "A") && row) {
    const picker = row.querySelector("select");
    if (!picker) return;
    event.preventDefault();
    picker.focus();
  }
});

table?.addEventListener("click", (event) => {
  const row = event.target.closest("tbody tr[data-shipment-id]");
  if (row && !event.target.closest("a, select, button, input")) select(row);
});

// Escape in a picker goes back to its row, so the arrows move through the loads again.
table?.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !event.target.matches("select")) return;
  const row = event.target.closest("tr[data-shipment-id]");
  if (row) select(row);
});

// --- a picker's whole ranking, on first use -------------------------------------------------
const fetched = new Set();

function option(candidate) {
  const km = candidate.deadhead_km == null ? "" : `${distance(candidate.deadhead_km)} away`;
  const detail = [km, candidate.problem ?? ""].filter(Boolean).join(", ");
  return new Option(detail ? `${candidate.full_name} — ${detail}` : candidate.full_name, candidate.driver_id);
}

async function fillPicker(select) {
  const row = select.closest("tr[data-shipment-id]");
  if (!row || fetched.has(row.dataset.shipmentId)) return;
  fetched.add(row.dataset.shipmentId);
  try {
    const ranked = await api(`/api/shipments/${row.dataset.shipmentId}/candidates`);
    const chosen = select.value;
    select.replaceChildren(select.options[0], ...ranked.map(option));
    select.value = [...select.options].some((o) => o.value === chosen) ? chosen : "";
    select.dataset.full = "true";
  } catch {
    fetched.delete(row.dataset.shipmentId); // the few drivers rendered stay; try again later
  }
}

table?.addEventListener("focusin", (event) => {
  if (event.target.matches(".picker select")) fillPicker(event.target);
});

// A live merge renders fresh pickers: their full rankings are fetched again when used.
export function forgetPickers() {
  fetched.clear();
}
